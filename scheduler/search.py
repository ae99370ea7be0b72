"""Search strategies around the roster engine's CP-SAT model (``scheduler.roster.build_model``).

``improve(rm, time_limit, workers, seed)`` is a drop-in alternative to one long ``CpSolver.Solve`` for
rosters where a single solve stalls - long horizons and many employees, where CP-SAT with one or two
workers spends its time in one huge search tree and its own neighbourhood workers rarely run.
It works on the model as built (every hard rule and every penalty of the engine stays in force) and
only decides how the solver is driven:

1. **Start.** A complete feasible hint (e.g. last week's roster) is the first incumbent. Else a
   roster built one employee at a time, followed (by default) by column generation over whole
   work patterns (``pattern_start``: a lower bound that sees every individual rule, and a second
   roster, the master's dive); if none is found, a pure feasibility solve. Without generation,
   small rosters start with a solve of the full model instead (a first roster and CP-SAT's bound).
2. **Large-neighbourhood search (LNS).** Repeatedly free a part of the roster and fix the rest to
   the incumbent: a window of consecutive days for everybody (re-balances daily cover), a few
   employees over the whole horizon (horizon rules: totals, weekends, per-shift caps), a few
   employees over a window, a set of *related* employees (who can work the same shifts, so
   swaps between them are possible), or the same two days of the week in every week (weekends
   worked are a budget over the horizon). The incumbent is hinted in full, so every sub-solve starts
   from it and can only keep or improve it; equal-cost moves are accepted to drift across
   plateaus. Neighbourhood sizes adapt: a sub-problem solved to optimality grows its kind's size,
   one that times out shrinks it. Sub-solves are short at first (many small moves pay most far
   from a local optimum) and twice as long each time the search stalls (larger neighbourhoods,
   which need the time, are what still pays near one). Sub-problems are small, so each is solved by a single CP-SAT
   worker with the full linear relaxation (linearization_level 2: on the Curtois instances 10-50x
   faster than the default two-worker portfolio), one sub-problem per worker in parallel threads
   that run asynchronously (a lane that finishes early does not wait for the other).
3. **Proof.** When the LNS stalls at its longest sub-solves, the remaining time goes to a full solve
   hinted with the best roster (a good incumbent prunes the tree); on small rosters this proves
   optimality and tightens the bound.

Nothing here knows about any particular centre or benchmark: neighbourhoods are defined on the
employee x day grid of ``rm.x`` only.
"""
from __future__ import annotations

import math
import random
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from ortools.sat.python import cp_model

from .roster import SCALE, RosterModel, SolveOptions, matches, new_solver, values_objective, with_shifts

__all__ = ["SearchResult", "improve", "values_objective", "fixed_solver"]

Progress = Callable[[float, float, float], None]   # (seconds, objective, bound), engine units

# Share of the time for column generation before the LNS on large rosters (``improve``). Curtois
# 600-s runs, 2 workers (docs/benchmark.md): with 0.3 / without - Instance15 3,864-3,969 /
# 4,230-4,394; Instance17 5,845 / 5,864-5,974; Instance19 3,303 / 3,268-3,450: 3 of the 5 long
# instances within 5 % of the best known instead of 2, and a bound that proves Instance17's best
# known optimal (CP-SAT's: 3,780). (Measured with 5-s LNS sub-solves; Instance21, where it cannot
# converge, lost then - 27,761 - and now skips it.)
GENERATE_FRACTION = 0.3
# Rounds column generation takes to converge, at least (Curtois: Instance15 ~60 rounds of ~3 s,
# Instance13 31 of ~9 s - 290 s, measured 2026-12-01): after two rounds, generation whose rounds
# are too slow for this many in its time stops, and the LNS gets the time (rounds measured on
# 2026-11-30: Instance15 2.2 s, Instance17 2.6 s, Instance19 4.4-4.9 s, Instance13 6.9-8.3 s,
# Instance21 ~55 s; 180 s to generate). It was 25, which let Instance13's generation run its
# 180 s (6.9 s a round) without converging: a bound of 723 (the optimum is 1,348) for 180 s the
# LNS did not get.
ROUNDS_TO_CONVERGE = 30
# Below SHORT_RUN_SECONDS generation may take up to SHORT_RUN_GENERATE_FRACTION of the time: in a
# short run the master's dive is the roster the LNS works from and its bound the only proof, and
# 0.3 of a minute (18 s) is under the two-round check's 30 rounds of Instance11 (0.6-0.9 s each;
# it converges in ~17). Curtois at 60 s, 2 workers, seeds 0-2 (docs/benchmark.md): Instance5
# 1,146 / 1,143 / 1,147, Instance7 1,064 / 1,061 / 1,060, Instance9 442 / 439 / 441, Instance11
# 3,443 (proven optimal in 22-43 s) in all three - all within 1 % of the best known. At 600 s a
# larger share loses: 0.6 gave Instance13 2,800 and Instance19 3,905 (against 1,657-1,678 and 3,168-3,174).
SHORT_RUN_SECONDS = 300.0
SHORT_RUN_GENERATE_FRACTION = 0.5
# A pricing round against the greedy start's time (each prices every class once): measured 0.45
# (Instance13: 7.1 s / 15.6 s) to 0.77 (Instance21: ~50 s / 65 s; Instances 15, 17, 19: 0.55-0.72).
# The least of them, so the start alone skips generation only where two rounds would stop it.
ROUND_PER_START = 0.45

