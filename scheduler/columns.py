"""Column generation over whole work patterns: a lower bound that sees every individual rule.

The aggregated LP (``scheduler.bounds``) keeps each employee's rules only as group totals, and
its shift counts are fractional spread over groups, days and templates: on the 200-agent scaling
centre no set of named people comes within 116 shifts of them, and the LP's bound sits far below
any roster. Here the supply of each LP group is a mix of *patterns* - one employee's complete
shifts over the horizon, each keeping every hard rule of that employee - generated on demand
(Dantzig-Wolfe / column generation):

- the master LP is the aggregated LP's coverage part (breaks, queue flows, under- and over-
  staffing) with each group's shift counts tied to a convex combination of its members' patterns;
- the pricing problem asks, per class of identical employees, for the pattern of least reduced
  cost. It is a one-employee CP-SAT model built by the engine's own rule functions, so no rule is
  restated here, with the employee's own penalties (wishes, hours, start times, cost, changes).

At any iteration ``z_RMP + sum_c size_c * (min reduced cost of class c)`` is a valid lower bound
(Lagrangian bound), whatever the columns found so far, as long as the pricing minimum is a lower
bound - we use CP-SAT's proven bound of each pricing solve. Cross-employee penalty terms (fairness)
are non-negative and left out, which keeps the bound valid.

The master is also a good place to start a roster from: its patterns are weeks the employees
can actually work. ``PatternMaster.dive`` fixes pattern counts to integers step by step and
``round_patterns`` hands them to the class members.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from .bounds import build_aggregate_lp, lp_group
from .problem import RosterProblem
from . import roster as engine
from .roster import SCALE, RosterModel, build_model

# Per-employee soft goals: their penalty depends on that employee's shifts alone, so it belongs
# in the pattern's cost. (Coverage is the master's; fairness compares employees and is left out.)
EMPLOYEE_GOALS = ("add_preferences", "add_hours_deviation", "add_stable_starts", "add_cost",
                  "add_changes_from_reference")
# Dual prices enter the pricing objective as integers in units of 1/(SCALE * DUAL_SCALE).
DUAL_SCALE = 100
# Cost of an unfilled place in a class's convex combination (before patterns cover it): large
# enough that the master prefers any real pattern.
ARTIFICIAL_COST = 1e6
# Patterns added per class and master solve, best first.
COLUMNS_PER_CLASS = 3
# Dual smoothing (Wentges): price at SMOOTHING * (prices of the best bound so far) +
# (1 - SMOOTHING) * (the last master's prices).
SMOOTHING = 0.5
# Diving rounds up every pattern count whose fractional part is at least DIVE_UP, and at least
# the DIVE_BATCH share of the fractional counts nearest their next integer. 200-agent centre
# (same master, 64.7k): DIVE_UP 0.4 -> 73.6k, 0.6 -> 66.2-66.9k, 0.8 -> 65.7k, 0.95 -> 65.5k;
# the higher, the more re-solves (~0.5 s each).
DIVE_UP = 0.8
DIVE_BATCH = 0.1


@dataclass
class PricingClass:
    """Employees the pricing cannot tell apart: same record (but name), calendar, wishes, carry-over."""
    members: list[int]
    group: int                                   # index into the aggregate LP's groups
    rm: RosterModel                              # the first member's own model, every hard rule
    penalty: object                              # its own penalties, in objective units * SCALE
    patterns: list[frozenset] = field(default_factory=list)   # {(day, template)} per column
    index: dict = field(default_factory=dict)                  # pattern -> its position
    columns: list = field(default_factory=list)                # master LP variables, same order
    costs: list[float] = field(default_factory=list)


@dataclass
class PatternBound:
    value: float                 # valid lower bound, objective units
    master: float                # last restricted master LP value (an upper estimate of the LP)
    seconds: float
    iterations: int
    columns: int
    classes: list[PricingClass]
    # The last master solution: the weight of each class's patterns (same order as its patterns;
    # patterns found after that solve are not listed).
    weights: list[list[float]]
    by_queue: dict               # the last master's coverage penalty by queue (as Bound.by_queue)
    status: str = "OPTIMAL"      # OPTIMAL: the pricing found nothing better (LP solved); else TIME_LIMIT
    trace: list = field(default_factory=list)    # (seconds, bound, master)


def _class_key(problem: RosterProblem, e: int) -> str:
    """Everything the rules and per-employee penalties read about employee e, without who it is."""
    own = problem.restricted_to([e])
    strip = lambda items: sorted(repr(replace(x, employee_id="")) for x in items)   # noqa: E731
    return repr((replace(problem.employees[e], id="", name=""), strip(own.staff.time_off),
                 strip(own.staff.preferences), strip(own.previous), strip(own.pins), strip(own.reference)))


def pricing_classes(problem: RosterProblem, groups: list) -> list[PricingClass]:
    group_index = {key: g for g, (key, _) in enumerate(groups)}
    by_key: dict[str, list[int]] = defaultdict(list)
    for e in range(len(problem.employees)):
        by_key[_class_key(problem, e)].append(e)
    out = []
    for members in by_key.values():
        own = problem.restricted_to(members[:1])
        rm = build_model(own, objective=False)
        for name in EMPLOYEE_GOALS:
            getattr(engine, name)(rm)
        penalty = sum(int(round(p.weight * SCALE)) * p.expr for p in rm.penalties) if rm.penalties else 0
        g = group_index[lp_group(problem.employees[members[0]], problem.requirement.queues)]
        out.append(PricingClass(members, g, rm, penalty))
    return out


class _Patterns(cp_model.CpSolverSolutionCallback):
    """Every pattern the pricing search passes through: the later ones are better, but the
    earlier ones often price out too, and more columns per master solve mean fewer solves."""

    def __init__(self, c: PricingClass):
        super().__init__()
        self.c = c
        self.found: list[tuple[frozenset, float]] = []

    def on_solution_callback(self) -> None:
        pattern = _pattern_of(self.c, self.boolean_value)
        own = self.value(self.c.penalty) / SCALE if not isinstance(self.c.penalty, int) else 0.0
        self.found.append((pattern, own))


def _pattern_of(c: PricingClass, is_true) -> frozenset:
    """The (day, template) pairs class c's model works in a solution (``is_true(var)``)."""
    return frozenset((d, s) for (_, d, s), v in c.rm.x.items() if is_true(v))


