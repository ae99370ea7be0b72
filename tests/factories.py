"""Small hand-made centres for tests: every number is chosen so a human can check the answer."""
from __future__ import annotations

from datetime import date

from scheduler.config import centre_from_dict
from scheduler.domain import Employee, Horizon, Requirement, Staff

MONDAY = date(2026, 11, 30)


def small_centre(**rules):
    data = {
        "centre": {"name": "Test", "interval_minutes": 60},
        "queues": [
            {"id": "a", "name": "A", "hours": "24h"},
            {"id": "b", "name": "B", "hours": "24h"},
        ],
        "shifts": [
            {"id": "E", "starts": ["06:00"], "hours": 8, "break_minutes": 0},
            {"id": "D", "starts": ["10:00"], "hours": 8, "break_minutes": 60},
            {"id": "L", "starts": ["14:00"], "hours": 8, "break_minutes": 0},
            {"id": "N", "starts": ["22:00"], "hours": 8, "break_minutes": 0},
        ],
        "rules": {"min_rest_hours": 11, "max_consecutive_days": 6, "min_consecutive_days_off": 1,
                  "max_nights_per_week": 7, "max_consecutive_nights": 7, "break_earliest_hours": 3,
                  "break_latest_hours": 5, **rules},
        "weights": {"hours_deviation": 0, "stable_starts": 0},
    }
    return centre_from_dict(data)


def employee(eid, skills=("a",), **kw):
    base = dict(id=eid, name=eid, skills=frozenset(skills), min_hours=0, max_hours=40, max_days=5)
    base.update(kw)
    return Employee(**base)


def requirement(centre, need, days=7, start=MONDAY):
    """need: {queue: {(day, hour): agents}} or {queue: callable(day, hour) -> agents}."""
    horizon = Horizon(start, days, centre.interval_minutes)
    per_day = horizon.intervals_per_day
    rows = []
    for q in centre.queue_ids:
        spec = need.get(q, {})
        arr = []
        for t in range(horizon.n_intervals):
            d, i = divmod(t, per_day)
            hour = i * centre.interval_minutes // 60
            arr.append(spec(d, hour) if callable(spec) else spec.get((d, hour), 0))
        rows.append(tuple(arr))
    return Requirement(horizon=horizon, queues=centre.queue_ids, staff=tuple(rows))


def busy_week_problem():
    """30 employees, two queues with uneven demand: one CP-SAT worker does not prove this optimal
    within 20 s, so only a time limit or a stop can end the search early."""
    from scheduler.problem import RosterProblem
    centre = small_centre()
    staff = Staff(tuple(employee(f"e{i}", skills=("a", "b") if i % 3 else ("a",), max_days=5) for i in range(30)))
    need = {"a": lambda d, h: (3 + (h * 7 + d) % 5) if 6 <= h < 22 else 1,
            "b": lambda d, h: (2 + (h * 3 + d) % 4) if 8 <= h < 20 else 0}
    return RosterProblem(centre, staff, requirement(centre, need))
