"""Re-optimise a part of a roster at a time - some employees on one day - everybody else held.

Why: on large centres the search over the whole model gains nothing in the time a plan has left
after its first roster (200 agents: CP-SAT's presolve of the whole model takes most of it, and
neighbourhoods of that model still carry all of its cover). Here each step is a problem of its
own: the freed employees (``RosterProblem.restricted_to``), their other days pinned as they are
(breaks included), the others' agents on duty as constants of the cover
(``RosterProblem.outside_duty``), and cover asked only on the two days the freed day's shifts can
reach - so it is built from a few hundred options and solved in about a second. Every queue flow
stays free in it, so the under- and over-staffing it prices are the whole roster's, exactly
(tests/test_subrosters.py); the freed employees' own penalties are theirs; only fairness (the
most nights or weekends anyone works) is seen among the freed employees alone, which is why the
caller prices the final roster on the whole model.

A step keeps its result only if it is cheaper than the freed employees' current shifts priced
in the same part (their shifts fixed, breaks and flows best for them), so the roster only
improves. Neighbourhoods: a random employee and others who share a queue with them (only people
who can stand in for each other can trade shifts) on a random day; their number adapts - a part
solved to optimality frees one more next time, one stopped by its time limit one fewer. Two
lanes run at once (CP-SAT releases the interpreter while it solves); parts in flight share no
employee and no cover (their days are two apart), so each one's gain holds whatever the other
keeps. Deterministic runs solve one part at a time and count every limit in CP-SAT's
deterministic time, so the same inputs and seed give the same roster on any machine.

Measured on the 200-agent scaling centre (bench/roster_scaling.py), from the same roster of
69.0k, 40 s: a window of 2 / 3 / 7 days for 6-19 employees gained 1.6-1.7k / 1.6k / 1.0k; one day
for 40-60 employees 3.2k (3.7k once the pinned days carried only their pinned shift's variable);
two lanes 76.4k against one lane's 78.9k from a 100k start in 34 s.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Callable

from ortools.sat.python import cp_model

from .domain import ShiftAssignment
from .problem import Pin, RosterProblem
from . import roster as engine

# Employees freed at first, and the bounds of their adaptation (one day each: parts of 40-60
# employees were still solved to optimality in about a second at 200 agents).
START_SIZE = 30
MIN_SIZE = 2
MAX_SIZE = 100
# Parts in a row without a gain, per day of the horizon, after which the parts stop.
STALL_ROUNDS = 3
# Seconds for one part's search (and as much for pricing its current shifts).
STEP_SECONDS = 2.0
# One worker each, with the full linear relaxation and little presolve (the parts are small):
# 19 parts gained 1.7k in 40 s where CP-SAT's defaults gained 0.6k in 18 (200 agents).
STEP_PARAMETERS: dict = {"linearization_level": 2, "max_presolve_iterations": 1, "cp_model_probing_level": 0,
                         "symmetry_level": 0}


def applicable(p: RosterProblem) -> bool:
    """Only plans whose every cross-employee term is cover per queue or fairness: no cover by
    shift type, and none of a re-plan's records (kept queues and breaks, departures), which
    restricted_to does not carry into a part."""
    return (bool(p.requirement.queues) and not p.shift_cover and not p.kept_assignments
            and not p.reference_assignments and not p.leaves_at and p.break_change_weight == 0
            and p.queue_change_weight == 0 and p.not_before is None and len(p.employees) > MIN_SIZE)


def _within(part: RosterProblem, shifts: list[ShiftAssignment], first: int, last: int) -> RosterProblem:
    """`part` with its employees' `shifts` (and days off) outside days [first, last) pinned, breaks
    included, and cover asked only where a shift of those days can reach (the day after the window
    for shifts past midnight): elsewhere nothing in the part can change, so its penalty there is a
    constant that need not be modelled."""
    h = part.horizon
    pins = list(part.pins)
    on = {(sa.employee_id, sa.day) for sa in shifts}
    for sa in shifts:
        d = (sa.day - h.start).days
        if not first <= d < last:
            pins.append(Pin(sa.employee_id, sa.day, sa.shift_id, break_start=sa.break_start))
    for emp in part.employees:
        for d in range(h.days):
            if not first <= d < last and (emp.id, h.day(d)) not in on:
                pins.append(Pin(emp.id, h.day(d), None))
    per_day = h.n_intervals // h.days
    a, b = first * per_day, min(h.n_intervals, (last + 1) * per_day)
    keep = lambda rows: tuple(tuple(v if a <= t < b else 0 for t, v in enumerate(row)) for row in rows)  # noqa: E731
    req = part.requirement
    req = replace(req, staff=keep(req.staff), agents=keep(req.agents) if req.agents is not None else None)
    return replace(part, requirement=req, pins=pins, priced_intervals=(a, b))


def _solver(seconds: float, seed: int, deterministic: bool = False) -> cp_model.CpSolver:
    """One worker; `seconds` of deterministic time if `deterministic` (reproducible), else of
    wall-clock time."""
    solver = engine.new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if deterministic:
        solver.parameters.max_deterministic_time = seconds
    else:
        solver.parameters.max_time_in_seconds = seconds
    for key, value in STEP_PARAMETERS.items():
        setattr(solver.parameters, key, value)
    return solver


def _priced(rm, chosen: set, seconds: float, seed: int, deterministic: bool, times: dict) -> tuple[dict, float] | None:
    """The part with exactly the shifts `chosen`: every variable's value (breaks and flows best
    for them) and the part's objective; None if not proven best in time."""
    solver = _solver(seconds, seed, deterministic)
    done = engine.priced(rm, chosen, solver, engine.SolveOptions(), proven=True)
    times["deterministic"] = times.get("deterministic", 0.0) + solver.response_proto.deterministic_time
    return done


