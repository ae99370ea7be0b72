"""The domain model every other module speaks.

Plain, typed, immutable dataclasses with no behaviour beyond what follows from their own fields.
Forecasting, staffing, rostering and I/O import this module; it imports none of them.

Time is modelled on a grid: a planning horizon starts at midnight of ``Horizon.start`` and is cut
into intervals of ``interval_minutes``. Shift templates are anchored to a day (the day they start on)
and may run past midnight (night shifts).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Mapping

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The longest handle time read as real (4 hours): beyond it a value is a unit mistake (a column in
# milliseconds) or a stuck call, in the history, a forecast, centre.toml or a flag alike.
MAX_AHT_SECONDS = 4 * 3600
# The least occupancy cap a queue may have: below it the staffing needs millions of agents.
MIN_OCCUPANCY_CAP = 0.05
SHIFT_KINDS = ("early", "day", "late", "night")
# Interval lengths a centre can plan on: a divisor of the hour on the 5-minute grid, or whole hours
# that divide a day - so intervals tile every hour and every day and line up with shift starts
# (7 minutes does neither).
INTERVAL_MINUTES = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440)
INTERVAL_EXPECT = ("an interval that divides an hour (5, 10, 15, 20, 30 or 60 minutes) or whole hours "
                   "that divide a day (120, 180, 240, 360, 480, 720 or 1440 minutes)")


# --------------------------------------------------------------------------------------------
# Queues and service targets
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceTarget:
    """A queue's service target: `service_level` of contacts answered within `target_seconds`."""

    service_level: float = 0.8
    target_seconds: float = 20.0
    max_occupancy: float = 0.85
    patience_seconds: float | None = None  # mean patience, for Erlang A
    max_asa_seconds: float | None = None   # optional average-speed-of-answer cap


@dataclass(frozen=True)
class Queue:
    """A queue is also a skill: an agent trained for it may serve it."""

    id: str
    name: str
    # Opening hours per weekday (0 = Monday): list of (open_minute, close_minute) from midnight;
    # close may be 1440. An empty list means closed all day.
    hours: tuple[tuple[tuple[int, int], ...], ...] = tuple(((0, 1440),) for _ in range(7))
    target: ServiceTarget = ServiceTarget()
    default_aht_seconds: float = 300.0
    # Staffed with another queue (its id): this queue's few contacts are answered between the host
    # queue's by agents trained for both, so the two are staffed as one pool (the combined load at
    # the host's target) instead of each interval of this queue taking a whole agent of its own.
    staff_with: str | None = None
    # Agents on the queue whenever it is open on a day with forecast contacts, however few: the
    # key post never left empty (a queue of ~5 contacts a day had open intervals forecast at 0,
    # so required nobody). 0 turns the floor off.
    min_agents: int = 1
    # centre.toml gave the hours: else they default to round the clock, and the forecast learns
    # the queue's real ones from its history (a default read as given staffed every night).
    hours_given: bool = True

    def is_open(self, moment: datetime) -> bool:
        minute = moment.hour * 60 + moment.minute
        return any(a <= minute < b for a, b in self.hours[moment.weekday()])


