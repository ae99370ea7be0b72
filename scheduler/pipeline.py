"""The weekly planning job: forecast -> requirements -> roster -> validated outputs.

The CLI and the app call these functions; they hold no logic of their own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .domain import Centre, Horizon, Queue, Requirement, Roster, Staff
from .errors import InputError, InputProblem, warn_input
from .io import load_centre_dir, load_staff, one_shift_at_a_time, present, read_history, read_roster, read_roster_rows, roster_frames, write_outputs
from .kpis import clock_change_text, coverage_table, plan_kpis
from .problem import Pin, RosterProblem, requirement_from_table
from .roster import SolveOptions, solve

Progress = Callable[[int, int, str], None]


@dataclass
class Plan:
    centre: Centre
    staff: Staff
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    requirement: Requirement
    roster: Roster
    kpis: dict
    forecast_report: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# Forecast
# ------------------------------------------------------------------------------------------------
def make_forecast(history: pd.DataFrame, centre: Centre, start: date, days: int, *, backtest: bool = True,
                  progress: Progress | None = None, source: str = "history.csv"):
    """Forecast per interval and queue; closed hours (per centre.toml) are dropped, missing handle
    times are filled from the queue's default."""
    from forecasts import forecast_history
    require_every_queue(history, centre, source)
    warn_contacts_outside_hours(history, centre, source)
    result = forecast_history(history, start, days, holiday_country=centre.holiday_country,
                              holiday_subdivision=centre.holiday_subdivision, closures=list(centre.closures),
                              holidays_ignored=centre.holidays_ignored,
                              closed_weekdays=centre.closed_weekdays,
                              open_hours={q.id: q.hours for q in centre.queues if q.hours_given},
                              backtest=backtest, progress=progress, source=source)
    table = apply_opening_hours(to_interval(result.table, centre.interval_minutes, source), centre)
    return table, result.report


# Contacts of the recent weeks that arrived while centre.toml has the queue closed: above this
# share of a queue's contacts, the hours are probably not the queue's real ones.
OUTSIDE_HOURS_SHARE = 0.01
OUTSIDE_HOURS_WEEKS = 8


def open_at(queue: Queue, moments: pd.Series) -> np.ndarray:
    """``queue.is_open`` of every moment at once: a week of minutes looked up, not a Python call
    per row (the history's 489k rows took 0.4 s each time a plan read them)."""
    week = np.zeros((7, 1440), dtype=bool)
    for day, spans in enumerate(queue.hours):
        for a, b in spans:
            week[day, max(0, a):min(1440, b)] = True
    moments = pd.to_datetime(pd.Series(moments))
    return week[moments.dt.day_of_week.to_numpy(), (moments.dt.hour * 60 + moments.dt.minute).to_numpy()]


def warn_contacts_outside_hours(history: pd.DataFrame, centre: Centre, source: str = "history.csv") -> None:
    """Contacts in closed hours are neither forecast nor staffed: if a queue's recent history has
    many, say so (another bank's Saturday mornings - 30 % of its Saturday volume - were dropped
    without a word). A row counts as outside only if its whole interval is."""
    if history.empty or history["timestamp"].nunique() < 2:
        return
    from forecasts.data import infer_interval
    try:   # (the forecast's own reading of the grid; its errors are the forecast's to report)
        step = timedelta(minutes=infer_interval(history["timestamp"], source)[0])
    except InputError:
        return
    ts = pd.to_datetime(history["timestamp"])
    recent = (ts >= ts.max() - pd.Timedelta(weeks=OUTSIDE_HOURS_WEEKS)) & (history["contacts"] > 0)
    recent &= ~ts.dt.date.isin(set(centre.closures))
    for q in centre.queues:
        rows = history.index[recent & (history["queue"] == q.id)]
        if not len(rows):
            continue
        starts = ts[rows]
        closed = ~open_at(q, starts) & ~open_at(q, starts + (step - timedelta(minutes=1)))
        contacts = history.loc[rows, "contacts"].to_numpy(float)
        outside = contacts[closed].sum()
        if outside <= OUTSIDE_HOURS_SHARE * contacts.sum():
            continue
        by_day = pd.Series(contacts[closed], index=starts[closed].dt.day_name()).groupby(level=0).sum()
        worst = ", ".join(f"{d} {v:,.0f}" for d, v in by_day.sort_values(ascending=False).head(3).items())
        warn_input(InputProblem(source, f"{outside:,.0f} contacts of queue {q.id!r} in the last {OUTSIDE_HOURS_WEEKS} "
                                        f"weeks ({outside / contacts.sum():.0%}) arrived while centre.toml has it closed "
                                        f"(most on {worst}): they are neither forecast nor staffed; widen its hours "
                                        "if the queue takes them", column="timestamp"))


