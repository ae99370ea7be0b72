"""Re-planning after an absence or a demand surge announced mid-horizon.

Everything that starts before the change is kept (pinned), the absent agent is taken off the
affected days (as time off), and the engine looks for the roster of the rest of the horizon that
changes as few employee-days as possible (a `changes` penalty per employee-day that differs from
the published roster) while still covering demand and respecting every rule - rest and
consecutive days across the change included, since the kept days are part of the same model.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from .config import shift_kind
from .domain import Horizon, QueueAssignment, ShiftAssignment, ShiftTemplate, Staff, TimeOff
from .errors import InputError, InputProblem, warn_input
from .io import (load_centre_dir, load_staff, one_shift_at_a_time, present, read_assignments, read_departures, read_requirements, read_roster,
                 read_roster_rows, read_time_off, rostered_hours)
from .kpis import plan_kpis
from .pipeline import Plan, load_previous, make_requirements, requirement_with_values
from .problem import Pin, RosterProblem
from .roster import SolveOptions, solve

# What a change costs, in under-staffing (weights.under_staffing is per agent-interval, so the
# exchange rate is set in agent-hours and converted on the centre's grid; a fixed 1,000 - ten
# agent-intervals - let no 7-hour shift be added on a 60-minute grid, and an absence went
# uncovered). One changed employee-day costs five agent-hours of under-staffing: a published
# shift moves only to fill a real hole - such as the absent agent's shifts - not to polish the
# rest of the plan.
CHANGE_AGENT_HOURS = 5.0
ABSENCE_REASON = "absence (re-plan)"     # the reason of the time off a re-plan adds
# A break moved on a kept shift costs a quarter agent-hour of under-staffing, an agent-interval
# on another queue than published a tenth of one: they move to fill a real gap, not for nothing
# (without them a re-plan after one absence moved 118 breaks and 112 agent-days' queues on the
# sample).
BREAK_CHANGE_AGENT_HOURS = 0.25
QUEUE_CHANGE_SHARE = 0.1


def change_weights(centre) -> tuple[float, float, float]:
    """(changed employee-day, moved break, agent-interval on another queue) in objective units."""
    per_hour = centre.weights.under_staffing * 60.0 / centre.interval_minutes
    return (CHANGE_AGENT_HOURS * per_hour, BREAK_CHANGE_AGENT_HOURS * per_hour,
            QUEUE_CHANGE_SHARE * centre.weights.under_staffing)


@dataclass(frozen=True)
class Change:
    """What an employee is told about one of their days: the shift added, removed or moved; or,
    on the same shift, the break moved or intervals given another queue."""
    employee_id: str
    day: date
    before: str          # shift id or "" (day off)
    after: str
    break_before: str = ""   # HH:MM, where the shift has a break
    break_after: str = ""
    queue_changes: int = 0   # intervals of the (same) shift now served on another queue
    left_at: str = ""        # when the agent left this shift, YYYY-MM-DDTHH:MM (an absence from mid-shift)

    @property
    def kind(self) -> str:
        if self.left_at:
            return "left mid-shift"
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        if self.before != self.after:
            return "moved"
        return "break moved" if self.break_before != self.break_after else "queues changed"

    def __str__(self) -> str:
        text = f"{self.employee_id} {self.day} {self.kind}: "
        if self.kind == "left mid-shift":
            return text + f"{self.before} left at {self.left_at.replace('T', ' ')}, no cover after"
        if self.kind == "break moved":
            text += f"{self.after} break {self.break_before or 'none'} -> {self.break_after or 'none'}"
        elif self.kind == "queues changed":
            return text + f"{self.after}, {self.queue_changes} interval(s) on another queue"
        else:
            text += f"{self.before or 'off'} -> {self.after or 'off'}"
        return text + (f" ({self.queue_changes} interval(s) on another queue)" if self.queue_changes else "")


def changes_between(old: list[ShiftAssignment], new: list[ShiftAssignment],
                    old_queues: list[QueueAssignment] = (), new_queues: list[QueueAssignment] = ()) -> list[Change]:
    """Every employee-day whose shift, break or queues differ between two rosters. Queues are
    compared where both rosters give the agent a queue (the intervals of a kept shift); a shift
    added, removed or moved is reported once, as such."""
    a = {(s.employee_id, s.day): s for s in old}
    b = {(s.employee_id, s.day): s for s in new}
    hhmm = lambda sh: sh.break_start.strftime("%H:%M") if sh is not None and sh.break_start else ""  # noqa: E731
    before_q = {(q.employee_id, q.start): q.queue for q in old_queues}
    moved_queue: dict[tuple[str, date], int] = {}
    for q in new_queues:
        was = before_q.get((q.employee_id, q.start))
        if was is not None and was != q.queue:
            # The shift holding it started that day or, overnight, the day before.
            day = next((d for d in (q.start.date(), q.start.date() - timedelta(days=1))
                        if (sh := b.get((q.employee_id, d))) is not None and sh.start <= q.start < sh.end), None)
            if day is not None:
                moved_queue[q.employee_id, day] = moved_queue.get((q.employee_id, day), 0) + 1
    out = []
    for e, d in sorted(set(a) | set(b)):
        sa, sb = a.get((e, d)), b.get((e, d))
        change = Change(e, d, sa.shift_id if sa else "", sb.shift_id if sb else "", hhmm(sa), hhmm(sb),
                        moved_queue.get((e, d), 0))
        if change.before != change.after or change.break_before != change.break_after or change.queue_changes:
            out.append(change)
    return out


CHANGE_COLUMNS = ["employee_id", "date", "change", "before", "after", "break_before", "break_after", "queue_changes",
                  "left_at"]


def changes_table(changes: list[Change]) -> pd.DataFrame:
    """changes.csv's table (docs/contracts.md), also shown by the app."""
    return pd.DataFrame([{"employee_id": c.employee_id, "date": c.day.isoformat(), "change": c.kind,
                          "before": c.before, "after": c.after, "break_before": c.break_before,
                          "break_after": c.break_after, "queue_changes": c.queue_changes, "left_at": c.left_at}
                         for c in changes],
                        columns=CHANGE_COLUMNS)


