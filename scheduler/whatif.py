"""What-if scenarios: the base plan plus changes, each rostered with the same time limit and seed,
compared side by side.

A scenario changes demand (overall, per queue, per weekday or date, per time band), shrinkage
(absenteeism), service level, which queues are staffed together (staff_with), rules, and who is there (leavers by id, hires with a given skill set
and contract, extra time off). The forecast is made once for the base and scaled, so scenarios
differ only by their changes. The base is solved first; then the base's second round and every
scenario start from that roster (fewer changes, steadier comparisons, and the same search effort
for all) and run in parallel processes, each with the same time limit and seed.
"""
from __future__ import annotations

import multiprocessing
import math
import statistics
import tomllib
import unicodedata
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path

import pandas as pd

from .config import RULE_MINIMUM
from .domain import MAX_WEIGHT, Centre, Employee, Horizon, Staff, TimeOff
from .errors import InfeasibleError, InputError, InputProblem, NoRosterInTimeError, warn_input
from .io import load_centre_dir, load_staff, markdown_table, read_history, weekday_number
from .kpis import plan_kpis
from .pipeline import Plan, load_previous, make_forecast, make_requirements, requirement_with_values
from .problem import RosterProblem
from .roster import SolveOptions, solve
from .validate import validate_roster

RULE_KEYS = {"max_consecutive_days", "min_consecutive_days_off", "max_nights_per_week", "max_consecutive_nights",
             "max_weekends"}
# Files a what-if writes beside the scenarios' folders: a scenario of that name once had its
# folder collide with them, after the base plan's files were out.
OUTPUT_FILES = {"comparison.csv", "comparison.md"}


@dataclass(frozen=True)
class Hire:
    """`count` new people with this skill set and contract (what-if scenarios, staffing sweep)."""
    skills: frozenset[str]
    count: int = 1
    min_hours: float = 32.0
    max_hours: float = 40.0
    max_days: int = 5
    nights: bool = False
    hourly_cost: float | None = None     # None: the staff's median (see with_cost)

    def employee(self, employee_id: str, name: str) -> Employee:
        return Employee(id=employee_id, name=name, skills=self.skills, contract="hire", min_hours=self.min_hours,
                        max_hours=self.max_hours, max_days=self.max_days, nights=self.nights,
                        hourly_cost=1.0 if self.hourly_cost is None else self.hourly_cost)

    def with_cost(self, staff: Staff) -> "Hire":
        """Hires cost what the staff's median hour costs unless told: at the default of 1 an hour a
        what-if that hired three people showed the wage bill falling as paid hours rose."""
        if self.hourly_cost is not None or not staff.employees:
            return self
        # (The upper middle value was taken: 22.5 where the median of 22.0 and 22.5 is 22.25.)
        return replace(self, hourly_cost=statistics.median(e.hourly_cost for e in staff.employees))


HIRE_KEYS = {"skills", "count", "min_hours", "max_hours", "max_days", "nights", "hourly_cost"}
TIME_OFF_KEYS = {"employee", "start", "end"}


@dataclass(frozen=True)
class Scenario:
    name: str
    demand: float = 1.0
    demand_by_queue: dict = field(default_factory=dict)
    shrinkage: float | None = None
    service_level: float | None = None
    remove: tuple[str, ...] = ()
    hire: tuple[Hire, ...] = ()
    rules: dict = field(default_factory=dict)
    demand_by_day: dict = field(default_factory=dict)    # "mon".."sun" or "YYYY-MM-DD" -> multiplier
    demand_by_band: dict = field(default_factory=dict)   # "HH:MM-HH:MM" (start inclusive) -> multiplier
    time_off: tuple[TimeOff, ...] = ()
    # Queue id -> the host it is staffed with (None: on its own), over centre.toml's staff_with.
    staff_with: dict = field(default_factory=dict)
    # Where it was defined, for messages about it: the scenarios file and its key ("scenarios[2]").
    source: str = "scenarios"
    key: str = ""

    @property
    def more_demand(self) -> bool:
        factors = [self.demand, *self.demand_by_queue.values(), *self.demand_by_day.values(),
                   *self.demand_by_band.values()]
        return any(f > 1 for f in factors) and all(f >= 1 for f in factors)

    @property
    def same_staff(self) -> bool:
        return not self.remove and not self.hire and not self.time_off

    @property
    def same_demand(self) -> bool:
        return self.demand == 1 and not any(v != 1 for d in (self.demand_by_queue, self.demand_by_day,
                                                               self.demand_by_band) for v in d.values())