# Seconds per LNS sub-solve at first. Short sub-solves, many of them: from the same greedy start,
# 150 s of LNS reached (0.5 / 1 / 2 / 5 s a sub-solve) Instance21 28,951 / 27,964 / 36,530 /
# 41,759 and Instance13 - / 2,185 / - / 2,950; the neighbourhood sizes adapt to the time either way.
SUB_SECONDS = 1.0
# ... until the LNS stalls (no gain in 10 sub-solves per lane and ESCALATE_FRACTION of the time):
# then the sub-solves get twice as long, up to MAX_SUB_SECONDS, before the proof takes over.
# Near a local optimum only larger neighbourhoods, which need the time, still find gains:
# Instance15 stalled at 4,054 with 1-s sub-solves (its 5-s runs: 3,864-3,969).
ESCALATE_FRACTION = 0.03
MAX_SUB_SECONDS = 5.0

# CP-SAT parameters of every LNS sub-solve beyond one worker and the full linear relaxation: one
# round of presolve, no probing, no symmetry detection. A sub-problem is the whole model with
# most shift variables fixed, and on Curtois Instance21 (114k variables) CP-SAT spent 0.4-0.8 s of
# each 1-s sub-solve loading and presolving it before its search began; with these, 0.3-0.4 s.
# 150 s of LNS from the same greedy start (50,998), 2 workers, seeds 0 / 1 / 2: 24,569 / 23,815 /
# 23,897 against 25,004 / 24,059 / 25,450 (Instance13, seed 0: 2,073 against 2,051).
SUB_SOLVE_PARAMETERS: dict = {"max_presolve_iterations": 1, "cp_model_probing_level": 0, "symmetry_level": 0}

_STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE",
           cp_model.MODEL_INVALID: "MODEL_INVALID", cp_model.UNKNOWN: "UNKNOWN"}


@dataclass
class SearchResult:
    values: list[int] | None      # value of every variable of rm.model (proto index order); None = none found
    objective: float | None       # engine objective (penalty units, i.e. CP-SAT objective / SCALE)
    bound: float                  # proven lower bound, engine units
    status: str                   # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN
    stats: dict = field(default_factory=dict)

    def __iter__(self) -> Iterator:   # allows: values, objective, bound, status = improve(...)
        return iter((self.values, self.objective, self.bound, self.status))


def integral_bound(model: cp_model.CpModel, bound: float) -> float:
    """`bound` (engine units) raised to the least value the objective can take at or above it: the
    objective is an integer combination of its coefficients, so it moves in steps of their gcd
    (Curtois: whole penalty points - a Lagrangian bound of 5,745.6 proves a roster of 5,746
    optimal)."""
    obj = model.proto.objective
    step = math.gcd(*(abs(int(c)) for c in obj.coeffs)) if len(obj.coeffs) else 0
    factor = (obj.scaling_factor or 1.0) / SCALE
    if step == 0 or factor <= 0 or not math.isfinite(bound):
        return bound
    raw = bound / factor - obj.offset               # a lower bound on sum(coeff * value)
    # (A thousandth of a step below: a bound computed in floating point may overshoot by a hair.)
    return (math.ceil(raw / step - 1e-3) * step + obj.offset) * factor


def generation_share(time_limit: float) -> float:
    """``improve``'s default share of the time for column generation (see SHORT_RUN_SECONDS)."""
    return SHORT_RUN_GENERATE_FRACTION if time_limit < SHORT_RUN_SECONDS else GENERATE_FRACTION


def _params(solver: cp_model.CpSolver, seconds: float, workers: int, seed: int, proof: bool = False) -> None:
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, seconds)
    p.num_workers = max(1, int(workers))
    p.random_seed = int(seed)
    # With few workers CP-SAT's portfolio has no worker on the full LP relaxation; its bound stalls.
    if proof and workers <= 4 and "max_lp" not in p.extra_subsolvers:
        p.extra_subsolvers.append("max_lp")


def _set_hint(model: cp_model.CpModel, values: Sequence[int]) -> None:
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