class _Incumbent:
    """The incumbent shared by the lanes: each employee's shifts and duty, the duty per skill set
    and interval, and which employees and days a lane has taken (parts in flight must not share
    an employee, nor cover: a part of day d reaches the cover of days d and d+1)."""

    def __init__(self, p: RosterProblem, shifts: list[ShiftAssignment]) -> None:
        self.p = p
        Q = set(p.requirement.queues)
        self.skills = [frozenset(q for q in emp.skills if q in Q) for emp in p.employees]
        self.mine: dict[int, list[ShiftAssignment]] = defaultdict(list)
        for sa in shifts:
            self.mine[p.employee_index[sa.employee_id]].append(sa)
        self.carried: dict[int, list[int]] = defaultdict(list)
        for e, t in engine.carried_over_duty(p):
            self.carried[e].append(t)
        self.duty = {e: self._own_duty(e) for e in range(len(p.employees))}
        self.total: Counter = Counter()
        for e, c in self.duty.items():
            self._add(e, c, 1)
        self.lock = threading.Lock()
        self.busy_employees: set[int] = set()
        self.busy_days: set[int] = set()

    def _own_duty(self, e: int) -> Counter:
        c = Counter(self.carried.get(e, []))
        for sa in self.mine.get(e, []):
            c.update(engine.duty_intervals(self.p, sa))
        return c

    def _add(self, e: int, c: Counter, sign: int) -> None:
        for t, k in c.items():
            self.total[self.skills[e], t] += sign * k

    def outside(self, freed: list[int]) -> dict:
        out = Counter(self.total)
        for e in freed:
            for t, k in self.duty[e].items():
                out[self.skills[e], t] -= k
        return {key: k for key, k in out.items() if k > 0}

    def replace(self, freed: list[int], new: list[ShiftAssignment]) -> None:
        for e in freed:
            self._add(e, self.duty[e], -1)
            self.mine[e] = []
        for sa in new:
            self.mine[self.p.employee_index[sa.employee_id]].append(sa)
        for e in freed:
            self.duty[e] = self._own_duty(e)
            self._add(e, self.duty[e], 1)

    def shifts(self) -> list[ShiftAssignment]:
        return [sa for e in range(len(self.p.employees)) for sa in self.mine.get(e, [])]