def absences_table(plan: Plan) -> pd.DataFrame:
    """absences.csv's table: the time off a re-plan added (its kpis' absences; none otherwise),
    in time_off.csv's format so `validate --time-off` reads it."""
    table = pd.DataFrame(plan.kpis.get("absences", []), columns=["employee_id", "start_date", "end_date"])
    table["reason"] = ABSENCE_REASON
    return table


def replan(data_dir: str | Path, roster_path: str | Path, *, absent: list[str] = (), start: datetime,
           end: datetime | None = None, demand_factor: float = 1.0, requirements_path: str | Path | None = None,
           time_limit: float = 60.0, workers: int = 2, seed: int = 0, progress=None,
           stop=None, earlier_absences: list[TimeOff] | None = None, earlier_departures: dict | None = None,
           horizon: Horizon | None = None, centre=None) -> tuple[Plan, list[Change]]:
    """The re-planned roster and its changes against `roster_path`. `earlier_absences` and
    `earlier_departures` ((employee id, shift date) -> moment they left it): what earlier re-plans of this
    roster took off (not in time_off.csv), so those agents stay off; when not given, read from
    beside the roster - an earlier re-plan's absences.csv and the roster's left_at - if it is one.
    `horizon`: the roster's own (else from its first to its last shift, in whole weeks - a plan
    whose first day has no shift would start a day late). `centre`: the centre the roster was
    planned with (the app's, with its Staffing-page service targets and shrinkage), else
    centre.toml's."""
    data_dir = Path(data_dir)
    centre = centre or load_centre_dir(data_dir)
    rows = read_roster_rows(roster_path, date_of_start=True)
    current = [r.shift for r in rows]
    if not current:
        raise InputError(InputProblem(str(roster_path), "the roster has no shifts to re-plan"))
    if horizon is None:
        horizon = _planned_horizon(roster_path, requirements_path, current, centre)
    check_published(rows, roster_path, horizon)
    first, days = horizon.start, horizon.days
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
    previous = load_previous(data_dir, known, before=first)     # read (and checked) before any forecasting or solving
    if earlier_absences is None and earlier_departures is None:
        earlier_absences, earlier_departures = earlier_replans(roster_path, known)
    earlier_absences = list(earlier_absences or ())
    worked = {(s.employee_id, s.day): s for s in current}
    # The absent agent is off from the change on; a shift already under way at that moment stays
    # in the record (the agent was at work), so their leave then starts the next day - but from
    # that moment they cover nothing, and the gap is re-planned (leaves_at).
    leave = []
    leaves_at = dict(earlier_departures or {})
    for eid in absent:
        under_way = worked.get((eid, start.date()))
        overnight = worked.get((eid, start.date() - timedelta(days=1)))
        for sh in (under_way, overnight):
            if sh is not None and sh.under_way_at(start):
                leaves_at[eid, sh.day] = start
        first_day = start.date() + timedelta(days=1) if under_way and under_way.start < start else start.date()
        last_day = (end - timedelta(minutes=1)).date()
        if first_day <= last_day:
            leave.append(TimeOff(eid, first_day, last_day, ABSENCE_REASON))
    leave = _merged([*earlier_absences, *leave])
    staff = Staff(staff.employees, staff.time_off + tuple(leave), staff.preferences)

    requirements = _requirements(data_dir, roster_path, requirements_path, centre, horizon)
    if demand_factor != 1.0:
        ts = pd.to_datetime(requirements["timestamp"])
        surge = requirements.copy()
        surge.loc[ts >= pd.Timestamp(start), "contacts"] *= demand_factor
        requirements = make_requirements(surge[["timestamp", "queue", "contacts", "aht_seconds"]], centre)
    requirement = requirement_with_values(requirements, centre, horizon, staff=staff)

    # Keep what happened (or is under way) before the change: every earlier day as it was, and on
    # the day of the change the shifts that had already started - with their breaks, which were
    # taken or given out (a re-plan once moved 163 of 246 earlier breaks on the sample).
    # Time off recorded since for a day already past (off sick on Monday, entered on Tuesday) is
    # the record of that day: the shift was not worked, and pinning it made the re-plan
    # infeasible (its agent "on leave" and "pinned to work" at once).
    recorded_off = staff.leave_days()
    # A shift under way at the change on such a day stays in the record and its agent leaves it
    # then (as an absence from --from does: the hours before were worked).
    record = []
    for sh in current:
        if (sh.employee_id, sh.day) in recorded_off and sh.start < start:
            if not sh.under_way_at(start):
                continue
            leaves_at.setdefault((sh.employee_id, sh.day), start)
        record.append(sh)
    worked = {(sh.employee_id, sh.day): sh for sh in record}
    offered = {t.id: t for t in centre.shifts}
    pins = []
    for e in staff.employees:
        for d in range(days):
            day = horizon.day(d)
            s = worked.get((e.id, day))
            if s is None:
                if day < start.date():
                    pins.append(Pin(e.id, day, None, None, worked=True))
            elif s.start < start or s.start <= leaves_at.get((e.id, day), s.end) < s.end:
                # (Also a shift an earlier re-plan says its agent leaves at a moment after this
                # one's start - an absence known in advance, re-planned again from earlier: kept as
                # published, and they still leave it then. It was re-planned freely, and the agent
                # served queues after leaving.)
                shape = worked_shape(s, centre)
                today = offered.get(s.shift_id)
                same = today is not None and (today.start_minute, today.length_minutes, today.break_minutes) == \
                    (shape.start_minute, shape.length_minutes, shape.break_minutes)
                pins.append(Pin(e.id, day, s.shift_id, s.break_start, worked=True, template=None if same else
                                replace(shape, id=s.shift_id if today is None else f"{s.shift_id} (as worked)")))
    # The queues already worked before the change, as published (assignments.csv beside the roster).
    published = Path(roster_path).with_name("assignments.csv")
    published_queues = read_assignments(published) if published.exists() else []
    # A queue centre.toml no longer has (renamed or closed since): those rows cannot be kept as
    # published - said, not dropped without a word.
    gone = sorted({a.queue for a in published_queues} - set(centre.queue_ids))
    if gone:
        warn_input(InputProblem(published.name, f"queue(s) {', '.join(gone)} not in centre.toml: the agents' "
                                                "intervals on them are re-planned, not kept as published", column="queue"))
        published_queues = [a for a in published_queues if a.queue not in gone]
    kept = [a for a in published_queues if a.start < start]
    # Only where the roster has that agent on duty then (an assignments file that does not match
    # the roster would otherwise ask the model for agents it does not have).
    shifts_of: dict[str, list[ShiftAssignment]] = {}
    for sh in record:
        shifts_of.setdefault(sh.employee_id, []).append(sh)
    kept = [a for a in kept if any(sh.start <= a.start < sh.end and not (sh.break_start and sh.break_start <= a.start < sh.break_end)
                                   for sh in shifts_of.get(a.employee_id, []))
            and not _left_before(shifts_of[a.employee_id], leaves_at, a.start)]
    change, break_change, queue_change = change_weights(centre)
    problem = RosterProblem(centre, staff, requirement, previous=previous, pins=pins,
                            reference=current, change_weight=change, kept_assignments=kept,
                            reference_assignments=published_queues, break_change_weight=break_change,
                            queue_change_weight=queue_change, leaves_at=leaves_at, not_before=start,
                            rostered_hours=rostered_hours(roster_path, known))
    # Start the search from the published roster (minus the absent days): few changes come first.
    hint = [sh for sh in current if not any(sh.employee_id == t.employee_id and t.start <= sh.day <= t.end for t in leave)]
    roster = solve(problem, SolveOptions(time_limit=time_limit, workers=workers, seed=seed, progress=progress, hint=hint,
                                              stop=stop))
    roster.rostered_before = dict(problem.published_hours)     # HR's contract minimum credits it too
    kpis = plan_kpis(roster, requirement, centre, staff, requirements, previous_given=bool(previous))
    for key in ("penalty_by_rule", "penalty_by_queue", "solver"):
        kpis[key] = roster.kpis.get(key, {})
    told = earlier_departures or {}
    changes = with_departures(changes_between(current, roster.shifts, published_queues, roster.queue_assignments),
                              current, {e: t for e, t in leaves_at.items() if told.get(e) != t})
    kpis["changes"] = {"count": len(changes), "list": [str(c) for c in changes]}
    roster.kpis = kpis
    # Before this moment the roster is a record of what was worked (validate's worked_before).
    kpis["replanned_from"] = start.isoformat(timespec="minutes")
    kpis["replanned_roster"] = str(Path(roster_path).resolve())   # what was re-planned (validate --published)
    # The paid hours the rosters before had on each day of leave (what those days credit), kept in
    # this roster's own kpis.json: a re-plan of it credits them even where the path above no
    # longer leads anywhere (a folder moved or copied elsewhere).
    kpis["rostered_on_leave"] = [{"employee_id": eid, "date": day.isoformat(), "hours": hours}
                                 for (eid, day), hours in sorted(problem.published_hours.items())
                                 if problem.on_leave(eid, day) and first <= day < first + timedelta(days=days)]
    roster.departures = dict(leaves_at)
    kpis["absences"] = [{"employee_id": t.employee_id, "start_date": t.start.isoformat(), "end_date": t.end.isoformat()}
                        for t in leave]
    plan = Plan(centre, staff, requirements, requirements, requirement, roster, kpis)
    return plan, changes