def _band(text: str) -> tuple[time, time] | None:
    """"08:00-12:00" -> (08:00, 12:00); an end of 24:00 is midnight, as in centre.toml's hours
    (time.max: every interval of the evening is before it)."""
    try:
        a, b = text.split("-")
        start = time.fromisoformat(a.strip())
        end = time.max if b.strip() in ("24:00", "24:00:00") else time.fromisoformat(b.strip())
    except ValueError:
        return None
    return (start, end) if start < end else None


def _day_key(text: str):
    day = weekday_number(text)
    if day is not None:
        return day
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


BASE = Scenario("base")
# A scenario's name is its output folder's: file systems take 255 bytes; the rest is margin.
MAX_NAME_BYTES = 100
TABLE_EXAMPLES = {"demand_by_queue": "cards = 1.2", "demand_by_day": "mon = 1.1", "demand_by_band": "\"08:00-12:00\" = 1.2",
                  "rules": "max_consecutive_days = 5", "staff_with": "complaints = \"deposits\""}


# The largest demand multiplier a scenario (or replan --demand-factor) takes: 1e12 passed and the
# staffing then failed as 'parameters: service target needs more than 10000000 agents', naming
# neither the scenario nor the key.
MAX_MULTIPLIER = 100.0


def _multiplier(v) -> bool:
    """A finite number 0..MAX_MULTIPLIER (inf and nan once passed here and failed a minute later,
    unexplained)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= MAX_MULTIPLIER


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def load_scenarios(path: str | Path, centre: Centre) -> list[Scenario]:
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InputError(InputProblem(str(path), "file not found"))
    if path.is_dir():
        raise InputError(InputProblem(str(path), "is a folder; expected a scenarios TOML file"))
    try:
        # (NFC, as centre.toml and the CSV files: ids typed on one machine match those of another)
        data = tomllib.loads(unicodedata.normalize("NFC", path.read_bytes().decode("utf-8-sig")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(InputProblem(name, f"not valid TOML: {exc}")) from None
    items = data.get("scenarios")
    # Anything beside [[scenarios]] is a typo ([[scenaros]]) or a key meant for a scenario
    # (demand = 1.3 above the first table): both were dropped without a word.
    stray = [InputProblem(name, f"unknown top-level key {k!r}; every scenario is a [[scenarios]] table and its keys "
                                "go below its header", column=k) for k in sorted(set(data) - {"scenarios"})]
    if not isinstance(items, list) or not items:
        raise InputError([InputProblem(name, "expected at least one [[scenarios]] table", column="scenarios"), *stray])
    if stray:
        raise InputError(stray)
    problems, out = [], []
    queues = set(centre.queue_ids)
    names: set[str] = set()

    def bad(key, msg):
        problems.append(InputProblem(name, msg, column=key))

    def unknown_keys(key: str, item, allowed: set[str]) -> bool:
        """Refuse the keys of a list entry that are not `allowed` (True if there were any)."""
        unknown = sorted(set(item) - allowed) if isinstance(item, dict) else []
        if unknown:
            bad(f"{key}.{unknown[0]}", f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                                      f"expected {', '.join(sorted(allowed))}")
        return bool(unknown)

    for i, t in enumerate(items):
        p = f"scenarios[{i}]"
        if not isinstance(t, dict):
            bad(p, "expected a table")
            continue
        known = {"name", "demand", "demand_by_queue", "demand_by_day", "demand_by_band", "shrinkage",
                 "service_level", "remove", "hire", "rules", "time_off", "staff_with"}
        for k in sorted(set(t) - known):
            bad(f"{p}.{k}", f"unknown key; expected one of {', '.join(sorted(known))}")
        nm = t.get("name")
        # The name is the scenario's output folder: '..' once wrote over the folder above, and
        # 'base' over the real base plan.
        if not isinstance(nm, str) or not nm.strip() or any(c in nm for c in "/\\") or nm.strip().startswith(".") \
                or any(not c.isprintable() for c in nm) or len(nm.encode("utf-8")) > MAX_NAME_BYTES:
            # (Checked before anything is written: a 300-character name failed only when its folder
            # was created, after the base plan's files were out.)
            bad(f"{p}.name", f"expected a name of at most {MAX_NAME_BYTES} bytes, printable, with no '/' or '\\', "
                             "not starting with '.'")
            continue
        if nm == "base" or nm in names or nm.lower() in OUTPUT_FILES:
            taken = ("the plan without changes" if nm == "base" else "an earlier scenario" if nm in names
                     else "the comparison file written beside the scenarios")
            bad(f"{p}.name", f"the name {nm!r} is taken ({taken})")
            continue
        names.add(nm)
        demand = t.get("demand", 1.0)
        if not _multiplier(demand):
            bad(f"{p}.demand", f"expected a multiplier 0..{MAX_MULTIPLIER:g}, got {demand!r}")
        # A table where a table belongs (rules = 5 once ended in an internal error), and a single
        # hire or time_off table taken as a list of one (it was silently ignored).
        for key in ("demand_by_queue", "demand_by_day", "demand_by_band", "rules", "staff_with"):
            if key in t and not isinstance(t[key], dict):
                bad(f"{p}.{key}", f"expected a table like {key} = {{ {TABLE_EXAMPLES[key]} }}, got {t[key]!r}")
                t = {k: v for k, v in t.items() if k != key}
        for key in ("hire", "time_off"):
            if isinstance(t.get(key), dict):
                t = {**t, key: [t[key]]}
            elif key in t and not isinstance(t[key], list):
                bad(f"{p}.{key}", f"expected a list of tables like [[scenarios.{key}]], got {t[key]!r}")
                t = {k: v for k, v in t.items() if k != key}
        by_q = t.get("demand_by_queue", {})
        by_day = t.get("demand_by_day", {})
        by_band = t.get("demand_by_band", {})
        # Each table maps a key (queue, weekday/date, time band) to a multiplier 0..MAX_MULTIPLIER.
        for table, valid, expect in (
                ("demand_by_queue", lambda k: k in queues, f"unknown queue; expected one of {', '.join(sorted(queues))}"),
                ("demand_by_day", lambda k: _day_key(k) is not None, "expected a weekday (mon..sun) or a date YYYY-MM-DD"),
                ("demand_by_band", lambda k: _band(k) is not None, "expected a time band like \"08:00-12:00\" (start before end)")):
            given = t.get(table, {})
            for k, v in (given.items() if isinstance(given, dict) else []):
                if not valid(k):
                    bad(f"{p}.{table}.{k}", expect)
                elif not _multiplier(v):
                    bad(f"{p}.{table}.{k}", f"expected a multiplier 0..{MAX_MULTIPLIER:g}, got {v!r}")
        leave = []
        for j, item in enumerate(t.get("time_off", []) if isinstance(t.get("time_off", []), list) else []):
            key = f"{p}.time_off[{j}]"
            if unknown_keys(key, item, TIME_OFF_KEYS):   # (ned = ... made a 3-day leave one day, in silence)
                continue
            try:
                emp = item["employee"]
                start = date.fromisoformat(str(item["start"]))
                end = date.fromisoformat(str(item.get("end", item["start"])))
            except (KeyError, TypeError, ValueError):
                bad(key, "expected { employee = \"E001\", start = \"YYYY-MM-DD\", end = \"YYYY-MM-DD\" }")
                continue
            if end < start:
                bad(key, f"end {end} is before start {start}")
                continue
            leave.append(TimeOff(str(emp), start, end, "what-if"))
        shrink = t.get("shrinkage")
        if shrink is not None and not (isinstance(shrink, (int, float)) and not isinstance(shrink, bool) and 0 <= shrink < 1):
            bad(f"{p}.shrinkage", f"expected 0 <= shrinkage < 1, got {shrink!r}")
        sl = t.get("service_level")
        if sl is not None and not (isinstance(sl, (int, float)) and not isinstance(sl, bool) and 0 < sl < 1):
            bad(f"{p}.service_level", f"expected a fraction between 0 and 1, got {sl!r}")
        rules = t.get("rules", {})
        for k, v in (rules.items() if isinstance(rules, dict) else []):
            if k not in RULE_KEYS:
                bad(f"{p}.rules.{k}", f"unsupported rule; expected one of {', '.join(sorted(RULE_KEYS))}")
            elif not isinstance(v, int) or isinstance(v, bool) or v < RULE_MINIMUM[k]:
                # (As centre.toml's [rules]: true was read as 1, and max_consecutive_days = 0 gave
                # an empty roster without a word.)
                bad(f"{p}.rules.{k}", f"expected a whole number >= {RULE_MINIMUM[k]}, got {v!r}")
        hires = []
        for j, h in enumerate(t.get("hire", []) if isinstance(t.get("hire", []), list) else []):
            key = f"{p}.hire[{j}]"
            if unknown_keys(key, h, HIRE_KEYS):     # (max_hour was ignored and the default used)
                continue
            skills = h.get("skills") if isinstance(h, dict) else None
            if not isinstance(skills, list) or not skills or any(s not in queues for s in skills):
                strange = [s for s in skills if s not in queues] if isinstance(skills, list) else []
                bad(f"{key}.skills", (f"unknown queue {', '.join(map(repr, strange))}; " if strange else "")
                    + f"expected a list of queue ids from {', '.join(sorted(queues))}")
                continue
            cost = h.get("hourly_cost")
            if cost is not None and not (_multiplier(cost) and cost <= MAX_WEIGHT):
                bad(f"{key}.hourly_cost", f"expected a cost per hour, 0 to {MAX_WEIGHT:g}, got {cost!r}")
                continue
            count, max_days = h.get("count", 1), h.get("max_days", 5)
            low, high, nights = h.get("min_hours", 32), h.get("max_hours", 40), h.get("nights", False)
            if not _whole(count) or not 1 <= count <= 1000:
                bad(f"{key}.count", f"expected a whole number of hires 1..1000, got {count!r}")
            elif not _whole(max_days) or not 0 <= max_days <= 7:
                bad(f"{key}.max_days", f"expected a whole number of days 0..7, got {max_days!r}")
            elif not _multiplier(low) or not _multiplier(high) or not 0 <= low <= high <= 168 or high == 0:
                bad(f"{key}.min_hours", f"expected weekly hours 0 <= min_hours <= max_hours <= 168 (max_hours > 0), "
                                        f"got {low!r} and {high!r}")
            elif not isinstance(nights, bool):
                bad(f"{key}.nights", f"expected true or false, got {nights!r}")
            else:
                hires.append(Hire(frozenset(skills), int(count), float(low), float(high), int(max_days), nights,
                                  None if cost is None else float(cost)))
        pools = t.get("staff_with", {})
        for k, v in pools.items():
            if k not in queues:
                bad(f"{p}.staff_with.{k}", f"unknown queue; expected one of {', '.join(sorted(queues))}")
            elif not isinstance(v, str) or v == k or (v and v not in queues):
                bad(f"{p}.staff_with.{k}", f"expected the id of another queue (\"\" for on its own), got {v!r}")
        valid = {k: v or None for k, v in pools.items()
                 if k in queues and isinstance(v, str) and v != k and (not v or v in queues)}
        merged = {**centre.staffed_with, **valid}     # (what is refused above is not said twice)
        for k, v in merged.items():
            where = k if k in pools else v     # the scenario's own key that makes the chain
            if v and merged.get(v) and where in pools:
                bad(f"{p}.staff_with.{where}", f"{k!r} would be staffed with {v!r}, itself staffed with "
                                               f"{merged[v]!r}: a queue staffed with another cannot host one")
        remove = t.get("remove", [])
        if not isinstance(remove, list) or not all(isinstance(x, str) for x in remove):
            bad(f"{p}.remove", f"expected a list of employee ids like [\"E001\"], got {remove!r}")
        if problems:
            continue
        out.append(Scenario(nm, float(demand), dict(by_q), shrink, sl, tuple(t.get("remove", [])), tuple(hires),
                            dict(rules), dict(by_day), dict(by_band), tuple(leave),
                            {k: v or None for k, v in pools.items()}, source=name, key=p))
    if problems:
        raise InputError(problems)
    return out


def apply(scenario: Scenario, centre: Centre, staff: Staff, forecast: pd.DataFrame):
    """The scenario's centre, staff and forecast."""
    if scenario.rules:
        centre = replace(centre, rules=replace(centre.rules, **scenario.rules))
    if scenario.shrinkage is not None:
        centre = replace(centre, shrinkage=scenario.shrinkage)
    if scenario.service_level is not None:
        centre = replace(centre, queues=tuple(replace(q, target=replace(q.target, service_level=scenario.service_level))
                                              for q in centre.queues))
    if scenario.staff_with:
        centre = replace(centre, queues=tuple(replace(q, staff_with=scenario.staff_with.get(q.id, q.staff_with))
                                              for q in centre.queues))
    # Employees are only known now (the scenarios file is read before employees.csv): name the
    # file and the key of the scenario, as load_scenarios does for everything else.
    known = {e.id for e in staff.employees}
    prefix = f"{scenario.key}." if scenario.key else ""
    problems = [InputProblem(scenario.source, f"scenario {scenario.name!r} removes unknown employee {eid!r} "
                                              "(not in employees.csv)", column=f"{prefix}remove[{j}]")
                for j, eid in enumerate(scenario.remove) if eid not in known]
    problems += [InputProblem(scenario.source, f"scenario {scenario.name!r} gives time off to unknown employee "
                                               f"{t.employee_id!r} (not in employees.csv)", column=f"{prefix}time_off[{j}].employee")
                 for j, t in enumerate(scenario.time_off) if t.employee_id not in known]
    if problems:
        raise InputError(problems)
    days = set(pd.to_datetime(forecast["timestamp"]).dt.date) if len(forecast) else set()
    for j, t in enumerate(scenario.time_off):
        if days and not any(t.start <= d <= t.end for d in days):   # (as demand_by_day's: it changes nothing)
            warn_input(InputProblem(scenario.source, f"scenario {scenario.name!r}: time off of {t.employee_id} "
                                                     f"{t.start}..{t.end} is outside the planned horizon; it changes "
                                                     "nothing", column=f"{prefix}time_off[{j}]"))
    employees = [e for e in staff.employees if e.id not in scenario.remove]
    for k, h in enumerate(scenario.hire):
        h = h.with_cost(staff)
        for n in range(h.count):
            employees.append(h.employee(f"HIRE-{k + 1}-{n + 1}", f"New hire {k + 1}.{n + 1}"))
    staff = Staff(tuple(employees),
                  tuple(t for t in staff.time_off if t.employee_id not in scenario.remove) + scenario.time_off,
                  tuple(p for p in staff.preferences if p.employee_id not in scenario.remove))
    fc = forecast.copy()
    factor = fc["queue"].map(lambda q: scenario.demand * scenario.demand_by_queue.get(q, 1.0)).astype(float)
    if scenario.demand_by_day or scenario.demand_by_band:
        ts = pd.to_datetime(fc["timestamp"])
        for key, v in scenario.demand_by_day.items():
            day = _day_key(key)
            hit = (ts.dt.day_of_week == day) if isinstance(day, int) else (ts.dt.date == day)
            if not hit.any():      # (a date outside the week planned once changed nothing, in silence)
                warn_input(InputProblem(scenario.source, f"scenario {scenario.name!r}: demand_by_day {key!r} is not a "
                                                         "day of the planned horizon; it changes nothing",
                                        column=f"{prefix}demand_by_day.{key}"))
            factor = factor.where(~hit.to_numpy(), factor * v)
        clock = ts.dt.time
        for key, v in scenario.demand_by_band.items():
            a, b = _band(key)
            hit = (clock >= a) & (clock < b)
            factor = factor.where(~hit.to_numpy(), factor * v)
    for col in [c for c in fc.columns if c.startswith("contacts")]:
        fc[col] = fc[col] * factor
    return centre, staff, fc