def _one_employee_solver(seconds: float, seed: int = 0, deterministic: bool = False) -> cp_model.CpSolver:
    """A CP-SAT solver for one employee's model: one worker, the full LP relaxation (small
    models: it pays - a 364-day benchmark employee is feasible in 0.8 s with it, nothing in
    20 s without), the limit in deterministic time for reproducible runs."""
    solver = engine.new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2
    if deterministic:
        solver.parameters.max_deterministic_time = seconds
    else:
        solver.parameters.max_time_in_seconds = seconds
    return solver


def _feasible_pattern(c: PricingClass, seconds: float, seed: int, deterministic: bool = False) -> frozenset | None:
    """Any pattern keeping every hard rule of class c (no objective), or None."""
    m = c.rm.model
    m.clear_objective()
    solver = _one_employee_solver(seconds, seed, deterministic)
    if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return _pattern_of(c, solver.boolean_value)


def _pattern_cost(c: PricingClass, pattern: frozenset, seconds: float = 10.0) -> float | None:
    """The least own penalty of class c working exactly `pattern` (None if it breaks a rule)."""
    m = c.rm.model.clone()     # same variable indices, so c.penalty reads the clone's variables
    V = m.proto.variables
    for (_, d, s), v in c.rm.x.items():
        dom = V[v.Index()].domain
        dom[0] = dom[1] = int((d, s) in pattern)
    m.clear_objective()
    m.clear_hints()
    if not isinstance(c.penalty, int):
        m.minimize(c.penalty)
    solver = _one_employee_solver(seconds)
    if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return 0.0 if isinstance(c.penalty, int) else solver.ObjectiveValue() / SCALE