def worked_shape(sh: ShiftAssignment, centre) -> ShiftTemplate:
    """The template a worked shift had, read from its own times: the record of a shift whose
    template centre.toml has changed or dropped since (its kind from its times, as the validator
    reads a shift of an unknown template)."""
    start, length = sh.start_minute, sh.length_minutes
    return ShiftTemplate(sh.shift_id, start, length, sh.break_minutes,
                         kind=shift_kind(start, start + length, centre.rules), record_of=sh.shift_id)


def _left_before(shifts: list[ShiftAssignment], leaves_at: dict, moment: datetime) -> bool:
    """Had the agent left the shift under way at `moment` by then (`leaves_at`: (employee, the
    shift's date) -> the moment they left it)?"""
    for sh in shifts:
        gone = leaves_at.get((sh.employee_id, sh.day))
        if gone is not None and sh.start <= moment < sh.end and gone <= moment:
            return True
    return False


# The longest horizon a plan has (plan --weeks 1..52).
MAX_PLAN_DAYS = 52 * 7


def _planned_horizon(roster_path, requirements_path, current: list[ShiftAssignment], centre) -> Horizon:
    """The weeks the roster was planned for: those of --requirements if given, else kpis.json's
    horizon beside the roster (as `plan` writes it), else its requirements.csv's weeks, else from
    its first to its last shift in whole weeks. A source that holds fewer than half the roster's
    shifts is another roster's (a stale kpis.json) and is passed over. (A single row dated a month
    out once stretched the re-plan over six weeks, and it failed for lack of time; a week whose
    Monday is closed started on the Tuesday.)"""
    def from_kpis() -> Horizon | None:
        try:
            planned = json.loads(Path(roster_path).with_name("kpis.json").read_text(encoding="utf-8"))["horizon"]
            if int(planned["days"]) >= 1:
                return Horizon(date.fromisoformat(planned["start"]), int(planned["days"]), centre.interval_minutes)
        except (OSError, ValueError, KeyError, TypeError):
            pass                # no kpis.json, or not one `plan` wrote
        return None

    def from_requirements(path) -> Horizon | None:
        if path is None or not Path(path).exists():
            return None
        stamps = read_requirements(path)["timestamp"]
        if not len(stamps):
            return None
        first, last = stamps.min().date(), stamps.max().date()
        return Horizon(first, 7 * math.ceil(((last - first).days + 1) / 7), centre.interval_minutes)

    def holds_most(h: Horizon | None) -> bool:
        # ... and no longer than a plan can be: a kpis.json saying 36,500 days (hand-edited, or
        # another file) built a century's model and ran out of memory. (A plan's last week may
        # hold no shift - a Christmas closure - so the end is not tied to the last shift.)
        if h is None or h.days > MAX_PLAN_DAYS:
            return False
        inside = sum(h.start <= s.day <= h.day(h.days - 1) for s in current)
        return 2 * inside >= len(current)
    beside = Path(roster_path).with_name("requirements.csv")
    for source in (lambda: from_requirements(requirements_path), from_kpis, lambda: from_requirements(beside)):
        horizon = source()
        if holds_most(horizon):
            return horizon
    first = min(s.day for s in current)
    days = 7 * math.ceil(((max(s.day for s in current) - first).days + 1) / 7)
    return Horizon(first, days, centre.interval_minutes)


