"""Property-based: on small random centres, every roster the engine returns passes the
independent validator (and the validator agrees with the engine that no agent counts twice)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from factories import MONDAY, employee, requirement, small_centre
from scheduler.domain import Staff, TimeOff
from scheduler.errors import InfeasibleError
from scheduler.problem import RosterProblem
from scheduler.roster import SolveOptions, solve
from scheduler.validate import validate_roster


@st.composite
def centres(draw):
    rules = {
        "min_rest_hours": draw(st.sampled_from([0, 8, 11, 12])),
        "max_consecutive_days": draw(st.integers(2, 6)),
        "min_consecutive_days_off": draw(st.integers(1, 2)),
        "max_nights_per_week": draw(st.integers(0, 4)),
        "max_consecutive_nights": draw(st.integers(1, 3)),
        "forbidden_successions": draw(st.sampled_from([[], [["night", "early"]], [["late", "early"], ["night", "day"]]])),
    }
    if draw(st.booleans()):
        rules["max_weekends"] = draw(st.integers(0, 1))
    centre = small_centre(**rules)
    # Some weeks hold a clock change of the centre's timezone (rest is elapsed time across it):
    # the weeks of the spring and autumn changes of each zone, and one without.
    zone = draw(st.sampled_from([None, "Europe/London", "America/New_York"]))
    changes = {None: [], "Europe/London": [date(2027, 3, 22), date(2027, 10, 25)],
               "America/New_York": [date(2027, 3, 8), date(2027, 11, 1)]}[zone]
    start = draw(st.sampled_from([MONDAY, *changes]))
    centre = replace(centre, timezone=zone)
    n = draw(st.integers(1, 5))
    emps, time_off = [], []
    for i in range(n):
        skills = draw(st.sets(st.sampled_from(["a", "b"]), min_size=1))
        max_days = draw(st.integers(1, 6))
        emps.append(employee(
            f"e{i}", skills=tuple(sorted(skills)), max_days=max_days,
            max_hours=draw(st.sampled_from([16, 24, 40, 48])),
            min_hours=draw(st.sampled_from([0, 0, 8])),
            nights=draw(st.booleans()),
            fixed_days_off=frozenset(draw(st.sets(st.integers(0, 6), max_size=2))),
            earliest_start=draw(st.sampled_from([None, None, 9 * 60])),
        ))
        if draw(st.booleans()):
            d = draw(st.integers(0, 6))
            time_off.append(TimeOff(f"e{i}", start + timedelta(days=d), start + timedelta(days=d + draw(st.integers(0, 2)))))
    peaks = {q: draw(st.lists(st.integers(0, 2), min_size=24, max_size=24)) for q in ("a", "b")}
    busy_days = draw(st.sets(st.integers(0, 6), min_size=1))
    need = {q: (lambda p: (lambda d, h: p[h] if d in busy_days else 0))(p) for q, p in peaks.items()}
    return centre, Staff(tuple(emps), tuple(time_off)), requirement(centre, need, start=start)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(centres())
def test_every_returned_roster_passes_the_validator(case):
    centre, staff, req = case
    try:
        roster = solve(RosterProblem(centre, staff, req), SolveOptions(time_limit=3, workers=1))
    except InfeasibleError:
        assume(False)      # random rules may be contradictory (e.g. min hours vs days off)
        return
    violations = validate_roster(centre, staff, roster.shifts, roster.queue_assignments,
                                 horizon_start=req.horizon.start, horizon_days=7)
    assert violations == [], [str(v) for v in violations]
