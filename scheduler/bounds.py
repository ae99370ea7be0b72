"""A lower bound on the roster objective that CP-SAT's own bound cannot give us with 2 workers.

The relaxation forgets who is who: for every group g (agents with the same skill set and night
eligibility) it decides how many of them (a real number) work template s on day d, where their
breaks go and which queue their capacity flows to, under aggregate versions of the individual
rules (availability per day, weekly days, hours and nights summed over the group, and which days
each member works as a mix of the weekly day patterns their day-off rules allow). Every real
roster maps to a feasible point of this linear programme with the same coverage penalties and
no more than its hours-above-contract and cost penalties (floors per group), and every other
penalty term is non-negative, so the LP optimum is a valid lower bound on any roster's objective.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from datetime import timedelta

from ortools.linear_solver import pywraplp

from .problem import RosterProblem
from .roster import (SCALE, break_offsets, contract_minutes, coverage_terms, matches, under_slices,
                     weekly_minimum_minutes)


@dataclass
class Bound:
    value: float            # in objective units (as Roster.objective)
    seconds: float
    method: str = "aggregated LP relaxation (skill groups, GLOP)"
    status: str = "OPTIMAL"
    # LP solution: agents of LP group g (see lp_group) on template s on day d -> (fractional) count.
    targets: dict | None = None
    # LP solution's coverage penalty per queue (under-staffing) and "over_staffing": where the bound comes from.
    by_queue: dict | None = None


def lp_group(emp, queues) -> tuple[frozenset, bool]:
    """The LP's group of an employee: the queues they can serve, and whether they may work nights.
    Night eligibility splits the skill groups because the day-to-day rules bite on the few who do
    nights: pooled with everyone else, the LP had the same people on a night and the next day's
    early shift (the sample's cards+deposits group: 12.3 LP nights, 7 matchable)."""
    return frozenset(q for q in emp.skills if q in queues), bool(emp.nights)


def lp_groups(problem: RosterProblem) -> dict[tuple[frozenset, bool], list[int]]:
    """Employees (indices) by LP group: the keys of the LP's shift-count targets."""
    groups: dict[tuple[frozenset, bool], list[int]] = defaultdict(list)
    for e, emp in enumerate(problem.employees):
        groups[lp_group(emp, problem.requirement.queues)].append(e)
    return dict(groups)


def _w(weight: float) -> float:
    """The engine rounds weights to 1/SCALE; the bound must use the same numbers."""
    return int(round(weight * SCALE)) / SCALE


def _runs(mask: tuple[bool, ...], value: bool) -> list[tuple[int, int, bool]]:
    """Maximal runs of `value` in the week: (first, length, enclosed by the opposite on both sides)."""
    out, i, n = [], 0, len(mask)
    while i < n:
        if mask[i] != value:
            i += 1
            continue
        j = i
        while j < n and mask[j] == value:
            j += 1
        out.append((i, j - i, i > 0 and j < n))
        i = j
    return out


@lru_cache(maxsize=4096)
def _feasible_patterns(avail: tuple[bool, ...], max_days: int, max_run: int, min_off: int, min_on: int,
                       day_minutes: tuple[int, ...], need: int) -> list[tuple[bool, ...]]:
    """Weekly work patterns (which days are worked) that cannot be ruled out for one employee.

    Lenient on purpose, so every real roster's week passes: only days the employee may work,
    at most max_days, no run of work longer than max_run, no off (or on) block shorter than the
    minimum *enclosed within the week* (blocks at the week's ends may continue next to it), and
    enough days to reach the weekly minimum minutes with the longest shift of each day."""
    n = len(avail)
    out = []
    for bits in range(1 << n):
        mask = tuple(bool(bits >> i & 1) for i in range(n))
        if any(m and not a for m, a in zip(mask, avail)) or sum(mask) > max_days:
            continue
        if max_run > 0 and any(length > max_run for _, length, _ in _runs(mask, True)):
            continue
        if min_off > 1 and any(enc and length < min_off for _, length, enc in _runs(mask, False)):
            continue
        if min_on > 1 and any(enc and length < min_on for _, length, enc in _runs(mask, True)):
            continue
        if sum(dm for m, dm in zip(mask, day_minutes) if m) < need:
            continue
        out.append(mask)
    return out


def _add_day_patterns(lp, p: RosterProblem, members: list[int], wdays: list[int], options: dict,
                      day_vars: dict[int, list]) -> None:
    """Which days each member works in a week, as a mix of feasible weekly patterns.

    Per day the group can only field the members whose pattern includes that day. Without this
    the LP staffs each day independently and ignores the day-off rules (two consecutive days off,
    at most six days in a row, enough days for the contract): on the sample its shift counts were
    about 75 shifts (L1) away from anything named employees could be matched to.
    Members with the same feasible patterns share variables, so the LP stays small."""
    rules = p.centre.rules
    T = p.templates
    classes: dict[tuple, int] = defaultdict(int)
    for e in members:
        emp = p.employees[e]
        avail = tuple(bool(options[e, d]) for d in wdays)
        minutes = tuple(max((T[s].paid_minutes for s in options[e, d]), default=0) for d in wdays)
        # An absence that does not count in the block rules frees the blocks around it: lenient,
        # this week is held to no minimum block at all (the bound stays valid).
        absent = not rules.absences_count_in_blocks and any(p.absent(emp.id, p.horizon.day(d)) for d in wdays)
        key = (avail, emp.max_days, rules.max_consecutive_days if emp.max_consecutive_days is None else emp.max_consecutive_days,
               1 if absent else emp.min_consecutive_days_off or rules.min_consecutive_days_off,
               1 if absent else emp.min_consecutive_days or rules.min_consecutive_days, minutes,
               weekly_minimum_minutes(p, emp, wdays))
        classes[key] += 1
    patterns = {key: _feasible_patterns(*key) for key in classes}
    if not all(patterns.values()):
        return   # an employee with no feasible week: the roster model reports it; no cut here
    fielded = defaultdict(list)   # day index within the week -> pattern variables working it
    for key, count in classes.items():
        ys = [lp.NumVar(0, count, "") for _ in patterns[key]]
        lp.Add(sum(ys) == count)
        for y, mask in zip(ys, patterns[key]):
            for i, worked in enumerate(mask):
                if worked:
                    fielded[i].append(y)
    for i, d in enumerate(wdays):
        if day_vars.get(d):
            lp.Add(sum(day_vars[d]) <= sum(fielded[i]))


@dataclass
class AggregateLP:
    """The aggregated relaxation as a GLOP model, kept open so column generation
    (``scheduler.columns``) can add weekly patterns to it."""
    lp: object                              # pywraplp.Solver
    groups: list                            # [(LP group, [employee indices])]
    n: dict                                 # (group index, day, template) -> count variable
    per_queue: dict                         # queue or "over_staffing" -> [(weight, expression)]
    covers: dict                            # (day, template) -> intervals it is on duty
    breaks: "LazyBreaks | None" = None      # break offsets not in the LP yet (lazy_breaks=True)

    def objective_terms(self) -> list:
        return [w * e for terms in self.per_queue.values() for w, e in terms]

    def by_queue(self) -> dict:
        # (A term may be a plain number: surplus from last week's night in an hour with no demand.)
        value = lambda e: e.solution_value() if hasattr(e, "solution_value") else float(e)   # noqa: E731
        return {q: round(sum(w * value(e) for w, e in terms), 2) for q, terms in self.per_queue.items()}

    def targets(self) -> dict:
        return {(self.groups[g][0], d, s): v.solution_value() for (g, d, s), v in self.n.items()}


def lower_bound(problem: RosterProblem, time_limit: float = 60.0) -> Bound:
    t0 = time.monotonic()
    agg = build_aggregate_lp(problem, time_limit)
    lp = agg.lp
    objective = agg.objective_terms()
    lp.Minimize(sum(objective) if objective else 0)
    status = lp.Solve()
    seconds = time.monotonic() - t0
    if status == pywraplp.Solver.OPTIMAL:
        return Bound(lp.Objective().Value(), seconds, targets=agg.targets(), by_queue=agg.by_queue())
    # Not solved to optimality: no valid bound (0 is always valid, penalties are non-negative).
    return Bound(0.0, seconds, status={pywraplp.Solver.INFEASIBLE: "INFEASIBLE"}.get(status, "NOT_SOLVED"))


class LazyBreaks:
    """Break offsets left out of the LP until their reduced cost says they would help.

    Each (group, day, template) starts with one break offset (the middle one), so its count is
    never forced to 0; the others (~37k of the 42k columns of the 200-agent master, where GLOP's
    time goes) are priced after each solve from the dual prices of the break-sum row and of the
    supply rows the break would empty, and added when negative. The LP with every offset and the
    LP with the priced-in ones have the same optimum once ``price`` adds nothing."""

    def __init__(self, lp, over_weight: float, per_queue: dict):
        self.lp = lp
        self.over_weight = over_weight
        self.per_queue = per_queue
        # (group, day, template) -> (break-sum row, [(offset index, break intervals, supply rows)])
        self.pending: dict = {}
        self.caps: dict = {}          # (group, day, template) -> most members on that shift
        self.added = 0
        # Sum over (group, day, template) of cap x the least reduced cost of a pending offset,
        # at the last ``price``'s duals (<= 0): what the offsets not yet in the LP could still
        # lower its value by, so a Lagrangian bound stays valid before every offset is priced in.
        self.shortfall = 0.0

    def price(self, tolerance: float = 1e-7) -> int:
        """Add, per (group, day, template), the pending offset of least negative reduced cost
        at the LP's last dual prices; the number added."""
        # Read every dual first: pywraplp forgets the solution once a column is added.
        picks = []
        self.shortfall = 0.0
        for key, (row, offsets) in self.pending.items():
            if not offsets:
                continue
            base = -row.dual_value()
            best, best_rc = None, -tolerance
            for i, (k, ts, rows) in enumerate(offsets):
                # Coefficients: +1 in the break-sum row and in each supply row (a break empties
                # a seat), -over_weight per interval in the objective (one fewer idle agent).
                rc = base - self.over_weight * len(ts) - sum(r.dual_value() for r in rows)
                if rc < best_rc:
                    best, best_rc = i, rc
            if best is not None:
                picks.append((key, row, best))
                # (Their counts sum to the shift's count, at most cap: one offset takes it all.)
                self.shortfall += self.caps.get(key, 0.0) * best_rc
        for key, row, best in picks:
            k, ts, rows = self.pending[key][1].pop(best)
            b = self.lp.NumVar(0, self.lp.infinity(), f"b_{key}_{k}")
            row.SetCoefficient(b, 1)
            for r in rows:
                r.SetCoefficient(b, 1)
            if self.over_weight:
                self.lp.Objective().SetCoefficient(b, -self.over_weight * len(ts))
                self.per_queue["over_staffing"].append((self.over_weight, -len(ts) * b))
        added = len(picks)
        self.added += added
        return added


def build_aggregate_lp(problem: RosterProblem, time_limit: float = 60.0, aggregate_rules: bool = True,
                       lazy_breaks: bool = False) -> AggregateLP:
    """The LP without its objective set. ``aggregate_rules=False`` leaves out the group-level
    versions of the individual rules (day caps, day patterns, weekly days, hours and nights): a
    caller that enforces each employee's rules exactly (column generation) does not need them.
    ``lazy_breaks=True``: one break offset per shift count, the rest in ``AggregateLP.breaks``
    for the caller to price in (``LazyBreaks.price``) after each solve."""
    p = problem
    lp = pywraplp.Solver.CreateSolver("GLOP")
    lp.SetTimeLimit(int(time_limit * 1000))
    inf = lp.infinity()
    T = p.templates
    Q = list(p.requirement.queues)
    req = p.requirement.staff
    n_int = p.horizon.n_intervals
    step = p.horizon.interval_minutes
    days = p.horizon.days

    glist = list(lp_groups(p).items())

    covers = coverage_terms(p)
    on_duty = defaultdict(list)
    on_break = defaultdict(list)
    pending_breaks = []   # (g, d, s, break-sum row, [(k, intervals)]) left out (lazy_breaks)
    n = {}
    for g, (skills, members) in enumerate(glist):
        options = {(e, d): set(p.options(p.employees[e], d)) for e in members for d in range(days)}
        for d in range(days):
            day_vars = []
            for s in range(len(T)):
                cap = sum(1 for e in members if s in options[e, d])
                if cap == 0:
                    continue
                v = lp.NumVar(0, cap, f"n_{g}_{d}_{s}")
                n[g, d, s] = v
                day_vars.append(v)
                for t in covers[d, s]:
                    on_duty[g, t].append(v)
                offs = break_offsets(p, T[s])
                if offs:
                    spans = []
                    for off in offs:
                        first = (d * 1440 + T[s].start_minute + off) // step
                        spans.append([t for t in range(first, first + T[s].break_minutes // step) if 0 <= t < n_int])
                    kept = [len(offs) // 2] if lazy_breaks else range(len(offs))
                    bs = [lp.NumVar(0, cap, f"b_{g}_{d}_{s}_{k}") for k in kept]
                    row = lp.Add(sum(bs) == v)
                    for b, k in zip(bs, kept):
                        for t in spans[k]:
                            on_break[g, t].append(b)
                    if lazy_breaks and len(offs) > 1:
                        pending_breaks.append((g, d, s, row, [(k, spans[k]) for k in range(len(offs)) if k not in kept]))
            if day_vars and aggregate_rules:
                lp.Add(sum(day_vars) <= sum(1 for e in members if options[e, d]))
        for w in range(math.ceil(days / 7) if aggregate_rules else 0):
            wdays = list(range(w * 7, min(days, w * 7 + 7)))
            _add_day_patterns(lp, p, members, wdays, options,
                              {d: [n[g, d, s] for s in range(len(T)) if (g, d, s) in n] for d in wdays})
            terms = [(T[s].paid_minutes, n[g, d, s]) for d in wdays for s in range(len(T)) if (g, d, s) in n]
            if not terms:
                continue
            lp.Add(sum(v for _, v in terms) <= sum(p.employees[e].max_days for e in members))
            lp.Add(sum(m * v for m, v in terms) <= sum(p.employees[e].max_hours * 60 for e in members))
            lp.Add(sum(m * v for m, v in terms) >= sum(weekly_minimum_minutes(p, p.employees[e], wdays) for e in members))
            nights = [n[g, d, s] for d in wdays for s in range(len(T)) if (g, d, s) in n and T[s].kind == "night"]
            if nights:
                lp.Add(sum(nights) <= p.centre.rules.max_nights_per_week * sum(1 for e in members if p.employees[e].nights))

    # Carry-over shifts running into the horizon are fixed supply.
    start = p.horizon_start()
    constant = defaultdict(int)
    group_of = {e: g for g, (_, members) in enumerate(glist) for e in members}
    index = p.employee_index
    for sa in p.previous:
        if sa.end <= start or sa.employee_id not in index:
            continue
        g = group_of[index[sa.employee_id]]
        for t in range(max(0, int((sa.start - start).total_seconds() // 60) // step),
                       min(n_int, int((sa.end - start).total_seconds() // 60) // step)):
            moment = start + timedelta(minutes=t * step)
            if not (sa.break_start and sa.break_start <= moment < sa.break_end):
                constant[g, t] += 1

    W = p.centre.weights
    # Every penalty term, by queue (under-staffing) or "over_staffing": the objective is their sum,
    # and the solution's share per queue says where the bound comes from.
    per_queue = defaultdict(list)
    supply_rows = {}
    for t in range(n_int):
        served = defaultdict(list)
        supply_total = []
        for g, ((skills, _nights), _) in enumerate(glist):
            if not on_duty.get((g, t)) and not constant.get((g, t)):
                continue
            supply = sum(on_duty.get((g, t), [])) - sum(on_break.get((g, t), [])) + constant.get((g, t), 0)
            supply_total.append(supply)
            flows = []
            for qi, q in enumerate(Q):
                if q in skills and req[qi][t] > 0:
                    f = lp.NumVar(0, inf, "")
                    flows.append(f)
                    served[qi].append(f)
            if flows:
                supply_rows[g, t] = lp.Add(sum(flows) <= supply)
        served_total = []
        for qi in range(len(Q)):
            r = req[qi][t]
            if r <= 0:
                continue
            parts = []
            for lo, hi, w in under_slices(p, qi, t, r):
                part = lp.NumVar(0, hi - lo, "")
                parts.append(part)
                per_queue[Q[qi]].append((_w(W.under_staffing * w), part))
            lp.Add(sum(served[qi]) + sum(parts) >= r)
            served_total.append(r - sum(parts))
        if supply_total and W.over_staffing > 0:
            per_queue["over_staffing"].append((_w(W.over_staffing), sum(supply_total) - sum(served_total)))
    _add_shift_cover(lp, p, n, per_queue)
    if aggregate_rules:
        _add_own_penalty_floors(lp, p, glist, n, per_queue)
    breaks = None
    if lazy_breaks:
        breaks = LazyBreaks(lp, _w(W.over_staffing) if W.over_staffing > 0 else 0.0, per_queue)
        for g, d, s, row, rest in pending_breaks:
            breaks.pending[g, d, s] = (row, [(k, ts, [supply_rows[g, t] for t in ts if (g, t) in supply_rows])
                                             for k, ts in rest])
            breaks.caps[g, d, s] = n[g, d, s].ub()
    return AggregateLP(lp, glist, n, per_queue, covers, breaks)


def _add_own_penalty_floors(lp, p: RosterProblem, glist: list, n: dict, per_queue: dict) -> None:
    """What the group's shifts cost at least in the per-employee goals that grow with the hours
    worked: hours above the contracted minimum (the members' extra minutes add up to at least the
    group's minutes less their contracts) and cost (each shift at the cheapest member's rate).
    Without them the LP staffed every interval it could at no cost: on the 200-agent scaling
    centre the pattern LP (which prices each employee's own goals) found ~600 of such penalties,
    and this floor brings ~430 of them into the aggregated bound (60,413 -> 60,840).
    (Column generation prices these per pattern instead: ``aggregate_rules=False`` leaves them out.)"""
    W = p.centre.weights
    T = p.templates
    by_group: dict[int, list] = defaultdict(list)
    for (g, d, s), v in n.items():
        by_group[g].append((s, v))
    for g, (_, members) in enumerate(glist):
        counts = by_group.get(g)
        if not counts:
            continue
        if W.hours_deviation > 0:
            # (A member with no shift to choose has no extra minutes in the roster: their contract
            # in the sum only weakens the floor, which stays valid.)
            contract = sum(contract_minutes(p, p.employees[e]) for e in members)
            extra = lp.NumVar(0, lp.infinity(), "")
            lp.Add(extra >= sum(T[s].paid_minutes * v for s, v in counts) - contract)
            per_queue["hours_deviation"].append((_w(W.hours_deviation / 60.0), extra))
        if W.cost > 0:
            for s, v in counts:
                rate = min(_w(W.cost * p.employees[e].hourly_cost * T[s].paid_hours) for e in members)
                if rate > 0:
                    per_queue["cost"].append((rate, v))


def _add_shift_cover(lp, p: RosterProblem, n: dict, per_queue: dict) -> None:
    """Cover by shift (``ShiftCover`` rows) on the group counts, with the same penalties as
    ``roster.add_shift_cover``: people missing or surplus on shift X on day d."""
    by_day = defaultdict(list)
    for (g, d, s), v in n.items():
        by_day[d].append((s, v))
    for cover in p.shift_cover:
        d = (cover.day - p.horizon.start).days
        if not 0 <= d < p.horizon.days:
            continue
        count = [v for s, v in by_day[d] if matches(p.templates[s], cover.shift)]
        if cover.under_weight > 0 and cover.requirement > 0:
            u = lp.NumVar(0, cover.requirement, "")
            lp.Add(sum(count) + u >= cover.requirement)
            per_queue["shift_cover"].append((_w(cover.under_weight), u))
        if cover.over_weight > 0:
            o = lp.NumVar(0, lp.infinity(), "")
            lp.Add(sum(count) - o <= cover.requirement)
            per_queue["shift_cover"].append((_w(cover.over_weight), o))