def check_published(rows, roster_path, horizon: Horizon) -> None:
    """The roster to re-plan is one a plan could have published: every shift in its horizon, one
    shift per employee and day, none overlapping the next. (Such a file made the re-plan fail
    with 'no roster possible' and no row named; the validator names the rule, this the row.)"""
    label = Path(roster_path).name
    last = horizon.day(horizon.days - 1)
    problems = [InputProblem(label, f"shift dated {r.shift.day}, outside the roster's horizon "
                                    f"({horizon.start} .. {last})", r.row, "date")
                for r in rows if not horizon.start <= r.shift.day <= last]
    problems += one_shift_at_a_time(rows, label)
    if problems:
        raise InputError(problems)


def earlier_replans(roster_path: str | Path, employee_ids) -> tuple[list[TimeOff], dict]:
    """What earlier re-plans took off, when `roster_path` is a re-plan's output: its absences.csv
    beside it (the absences so far, none of them in time_off.csv) and the mid-shift departures the
    roster itself records (`left_at`). Without them a second re-plan from the command line put the
    first one's absent agent back on the roster (a change penalty, not a rule, kept them off)."""
    absences_path = Path(roster_path).with_name("absences.csv")
    absences = read_time_off(absences_path, employee_ids) if present(absences_path) else []
    departures = read_departures(roster_path)
    unknown = sorted({eid for eid, _ in departures} - set(employee_ids))
    if unknown:
        raise InputError(InputProblem(str(roster_path), f"left_at for unknown employee(s) {', '.join(unknown)} "
                                                        "(not in employees.csv)", column="left_at"))
    return absences, departures