# --------------------------------------------------------------------------------------------
# Shifts
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShiftTemplate:
    """One shift: a start time of day, a length on site and an unpaid break inside it."""

    id: str
    start_minute: int          # minutes after midnight of the day the shift belongs to
    length_minutes: int        # on site, including the unpaid break
    break_minutes: int = 0
    kind: str = "day"          # early | day | late | night (see rules.shift_kind)
    family: str = ""           # the template family ("F8") the start was expanded from
    # A re-plan's record of a shift worked as `record_of` whose template centre.toml has changed or
    # dropped since: the shape it was worked in, shown in the roster under its published id.
    record_of: str = ""

    @property
    def end_minute(self) -> int:
        """End in minutes after midnight of the start day (> 1440 for shifts past midnight)."""
        return self.start_minute + self.length_minutes

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - self.break_minutes

    @property
    def paid_hours(self) -> float:
        return self.paid_minutes / 60.0


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Employee:
    id: str
    name: str
    skills: frozenset[str]
    contract: str = ""
    min_hours: float = 0.0                # per week
    max_hours: float = 40.0               # per week
    max_days: int = 5                     # working days per week
    nights: bool = True                   # may work night shifts
    fixed_days_off: frozenset[int] = frozenset()   # weekday numbers, 0 = Monday
    earliest_start: int | None = None     # minute of day; availability window
    latest_end: int | None = None         # minute of day (may be 1440)
    hourly_cost: float = 1.0
    # Per-template caps over the horizon (0 = not qualified for that template); absent = no cap.
    max_shifts: Mapping[str, int] = field(default_factory=dict)
    # Optional per-employee overrides of the centre rules (None = centre default).
    max_weekends: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    # Horizon totals in minutes (benchmark-style contracts); None = use weekly hours only.
    min_total_minutes: int | None = None
    max_total_minutes: int | None = None

    def contract_minimum_hours(self, days: int, absent_days: int, rostered_hours=()) -> float:
        """The contracted minimum over `days` days of one week (scaled for a partial week), each
        absent day - approved leave or a centre closure - credited at min_hours / max_days, or at
        the paid hours it was rostered for when more (`rostered_hours`, one per absent day, in a
        re-plan: off sick from an 8-hour shift credited at 7.2 h once made a re-plan add a
        Saturday shift for the 0.8 h)."""
        per_day = self.min_hours / max(self.max_days, 1)
        extra = sum(max(0.0, h - per_day) for h in rostered_hours)
        return max(0.0, self.min_hours * days / 7 - per_day * absent_days - extra)


@dataclass(frozen=True)
class TimeOff:
    employee_id: str
    start: date
    end: date                 # inclusive
    reason: str = ""


@dataclass(frozen=True)
class Preference:
    """A wish; `weight` is paid in the objective when it is not granted."""

    employee_id: str
    day: date
    kind: str                 # day_off | shift_on | shift_off
    shift: str = ""           # template id, template family or shift kind; "" for day_off
    weight: float = 1.0