def _price(c: PricingClass, duals: dict, seconds: float, seed: int, deterministic: bool = False,
           hint: frozenset | None = None):
    """Patterns of class c by reduced cost under the linking duals {(day, template): price}.
    Returns ([(pattern, its own penalty)...] best last, proven lower bound of the least reduced
    cost before the convexity dual) or None if the employee has no feasible pattern (or none was
    found in time). ``hint``: a feasible pattern to start from - on long horizons the search
    with an objective may find no pattern at all in a few seconds (364 days: 1 s to 10 s)."""
    m = c.rm.model
    m.clear_hints()
    if hint is not None:
        for (_, d, s), v in c.rm.x.items():
            m.add_hint(v, (d, s) in hint)
    m.minimize(c.penalty * DUAL_SCALE + sum(int(round(duals.get((d, s), 0.0) * SCALE * DUAL_SCALE)) * v
                                           for (_, d, s), v in c.rm.x.items()))
    solver = _one_employee_solver(seconds, seed, deterministic)
    found = _Patterns(c)
    status = solver.Solve(m, found)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or not found.found:
        return None
    # Each dual was rounded by at most half a unit, and at most one template a day is worked.
    slack = 0.5 * c.rm.problem.horizon.days
    return found.found, (solver.BestObjectiveBound() - slack) / (SCALE * DUAL_SCALE)


