"""A lower bound on the roster objective that CP-SAT's own bound cannot give us with 2 workers.

The relaxation forgets who is who: for every skill group g (agents with the same skill set) it
decides how many of them (a real number) work template s on day d, where their breaks go and which
queue their capacity flows to, under aggregate versions of the individual rules (availability per
day, weekly days, hours and nights summed over the group). Every real roster maps to a feasible
point of this linear programme with the same coverage penalties, and every other penalty term is
non-negative, so the LP optimum is a valid lower bound on any roster's objective.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from ortools.linear_solver import pywraplp

from .problem import RosterProblem
from .roster import SCALE, break_offsets, coverage_terms, under_slices, weekly_minimum_minutes


@dataclass
class Bound:
    value: float            # in objective units (as Roster.objective)
    seconds: float
    method: str = "aggregated LP relaxation (skill groups, GLOP)"
    status: str = "OPTIMAL"
    # LP solution: agents of skill set `skills` on template s on day d -> (fractional) count.
    targets: dict | None = None
    # LP solution's coverage penalty per queue (under-staffing) and "over_staffing": where the bound comes from.
    by_queue: dict | None = None


def _w(weight: float) -> float:
    """The engine rounds weights to 1/SCALE; the bound must use the same numbers."""
    return int(round(weight * SCALE)) / SCALE


def lower_bound(problem: RosterProblem, time_limit: float = 60.0) -> Bound:
    t0 = time.monotonic()
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

    groups: dict[frozenset, list[int]] = defaultdict(list)
    for e, emp in enumerate(p.employees):
        groups[frozenset(q for q in emp.skills if q in Q)].append(e)
    glist = list(groups.items())

    covers = coverage_terms(p)
    on_duty = defaultdict(list)
    on_break = defaultdict(list)
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
                    bs = [lp.NumVar(0, cap, f"b_{g}_{d}_{s}_{k}") for k in range(len(offs))]
                    lp.Add(sum(bs) == v)
                    for b, off in zip(bs, offs):
                        first = (d * 1440 + T[s].start_minute + off) // step
                        for t in range(first, first + T[s].break_minutes // step):
                            if 0 <= t < n_int:
                                on_break[g, t].append(b)
            if day_vars:
                lp.Add(sum(day_vars) <= sum(1 for e in members if options[e, d]))
        for w in range(math.ceil(days / 7)):
            wdays = list(range(w * 7, min(days, w * 7 + 7)))
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
    index = {emp.id: i for i, emp in enumerate(p.employees)}
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
    objective = []
    per_queue = defaultdict(list)
    for t in range(n_int):
        served = defaultdict(list)
        supply_total = []
        for g, (skills, _) in enumerate(glist):
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
                lp.Add(sum(flows) <= supply)
        served_total = []
        for qi in range(len(Q)):
            r = req[qi][t]
            if r <= 0:
                continue
            parts = []
            for lo, hi, w in under_slices(p, qi, t, r):
                part = lp.NumVar(0, hi - lo, "")
                parts.append(part)
                objective.append(_w(W.under_staffing * w) * part)
                per_queue[Q[qi]].append((_w(W.under_staffing * w), part))
            lp.Add(sum(served[qi]) + sum(parts) >= r)
            served_total.append(r - sum(parts))
        if supply_total and W.over_staffing > 0:
            objective.append(_w(W.over_staffing) * (sum(supply_total) - sum(served_total)))
            per_queue["over_staffing"].append((_w(W.over_staffing), sum(supply_total) - sum(served_total)))
    lp.Minimize(sum(objective) if objective else 0)
    status = lp.Solve()
    seconds = time.monotonic() - t0
    if status == pywraplp.Solver.OPTIMAL:
        targets = {(glist[g][0], d, s): v.solution_value() for (g, d, s), v in n.items()}
        by_queue = {q: round(sum(w * e.solution_value() for w, e in terms), 2) for q, terms in per_queue.items()}
        return Bound(lp.Objective().Value(), seconds, targets=targets, by_queue=by_queue)
    # Not solved to optimality: no valid bound (0 is always valid, penalties are non-negative).
    return Bound(0.0, seconds, status={pywraplp.Solver.INFEASIBLE: "INFEASIBLE"}.get(status, "NOT_SOLVED"))
