"""The roster engine: an OR-Tools CP-SAT model of who works which shift, when they take their break,
and which queue each on-duty agent serves.

Structure (after OR-Tools' shift_scheduling_sat.py): each family of rules is one small function
named after the rule; soft goals are collected as named penalty terms (rule, variable, weight, tags)
so the objective can be explained term by term - by rule, by queue and by employee.

Decisions
- ``x[e, d, s]``: employee e works template s on day d (only where the calendar allows it).
- ``brk[g, d, s, off]``: how many agents of skill group g on (d, s) take their unpaid break `off`
  minutes after the shift start (an allowed offset, or a re-plan's record of a break taken). Agents with the same skill set are interchangeable for coverage, so breaks are
  decided per group and handed to individuals afterwards - exact, and far smaller than per person.
- ``flow[g, q, t]``: how many on-duty agents of group g serve queue q in interval t. The flows of a
  group add up to at most its on-duty agents, so a multi-skilled agent counts once, never twice.
"""
from __future__ import annotations

import math
import threading
import time as _time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Callable

from ortools.sat.python import cp_model

from .domain import Employee, QueueAssignment, Roster, ShiftAssignment, ShiftTemplate
from .problem import RosterProblem

# Share of the time limit for matching employees to the LP's shift counts (scheduler.matching).
# On the 200-agent scaling centre more matching beat more full-model search (60 s: share 0.2 ->
# 110-112k, 0.4 -> 106k, 0.6 -> 101.5k; single runs); on the sample it made no difference
# (medians of 3 at 0.2 / 0.5: 12.85k / 12.94k). 0.4 leaves the search time to prove small cases.
MATCH_SHARE = 0.4
# Share of the time limit for column generation over work patterns (scheduler.columns), which
# gives both the bound and, rounded, the first roster.
PATTERN_SHARE = 0.3
# The dive takes the time left but SEARCH_SHARE: a dive cut short leaves the rest to plain
# rounding (100 agents: 25.0k instead of 19.7k), while CP-SAT's search after it rarely improves
# rosters of 100+ agents within a minute (its presolve alone takes ~13 s at 200 agents). What the
# dive leaves goes to the improvement by parts (scheduler.subrosters) - giving them more by
# cutting generation or the dive short lost more than the parts made up (200 agents, 60 s:
# generation at 20 % of the limit, 70-84k where 30 % gave 67-69k).
SEARCH_SHARE = 0.12
# The final search runs only if it has FINAL_SEARCH_SHARE of the limit and that is at least
# SEARCH_PER_COMPLETION times the time pricing a whole roster takes (else the parts have it).
SEARCH_PER_COMPLETION = 3.0
FINAL_SEARCH_SHARE = 0.1
# Deterministic runs: the parts' share of the limit (deterministic seconds); the final search
# has the rest. Sample, 60 s: the final search of the whole model gained nothing on the dive's
# roster (7,423) in its 60 deterministic seconds (~4 minutes of wall time here).
DETERMINISTIC_PARTS_SHARE = 0.9
DETERMINISTIC_ITERATIONS = 40
# The aggregated LP runs only if it may have at least this long (the sample centre's takes ~8 s).
LP_SECONDS = 10.0
PATTERN_METHOD = "column generation over work patterns (GLOP master, CP-SAT pricing)"
# CP-SAT needs integer coefficients: weights are kept to 1/SCALE. Per-hour weights charged per
# minute (hours above contract: 2 an hour is 2/60 a minute) stay exact to a hundredth of an hour's
# weight; at 1/100 a minute's 0.0333 became 0.03 and the solver priced those hours 10 % low, so
# the objective it reported was not the sum of the penalties it listed.
SCALE = 6000


@dataclass
class SolveOptions:
    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    hint: list[ShiftAssignment] | None = None     # e.g. the previous version of this roster
    progress: Callable[[float, float, float], None] | None = None   # (seconds, objective, bound)
    log: bool = False
    # Reproducible runs: limit by CP-SAT's deterministic time (≈ seconds on a typical machine) and
    # interleave the workers, so the same inputs, seed and settings give the same roster.
    deterministic: bool = False
    # Compute the aggregated-LP lower bound (scheduler.bounds) to report an honest gap.
    lp_bound: bool = True
    # Set this event to stop early (a "Stop" button): the best roster found so far is returned.
    stop: threading.Event | None = None
    # Improve the first roster a part at a time (scheduler.subrosters) before the final search;
    # off only to measure what it brings (bench/roster_scaling.py --no-parts).
    parts: bool = True


@dataclass
class Penalty:
    rule: str
    expr: object          # a CP-SAT linear expression or variable
    weight: float         # per unit of expr
    queue: str = ""
    employee: str = ""


@dataclass
class RosterModel:
    problem: RosterProblem
    model: cp_model.CpModel
    x: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    work: dict[tuple[int, int], object] = field(default_factory=dict)
    brk: dict[tuple[int, int, int, int], cp_model.IntVar] = field(default_factory=dict)
    flow: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    under: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    groups: list[frozenset[str]] = field(default_factory=list)
    group_of: list[int] = field(default_factory=list)
    penalties: list[Penalty] = field(default_factory=list)
    # Set while solving (roster.solve): the longest a whole-roster pricing took (wall seconds);
    # a solver holding the roster when no final search is worth running (_improved_by_parts);
    # deterministic runs: the final search's deterministic seconds once the parts took theirs.
    completion_seconds: float = 0.0
    final: cp_model.CpSolver | None = None
    search_budget: float | None = None

    def penalize(self, rule: str, expr, weight: float, queue: str = "", employee: str = "") -> None:
        if weight > 0:
            self.penalties.append(Penalty(rule, expr, weight, queue, employee))


# ----------------------------------------------------------------------------------------------
# Helpers on templates and time
# ----------------------------------------------------------------------------------------------
def break_offsets(problem: RosterProblem, s: ShiftTemplate) -> list[int]:
    """Allowed break starts (minutes after shift start) on the interval grid."""
    return problem.centre.rules.break_starts(s, problem.horizon.interval_minutes)


def matches(s: ShiftTemplate, label: str) -> bool:
    """A rule or wish names a template by id, family or kind."""
    return label in (s.id, s.family, s.kind)


def _week_of(d: int) -> int:
    return d // 7


# ----------------------------------------------------------------------------------------------
# Model building: one function per rule
# ----------------------------------------------------------------------------------------------
# Hard rules, by the name of the function that adds them (looked up at build time, so a test can
# switch one off and show the validator catches the difference).
HARD_RULES = (
    "add_pins",
    "add_rest_and_forbidden_successions",
    "add_max_consecutive_days",
    "add_min_consecutive_blocks",
    "add_max_days_and_hours",
    "add_min_hours",
    "add_nights",
    "add_weekends",
    "add_shift_caps",
)
SOFT_GOALS = (
    "add_coverage",
    "add_shift_cover",
    "add_preferences",
    "add_fairness",
    "add_hours_deviation",
    "add_stable_starts",
    "add_cost",
    "add_changes_from_reference",
)


def build_model(problem: RosterProblem, skip: frozenset[str] = frozenset(), objective: bool = True) -> RosterModel:
    rm = RosterModel(problem, cp_model.CpModel())
    add_shift_variables(rm)
    add_one_shift_per_day(rm)
    for name in HARD_RULES:
        if name not in skip:
            globals()[name](rm)
    if objective:
        for name in SOFT_GOALS:
            globals()[name](rm)
        rm.model.Minimize(sum(int(round(p.weight * SCALE)) * p.expr for p in rm.penalties))
        refuse_overflow(rm)
    return rm


def refuse_overflow(rm: RosterModel) -> None:
    """The objective in whole numbers (weights x SCALE x agent-intervals, minutes, hourly costs)
    must fit the solver's 64 bits: a centre's cost weight of 1e6 with hourly costs of 1e6 once
    made CP-SAT refuse the model, reported as 'no roster found within the time limit'. Said as
    what it is, before any search (the check takes ~0.05 s on the sample)."""
    said = rm.model.Validate()
    if "overflow" in said:
        from .errors import InputError, InputProblem
        raise InputError(InputProblem(
            "centre.toml", "the plan's penalties are too large for the solver's whole numbers (weights x hourly "
            "costs x hours, or a demand of millions of agents x its weight): lower [weights] (cost, under_staffing, "
            "...), employees.csv's hourly_cost or the preference weights", column="weights"))


# The largest roster we build: 500 agents x 1 week x ~39 start times is ~120k shift variables and
# peaks at ~2.3 GB (bench/roster_scaling.py). Four times that still fits a 24 GB machine; beyond it
# memory would not stay bounded, so the user is asked to split the problem instead.
MAX_SHIFT_VARIABLES = 500_000
# Without interval coverage (demand given per day and shift only) a shift variable costs far less:
# Curtois Instance23, 333k shift variables over 52 weeks, builds in 0.6 GB.
MAX_SHIFT_VARIABLES_WITHOUT_INTERVALS = 1_500_000


def add_shift_variables(rm: RosterModel) -> None:
    """Create x[e,d,s] only where skills, calendar, availability and contract allow (hard rules:
    skills, time off, fixed days off, availability window, night eligibility, zero caps)."""
    p = rm.problem
    # A pinned day has the pinned shift (or none) as its only option: the pin forbids the others,
    # and a part of a roster re-optimised a day at a time (scheduler.subrosters) pins most days.
    pinned = {(pin.employee_id, (pin.day - p.horizon.start).days): p.template_index.get(pin.shift_id)
              for pin in p.pins}
    options = {(e, d): p.options(emp, d) for e, emp in enumerate(p.employees) for d in range(p.horizon.days)
               if (emp.id, d) not in pinned}
    for (eid, d), s in pinned.items():
        e = p.employee_index.get(eid)
        if e is not None and 0 <= d < p.horizon.days:
            emp = p.employees[e]
            options[e, d] = [s] if s is not None and p.allowed(emp, d, p.templates[s]) else []
    total = sum(len(v) for v in options.values())
    limit = MAX_SHIFT_VARIABLES if p.requirement.queues else MAX_SHIFT_VARIABLES_WITHOUT_INTERVALS
    if total > limit:
        from .errors import InputError, InputProblem
        raise InputError(InputProblem(
            "roster size", f"{len(p.employees)} employees x {p.horizon.days} days x their allowed shift starts make "
            f"{total:,} shift choices; the limit is {limit:,} (memory). Plan fewer weeks at once, "
            "split the centre by site or team, or offer fewer start times"))
    for e, emp in enumerate(p.employees):
        for d in range(p.horizon.days):
            for s in options[e, d]:
                rm.x[e, d, s] = rm.model.NewBoolVar(f"x_{emp.id}_{d}_{p.templates[s].id}")


