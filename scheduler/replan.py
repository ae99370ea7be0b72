"""Re-planning after an absence or a demand surge announced mid-horizon.

Everything that starts before the change is kept (pinned), the absent agent is taken off the
affected days (as time off), and the engine looks for the roster of the rest of the horizon that
changes as few employee-days as possible (a `changes` penalty per employee-day that differs from
the published roster) while still covering demand and respecting every rule - rest and
consecutive days across the change included, since the kept days are part of the same model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from .domain import Horizon, ShiftAssignment, Staff, TimeOff
from .errors import InputError, InputProblem
from .io import load_centre_dir, load_staff, read_assignments, read_requirements, read_roster
from .kpis import plan_kpis
from .pipeline import Plan, load_previous, make_requirements, requirement_with_values
from .problem import Pin, RosterProblem
from .roster import SolveOptions, solve

# One changed employee-day costs as much as ten agent-intervals of under-staffing (five
# agent-hours on a 30-minute grid): a published shift moves only to fill a real hole - such as the
# absent agent's shifts - not to polish the rest of the plan.
CHANGE_WEIGHT = 1000.0


@dataclass(frozen=True)
class Change:
    employee_id: str
    day: date
    before: str          # shift id or "" (day off)
    after: str

    @property
    def kind(self) -> str:
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "moved"

    def __str__(self) -> str:
        return f"{self.employee_id} {self.day} {self.kind}: {self.before or 'off'} -> {self.after or 'off'}"


def changes_between(old: list[ShiftAssignment], new: list[ShiftAssignment]) -> list[Change]:
    a = {(s.employee_id, s.day): s.shift_id for s in old}
    b = {(s.employee_id, s.day): s.shift_id for s in new}
    out = [Change(e, d, a.get((e, d), ""), b.get((e, d), "")) for e, d in sorted(set(a) | set(b))
           if a.get((e, d), "") != b.get((e, d), "")]
    return out


def replan(data_dir: str | Path, roster_path: str | Path, *, absent: list[str] = (), start: datetime,
           end: datetime | None = None, demand_factor: float = 1.0, requirements_path: str | Path | None = None,
           time_limit: float = 60.0, workers: int = 2, seed: int = 0, progress=None) -> tuple[Plan, list[Change]]:
    data_dir = Path(data_dir)
    centre = load_centre_dir(data_dir)
    current = read_roster(roster_path)
    if not current:
        raise InputError(InputProblem(str(roster_path), "the roster has no shifts to re-plan"))
    first = min(s.day for s in current)
    days = 7 * math.ceil(((max(s.day for s in current) - first).days + 1) / 7)
    horizon = Horizon(first, days, centre.interval_minutes)
    if not horizon.moment(0) <= start < horizon.moment(horizon.n_intervals):
        raise InputError(InputProblem("command line", f"--from {start} is outside the roster's horizon "
                                                      f"({first} .. {horizon.day(days - 1)})", column="--from"))
    if end is not None and end <= start:
        raise InputError(InputProblem("command line", f"--to {end} is not after --from {start}", column="--to"))
    end = end or horizon.moment(horizon.n_intervals)
    staff = load_staff(data_dir, centre, horizon)
    known = {e.id for e in staff.employees}
    for eid in absent:
        if eid not in known:
            raise InputError(InputProblem("command line", f"unknown employee {eid!r} (not in employees.csv)", column="--absent"))
    previous = load_previous(data_dir, known)     # read (and checked) before any forecasting or solving
    worked = {(s.employee_id, s.day): s for s in current}
    # The absent agent is off from the change on; a shift already under way at that moment stays
    # in the record (the agent was at work), so their leave then starts the next day.
    leave = []
    for eid in absent:
        under_way = worked.get((eid, start.date()))
        first_day = start.date() + timedelta(days=1) if under_way and under_way.start < start else start.date()
        last_day = (end - timedelta(minutes=1)).date()
        if first_day <= last_day:
            leave.append(TimeOff(eid, first_day, last_day, "absence (re-plan)"))
    staff = Staff(staff.employees, staff.time_off + tuple(leave), staff.preferences)

    requirements = _requirements(data_dir, roster_path, requirements_path, centre, horizon)
    if demand_factor != 1.0:
        ts = pd.to_datetime(requirements["timestamp"])
        surge = requirements.copy()
        surge.loc[ts >= pd.Timestamp(start), "contacts"] *= demand_factor
        requirements = make_requirements(surge[["timestamp", "queue", "contacts", "aht_seconds"]], centre)
    requirement = requirement_with_values(requirements, centre, horizon)

    # Keep what happened (or is under way) before the change: every earlier day as it was, and on
    # the day of the change the shifts that had already started - with their breaks, which were
    # taken or given out (a re-plan once moved 163 of 246 earlier breaks on the sample).
    pins = []
    for e in staff.employees:
        for d in range(days):
            day = horizon.day(d)
            s = worked.get((e.id, day))
            if day < start.date():
                pins.append(Pin(e.id, day, s.shift_id if s else None, s.break_start if s else None))
            elif day == start.date() and s is not None and s.start < start:
                pins.append(Pin(e.id, day, s.shift_id, s.break_start))
    # The queues already worked before the change, as published (assignments.csv beside the roster).
    published = Path(roster_path).with_name("assignments.csv")
    kept = [a for a in read_assignments(published) if a.start < start] if published.exists() else []
    # Only where the roster has that agent on duty then (an assignments file that does not match
    # the roster would otherwise ask the model for agents it does not have).
    shifts_of: dict[str, list[ShiftAssignment]] = {}
    for sh in current:
        shifts_of.setdefault(sh.employee_id, []).append(sh)
    kept = [a for a in kept if any(sh.start <= a.start < sh.end and not (sh.break_start and sh.break_start <= a.start < sh.break_end)
                                   for sh in shifts_of.get(a.employee_id, []))]
    problem = RosterProblem(centre, staff, requirement, previous=previous, pins=pins,
                            reference=current, change_weight=CHANGE_WEIGHT, kept_assignments=kept)
    # Start the search from the published roster (minus the absent days): few changes come first.
    hint = [sh for sh in current if not any(sh.employee_id == t.employee_id and t.start <= sh.day <= t.end for t in leave)]
    roster = solve(problem, SolveOptions(time_limit=time_limit, workers=workers, seed=seed, progress=progress, hint=hint))
    kpis = plan_kpis(roster, requirement, centre, staff, requirements)
    for key in ("penalty_by_rule", "penalty_by_queue", "solver"):
        kpis[key] = roster.kpis.get(key, {})
    changes = changes_between(current, roster.shifts)
    kpis["changes"] = {"count": len(changes), "list": [str(c) for c in changes]}
    roster.kpis = kpis
    kpis["absences"] = [{"employee_id": t.employee_id, "start_date": t.start.isoformat(), "end_date": t.end.isoformat()}
                        for t in leave]
    plan = Plan(centre, staff, requirements, requirements, requirement, roster, kpis)
    return plan, changes


def _requirements(data_dir: Path, roster_path, requirements_path, centre, horizon) -> pd.DataFrame:
    """The demand the roster was made for: requirements.csv beside the roster (as `plan` writes it)
    or given explicitly; otherwise forecast again from the history."""
    path = Path(requirements_path) if requirements_path else Path(roster_path).with_name("requirements.csv")
    if path.exists():
        return read_requirements(path, centre.queue_ids)
    from .io import read_history
    from .pipeline import make_forecast
    history = read_history(data_dir / "history.csv", centre.queue_ids)
    forecast, _ = make_forecast(history, centre, horizon.start, horizon.days, backtest=False)
    return make_requirements(forecast, centre)
