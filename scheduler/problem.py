"""A rostering problem: everything the engine needs, pre-digested into day/template options.

This is where the domain's calendar facts (time off, fixed days off, availability windows, skills,
night eligibility, carry-over from the previous roster) are turned into "which templates may
employee e work on day d". Both the CP-SAT model and the greedy start read it; the independent
validator does not (it re-derives everything from the files).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

import pandas as pd

from .domain import Centre, Employee, Horizon, Requirement, ShiftAssignment, ShiftCover, ShiftTemplate, Staff


@dataclass(frozen=True)
class Pin:
    """A locked decision: employee works `shift_id` on `day`, or is off that day (shift_id None)."""

    employee_id: str
    day: date
    shift_id: str | None
    # The break of the pinned shift as published (a re-plan keeps the breaks already given out;
    # None: the search places it). Ignored if the break rules no longer allow that time.
    break_start: datetime | None = None
    # Already worked or under way (a re-plan's past): a record, so today's calendar rules (opening
    # hours, availability, nights, contract changed since) do not forbid it; the rules over
    # sequences (rest, runs of days, weekly hours) still count it.
    worked: bool = False
    # A worked shift whose template centre.toml has dropped or changed since (the 21:30 start
    # dropped, 8 h made 9 h mid-week): the shift as it was worked, so the record keeps its times
    # (without it the re-plan was infeasible, or rewrote Monday's worked 8 h as 9). Only for
    # worked pins; its id is the pin's own if centre.toml has no such template.
    template: ShiftTemplate | None = None


@dataclass
class RosterProblem:
    centre: Centre
    staff: Staff
    requirement: Requirement
    previous: list[ShiftAssignment] = field(default_factory=list)   # carry-over (before the horizon)
    pins: list[Pin] = field(default_factory=list)
    shift_cover: list[ShiftCover] = field(default_factory=list)     # cover by shift type per day
    # Re-planning: a reference roster to stay close to; each changed employee-day costs change_weight.
    reference: list[ShiftAssignment] = field(default_factory=list)
    change_weight: float = 0.0
    # Re-planning: queue assignments already worked (before the change) - kept as published where
    # the agent is on duty then.
    kept_assignments: list = field(default_factory=list)      # QueueAssignment
    # Re-planning: the reference roster's queue assignments; the split of the new flows gives an
    # agent the published queue where it can (no cost in the model: flows are per group).
    reference_assignments: list = field(default_factory=list)  # QueueAssignment
    # ... and what moving one of them costs: a break of a kept shift (per shift), an agent-interval
    # on another queue than published. 0: free (the new plan may move them all).
    break_change_weight: float = 0.0
    queue_change_weight: float = 0.0
    # Re-planning: agents who left mid-shift (employee id -> the moment). Their shift under way
    # stays in the record as pinned, but from that moment they count for no cover and serve no
    # queue, so the gap they leave is re-planned like any other.
    leaves_at: dict = field(default_factory=dict)      # (employee id, the shift's date) -> moment
    # Re-planning: the moment of the change. Before it the roster is the record (pins with
    # worked=True); no other shift may start before it (the calendar rule "already_past").
    not_before: datetime | None = None
    # Re-planning: the paid hours each employee was rostered for each day - the roster re-planned
    # and the rosters it was re-planned from (io.rostered_hours); None: from `reference`.
    rostered_hours: dict | None = None
    # Agents on duty (not on a break) from employees outside this problem, by the queues they
    # serve (skill set, as add_coverage groups them) and interval: a part of a roster re-optimised
    # with everybody else's shifts held (scheduler.subrosters). They count as cover like carry-over.
    outside_duty: dict = field(default_factory=dict)     # (frozenset of queue ids, interval) -> agents
    # Intervals [first, last) whose cover is modelled; None: all. A part of a roster re-optimised
    # on some days (scheduler.subrosters) holds everything else fixed, so its cover penalty
    # elsewhere is a constant, left out of the model (its objective is then the part's penalty
    # less that constant, which comparisons within the part do not see).
    priced_intervals: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        self.horizon: Horizon = self.requirement.horizon
        # Carry-over is what was worked before the horizon; a shift dated inside it is not (it once
        # counted as cover beside the new roster's own shifts).
        self.previous = [s for s in self.previous if s.day < self.horizon.start]
        self.employees: list[Employee] = list(self.staff.employees)
        self.templates: list[ShiftTemplate] = list(self.centre.shifts)
        # Worked records in a shape centre.toml no longer has: in the model for their pins only.
        known = {t.id for t in self.templates}
        self._record_only: set[str] = set()
        pins = []
        for pin in self.pins:
            shape = pin.template
            if pin.worked and shape is not None:
                if shape.id not in known:
                    self.templates.append(shape)
                    known.add(shape.id)
                    self._record_only.add(shape.id)
                pin = replace(pin, shift_id=shape.id)
            pins.append(pin)
        self.pins = pins
        # id -> position, for the rules that read ids (pins, carry-over, reference rosters)
        self.employee_index: dict[str, int] = {e.id: i for i, e in enumerate(self.employees)}
        self.template_index: dict[str, int] = {s.id: i for i, s in enumerate(self.templates)}
        self._time_off = self.staff.leave_days()
        # Public holidays that credit the contract minimum (rules.holidays_credit_contract).
        self.credited_holidays: frozenset[date] = self.centre.contract_credit_holidays(
            self.horizon.start, self.horizon.day(self.horizon.days - 1))
        self._meets_hours: dict[tuple, bool] = {}   # (skills, weekday, start, length) -> opening_hours
        self._worked = {(pin.employee_id, pin.day, pin.shift_id) for pin in self.pins if pin.worked and pin.shift_id}
        # Re-planning: the paid hours each employee was rostered for each day (the roster re-planned).
        self.published_hours: dict[tuple[str, date], float] = (
            dict(self.rostered_hours) if self.rostered_hours is not None
            else {(sh.employee_id, sh.day): sh.paid_hours for sh in self.reference})
        self._worked_days = {(eid, day) for eid, day, _ in self._worked}

    # ---- calendar ------------------------------------------------------------------------
    def on_leave(self, employee_id: str, day: date) -> bool:
        return (employee_id, day) in self._time_off

    def absent(self, employee_id: str, day: date) -> bool:
        """Approved time off or a closure day: an absence not of the roster's making."""
        return self.on_leave(employee_id, day) or day in self.centre.closures

    def leave_credit_hours(self, employee_id: str, day: date) -> float:
        """Re-planning: the paid hours a day of leave credits beyond the usual min_hours / max_days
        - the hours the roster re-planned had on it (off sick from an 8-hour shift). Leave only
        (closures and holidays keep their usual credit), and not a day partly worked (a shift
        under way when the leave was entered stays worked: it counts as worked)."""
        if not self.on_leave(employee_id, day) or (employee_id, day) in self._worked_days:
            return 0.0
        return self.published_hours.get((employee_id, day), 0.0)

    def contract_credit(self, employee_id: str, day: date) -> bool:
        """Is `day` credited against the employee's contracted minimum: an absence (``absent``) or
        a public holiday that credits it (rules.holidays_credit_contract). Once per day."""
        return self.absent(employee_id, day) or day in self.credited_holidays

    def allowed(self, e: Employee, d: int, s: ShiftTemplate) -> bool:
        """May employee `e` work template `s` on horizon day `d` (before rest/sequence rules)?

        Each calendar rule is a named predicate in CALENDAR_RULES, so a rule can be named in an
        explanation and switched off in tests that prove the validator would catch its absence.
        """
        day = self.horizon.day(d)
        if self._worked and (e.id, day, s.id) in self._worked:     # a record of the past (Pin.worked)
            return True
        if s.id in self._record_only:                               # no longer a shift anyone is offered
            return False
        return all(rule(self, e, day, s) for rule in CALENDAR_RULES.values())

    def options(self, e: Employee, d: int) -> list[int]:
        return [i for i, s in enumerate(self.templates) if self.allowed(e, d, s)]

    # ---- carry-over -----------------------------------------------------------------------
    def previous_by_employee(self) -> dict[str, list[ShiftAssignment]]:
        out: dict[str, list[ShiftAssignment]] = {}
        for s in self.previous:
            if s.day < self.horizon.start:
                out.setdefault(s.employee_id, []).append(s)
        for v in out.values():
            v.sort(key=lambda s: s.start)
        return out

    def restricted_to(self, members: list[int], outside_duty: dict | None = None) -> "RosterProblem":
        """The same centre and requirement with only these employees (indices), and only their
        time off, wishes, carry-over, pins and reference shifts. Every hard rule concerns one
        employee, so their rules hold in it exactly as in the whole problem. `outside_duty`: the
        others' cover, if it should count (see the field)."""
        emps = tuple(self.employees[e] for e in members)
        ids = {e.id for e in emps}
        mine = lambda items: [x for x in items if x.employee_id in ids]   # noqa: E731
        return RosterProblem(self.centre, Staff(emps, tuple(mine(self.staff.time_off)),
                                                tuple(mine(self.staff.preferences))),
                             self.requirement, previous=mine(self.previous), pins=mine(self.pins),
                             reference=mine(self.reference), change_weight=self.change_weight,
                             not_before=self.not_before, outside_duty=dict(outside_duty or {}))

    def horizon_start(self) -> datetime:
        return datetime.combine(self.horizon.start, time())


