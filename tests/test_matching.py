"""The guided start's matching of named employees to anonymous shift counts (scheduler.matching)."""
from __future__ import annotations

from collections import Counter

from factories import MONDAY, busy_week_problem, employee, requirement, small_centre
from scheduler.domain import Staff, TimeOff
from scheduler.bounds import lp_group, lp_groups
from scheduler.matching import match_shift_counts
from scheduler.problem import RosterProblem
from scheduler import roster as roster_module
from scheduler.roster import SolveOptions, solve
from scheduler.validate import validate_roster


def _counts(problem, chosen):
    group = {e: skills for skills, members in lp_groups(problem).items() for e in members}
    return Counter((group[e], d, s) for e, d, s in chosen)


def test_counts_of_a_real_roster_are_matched_exactly_under_every_rule():
    """Targets taken from a feasible roster are reachable: the matching must hit them exactly,
    and the shifts it returns keep every hard rule (checked by the independent validator)."""
    problem = busy_week_problem()
    roster = solve(problem, SolveOptions(time_limit=5, workers=2, seed=1))
    index = {e.id: i for i, e in enumerate(problem.employees)}
    tindex = {s.id: i for i, s in enumerate(problem.templates)}
    shifts = {(index[s.employee_id], (s.day - MONDAY).days, tindex[s.shift_id]) for s in roster.shifts}
    targets = {k: float(v) for k, v in _counts(problem, shifts).items()}
    chosen = match_shift_counts(problem, targets, budget=10, seed=3)
    assert chosen is not None
    assert _counts(problem, chosen) == _counts(problem, shifts)
    # Those shifts, completed with breaks and queue flows, make a roster the validator accepts.
    rm = roster_module.build_model(problem)
    values = roster_module.complete_hint(rm, SolveOptions(time_limit=5, workers=2), chosen, budget=5)
    assert values is not None
    roster_module._hinted(rm.model, values)
    matched = roster_module.extract_roster(rm, roster_module._replay_hint(rm))
    assert validate_roster(problem.centre, problem.staff, matched.shifts, matched.queue_assignments,
                           horizon_start=MONDAY, horizon_days=7) == []


def test_matching_respects_individual_rules_over_the_targets():
    """Four early shifts wanted from a group of four, but e1 is on leave on Monday and e2 may work
    at most three days: the matching keeps both rules and comes as close as they allow."""
    centre = small_centre()
    early = next(i for i, s in enumerate(centre.shifts) if s.id.startswith("E"))
    emps = (employee("e0"), employee("e1"), employee("e2", max_days=3), employee("e3"))
    staff = Staff(emps, (TimeOff("e1", MONDAY, MONDAY),))
    problem = RosterProblem(centre, staff, requirement(centre, {"a": {(0, 8): 4}}))
    skills = lp_group(emps[0], problem.requirement.queues)     # the LP group of all four
    monday_only = match_shift_counts(problem, {(skills, 0, early): 4.0}, budget=5)
    assert monday_only == {(0, 0, early), (2, 0, early), (3, 0, early)}
    every_day = match_shift_counts(problem, {(skills, d, early): 4.0 for d in range(7)}, budget=5)
    assert not any(e == 1 and d == 0 for e, d, _ in every_day)            # e1 on leave on Monday
    assert sum(1 for e, _, _ in every_day if e == 2) == 3                  # e2: three days, no more
    assert len(every_day) == 5 + 5 + 3 + 5                                  # everyone's maximum days