def plan_scenario(scenario: Scenario, centre: Centre, staff: Staff, forecast: pd.DataFrame, horizon: Horizon,
                  previous, *, time_limit: float, workers: int, seed: int, hint=None) -> Plan:
    centre, staff, fc = apply(scenario, centre, staff, forecast)
    requirements = make_requirements(fc, centre)
    requirement = requirement_with_values(requirements, centre, horizon, staff=staff)
    ids = {e.id for e in staff.employees}
    hint = [sh for sh in hint if sh.employee_id in ids] if hint else None
    roster = solve(RosterProblem(centre, staff, requirement, previous=previous),
                   SolveOptions(time_limit=time_limit, workers=workers, seed=seed, hint=hint))
    kpis = plan_kpis(roster, requirement, centre, staff, fc, previous_given=bool(previous))
    for key in ("penalty_by_rule", "penalty_by_queue", "solver"):
        kpis[key] = roster.kpis.get(key, {})
    # Checked like every plan, against the scenario's own centre and staff (its rules, leavers,
    # hires and leave; `plan` and `replan` validated theirs, the scenarios went unchecked).
    kpis["violations"] = [str(v) for v in validate_roster(centre, staff, roster.shifts, roster.queue_assignments,
                                                          horizon_start=horizon.start, horizon_days=horizon.days,
                                                          previous=list(previous))]
    roster.kpis = kpis
    return Plan(centre, staff, fc, requirements, requirement, roster, kpis)