def add_one_shift_per_day(rm: RosterModel) -> None:
    """At most one shift per employee and day; work[e,d] is 1 when a shift is worked."""
    p = rm.problem
    by_ed: dict[tuple[int, int], dict] = defaultdict(dict)
    for (e, d, s), v in rm.x.items():
        by_ed[e, d][(e, d, s)] = v
    rm._by_ed = by_ed  # type: ignore[attr-defined]
    rm.by_e = defaultdict(list)  # type: ignore[attr-defined]
    rm._day_vars = defaultdict(list)  # type: ignore[attr-defined]
    for (e, d, s), v in rm.x.items():
        rm.by_e[e].append((d, s, v))
        rm._day_vars[d].append(((e, d, s), v))
    for e in range(len(p.employees)):
        for d in range(p.horizon.days):
            vs = list(by_ed.get((e, d), {}).values())
            if not vs:
                rm.work[e, d] = 0
                continue
            w = rm.model.NewBoolVar(f"work_{e}_{d}")
            rm.model.Add(sum(vs) == w)
            rm.work[e, d] = w


def add_pins(rm: RosterModel) -> None:
    """Pinned (locked) assignments: a pinned shift must be worked, a pinned day off kept."""
    p = rm.problem
    index = p.employee_index
    tindex = p.template_index
    for pin in p.pins:
        e = index.get(pin.employee_id)
        if e is None:
            continue
        d = (pin.day - p.horizon.start).days
        if not 0 <= d < p.horizon.days:
            continue
        if pin.shift_id is None:
            if not isinstance(rm.work[e, d], int):
                rm.model.Add(rm.work[e, d] == 0)
        else:
            s = tindex.get(pin.shift_id)
            v = rm.x.get((e, d, s)) if s is not None else None
            if v is None:  # pinned to something the rules forbid: make the conflict explicit
                rm.model.AddBoolOr([]).WithName(f"pin {pin.employee_id} {pin.day} {pin.shift_id} is not allowed")
            else:
                rm.model.Add(v == 1)