class PatternMaster:
    """The restricted master LP and its pricing classes: ``generate`` adds patterns until none
    prices out (the bound), ``dive`` then fixes pattern counts to integers (a roster)."""

    def __init__(self, problem: RosterProblem, workers: int = 2, seed: int = 0, deterministic: bool = False):
        self.p = problem
        self.seed, self.deterministic = seed, deterministic
        self.workers = max(1, int(workers))
        agg = self.agg = build_aggregate_lp(problem, aggregate_rules=False, lazy_breaks=True)
        lp = self.lp = agg.lp
        # Without presolve GLOP keeps its basis when columns are added and re-solves warm
        # (200-agent centre: ~2 s a master instead of ~8 s from scratch).
        lp.SetSolverSpecificParametersAsString("use_preprocessing: false")
        terms = agg.objective_terms()
        lp.Minimize(sum(terms) if terms else 0)
        self.objective = lp.Objective()
        self.classes = pricing_classes(problem, agg.groups)
        # Linking rows: n[g, d, s] - (patterns of g's classes working template s on day d) = 0.
        self.link: dict[int, dict] = defaultdict(dict)
        for (g, d, s), v in agg.n.items():
            row = lp.Constraint(0, 0)
            row.SetCoefficient(v, 1)
            self.link[g][d, s] = row
        # Convexity rows: each class's members work one pattern each; an artificial slack (at a
        # prohibitive cost) keeps the first masters feasible before the patterns are there.
        self.convexity = []
        for c in self.classes:
            row = lp.Constraint(len(c.members), len(c.members))
            art = lp.NumVar(0, len(c.members), "")
            row.SetCoefficient(art, 1)
            self.objective.SetCoefficient(art, ARTIFICIAL_COST)
            self.convexity.append(row)
        self.z: float | None = None          # last master value
        self.breaks_complete = False
        self.centre: tuple | None = None     # (duals, convexity duals, dual objective) of the best bound
        self.weights: list[list[float]] = []
        self.by_queue: dict = {}
        self.duals: dict[int, dict] = {}
        self.mu = [0.0] * len(self.classes)
        self.bound = 0.0
        self.status = "TIME_LIMIT"
        self.iterations = 0
        self.trace: list = []
        self.started = False                 # ``start`` added the greedy roster's patterns

    def start(self, stop=None) -> set[tuple[int, int, int]] | None:
        """A whole roster built one employee at a time (``_greedy_patterns``), whose patterns
        become the master's first columns (``generate`` then skips its own greedy start). Each
        employee solves only their own rules: every hard rule of the engine concerns one
        employee, so the parts always fit together, where one CP-SAT search over everybody may
        find nothing at all on long horizons (a 364-day, 150-employee benchmark-sized case: no
        roster in 600 s). The roster's shifts (employee, day, template); None if some employee has
        no feasible pattern (the roster model will say why) or on `stop`."""
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            found = self._add_greedy_columns(pool, stop)
        return _hand_out(self.classes, found, self.seed, self.deterministic, stop)

    def _add_greedy_columns(self, pool, stop=None) -> list:
        """The greedy roster's patterns (``_greedy_patterns``), added as columns; returns them."""
        found = _greedy_patterns(self.p, self.classes, self.agg, pool, self.seed, self.deterministic, stop)
        for ci, pattern, own in found:
            self.add_column(ci, pattern, own)
        self.started = True
        return found

    def add_column(self, ci: int, pattern: frozenset, cost: float) -> bool:
        c = self.classes[ci]
        if pattern in c.index:
            return False
        # No upper bound of its own: the convexity row already caps it at the class size, and a
        # column sitting at an explicit bound may keep a negative reduced cost at the optimum,
        # so the Lagrangian bound (z + members * least reduced cost) never meets z
        # (Instance1: stuck at 555.99 below z = 558 for 1,800 iterations; now 9 iterations).
        col = self.lp.NumVar(0, self.lp.infinity(), "")
        self.convexity[ci].SetCoefficient(col, 1)
        self.objective.SetCoefficient(col, cost)
        for key in pattern:
            self.link[c.group][key].SetCoefficient(col, -1)
        c.index[pattern] = len(c.patterns)
        c.patterns.append(pattern)
        c.columns.append(col)
        c.costs.append(cost)
        return True

    def solve(self, seconds: float, break_rounds: int = 1) -> bool:
        """Solve the master, pricing in break offsets (at most ``break_rounds`` re-solves, none
        if 0); keep its value, pattern weights and dual prices. ``self.breaks_complete``: no
        break offset prices out at these duals, so they are the full master's (the Lagrangian
        bound needs it). One re-solve per pattern round, not three: the breaks catch up over the
        next rounds anyway, and the time goes to patterns (master after 30 s of generation,
        sample centre: 5.6-5.9k with one, 6.1-6.3k with three; 100 agents: 16.4k / 18.4k;
        200 agents after 40 s: 66.4k / 67.4k; none at all: 8.2k on the sample)."""
        t0 = time.monotonic()
        rounds = 0
        while True:
            if not self.deterministic:
                self.lp.SetTimeLimit(int(max(1.0, seconds - (time.monotonic() - t0)) * 1000))
            if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                return False
            # (Read before pricing the breaks: adding a column clears pywraplp's solution.)
            self.z = self.objective.Value()
            self.weights = [[col.solution_value() for col in c.columns] for c in self.classes]
            self.duals = {g: {key: row.dual_value() for key, row in rows.items()} for g, rows in self.link.items()}
            self.mu = [row.dual_value() for row in self.convexity]
            if break_rounds <= 0:
                self.breaks_complete = self.agg.breaks is None
                return True
            added = self.agg.breaks.price() if self.agg.breaks is not None else 0
            self.breaks_complete = added == 0
            rounds += 1
            if added == 0 or rounds > break_rounds or \
                    (not self.deterministic and time.monotonic() - t0 >= seconds):
                return True

    def price(self, pool, seconds: float, at: tuple | None = None) -> tuple[int, float | None] | None:
        """One pricing round: (patterns added, Lagrangian bound); None if some class has no
        feasible pattern at all. ``at``: the (duals, convexity duals, dual objective) to price
        at - a smoothed point (``generate``) - else the last master's. Patterns are added when
        their reduced cost at the last master's prices is negative."""
        duals, mu, z = at if at is not None else (self.duals, self.mu, self.z)
        # Each search starts from the class's heaviest pattern in the last master: on long horizons
        # a search without one may find no pattern at all in its seconds (Curtois Instance21, 182
        # days: generation stopped in its first round), and a hinted one always has a solution.
        hints = [self._heaviest_pattern(ci) for ci in range(len(self.classes))]
        results = list(pool.map(lambda ci: _price(self.classes[ci], duals.get(self.classes[ci].group, {}), seconds,
                                                  self.seed, self.deterministic, hints[ci]), range(len(self.classes))))
        if any(r is None for r in results):
            return None
        added = 0
        lagrangian = z
        for ci, (c, (found, lower)) in enumerate(zip(self.classes, results)):
            if lagrangian is not None:
                lagrangian += len(c.members) * min(0.0, lower - mu[ci])
            prices = self.duals.get(c.group, {})
            for pattern, own in found[::-1][:COLUMNS_PER_CLASS]:
                reduced = own + sum(prices.get(k, 0.0) for k in pattern) - self.mu[ci]
                if (reduced < -1e-6 or not c.columns) and self.add_column(ci, pattern, own):
                    added += 1
        return added, lagrangian

    def _heaviest_pattern(self, ci: int) -> frozenset | None:
        """Class ci's pattern with the largest weight in the last master (its first if none)."""
        c = self.classes[ci]
        weights = self.weights[ci] if ci < len(self.weights) else []
        if weights:
            return c.patterns[max(range(len(weights)), key=weights.__getitem__)]
        return c.patterns[0] if c.patterns else None

    def _smoothed(self, alpha: float) -> tuple | None:
        """The point alpha * centre + (1 - alpha) * last master's duals (Wentges smoothing).

        Both are dual feasible for every non-pattern column of the master (coverage, breaks -
        hence ``breaks_complete`` for both), so their mix is too, and its dual objective is at
        least the same mix of theirs (the variables' bounds make it concave): pricing there gives
        a valid Lagrangian bound. Prices that jump less between iterations mean fewer master
        solves in the tail (200-agent centre, with lazy breaks: bound 62.0k at 65 s and 62.7k at
        91 s, against 61.2k and 62.5k before both)."""
        if self.centre is None or alpha <= 0:
            return None
        cd, cmu, cz = self.centre
        duals = {g: {k: alpha * cd.get(g, {}).get(k, 0.0) + (1 - alpha) * v for k, v in rows.items()}
                 for g, rows in self.duals.items()}
        mu = [alpha * a + (1 - alpha) * b for a, b in zip(cmu, self.mu)]
        return duals, mu, alpha * cz + (1 - alpha) * self.z

    def generate(self, time_limit: float, pricing_seconds: float = 2.0, max_iterations: int | None = None,
                 greedy: bool = True, progress=None, stop=None) -> bool:
        """Column generation until no pattern prices out, ``time_limit`` seconds or
        ``max_iterations`` (with ``deterministic``, the limit that gives the same result every run).
        ``greedy``: start from a greedy roster's patterns (``_greedy_patterns``; already there
        after ``start``). From each
        employee's cheapest week instead, ~7 master solves (20 s) go by on the 200-agent centre
        before the patterns cover the demand (30 s: master 65.4k with the greedy start, 69.3k
        without, even with the aggregated LP's shift prices for the first pricing).
        False if some employee has no feasible pattern or no master could be solved."""
        t0 = time.monotonic()
        alpha = SMOOTHING
        best_lagrangian = -math.inf
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            if greedy and not self.started:
                self._add_greedy_columns(pool)
            while max_iterations is None or self.iterations < max_iterations:
                left = time_limit - (time.monotonic() - t0)
                if left <= 0 or (stop is not None and stop.is_set()):
                    break
                if any(c.columns for c in self.classes) and not self.solve(left):
                    break
                per = pricing_seconds if self.deterministic else \
                    min(pricing_seconds, max(0.2, left / max(1, len(self.classes)) * self.workers))
                at = self._smoothed(alpha) if self.breaks_complete else None
                priced = self.price(pool, per, at)
                self.iterations += 1
                if priced is None:
                    # Nothing found in its seconds for some class: with no column at all it may
                    # have no feasible pattern (the roster model will say); with columns the time
                    # was too short (the round's prices are dropped, the master so far stands).
                    if all(c.columns for c in self.classes):
                        break
                    return False
                added, lagrangian = priced
                # Mispricing (nothing new at the smoothed point) moves the centre towards the
                # master's prices: price at them next time.
                alpha = SMOOTHING if added or at is None else 0.0
                if lagrangian is None:
                    continue
                if not self.breaks_complete:
                    # Priced at the master's own prices (no smoothing before every break offset
                    # is in): a valid bound once the offsets still out are charged their most.
                    # Requiring them all in left the 200-agent centre without any bound from
                    # generation (150 s, 31 rounds: some offset always priced out).
                    lagrangian += self.agg.breaks.shortfall
                elif lagrangian > best_lagrangian:
                    best_lagrangian = lagrangian
                    self.centre = at if at is not None else (self.duals, self.mu, self.z)
                self.bound = max(self.bound, lagrangian)
                self.trace.append((round(time.monotonic() - t0, 2), self.bound, self.z))
                if progress is not None:
                    progress(time.monotonic() - t0, self.z, self.bound)
                # Converged when the bound meets the master up to the pricing's rounding of the
                # duals (at most half a unit per worked day and employee): z is the LP optimum.
                # The reported bound stays the Lagrangian one, a hair below z, and valid.
                rounding = sum(len(c.members) for c in self.classes) * 0.5 * self.p.horizon.days / (SCALE * DUAL_SCALE)
                if self.bound >= self.z - rounding - 1e-6 * max(1.0, abs(self.z)):
                    self.status = "OPTIMAL"
                    # The breakdown reads the LP's solution, which adding patterns cleared.
                    if (not added or self.solve(max(1.0, time_limit - (time.monotonic() - t0)))) and \
                            self.breaks_complete:
                        self.by_queue = self.agg.by_queue()
                    break
        return self.z is not None

    def dive(self, time_limit: float, stop=None) -> list[list[float]]:
        """Integer pattern counts near the master's optimum (a roster), by diving: fix every
        pattern's whole part and the counts nearest their next integer, re-solve the master and
        repeat. Each step lets the LP re-balance the members not fixed yet: on the 200-agent centre
        plain rounding of the master lost 9-16 % (71-76k from 65.8k), diving ~3 % (67-68k) in
        ~8 s. Returns the counts per class (pattern order); what is still fractional when time is
        up is rounded by ``round_patterns``. Call after ``generate``; the bound is not touched."""
        t0 = time.monotonic()
        generated = (self.z, self.weights, self.by_queue, self.duals, self.mu)
        weights = self.weights
        first = True
        deterministic_dive = math.isinf(time_limit)
        while True:
            left = time_limit - (time.monotonic() - t0)
            step_start = time.monotonic()
            # (Only bounds change while diving: no break offsets are priced in, so the dual
            # simplex can re-solve from the last basis.)
            if left <= 0 or (stop is not None and stop.is_set()) or not self.solve(left, break_rounds=0):
                break
            if first:
                # Only bounds change from here on: the dual simplex re-solves from the last basis
                # (~0.5 s a step; the primal simplex took ~20 s for the first step).
                self.lp.SetSolverSpecificParametersAsString("use_preprocessing: false use_dual_simplex: true")
                first = False
            weights = self.weights
            fractional = [(w - math.floor(w + 1e-6), ci, i) for ci, ws in enumerate(weights)
                          for i, w in enumerate(ws) if w - math.floor(w + 1e-6) > 1e-6]
            if not fractional:
                break
            room = [len(c.members) for c in self.classes]
            for ci, (c, ws) in enumerate(zip(self.classes, weights)):
                for col, w in zip(c.columns, ws):
                    col.SetLb(max(col.lb(), math.floor(w + 1e-6)))
                    room[ci] -= col.lb()
            # Round up the counts nearest their next integer: all above DIVE_UP, and at least
            # the top DIVE_BATCH of the fractional ones so the dive ends in a few dozen steps.
            # When steps are slow for the time left, fix more per step (a dive cut short leaves
            # the rest to plain rounding, which on the 50-agent centre cost ~2x).
            fractional.sort(reverse=True)
            step = time.monotonic() - step_start
            left = time_limit - (time.monotonic() - t0)
            share = DIVE_BATCH if deterministic_dive else max(DIVE_BATCH, min(1.0, 2 * step / max(left, 1e-3)))
            batch = max(1, int(share * len(fractional)))
            for k, (f, ci, i) in enumerate(fractional):
                if (f < DIVE_UP and k >= batch) or room[ci] < 1:
                    continue
                col = self.classes[ci].columns[i]
                col.SetLb(col.lb() + 1)
                room[ci] -= 1
        self.z, self.weights, self.by_queue, self.duals, self.mu = generated
        return weights

    def result(self, seconds: float) -> PatternBound:
        return PatternBound(self.bound, self.z, seconds, self.iterations,
                            sum(len(c.columns) for c in self.classes), self.classes, self.weights,
                            self.by_queue, self.status, self.trace)