def _time_off(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    return not p.on_leave(e.id, day)


def _fixed_days_off(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    return day.weekday() not in e.fixed_days_off


def _closures(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    return day not in p.centre.closures


def _night_eligibility(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    return s.kind != "night" or e.nights


def _qualified_for_shift(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    return e.max_shifts.get(s.id, None) != 0


def _availability_window(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    if e.earliest_start is not None and s.start_minute < e.earliest_start:
        return False
    return e.latest_end is None or s.end_minute <= e.latest_end


def _fits_contract(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    if e.max_total_minutes is not None:
        return s.paid_minutes <= e.max_total_minutes
    return s.paid_hours <= e.max_hours + 1e-9


def _opening_hours(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    """A shift must overlap the opening hours of a queue the agent serves: a week-end shift in a
    centre closed at week-ends served nobody, yet cost no more than surplus on an open day when
    the contract minimum already made surplus unavoidable (a Monday-Friday centre got 49 such
    shifts). Centres without queues (e.g. cover by shift type only) have no opening hours."""
    if not p.centre.queues:
        return True
    key = (e.skills, day.weekday(), s.start_minute, s.length_minutes)
    if key not in p._meets_hours:
        hours = [q.hours for q in p.centre.queues if q.id in e.skills]
        a, b = s.start_minute, s.end_minute
        # [a, b) against each day's windows it reaches, in minutes from the shift's own midnight
        p._meets_hours[key] = any(lo + 1440 * k < b and a < hi + 1440 * k
                                  for k in range(b // 1440 + 1) for week in hours
                                  for lo, hi in week[(day.weekday() + k) % 7])
    return p._meets_hours[key]


def _already_past(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    """A re-plan does not add work before its moment of change (one once put two agents on shifts
    from 08:00 for a change at 12:00, their 'cover' counted for hours gone by)."""
    return p.not_before is None or datetime.combine(day, time()) + timedelta(minutes=s.start_minute) >= p.not_before


def _has_a_skill_in_demand(p: RosterProblem, e: Employee, day: date, s: ShiftTemplate) -> bool:
    return not p.requirement.queues or any(q in e.skills for q in p.requirement.queues)


CALENDAR_RULES = {
    "time_off": _time_off,
    "fixed_days_off": _fixed_days_off,
    "closure": _closures,
    "nights": _night_eligibility,
    "shift_caps": _qualified_for_shift,
    "availability": _availability_window,
    "max_hours": _fits_contract,
    "skills": _has_a_skill_in_demand,
    "opening_hours": _opening_hours,
    "already_past": _already_past,
}


def requirement_from_table(table: pd.DataFrame, centre: Centre, horizon: Horizon, column: str = "staff") -> Requirement:
    """Requirement on the centre's grid from a requirements table (timestamp, queue, staff|agents).

    A finer table is brought to the grid by the maximum within each grid interval (a roster that
    covers the peak quarter-hour covers the half-hour); intervals absent from the table need nobody,
    nor do intervals when the queue is closed by its opening hours (a requirements file may have
    rows there; nobody may be rostered for them - the opening_hours rule - nor serve them).
    """
    if column not in table.columns:
        column = "agents"
    start = datetime.combine(horizon.start, time())
    minutes = (pd.to_datetime(table["timestamp"]) - start).dt.total_seconds() // 60
    idx = (minutes // horizon.interval_minutes).astype(int)
    inside = (idx >= 0) & (idx < horizon.n_intervals)
    staff = []
    agents = []
    for q in centre.queue_ids:
        mask = inside & (table["queue"] == q)
        arr = [0] * horizon.n_intervals
        arr_a = [0] * horizon.n_intervals
        queue = centre.queue(q)
        for t, v, a in zip(idx[mask], table.loc[mask, column], table.loc[mask, "agents"] if "agents" in table else table.loc[mask, column]):
            if not queue.is_open(horizon.moment(int(t))):
                continue
            arr[t] = max(arr[t], int(round(float(v))))
            arr_a[t] = max(arr_a[t], int(round(float(a))))
        staff.append(tuple(arr))
        agents.append(tuple(arr_a))
    return Requirement(horizon=horizon, queues=centre.queue_ids, staff=tuple(staff), agents=tuple(agents))
