"""Each hard rule fails loudly when it is gone.

A mutation audit (every validator check and model rule switched off in turn) found checks no test
noticed: the validator's own checks with no model rule behind them (shift shape, breaks, horizon,
one shift a day, every assignment check) are only ever shown passing by the engine's rosters, and
model rules over last week's carry-over and per-employee limits were shown only by the Curtois
tests (whose evaluator is not ours). Here:

- a hand-built roster per validator check, breaking that check alone: the validator names it;
- a small case per model rule where it binds: the engine's roster validates (with the rule gone,
  the engine's roster breaks it and the validator says so);
- calendar rules backed up by other rules (a cap of 0, a contract shorter than every shift, no
  skill in demand): removing them leaves the rosters valid, so what shows them is the
  explanation a supervisor gets when nobody can be rostered.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from factories import MONDAY, employee, requirement, small_centre
from scheduler.domain import QueueAssignment, Requirement, ShiftAssignment, Staff
from scheduler.errors import InfeasibleError
from scheduler.problem import RosterProblem
from scheduler.roster import SolveOptions, solve
from scheduler.validate import validate_roster

FAST = SolveOptions(time_limit=20, workers=1, seed=1)
C = small_centre()
E0 = employee("e0", max_days=7, max_hours=60)


def at(day: int, hour: float) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), datetime.min.time()) + timedelta(hours=hour)


def shift(eid: str, day: int, sid: str, h0: float, hours: float = 8, brk: float | None = None,
          brk_hours: float = 1.0) -> ShiftAssignment:
    b0 = at(day, brk) if brk is not None else None
    return ShiftAssignment(eid, MONDAY + timedelta(days=day), sid, at(day, h0), at(day, h0 + hours),
                           b0, b0 + timedelta(hours=brk_hours) if b0 else None)


def caught(shifts, centre=C, emps=(E0,), assignments=None, days=7, **kw) -> set[str]:
    return {v.rule for v in validate_roster(centre, Staff(tuple(emps)), shifts, assignments,
                                            horizon_start=MONDAY, horizon_days=days, **kw)}


# ---- the validator, one broken roster per check ---------------------------------------------
RECORD = shift("e0", 0, "E-0600", 6)          # worked before a re-plan at Monday 12:00
CASES = {
    "unknown_employee": dict(shifts=[shift("ghost", 0, "E-0600", 6)]),
    "horizon": dict(shifts=[shift("e0", 7, "E-0600", 6)]),
    "shift_template": dict(shifts=[shift("e0", 0, "X-0900", 9)]),
    "shift_template (times)": dict(shifts=[shift("e0", 0, "E-0600", 7)]),
    "break (missing)": dict(shifts=[shift("e0", 0, "D-1000", 10)]),
    "break (length)": dict(shifts=[shift("e0", 0, "D-1000", 10, brk=13, brk_hours=0.5)]),
    "break (window)": dict(shifts=[shift("e0", 0, "D-1000", 10, brk=11)]),
    "break (none in the template)": dict(shifts=[shift("e0", 0, "E-0600", 6, brk=9)]),
    "break (off the planning grid)": dict(shifts=[shift("e0", 0, "D-1000", 10, brk=13 + 10 / 60)]),
    # A re-plan's record: the same shift id with other times before the moment adds work there.
    "already_past (a recorded shift made longer)": dict(shifts=[shift("e0", 0, "E-0600", 6, hours=9)],
                                                        worked_before=at(1, 0), published=[shift("e0", 0, "E-0600", 6)]),
    "already_past (a recorded shift started earlier)": dict(shifts=[shift("e0", 0, "E-0600", 5)],
                                                            worked_before=at(1, 0), published=[shift("e0", 0, "E-0600", 6)]),
    "closure": dict(shifts=[shift("e0", 2, "E-0600", 6)], centre=replace(C, closures=(MONDAY + timedelta(days=2),))),
    "availability (latest end)": dict(shifts=[shift("e1", 0, "L-1400", 14)], emps=(employee("e1", latest_end=18 * 60),)),
    "one_shift_per_day": dict(shifts=[shift("e0", 0, "E-0600", 6), shift("e0", 0, "L-1400", 14)]),
    "overlap": dict(shifts=[shift("e0", 0, "N-2200", 22), shift("e0", 1, "E-0600", 5)]),
    "min_rest (after last week)": dict(shifts=[shift("e0", 0, "E-0600", 6)], previous=[shift("e0", -1, "L-1400", 14)]),
    "min_consecutive_days_off (across the boundary)": dict(
        shifts=[shift("e0", 0, "E-0600", 6)], centre=small_centre(min_consecutive_days_off=2),
        previous=[shift("e0", -2, "E-0600", 6)]),       # Saturday worked, Sunday alone off, Monday worked
    "max_total_minutes": dict(shifts=[shift("e1", d, "E-0600", 6) for d in range(3)],
                              emps=(employee("e1", max_days=7, max_total_minutes=16 * 60),)),
    "min_total_minutes": dict(shifts=[shift("e1", 0, "E-0600", 6)], emps=(employee("e1", min_total_minutes=24 * 60),)),
    "nights (an unknown template in the night window)": dict(shifts=[shift("e1", 0, "X-2300", 23)],
                                                             emps=(employee("e1", nights=False),)),
    "forbidden_succession (after a shift of an unknown template)": dict(   # a 14:00-22:00 'late', not 'day'
        shifts=[shift("e0", 0, "X-1400", 14), shift("e0", 1, "E-0600", 6)],
        centre=small_centre(min_rest_hours=0, forbidden_successions=[["late", "early"]]),
        worked_before=at(1, 0), published=[shift("e0", 0, "X-1400", 14)]),      # a record whose template was dropped
    "horizon (a record)": dict(shifts=[shift("e0", -1, "E-0600", 6)], worked_before=at(0, 12),
                               published=[shift("e0", -1, "E-0600", 6)]),
    "break (a record's outside its shift)": dict(shifts=[shift("e0", 0, "D-1000", 10, brk=19)], worked_before=at(1, 0),
                                                 published=[shift("e0", 0, "D-1000", 10, brk=19)]),
    "unknown_employee (assignment)": dict(shifts=[RECORD], assignments=[QueueAssignment("ghost", at(0, 7), "a")]),
    "double_counting": dict(shifts=[shift("e1", 0, "E-0600", 6)], emps=(employee("e1", skills=("a", "b")),),
                            assignments=[QueueAssignment("e1", at(0, 7), "a"), QueueAssignment("e1", at(0, 7), "b")]),
    "skills (untrained queue)": dict(shifts=[RECORD], assignments=[QueueAssignment("e0", at(0, 7), "b")]),
    "skills (unknown queue, even in the record)": dict(shifts=[RECORD], assignments=[QueueAssignment("e0", at(0, 7), "zzz")],
                                                      worked_before=at(0, 12), published=[RECORD]),
    "assignment_off_duty": dict(shifts=[RECORD], assignments=[QueueAssignment("e0", at(0, 15), "a")]),
    "assignment_on_break": dict(shifts=[shift("e0", 0, "D-1000", 10, brk=13)], assignments=[QueueAssignment("e0", at(0, 13), "a")]),
}


@pytest.mark.parametrize("case", CASES)
def test_the_validator_names_each_broken_rule(case):
    rule = case.split(" (")[0]
    assert rule in caught(**CASES[case])


def test_a_zero_cap_is_named_on_the_day_of_the_shift():
    """(The weekly count check names the rule too, but on another day: this is the calendar's.)"""
    e = employee("e1", max_shifts={"E-0600": 0})
    found = validate_roster(C, Staff((e,)), [shift("e1", 0, "E-0600", 6)], horizon_start=MONDAY, horizon_days=7)
    assert any(v.rule == "shift_caps" and v.day == MONDAY for v in found)


def test_a_recorded_assignment_is_judged_by_the_skills_of_then():
    """The other way round: a re-plan's record is not held to today's skills."""
    assert caught([RECORD], assignments=[QueueAssignment("e0", at(0, 7), "b")], worked_before=at(0, 12),
                  published=[RECORD]) == set()


# ---- the model, one binding case per rule ----------------------------------------------------
def last_week(day: int, sid: str, h0: float) -> ShiftAssignment:
    return shift("e0", day, sid, h0, brk=h0 + 3 if sid.startswith("D") else None)


def solved(centre, emps, need, days=7, previous=()):
    staff = Staff(tuple(emps))
    roster = solve(RosterProblem(centre, staff, requirement(centre, need, days=days), previous=list(previous)), FAST)
    return roster, {v.rule for v in validate_roster(centre, staff, roster.shifts, roster.queue_assignments,
                                                    horizon_start=MONDAY, horizon_days=days, previous=list(previous))}


MODEL_CASES = {
    "forbidden succession after last week's night": dict(
        centre=small_centre(min_rest_hours=0, forbidden_successions=[["night", "early"]]), emps=[employee("e0", max_days=7)],
        need={"a": lambda d, h: 1 if d == 0 and h < 14 else 0}, previous=[last_week(-1, "N-2200", 22)]),
    # (By family: the validator read last week's shift family, the engine only its id and kind.)
    "forbidden succession by family after last week's shift": dict(
        centre=small_centre(min_rest_hours=0, forbidden_successions=[["D", "E"]]), emps=[employee("e0", max_days=7)],
        need={"a": lambda d, h: 1 if d == 0 and h < 14 else 0}, previous=[last_week(-1, "D-1000", 10)]),
    "consecutive days after last week's": dict(
        centre=small_centre(max_consecutive_days=3), emps=[E0],
        need={"a": lambda d, h: 1 if d == 0 and 10 <= h < 18 else 0},
        previous=[last_week(-i, "D-1000", 10) for i in (1, 2, 3)]),
    "days off after last week's": dict(
        centre=small_centre(min_consecutive_days_off=2), emps=[employee("e0", max_days=7)],
        need={"a": lambda d, h: 1 if d == 1 and 10 <= h < 18 else 0}, previous=[last_week(-1, "D-1000", 10)]),
    "consecutive nights after last week's": dict(
        centre=small_centre(max_consecutive_nights=2), emps=[E0],
        need={"a": lambda d, h: 1 if d == 0 and (h >= 22 or h < 6) or d == 1 and h < 6 else 0},
        previous=[last_week(-2, "N-2200", 22), last_week(-1, "N-2200", 22)]),
    "an employee's own max consecutive days": dict(
        centre=C, emps=[employee("e0", max_days=7, max_hours=60, max_consecutive_days=2)],
        need={"a": lambda d, h: 1 if 10 <= h < 18 else 0}),
    "an employee's maximum minutes": dict(
        centre=C, emps=[employee("e0", max_days=7, max_hours=60, max_total_minutes=16 * 60)],
        need={"a": lambda d, h: 1 if 10 <= h < 18 else 0}),
    "an employee's minimum minutes": dict(centre=C, emps=[employee("e0", min_total_minutes=24 * 60)], need={}),
    "an employee's maximum weekends": dict(
        centre=small_centre(max_consecutive_days=7), emps=[employee("e0", max_days=7, max_hours=60, max_weekends=1)],
        need={"a": lambda d, h: 1 if d % 7 >= 5 and 10 <= h < 18 else 0}, days=14),
    "last week's night into an hour without demand": dict(   # once an AttributeError in the LP's breakdown
        centre=C, emps=[employee("e0", max_days=7)], need={"a": lambda d, h: 1 if d == 0 and 6 <= h < 14 else 0},
        previous=[last_week(-1, "N-2200", 22)]),
}


@pytest.mark.parametrize("case", MODEL_CASES)
def test_the_engine_keeps_each_rule_where_it_binds(case):
    roster, violations = solved(**MODEL_CASES[case])
    assert violations == set()


# ---- calendar rules that other rules back up: the explanation shows them ----------------------
def explanation(emps, req=None) -> str:
    with pytest.raises(InfeasibleError) as exc:
        solve(RosterProblem(C, Staff(tuple(emps)), req or requirement(C, {})), FAST)
    return " ".join(exc.value.explanation)


def test_no_shift_one_is_qualified_for_is_explained():
    assert "no shift qualified for" in explanation([employee("e0", min_hours=8, max_shifts={s.id: 0 for s in C.shifts})])


def test_every_shift_longer_than_the_contract_is_explained():
    assert "every shift longer than the contract" in explanation([employee("e0", min_hours=4, max_hours=6)])


def test_no_skill_in_demand_is_explained():
    base = requirement(C, {})
    only_a = Requirement(horizon=base.horizon, queues=("a",), staff=(base.staff[0],))
    assert "no skill in demand" in explanation([employee("e0", skills=("b",), min_hours=8)], only_a)
