"""Why is there no roster? Find the employees and the rules that conflict, and say what to relax.

In this model employees interact only through soft goals (coverage, fairness), so the hard rules
are infeasible exactly when some employee's own rules are. The diagnosis therefore checks each
employee alone - a tiny model - and, for each one that fails, finds which rule families have to go
for a roster to exist (CP-SAT assumptions on one literal per family: the solver returns a small
set of families that together are infeasible). Unmeetable demand is not infeasibility: it is
reported as a shortfall (see kpis.coverage and `uncoverable`).
"""
from __future__ import annotations

from dataclasses import replace

from ortools.sat.python import cp_model

from .domain import Staff
from .problem import RosterProblem

# Plain words for each rule family, and what a supervisor could relax.
FAMILIES = {
    "add_pins": ("pinned shifts / days off", "unpin the conflicting shifts"),
    "add_rest_and_forbidden_successions": ("minimum rest and forbidden shift successions", "allow a shorter rest or pin different shifts"),
    "add_max_consecutive_days": ("maximum consecutive working days", "raise max_consecutive_days or change the previous roster's run"),
    "add_min_consecutive_blocks": ("minimum consecutive days off / days on", "lower min_consecutive_days_off"),
    "add_max_days_and_hours": ("maximum days and hours per week", "raise max_days or max_hours"),
    "add_min_hours": ("contracted minimum hours", "lower min_hours for this week or record the missing days as leave"),
    "add_nights": ("night-shift limits", "raise max_nights_per_week or max_consecutive_nights"),
    "add_weekends": ("maximum weekends worked", "raise max_weekends"),
    "add_shift_caps": ("per-shift maximum counts", "raise the shift caps"),
}


def _status(problem: RosterProblem, skip: frozenset[str], seconds: float) -> int:
    from .roster import build_model, new_solver
    rm = build_model(problem, skip=skip, objective=False)
    solver = new_solver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    return solver.Solve(rm.model)


def _solve(problem: RosterProblem, skip: frozenset[str], seconds: float) -> bool:
    return _status(problem, skip, seconds) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


# Why a calendar rule (scheduler.problem.CALENDAR_RULES) leaves a day without any shift.
_CALENDAR_REASONS = {
    "time_off": "time off", "fixed_days_off": "fixed day off", "closure": "centre closed",
    "nights": "no nights", "shift_caps": "no shift qualified for", "availability": "outside availability",
    "max_hours": "every shift longer than the contract", "skills": "no skill in demand",
    "opening_hours": "none of their queues open", "already_past": "before the re-plan's moment",
}


def _why_no_shift(problem: RosterProblem, e, d: int) -> str:
    """The calendar rules that rule out each shift template on day `d`, in a few words."""
    from .problem import CALENDAR_RULES
    day = problem.horizon.day(d)
    reasons = []
    for s in problem.templates:
        failing = next((name for name, rule in CALENDAR_RULES.items() if not rule(problem, e, day, s)), None)
        if failing and _CALENDAR_REASONS.get(failing, failing) not in reasons:
            reasons.append(_CALENDAR_REASONS.get(failing, failing))
    return ", ".join(reasons)


def _calendar_facts(problem: RosterProblem, e) -> str:
    h = problem.horizon
    available, closed = [], []
    for d in range(h.days):
        if problem.options(e, d):
            available.append(h.day(d).strftime("%a %d"))
        else:
            closed.append(f"{h.day(d):%a %d} ({_why_no_shift(problem, e, d)})")
    leave = [t for t in problem.staff.time_off if t.employee_id == e.id]
    parts = [f"{len(available)} of {h.days} days have an allowed shift ({', '.join(available) or 'none'})"]
    if closed:
        parts.append("none on " + ", ".join(closed))
    if e.fixed_days_off:
        parts.append("fixed days off " + ";".join("mon tue wed thu fri sat sun".split()[d] for d in sorted(e.fixed_days_off)))
    if leave:
        parts.append("time off " + ", ".join(f"{t.start}..{t.end}" for t in leave))
    parts.append(f"contract {e.min_hours:g}-{e.max_hours:g} h, at most {e.max_days} days")
    return "; ".join(parts)


def diagnose(problem: RosterProblem, seconds_per_check: float = 2.0, proven_only: bool = False) -> list[str]:
    """One readable line per conflict: employee, conflicting rule families, facts, suggestion.
    `proven_only`: name only employees whose own rules are proven to conflict (not those whose
    check ran out of time), and no line at all if there are none - for a search that timed out,
    where the hard rules may well hold."""
    lines: list[str] = []
    pins_by_emp = {}
    for pin in problem.pins:
        pins_by_emp.setdefault(pin.employee_id, []).append(pin)
    for e in problem.employees:
        alone = replace(problem, staff=Staff((e,), problem.staff.time_off, ()),
                        pins=pins_by_emp.get(e.id, []), shift_cover=[], reference=[])
        status = _status(alone, frozenset(), seconds_per_check)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) or proven_only and status != cp_model.INFEASIBLE:
            continue
        culprits = _conflicting_families(alone, seconds_per_check)
        names = " + ".join(FAMILIES[f][0] for f in culprits) if culprits else "its rules together"
        fixes = "; or ".join(FAMILIES[f][1] for f in culprits) if culprits else "review this employee's contract and calendar"
        lines.append(f"{e.id} ({e.name}): {names} cannot all hold - {_calendar_facts(problem, e)}. Suggestion: {fixes}.")
    if not lines and not proven_only:
        lines.append("every employee can be rostered alone; the conflict involves shared constraints "
                     "(check pins and the previous roster)")
    return lines


def _conflicting_families(problem: RosterProblem, seconds: float) -> list[str]:
    """A small set of rule families whose removal makes this employee rosterable: first single
    families, then pairs; the calendar itself (no allowed shift at all) is reported as min hours."""
    from .roster import HARD_RULES
    families = [f for f in HARD_RULES if f in FAMILIES]
    singles = [f for f in families if _solve(problem, frozenset({f}), seconds)]
    if singles:
        return singles
    for i, a in enumerate(families):
        for b in families[i + 1:]:
            if _solve(problem, frozenset({a, b}), seconds):
                return [a, b]
    return []