def with_departures(changes: list[Change], shifts: list[ShiftAssignment], departures: dict) -> list[Change]:
    """`changes` with each mid-shift departure (employee id -> moment) as the change of the shift
    it cut short in `shifts`: that shift stays as it was, the change to tell (HR: paid to then) is
    the leaving. Sorted by employee and day."""
    out = list(changes)
    for (eid, day), gone in departures.items():
        sh = next((s for s in shifts if s.employee_id == eid and s.day == day and s.under_way_at(gone)), None)
        if sh is None:
            continue
        out = [c for c in out if (c.employee_id, c.day) != (eid, sh.day)]
        out.append(Change(eid, sh.day, sh.shift_id, sh.shift_id, left_at=gone.strftime("%Y-%m-%dT%H:%M")))
    return sorted(out, key=lambda c: (c.employee_id, c.day))


def _merged(absences: list[TimeOff]) -> list[TimeOff]:
    """One TimeOff per employee and run of days (an agent re-planned absent twice, overlapping)."""
    out: list[TimeOff] = []
    for t in sorted(absences, key=lambda t: (t.employee_id, t.start)):
        last = out[-1] if out else None
        if last is not None and last.employee_id == t.employee_id and t.start <= last.end + timedelta(days=1):
            out[-1] = TimeOff(last.employee_id, last.start, max(last.end, t.end), last.reason)
        else:
            out.append(t)
    return out