def _carry(rm: RosterModel):
    """Previous-roster facts per employee: worked/night flags for days before the horizon, and the
    latest end among previous shifts (minutes relative to horizon start)."""
    p = rm.problem
    prev = p.previous_by_employee()
    start = p.horizon_start()
    facts = {}
    for e, emp in enumerate(p.employees):
        worked: dict[int, bool] = {}
        night: dict[int, bool] = {}
        ends: list[tuple[int, set, int, str]] = []
        for sa in prev.get(emp.id, []):
            d = (sa.day - p.horizon.start).days  # negative
            worked[d] = True
            tmpl = next((t for t in p.templates if t.id == sa.shift_id), None)
            if tmpl is None and not sa.shift_id.strip():
                # A row without a shift id (the column is optional) is the template of its times.
                tmpl = next((t for t in p.templates if sa.in_times_of(t)), None)
            # The template's kind only if last week's shift is still in its times (a template
            # changed since: the shift as worked, as the validator reads it).
            kind = tmpl.kind if sa.in_times_of(tmpl) else _kind_of_times(rm, sa)
            night[d] = night.get(d, False) or kind == "night"
            # Its id, kind and family, as a forbidden succession may name any of them (the
            # validator did, last week's shifts here did not: ['N8', 'P4'] held only in the week).
            names = {sa.shift_id, kind} | ({tmpl.id, tmpl.family} - {None} if tmpl is not None and sa.in_times_of(tmpl)
                                            else set())
            ends.append((int((sa.end - start).total_seconds() // 60), names, d, kind))
        facts[e] = (worked, night, ends)
    return facts


def _kind_of_times(rm: RosterModel, sa: ShiftAssignment) -> str:
    from .config import shift_kind
    return shift_kind(sa.start_minute, sa.start_minute + sa.length_minutes, rm.problem.centre.rules)


def add_rest_and_forbidden_successions(rm: RosterModel) -> None:
    """Minimum rest between the end of one shift and the start of the next, and forbidden
    successions (e.g. night -> early), within the horizon and from the previous roster.

    Rest is elapsed time: with a centre timezone, a night when the clocks go forward leaves an
    hour less rest than the wall clock says (an 11-h rule, 22:00 -> 09:00 is 10 h then) and one
    when they go back an hour more, as working-time law measures it."""
    p = rm.problem
    rest = p.centre.rules.min_rest_minutes
    forbidden = p.centre.rules.forbidden_successions
    T = p.templates
    elapsed = _elapsed_minutes(p)

    def conflict(s1: ShiftTemplate, d1: int, s2: ShiftTemplate, d2: int, clock=lambda a, b: b - a) -> bool:
        if clock(d1 * 1440 + s1.end_minute, d2 * 1440 + s2.start_minute) < rest:
            return True
        return d2 == d1 + 1 and any(matches(s1, a) and matches(s2, b) for a, b in forbidden)

    max_len = max((s.end_minute for s in T), default=0)
    # How many days ahead a shift can conflict (the + 1 also covers a rest a clock change shortens
    # by up to a day).
    reach = 1 + (max_len + rest) // 1440
    # Conflicts depend only on (template, template, day distance) away from clock changes:
    # compute them once; days whose reach spans a change get their own.
    later_of = {(s1, dd): [s2 for s2 in range(len(T)) if conflict(T[s1], 0, T[s2], dd)]
                for s1 in range(len(T)) for dd in range(1, reach + 1)}
    changes = [(d - p.horizon.start).days for d, _, _ in p.centre.clock_changes(p.horizon.start - timedelta(days=reach + 1),
                                                                              p.horizon.days + 2 * reach + 2)]
    near = {d for c in changes for d in range(c - reach - 1, c + 2)}
    exact: dict = {}

    def conflicting(d: int, s1: int, dd: int) -> list[int]:
        if d not in near:
            return later_of[s1, dd]
        if (d, s1, dd) not in exact:
            exact[d, s1, dd] = [s2 for s2 in range(len(T)) if conflict(T[s1], d, T[s2], d + dd, elapsed)]
        return exact[d, s1, dd]

    for (e, d, s), v in rm.x.items():
        later = []
        for dd in range(1, min(reach, p.horizon.days - 1 - d) + 1):
            day = rm._by_ed.get((e, d + dd), {})
            later.extend(day[(e, d + dd, s2)] for s2 in conflicting(d, s, dd) if (e, d + dd, s2) in day)
        if later:
            # x + sum(later) <= 1: if s is worked on d, none of the conflicting later shifts is.
            rm.model.Add(v + sum(later) <= 1)
    # Carry-over: shifts of the previous roster constrain the first days.
    for e, (worked, night, ends) in _carry(rm).items():
        for end_min, names, d_prev, kind in ends:
            for (ee, d, s), v in ((k, rm.x.get(k)) for k in [(e, d, s) for d in range(min(reach + 1, p.horizon.days)) for s in range(len(T))]):
                if v is None:
                    continue
                gap = elapsed(end_min, d * 1440 + T[s].start_minute)
                succ = d == d_prev + 1 and any(a in names and matches(T[s], b) for a, b in forbidden)
                if gap < rest or succ:
                    rm.model.Add(v == 0)


def _elapsed_minutes(p: RosterProblem):
    """elapsed(a, b): real minutes from wall-clock minute a to wall-clock minute b (both counted
    from the horizon's first midnight) in the centre's timezone; b - a without one."""
    if not p.centre.timezone:
        return lambda a, b: b - a
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(p.centre.timezone)
    origin = p.horizon_start()
    offsets: dict[int, int] = {}

    def offset(m: int) -> int:
        if m not in offsets:
            # A wall time the clocks skip (02:30 on the spring night) reads with the offset before
            # the change (fold 0), as the validator and zoneinfo read it.
            moment = (origin + timedelta(minutes=m)).replace(tzinfo=zone)
            offsets[m] = int(moment.utcoffset().total_seconds() // 60)
        return offsets[m]
    return lambda a, b: (b - offset(b)) - (a - offset(a))


def add_max_consecutive_days(rm: RosterModel) -> None:
    """No more than max_consecutive_days worked in a row (previous roster included)."""
    p = rm.problem
    carry = _carry(rm)
    for e, emp in enumerate(p.employees):
        # (An employee's own 0 is a limit, not 'unset': a benchmark's MaxConsecutiveShifts 0.)
        k = p.centre.rules.max_consecutive_days if emp.max_consecutive_days is None else emp.max_consecutive_days
        worked = carry[e][0]
        if k >= p.horizon.days + len(worked):
            continue        # no run that long fits in the carry-over and the horizon (a huge k: no windows)
        seq = {d: (1 if worked.get(d) else 0) for d in range(-k, 0)}
        seq.update({d: rm.work[e, d] for d in range(p.horizon.days)})
        for start in range(-k, p.horizon.days - k):
            window = [seq[d] for d in range(start, start + k + 1)]
            if any(not isinstance(w, int) for w in window):
                rm.model.Add(sum(window) <= k)


def _forbid_short_blocks(rm: RosterModel, seq: dict, days: int, m: int, on: bool, name: str,
                         exempt: frozenset[int] = frozenset()) -> None:
    """Forbid a block of 1..m-1 days of `on` (work if on=True, off if False) enclosed by the
    opposite on both sides (blocks touching the horizon's end are not constrained). Days in
    `exempt` (absences, when they do not count) free an off-block holding one and a work block
    next to one."""
    def lit(d, want_on):  # literal "day d is on" (or off), or a constant
        v = seq.get(d)
        if v is None:
            return None
        if isinstance(v, int):
            return bool(v) == want_on
        return v if want_on else v.Not()
    for length in range(1, m):
        for first in range(min(seq) + 1, days - length):
            before, after = first - 1, first + length
            if before not in seq or after not in seq or after >= days:
                continue
            if exempt and (not on and any(d in exempt for d in range(first, after))
                           or on and (before in exempt or after in exempt)):
                continue
            # clause: not(before is opposite AND block is `on` AND after is opposite)
            lits = []
            trivially_true = False
            for d, want in [(before, not on), *[(d, on) for d in range(first, after)], (after, not on)]:
                l = lit(d, want)
                if l is True:
                    continue           # that part of the pattern holds for sure
                if l is False:
                    trivially_true = True  # pattern impossible: nothing to forbid
                    break
                lits.append(l.Not())
            if trivially_true:
                continue
            if not lits:
                continue  # the carried-over past already broke it; nothing we can change
            rm.model.AddBoolOr(lits)


def add_min_consecutive_blocks(rm: RosterModel) -> None:
    """Minimum consecutive days off (and minimum consecutive working days), across the boundary."""
    p = rm.problem
    carry = _carry(rm)
    for e, emp in enumerate(p.employees):
        worked = carry[e][0]
        # A block enclosed on both sides lies within the carried-over days and the horizon: longer
        # minimums forbid the same blocks (and a huge one would loop over every length up to it).
        longest = p.horizon.days + max([-d for d in worked] + [0]) + 1
        m_off = min(emp.min_consecutive_days_off or p.centre.rules.min_consecutive_days_off, longest)
        m_on = min(emp.min_consecutive_days or p.centre.rules.min_consecutive_days, longest)
        back = max(m_off, m_on) + 1
        has_prev = bool(p.previous)
        seq = {d: (1 if worked.get(d) else 0) for d in range(-back, 0)} if has_prev else {}
        seq.update({d: rm.work[e, d] for d in range(p.horizon.days)})
        exempt = frozenset() if p.centre.rules.absences_count_in_blocks else \
            frozenset(d for d in range(p.horizon.days) if p.absent(emp.id, p.horizon.day(d)))
        if m_off > 1:
            _forbid_short_blocks(rm, seq, p.horizon.days, m_off, on=False, name="days_off", exempt=exempt)
        if m_on > 1:
            _forbid_short_blocks(rm, seq, p.horizon.days, m_on, on=True, name="days_on", exempt=exempt)


def add_max_days_and_hours(rm: RosterModel) -> None:
    """Per week: at most max_days worked and at most max_hours paid; horizon maximum total."""
    p = rm.problem
    T = p.templates
    weeks = math.ceil(p.horizon.days / 7)
    for e, emp in enumerate(p.employees):
        for w in range(weeks):
            days = range(w * 7, min(p.horizon.days, w * 7 + 7))
            work = [rm.work[e, d] for d in days if not isinstance(rm.work[e, d], int)]
            minutes = [T[s].paid_minutes * rm.x[e, d, s] for d in days for s in range(len(T)) if (e, d, s) in rm.x]
            if work:
                rm.model.Add(sum(work) <= emp.max_days)
            if minutes:
                rm.model.Add(sum(minutes) <= int(emp.max_hours * 60 + 1e-6))
        all_minutes = [T[s].paid_minutes * v for d, s, v in rm.by_e[e]]
        if emp.max_total_minutes is not None:
            rm.model.Add(sum(all_minutes) <= emp.max_total_minutes)


def add_min_hours(rm: RosterModel) -> None:
    """Contracted minimum paid hours per week (leave credited) and minimum horizon totals."""
    p = rm.problem
    T = p.templates
    for e, emp in enumerate(p.employees):
        for w in range(math.ceil(p.horizon.days / 7)):
            days = list(range(w * 7, min(p.horizon.days, w * 7 + 7)))
            need = weekly_minimum_minutes(p, emp, days)
            if need > 0:
                minutes = [T[s].paid_minutes * rm.x[e, d, s] for d in days for s in range(len(T)) if (e, d, s) in rm.x]
                rm.model.Add(sum(minutes) >= need)   # an employee with no possible shift: infeasible, explained
        if emp.min_total_minutes is not None and emp.min_total_minutes > 0:
            rm.model.Add(sum(T[s].paid_minutes * v for d, s, v in rm.by_e[e]) >= emp.min_total_minutes)


def weekly_minimum_minutes(problem: RosterProblem, emp: Employee, days: list[int]) -> int:
    """Contracted minimum for these days: scaled for a partial week; approved leave, closure days
    and (rules.holidays_credit_contract) public holidays are credited (a day that is more than
    one of them, once - as the validator counts it); in a re-plan, a day of leave on which the
    roster re-planned had a shift is credited at least that shift's paid hours."""
    if emp.min_hours <= 0:
        return 0
    absent = [problem.horizon.day(d) for d in days if problem.contract_credit(emp.id, problem.horizon.day(d))]
    hours = emp.contract_minimum_hours(len(days), len(absent), [problem.leave_credit_hours(emp.id, day) for day in absent])
    return max(0, int(math.floor(hours * 60 + 1e-6)))


def add_nights(rm: RosterModel) -> None:
    """At most max_nights_per_week night shifts per week and max_consecutive_nights in a row."""
    p = rm.problem
    T = p.templates
    rules = p.centre.rules
    carry = _carry(rm)
    for e, emp in enumerate(p.employees):
        night = {d: [rm.x[e, d, s] for s in range(len(T)) if (e, d, s) in rm.x and T[s].kind == "night"]
                 for d in range(p.horizon.days)}
        if not any(night.values()):
            continue
        for w in range(math.ceil(p.horizon.days / 7)):
            vs = [v for d in range(w * 7, min(p.horizon.days, w * 7 + 7)) for v in night[d]]
            if vs:
                rm.model.Add(sum(vs) <= rules.max_nights_per_week)
        k = rules.max_consecutive_nights
        prev_n = carry[e][1]
        if k >= p.horizon.days + len(prev_n):
            continue        # as for working days: no run that long fits
        seq = {d: (1 if prev_n.get(d) else 0) for d in range(-k, 0)}
        for d in range(p.horizon.days):
            seq[d] = sum(night[d]) if night[d] else 0
        for start in range(-k, p.horizon.days - k):
            window = [seq[d] for d in range(start, start + k + 1)]
            if any(not isinstance(w, int) for w in window):
                rm.model.Add(sum(window) <= k)


def _weekends(rm: RosterModel) -> list[tuple[int, ...]]:
    """Weekends of the horizon as tuples of day indices (rules.weekend_days: Saturday and Sunday
    unless the centre says otherwise; partial at the edges)."""
    p = rm.problem
    out: dict[date, list[int]] = defaultdict(list)
    for d in range(p.horizon.days):
        first = p.centre.rules.weekend_of(p.horizon.day(d))
        if first is not None:
            out[first].append(d)
    return [tuple(v) for _, v in sorted(out.items())]


def add_weekends(rm: RosterModel) -> None:
    """A weekend is worked if either day is; at most max_weekends worked weekends in the horizon."""
    p = rm.problem
    rm.weekend_worked = {}  # type: ignore[attr-defined]
    for e, emp in enumerate(p.employees):
        limit = emp.max_weekends if emp.max_weekends is not None else p.centre.rules.max_weekends
        flags = []
        for wk in _weekends(rm):
            days = [rm.work[e, d] for d in wk if not isinstance(rm.work[e, d], int)]
            if not days:
                continue
            f = rm.model.NewBoolVar(f"weekend_{e}_{wk[0]}")
            rm.model.AddMaxEquality(f, days)
            rm.weekend_worked[e, wk[0]] = f
            flags.append(f)
        if limit is not None and flags and len(flags) > limit:
            rm.model.Add(sum(flags) <= limit)


def add_shift_caps(rm: RosterModel) -> None:
    """Per-employee maximum number of shifts of each template over the horizon."""
    p = rm.problem
    for e, emp in enumerate(p.employees):
        for sid, cap in emp.max_shifts.items():
            vs = [v for d, s, v in rm.by_e[e] if p.templates[s].id == sid]
            if vs and cap < len(vs):
                rm.model.Add(sum(vs) <= cap)


def coverage_terms(problem: RosterProblem):
    """For every (template, day, offset-interval) the interval index it covers in the horizon.

    Returns {(d, s): [t, ...]} of covered interval indices (only those inside the horizon).
    """
    step = problem.horizon.interval_minutes
    n = problem.horizon.n_intervals
    out = {}
    for d in range(problem.horizon.days):
        for s, tmpl in enumerate(problem.templates):
            first = (d * 1440 + tmpl.start_minute) // step
            out[d, s] = [t for t in range(first, first + tmpl.length_minutes // step) if 0 <= t < n]
    return out


def carried_over_duty(p: RosterProblem) -> list[tuple[int, int]]:
    """(employee, interval) on duty from last week's shifts running into the horizon, read at
    each interval's start (a shift or break off the grid included): what the model counts as cover
    and the queue split hands out - one reading, or the split and the validator disagreed."""
    index = p.employee_index
    return [(index[sa.employee_id], t) for sa in p.previous if sa.employee_id in index
            for t in duty_intervals(p, sa)]


def duty_intervals(p: RosterProblem, sa: ShiftAssignment) -> list[int]:
    """Intervals of the horizon in which a shift has its agent on duty (not on a break), read at
    each interval's start - for carry-over, and for the others' shifts around a part of a roster
    re-optimised (scheduler.subrosters)."""
    start = p.horizon_start()
    step = p.horizon.interval_minutes
    if sa.end <= start:
        return []
    t0 = max(0, int((sa.start - start).total_seconds() // 60) // step)
    t1 = min(p.horizon.n_intervals, int((sa.end - start).total_seconds() // 60) // step)
    out = []
    for t in range(t0, t1):
        moment = start + timedelta(minutes=t * step)
        if not (sa.break_start and sa.break_start <= moment < sa.break_end):
            out.append(t)
    return out


def pinned_breaks(rm: RosterModel) -> dict[tuple[int, int, int], int]:
    """(employee, day, template) -> break offset (minutes after the shift start) of each pinned
    shift whose pin keeps its published break, where the break rules still allow that offset -
    or, for a shift already worked (Pin.worked), wherever the break was: it was taken."""
    return _break_offsets(rm, ((pin.employee_id, pin.day, pin.shift_id, pin.break_start, pin.worked)
                               for pin in rm.problem.pins))


def reference_breaks(rm: RosterModel) -> dict[tuple[int, int, int], int]:
    """As ``pinned_breaks``, for every shift of the reference roster (a re-plan's published one):
    where the new roster keeps such a shift, its agent keeps the break if the counts allow."""
    return _break_offsets(rm, ((sh.employee_id, sh.day, sh.shift_id, sh.break_start, False)
                               for sh in rm.problem.reference))


def _break_offsets(rm: RosterModel, items) -> dict[tuple[int, int, int], int]:
    """(employee, day, template) -> break offset of (employee id, day, shift id, break start,
    record) items: an offset today's break rules allow, or any offset on the grid inside the
    shift for a record of what was worked."""
    p = rm.problem
    index = p.employee_index
    tindex = p.template_index
    step = p.horizon.interval_minutes
    out = {}
    for employee_id, day, shift_id, break_start, record in items:
        if shift_id is None or break_start is None or employee_id not in index:
            continue
        d, s = (day - p.horizon.start).days, tindex.get(shift_id)
        if s is None or (index[employee_id], d, s) not in rm.x:
            continue
        tmpl = p.templates[s]
        shift_start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=tmpl.start_minute)
        off = int((break_start - shift_start).total_seconds() // 60)
        taken = record and off % step == 0 and 0 <= off <= tmpl.length_minutes - tmpl.break_minutes
        if taken or off in break_offsets(p, tmpl):
            out[index[employee_id], d, s] = off
    return out


def kept_queues(rm: RosterModel) -> dict[tuple[int, int], int]:
    """(employee, interval) -> queue index of each queue assignment a re-plan keeps as worked."""
    return _queue_indices(rm, rm.problem.kept_assignments)


def _queue_indices(rm: RosterModel, assignments) -> dict[tuple[int, int], int]:
    p = rm.problem
    index = p.employee_index
    qindex = {q: qi for qi, q in enumerate(p.requirement.queues)}
    start, step, n = p.horizon_start(), p.horizon.interval_minutes, p.horizon.n_intervals
    out = {}
    for a in assignments:
        t = int((a.start - start).total_seconds() // 60) // step
        if a.employee_id in index and a.queue in qindex and 0 <= t < n:
            out[index[a.employee_id], t] = qindex[a.queue]
    return out


def _reference_duty(rm: RosterModel, covers: dict) -> set[tuple[int, int]]:
    """(employee, interval) of every reference shift the employee may still work (its shift
    variable exists: not on leave, still allowed)."""
    p = rm.problem
    index = p.employee_index
    tindex = p.template_index
    out = set()
    for sh in p.reference:
        e, s, d = index.get(sh.employee_id), tindex.get(sh.shift_id), (sh.day - p.horizon.start).days
        if e is not None and s is not None and (e, d, s) in rm.x:
            out.update((e, t) for t in covers.get((d, s), ()))
    return out


def departed_intervals(rm: RosterModel, pinned: dict | None = None) -> set[tuple[int, int]]:
    """(employee, interval) of every pinned shift interval at or after the moment its agent left
    (RosterProblem.leaves_at), outside its pinned break."""
    p = rm.problem
    if not p.leaves_at:
        return set()
    pinned = pinned_breaks(rm) if pinned is None else pinned
    index = p.employee_index
    tindex = p.template_index
    step, start = p.horizon.interval_minutes, p.horizon_start()
    covers = coverage_terms(p)
    out = set()
    for pin in p.pins:
        e, s = index.get(pin.employee_id), tindex.get(pin.shift_id) if pin.shift_id else None
        gone = p.leaves_at.get((pin.employee_id, pin.day))
        if e is None or s is None or gone is None:
            continue
        d = (pin.day - p.horizon.start).days
        # Only the shift they left: a later shift of theirs still in the record is worked (a
        # hand-made left_at with no absence after it once took them off every pinned shift, and
        # the kept queues of those shifts made the re-plan infeasible).
        begins = start + timedelta(days=d, minutes=p.templates[s].start_minute)
        if not begins <= gone < begins + timedelta(minutes=p.templates[s].length_minutes):
            continue
        first_gone = -(-int((gone - start).total_seconds() // 60) // step)     # the first whole interval away
        off = pinned.get((e, d, s))
        # Its break is counted away already (on_break): with the published break kept, those
        # intervals; without it (the rules moved on) the model may place it anywhere in the window,
        # so none of the window's intervals - supply must never be taken twice (negative supply
        # would make the model infeasible).
        offsets = [off] if off is not None else break_offsets(p, p.templates[s])
        brk = {(d * 1440 + p.templates[s].start_minute + o) // step + k
               for o in offsets for k in range(p.templates[s].break_minutes // step)}
        out.update((e, t) for t in covers.get((d, s), ()) if t >= first_gone and t not in brk)
    return out


def add_coverage(rm: RosterModel) -> None:
    """Agents on duty (minus breaks) per skill group flow to the queues they are trained for;
    under-staffing is penalised (valued by the service-level curve where given), surplus too.
    Breaks kept by a pin (a re-plan keeps the breaks already taken or given out) hold their
    count at that time as a floor. In a re-plan the published breaks and queues of later shifts
    are soft floors (break_changes, queue_changes): moved only where that buys more cover."""
    p = rm.problem
    m = rm.model
    step = p.horizon.interval_minutes
    n = p.horizon.n_intervals
    Q = list(p.requirement.queues)
    req = p.requirement.staff
    T = p.templates
    # Skill groups (only skills that are queues of this requirement count).
    groups: dict[frozenset[str], int] = {}
    for emp in p.employees:
        key = frozenset(q for q in emp.skills if q in Q)
        groups.setdefault(key, len(groups))
        rm.group_of.append(groups[key])
    # Others' duty (a part of a roster re-optimised), by their skill sets as groups here.
    outside: dict[tuple[frozenset, int], int] = defaultdict(int)
    for (key, t), agents in p.outside_duty.items():
        outside[frozenset(q for q in key if q in Q), t] += agents
    for key, _ in outside:
        groups.setdefault(key, len(groups))
    rm.groups = list(groups)
    covers = coverage_terms(p)
    lo, hi = p.priced_intervals or (0, n)
    lo, hi = max(0, lo), min(n, hi)
    on_duty: dict[tuple[int, int], list] = defaultdict(list)   # (g, t) -> terms
    on_break: dict[tuple[int, int], list] = defaultdict(list)
    count: dict[tuple[int, int, int], list] = defaultdict(list)
    for (e, d, s), v in rm.x.items():
        count[rm.group_of[e], d, s].append(v)
    kept: dict[tuple[int, int, int, int], int] = defaultdict(int)   # (g, d, s, offset) -> pinned breaks
    kept_offsets: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    pinned = pinned_breaks(rm)
    for (e, d, s), off in pinned.items():
        kept[rm.group_of[e], d, s, off] += 1
        kept_offsets[rm.group_of[e], d, s].add(off)
    # Re-planning: the reference roster's other breaks, each kept where it can be (a soft floor).
    published_breaks: dict[tuple[int, int, int, int], int] = defaultdict(int)
    if p.break_change_weight > 0:
        for (e, d, s), off in reference_breaks(rm).items():
            if (e, d, s) not in pinned:
                published_breaks[rm.group_of[e], d, s, off] += 1
    for (g, d, s), vs in count.items():
        if p.priced_intervals is not None and not any(lo <= t < hi for t in covers[d, s]):
            continue     # neither its duty nor its break reaches the cover modelled
        # One count variable per (group, day, template), used in every interval the shift covers:
        # summing the members' x in each interval instead gives ~1.5M terms at 200 agents and
        # CP-SAT's presolve and LP spend seconds undoing it.
        if len(vs) > 1:
            n_gds = m.NewIntVar(0, len(vs), f"n_{g}_{d}_{s}")
            m.Add(n_gds == sum(vs))
        else:
            n_gds = vs[0]
        for t in covers[d, s]:
            on_duty[g, t].append(n_gds)
        offsets = break_offsets(p, T[s])
        if not offsets:
            continue
        # A break already taken where today's rules would not put it (a re-plan's record): that
        # offset exists for the record's agents only.
        records = sorted(kept_offsets.get((g, d, s), set()) - set(offsets))
        bvars = []
        for k, off in enumerate(offsets + records):
            low = kept.get((g, d, s, off), 0)
            b = m.NewIntVar(low, len(vs) if off in offsets else low, f"brk_{g}_{d}_{s}_{k}")
            rm.brk[g, d, s, off] = b
            bvars.append(b)
            if published_breaks.get((g, d, s, off)):
                wanted = published_breaks[g, d, s, off] + kept.get((g, d, s, off), 0)
                moved = m.NewIntVar(0, wanted, f"brk_moved_{g}_{d}_{s}_{k}")
                m.Add(b + moved >= wanted)
                rm.penalize("break_changes", moved, p.break_change_weight)
            first = (d * 1440 + T[s].start_minute + off) // step
            for t in range(first, first + T[s].break_minutes // step):
                if 0 <= t < n:
                    on_break[g, t].append(b)
        m.Add(sum(bvars) == n_gds)
    # Carry-over: previous shifts running into the horizon (e.g. Sunday night) count as constants.
    constant: dict[tuple[int, int], int] = defaultdict(int)
    for e, t in carried_over_duty(p):
        constant[rm.group_of[e], t] += 1
    for (key, t), agents in outside.items():
        if 0 <= t < n:
            constant[groups[key], t] += agents
    # Agents who left mid-shift (a re-plan): their pinned shift's intervals from then on, bar its
    # break (already counted away), supply nobody.
    gone = departed_intervals(rm, pinned)
    for (e, t) in gone:
        constant[rm.group_of[e], t] -= 1
    weights = p.centre.weights
    # Queue assignments a re-plan keeps (already worked): their count per group, queue and
    # interval is a floor on the flow there, and the split after the solve gives them back.
    floor: dict[tuple[int, int, int], int] = defaultdict(int)
    kept_at = kept_queues(rm)
    for (e, t), qi in kept_at.items():
        floor[rm.group_of[e], qi, t] += 1
    # ... and the later ones as published: a soft floor (the split then hands them back).
    # Only where the agent can still be there: not on leave since, nor gone mid-shift (a floor
    # nobody can meet would only push the rest of the group onto that queue, and cost for nothing).
    published: dict[tuple[int, int, int], int] = defaultdict(int)
    if p.queue_change_weight > 0:
        possible = _reference_duty(rm, covers)
        for (e, t), qi in _queue_indices(rm, p.reference_assignments).items():
            if (e, t) not in kept_at and (e, t) in possible and (e, t) not in gone:
                published[rm.group_of[e], qi, t] += 1
    for t in range(lo, hi):
        served = {q: [] for q in range(len(Q))}
        supply_total = []
        for g, skills in enumerate(rm.groups):
            duty = on_duty.get((g, t), [])
            const = constant.get((g, t), 0)
            if not duty and not const:
                continue
            supply = sum(duty) - sum(on_break.get((g, t), [])) + const
            supply_total.append(supply)
            flows = []
            for qi, q in enumerate(Q):
                if q in skills and req[qi][t] > 0:
                    f = m.NewIntVar(0, max(1, len(p.employees) + max(0, const)), f"flow_{g}_{q}_{t}")
                    if floor.get((g, qi, t)):
                        m.Add(f >= floor[g, qi, t])
                    if published.get((g, qi, t)):
                        moved = m.NewIntVar(0, published[g, qi, t], f"flow_moved_{g}_{q}_{t}")
                        m.Add(f + moved >= floor.get((g, qi, t), 0) + published[g, qi, t])
                        rm.penalize("queue_changes", moved, p.queue_change_weight, queue=q)
                    rm.flow[g, qi, t] = f
                    served[qi].append(f)
                    flows.append(f)
            if flows:
                m.Add(sum(flows) <= supply)
        served_total = []
        for qi, q in enumerate(Q):
            r = req[qi][t]
            if r <= 0:
                continue
            u = m.NewIntVar(0, r, f"under_{q}_{t}")
            m.Add(sum(served[qi]) + u >= r)
            rm.under[qi, t] = u
            slices = under_slices(p, qi, t, r)
            if len(slices) == 1:
                rm.penalize("under_staffing", u, weights.under_staffing * slices[0][2], queue=q)
            else:
                # u = sum of slices; unit weights rise slice by slice, so (convexity) the
                # cheaper slices fill first and each slice costs what its agents are worth.
                parts = []
                for lo, hi, w in slices:
                    part = m.NewIntVar(0, hi - lo, f"under_{q}_{t}_{lo}")
                    parts.append(part)
                    rm.penalize("under_staffing", part, weights.under_staffing * w, queue=q)
                m.Add(u == sum(parts))
            served_total.append(r - u)
        if supply_total:
            # Surplus: agents on duty beyond what the queues need (idle or over-staffed).
            surplus = sum(supply_total) - sum(served_total)
            rm.penalize("over_staffing", surplus, weights.over_staffing)


def add_shift_cover(rm: RosterModel) -> None:
    """Cover by shift: at least `requirement` people on shift X on day d ("two on nights"),
    with its own under/over weights per row. Complements interval coverage per queue."""
    p = rm.problem
    for i, cover in enumerate(p.shift_cover):
        d = (cover.day - p.horizon.start).days
        if not 0 <= d < p.horizon.days:
            continue
        n = sum(v for (e, dd, s), v in rm._day_vars[d] if matches(p.templates[s], cover.shift))
        # Exactly the shortfall and the surplus, not bounds on them: a search stopped at a
        # feasible point (or a start found without the objective) once reported shortfalls the
        # shifts did not have - Curtois Instance11 at 1 s: 25,689 for a roster whose penalty is
        # 14,308 - so the objective is the penalty of the shifts returned, whenever it stops.
        if cover.under_weight > 0 and cover.requirement > 0:
            u = rm.model.NewIntVar(0, cover.requirement, f"cover_under_{i}")
            rm.model.AddMaxEquality(u, [cover.requirement - n, 0])
            rm.penalize("shift_cover_under", u, cover.under_weight, queue=cover.shift)
        if cover.over_weight > 0:
            o = rm.model.NewIntVar(0, len(p.employees), f"cover_over_{i}")
            rm.model.AddMaxEquality(o, [n - cover.requirement, 0])
            rm.penalize("shift_cover_over", o, cover.over_weight, queue=cover.shift)


def under_slices(problem: RosterProblem, qi: int, t: int, r: int) -> list[tuple[int, int, float]]:
    """Split a shortfall of up to r agents into slices of increasing unit weight.

    With a service-level value curve V(k) (answered-within-target contacts with k agents), losing
    the i-th agent from r costs V(r-i+1) - V(r-i): a convex penalty in the shortfall, which makes
    the engine spread shortages rather than dump them on one interval. Without a curve every
    missing agent costs the same (weight 1). A curve may stop below r (at the most agents who
    could ever serve the queue): the agents beyond its end are always missing, and their slice
    costs the curve's last marginal value, the lowest it has.
    """
    value = problem.requirement.value
    if value is None or r <= 1:
        return [(0, r, 1.0)]
    curve = value[qi][t]
    top = min(r, len(curve) - 1)           # agents the curve values
    if top < 1:
        return [(0, r, 1.0)]

    def worth(first: int, last: int) -> float:
        """The value of agents first..last (a concave, non-decreasing curve: telescoping)."""
        return max(curve[last] - curve[first - 1], 0.0)

    mean = worth(1, top) / top or 1.0
    # Three slices over the agents the curve values: the shortfall's first agents cost the
    # marginal of the last agents of r, etc.; below them, the agents never there.
    base = r - top
    cuts = sorted({0, base, base + max(1, top // 4), base + max(1, top // 2), r})
    out = []
    for lo, hi in zip(cuts, cuts[1:]):
        if hi <= base:                     # agents beyond the curve: its last marginal
            out.append((lo, hi, worth(top, top) / mean))
            continue
        # shortfall in (lo, hi] removes agents r-hi+1 .. r-lo
        out.append((lo, hi, worth(r - hi + 1, r - lo) / (hi - lo) / mean))
    # Convexity (weights non-decreasing) is what makes the slicing exact; enforce it.
    for i in range(1, len(out)):
        if out[i][2] < out[i - 1][2]:
            out[i] = (out[i][0], out[i][1], out[i - 1][2])
    return out


def add_preferences(rm: RosterModel) -> None:
    """Shift-on, shift-off and day-off wishes; each ungranted wish costs its weight."""
    p = rm.problem
    index = p.employee_index
    W = p.centre.weights.preference
    for pref in p.staff.preferences:
        e = index.get(pref.employee_id)
        d = (pref.day - p.horizon.start).days
        if e is None or not 0 <= d < p.horizon.days:
            continue
        if pref.kind == "day_off":
            if not isinstance(rm.work[e, d], int):
                rm.penalize("preferences", rm.work[e, d], W * pref.weight, employee=pref.employee_id)
            continue
        vs = [v for (_, _, s), v in rm._by_ed.get((e, d), {}).items() if matches(p.templates[s], pref.shift)]
        if pref.kind == "shift_off" and vs:
            rm.penalize("preferences", sum(vs), W * pref.weight, employee=pref.employee_id)
        elif pref.kind == "shift_on":
            granted = sum(vs) if vs else 0
            rm.penalize("preferences", 1 - granted, W * pref.weight, employee=pref.employee_id)


def add_fairness(rm: RosterModel) -> None:
    """Share weekends and nights: minimise the most any comparable employee works of them
    (comparable = may work them at all), so the unpopular shifts go round."""
    p = rm.problem
    W = p.centre.weights
    T = p.templates
    # Nights
    counts = []
    for e, emp in enumerate(p.employees):
        vs = [v for d, s, v in rm.by_e[e] if T[s].kind == "night"]
        if vs:
            counts.append(sum(vs))
    if len(counts) > 1 and W.fairness_nights > 0:
        top = rm.model.NewIntVar(0, p.horizon.days, "max_nights")
        for c in counts:
            rm.model.Add(top >= c)
        rm.penalize("fairness_nights", top, W.fairness_nights)
    # Weekends
    per_emp = defaultdict(list)
    for (e, _), f in getattr(rm, "weekend_worked", {}).items():
        per_emp[e].append(f)
    if len(per_emp) > 1 and W.fairness_weekends > 0:
        top = rm.model.NewIntVar(0, len(_weekends(rm)), "max_weekends")
        for fs in per_emp.values():
            rm.model.Add(top >= sum(fs))
        rm.penalize("fairness_weekends", top, W.fairness_weekends)


def add_hours_deviation(rm: RosterModel) -> None:
    """Hours above the contracted minimum cost a little, so extra hours go where they help most."""
    p = rm.problem
    W = p.centre.weights.hours_deviation
    if W <= 0:
        return
    T = p.templates
    weeks = p.horizon.days / 7
    for e, options in rm.by_e.items():
        emp = p.employees[e]
        extra = rm.model.NewIntVar(0, 7 * 1440 * math.ceil(weeks), f"extra_{e}")
        rm.model.Add(extra >= sum(T[s].paid_minutes * v for d, s, v in options) - contract_minutes(p, emp))
        rm.penalize("hours_deviation", extra, W / 60.0, employee=emp.id)


def contract_minutes(problem: RosterProblem, emp: Employee) -> int:
    """The contracted minimum over the horizon that add_hours_deviation counts minutes above
    (the aggregated LP's bound on that penalty uses the same figure)."""
    return int(emp.min_hours * 60 * (problem.horizon.days / 7))


def add_stable_starts(rm: RosterModel) -> None:
    """Each distinct start time an employee has in the horizon beyond the first costs a little."""
    p = rm.problem
    W = p.centre.weights.stable_starts
    if W <= 0:
        return
    T = p.templates
    by_e_start = defaultdict(list)
    for (e, d, s), v in rm.x.items():
        by_e_start[e, T[s].start_minute].append(v)
    per_e = defaultdict(list)
    for (e, start), vs in by_e_start.items():
        used = rm.model.NewBoolVar(f"start_{e}_{start}")
        for v in vs:
            rm.model.AddImplication(v, used)
        per_e[e].append(used)
    for e, used in per_e.items():
        if len(used) > 1:
            # (sum(used) itself charged the first start too: W for working at all.)
            beyond = rm.model.NewIntVar(0, len(used) - 1, f"starts_beyond_first_{e}")
            rm.model.Add(beyond >= sum(used) - 1)
            rm.penalize("stable_starts", beyond, W, employee=p.employees[e].id)


def add_cost(rm: RosterModel) -> None:
    p = rm.problem
    W = p.centre.weights.cost
    if W <= 0:
        return
    for (e, d, s), v in rm.x.items():
        emp = p.employees[e]
        rm.penalize("cost", v, W * emp.hourly_cost * p.templates[s].paid_hours, employee=emp.id)


def add_changes_from_reference(rm: RosterModel) -> None:
    """Re-planning: every employee-day that differs from the reference roster (a different shift,
    a new shift or a dropped one) costs change_weight, so the new plan changes only what it must.
    A published shift that can no longer be worked (the agent is absent or on leave, its template
    is gone) is a change no plan avoids: it costs nothing, or the breakdown would show 'changes
    3000' for a re-plan that moved nobody (changes.csv still lists it)."""
    p = rm.problem
    if not p.reference or p.change_weight <= 0:
        return
    index = p.employee_index
    tindex = p.template_index
    ref = {}
    for sa in p.reference:
        e = index.get(sa.employee_id)
        d = (sa.day - p.horizon.start).days
        if e is not None and 0 <= d < p.horizon.days:
            ref[e, d] = tindex.get(sa.shift_id)
    for e in range(len(p.employees)):
        for d in range(p.horizon.days):
            work = rm.work[e, d]
            if (e, d) in ref:
                v = rm.x.get((e, d, ref[e, d])) if ref[e, d] is not None else None
                if v is not None:
                    rm.penalize("changes", 1 - v, p.change_weight, employee=p.employees[e].id)
            elif not isinstance(work, int):
                rm.penalize("changes", work, p.change_weight, employee=p.employees[e].id)


# ----------------------------------------------------------------------------------------------
# Solving
# ----------------------------------------------------------------------------------------------
def new_solver() -> cp_model.CpSolver:
    """A CP-SAT solver that installs its Ctrl-C handler only on the main thread. Every solve
    registers a process-wide SIGINT handler, which is not safe from several threads at once
    (OR-Tools issue #1380), and the engine solves in parallel threads (pricing, LNS lanes, the
    app's background run); the main thread keeps Ctrl-C stopping the search cleanly."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = threading.current_thread() is threading.main_thread()
    return solver


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, callback, t0):
        super().__init__()
        self.callback = callback
        self.t0 = t0
        self.trace: list[tuple[float, float, float]] = []
        self.floor = 0.0      # a bound known before the search (the LP bound); penalties are >= 0

    def on_solution_callback(self) -> None:
        bound = max(self.floor, self.BestObjectiveBound() / SCALE)
        point = (_time.monotonic() - self.t0, self.ObjectiveValue() / SCALE, bound)
        self.trace.append(point)
        if self.callback:
            self.callback(*point)


def add_hint(rm: RosterModel, hint: list[ShiftAssignment]) -> None:
    p = rm.problem
    index = p.employee_index
    tindex = p.template_index
    chosen = {(index.get(h.employee_id), (h.day - p.horizon.start).days, tindex.get(h.shift_id)) for h in hint}
    for key, v in rm.x.items():
        rm.model.AddHint(v, 1 if key in chosen else 0)
    return chosen


def _solve(solver: cp_model.CpSolver, model: cp_model.CpModel, options: SolveOptions, callback=None):
    """solver.Solve, honouring options.stop: a watcher stops the search when the event is set."""
    if options.stop is None:
        return solver.Solve(model, callback)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if options.stop.is_set():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solver.Solve(model, callback)
    finally:
        done.set()
        watcher.join()


def _values(solver: cp_model.CpSolver, model: cp_model.CpModel, n: int) -> dict[int, int]:
    """The solver's value of each of the first `n` variables of `model` (a clone of the roster
    model keeps the original's variable indices, so the values map back one to one). Read from
    the response in one go: a call per variable took ~0.1 s at 30k variables, a tenth of an
    improvement part's time (scheduler.subrosters)."""
    return dict(enumerate(list(solver.response_proto.solution)[:n]))


def objective_of(model: cp_model.CpModel, solver: cp_model.CpSolver) -> float:
    """The model's objective on the solution the solver holds, in objective units. Not CP-SAT's
    ObjectiveValue(): stopped at a feasible point after a second, it has reported 32,391 for a
    solution whose objective is 26,838 (Curtois Instance11; the benchmark's evaluator and the
    engine's own penalty breakdown agreed on the lower figure)."""
    return values_objective(model, solver.response_proto.solution)


def values_objective(model: cp_model.CpModel, values) -> float:
    """The model's objective for an assignment (a sequence or a mapping by variable index), in
    engine units, independent of any solver."""
    obj = model.proto.objective
    total = sum(c * values[v] for v, c in zip(obj.vars, obj.coeffs)) + obj.offset
    return total * (obj.scaling_factor or 1.0) / SCALE


def _replay_hint(rm: RosterModel) -> cp_model.CpSolver | None:
    """A solver holding the model's solution hint as its solution, if the hint is a complete
    feasible assignment (every variable fixed to it: presolve settles it at once)."""
    hint = rm.model.proto.solution_hint
    if len(hint.vars) < len(rm.model.proto.variables):
        return None
    fixed = rm.model.clone()
    for i, val in zip(hint.vars, hint.values):
        fixed.Add(fixed.get_int_var_from_proto_index(i) == val)
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60.0
    return solver if solver.Solve(fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def complete_hint(rm: RosterModel, options: SolveOptions, chosen: set, budget: float) -> dict | None:
    """The given shifts exactly, with the best breaks and queue flows for them; None if those
    shifts break a hard rule of this problem (or nothing was found within the budget)."""
    done = _complete(rm, options, chosen, budget)
    return done[0] if done is not None else None


def _complete(rm: RosterModel, options: SolveOptions, chosen: set, budget: float) -> tuple[dict, float] | None:
    """``complete_hint``'s values and the roster's objective (in objective units)."""
    solver = new_solver()
    _configure(solver, options, budget)
    started = _time.monotonic()
    done = priced(rm, chosen, solver, options)
    if done is not None:
        # (How long pricing a roster takes on this model: the time the last steps must leave.)
        rm.completion_seconds = max(rm.completion_seconds, _time.monotonic() - started)
    return done


def with_shifts(rm: RosterModel, chosen: set, solver: cp_model.CpSolver, options: SolveOptions):
    """rm's model with exactly the shifts `chosen` (employee, day, template) worked - breaks and
    queue flows left to the search - solved by `solver`: (status, the model solved: a clone with
    rm's variable indices, so the solver's values read back onto rm). None if `chosen` holds a
    shift the model does not offer (left, on leave, not allowed)."""
    if not chosen <= rm.x.keys():
        return None
    model = rm.model.clone()
    # Each shift variable's domain fixed in the proto: a constraint per variable cost ~0.3 s of
    # Python at 200 agents and more presolve.
    V = model.proto.variables
    for key, x in rm.x.items():
        domain = V[x.Index()].domain
        domain[0] = domain[1] = int(key in chosen)
    return _solve(solver, model, options), model


def priced(rm: RosterModel, chosen: set, solver: cp_model.CpSolver, options: SolveOptions,
           proven: bool = False) -> tuple[dict, float] | None:
    """``with_shifts`` read out: every variable's value (rm's indices) and the objective, in
    objective units; None if `chosen` is not offered or no solution was found (or, if `proven`,
    none proven best)."""
    solved = with_shifts(rm, chosen, solver, options)
    if solved is None or solved[0] not in ((cp_model.OPTIMAL,) if proven else (cp_model.OPTIMAL, cp_model.FEASIBLE)):
        return None
    model = solved[1]
    return _values(solver, model, len(rm.model.proto.variables)), objective_of(model, solver)


def repair_per_employee(problem: RosterProblem, chosen: set, options: SolveOptions, budget: float) -> set | None:
    """The given shifts (employee, day, template), with each employee whose own shifts break a
    rule of this problem (new leave, a new hire's contract, a changed rule) moved to the closest
    shifts that keep every rule of theirs - fewest days changed - and everybody else's untouched.
    Every hard rule concerns one employee, so the parts always fit together; each is a tiny model
    (the whole model's repair changed hundreds of shifts of a what-if scenario in its seconds).
    None if some employee has no feasible week or time runs out."""
    t0 = _time.monotonic()
    own: dict[int, set] = defaultdict(set)
    for e, d, s in chosen:
        own[e].add((d, s))
    out: set = set()
    for e in range(len(problem.employees)):
        left = budget - (_time.monotonic() - t0)
        if left <= 0 or (options.stop is not None and options.stop.is_set()):
            return None
        alone = build_model(problem.restricted_to([e]), objective=False)
        cells = {(d, s): v for (_, d, s), v in alone.x.items()}
        wanted = own.get(e, set())
        for key, v in cells.items():
            alone.model.add_hint(v, key in wanted)
        alone.model.minimize(sum((1 - v) if key in wanted else v for key, v in cells.items()))
        solver = new_solver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(0.2, min(5.0, left))
        if solver.Solve(alone.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        out.update((e, d, s) for (d, s), v in cells.items() if solver.boolean_value(v))
    return out


def closest_feasible(rm: RosterModel, options: SolveOptions, chosen: set, budget: float) -> dict | None:
    """The feasible roster closest to a given one (fewest shifts differing), hinted from it."""
    model = rm.model.clone()
    model.clear_objective()
    model.Minimize(sum((1 - v) if key in chosen else v for key, v in
                       ((k, model.get_bool_var_from_proto_index(x.Index())) for k, x in rm.x.items())))
    solver = new_solver()
    _configure(solver, options, budget)
    if _solve(solver, model, options) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return _values(solver, model, len(rm.model.proto.variables))


def _configure(solver: cp_model.CpSolver, options: SolveOptions, seconds: float) -> None:
    solver.parameters.num_workers = int(options.workers)
    solver.parameters.random_seed = int(options.seed)
    # With 2 workers CP-SAT's portfolio has no worker that solves the full LP relaxation, so its
    # bound stalls (Curtois Instance3: bound 0 after 15 s; with max_lp: optimal in 1.4 s).
    if options.workers <= 4 and "max_lp" not in solver.parameters.extra_subsolvers:
        solver.parameters.extra_subsolvers.append("max_lp")
    if options.deterministic:
        solver.parameters.max_deterministic_time = seconds
        solver.parameters.interleave_search = True
    else:
        solver.parameters.max_time_in_seconds = seconds


def find_feasible(rm: RosterModel, options: SolveOptions, budget: float) -> dict | None:
    """A first roster satisfying every hard rule, ignoring the objective; None if none was found."""
    feasibility = rm.model.clone()   # same variable indices, so values map back one to one
    feasibility.clear_objective()
    solver = new_solver()
    _configure(solver, options, budget)
    status = _solve(solver, feasibility, options)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    # Hint every variable (not only the decisions): a complete feasible hint is taken as the
    # first solution at once, where a partial one may need a long repair.
    n = len(feasibility.proto.variables)
    return _values(solver, feasibility, n)


def _guided_start(rm: RosterModel, options: SolveOptions, t0: float):
    """Find a good first roster for the optimising search; returns (the lower bound or None, the
    seconds from t0 to the first complete roster or None).

    1. A roster first, built one employee at a time (``PatternMaster.start``), with the best
       breaks and queue flows for its shifts: whatever the time limit, the search starts from a
       complete roster (sample centre: ~9 s; a plain feasibility search found nothing in 10 s,
       and the bound steps below took the whole of a 20-s limit before any roster existed).
    2. The aggregated LP (scheduler.bounds) if there is time for it, then column generation over
       work patterns (scheduler.columns) starting from that roster's weeks - a master LP mixes,
       per group of identical employees, whole weeks that keep every hard rule of theirs; its
       bound sees integral shifts per person. The better of the two
       bounds is kept (column generation stopped early may still be below the LP's). The master,
       dived to integer pattern counts, is a roster of real weeks; on the 200-agent scaling centre
       this start is 66-68k where matching the aggregated LP's counts gave ~111k.
    3. Without patterns, named employees are matched to the aggregated LP's shift counts one
       skill group at a time (scheduler.matching).
    The cheapest of these rosters, hinted in full, is the starting point of the real search; if
    every step finds nothing, a plain feasibility search gives the first roster instead.
    """
    from .bounds import Bound
    from .columns import PatternMaster, round_patterns
    from .matching import match_shift_counts
    budget = float(options.time_limit)
    p = rm.problem
    best: tuple[dict, float] | None = None
    first_seconds = None

    def left() -> float:   # wall-clock budget still available (deterministic runs ignore the clock)
        return budget if options.deterministic else budget - (_time.monotonic() - t0)

    def keep(chosen: set | None) -> None:
        """Those shifts with the best breaks and flows; kept if cheaper than the start so far."""
        nonlocal best, first_seconds
        if chosen is None:
            return
        # All the time left if need be (up to 15 % of the limit): a completion cut short loses
        # the roster (200 agents: 3.5-5 s on a busy machine, where half the time left was ~3.6 s).
        done = _complete(rm, options, chosen, budget=max(2.0, min(0.15 * budget, left())))
        if done is None or (best is not None and best[1] <= done[1]):
            return
        best = done
        now = _time.monotonic() - t0
        first_seconds = now if first_seconds is None else first_seconds
        if options.progress:
            options.progress(now, done[1], _better_bound(bound, lp_job.bound if lp_job else None).value)

    bound = None
    lp_job = None
    # Cover by shift alone (no queues: "two on nights") is priced by the master too: Curtois
    # Instance11 at 60 s, 3,448 with its bound 3,443, where the plain search's roster was
    # 3,447-3,904 and its bound CP-SAT's (Instance5 1,146, Instance7 1,066, Instance9 442).
    if (p.requirement.queues or p.shift_cover) and options.lp_bound:
        # The aggregated LP in the background: its solver releases the interpreter, so on 2 cores
        # it costs the steps below little (200 agents: ~17 s, which the patterns and the parts
        # now have). Its bound stands if generation stops early. Without room for it a short
        # limit goes to the patterns (sample, 20 s: 13.5k from the dive, where the LP cut short
        # and left no time for them gave 23.2k; no bound either way).
        lp_job = _lp_bound_in_background(p, options)
        master = PatternMaster(p, options.workers, options.seed, options.deterministic)
        keep(master.start(stop=options.stop))
        bound = Bound(0.0, 0.0, status="NOT_SOLVED")
        if master.generate(max(1.0, min(PATTERN_SHARE * budget, left() - 0.3 * budget)),
                           max_iterations=DETERMINISTIC_ITERATIONS if options.deterministic else None,
                           stop=options.stop):
            counts = master.dive(math.inf if options.deterministic else max(1.0, left() - SEARCH_SHARE * budget),
                                 stop=options.stop)
            keep(round_patterns(master.classes, counts))
            if master.bound > 0:
                # (A master not solved to the end is no optimum: the aggregated LP's breakdown then.)
                bound = Bound(master.bound, _time.monotonic() - t0, method=PATTERN_METHOD,
                              by_queue=master.by_queue if master.status == "OPTIMAL" else None)
        # Without patterns, match named people to the aggregated LP's counts - if there is time
        # for the search after it.
        if best is None:
            bound = _better_bound(bound, lp_job.result(max(0.0, left() - 0.5 * budget)))
        if best is None and p.requirement.queues and bound.targets is not None and left() > 0.5 * budget:
            keep(match_shift_counts(p, bound.targets, budget=MATCH_SHARE * budget, workers=options.workers,
                                    seed=options.seed, deterministic=options.deterministic, stop=options.stop))
    first = best[0] if best is not None else None
    if first is None:
        # Without a first roster nothing else matters, so feasibility may use half the budget.
        first = find_feasible(rm, options, budget=max(1.0, 0.5 * left()))
        if first is not None:
            first_seconds = _time.monotonic() - t0
    if first is not None and best is not None:
        first = _improved_by_parts(rm, options, best, lambda: _better_bound(bound, lp_job.bound if lp_job else None).value, t0)
    if first is not None:
        _hinted(rm.model, first)
    if lp_job is not None:
        bound = _better_bound(bound, _lp_result(lp_job, options, t0))
    return bound, first_seconds


def _better_bound(bound, lp):
    """The better of a bound so far (column generation's, maybe none) and the aggregated LP's."""
    from .bounds import Bound
    if lp is None or lp.status != "OPTIMAL":
        return bound if bound is not None else Bound(0.0, 0.0, status="NOT_SOLVED")
    if bound is None or bound.status != "OPTIMAL" or lp.value >= bound.value:
        return lp
    # Generation's bound is higher; the LP's breakdown says where it comes from if the master's
    # does not (a master not solved to the end).
    return bound if bound.by_queue is not None else replace(bound, by_queue=lp.by_queue, targets=lp.targets)


class _LpJob:
    """The aggregated LP's bound computed in a thread; ``result(wait)`` is it, or None if it has
    not finished within `wait` seconds more (or was never started)."""

    def __init__(self, problem: RosterProblem | None, seconds: float) -> None:
        self.bound = None
        self.thread = None
        if problem is not None:
            from .bounds import lower_bound
            self.thread = threading.Thread(target=lambda: setattr(self, "bound", lower_bound(problem, seconds)),
                                           daemon=True)
            self.thread.start()

    def result(self, wait: float | None):
        """None: wait until it has finished."""
        if self.thread is not None:
            self.thread.join(None if wait is None else max(0.0, wait))
        return self.bound


def _lp_bound_in_background(problem: RosterProblem, options: SolveOptions) -> _LpJob:
    """The aggregated LP (scheduler.bounds), started now if the limit leaves room for it
    (LP_SECONDS within 30 % of the limit), with up to 70 % of the limit; not started without
    cover to bound or when the options say no LP."""
    budget = float(options.time_limit)
    if not options.lp_bound or not (problem.requirement.queues or problem.shift_cover) or \
            (not options.deterministic and 0.3 * budget < LP_SECONDS):
        return _LpJob(None, 0.0)
    return _LpJob(problem, max(LP_SECONDS, min(60.0, 0.7 * budget)) if not options.deterministic else 60.0)


def _improved_by_parts(rm: RosterModel, options: SolveOptions, best: tuple[dict, float],
                       bound_now: Callable[[], float], t0: float) -> dict:
    """The start `best` (values, objective) improved a part at a time (scheduler.subrosters),
    then priced on the whole model (breaks and flows best for its shifts); the start itself if
    that is no better.

    Time: the parts stop early enough for that pricing and for reading the roster out (each
    about as long as the start's own pricing took), and for the full search after it where that
    search can do something: only if it has at least SEARCH_PER_COMPLETION times a pricing's
    time (200 agents: CP-SAT's presolve of the whole model alone outlasts the few seconds it
    would get, and its search returned the hint). Otherwise ``rm.final`` is set and ``solve``
    reads the roster out without searching.

    Deterministic runs (reproducible, limits in CP-SAT's deterministic time): the parts take
    DETERMINISTIC_PARTS_SHARE of the limit, one at a time, and the final search the rest
    (``rm.search_budget``) - it always runs, as a clock-based choice would not reproduce."""
    from .subrosters import applicable, improve_by_parts
    budget = float(options.time_limit)
    pricing = rm.completion_seconds
    search = FINAL_SEARCH_SHARE * budget
    final = search < SEARCH_PER_COMPLETION * pricing and not options.deterministic
    if options.deterministic:
        seconds = DETERMINISTIC_PARTS_SHARE * budget
    else:
        seconds = budget - (_time.monotonic() - t0) - 1.5 * pricing - (0.0 if final else search)
    if not applicable(rm.problem) or seconds < 1.0 or not options.parts:
        return best[0]
    start = extract_roster(rm, _ValuesView(best[0]), queues=False).shifts
    report = None
    if options.progress:
        # The parts' gains are exact for cover and each employee's own penalties (fairness is
        # seen among the freed only): the whole roster is priced once at the end.
        report = lambda seconds_in, gain: options.progress(_time.monotonic() - t0, best[1] - gain, bound_now())  # noqa: E731
    shifts, stats = improve_by_parts(rm.problem, start, seconds, seed=options.seed, stop=options.stop, progress=report,
                                     deterministic=options.deterministic)
    if options.deterministic:
        rm.search_budget = max(1.0, budget - stats["deterministic_seconds"])
    p = rm.problem
    chosen = {(p.employee_index[sa.employee_id], (sa.day - p.horizon.start).days, p.template_index[sa.shift_id])
              for sa in shifts}
    # All the time left if need be: cut short, the parts' work is lost. (Deterministic runs: the
    # whole limit, not what the clock says is left.)
    solver = new_solver()
    _configure(solver, options, budget if options.deterministic else max(2.0, budget - (_time.monotonic() - t0)))
    done = priced(rm, chosen, solver, options)
    if done is None or done[1] >= best[1]:
        return best[0]
    rm.final = solver if final else None    # it holds the roster
    return done[0]


class _ValuesView:
    """A solver-like view of a complete assignment (``extract_roster`` reads ``solver.Value``)."""

    def __init__(self, values) -> None:
        self.values = values

    def Value(self, v) -> int:            # noqa: N802 (CP-SAT's spelling)
        return int(self.values[v.Index()])


def _lp_result(job: _LpJob, options: SolveOptions, t0: float):
    """The background LP's bound: waited for only while it may still finish within the limit
    (a deterministic run waits for it, so the same inputs report the same bound)."""
    if options.deterministic:
        return job.result(None)
    return job.result(max(0.0, float(options.time_limit) - (_time.monotonic() - t0) - 1.0))


def _hinted(model: cp_model.CpModel, values: dict[int, int]) -> None:
    """Hint every variable in `values` (by index), written to the model's proto in one go (an
    add_hint per variable took ~0.15 s at 30k variables)."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(values.keys())
    hint.values.extend(int(v) for v in values.values())


def solve(problem: RosterProblem, options: SolveOptions | None = None) -> Roster:
    from .explain import explain  # local: explain imports this module
    options = options or SolveOptions()
    t0 = _time.monotonic()
    rm = build_model(problem)
    build_seconds = _time.monotonic() - t0
    lp_bound = None
    first_seconds = None
    if options.hint:
        # The aggregated LP beside the repair and the parts, as for a plan (its solver releases
        # the interpreter); after them it came on top of a what-if scenario's time.
        lp_job = _lp_bound_in_background(problem, options)
        # A given roster (published plan, base scenario) may break a rule of this problem (a new
        # hire's minimum hours, an absence): search for a feasible roster starting from it, and
        # hint that complete roster.
        chosen = add_hint(rm, options.hint)
        budget = max(2.0, 0.4 * float(options.time_limit))
        # Usually the given roster still keeps every rule: then only breaks and queue flows are
        # missing, an easy problem. Otherwise repair it with as few changed shifts as possible.
        done = _complete(rm, options, chosen, budget=max(2.0, 0.5 * budget))
        if done is None:
            # Otherwise move only the employees whose own shifts break a rule, then give those
            # shifts their best breaks and queue flows. A repair of the whole model at once left
            # hundreds of shifts changed and breaks and flows wherever its search put them: what-if
            # scenarios that hire or add leave came out at 40-60x the base's penalty.
            repaired = repair_per_employee(problem, chosen, options, budget=budget)
            if repaired is not None:
                done = _complete(rm, options, repaired, budget=max(2.0, 0.5 * budget))
        first = done[0] if done is not None else closest_feasible(rm, options, chosen, budget=budget)
        if first is not None:
            first_seconds = _time.monotonic() - t0
            # Then improved a part at a time like a plan's start (what-if scenarios and the base's
            # second round; not re-plans with records, see subrosters.applicable): a search of the
            # whole model from the given roster gains nothing on large centres in its seconds.
            objective = done[1] if done is not None else values_objective(rm.model, first)
            first = _improved_by_parts(rm, options, (first, objective), lambda: _better_bound(None, lp_job.bound).value, t0)
            _hinted(rm.model, first)
        lp_bound = _lp_result(lp_job, options, t0)
    else:
        lp_bound, first_seconds = _guided_start(rm, options, t0)
    solver = new_solver()
    if options.deterministic:
        remaining = rm.search_budget if rm.search_budget is not None else float(options.time_limit)
    else:
        remaining = float(options.time_limit) - (_time.monotonic() - t0)
    _configure(solver, options, max(1.0, remaining))
    solver.parameters.log_search_progress = bool(options.log)
    cb = _Progress(options.progress, t0)
    if lp_bound is not None and lp_bound.status != "OPTIMAL":
        lp_bound = None          # an LP not solved to its optimum bounds nothing
    if lp_bound is not None:
        cb.floor = lp_bound.value
    final = rm.final
    if final is not None:
        # Improved by parts and priced, with too little time left for a search of the whole model
        # to do more than read it back (see _improved_by_parts): that pricing's solver holds the
        # roster (its bound is of the shifts it was given, not of the problem).
        solver, status, cp_bound, search_seconds = final, cp_model.FEASIBLE, 0.0, 0.0
    else:
        status = _solve(solver, rm.model, options, cb)
        cp_bound = solver.BestObjectiveBound() / SCALE
        search_seconds = solver.WallTime()
    if status == cp_model.UNKNOWN:
        # Time ran out (or Stop) before the search reported a roster, but the start it was given
        # is a complete feasible roster: return that rather than nothing.
        replayed = _replay_hint(rm)
        if replayed is not None:
            solver, status = replayed, cp_model.FEASIBLE
    status_name = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE", cp_model.MODEL_INVALID: "MODEL_INVALID"}.get(status, "UNKNOWN")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        from .diagnose import diagnose
        from .errors import InfeasibleError, NoRosterInTimeError
        if status == cp_model.INFEASIBLE:
            raise InfeasibleError("no roster satisfies every hard rule", diagnose(problem))
        if status == cp_model.MODEL_INVALID:     # (not a time-out: no time limit would help)
            raise RuntimeError(f"the solver refused the roster model: {rm.model.Validate()[:300]}")
        if options.stop is not None and options.stop.is_set():
            raise NoRosterInTimeError("stopped before any roster was found")
        # Time ran out: before blaming the time, see whether someone's own rules cannot hold (a
        # check per employee, seconds in all) - that no time limit would fix.
        conflicts = diagnose(problem, seconds_per_check=1.0, proven_only=True)
        if conflicts:
            raise InfeasibleError("no roster satisfies every hard rule (the search ran out of time; each "
                                  "employee below was then checked alone)", conflicts)
        raise NoRosterInTimeError(
            f"no roster found within the time limit ({options.time_limit:g} s); the hard rules may still be "
            f"satisfiable - try a longer time limit")
    roster = extract_roster(rm, solver)
    roster.status = status_name
    roster.objective = objective_of(rm.model, solver)
    # Every penalty term is >= 0, so 0 is always a valid bound too.
    roster.bound = max(0.0, cp_bound, lp_bound.value if lp_bound else 0.0)
    if status == cp_model.OPTIMAL:
        roster.bound = roster.objective
    explain(rm, solver, roster)
    roster.kpis["solver"] = {
        "status": status_name, "objective": roster.objective, "bound": roster.bound,
        "cp_sat_bound": cp_bound,
        "lp_bound": round(lp_bound.value, 2) if lp_bound else None,
        # Where the bound comes from: penalty no roster can avoid, by queue (and surplus staff).
        "lp_bound_by_queue": (lp_bound.by_queue or {}) if lp_bound else {},
        "gap": _gap(roster.objective, roster.bound), "build_seconds": round(build_seconds, 2),
        "solve_seconds": round(search_seconds, 2), "workers": options.workers, "seed": options.seed,
        # The whole job: first roster, bounds, column generation and the search (solve_seconds is
        # the last step only; the CLI once printed it as the solver's time).
        "total_seconds": round(_time.monotonic() - t0, 2),
        "time_limit": options.time_limit,
        "first_solution_seconds": round(first_seconds if first_seconds is not None else (cb.trace[0][0] if cb.trace else float("nan")), 2),
        "trace": [[round(a, 2), b, c] for a, b, c in cb.trace],
    }
    return roster


def _gap(objective: float, bound: float) -> float | None:
    if objective is None or bound is None:
        return None
    if abs(objective) < 1e-9:
        return 0.0
    return max(0.0, (objective - bound) / abs(objective))


# ----------------------------------------------------------------------------------------------
# From solver values to a roster people can read
# ----------------------------------------------------------------------------------------------
def extract_roster(rm: RosterModel, solver: cp_model.CpSolver, queues: bool = True) -> Roster:
    """The roster the solver's values describe: shifts with their breaks and, unless `queues` is
    False (a part's shifts are all that is wanted), each agent's queue per interval."""
    p = rm.problem
    T = p.templates
    step = p.horizon.interval_minutes
    start = p.horizon_start()
    worked = sorted((e, d, s) for (e, d, s), v in rm.x.items() if solver.Value(v))
    # Hand the group-level break counts to individuals.
    breaks: dict[tuple[int, int, int], list[int]] = defaultdict(list)   # (g, d, s) -> offsets
    for (g, d, s, off), b in rm.brk.items():
        breaks[g, d, s].extend([off] * solver.Value(b))
    # Pinned breaks first: their offsets are among the counts (a floor in add_coverage).
    given: dict[tuple[int, int, int], int] = {}
    on = set(worked)
    # Then, in a re-plan, each shift kept from the published roster keeps its break if the
    # counts still hold that offset (else changes.csv would tell agents of breaks moved for nothing).
    for wanted in (pinned_breaks(rm), reference_breaks(rm)):
        for key, off in wanted.items():
            e, d, s = key
            if key in on and key not in given and off in breaks[rm.group_of[e], d, s]:
                breaks[rm.group_of[e], d, s].remove(off)
                given[key] = off
    shifts: list[ShiftAssignment] = []
    duty: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)  # e -> (t0, t1, b0, b1)
    for e, d, s in worked:
        tmpl = T[s]
        g = rm.group_of[e]
        s_start = start + timedelta(days=d, minutes=tmpl.start_minute)
        s_end = s_start + timedelta(minutes=tmpl.length_minutes)
        b0 = b1 = None
        if tmpl.break_minutes:
            off = given[e, d, s] if (e, d, s) in given else \
                breaks[g, d, s].pop() if breaks[g, d, s] else break_offsets(p, tmpl)[0]
            b0 = s_start + timedelta(minutes=off)
            b1 = b0 + timedelta(minutes=tmpl.break_minutes)
        emp = p.employees[e]
        shifts.append(ShiftAssignment(emp.id, p.horizon.day(d), tmpl.record_of or tmpl.id, s_start, s_end, b0, b1))
        t0 = (d * 1440 + tmpl.start_minute) // step
        t1 = t0 + tmpl.length_minutes // step
        bt0 = (int((b0 - start).total_seconds()) // 60 // step) if b0 else -1
        bt1 = bt0 + tmpl.break_minutes // step if b0 else -1
        duty[e].append((t0, t1, bt0, bt1))
    # Last week's shifts running into this one (a Sunday night) are cover the model counted
    # (add_coverage's constants): they get their queues too, or coverage.csv showed Monday's
    # early hours short by agents who were there. Same intervals as the model, one span each.
    for e, t in carried_over_duty(p):
        duty[e].append((t, t + 1, -1, -1))
    assignments = assign_queues(rm, solver, duty) if queues else []
    return Roster(horizon=p.horizon, shifts=shifts, queue_assignments=assignments)


def assign_queues(rm: RosterModel, solver: cp_model.CpSolver, duty) -> list[QueueAssignment]:
    """Split each group's flow among its on-duty agents, keeping agents on the queue they served
    in the previous interval where possible (fewer switches for the agent)."""
    p = rm.problem
    Q = list(p.requirement.queues)
    n = p.horizon.n_intervals
    req = p.requirement.staff
    out = []
    current: dict[int, int] = {}
    members: dict[int, list[int]] = defaultdict(list)
    for e in range(len(p.employees)):
        members[rm.group_of[e]].append(e)
    kept = kept_queues(rm)                      # (e, t) -> queue already worked (a re-plan's past)
    published = _queue_indices(rm, p.reference_assignments)   # (e, t) -> queue as published
    departed = departed_intervals(rm)            # (e, t) after the agent left mid-shift: no queue
    queue_of = {q.id: q for q in p.centre.queues}
    for t in range(n):
        moment = p.horizon.moment(t)
        # Queues open now by their opening hours (a shift may start before its queues open - an
        # idle agent there once showed as serving a closed queue). Queues the centre does not
        # describe (a requirement alone) count as open.
        open_now = [qi for qi, q in enumerate(Q) if q not in queue_of or queue_of[q].is_open(moment)]
        for g, skills in enumerate(rm.groups):
            present = [e for e in members[g] if (e, t) not in departed and
                       any(a <= t < b and not (c <= t < dd) for a, b, c, dd in duty.get(e, []))]
            if not present:
                continue
            quota = {qi: solver.Value(rm.flow[g, qi, t]) for qi in range(len(Q)) if (g, qi, t) in rm.flow}
            chosen: dict[int, int] = {}
            for e in present:                       # what was already worked, as it was
                qi = kept.get((e, t))
                if qi is not None:
                    chosen[e] = qi
                    if quota.get(qi, 0) > 0:
                        quota[qi] -= 1
            for e in present:                       # as published, if still needed
                qi = published.get((e, t))
                if e not in chosen and qi is not None and quota.get(qi, 0) > 0:
                    chosen[e] = qi
                    quota[qi] -= 1
            for e in present:                       # stay where you were if still needed
                if e in chosen:
                    continue
                qi = current.get(e)
                if qi is not None and quota.get(qi, 0) > 0:
                    chosen[e] = qi
                    quota[qi] -= 1
            for e in present:
                if e in chosen:
                    continue
                qi = next((q for q, left in sorted(quota.items()) if left > 0), None)
                if qi is None:                      # surplus agent: the busiest open queue they know
                    open_q = [qi for qi in open_now if Q[qi] in skills]
                    busy = [qi for qi in open_q if req[qi][t] > 0]
                    qi = (max(busy, key=lambda k: req[k][t]) if busy
                          else current.get(e) if current.get(e) in open_q
                          else open_q[0] if open_q else None)
                    if qi is None:                  # none of their queues is open: on shift, idle
                        continue
                else:
                    quota[qi] -= 1
                chosen[e] = qi
            for e, qi in chosen.items():
                current[e] = qi
                out.append(QueueAssignment(p.employees[e].id, moment, Q[qi]))
    return out
