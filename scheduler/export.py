"""HR exports beyond the roster itself: the per-employee summary, iCalendar files and an optional
Excel workbook.

Everything here is computed from the roster as published (its shifts), so what HR receives is
exactly what the validator checks. Writing is left to the callers (``pipeline.write_plan``), which
do it atomically.
"""
from __future__ import annotations

import importlib.util
import math
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pandas as pd

from .domain import Centre, Roster, Staff

SUMMARY_COLUMNS = ["employee_id", "name", "contract", "skills", "days_worked", "days_off", "paid_hours",
                   "hours_not_worked", "contract_min_hours", "contract_max_hours", "hours_vs_min_contract", "nights", "early_shifts",
                   "late_shifts", "weekends_worked", "time_off_days", "first_start", "last_end",
                   "paid_hours_by_week", "contract_min_hours_by_week"]


def employee_summary(roster: Roster, staff: Staff, centre: Centre) -> pd.DataFrame:
    """One row per employee (also those not rostered): paid hours against the contract over the
    horizon, days worked and off, nights, early/late shifts, weekends worked, approved time off.
    The contract minimum credits approved leave, closure days and - under
    rules.holidays_credit_contract - public holidays (min_hours / max_days a day, as the rules
    do): someone on leave two days of a week owes that much less, not a shortfall. Paid hours and
    that minimum are also given per calendar week of the horizon ('38;40')."""
    h = roster.horizon
    credited = centre.contract_credit_holidays(h.day(0), h.day(h.days - 1))
    weeks = h.days / 7
    kinds = {s.id: s.kind for s in centre.shifts}
    by_emp: dict[str, list] = defaultdict(list)
    for s in roster.shifts:
        by_emp[s.employee_id].append(s)
    on_leave = staff.leave_days()
    rows = []
    for e in staff.employees:
        shifts = sorted(by_emp.get(e.id, []), key=lambda s: s.start)
        paid = round(sum(s.paid_hours for s in shifts), 2)
        weekends = {centre.rules.weekend_of(s.day) for s in shifts} - {None}
        leave_days = {day for day in (h.day(d) for d in range(h.days)) if (e.id, day) in on_leave}
        worked_days = {s.day for s in shifts}
        week_paid, week_min = [], []
        for w in range(math.ceil(h.days / 7)):
            wdays = [h.day(d) for d in range(7 * w, min(h.days, 7 * w + 7))]
            week_paid.append(sum(s.paid_hours for s in shifts if wdays[0] <= s.day <= wdays[-1]))
            off = [day for day in wdays if day in leave_days or day in centre.closures or day in credited]
            week_min.append(e.contract_minimum_hours(len(wdays), len(off), [
                roster.rostered_before.get((e.id, day), 0.0) for day in off
                if day in leave_days and day not in worked_days]))
        owed = round(sum(week_min), 2)
        rows.append({
            "employee_id": e.id, "name": e.name, "contract": e.contract, "skills": "+".join(sorted(e.skills)),
            "days_worked": len(worked_days), "days_off": h.days - len(worked_days),
            "paid_hours": paid,
            # rostered paid hours of a shift its agent left mid-way, after they left (a re-plan)
            "hours_not_worked": round(sum(roster.hours_not_worked(s) for s in shifts), 2),
            "contract_min_hours": owed,
            "contract_max_hours": round(e.max_hours * weeks, 2),
            "hours_vs_min_contract": round(paid - owed, 2),
            "nights": sum(kinds.get(s.shift_id) == "night" for s in shifts),
            "early_shifts": sum(kinds.get(s.shift_id) == "early" for s in shifts),
            "late_shifts": sum(kinds.get(s.shift_id) == "late" for s in shifts),
            "weekends_worked": len(weekends),
            "time_off_days": len(leave_days),
            "first_start": shifts[0].start.strftime("%Y-%m-%dT%H:%M") if shifts else "",
            "last_end": shifts[-1].end.strftime("%Y-%m-%dT%H:%M") if shifts else "",
            "paid_hours_by_week": ";".join(f"{x:g}" for x in (round(v, 2) for v in week_paid)),
            "contract_min_hours_by_week": ";".join(f"{x:g}" for x in (round(v, 2) for v in week_min)),
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _ics_text(text: str) -> str:
    # RFC 5545 3.3.11: escape backslash, semicolon, comma and newlines in TEXT values.
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def employee_calendars(roster: Roster, staff: Staff, centre: Centre, *, now: datetime | None = None) -> dict[str, str]:
    """One iCalendar (RFC 5545) text per rostered employee: a VEVENT per shift, the break in the
    description. Times are floating local times (the centre's wall clock), as in roster.csv; UIDs
    are stable (employee, date) so a re-published roster updates events instead of duplicating them."""
    stamp = _ics_time((now or datetime.now(timezone.utc)).replace(tzinfo=None)) + "Z"
    names = {e.id: e.name for e in staff.employees}
    by_emp: dict[str, list] = defaultdict(list)
    for s in roster.shifts:
        by_emp[s.employee_id].append(s)
    out = {}
    for emp, shifts in sorted(by_emp.items()):
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{_ics_text(centre.name)}//shift roster//EN",
                 "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_ics_text('Shifts ' + names.get(emp, emp))}"]
        for s in sorted(shifts, key=lambda s: s.start):
            desc = f"Shift {s.shift_id}, {s.paid_hours:g} paid hours"
            if s.break_start is not None:
                desc += f", unpaid break {s.break_start:%H:%M}-{s.break_end:%H:%M}"
            gone = roster.left_at(s)
            if gone is not None:
                desc += f"; left at {gone:%Y-%m-%d %H:%M}, {roster.hours_not_worked(s):g} h not worked"
            lines += ["BEGIN:VEVENT", f"UID:{emp}-{s.day.isoformat()}@{_ics_text(centre.name).replace(' ', '-')}",
                      f"DTSTAMP:{stamp}", f"DTSTART:{_ics_time(s.start)}", f"DTEND:{_ics_time(s.end)}",
                      f"SUMMARY:{_ics_text('Shift ' + s.shift_id)}", f"DESCRIPTION:{_ics_text(desc)}", "END:VEVENT"]
        lines.append("END:VCALENDAR")
        out[emp] = "".join(_ics_fold(line) for line in lines)
    return out


def _ics_fold(line: str, limit: int = 75) -> str:
    """One content line as RFC 5545 3.1 wants it: at most 75 octets a line, longer ones continued
    on lines that start with a space, never inside a UTF-8 character; each line ends with CRLF.
    (A long centre name made PRODID and UID lines of 78-129 octets, which strict readers reject.)"""
    out, part, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(part)
            part, size = " ", 1
        part += ch
        size += n
    out.append(part)
    return "".join(piece + "\r\n" for piece in out)


def xlsx_available() -> bool:
    return importlib.util.find_spec("openpyxl") is not None


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per frame. Needs the optional openpyxl package."""
    if not xlsx_available():
        raise RuntimeError("the .xlsx export needs the openpyxl package: pip install openpyxl")
    buf = BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name[:31], index=False)
            # Text is text: a name typed as '=HYPERLINK(...)' was stored as a live formula, which
            # HR saw evaluated (or ran) instead of what roster.csv holds.
            for row in xl.sheets[name[:31]].iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.data_type == "f":
                        cell.data_type = "s"
    return buf.getvalue()