def improve_by_parts(problem: RosterProblem, shifts: list[ShiftAssignment], seconds: float,
                     seed: int = 0, lanes: int = 2, stop=None, size: int = START_SIZE,
                     progress: Callable[[float, float], None] | None = None,
                     deterministic: bool = False) -> tuple[list[ShiftAssignment], dict]:
    """`shifts` (a complete roster of `problem`) improved for `seconds`: the roster's shifts (with
    their breaks) and statistics. Never worse than `shifts` in the parts' terms. `lanes` parts
    are solved at once (one CP-SAT worker each, in threads: the solver releases the interpreter).
    `progress(seconds, gain)` after each improvement: the total gain so far.

    `deterministic`: the same inputs and seed give the same roster - one lane, and `seconds`
    (each search's limit too) counted in CP-SAT's deterministic time rather than the clock;
    stats["deterministic_seconds"] is what the parts spent of it."""
    t0 = time.monotonic()
    if deterministic:
        lanes = 1
    spent = [0.0]       # deterministic seconds of the parts' searches
    p = problem
    n = len(p.employees)
    state = _Incumbent(p, shifts)
    # Who can stand in for whom: employees sharing a queue.
    by_queue: dict[str, list[int]] = defaultdict(list)
    for e in range(n):
        for q in state.skills[e]:
            by_queue[q].append(e)
    stats = {"steps": 0, "improvements": 0, "gain": 0.0, "optimal": 0, "since_gain": 0}
    # Stalled: this many parts in a row gained nothing (every day drawn about STALL_ROUNDS times):
    # the rest of the time goes to the search of the whole model, which proves small rosters
    # optimal (without this a 20-s limit on 30 agents was spent here whole).
    stall = STALL_ROUNDS * p.horizon.days
    times = stats["times"] = defaultdict(float)
    options = engine.SolveOptions(workers=1, seed=seed, lp_bound=False, stop=stop)
    days = p.horizon.days

    def lane(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        size_k = size
        while True:
            left = seconds - (spent[0] if deterministic else time.monotonic() - t0)
            if left < 0.5 or (stop is not None and stop.is_set()) or stats["since_gain"] >= stall:
                return
            with state.lock:
                free_days = [d for d in range(days) if not ({d - 1, d, d + 1} & state.busy_days)]
                idle = [e for e in range(n) if e not in state.busy_employees]
                if not free_days or not idle:
                    ready = False
                else:
                    ready = True
                    first = rng.choice(idle)
                    pool = sorted({e for q in state.skills[first] for e in by_queue[q]}
                                  - {first} - state.busy_employees)
                    freed = [first] + rng.sample(pool, min(len(pool), size_k - 1))
                    d0 = rng.choice(free_days)
                    state.busy_employees.update(freed)
                    state.busy_days.add(d0)
                    outside = state.outside(freed)
                    own = [sa for e in freed for sa in state.mine.get(e, [])]
            if not ready:
                time.sleep(0.05)
                continue
            try:
                result = _step(p, freed, own, outside, d0, min(STEP_SECONDS, left), rng.randrange(1 << 30), options,
                               deterministic)
            except BaseException:
                with state.lock:
                    state.busy_employees.difference_update(freed)
                    state.busy_days.discard(d0)
                raise
            with state.lock:
                # Released only with the result in: a lane taking these employees or days meanwhile
                # would have priced their shifts as they were before it.
                state.busy_employees.difference_update(freed)
                state.busy_days.discard(d0)
                stats["steps"] += 1
                stats["since_gain"] += 1
                for key, value in result[-1].items():
                    times[key] += value
                spent[0] += result[-1].get("deterministic", 0.0)
                if result[0] is None:
                    size_k = max(MIN_SIZE, size_k - 1)
                    continue
                optimal, gain, new, _ = result
                stats["optimal"] += int(optimal)
                size_k = min(MAX_SIZE, size_k + 1) if optimal else max(MIN_SIZE, size_k - 1)
                stats["last_size"] = size_k
                if new is None:
                    continue
                state.replace(freed, new)
                stats["since_gain"] = 0
                stats["improvements"] += 1
                stats["gain"] += gain
                if progress:
                    progress(time.monotonic() - t0, stats["gain"])

    threads = [threading.Thread(target=lane, args=(k,), daemon=True) for k in range(max(1, lanes))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stats["seconds"] = round(time.monotonic() - t0, 2)
    stats["deterministic_seconds"] = spent[0]
    return state.shifts(), stats


def _step(p: RosterProblem, freed: list[int], own: list[ShiftAssignment], outside: dict, day: int,
          seconds: float, seed: int, options, deterministic: bool = False) -> tuple:
    """One part: `freed` employees' shifts of `day` re-optimised against the `outside` duty.
    (solved to optimality, gain, the freed employees' new shifts or None if no better, seconds
    by phase); optimality None if the part's current shifts could not be priced in time."""
    times = {}
    tb = time.monotonic()
    part = _within(p.restricted_to(freed, outside_duty=outside), own, day, day + 1)
    rm = engine.build_model(part)
    times["build"] = time.monotonic() - tb
    tb = time.monotonic()
    index = part.employee_index
    chosen = {(index[sa.employee_id], (sa.day - p.horizon.start).days, part.template_index[sa.shift_id]) for sa in own}
    current = _priced(rm, chosen, max(0.5, seconds), seed, deterministic, times)
    times["price"] = time.monotonic() - tb
    if current is None:
        return None, 0.0, None, times
    tb = time.monotonic()
    values, before = current
    engine._hinted(rm.model, values)
    solver = _solver(max(0.2, seconds), seed, deterministic)
    status = engine._solve(solver, rm.model, options)
    times["deterministic"] = times.get("deterministic", 0.0) + solver.response_proto.deterministic_time
    times["solve"] = time.monotonic() - tb
    optimal = status == cp_model.OPTIMAL
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, 0.0, None, times
    after = engine.objective_of(rm.model, solver)
    if after >= before - 1e-6:
        return optimal, 0.0, None, times
    # The freed day's shifts from the part; their other days as they were (the part models no
    # break of a shift outside the cover it prices, so it would not give theirs back).
    date = p.horizon.day(day)
    new = [sa for sa in engine.extract_roster(rm, solver, queues=False).shifts if sa.day == date]
    return optimal, before - after, new + [sa for sa in own if sa.day != date], times