@dataclass(frozen=True)
class Refused:
    """A scenario with no roster: its rules cannot all hold ("no roster possible"), or none was
    found in the time ("no roster yet" - no proof that none exists). A result of the what-if,
    shown in the comparison beside the others; one such scenario once ended the whole run
    without naming itself, and the other scenarios' rosters were lost."""
    outcome: str
    message: str
    explanation: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "; ".join([f"{self.outcome}: {self.message}", *self.explanation])


def plan_or_refusal(scenario: Scenario, *args, **kwargs) -> "Plan | Refused":
    """plan_scenario, with a scenario that has no roster returned as Refused (in a worker
    process too: an exception's explanation does not survive pickling)."""
    try:
        return plan_scenario(scenario, *args, **kwargs)
    except InfeasibleError as exc:
        return Refused(exc.said, str(exc), tuple(exc.explanation))


def compare(plans: dict[str, Plan], scenarios: dict[str, Scenario],
            refused: dict[str, Refused] | None = None) -> pd.DataFrame:
    """One row per scenario (in `scenarios`' order): its roster's KPIs against the base, or - for
    a scenario in `refused` - why it has none."""
    refused = refused or {}
    base = plans["base"]
    base_shifts = {(s.employee_id, s.day): s.shift_id for s in base.roster.shifts}
    base_under = base.kpis["totals"]["under_staffed_hours"]
    rows = []
    for name, sc in scenarios.items():
        if name in refused:
            rows.append({"scenario": name, "outcome": refused[name].outcome, "notes": refused[name].text})
            continue
        plan = plans[name]
        k = plan.kpis
        shifts = {(s.employee_id, s.day): s.shift_id for s in plan.roster.shifts}
        changed = sum(1 for key in set(shifts) | set(base_shifts) if shifts.get(key) != base_shifts.get(key))
        row = {"scenario": name, "outcome": "roster", "under_staffed_hours": k["totals"]["under_staffed_hours"],
               "over_staffed_hours": k["totals"]["over_staffed_hours"], "paid_hours": k["totals"]["paid_hours"],
               "cost": k["totals"]["cost"], "nights_max_minus_min": k["fairness"]["nights_max_minus_min"],
               "weekends_max_minus_min": k["fairness"]["weekends_max_minus_min"], "changed_shifts_vs_base": changed,
               "gap_pct": round(100 * (k["solver"].get("gap") or 0), 1), "violations": len(k.get("violations", []))}
        for q, v in k["queues"].items():
            row[f"under_h_{q}"] = v["under_staffed_hours"]
            row[f"sl_{q}"] = v.get("expected_service_level")
        notes = []
        more_demand, same_staff = sc.more_demand, sc.same_staff
        more_staff = bool(sc.hire) and not sc.remove and not sc.time_off and sc.same_demand
        fewer_staff = (bool(sc.remove) or bool(sc.time_off)) and not sc.hire and sc.same_demand
        gaps = (f"the solver stops with a gap ({row['gap_pct']}% here, "
                f"{round(100 * (base.kpis['solver'].get('gap') or 0), 1)}% base), so neither roster is optimal; "
                "compare with care or allow more time")
        if name != "base" and more_demand and same_staff and row["under_staffed_hours"] < base_under:
            notes.append("more demand yet less under-staffing than base: " + gaps)
        if name != "base" and more_staff and row["under_staffed_hours"] > base_under:
            notes.append("more staff yet more under-staffing than base: " + gaps)
        if name != "base" and fewer_staff and row["under_staffed_hours"] < base_under:
            notes.append("fewer staff yet less under-staffing than base: " + gaps)
        if row["gap_pct"] >= 99.9:
            # No lower bound in the time (short runs skip the aggregated LP): nothing says how far
            # from its best this roster is, and at 15 s a +20 % demand scenario once changed one
            # shift and simply reported 134 h more under-staffing.
            notes.append("no lower bound in this time (gap 100%): differences from base may be the search's, not "
                         "the scenario's; allow more time (60 s or more)")
        row["notes"] = "; ".join(notes)
        rows.append(row)
    table = pd.DataFrame(rows)
    return table[[c for c in table.columns if c != "notes"] + ["notes"]]