def pattern_bound(problem: RosterProblem, time_limit: float = 30.0, workers: int = 2, seed: int = 0,
                  pricing_seconds: float = 2.0, max_iterations: int | None = None, deterministic: bool = False,
                  greedy: bool = True, progress=None, stop=None) -> PatternBound | None:
    """Column generation (``PatternMaster.generate``) on a problem with interval coverage.
    None when there is none, some employee has no feasible pattern at all (the roster model will
    say why) or the first master cannot be solved."""
    t0 = time.monotonic()
    if not (problem.requirement.queues or problem.shift_cover):
        return None
    master = PatternMaster(problem, workers, seed, deterministic)
    if not master.generate(time_limit - (time.monotonic() - t0), pricing_seconds, max_iterations, greedy,
                           progress, stop):
        return None
    return master.result(time.monotonic() - t0)


def _greedy_patterns(p: RosterProblem, classes: list[PricingClass], agg, pool, seed: int, deterministic: bool,
                     stop=None):
    """A first roster, one employee at a time: each takes the pattern that best covers what the
    ones before them left uncovered (the pricing model with the residual demand as prices).

    Column generation from each employee's cheapest week (or from any one set of prices) starts
    with everybody on the same few valuable shifts; these patterns instead form a whole roster,
    so the first master already staffs every interval it can. Two classes are priced at a time."""
    W = p.centre.weights
    Q = list(p.requirement.queues)
    req = p.requirement.staff
    n_int = p.horizon.n_intervals
    residual = [[float(req[qi][t]) for t in range(n_int)] for qi in range(len(Q))]
    slices = [[engine.under_slices(p, qi, t, int(req[qi][t])) if req[qi][t] > 0 else [] for t in range(n_int)]
              for qi in range(len(Q))]

    def unit_value(qi: int, t: int) -> float:
        """What one more agent on queue qi at t is worth while the queue is short."""
        r = residual[qi][t]
        if r <= 0:
            return 0.0
        return W.under_staffing * next((w for lo, hi, w in slices[qi][t] if lo < r <= hi), slices[qi][t][-1][2])

    skills = [[qi for qi, q in enumerate(Q) if q in agg.groups[c.group][0][0]] for c in classes]
    # Cover by shift: people still missing per row, and the rows each (day, template) counts for.
    cover_left = [float(c.requirement) for c in p.shift_cover]
    cover_rows = defaultdict(list)
    for i, cover in enumerate(p.shift_cover):
        d = (cover.day - p.horizon.start).days
        for s, tmpl in enumerate(p.templates):
            if 0 <= d < p.horizon.days and engine.matches(tmpl, cover.shift):
                cover_rows[d, s].append(i)

    def cover_worth(key) -> float:
        return sum(p.shift_cover[i].under_weight if cover_left[i] > 0 else -p.shift_cover[i].over_weight
                   for i in cover_rows.get(key, ()))

    order = [ci for r in range(max((len(c.members) for c in classes), default=0))
             for ci, c in enumerate(classes) if len(c.members) > r]
    # A feasible pattern per class first (no objective: fast), the start of each priced search.
    feasible = list(pool.map(lambda c: _feasible_pattern(c, 30.0, seed, deterministic), classes))
    out = []
    # Two classes priced at once (one per worker), never one class twice: its two searches would
    # share the class's model (each setting its own objective and hints) - a race that made the
    # start, and `plan --deterministic`, differ from run to run.
    batches: list[list[int]] = []
    for ci in order:
        if batches and len(batches[-1]) < 2 and ci not in batches[-1]:
            batches[-1].append(ci)
        else:
            batches.append([ci])
    for batch in batches:
        if stop is not None and stop.is_set():
            break
        prices = []
        for ci in batch:
            worth = []
            if Q:
                for t in range(n_int):
                    best = max((unit_value(qi, t) for qi in skills[ci]), default=0.0)
                    worth.append(best if best > 0 else -W.over_staffing)
            prices.append({key: -(sum(worth[t] for t in ts) if Q else 0.0) - cover_worth(key)
                           for key, ts in agg.covers.items() if Q or key in cover_rows})
        results = list(pool.map(lambda a: _price(classes[a[0]], a[1], 1.0, seed, deterministic, feasible[a[0]]),
                                zip(batch, prices)))
        for ci, result in zip(batch, results):
            if result is not None:
                pattern, own = result[0][-1]
            elif feasible[ci] is not None and (own := _pattern_cost(classes[ci], feasible[ci])) is not None:
                # The priced search found nothing in its second (long horizons): the feasible
                # pattern it started from will do; the search after this improves on it.
                pattern = feasible[ci]
            else:
                continue
            out.append((ci, pattern, own))
            for d, s in pattern:
                for i in cover_rows.get((d, s), ()):
                    cover_left[i] -= 1
                for t in agg.covers[d, s] if Q else ():
                    qi = max(skills[ci], key=lambda q: residual[q][t], default=None)
                    if qi is not None:
                        residual[qi][t] -= 1
    return out