def _requirements(data_dir: Path, roster_path, requirements_path, centre, horizon) -> pd.DataFrame:
    """The demand the roster was made for: requirements.csv beside the roster (as `plan` writes it)
    or given explicitly; otherwise forecast again from the history."""
    path = Path(requirements_path) if requirements_path else Path(roster_path).with_name("requirements.csv")
    if path.exists():
        table = read_requirements(path, centre.queue_ids)
        days = table["timestamp"].dt.date
        last = horizon.day(horizon.days - 1)
        if len(table) and not ((days >= horizon.start) & (days <= last)).any():
            # (A year-old requirements.csv beside the roster: the re-plan saw no demand at all,
            # took the absent agent's shifts away and reported 'validated'.)
            raise InputError(InputProblem(str(path), f"holds no interval of the days re-planned ({horizon.start} to "
                                                     f"{last}): its rows run from {days.min()} to {days.max()}. Give "
                                                     "the requirements the roster was planned with (--requirements), "
                                                     "or remove the file to forecast the days again",
                                          column="timestamp"))
        return table
    from .io import read_history
    from .pipeline import make_forecast
    history = read_history(data_dir / "history.csv", centre.queue_ids)
    forecast, _ = make_forecast(history, centre, horizon.start, horizon.days, backtest=False)
    return make_requirements(forecast, centre)