def require_every_queue(history: pd.DataFrame, centre: Centre, source: str = "history.csv") -> None:
    """A queue of centre.toml with no history would be forecast - and staffed - at nothing."""
    missing = [q for q in centre.queue_ids if q not in set(history["queue"])]
    if missing:
        raise InputError(InputProblem(source, f"no rows for queue(s) {', '.join(missing)} listed in centre.toml; "
                                              "add their history or remove them from centre.toml", column="queue"))


def to_interval(table: pd.DataFrame, minutes: int, source: str = "history.csv") -> pd.DataFrame:
    """The forecast on the centre's planning grid. History kept per hour for a 30-minute centre
    once left every :30 slot without demand (a roster short all day, reported as valid): a coarser
    row is split evenly over its slots (contacts divided, handle time kept, bounds widened by
    ``_split_bounds``), finer rows are summed (handle time weighted by contacts). Interval lengths
    that do not divide one another are refused."""
    if table.empty or table["timestamp"].nunique() < 2:
        return table
    from .staffing import infer_interval_minutes
    step = infer_interval_minutes(table)
    if step == minutes:
        return table
    counts = [c for c in table.columns if c.startswith("contacts")]
    ts = pd.to_datetime(table["timestamp"])
    if step % minutes == 0:
        k = step // minutes
        parts = []
        split = _split_bounds(table, k)
        for j in range(k):
            part = table.copy()
            part["timestamp"] = ts + pd.Timedelta(minutes=j * minutes)
            part[counts] = split[counts].to_numpy()
            parts.append(part)
        return pd.concat(parts).sort_values(["queue", "timestamp"]).reset_index(drop=True)
    if minutes % step == 0:
        t = table.copy()
        t["timestamp"] = ts.dt.floor(f"{minutes}min")
        has_aht = "aht_seconds" in t.columns
        if has_aht:
            known = t["aht_seconds"].notna() & (t["contacts"] > 0)
            t["_work"] = (t["aht_seconds"] * t["contacts"]).where(known, 0.0)
            t["_n"] = t["contacts"].where(known, 0.0)
        out = t.groupby(["timestamp", "queue"], sort=False, as_index=False)[
            counts + (["_work", "_n"] if has_aht else [])].sum()
        if has_aht:
            out["aht_seconds"] = (out["_work"] / out["_n"]).where(out["_n"] > 0)
            out = out.drop(columns=["_work", "_n"])
        return out.sort_values(["queue", "timestamp"]).reset_index(drop=True)
    raise InputError(InputProblem(source, f"the data come in {step}-minute intervals, which do not fit the "
                                          f"centre's {minutes}-minute planning interval (centre.toml "
                                          f"interval_minutes); use intervals that divide one another",
                                  column="timestamp"))


# The two-sided prediction levels of the forecast's bound columns, and their normal quantiles.
_BOUND_Z = {"80": 1.2816, "95": 1.9600}