class _Neighbourhoods:
    """Which x variables to free: rectangles and related sets on the employee x day grid."""

    KINDS = ("days", "staff", "staff_window", "related", "cover", "cover_staff", "weekdays")

    def __init__(self, rm: RosterModel, rng: random.Random) -> None:
        self.rng = rng
        p = rm.problem
        self.days = p.horizon.days
        self.weekday = [p.horizon.day(d).weekday() for d in range(self.days)]   # Monday = 0
        self.weekend_start = p.centre.rules.weekend_first_weekday
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)   # (e, d) -> x proto indices
        options: dict[int, set[int]] = defaultdict(set)                     # e -> templates it may work
        by_day: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # d -> (e, s, index)
        for (e, d, s), v in rm.x.items():
            self.cells[e, d].append(v.Index())
            options[e].add(s)
            by_day[d].append((e, s, v.Index()))
        self.employees = sorted({e for e, _ in self.cells})
        self.n_cells = len(self.cells)
        self.options = options
        # Shift-cover rows (demand per day and shift): who could fill each, to aim at shortfalls.
        self.cover: list[tuple[int, list[int], list[int], int, float, float]] = []
        for c in p.shift_cover:
            d = (c.day - p.horizon.start).days
            if 0 <= d < self.days:
                fit = [(e, i) for e, s, i in by_day[d] if matches(p.templates[s], c.shift)]
                self.cover.append((d, [i for _, i in fit], sorted({e for e, _ in fit}), c.requirement,
                                   c.under_weight, c.over_weight))
        self.cover_misses: dict[int, int] = defaultdict(int)   # cover row -> aimed-at draws without gain
        # Neighbourhood size in employee-days, per kind; adapted as the search goes.
        start = max(min(self.n_cells, 60), min(self.n_cells // 5, 1500))
        self.size = {k: float(start) for k in self.KINDS}

    def _window(self, w: int) -> range:
        w = max(1, min(self.days, w))
        d0 = self.rng.randrange(0, self.days - w + 1)
        return range(d0, d0 + w)

    def _pick(self, k: int, pool: list[int] | None = None) -> list[int]:
        pool = self.employees if pool is None else pool
        return self.rng.sample(pool, max(1, min(k, len(pool))))

    def _related(self, k: int) -> list[int]:
        seed = self.rng.choice(self.employees)
        mine = self.options[seed]

        def similarity(e: int) -> float:
            other = self.options[e]
            return len(mine & other) / max(1, len(mine | other)) + 0.3 * self.rng.random()
        ranked = sorted(self.employees, key=similarity, reverse=True)
        return ranked[:max(1, k)]

    def _weekdays(self, n: int, values: Sequence[int] | None) -> tuple[list[int], list[int]]:
        """Two consecutive days of the week (Saturday and Sunday most often) in every week, for
        as many employees as the size allows (those able to fill a short row on those days
        first). Budgets over the horizon by day of the week - weekends worked - are re-balanced
        only by moving the same weekday between weeks and people at once: on Curtois Instance13
        every employee had worked all their weekends and all 15 short shifts fell on weekends;
        freeing every weekend of everybody (other days fixed) took its 600-s roster from 1,927
        to 1,819 in 30 s, where windows of days and groups of people had stalled."""
        target = self._cover_target(values) if values is not None and self.rng.random() < 0.5 else None
        if target is not None:
            first = self.weekday[target[1]] - self.rng.randint(0, 1)
        elif self.rng.random() < 0.5:
            first = self.weekend_start                  # the weekend (Saturday and Sunday, often)
        else:
            first = self.rng.randrange(7)
        pair = {first % 7, (first + 1) % 7}
        days = [d for d in range(self.days) if self.weekday[d] in pair] or list(self._window(2))
        k = max(1, math.ceil(n / max(1, len(days))))
        return days, self._able_first(k, list(target[2]) if target is not None else [])

    def _able_first(self, k: int, able: list[int]) -> list[int]:
        """k employees: two thirds (at least one) drawn from `able` - people who could fill the
        short row aimed at - and the rest from everybody else, who may take over their other shifts."""
        staff = self.rng.sample(able, min(len(able), max(1, (2 * k) // 3))) if able else []
        chosen = set(staff)
        rest = [e for e in self.employees if e not in chosen]
        return staff + self.rng.sample(rest, min(len(rest), max(0, k - len(staff))))

    def _cover_target(self, values: Sequence[int]) -> tuple[int, int, list[int]] | None:
        """A (row, day, employees who could fill it) of a cover row that is short (or, failing
        that, over), drawn with probability proportional to its penalty over 1 + the times a
        neighbourhood aimed at it brought no gain: some shortfalls cannot be mended at all
        (Instance15: 36 of its ~40 short night shifts exceed what the staff may work of them),
        and drawing them again and again starves the ones that can."""
        weighted = []
        for r, (d, idx, staff, req, wu, wo) in enumerate(self.cover):
            n = sum(values[i] for i in idx)
            pen = wu * max(0, req - n) + wo * max(0, n - req)
            if pen > 0 and staff:
                weighted.append((pen / (1 + self.cover_misses[r]), r, d, staff))
        if not weighted:
            return None
        x = self.rng.random() * sum(w for w, _, _, _ in weighted)
        for w, r, d, staff in weighted:
            x -= w
            if x <= 0:
                return r, d, staff
        return weighted[-1][1:]

    def draw(self, kind: str, values: Sequence[int] | None = None) -> tuple[set[int], int, int | None]:
        """Proto indices of the x variables to free, the number of freed employee-days, and the
        cover row aimed at (None for kinds that aim at none)."""
        n = int(self.size[kind])
        n_emp = max(1, len(self.employees))
        target = self._cover_target(values) if kind.startswith("cover") and values is not None else None
        if kind.startswith("cover") and target is None:
            kind = "days"
        if target is not None and kind == "cover_staff":
            # People who could fill a short shift, over the whole horizon: a shortfall whose fix
            # is moving hours between distant days (all of someone's minutes spent late in the
            # horizon while early nights go short) is out of reach of any window.
            staff = self._pick(max(2, math.ceil(n / self.days)), target[2])
            days = range(self.days)
        elif target is not None:
            # Around a shortfall: a window holding that day, and people qualified for the shift
            # (plus a few others, who may take over their other shifts).
            _, d, able = target
            w = self.rng.choice([3, 5, 7, 14])
            w = max(1, min(self.days, w))
            d0 = self.rng.randint(max(0, d - w + 1), min(d, self.days - w))
            days = range(d0, d0 + w)
            staff = self._able_first(max(1, math.ceil(n / w)), able)
        elif kind == "weekdays":
            days, staff = self._weekdays(n, values)
        elif kind == "days":
            staff, days = self.employees, self._window(math.ceil(n / n_emp))
        elif kind == "staff":
            staff, days = self._pick(math.ceil(n / self.days)), range(self.days)
        elif kind == "staff_window":
            w = self.rng.choice([7, 14, 21, 28, 42, 56])
            days = self._window(w)
            staff = self._pick(math.ceil(n / len(days)))
        else:  # related employees, over a window long enough to hold n cells
            k = max(2, min(n_emp, math.ceil(n / self.days) * 2))
            days = self._window(math.ceil(n / k))
            staff = self._related(k)
        free: set[int] = set()
        cells = 0
        for e in staff:
            for d in days:
                idx = self.cells.get((e, d))
                if idx:
                    free.update(idx)
                    cells += 1
        return free, cells, (target[0] if target is not None else None)

    def feedback(self, kind: str, solved_to_optimality: bool, improved: bool = False,
                 row: int | None = None) -> None:
        if row is not None:
            self.cover_misses[row] = 0 if improved else self.cover_misses[row] + 1
        factor = 1.2 if solved_to_optimality else 0.85
        self.size[kind] = min(float(self.n_cells), max(8.0, self.size[kind] * factor))


def improve(rm: RosterModel, time_limit: float, workers: int = 2, seed: int = 0,
            progress: Progress | None = None, hint: Sequence[int] | None = None,
            start_fraction: float | None = None, proof_fraction: float | None = None,
            stall_fraction: float = 0.15, small_cells: int = 1500, sub_time: float | None = None,
            generate_fraction: float | None = None, log: int = 0) -> SearchResult:
    """Minimise rm.model's objective within `time_limit` seconds (wall clock), see module docstring.

    `hint`: values of every variable of rm.model (e.g. a previous roster), used as the first start.
    `start_fraction`: share of the time for the first full solve (at least 2 s; 0 = none: the LNS
    starts from the hint, else the pattern start, else a pure feasibility solve). Default 0 with
    column generation; without it 0.75 on rosters of at most `small_cells` employee-days, else 0.
    `proof_fraction`: share of the time kept for the final hinted full solve (default 0 after a
    start solve or with column generation, else 0.05; either way the LNS hands over early when it
    stalls - no gain for `stall_fraction` of the time and 10 sub-solves per lane).
    `sub_time`: seconds per LNS sub-solve; default SUB_SECONDS, doubled (up to MAX_SUB_SECONDS) each
    time the LNS stalls, before it hands over to the proof.
    `generate_fraction`: at most this share of the time for column generation after the roster
    built one employee at a time (``pattern_start``), before the LNS: a lower bound that sees
    every individual rule, and the master's dive as a second start (0: none). Default
    ``generation_share(time_limit)``, as measured; where the greedy start's own time (ROUND_PER_START) or
    else its first two rounds say generation cannot converge in its time (ROUNDS_TO_CONVERGE), it
    is skipped or stopped and the LNS gets the time (``pattern_start``).
    Returns a SearchResult (unpacks as values, objective, bound, status).
    """
    t0 = time.monotonic()
    T = float(time_limit)
    deadline = t0 + T
    rng = random.Random(seed)
    model = rm.model
    n_cells = len({(e, d) for (e, d, _s) in rm.x})
    if generate_fraction is None:
        generate_fraction = generation_share(T)
    # Column generation is part of the start without a hint only (a hint is the start).
    generating = generate_fraction > 0 and hint is None
    if start_fraction is None:
        # On larger rosters a full solve with the objective rarely beats the LNS started from a
        # plain feasible roster, and on long horizons it finds nothing at all in its time
        # (Curtois Instance21/23: 30 s with no roster, then a feasibility solve anyway). With
        # column generation, small rosters start from it too: the master's dive and its bound
        # beat a 45-s full solve at 60 s (Curtois Instance11: 3,443, proven, in three runs against
        # 3,459-3,466 and one CP-SAT solve's 3,447-3,904; Instances 5, 7, 9 within 1 % in every
        # run - docs/benchmark.md).
        start_fraction = 0.0 if generating or n_cells > small_cells else 0.75
    start_seconds = max(2.0, start_fraction * T) if start_fraction > 0 else 0.0
    if proof_fraction is None:
        # Without the start's full solve or column generation nothing gives a lower bound unless
        # the LNS stalls, so keep a little time for the hinted full solve (Instance15: bound 3,751
        # from it, else 0). With generation, its bound is the better one where it converges
        # (Instance15 3,824, Instance17 5,746 against CP-SAT's 3,751 and 3,780), and where it is
        # too slow to, the full model is too large for the proof as well (Instance13: 18,
        # Instance21: 0 in its 30 s): the LNS keeps that time (it still hands over on a stall).
        proof_fraction = 0.0 if start_seconds > 0 or generating else 0.05
    stats: dict = {"phases": [], "lns_iterations": 0, "lns_improvements": 0, "by_kind": {},
                   "start_fraction": start_fraction, "generate_fraction": generate_fraction if generating else 0.0}
    best: list[int] | None = None
    best_obj = math.inf
    bound = 0.0   # every engine penalty is >= 0

    def elapsed() -> float:
        return time.monotonic() - t0

    def record(values: list[int], obj: float, where: str) -> None:
        nonlocal best, best_obj
        if obj < best_obj - 1e-9 or best is None:
            if log:
                print(f"[search] {elapsed():7.1f}s {where}: {obj:g} (bound {bound:g})", file=sys.stderr, flush=True)
            best, best_obj = values, obj
            if progress:
                progress(elapsed(), obj, bound)
        elif obj <= best_obj + 1e-9:
            best = values   # equal cost: move across the plateau

    def full_solve(seconds: float, with_objective: bool, phase: str, proof: bool) -> int:
        nonlocal bound
        m = model.clone()
        if not with_objective:
            m.clear_objective()
        if best is not None:
            _set_hint(m, best)
        elif hint is not None:
            _set_hint(m, hint)
        solver = new_solver()
        _params(solver, seconds, workers, seed, proof=proof)
        status = solver.Solve(m)
        stats["phases"].append({"phase": phase, "seconds": round(solver.WallTime(), 2),
                                "status": _STATUS.get(status, str(status))})
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = list(solver.response_proto.solution)
            record(values, values_objective(model, values), phase)
        if with_objective and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bound = max(bound, solver.BestObjectiveBound() / SCALE)
            if status == cp_model.OPTIMAL:
                bound = max(bound, best_obj)
        return status

    # 0. A complete hint that satisfies the model is the first incumbent, so the search can only
    # keep or improve it (a hint alone is a suggestion CP-SAT may abandon).
    if hint is not None and len(hint) == len(model.proto.variables):
        try:
            checked = fixed_solver(rm, hint, time_limit=min(10.0, 0.1 * T))
            values = list(checked.response_proto.solution)
            record(values, values_objective(model, values), "hint")
        except ValueError as exc:
            if log:
                print(f"[search] hint not used: {exc}", file=sys.stderr, flush=True)

    # 1. Start: the full model for a short while (small rosters), else a feasible roster.
    if start_seconds > 0:
        status = full_solve(min(start_seconds, T), True, "start", proof=True)
        if status == cp_model.INFEASIBLE:
            return SearchResult(None, None, bound, "INFEASIBLE", stats)
    if best is None and start_seconds == 0 and hint is None and deadline - time.monotonic() > 1:
        # Large rosters: one employee at a time (every hard rule concerns one employee), then
        # everything else (cover, breaks, flows) for those shifts. A 364-day, 150-employee case
        # got no roster at all from the feasibility search in 600 s.
        # Then column generation over whole patterns for a share of the time (generation_share
        # unless told otherwise), and its dive.
        def on_roster(values: list[int], name: str) -> None:
            stats["phases"].append({"phase": name, "seconds": round(elapsed(), 2), "status": "FEASIBLE"})
            record(values, values_objective(model, values), name)

        # (Half the time left for the start alone, as before the option; generation may need more.)
        share = 0.75 if generate_fraction > 0 else 0.5
        lagrangian = pattern_start(rm, share * (deadline - time.monotonic()), generate_fraction * T, workers, seed,
                                   on_roster, report=stats)
        bound = max(bound, integral_bound(model, lagrangian))
        if generate_fraction > 0:
            stats["pattern_bound"] = round(lagrangian, 2)
        if best is None:
            stats["phases"].append({"phase": "independent start", "seconds": round(elapsed(), 2),
                                    "status": "UNKNOWN"})
    if best is None and deadline - time.monotonic() > 1:
        # Without a roster nothing else can happen: feasibility may take most of the time.
        share = 0.5 if start_seconds > 0 else 0.9
        status = full_solve(share * (deadline - time.monotonic()), False, "feasibility", proof=False)
        if status == cp_model.INFEASIBLE:
            return SearchResult(None, None, bound, "INFEASIBLE", stats)
    if best is None:
        return SearchResult(None, None, bound, "UNKNOWN", stats)

    # 2. LNS: `workers` lanes, each a thread with its own copy of the model that draws a
    # neighbourhood around the current best roster, solves it with one CP-SAT worker (which releases
    # the GIL) and reports back. Lanes run asynchronously: one that finishes early starts its next
    # sub-problem at once instead of waiting for the slowest (in lock-step rounds half the time went
    # to waiting). A lane's result counts if it beats the best known when it arrives; it is always a
    # complete roster of the full model, so a result built on an older incumbent is still valid.
    lns_end = deadline - proof_fraction * T
    if best_obj > bound + 1e-9 and lns_end - time.monotonic() > 0.5:
        hoods = _Neighbourhoods(rm, rng)
        lanes = max(1, int(workers))
        x_idx = [v.Index() for v in rm.x.values()]
        V0 = model.proto.variables
        original = {i: (V0[i].domain[0], V0[i].domain[1]) for i in x_idx}
        step = sub_time if sub_time is not None else SUB_SECONDS
        longest = step if sub_time is not None else max(step, MAX_SUB_SECONDS)
        kinds = list(hoods.KINDS)
        gain = {k: 1.0 for k in kinds}       # smoothed improvement per second, per kind
        lock = threading.Lock()
        state = {"it": 0, "last_gain": time.monotonic(), "since": 0, "stop": False, "step": step}
        stats["sub_seconds"] = [(0.0, step)]   # (when, seconds per sub-solve from then on)

        def prepare(work: cp_model.CpModel, free: set[int], base: list[int], last: dict) -> None:
            """Free `free`, fix every other x to `base`. Only the domains that change since the
            lane's last sub-problem are written (`last`: its free set and base): writing all of
            them took 0.2-0.3 s a sub-problem on Instance21 (90k shift variables), as long as
            the small sub-solves themselves."""
            V = work.proto.variables
            if "base" in last:
                old_base, old_free = last["base"], last["free"]
                touched = old_free | free
                touched.update(i for i in x_idx if base[i] != old_base[i])
            else:
                touched = x_idx
            for i in touched:
                d = V[i].domain
                if i in free:
                    d[0], d[1] = original[i]
                else:
                    d[0] = d[1] = base[i]
            last["base"], last["free"] = base, free   # (draw makes a new set each time)
            _set_hint(work, base)

        def sub_solve(work: cp_model.CpModel, seconds: float, sub_seed: int):
            solver = new_solver()
            _params(solver, seconds, 1, sub_seed)
            # Small sub-problems: the full linear relaxation pays for itself many times over.
            solver.parameters.linearization_level = 2
            for k, v in SUB_SOLVE_PARAMETERS.items():   # (less presolve: above)
                setattr(solver.parameters, k, v)
            status = solver.Solve(work)
            values = list(solver.response_proto.solution) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
            return status, values

        failures: list[BaseException] = []

        def lane(work: cp_model.CpModel) -> None:
            try:
                lane_loop(work)
            except BaseException as exc:   # re-raised in the caller's thread below
                with lock:
                    failures.append(exc)
                    state["stop"] = True

        def lane_loop(work: cp_model.CpModel) -> None:
            nonlocal bound
            last: dict = {}
            while True:
                with lock:
                    now = time.monotonic()
                    done = state["stop"] or now >= lns_end - 0.2 or best_obj <= bound + 1e-9
                    # No gain for a while: longer sub-solves first; stalled at the longest, the rest
                    # of the time goes to the full, hinted solve.
                    quiet = now - state["last_gain"]
                    if (not done and state["since"] >= 10 * lanes and state["step"] < longest
                            and quiet > ESCALATE_FRACTION * T):
                        state["step"] = min(longest, 2 * state["step"])
                        state["since"], state["last_gain"] = 0, now
                        stats["sub_seconds"].append((round(elapsed(), 1), state["step"]))
                        quiet = 0.0
                    stalled = state["since"] >= 10 * lanes and quiet > stall_fraction * T
                    if done or stalled:
                        if not done:
                            stats["lns_stalled_at"] = round(elapsed(), 1)
                        state["stop"] = True
                        return
                    state["it"] += 1
                    sub_seed = seed + state["it"]
                    # Mostly the kind that paid best lately, sometimes any (keeps every kind alive).
                    kind = rng.choice(kinds) if rng.random() < 0.3 else max(kinds, key=lambda k: gain[k] * rng.random())
                    base, before = best, best_obj
                    free, cells, row = hoods.draw(kind, base)
                    seconds = min(state["step"], lns_end - now)
                prepare(work, free, base, last)
                t_sub = time.monotonic()
                status, values = sub_solve(work, seconds, sub_seed)
                obj = values_objective(model, values) if values is not None else math.inf
                with lock:
                    spent = max(1e-3, time.monotonic() - t_sub)
                    if status == cp_model.OPTIMAL and cells >= hoods.n_cells and values is not None:
                        bound = max(bound, obj)   # the whole roster was free: proven
                    hoods.feedback(kind, status == cp_model.OPTIMAL, obj < before - 1e-9, row)
                    gain[kind] = 0.7 * gain[kind] + 0.3 * (max(0.0, before - obj) / spent + 0.01)
                    k = stats["by_kind"].setdefault(kind, {"iterations": 0, "improvements": 0, "gain": 0.0})
                    k["iterations"] += 1
                    k["improvements"] += int(obj < before - 1e-9)
                    k["gain"] = round(k["gain"] + max(0.0, before - obj), 2)
                    if log and log > 1:
                        print(f"[lns] {elapsed():6.1f}s {kind:12s} cells={cells:5d} {_STATUS.get(status)} "
                              f"{spent:.2f}s obj={obj:g} best={best_obj:g}", file=sys.stderr, flush=True)
                    improved = values is not None and obj < best_obj - 1e-9
                    if values is not None:   # record keeps it only if better or equal (plateau move)
                        record(values, obj, f"lns {kind} {cells} cells")
                    stats["lns_improvements"] += int(improved)
                    state["since"] += 1
                    if improved:
                        state["last_gain"], state["since"] = time.monotonic(), 0

        threads = [threading.Thread(target=lane, args=(model.clone(),), daemon=True) for _ in range(lanes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]
        stats["lns_iterations"] = state["it"]
        stats["sizes"] = {k: int(v) for k, v in hoods.size.items()}

    # 3. Proof: the full model, hinted with the best roster, for the time that is left.
    if best_obj > bound + 1e-9 and deadline - time.monotonic() > 0.5:
        full_solve(deadline - time.monotonic(), True, "proof", proof=True)

    # 4. Everything but the shifts at its least for the best shifts: a sub-solve that stopped at
    # FEASIBLE may leave a cover or request variable above what its shifts need, and the objective
    # reported would exceed the roster's penalty (Instance21: 27,761 reported, 27,760 by the
    # evaluator). At least 1 s, so it may end up to 1 s past the limit.
    if best is not None and best_obj > bound + 1e-9:
        chosen = {key for key, v in rm.x.items() if best[v.Index()]}
        tight = _with_shifts(rm, chosen, min(5.0, deadline - time.monotonic()), workers, seed)
        tight_obj = values_objective(model, tight) if tight is not None else math.inf
        if tight_obj < best_obj - 1e-9:
            best, best_obj = tight, tight_obj

    status_name = "OPTIMAL" if best_obj <= bound + 1e-9 else "FEASIBLE"
    stats["seconds"] = round(elapsed(), 2)
    return SearchResult(best, best_obj, min(bound, best_obj), status_name, stats)


def independent_start(rm: RosterModel, time_limit: float, workers: int = 2, seed: int = 0) -> list[int] | None:
    """Values of every variable of rm.model for a roster built one employee at a time
    (``columns.PatternMaster.start``), the rest of the model solved with those shifts fixed; None if
    either step finds nothing within `time_limit` seconds. (``pattern_start`` without generation.)"""
    found: list[list[int]] = []
    pattern_start(rm, time_limit, 0.0, workers, seed, lambda values, _name: found.append(values))
    return found[0] if found else None


def pattern_start(rm: RosterModel, time_limit: float, generate_seconds: float, workers: int = 2, seed: int = 0,
                  on_roster: Callable[[list[int], str], None] | None = None, report: dict | None = None) -> float:
    """Two first rosters and a lower bound from column generation over whole work patterns
    (``scheduler.columns.PatternMaster``): the roster built one employee at a time (as
    ``independent_start``), then - after at most `generate_seconds` of generation - the master's
    dive to integer pattern counts. Each roster's values go to ``on_roster(values, name)`` as soon
    as it is complete. Returns the master's Lagrangian lower bound (0 if none was proven), valid
    for rm's objective: the master holds every penalty of one employee's shifts and the cover,
    and leaves out only the cross-employee (fairness) terms, which are never negative.

    Why: which cover goes short is a question over whole schedules, which the master sees and
    windows of the LNS do not. Its bound is tight (Curtois Instance13: 1,347.8, the best known
    1,348 is optimal; CP-SAT's after 600 s: 18). Its dive is a better start than the greedy
    roster on some instances only (Instance15: 6,670 vs 13,692, then 3,869 after the LNS against
    4,230 without; Instances 13 and 19: no better), since the master's columns combine into good
    fractional but poor integer rosters; ``improve`` gives it ``generation_share`` of the time."""
    from .columns import PatternMaster, round_patterns
    t0 = time.monotonic()

    def left() -> float:
        return time_limit - (time.monotonic() - t0)

    report = {} if report is None else report

    def may_converge(seconds_per_round: float) -> bool:
        return seconds_per_round * ROUNDS_TO_CONVERGE <= generate_seconds

    stop = threading.Event()
    timer = threading.Timer(max(0.0, time_limit), stop.set)
    timer.start()
    try:
        master = PatternMaster(rm.problem, workers, seed)
        t_start = time.monotonic()
        chosen = master.start(stop)
        start_seconds = time.monotonic() - t_start
        report["start_seconds"] = round(start_seconds, 2)
        values = _with_shifts(rm, chosen, left(), workers, seed)
        if values is None:
            return 0.0
        if on_roster is not None:
            on_roster(values, "independent start")
        if generate_seconds <= 0:
            return master.bound
        # The start priced every class once, as a round of generation does: when even the least
        # a round takes against it (ROUND_PER_START) says generation cannot converge in its time,
        # no round is spent to find that out (Instance21: a 65-s start, two rounds ~100 s).
        if not may_converge(ROUND_PER_START * start_seconds):
            report["generation"] = "skipped"
            return master.bound
        # Else two rounds: if they say generation cannot converge in its time, the time goes to
        # the LNS instead (Curtois, 600 s: Instance21, ~55 s a round, 25,807 after 180 s of
        # generation with no bound, against 22,025-24,329 without; Instance13, ~8 s a round).
        t_gen = time.monotonic()
        if not master.generate(min(generate_seconds, left()), max_iterations=2, stop=stop) or left() <= 1:
            return master.bound
        per_round = (time.monotonic() - t_gen) / max(1, master.iterations)
        converging = may_converge(per_round)
        report.update(generation_seconds_per_round=round(per_round, 2),
                      generation="run" if converging else "stopped")
        if master.status != "OPTIMAL":
            if not converging:
                return master.bound
            spent = time.monotonic() - t_gen
            if not master.generate(min(generate_seconds - spent, left()), stop=stop) or left() <= 1:
                return master.bound
        # The dive re-solves only the master (bounds change, ~0.1-1 s a step); completing the
        # roster is one small CP-SAT solve for everything but the shifts.
        chosen = round_patterns(master.classes, master.dive(0.5 * left(), stop=stop))
        values = _with_shifts(rm, chosen, left(), workers, seed)
        if values is not None and on_roster is not None:
            on_roster(values, "pattern dive")
        return master.bound
    finally:
        timer.cancel()


def _with_shifts(rm: RosterModel, chosen: set | None, time_limit: float, workers: int, seed: int) -> list[int] | None:
    """Values of every variable of rm.model with exactly the shifts `chosen` (employee, day,
    template) worked: the rest of the model (cover, breaks, flows) solved for them
    (``roster.with_shifts``); None if there is no such roster within `time_limit` seconds."""
    if chosen is None or time_limit <= 0:
        return None
    solver = new_solver()
    _params(solver, max(1.0, time_limit), workers, seed)
    solved = with_shifts(rm, chosen, solver, SolveOptions())
    if solved is None or solved[0] not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution)


def fixed_solver(rm: RosterModel, values: Sequence[int], time_limit: float = 30.0) -> cp_model.CpSolver:
    """A CpSolver whose solution is `values` (all variables fixed by hint), so code written
    against a solver - ``roster.extract_roster(rm, solver)``, ``explain.explain`` - can read a
    roster found by :func:`improve`. Raises ValueError if `values` breaks a constraint."""
    model = rm.model.clone()
    _set_hint(model, values)
    solver = new_solver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ValueError(f"the given values do not satisfy the model ({_STATUS.get(status, status)})")
    return solver