def _hand_out(classes: list[PricingClass], found: list, seed: int, deterministic: bool,
              stop=None) -> set[tuple[int, int, int]] | None:
    """The shifts of class members given the patterns ``_greedy_patterns`` found, in order. A
    member the quick pass found nothing for gets a longer, plain feasibility solve; None if that
    finds nothing either, or on `stop`."""
    patterns: dict[int, list[frozenset]] = defaultdict(list)
    for ci, pattern, _own in found:
        patterns[ci].append(pattern)
    chosen = set()
    for ci, c in enumerate(classes):
        for k, e in enumerate(c.members):
            if stop is not None and stop.is_set():
                return None
            if k < len(patterns[ci]):
                pattern = patterns[ci][k]
            else:
                pattern = _feasible_pattern(c, 30.0, seed, deterministic)
                if pattern is None:
                    return None
            chosen.update((e, d, s) for d, s in pattern)
    return chosen


def round_patterns(classes: list[PricingClass], counts: list[list[float]]) -> set[tuple[int, int, int]]:
    """A roster's shifts (employee, day, template) from pattern counts per class (a master
    solution, or ``PatternMaster.dive``'s): each class's members get its patterns in proportion
    (largest remainders first). Every pattern keeps all of its employee's hard rules, so the
    shifts do too."""
    chosen = set()
    for c, weights in zip(classes, counts):
        k = len(c.members)
        counts = [int(w + 1e-6) for w in weights]
        order = sorted(range(len(weights)), key=lambda i: (-(weights[i] - counts[i]), i))
        for i in order[:max(0, k - sum(counts))]:
            counts[i] += 1
        if sum(counts) < k:            # no master solution yet for this class: its first pattern
            counts = counts or [0] * len(c.patterns)
            counts[0] += k - sum(counts)
        members = iter(c.members)
        for i, n in enumerate(counts):
            for _ in range(n):
                e = next(members, None)
                if e is None:
                    break
                chosen.update((e, d, s) for d, s in c.patterns[i])
    return chosen