def _split_bounds(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """Contacts and bounds of one of k equal parts of each row. The mean is divided by k, but the
    bounds are not: a part's count varies more than a k-th of the whole (given the whole, each
    contact falls in a part with probability 1/k: a variance of mean (k-1)/k^2 on top of the
    whole's / k^2). Dividing them, hourly history's 80 % / 95 % bounds covered 55-68 % / 70-84 % of
    the 15- and 30-minute counts. The whole's variance is read off its band (as a normal sd), and
    the part's bounds are the count quantiles of that mean and variance, as the forecast's own."""
    from forecasts.intervals import count_bounds
    counts = [c for c in table.columns if c.startswith("contacts")]
    out = table[counts].astype(float) / k
    mean = table["contacts"].astype(float).clip(lower=0).to_numpy()
    for level, z in _BOUND_Z.items():
        lo, hi = f"contacts_lo{level}", f"contacts_hi{level}"
        if lo not in table.columns or hi not in table.columns:
            continue
        sd = (table[hi].astype(float) - table[lo].astype(float)).clip(lower=0).to_numpy() / (2 * z)
        var = (sd / k) ** 2 + mean * (k - 1) / k ** 2     # (at most Poisson: count_bounds takes Poisson)
        part_lo, part_hi = count_bounds(mean / k, np.nan_to_num(var), int(level) / 100)
        given = table[lo].notna().to_numpy() & table[hi].notna().to_numpy()   # (bounds are optional)
        out[lo] = np.where(given, np.minimum(part_lo, mean / k), np.nan)
        out[hi] = np.where(given, np.maximum(part_hi, mean / k), np.nan)
    return out


def apply_opening_hours(table: pd.DataFrame, centre: Centre) -> pd.DataFrame:
    if table.empty:
        return table
    ts = pd.to_datetime(table["timestamp"])
    keep = np.zeros(len(table), dtype=bool)
    for q in centre.queues:
        rows = (table["queue"] == q.id).to_numpy()
        keep[rows] = open_at(q, ts[rows])
    if centre.closures:
        keep &= ~ts.dt.date.isin(set(centre.closures)).to_numpy()
    out = table.loc[keep].copy()
    if "aht_seconds" not in out.columns:
        out["aht_seconds"] = np.nan
    default = out["queue"].map({q.id: q.default_aht_seconds for q in centre.queues})
    out["aht_seconds"] = out["aht_seconds"].where(out["aht_seconds"].notna() & (out["aht_seconds"] > 0), default)
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# Requirements
# ------------------------------------------------------------------------------------------------
STAFFING_KEYS = {"shrinkage": "staffing.shrinkage", "model": "staffing.model"}


def centre_key(centre: Centre, column: str | None, queue: str | None) -> str | None:
    """The centre.toml key a staffing setting comes from, e.g. `queues[2].patience_seconds`."""
    if queue is None or queue not in centre.queue_ids:
        return STAFFING_KEYS.get(column, column)
    return f"queues[{centre.queue_ids.index(queue)}].{column}"


def check_staffing(targets, *, model: str, shrinkage: float,
                   source: Callable[[str | None, str | None], tuple[str, str | None]]) -> None:
    """staffing.py is a library and calls every setting it refuses 'parameters'. Check the settings
    before it runs, queue by queue, and name where each value came from: `source(column, queue)`
    gives (file, key) - centre.toml and its key, or the command line and the flag; `queue` is None
    for the centre-wide settings (model, shrinkage)."""
    from .staffing import MODELS, validate_parameters
    checks = [(None, dict(model=model, shrinkage=shrinkage))]
    checks += [(q, dict(targets={q: t}, model=model if model in MODELS else None)) for q, t in targets.items()]
    problems = []
    for queue, settings in checks:
        try:
            validate_parameters(**settings)
        except InputError as exc:
            for p in exc.problems:
                file, key = source(p.column, queue)
                if not any((q.file, q.column) == (file, key) for q in problems):   # a flag: once, not per queue
                    problems.append(InputProblem(file, p.message, column=key))
    if problems:
        raise InputError(problems)


def check_centre_staffing(centre: Centre, *, model: str | None = None, shrinkage: float | None = None,
                          targets=None) -> None:
    """check_staffing for the centre's own settings: a problem names centre.toml and its key."""
    check_staffing(targets or {q.id: q.target for q in centre.queues}, model=model or centre.staffing_model,
                   shrinkage=centre.shrinkage if shrinkage is None else shrinkage,
                   source=lambda column, queue: ("centre.toml", centre_key(centre, column, queue)))


def make_requirements(forecast: pd.DataFrame, centre: Centre, *, model: str | None = None,
                      shrinkage: float | None = None, targets=None) -> pd.DataFrame:
    """Requirements with the centre's staffing settings (a problem with them names centre.toml)."""
    from .staffing import requirements_table
    targets = targets or {q.id: q.target for q in centre.queues}
    check_centre_staffing(centre, model=model, shrinkage=shrinkage, targets=targets)
    f = forecast.copy()
    if "aht_seconds" not in f.columns:
        f["aht_seconds"] = np.nan
    default = f["queue"].map({q.id: q.default_aht_seconds for q in centre.queues})
    f["aht_seconds"] = f["aht_seconds"].where(f["aht_seconds"].notna() & (f["aht_seconds"] > 0), default)
    table = requirements_table(f, targets, shrinkage=centre.shrinkage if shrinkage is None else shrinkage,
                               model=model or centre.staffing_model, staffed_with=centre.staffed_with)
    return apply_min_agents(table, centre)


def apply_min_agents(table: pd.DataFrame, centre: Centre) -> pd.DataFrame:
    """Raise agents and staff to each queue's ``min_agents`` in its open intervals (the rows) on
    days it has forecast contacts or that are no public holiday: a holiday forecast at nothing (one
    it closes on) stays empty.
    The floor is agents on the queue, not inflated by shrinkage; the service figures stay those of
    the Erlang agents (no contacts to answer there). A guest row of a pool (``staff_with``) is
    answered by its pool, whose host row has its own floor."""
    floor = table["queue"].map({q.id: q.min_agents for q in centre.queues}).fillna(0).astype(int)
    if "pool" in table.columns:
        floor = floor.where(~((table["pool"] != "") & (table["pool"] != table["queue"])), 0)
    if table.empty or not (floor > 0).any():
        return table
    day = pd.to_datetime(table["timestamp"]).dt.date
    # A day with forecast contacts, or any day but a public holiday: a queue's new weekday (open
    # in centre.toml, never in the history) is forecast at 0 and still needs its post filled.
    holidays = centre.public_holidays(day.min(), day.max())
    busy = (table.groupby([table["queue"], day])["contacts"].transform("sum") > 0) | ~day.isin(holidays)
    lift = busy & (table["agents"] < floor)
    if lift.any():
        table = table.copy()
        table.loc[lift, "agents"] = floor[lift]
        table.loc[lift, "staff"] = np.maximum(table.loc[lift, "staff"], floor[lift])
    return table


def requirement_with_values(requirements: pd.DataFrame, centre: Centre, horizon: Horizon,
                            shrinkage: float | None = None, staff: Staff | None = None) -> Requirement:
    """The roster's demand, with a service-level value curve per interval so the engine can value
    each rostered agent by the contacts it answers within target (concave in headcount).

    With `staff`, a queue's curve stops at the most agents who could ever serve it (everybody
    trained for it): a demand far beyond the workforce (a unit mistake, a whole bank's volume
    against one team) once made curves of 100,000 points per interval - minutes of Erlang
    arithmetic and gigabytes for values no roster can reach."""
    from .staffing import concave_envelope, service_curve
    req = requirement_from_table(requirements, centre, horizon)
    if requirements.empty:
        return req
    shrink = centre.shrinkage if shrinkage is None else shrinkage
    step = horizon.interval_minutes
    start = datetime.combine(horizon.start, time())
    ts = pd.to_datetime(requirements["timestamp"])
    idx = ((ts - start).dt.total_seconds() // 60 // step).astype(int).to_numpy()
    interval_s = _interval_seconds(ts, step)
    values = []
    for qi, q in enumerate(req.queues):
        queue = centre.queue(q)
        mask = (requirements["queue"] == q).to_numpy() & (idx >= 0) & (idx < horizon.n_intervals)
        curves = [(0.0,)] * horizon.n_intervals
        if mask.any():
            sub = requirements.loc[mask]
            n_staff = max(req.staff[qi]) + 2
            trained = None if staff is None else sum(q in e.skills for e in staff.employees) + 2
            capped = trained is not None and trained < n_staff
            if capped:
                n_staff = trained
            n_agents = int(math.ceil(n_staff * (1 - shrink))) + 1
            patience = queue.target.patience_seconds if centre.staffing_model == "erlang-a" else None
            model = "erlang-a" if patience else "erlang-c"
            raw = service_curve(sub["contacts"].to_numpy(float), sub["aht_seconds"].to_numpy(float), interval_s,
                                queue.target.target_seconds, n_agents, model=model, patience_seconds=patience,
                                concave=False)
            curve_rows = concave_envelope(raw)
            # A curve cut at the workforce is still the right concave curve where the value per
            # agent, V(k) / k, peaks inside it; where it still rises at the cut (a load beyond
            # everybody trained), the true curve's slope is unknown here, so that interval gets no
            # curve: every missing agent then costs the same, as the engine does without curves.
            unknown = np.zeros(len(raw), dtype=bool)
            if capped and raw.shape[1] > 2:
                per_agent = raw[:, 1:] / np.arange(1, raw.shape[1])
                rising = (per_agent.argmax(axis=1) == per_agent.shape[1] - 1) | (raw[:, -1] <= 0)
                unknown = rising & (sub["contacts"].to_numpy(float) > 0)
            # Staff k puts k*(1-shrinkage) agents on the phones on average: interpolate the
            # (concave) agent curve there, which keeps it concave in staff.
            k = np.arange(n_staff + 1) * (1 - shrink)
            per_slot: dict[int, np.ndarray] = {}
            dropped: set[int] = set()
            for row, t, lost in zip(curve_rows, idx[mask], unknown):
                if lost:
                    dropped.add(t)
                    continue
                v = np.interp(k, np.arange(len(row)), row)
                per_slot[t] = v if t not in per_slot else per_slot[t] + v
            for t, v in per_slot.items():
                if t not in dropped:
                    curves[t] = tuple(float(x) for x in v)
        values.append(tuple(curves))
    return Requirement(horizon=req.horizon, queues=req.queues, staff=req.staff, agents=req.agents, value=tuple(values))


def _interval_seconds(ts: pd.Series, default_minutes: int) -> float:
    u = ts.drop_duplicates().sort_values()
    d = u.diff().dropna()
    d = d[d > pd.Timedelta(0)]
    return d.min().total_seconds() if len(d) else default_minutes * 60.0


# ------------------------------------------------------------------------------------------------
# The whole job
# ------------------------------------------------------------------------------------------------
def load_previous(data_dir: Path, employee_ids=None, before: date | None = None) -> list:
    """The carry-over roster. With `employee_ids`, a row for anyone else is refused: its rest and
    consecutive-day rules would otherwise bind nobody, without a word. With `before` (the first
    day planned), shifts dated on or after it are not carry-over: left out, with a warning (they
    once counted as cover beside the new week's own shifts)."""
    path = data_dir / "previous_roster.csv"
    if not present(path):
        return []
    rows = read_roster_rows(path, employee_ids=employee_ids, date_of_start=True)
    later = [r for r in rows if before is not None and r.shift.day >= before]
    if later:
        warn_input(InputProblem("previous_roster.csv", f"{len(later)} shift(s) dated on or after {before} (the first "
                                                       "day planned) are not carry-over and were left out", later[0].row))
    kept = [r for r in rows if r not in later]
    # (Two shifts of one agent at once were taken as carry-over without a word.)
    clash = one_shift_at_a_time(kept, "previous_roster.csv")
    if clash:
        raise InputError(clash)
    return [r.shift for r in kept]


@dataclass
class PlanInputs:
    """Everything a roster is solved from: the problem, and the forecast and requirements behind it."""
    problem: RosterProblem
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    forecast_report: dict = field(default_factory=dict)


def prepare_inputs(data_dir: str | Path, week: date, *, weeks: int = 1, backtest: bool = True,
                   progress: Progress | None = None, pins: list[Pin] | None = None,
                   forecast: pd.DataFrame | None = None) -> PlanInputs:
    """Read the centre folder, forecast (unless given) and size the requirement for the horizon."""
    data_dir = Path(data_dir)
    centre = load_centre_dir(data_dir)
    horizon = Horizon(week, 7 * weeks, centre.interval_minutes)
    staff = load_staff(data_dir, centre, horizon)
    previous = load_previous(data_dir, [e.id for e in staff.employees], before=week)
    check_centre_staffing(centre)     # before the forecast, which may take minutes
    report: dict = {}
    if forecast is None:
        history_path = data_dir / "history.csv"
        history = read_history(history_path, centre.queue_ids)
        last = history["timestamp"].max()
        if last.date() >= week:
            raise InputError(InputProblem(
                "history.csv", f"the history runs to {last:%Y-%m-%d}, into the week to plan ({week}); "
                f"plan a week after the history (e.g. --week {(last.date() + timedelta(days=7 - last.weekday())).isoformat()})",
                column="timestamp"))
        forecast, report = make_forecast(history, centre, week, horizon.days, backtest=backtest, progress=progress)
    else:
        forecast = to_interval(forecast, centre.interval_minutes, "forecast")
    requirements = make_requirements(forecast, centre)
    requirement = requirement_with_values(requirements, centre, horizon, staff=staff)
    problem = RosterProblem(centre, staff, requirement, previous=previous, pins=pins or [])
    return PlanInputs(problem, forecast, requirements, report)


def solve_plan(inputs: PlanInputs, options: SolveOptions) -> Plan:
    """Roster the prepared inputs and compute the plan's KPIs and explanation."""
    problem, forecast = inputs.problem, inputs.forecast
    centre, staff, requirement = problem.centre, problem.staff, problem.requirement
    roster = solve(problem, options)
    kpis = plan_kpis(roster, requirement, centre, staff, forecast, previous_given=bool(problem.previous))
    kpis["penalty_by_rule"] = roster.kpis.get("penalty_by_rule", {})
    kpis["penalty_by_queue"] = roster.kpis.get("penalty_by_queue", {})
    kpis["penalty_by_employee"] = dict(list(roster.kpis.get("penalty_by_employee", {}).items())[:20])
    kpis["solver"] = roster.kpis.get("solver", {})
    report = inputs.forecast_report
    if report:
        kpis["forecast"] = {q: {k: v for k, v in r.items() if k in ("model", "chosen", "chosen_model", "scores", "backtest")}
                            for q, r in report.get("queues", {}).items()} if isinstance(report.get("queues"), dict) else {}
    roster.kpis = kpis
    return Plan(centre, staff, forecast, inputs.requirements, requirement, roster, kpis, report)


def plan_week(data_dir: str | Path, week: date, *, weeks: int = 1, time_limit: float = 60.0, workers: int = 2,
              seed: int = 0, backtest: bool = True, progress: Progress | None = None,
              solver_progress: Callable[[float, float, float], None] | None = None,
              pins: list[Pin] | None = None, forecast: pd.DataFrame | None = None,
              deterministic: bool = False) -> Plan:
    inputs = prepare_inputs(data_dir, week, weeks=weeks, backtest=backtest, progress=progress, pins=pins,
                            forecast=forecast)
    return solve_plan(inputs, SolveOptions(time_limit=time_limit, workers=workers, seed=seed,
                                           progress=solver_progress, deterministic=deterministic))


PLAN_FILES = ("roster.csv", "assignments.csv", "employee_summary.csv", "coverage.csv", "kpis.json", "forecast.csv",
              "requirements.csv")


def write_plan(plan: Plan, out_dir: str | Path, *, calendars: bool = False, xlsx: bool = False,
               extra: dict | None = None) -> dict[str, Path]:
    """Write the plan's files all-or-nothing (a failure leaves earlier outputs untouched), with
    ``extra`` files (name -> writer of a path; a re-plan's changes.csv and absences.csv).

    Always: roster.csv, assignments.csv (what the validator re-reads), employee_summary.csv,
    coverage.csv, kpis.json, forecast.csv, requirements.csv. On request: roster.xlsx (every table as
    a sheet; needs openpyxl) and calendars/<employee>.ics (one iCalendar file per rostered employee)."""
    from .export import employee_calendars, employee_summary, workbook_bytes
    roster_df, assign_df = roster_frames(plan.roster, plan.staff)
    summary = employee_summary(plan.roster, plan.staff, plan.centre)
    coverage = coverage_table(plan.roster, plan.requirement)
    coverage["timestamp"] = coverage["timestamp"].map(lambda m: m.strftime("%Y-%m-%dT%H:%M"))
    fc = plan.forecast.copy()
    rq = plan.requirements.copy()
    files = {
        "roster.csv": lambda p: roster_df.to_csv(p, index=False),
        "assignments.csv": lambda p: assign_df.to_csv(p, index=False),
        "employee_summary.csv": lambda p: summary.to_csv(p, index=False),
        "coverage.csv": lambda p: coverage.to_csv(p, index=False),
        "kpis.json": lambda p: _dump_json(plan.kpis, p),
        "forecast.csv": lambda p: fc.to_csv(p, index=False, float_format="%.4g", date_format="%Y-%m-%d %H:%M"),
        "requirements.csv": lambda p: rq.to_csv(p, index=False, float_format="%.4g", date_format="%Y-%m-%d %H:%M"),
    }
    if xlsx:
        book = workbook_bytes({"roster": roster_df, "employee summary": summary, "coverage": coverage,
                               "assignments": assign_df})
        files["roster.xlsx"] = lambda p: p.write_bytes(book)
    written = {name: Path(out_dir) / name for name in files}
    if calendars:
        texts = employee_calendars(plan.roster, plan.staff, plan.centre)
        names = calendar_names(texts)
        for emp, text in texts.items():
            name = f"calendars/{names[emp]}.ics"
            files[name] = (lambda t: lambda p: p.write_bytes(t.encode("utf-8")))(text)
            written[name] = Path(out_dir) / name
    for name, writer in (extra or {}).items():
        files[name] = writer
        written[name] = Path(out_dir) / name
    assert set(PLAN_FILES) <= set(files)
    write_outputs(files, out_dir)
    return written


def calendar_names(ids) -> dict[str, str]:
    """A distinct file name per employee id: ids that read the same once made safe ('A/1', 'A_1',
    'A 1') get a short digest of the id (one calendar once held all three, two silently lost)."""
    import hashlib
    from collections import Counter
    safe = {e: _safe_name(e) for e in ids}
    count = Counter(name.lower() for name in safe.values())     # (case-insensitive file systems too)
    return {e: name if count[name.lower()] == 1 else f"{name}-{hashlib.sha1(e.encode()).hexdigest()[:8]}"
            for e, name in safe.items()}


def _safe_name(text: str) -> str:
    """A file name from an employee id (ids come from user files: no path separators survive)."""
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).lstrip(".")
    return keep or "employee"


def _dump_json(obj, path: Path) -> None:
    import json
    path.write_text(json.dumps(obj, indent=2, default=str) + "\n")


# A gap above this is no measure of quality: say what to do (whatif says the same in its notes).
UNKNOWN_QUALITY_GAP = 0.5


def _gap_note(solver: dict) -> str:
    """What a supervisor should make of a large gap: a 20-s plan of two weeks showed 'bound 0.0
    gap 100%' and nothing else, while the roster was far from what a longer run finds."""
    if solver.get("status") == "OPTIMAL" or (solver.get("gap") or 0) < UNKNOWN_QUALITY_GAP:
        return ""
    if not solver.get("bound"):
        return ("  note: no lower bound in this time, so how far this roster is from the best is unknown; "
                "a longer --time-limit (e.g. 120 s a week) gives one and usually a better roster")
    return ("  note: the roster may be far from the best (large gap); a longer --time-limit usually "
            "closes some of it")


def summary_lines(plan: Plan) -> list[str]:
    k = plan.kpis
    s = k.get("solver", {})
    lines = [f"Roster {k['horizon']['start']} (+{k['horizon']['days']} days): {k['totals']['shifts']} shifts, "
             f"{k['totals']['employees_working']} employees, {k['totals']['paid_hours']} paid hours",
             f"Solver: {s.get('status')} objective {s.get('objective')} bound {s.get('bound')} "
             f"gap {100 * (s.get('gap') or 0):.1f}% in {s.get('total_seconds', s.get('solve_seconds'))} s"]
    note = _gap_note(s)
    if note:
        lines.insert(2, note)
    # Columns as wide as their widest figure, a space apart: a demand of millions of agent-hours
    # ran its figures together ('1039.03248283.5').
    header = ("queue", "required h", "scheduled h", "under h", "over h", "met %", "exp. SL")
    rows = [(q, f"{v['required_staff_hours']}", f"{v['scheduled_staff_hours']}", f"{v['under_staffed_hours']}",
             f"{v['over_staffed_hours']}", f"{100 * v['intervals_meeting_requirement']:.1f}",
             "" if v.get("expected_service_level") is None else f"{v['expected_service_level']:.3f}")
            for q, v in k["queues"].items()]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    widths[0] = max(widths[0], 13)
    for row in (header, *rows):
        lines.append(" ".join(f"{c:<{widths[0]}}" if i == 0 else f"{c:>{widths[i]}}" for i, c in enumerate(row)))
    sf = k.get("shortfall", {})
    if sf.get("intervals"):
        worst = ", ".join(f"{w['queue']} {w['timestamp'][5:].replace('T', ' ')} ({w['scheduled']}/{w['required']})" for w in sf["worst"][:3])
        lines.append(f"Short of demand: {sf['agent_hours']} agent-hours over {sf['intervals']} interval-queues; worst: {worst}")
        early = sf.get("before_first_shift", {})
        if early.get("agent_hours"):
            until = datetime.fromisoformat(early["until"])
            then = ("previous_roster.csv's are counted, and fall short there" if early.get("previous_roster")
                    else "give last week's roster.csv as previous_roster.csv")
            lines.append(f"  {early['agent_hours']} agent-hours of it before {until:%H:%M} on {until:%a %m-%d}, the first start "
                         f"of any shift this week: only last week's shifts running past midnight cover them ({then})")
    lines += [f"  {clock_change_text(change)}" for change in k.get("clock_changes", [])]
    lines.append("Penalty by rule: " + ", ".join(f"{r} {v:g}" for r, v in k.get("penalty_by_rule", {}).items()))
    unavoidable = {q: v for q, v in k.get("solver", {}).get("lp_bound_by_queue", {}).items() if v > 0}
    if unavoidable:
        lines.append("Unavoidable even in the best roster (LP bound): "
                     + ", ".join(f"{q} {v:g}" for q, v in unavoidable.items()))
    p = k["preferences"]
    lines.append(f"Preferences granted: {p['granted']}/{p['wishes']}; fairness: nights max-min "
                 f"{k['fairness']['nights_max_minus_min']}, weekends max-min {k['fairness']['weekends_max_minus_min']}")
    return lines