# --------------------------------------------------------------------------------------------
# Rules and weights
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rules:
    """Labour and fatigue rules (hard constraints)."""

    min_rest_minutes: int = 11 * 60
    max_consecutive_days: int = 6
    min_consecutive_days: int = 1
    min_consecutive_days_off: int = 1
    max_nights_per_week: int = 7
    max_consecutive_nights: int = 7
    max_weekends: int | None = None       # weekends with any work, over the horizon
    # The weekend's days of the week (0 = Monday): Saturday and Sunday, or e.g. Friday and
    # Saturday in Israel - what max_weekends, weekend fairness and weekends_worked count.
    weekend_days: tuple[int, ...] = (5, 6)
    forbidden_successions: tuple[tuple[str, str], ...] = ()   # (kind/template/family, same) day d -> d+1
    break_earliest_minutes: int = 180     # break starts at least this long after shift start
    break_latest_minutes: int = 300       # ... and at the latest this long after
    night_start_minute: int = 23 * 60
    night_end_minute: int = 5 * 60
    # Whether approved time off and closure days count as ordinary days off for the minimum-block
    # rules. False: they are neutral - a run of days off holding one is not held to
    # min_consecutive_days_off, and a run of working days next to one is not held to
    # min_consecutive_days (as a run at the horizon's end is not): the absence was not rostered,
    # and one day of leave mid-week must not make the week unplannable. True: they count like any
    # other day off (the Curtois benchmark's rule H7).
    absences_count_in_blocks: bool = False
    # Whether a public holiday (the centre's holiday_country / holiday_subdivision) credits every
    # employee's weekly contract minimum as a closure day does (min_hours / max_days), worked or
    # not - as shift contracts commonly do. Without it a four-week plan over Christmas had to
    # find everyone's full hours in a week of little demand and staffed Christmas Day well above
    # its requirement.
    holidays_credit_contract: bool = True

    def break_starts(self, shift: "ShiftTemplate", interval_minutes: int) -> list[int]:
        """Where `shift`'s unpaid break may start (minutes after the shift start, on the planning
        grid): within the break window and at least one interval from either end of the shift.
        A shift too short for the window (no such start) has its break in the middle, rather
        than nowhere; the centre's reader warns about such shifts."""
        if shift.break_minutes == 0:
            return []
        return self.break_starts_in_window(shift, interval_minutes) or \
            [max((shift.length_minutes - shift.break_minutes) // 2 // interval_minutes * interval_minutes, 0)]

    def break_starts_in_window(self, shift: "ShiftTemplate", interval_minutes: int) -> list[int]:
        """The break starts of `break_starts` that lie in the window (none: the shift is too short)."""
        step = interval_minutes
        lo = max(self.break_earliest_minutes, step)
        hi = min(self.break_latest_minutes, shift.length_minutes - shift.break_minutes - step)
        return [m for m in range(0, shift.length_minutes, step) if lo <= m <= hi]

    @property
    def weekend_first_weekday(self) -> int:
        """The weekday (0 = Monday) a weekend starts on: the first day of a run of weekend days
        (Saturday for Saturday-Sunday, Friday for Friday-Saturday)."""
        w = self.weekend_days
        return next((d for d in w if (d - 1) % 7 not in w), w[0]) if w else 5

    @property
    def week_first_weekday(self) -> int:
        """The weekday the working week starts on: the day after a weekend (Monday for
        Saturday-Sunday, Sunday for Friday-Saturday)."""
        w = self.weekend_days
        return next((d for d in range(7) if d not in w and (d - 1) % 7 in w), 0)

    def weekend_of(self, day: date) -> date | None:
        """The first day of the weekend `day` belongs to (one run of consecutive weekend days);
        None on a working weekday."""
        if day.weekday() not in self.weekend_days:
            return None
        back = 0
        while back < 6 and (day.weekday() - back - 1) % 7 in self.weekend_days:
            back += 1
        return day - timedelta(days=back)


# The largest weight (or hourly cost, preference weight) we accept: the objective is kept in
# integers (weight x roster.SCALE x agent-intervals or minutes) and 1e18 already overflowed CP-SAT's
# 64 bits. Products of large weights can still overflow: roster.refuse_overflow says so.
MAX_WEIGHT = 1e6


@dataclass(frozen=True)
class Weights:
    """Penalty weights of the soft goals; every term of the objective is one of these."""

    under_staffing: float = 100.0
    over_staffing: float = 5.0
    preference: float = 20.0
    fairness_weekends: float = 30.0
    fairness_nights: float = 20.0
    hours_deviation: float = 2.0
    stable_starts: float = 1.0
    cost: float = 0.0


# --------------------------------------------------------------------------------------------
# The centre
# --------------------------------------------------------------------------------------------
def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Dates the application reads: a year from this range. Year 9999 passed every reader and then
# overflowed date arithmetic (a week after 9999-12-31) in an internal error; pandas' timestamps
# end in April 2262 (year 2300: the same).
FIRST_YEAR, LAST_YEAR = 1900, 2200


def plausible_date(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def observed_holidays(country: str, subdivision: str | None, years, ignored=()) -> dict[date, str]:
    """Date -> name of the public holidays (the ``holidays`` package) a centre observes: those of
    `country` / `subdivision` in `years`, less a date whose every name is in `ignored` (case does
    not matter; 'Boxing Day' covers 'Boxing Day (observed)'; a date with two holidays stays if one
    is observed)."""
    import holidays
    found = holidays.country_holidays(country, subdiv=subdivision, years=years)
    skip = {n.strip().casefold() for n in ignored}

    def skipped(part: str) -> bool:
        part = part.strip().casefold()
        return part in skip or part.split(" (")[0] in skip
    return {d: name for d, name in found.items() if not skip or not all(skipped(p) for p in name.split(";"))}


@dataclass(frozen=True)
class Centre:
    name: str
    queues: tuple[Queue, ...]
    shifts: tuple[ShiftTemplate, ...]
    rules: Rules = Rules()
    weights: Weights = Weights()
    interval_minutes: int = 30
    shrinkage: float = 0.3
    staffing_model: str = "erlang-c"
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closures: tuple[date, ...] = ()
    # Holidays of the country's calendar the centre does not observe (names as the holidays package
    # gives them): ordinary days for the forecast and the contract credit.
    holidays_ignored: tuple[str, ...] = ()
    # IANA time zone of the centre's clock (optional): the plan then names the clock changes in
    # its weeks (times stay wall-clock; a shift across one is an hour longer or shorter).
    timezone: str | None = None

    def clock_changes(self, first: date, days: int) -> list[tuple[date, str, str]]:
        """(day, UTC offset before, after) for each day of the `days` from `first` on which the
        centre's clocks change (none without a timezone)."""
        if not self.timezone:
            return []
        from zoneinfo import ZoneInfo
        zone = ZoneInfo(self.timezone)
        out = []
        for i in range(days):
            d = first + timedelta(days=i)
            a = datetime.combine(d, time(0), zone).utcoffset()
            b = datetime.combine(d + timedelta(days=1), time(0), zone).utcoffset()
            if a != b:
                out.append((d, _offset_text(a), _offset_text(b)))
        return out

    def public_holidays(self, first: date, last: date) -> frozenset[date]:
        """The public holidays from `first` to `last` (inclusive) of the centre's holiday calendar
        (the ``holidays`` package; none without a holiday_country), less those it ignores."""
        if not self.holiday_country or last < first:
            return frozenset()
        found = observed_holidays(self.holiday_country, self.holiday_subdivision,
                                  range(first.year, last.year + 1), self.holidays_ignored)
        return frozenset(d for d in found if first <= d <= last)

    def contract_credit_holidays(self, first: date, last: date) -> frozenset[date]:
        """The public holidays from `first` to `last` that credit contracted minimum hours
        (rules.holidays_credit_contract; none when it is off)."""
        return self.public_holidays(first, last) if self.rules.holidays_credit_contract else frozenset()

    @property
    def closed_weekdays(self) -> frozenset[int]:
        """Weekdays (0 = Monday) on which every queue is closed by its opening hours."""
        return frozenset(w for w in range(7) if not any(q.hours[w] for q in self.queues))

    def queue(self, queue_id: str) -> Queue:
        for q in self.queues:
            if q.id == queue_id:
                return q
        raise KeyError(queue_id)

    def shift(self, shift_id: str) -> ShiftTemplate:
        for s in self.shifts:
            if s.id == shift_id:
                return s
        raise KeyError(shift_id)

    @property
    def queue_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.queues)

    @property
    def staffed_with(self) -> dict[str, str]:
        """Queue id -> the host queue it is staffed with (``Queue.staff_with``), for pooled queues."""
        return {q.id: q.staff_with for q in self.queues if q.staff_with}


@dataclass(frozen=True)
class Staff:
    """Who is there to roster, and what they asked for."""

    employees: tuple[Employee, ...]
    time_off: tuple[TimeOff, ...] = ()
    preferences: tuple[Preference, ...] = ()

    def employee(self, employee_id: str) -> Employee:
        for e in self.employees:
            if e.id == employee_id:
                return e
        raise KeyError(employee_id)

    def leave_days(self) -> set[tuple[str, date]]:
        """(employee id, day) of every day of approved time off."""
        return {(t.employee_id, t.start + timedelta(days=i))
                for t in self.time_off for i in range((t.end - t.start).days + 1)}


@dataclass(frozen=True)
class Horizon:
    start: date               # first day (midnight); usually a Monday
    days: int = 7
    interval_minutes: int = 30

    @property
    def intervals_per_day(self) -> int:
        return 1440 // self.interval_minutes

    @property
    def n_intervals(self) -> int:
        return self.days * self.intervals_per_day

    def day(self, d: int) -> date:
        return self.start + timedelta(days=d)

    def moment(self, t: int) -> datetime:
        """Start of interval t (may be outside the horizon for negative or large t)."""
        return datetime.combine(self.start, time()) + timedelta(minutes=t * self.interval_minutes)

    def index(self, moment: datetime) -> int:
        delta = moment - datetime.combine(self.start, time())
        return int(delta.total_seconds() // 60) // self.interval_minutes


# --------------------------------------------------------------------------------------------
# Demand
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    """Agents to roster per interval and queue over a horizon.

    `staff[q][t]` is what the roster should cover (after shrinkage). `value[q][t][k]`, when given,
    is the expected number of contacts answered within target with k agents on queue q in interval t
    (concave in k): the roster engine values each extra agent by what it buys.
    """

    horizon: Horizon
    queues: tuple[str, ...]
    staff: tuple[tuple[int, ...], ...]                 # [queue][interval]
    agents: tuple[tuple[int, ...], ...] | None = None  # before shrinkage, for reporting
    value: tuple[tuple[tuple[float, ...], ...], ...] | None = None


@dataclass(frozen=True)
class ShiftCover:
    """Demand stated per shift rather than per interval: `requirement` people on `shift` (a
    template id, family or kind) on `day`; each missing or surplus person costs its weight."""

    day: date
    shift: str
    requirement: int
    under_weight: float = 1.0
    over_weight: float = 0.0


# --------------------------------------------------------------------------------------------
# Roster
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShiftAssignment:
    employee_id: str
    day: date                 # the day the shift starts on
    shift_id: str
    start: datetime
    end: datetime
    break_start: datetime | None = None
    break_end: datetime | None = None

    @property
    def paid_hours(self) -> float:
        minutes = (self.end - self.start).total_seconds() / 60
        if self.break_start is not None and self.break_end is not None:
            minutes -= (self.break_end - self.break_start).total_seconds() / 60
        return minutes / 60.0

    @property
    def start_minute(self) -> int:
        """Minutes from midnight of `day` to the start, as a template's ``start_minute``."""
        return (self.start - datetime.combine(self.day, time())) // timedelta(minutes=1)

    @property
    def length_minutes(self) -> int:
        """On site, including the break, as a template's ``length_minutes``."""
        return (self.end - self.start) // timedelta(minutes=1)

    @property
    def break_minutes(self) -> int:
        if self.break_start is None or self.break_end is None:
            return 0
        return (self.break_end - self.break_start) // timedelta(minutes=1)

    def in_times_of(self, template: ShiftTemplate | None) -> bool:
        """Worked in `template`'s times (start and length): a shift whose template has changed
        since, or an edited file, is not, and is read from its own times instead."""
        return template is not None and \
            (self.start_minute, self.length_minutes) == (template.start_minute, template.length_minutes)

    def under_way_at(self, moment: datetime) -> bool:
        """Started before `moment` and not yet over: an agent leaving then leaves it mid-way."""
        return self.start < moment < self.end


@dataclass(frozen=True)
class QueueAssignment:
    """Agent `employee_id` serves `queue` during the interval starting at `start`."""

    employee_id: str
    start: datetime
    queue: str


@dataclass
class Roster:
    horizon: Horizon
    shifts: list[ShiftAssignment]
    queue_assignments: list[QueueAssignment]
    status: str = "UNKNOWN"        # OPTIMAL | FEASIBLE | ...
    objective: float | None = None
    bound: float | None = None
    penalties: dict[str, float] = field(default_factory=dict)   # rule name -> penalty
    kpis: dict = field(default_factory=dict)
    # Agents who left a shift under way (a re-plan): (employee id, the shift's date) -> the moment.
    # The shift stays in the roster as the record; the hours after it were not worked. (Per shift:
    # one moment per agent lost Monday's departure when the same agent went home sick on Wednesday.)
    departures: dict[tuple[str, date], datetime] = field(default_factory=dict)
    # A re-plan: the paid hours each employee was rostered for each day in the roster re-planned;
    # a day of leave credits at least that towards the contract minimum (as the rules do).
    rostered_before: dict[tuple[str, date], float] = field(default_factory=dict)

    def left_at(self, shift: "ShiftAssignment") -> datetime | None:
        """When the agent left this shift, if they left it mid-way."""
        gone = self.departures.get((shift.employee_id, shift.day))
        return gone if gone is not None and shift.under_way_at(gone) else None

    def hours_not_worked(self, shift: "ShiftAssignment") -> float:
        """Paid hours of the shift after its agent left (its break excluded); 0 if they did not."""
        gone = self.left_at(shift)
        if gone is None:
            return 0.0
        minutes = (shift.end - gone).total_seconds() / 60
        if shift.break_start is not None:
            overlap = (min(shift.end, shift.break_end) - max(gone, shift.break_start)).total_seconds() / 60
            minutes -= max(0.0, overlap)
        return minutes / 60
