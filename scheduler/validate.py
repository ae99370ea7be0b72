"""The independent validator: re-reads exported roster files and checks every hard rule from scratch.

It deliberately shares no code with the CP-SAT model (`roster.py`, `problem.py`): it works on
date-times as written in the files, so a modelling mistake in the engine cannot hide itself here.
It reuses only the file readers and the config parser, which define what the files mean.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

from .config import shift_kind
from .domain import Centre, Employee, QueueAssignment, ShiftAssignment, Staff
from .errors import InputError, InputProblem, unlisted


@dataclass(frozen=True)
class Violation:
    rule: str
    employee_id: str
    day: date | None
    message: str

    def __str__(self) -> str:
        day = f" {self.day}" if self.day else ""
        return f"[{self.rule}] {self.employee_id}{day}: {self.message}"


def _kind(centre: Centre, shift: ShiftAssignment) -> str:
    start, length = shift.start_minute, shift.length_minutes
    tmpl = next((s for s in centre.shifts if s.id == shift.shift_id), None)
    if tmpl is not None and (tmpl.start_minute, tmpl.length_minutes) == (start, length):
        return tmpl.kind
    # A shift not in a template's times (last week's, a record a re-plan kept after its template
    # changed or was dropped, an edited file): classified from its own times as centre.toml's
    # shifts are (config.shift_kind: night window, early, late) - reading only the night window
    # called a dropped 14:00-22:30 shift 'day', and reading today's template made a worked
    # 14:30-23:00 shift a night once the template was lengthened to 23:30.
    return shift_kind(start, start + length, centre.rules)


def _label_matches(centre: Centre, shift: ShiftAssignment, label: str) -> bool:
    tmpl = next((s for s in centre.shifts if s.id == shift.shift_id), None)
    names = {shift.shift_id, _kind(centre, shift)}
    if tmpl is not None:
        names.add(tmpl.family)
    return label in names


def validate_roster(centre: Centre, staff: Staff, shifts: list[ShiftAssignment],
                    assignments: list[QueueAssignment] | None = None, *,
                    horizon_start: date | None = None, horizon_days: int | None = None,
                    previous: list[ShiftAssignment] = (), worked_before: datetime | None = None,
                    published: list[ShiftAssignment] | None = None,
                    published_hours: dict | None = None, departures: dict | None = None) -> list[Violation]:
    """Every hard rule. `worked_before` (a re-plan's moment of change): shifts and queue
    assignments that start before it are a record of what was worked - the calendar rules of
    today (opening hours, availability, nights, skills changed since) are not checked for them;
    they still count in every rule over sequences (rest, runs of days, weekly hours, weekends).
    With `published` (the roster re-planned) every such shift must be one of its shifts: a
    re-plan adds no work before its moment (already_past); and a day of leave with no shift
    credits the hours it was rostered for there (`published_hours`, (employee, day) -> hours, when
    the rosters it was re-planned from are known too) towards the contract minimum."""
    v: list[Violation] = []
    # A re-plan: a day off on which the roster re-planned had a shift credits that shift's hours.
    rostered: dict[tuple[str, date], float] = dict(published_hours or {})
    for p in published or ():
        rostered.setdefault((p.employee_id, p.day), p.paid_hours)
    if worked_before is not None and published is not None:
        before = {(p.employee_id, p.day, p.shift_id): p for p in published}
        for s in shifts:
            if s.start >= worked_before:
                continue
            p = before.get((s.employee_id, s.day, s.shift_id))
            if p is None:
                v.append(Violation("already_past", s.employee_id, s.day,
                                   f"{s.shift_id} starts {s.start:%a %H:%M}, before the re-plan's moment "
                                   f"{worked_before:%a %H:%M}, and is not in the roster re-planned"))
            elif s.start < p.start or min(s.end, worked_before) > p.end:
                # (The same shift id with other times - started earlier, or ended later before the
                # moment - added work to the past unnoticed.)
                v.append(Violation("already_past", s.employee_id, s.day,
                                   f"{s.shift_id} {s.start:%H:%M}-{s.end:%H:%M} works before the re-plan's moment "
                                   f"{worked_before:%a %H:%M} outside its times in the roster re-planned "
                                   f"({p.start:%H:%M}-{p.end:%H:%M})"))
    emps = {e.id: e for e in staff.employees}
    if not shifts and horizon_start is None:
        return v          # nothing to check against: no horizon known
    start = horizon_start or min(s.day for s in shifts)
    days = horizon_days or (max(s.day for s in shifts) - start).days + 1
    days = max(days, 1)
    leave = {(t.employee_id, t.start + timedelta(days=i)) for t in staff.time_off for i in range((t.end - t.start).days + 1)}
    credited = _credited_holidays(centre, start, days)

    by_emp: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for s in shifts:
        if s.employee_id not in emps:
            v.append(Violation("unknown_employee", s.employee_id, s.day, "not in employees.csv"))
            continue
        by_emp[s.employee_id].append(s)
    prev_by_emp: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for s in previous:
        if s.day < start:
            prev_by_emp[s.employee_id].append(s)

    for eid, own in by_emp.items():
        e = emps[eid]
        own.sort(key=lambda s: s.start)
        for s in own:
            record = worked_before is not None and s.start < worked_before
            _check_shift_shape(centre, e, s, v, record)
            if record:
                if not start <= s.day < start + timedelta(days=days):
                    v.append(Violation("horizon", e.id, s.day, "shift outside the planning horizon"))
                continue
            _check_calendar(centre, e, s, leave, start, days, v)
        _check_one_per_day_and_overlap(own, v)
        seq = sorted(prev_by_emp.get(eid, []), key=lambda s: s.start) + own
        _check_rest_and_successions(centre, e, seq, v)
        _check_consecutive(centre, e, seq, start, days, leave, v)
        _check_weekly(centre, e, own, start, days, leave, credited, v, rostered)
        _check_weekends(centre, e, own, v)
    for eid, e in emps.items():
        if eid not in by_emp:
            _check_weekly(centre, e, [], start, days, leave, credited, v, rostered)
    if assignments is not None:
        # Last week's shifts running into the horizon are on duty too (their queues are assigned).
        running_in = [s for s in previous if s.day < start and s.end > datetime.combine(start, datetime.min.time())]
        _check_assignments(centre, emps, list(shifts) + running_in, assignments, v, worked_before, departures or {})
    return v


def _check_shift_shape(centre: Centre, e: Employee, s: ShiftAssignment, v: list[Violation], record: bool = False) -> None:
    """The shift is a template of centre.toml, with its break (`record`: a shift already worked -
    in the shape it was worked, its break within it, whatever today's templates and window say)."""
    tmpl = next((t for t in centre.shifts if t.id == s.shift_id), None)
    day0 = datetime.combine(s.day, datetime.min.time())
    if record:
        # What was worked, in whatever shape it was worked: centre.toml may have changed or dropped
        # its template since (the re-plan's --published check still asks that it was in the roster
        # re-planned). Its date and its break within it still hold.
        if s.start.date() != s.day:
            v.append(Violation("shift_date", e.id, s.day, f"starts on {s.start:%Y-%m-%d %H:%M} but its date is {s.day}"))
        if s.break_start is not None and not (s.start <= s.break_start and s.break_end <= s.end):
            v.append(Violation("break", e.id, s.day, f"break at {s.break_start:%H:%M} is not within the shift"))
        return
    if tmpl is None:
        what = f"shift {s.shift_id!r}" if s.shift_id.strip() else f"{s.start:%H:%M}-{s.end:%H:%M} (no shift id)"
        v.append(Violation("shift_template", e.id, s.day, f"{what} is not a template of centre.toml"))
        return
    if s.start.date() != s.day:
        # (A hand edit that moved the times but not the date: say that, not a template mismatch.)
        v.append(Violation("shift_date", e.id, s.day, f"starts on {s.start:%Y-%m-%d %H:%M} but its date is {s.day}"))
    elif s.start != day0 + timedelta(minutes=tmpl.start_minute) or s.end != s.start + timedelta(minutes=tmpl.length_minutes):
        v.append(Violation("shift_template", e.id, s.day,
                           f"{s.start:%H:%M}-{s.end:%H:%M} does not match template {tmpl.id}"))
    if tmpl.break_minutes:
        if s.break_start is None:
            v.append(Violation("break", e.id, s.day, f"{tmpl.id} needs a {tmpl.break_minutes}-minute unpaid break"))
            return
        off = (s.break_start - s.start).total_seconds() / 60
        length = (s.break_end - s.break_start).total_seconds() / 60
        step = centre.interval_minutes
        lo = max(centre.rules.break_earliest_minutes, step)
        hi = min(centre.rules.break_latest_minutes, tmpl.length_minutes - tmpl.break_minutes - step)
        inside = 0 < off and off + length < tmpl.length_minutes
        if length != tmpl.break_minutes:
            v.append(Violation("break", e.id, s.day, f"break lasts {length:.0f} min, template says {tmpl.break_minutes}"))
        if off % step:
            # (Coverage is counted per interval: a break at 12:10 on a 30-minute grid is one the
            # planner never gives, and the intervals it straddles count the agent present.)
            v.append(Violation("break", e.id, s.day, f"break starts at {s.break_start:%H:%M}, off the {step}-minute "
                                                      "planning grid"))
        if (lo <= hi and not lo <= off <= hi) or not inside:
            v.append(Violation("break", e.id, s.day,
                               f"break starts {off / 60:.1f} h after the shift start; allowed {lo / 60:.1f}-{hi / 60:.1f} h"))
    elif s.break_start is not None:
        v.append(Violation("break", e.id, s.day, f"{tmpl.id} has no break but the roster gives one"))


def _check_calendar(centre, e: Employee, s: ShiftAssignment, leave, start: date, days: int, v) -> None:
    for day in sorted({s.day, s.start.date()}):    # the date column, and the day it really starts
        if (e.id, day) in leave:
            v.append(Violation("time_off", e.id, day, "works on approved time off"))
    if s.day.weekday() in e.fixed_days_off:
        v.append(Violation("fixed_days_off", e.id, s.day, f"works on a fixed day off ({s.day:%a})"))
    if s.day in centre.closures:
        v.append(Violation("closure", e.id, s.day, "works on a day the centre is closed"))
    day0 = datetime.combine(s.day, datetime.min.time())
    if e.earliest_start is not None and s.start < day0 + timedelta(minutes=e.earliest_start):
        v.append(Violation("availability", e.id, s.day, f"starts {s.start:%H:%M}, before the employee's earliest start"))
    if e.latest_end is not None and s.end > day0 + timedelta(minutes=e.latest_end):
        v.append(Violation("availability", e.id, s.day, f"ends {s.end:%H:%M}, after the employee's latest end"))
    if not e.nights and _kind(centre, s) == "night":
        v.append(Violation("nights", e.id, s.day, "works a night shift but may not work nights"))
    if e.max_shifts.get(s.shift_id) == 0:
        v.append(Violation("shift_caps", e.id, s.day, f"not qualified for shift {s.shift_id}"))
    if centre.queues and not _serves_an_open_queue(centre, e, s):
        v.append(Violation("opening_hours", e.id, s.day,
                           f"{s.start:%a %H:%M}-{s.end:%H:%M}: none of the employee's queues is open"))
    if not start <= s.day < start + timedelta(days=days):
        v.append(Violation("horizon", e.id, s.day, "shift outside the planning horizon"))


def _serves_an_open_queue(centre: Centre, e: Employee, s: ShiftAssignment) -> bool:
    """Is one of the employee's queues open at some minute of the shift (walked minute by minute;
    an open shift stops at its first open minute)?"""
    mine = [q for q in centre.queues if q.id in e.skills]
    moment = s.start
    while moment < s.end:
        minute = moment.hour * 60 + moment.minute
        if any(a <= minute < b for q in mine for a, b in q.hours[moment.weekday()]):
            return True
        moment += timedelta(minutes=1)
    return False


def _check_one_per_day_and_overlap(own: list[ShiftAssignment], v) -> None:
    per_day = defaultdict(int)
    for s in own:
        per_day[s.day] += 1
    for d, n in per_day.items():
        if n > 1:
            v.append(Violation("one_shift_per_day", own[0].employee_id, d, f"{n} shifts on one day"))
    for a, b in zip(own, own[1:]):
        if b.start < a.end:
            v.append(Violation("overlap", a.employee_id, b.day, f"shift at {b.start:%H:%M} overlaps the previous one"))


def _elapsed(centre: Centre, a: datetime, b: datetime) -> timedelta:
    """Real time from wall-clock a to wall-clock b in the centre's timezone (rest is measured so
    by working-time law: the night the clocks go forward has an hour less of it)."""
    if not centre.timezone:
        return b - a
    zone = ZoneInfo(centre.timezone)
    return b.replace(tzinfo=zone).astimezone(timezone.utc) - a.replace(tzinfo=zone).astimezone(timezone.utc)


def _check_rest_and_successions(centre: Centre, e: Employee, seq: list[ShiftAssignment], v) -> None:
    rest = timedelta(minutes=centre.rules.min_rest_minutes)
    for a, b in zip(seq, seq[1:]):
        if a.day == b.day:
            continue
        gap = _elapsed(centre, a.end, b.start)
        if gap < rest:
            hours = gap.total_seconds() / 3600
            v.append(Violation("min_rest", e.id, b.day,
                               f"only {hours:.1f} h rest after the shift ending {a.end:%Y-%m-%d %H:%M} "
                               f"(minimum {centre.rules.min_rest_minutes / 60:g} h"
                               + (", the clocks change in between)" if gap != b.start - a.end else ")")))
        if (b.day - a.day).days == 1:
            for first, nxt in centre.rules.forbidden_successions:
                if _label_matches(centre, a, first) and _label_matches(centre, b, nxt):
                    v.append(Violation("forbidden_succession", e.id, b.day, f"{nxt} after {first} ({a.shift_id} -> {b.shift_id})"))


def _check_consecutive(centre: Centre, e: Employee, seq: list[ShiftAssignment], start: date, days: int, leave, v) -> None:
    rules = centre.rules
    worked = {s.day for s in seq}
    nights = {s.day for s in seq if _kind(centre, s) == "night"}
    first = min([start] + [s.day for s in seq])
    last = start + timedelta(days=days - 1)
    k = rules.max_consecutive_days if e.max_consecutive_days is None else e.max_consecutive_days
    kn = rules.max_consecutive_nights
    run = run_n = 0
    d = first
    while d <= last:
        run = run + 1 if d in worked else 0
        run_n = run_n + 1 if d in nights else 0
        if run > k and d >= start:
            v.append(Violation("max_consecutive_days", e.id, d, f"{run} days in a row (maximum {k})"))
        if run_n > kn and d >= start:
            v.append(Violation("max_consecutive_nights", e.id, d, f"{run_n} nights in a row (maximum {kn})"))
        d += timedelta(days=1)
    # Blocks: a run of days off (or on) enclosed on both sides must be long enough.
    m_off = e.min_consecutive_days_off or rules.min_consecutive_days_off
    m_on = e.min_consecutive_days or rules.min_consecutive_days

    def absent(day: date) -> bool:
        return (e.id, day) in leave or day in centre.closures
    flags = []
    d = first
    while d <= last:
        flags.append((d, d in worked))
        d += timedelta(days=1)
    i = 0
    while i < len(flags):
        j = i
        while j < len(flags) and flags[j][1] == flags[i][1]:
            j += 1
        enclosed = i > 0 and j < len(flags)
        length = j - i
        # Unless the centre counts them (rules.absences_count_in_blocks), approved time off and
        # closure days free the off-run holding one and a working run next to one.
        if rules.absences_count_in_blocks:
            excused = False
        elif flags[i][1]:
            excused = any(absent(flags[k][0]) for k in (i - 1, j) if 0 <= k < len(flags))
        else:
            excused = any(absent(flags[k][0]) for k in range(i, j))
        # A block closed by a day of the horizon is this roster's doing (last week's lone Sunday
        # off, then work on Monday), as the model reads the carry-over.
        if enclosed and flags[j][0] >= start and not excused:
            if not flags[i][1] and length < m_off:
                v.append(Violation("min_consecutive_days_off", e.id, flags[i][0], f"{length} day(s) off between working days (minimum {m_off})"))
            if flags[i][1] and length < m_on:
                v.append(Violation("min_consecutive_days", e.id, flags[i][0], f"{length} working day(s) in a block (minimum {m_on})"))
        i = j


def _credited_holidays(centre: Centre, start: date, days: int) -> set[date]:
    """Public holidays in the horizon that credit the contract minimum (read from the holidays
    package here, not through the engine's calendar)."""
    if not (centre.rules.holidays_credit_contract and centre.holiday_country):
        return set()
    import holidays
    last = start + timedelta(days=days - 1)
    calendar = holidays.country_holidays(centre.holiday_country, subdiv=centre.holiday_subdivision,
                                         years=range(start.year, last.year + 1))
    # (A holiday the centre ignores credits nothing: every one of the date's names ignored.)
    ignored = {n.casefold() for n in centre.holidays_ignored}
    names = lambda d: [p.strip().casefold() for p in calendar[d].split(";")]   # noqa: E731
    return {d for d in (start + timedelta(days=i) for i in range(days))
            if d in calendar and not all(n in ignored or n.split(" (")[0] in ignored for n in names(d))}


def _check_weekly(centre: Centre, e: Employee, own: list[ShiftAssignment], start: date, days: int, leave,
                  credited: set[date], v, rostered: dict | None = None) -> None:
    rules = centre.rules
    for w in range(math.ceil(days / 7)):
        w0 = start + timedelta(days=7 * w)
        wdays = [w0 + timedelta(days=i) for i in range(min(7, days - 7 * w))]
        week = [s for s in own if w0 <= s.day < w0 + timedelta(days=7)]
        hours = sum(s.paid_hours for s in week)
        if len({s.day for s in week}) > e.max_days:
            v.append(Violation("max_days", e.id, w0, f"{len(week)} working days in the week (maximum {e.max_days})"))
        if hours > e.max_hours + 1e-6:
            v.append(Violation("max_hours", e.id, w0, f"{hours:g} paid hours in the week (maximum {e.max_hours:g})"))
        if e.min_hours > 0:
            off = [d for d in wdays if (e.id, d) in leave or d in centre.closures or d in credited]
            per_day = e.min_hours / max(e.max_days, 1)
            # A re-plan: a day of leave not worked at all credits what it was rostered for.
            worked_days = {s.day for s in week}
            extra = sum(max(0.0, (rostered or {}).get((e.id, d), 0.0) - per_day) for d in off
                        if (e.id, d) in leave and d not in worked_days)
            need = e.min_hours * len(wdays) / 7 - per_day * len(off) - extra
            need = math.floor(need * 60 + 1e-6) / 60
            if hours + 1e-6 < need:
                v.append(Violation("min_hours", e.id, w0, f"{hours:g} paid hours in the week (contract minimum {need:g})"))
        n_nights = sum(1 for s in week if _kind(centre, s) == "night")
        if n_nights > rules.max_nights_per_week:
            v.append(Violation("max_nights_per_week", e.id, w0, f"{n_nights} nights in the week (maximum {rules.max_nights_per_week})"))
    total = sum(s.paid_hours for s in own) * 60
    if e.max_total_minutes is not None and total > e.max_total_minutes + 1e-6:
        v.append(Violation("max_total_minutes", e.id, None, f"{total:g} minutes (maximum {e.max_total_minutes})"))
    if e.min_total_minutes is not None and total + 1e-6 < e.min_total_minutes:
        v.append(Violation("min_total_minutes", e.id, None, f"{total:g} minutes (minimum {e.min_total_minutes})"))
    counts = defaultdict(int)
    for s in own:
        counts[s.shift_id] += 1
    for sid, cap in e.max_shifts.items():
        if counts.get(sid, 0) > cap:
            v.append(Violation("shift_caps", e.id, None, f"{counts[sid]} shifts {sid} (maximum {cap})"))


def _check_weekends(centre: Centre, e: Employee, own: list[ShiftAssignment], v) -> None:
    limit = e.max_weekends if e.max_weekends is not None else centre.rules.max_weekends
    if limit is None:
        return
    # A weekend is one run of consecutive weekend days (rules.weekend_days), named by its first
    # day: step back over the weekend days before it.
    days = set(centre.rules.weekend_days)
    weekends = set()
    for s in own:
        if s.day.weekday() in days:
            first = s.day
            while (first - timedelta(days=1)).weekday() in days and (s.day - first).days < 6:
                first -= timedelta(days=1)
            weekends.add(first)
    if len(weekends) > limit:
        v.append(Violation("max_weekends", e.id, None, f"{len(weekends)} weekends worked (maximum {limit})"))


def _check_assignments(centre: Centre, emps: dict[str, Employee], shifts, assignments, v,
                       worked_before: datetime | None = None, departures: dict | None = None) -> None:
    """Each assignment: a known agent, once per moment, on the grid, trained for an open queue,
    on duty and not on a break - nor after leaving that shift (`departures`: roster.csv's
    left_at, (employee id, the shift's date) -> moment)."""
    departures = departures or {}
    queues = set(centre.queue_ids)
    hours = {q.id: q.hours for q in centre.queues}
    # On duty at an assignment's moment: inside one of the agent's shifts and not in its break
    # (read at that moment, so a shift or break off the planning grid - last week's, say - counts
    # by the intervals' starts, as the roster does).
    shifts_of: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for s in shifts:
        shifts_of[s.employee_id].append(s)

    def duty(eid: str, t: datetime) -> bool | None:
        inside = [s for s in shifts_of.get(eid, ()) if s.start <= t < s.end]
        if not inside:
            return None
        return any(not (s.break_start is not None and s.break_start <= t < s.break_end) for s in inside)
    seen: dict[tuple[str, datetime], str] = {}
    for a in assignments:
        key = (a.employee_id, a.start)
        e = emps.get(a.employee_id)
        if e is None:
            v.append(Violation("unknown_employee", a.employee_id, a.start.date(), "assignment for an unknown employee"))
            continue
        if key in seen:
            v.append(Violation("double_counting", a.employee_id, a.start.date(),
                               f"serves {seen[key]} and {a.queue} at {a.start:%H:%M}: an agent counts once"))
            continue
        seen[key] = a.queue
        # One row per interval of the planning grid (09:40 on a 30-minute grid counts for nothing
        # the coverage reads, and hid who served 09:30).
        if (a.start.hour * 60 + a.start.minute) % centre.interval_minutes or a.start.second:
            v.append(Violation("assignment_grid", a.employee_id, a.start.date(),
                               f"assigned at {a.start:%H:%M}, not on the {centre.interval_minutes}-minute planning grid"))
        if a.queue not in queues:
            v.append(Violation("skills", a.employee_id, a.start.date(), f"unknown queue {a.queue!r}"))
        elif worked_before is not None and a.start < worked_before:
            pass      # a record of what was worked: skills and hours as they were then
        elif a.queue not in e.skills:
            v.append(Violation("skills", a.employee_id, a.start.date(), f"serves {a.queue} at {a.start:%H:%M} without the skill"))
        elif not any(lo <= a.start.hour * 60 + a.start.minute < hi for lo, hi in hours[a.queue][a.start.weekday()]):
            v.append(Violation("queue_closed", a.employee_id, a.start.date(),
                               f"serves {a.queue} at {a.start:%a %H:%M}, when it is closed"))
        state = duty(a.employee_id, a.start)
        left = [departures[a.employee_id, sh.day] for sh in shifts_of.get(a.employee_id, ())
                if (a.employee_id, sh.day) in departures and sh.start <= a.start < sh.end]
        if state and left and left[0] <= a.start:
            v.append(Violation("after_departure", a.employee_id, a.start.date(),
                               f"assigned at {a.start:%H:%M}, after leaving the shift at {left[0]:%H:%M}"))
        if state is None:
            v.append(Violation("assignment_off_duty", a.employee_id, a.start.date(), f"assigned at {a.start:%H:%M} but not on shift"))
        elif state is False:
            v.append(Violation("assignment_on_break", a.employee_id, a.start.date(), f"assigned at {a.start:%H:%M} during the break"))


# roster.csv states paid hours to 2 decimals (0.005 h of rounding); a whole minute is 0.017 h.
PAID_HOURS_TOLERANCE = 0.01


def check_paid_hours(rows, label: str = "roster.csv") -> list[Violation]:
    """`paid_hours` is what payroll pays: it must be the shift as written in the same row, end minus
    start minus the unpaid break - re-derived here from the times, not taken from the engine.
    `rows`: (row number, shift, stated paid hours, ...), as `io.read_roster_rows` reads them."""
    v: list[Violation] = []
    for row, s, stated, *_ in rows:
        if stated is None:          # no paid_hours column: nothing stated to check
            continue
        worked = s.end - s.start
        unpaid = s.break_end - s.break_start if s.break_start is not None and s.break_end is not None else timedelta(0)
        hours = (worked - unpaid).total_seconds() / 3600
        if abs(stated - hours) > PAID_HOURS_TOLERANCE:
            brk = f" less a {unpaid.total_seconds() / 60:g}-minute break" if unpaid else ""
            v.append(Violation("paid_hours", s.employee_id, s.day,
                               f"{label} row {row}: paid_hours is {stated:g} but {s.start:%H:%M}-{s.end:%H:%M}{brk} "
                               f"is {round(hours, 2):g} h"))
    return v


def check_main_queue(rows, centre: Centre, employees, assignments, label: str = "roster.csv",
                     worked_before: datetime | None = None) -> list[Violation]:
    """`main_queue` tells the agent and HR which queue a shift is mostly for: it must be a queue of
    the centre the agent is trained for and, with assignments.csv, one the agent serves most in
    that shift (re-derived from the assignments, not taken from the exporter). `rows`: as
    `io.read_roster_rows` reads them; a row that states no main queue is not checked."""
    v: list[Violation] = []
    queues = set(centre.queue_ids)
    emps = {e.id: e for e in employees}
    served: dict[str, list] = defaultdict(list)
    for a in assignments or ():
        served[a.employee_id].append(a)
    for r in rows:
        s, main = r.shift, r.main_queue
        if not main:
            continue
        where = f"{label} row {r.row}: main_queue is {main!r}"
        e = emps.get(s.employee_id)
        if main not in queues:
            v.append(Violation("main_queue", s.employee_id, s.day, f"{where}, not a queue of the centre"))
            continue
        if e is not None and main not in e.skills and (worked_before is None or s.start >= worked_before):
            v.append(Violation("main_queue", s.employee_id, s.day, f"{where}, a queue {s.employee_id} is not trained for"))
            continue
        if assignments is None:
            continue
        counts: dict[str, int] = defaultdict(int)
        for a in served.get(s.employee_id, ()):
            if s.start <= a.start < s.end:
                counts[a.queue] += 1
        if not counts:
            v.append(Violation("main_queue", s.employee_id, s.day, f"{where}, but the assignments have the agent "
                                                                   f"serving no queue in this shift"))
        elif counts.get(main, 0) < max(counts.values()):
            most = max(counts, key=counts.get)
            v.append(Violation("main_queue", s.employee_id, s.day,
                               f"{where}, but the assignments have the agent on {most} most in this shift "
                               f"({counts[most]} intervals against {counts.get(main, 0)})"))
    return v


def _planned_days(roster_path, shifts: list[ShiftAssignment]) -> tuple[date, int] | None:
    """The horizon `plan` wrote beside the roster (kpis.json), if it holds every shift: without
    --week the horizon once began at the first shift, and a closed Monday's contract credit was
    lost (25 'min_hours' reports on a valid roster)."""
    import json
    try:
        h = json.loads(Path(roster_path).with_name("kpis.json").read_text(encoding="utf-8"))["horizon"]
        start, n = date.fromisoformat(h["start"]), int(h["days"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not 1 <= n <= 3660 or any(not start <= s.day < start + timedelta(days=n) for s in shifts):
        return None
    return start, n


def _named_by_times(centre: Centre, s: ShiftAssignment) -> ShiftAssignment:
    """A shift without an id (a hand-made roster may leave the optional `shift` column out) as the
    template its times are, if one is: every such shift was once 'shift '' is not a template'."""
    if s.shift_id.strip():
        return s
    tmpl = next((t for t in centre.shifts if s.in_times_of(t)), None)
    return s if tmpl is None else replace(s, shift_id=tmpl.id)


# Bad rows of the roster file are listed up to this many, then counted.
LISTED_ROWS = 20


def _refuse_unreadable_rows(rows, label: str, known: set[str]) -> None:
    """Rows that are no roster's, refused by row as plan and replan refuse them (exit 2): an
    unknown employee (ids whose leading zeros a spreadsheet dropped gave 6,805 'unknown_employee'
    lines and no row), and a row repeated exactly (counted twice: 'one_shift_per_day', 'overlap'
    and 48 paid hours in a week for 40 worked)."""
    from .io import unknown_employee
    problems, seen = [], {}
    for r in rows:
        s = r.shift
        if s.employee_id not in known:
            problems.append(InputProblem(label, unknown_employee(s.employee_id, known), r.row, "employee_id"))
        key = (s.employee_id, s.day, s.start, s.end)
        if key in seen:
            problems.append(InputProblem(label, f"row {seen[key]} again (the same shift of {s.employee_id}, "
                                                f"{s.start:%Y-%m-%d %H:%M}-{s.end:%H:%M})", r.row, "start"))
        seen.setdefault(key, r.row)
    if problems:
        raise InputError(problems[:LISTED_ROWS] + unlisted(label, max(0, len(problems) - LISTED_ROWS)))


def validate_files(data_dir: str | Path, roster_path: str | Path, assignments_path: str | Path | None = None,
                   week: date | None = None, days: int | None = None,
                   extra_time_off: str | Path | None = None, worked_before: datetime | None = None,
                   published_path: str | Path | None = None) -> list[Violation]:
    """Read the centre folder and the exported files, and check every hard rule (`worked_before`
    and the roster re-planned, `published_path`: as validate_roster's)."""
    from .domain import Horizon
    from .io import (load_centre_dir, load_staff, present, read_assignments, read_departures, read_roster, read_roster_rows,
                     rostered_hours)
    data_dir = Path(data_dir)
    centre = load_centre_dir(data_dir)
    rows = read_roster_rows(roster_path, paid_hours=True)
    shifts = [_named_by_times(centre, r.shift) for r in rows]
    planned = _planned_days(roster_path, shifts) if week is None else None
    if planned is not None:
        week, days = planned[0], days or planned[1]
    start = week or (min(s.day for s in shifts) if shifts else date.today())
    n_days = days or max(7, ((max((s.day for s in shifts), default=start) - start).days // 7 + 1) * 7)
    staff = load_staff(data_dir, centre, Horizon(start, n_days, centre.interval_minutes))
    _refuse_unreadable_rows(rows, Path(roster_path).name, {e.id for e in staff.employees})
    if extra_time_off:   # e.g. the absences a re-plan was made for
        from dataclasses import replace as _replace
        from .io import read_time_off
        more = read_time_off(extra_time_off, [e.id for e in staff.employees])
        staff = _replace(staff, time_off=staff.time_off + tuple(more))
    if assignments_path is None:
        candidate = Path(roster_path).with_name("assignments.csv")
        assignments_path = candidate if candidate.exists() else None
    assignments = read_assignments(assignments_path, employee_ids=[e.id for e in staff.employees]) \
        if assignments_path else None
    previous_path = data_dir / "previous_roster.csv"
    previous = read_roster(previous_path, employee_ids=[e.id for e in staff.employees]) if present(previous_path) else []
    previous = [_named_by_times(centre, s) for s in previous]
    return (check_paid_hours(rows, Path(roster_path).name)
            + check_main_queue(rows, centre, staff.employees, assignments, Path(roster_path).name, worked_before)
            + validate_roster(centre, staff, shifts, assignments, horizon_start=start, horizon_days=n_days,
                              previous=previous, worked_before=worked_before,
                              published=[_named_by_times(centre, s) for s in read_roster(published_path)]
                              if published_path else None,
                              published_hours=rostered_hours(published_path) if published_path else None,
                              departures=read_departures(roster_path)))