def comparison_markdown(table: pd.DataFrame) -> str:
    """The comparison as a Markdown table (per-queue columns stay in the CSV)."""
    shown = table.drop(columns=[c for c in table.columns if c.startswith(("sl_", "under_h_"))])
    return markdown_table(shown.astype(object).where(shown.notna(), None))     # a refused scenario's blanks


def default_jobs(workers: int) -> int:
    """Scenario processes that fit the machine: each CP-SAT solve uses `workers` threads."""
    return max(1, (multiprocessing.cpu_count() or 1) // max(1, workers))


def run_whatif(data_dir: str | Path, week: date, scenarios: list[Scenario], *, time_limit: float = 60.0,
               workers: int = 2, seed: int = 0, backtest: bool = True, jobs: int | None = None,
               progress=None) -> tuple[pd.DataFrame, dict[str, Plan]]:
    """Forecast once from the centre folder, then plan and compare the base and every scenario."""
    data_dir = Path(data_dir)
    centre = load_centre_dir(data_dir)
    horizon = Horizon(week, 7, centre.interval_minutes)
    staff = load_staff(data_dir, centre, horizon)
    previous = load_previous(data_dir, [e.id for e in staff.employees], before=week)
    history = read_history(data_dir / "history.csv", centre.queue_ids)
    forecast, _ = make_forecast(history, centre, week, 7, backtest=backtest)
    return run_scenarios(scenarios, centre, staff, forecast, horizon, previous,
                         time_limit=time_limit, workers=workers, seed=seed, jobs=jobs, progress=progress)


def run_scenarios(scenarios: list[Scenario], centre: Centre, staff: Staff, forecast: pd.DataFrame, horizon: Horizon,
                  previous=(), *, time_limit: float = 60.0, workers: int = 2, seed: int = 0, jobs: int | None = None,
                  progress=None, base_hint=None) -> tuple[pd.DataFrame, dict[str, Plan]]:
    """Plan the base, then every scenario (in `jobs` parallel processes, each with the same time
    limit and seed, each starting from the base roster), and compare them. `base_hint` (e.g. the
    roster already built for this week) is where the base's search starts."""
    previous = list(previous)
    for sc in scenarios:     # bad scenarios are input errors: find them before any solving
        apply(sc, centre, staff, forecast)
    all_scenarios = {"base": BASE, **{s.name: s for s in scenarios}}
    total = len(all_scenarios)
    if progress:
        progress(0, total, "base")
    try:
        first = plan_scenario(BASE, centre, staff, forecast, horizon, previous,
                              time_limit=time_limit, workers=workers, seed=seed, hint=base_hint)
    except InfeasibleError as exc:
        # Nothing to compare against: the centre itself (no scenario applied) has no roster.
        raise type(exc)(f"the base plan (no scenario applied): {exc}", exc.explanation) from None
    # Equal effort: the base and every scenario continue from that first base roster with the
    # same time limit - the base's second round is one more job beside the scenarios. Scenarios
    # once continued from the base's *second* round: a third round of search for them, two for
    # the base - nothing while a round from a given roster gained nothing, but since such a
    # round improves by parts (100 agents: the base's second round 17.8k -> 15.8k), a scenario
    # with fewer staff could look better than the base only because it was searched longer.
    # Starting from the base roster keeps comparisons steady and changes few.
    args = dict(time_limit=time_limit, workers=workers, seed=seed, hint=first.roster.shifts)
    results: dict[str, Plan | Refused] = {}
    jobs = default_jobs(workers) if jobs is None else max(1, jobs)
    if jobs == 1 or len(scenarios) <= 1:
        for i, (name, sc) in enumerate(all_scenarios.items()):
            if progress and i:
                progress(i, total, name)
            results[name] = plan_or_refusal(sc, centre, staff, forecast, horizon, previous, **args)
    else:
        # "spawn": the parent has run OR-Tools threads; forking a threaded process is unsafe.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(plan_or_refusal, sc, centre, staff, forecast, horizon, previous, **args): name
                       for name, sc in all_scenarios.items()}
            for done, fut in enumerate(as_completed(futures), start=1):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(done, total, futures[fut])
    if isinstance(results["base"], Refused):
        said = results["base"]
        error = NoRosterInTimeError if said.outcome == NoRosterInTimeError.said else InfeasibleError
        raise error(f"the base plan (no scenario applied): {said.message}", list(said.explanation))
    plans = {name: results[name] for name in all_scenarios if isinstance(results[name], Plan)}
    refused = {name: r for name, r in results.items() if isinstance(r, Refused)}
    return compare(plans, all_scenarios, refused), plans
