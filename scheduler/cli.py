"""`python -m scheduler <command>`: a thin shell over scheduler.pipeline.

Exit codes: 0 success; 1 validation found rule violations (validate) or an internal error;
2 bad input (file, row, column - or TOML key - and what was expected are printed; nothing is written);
3 no roster satisfies the hard rules; 130 interrupted (earlier outputs left intact).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import unicodedata
import time
import warnings
from datetime import date
from pathlib import Path

from .domain import FIRST_YEAR, LAST_YEAR, MAX_AHT_SECONDS, MIN_OCCUPANCY_CAP, plausible_date
from .errors import InfeasibleError, InputError, InputProblem, InputWarning


def _date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None
    if not plausible_date(day):
        raise argparse.ArgumentTypeError(f"expected a date in the years {FIRST_YEAR}-{LAST_YEAR}, got {text!r}")
    return day


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        # (nan passed 'value <= 0' and reached kpis.json as NaN, which is not JSON.)
        if not value > 0 or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value
    return parse


def _in_range(kind, low, high, what: str):
    """A number low <= x <= high (finite)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what} {low:.10g}..{high:.10g}, got {text!r}")
        return value
    return parse


# The solvers' own limits: a seed is a 32-bit integer ('--seed 2147483648' was an internal error),
# and a time limit past a week overflowed the LP's millisecond timer ('--time-limit 1e300').
SEED = _in_range(int, 0, 2**31 - 1, "a seed")
TIME_LIMIT = _in_range(float, 0.01, 7 * 86400, "solver seconds")


def _interval_minutes(text: str) -> int:
    from .domain import INTERVAL_EXPECT, INTERVAL_MINUTES
    try:
        value = int(text)
    except ValueError:
        value = None
    if value not in INTERVAL_MINUTES:
        raise argparse.ArgumentTypeError(f"expected {INTERVAL_EXPECT}, got {text!r}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share 0 < x <= 1, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share 0 < x <= 1, got {text!r}")
    return value


class ProgressBar:
    """A one-line progress bar on stderr (only redrawn on a terminal; logged otherwise)."""

    def __init__(self, label: str):
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int, message: str = "") -> None:
        pct = int(100 * done / total) if total else 100
        if self.tty:
            bar = "#" * (pct // 4) + "-" * (25 - pct // 4)
            sys.stderr.write(f"\r{self.label} [{bar}] {pct:3d}% {message[:40]:<40}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif pct // 10 != self.last // 10 or done >= total:
            print(f"{self.label}: {pct}% {message}", file=sys.stderr, flush=True)
        self.last = pct


class SolverProgress:
    """Objective and bound as the solver works: at most one line a second, so logs stay readable."""

    def __init__(self):
        self.last = -1e9

    def __call__(self, seconds: float, objective: float, bound: float) -> None:
        if seconds - self.last < 1.0:
            return
        self.last = seconds
        gap = 0.0 if abs(objective) < 1e-9 else max(0.0, (objective - max(bound, 0.0)) / abs(objective))
        print(f"  solver {seconds:7.1f}s  objective {objective:12.1f}  bound {max(bound, 0.0):12.1f}  gap {100 * gap:5.1f}%",
              file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
def cmd_forecast(args) -> int:
    from .config import load_centre
    from .io import read_history, write_csv, write_json
    from .pipeline import make_forecast
    from forecasts import forecast_history
    from forecasts.data import LEFT_OUT, listed_count
    centre = load_centre(args.config) if args.config else None
    history = read_history(args.history, centre.queue_ids if centre else None)
    if centre is not None:
        table, report = make_forecast(history, centre, args.start, args.days, backtest=not args.no_backtest,
                                      progress=ProgressBar("backtest" if not args.no_backtest else "forecast"), source=Path(args.history).name)
    else:
        result = forecast_history(history, args.start, args.days, holiday_country=args.holidays,
                                  backtest=not args.no_backtest, progress=ProgressBar("backtest" if not args.no_backtest else "forecast"),
                                  source=Path(args.history).name)
        table, report = result.table, result.report
    write_csv(table, args.out)
    if args.report:
        write_json(report, args.report)
    print(f"wrote {args.out}: {len(table)} rows, {table['queue'].nunique() if len(table) else 0} queues")
    for q, r in (report.get("queues") or {}).items():
        if isinstance(r, dict):
            chosen = r.get("chosen") or r.get("model") or r.get("chosen_model")
            # What the cleaning left out, said where it is seen (it was in the report only).
            data = r.get("data") or {}
            out = [f"{listed_count(data[key])} {word} day(s)" for key, word in LEFT_OUT if data.get(key)]
            print(f"  {q}: model {chosen}" + (f" (left out: {', '.join(out)})" if out else ""))
    return 0


# Staffing settings `requirements` takes as flags (staffing.py's names -> the flag).
STAFFING_FLAGS = {"service_level": "--service-level", "target_seconds": "--target-seconds",
                  "max_occupancy": "--max-occupancy", "patience_seconds": "--patience-seconds",
                  "shrinkage": "--shrinkage", "model": "--model"}


def _forecast_interval(forecast, path, centre) -> int:
    """The interval length of the forecast's timestamps, on the grid a centre plans on (staffing.py
    infers it too, but names the file 'forecast' and takes any gap, 7 minutes included)."""
    from .domain import INTERVAL_EXPECT, INTERVAL_MINUTES
    from .staffing import infer_interval_minutes, queue_steps
    if forecast.groupby("queue")["timestamp"].nunique().max() < 2:
        if centre is not None:
            return centre.interval_minutes     # one row per queue: nothing to infer the interval from
        raise InputError(InputProblem(str(path), "cannot infer the interval length: no queue has two distinct "
                                                 "timestamps; give --interval-minutes or --config", column="timestamp"))
    try:
        minutes = infer_interval_minutes(forecast)
    except InputError as exc:
        raise InputError([InputProblem(str(path), p.message, p.row, p.column) for p in exc.problems]) from None
    if minutes not in INTERVAL_MINUTES:
        raise InputError(InputProblem(str(path), f"the timestamps are {minutes} minutes apart; expected "
                                                 f"{INTERVAL_EXPECT}", column="timestamp"))
    # One grid for the file: a queue of hourly counts beside 15-minute ones was staffed as if its
    # hour's contacts came in 15 minutes (4x its load: 36 agents for 100 contacts of 180 s). A queue
    # whose rows are further apart than an hour is open a few intervals a day (closed hours may be
    # absent), not on a grid of its own.
    coarser = {q: int(own) for q, (own, stamps) in queue_steps(forecast).items() if stamps >= 4 and minutes < own <= 60}
    if coarser:
        listed = ", ".join(f"{q} at least {m} minutes apart" for q, m in coarser.items())
        raise InputError(InputProblem(str(path), f"queues on different grids: the file's smallest gap is {minutes} "
                                                 f"minutes, {listed}; their contacts would be read as {minutes}-"
                                                 "minute counts. Put every queue on one grid (one file per grid), "
                                                 "or give --interval-minutes if they really are "
                                                 f"{minutes}-minute counts", column="timestamp"))
    return minutes


def cmd_requirements(args) -> int:
    from dataclasses import replace
    from .config import load_centre
    from .domain import ServiceTarget
    from .io import read_forecast, write_csv
    from .pipeline import centre_key, check_staffing
    from .staffing import requirements_table
    centre = load_centre(args.config) if args.config else None
    forecast = read_forecast(args.forecast, centre.queue_ids if centre else None)
    overrides = {k: getattr(args, k) for k in ("service_level", "target_seconds", "max_occupancy", "patience_seconds")
                 if getattr(args, k) is not None}
    if centre is None:
        missing = [f"--{k.replace('_', '-')}" for k in ("service_level", "target_seconds", "shrinkage")
                   if getattr(args, k) is None]
        if missing:
            raise InputError(InputProblem("command line", "without --config, give every target: missing " + ", ".join(missing)))
        targets = {q: ServiceTarget(**{"max_occupancy": 1.0, **overrides}) for q in forecast["queue"].unique()}
        defaults = {}
    else:
        targets = {q.id: replace(q.target, **overrides) for q in centre.queues}
        defaults = {q.id: q.default_aht_seconds for q in centre.queues}
    if forecast["aht_seconds"].isna().any():
        if args.aht_seconds:
            forecast["aht_seconds"] = forecast["aht_seconds"].fillna(args.aht_seconds)
        elif defaults:
            forecast["aht_seconds"] = forecast["aht_seconds"].fillna(forecast["queue"].map(defaults))
        if forecast["aht_seconds"].isna().any() and (forecast.loc[forecast["aht_seconds"].isna(), "contacts"] > 0).any():
            raise InputError(InputProblem(str(args.forecast), "handle time missing: give an aht_seconds column, --aht-seconds or --config", column="aht_seconds"))
        forecast["aht_seconds"] = forecast["aht_seconds"].fillna(0)
    shrinkage = args.shrinkage if args.shrinkage is not None else centre.shrinkage
    model = args.model or (centre.staffing_model if centre else "erlang-c")

    def source(column, queue):
        # A flag overrides centre.toml; without --config every setting is a flag.
        flag = STAFFING_FLAGS.get(column)
        if centre is None or (flag and getattr(args, column) is not None):
            return "command line", flag or column
        return str(args.config), centre_key(centre, column, queue)
    check_staffing(targets, model=model, shrinkage=shrinkage, source=source)
    interval = args.interval_minutes
    if interval is None and len(forecast):
        interval = _forecast_interval(forecast, args.forecast, centre)
    table = requirements_table(forecast, targets, shrinkage=shrinkage, model=model, interval_minutes=interval,
                               staffed_with=centre.staffed_with if centre else None)
    if centre is not None:
        from .pipeline import apply_min_agents
        table = apply_min_agents(table, centre)
    write_csv(table, args.out)
    print(f"wrote {args.out}: {len(table)} rows; peak staff per queue: "
          + ", ".join(f"{q} {int(v)}" for q, v in table.groupby("queue")["staff"].max().items()))
    return 0


def cmd_plan(args) -> int:
    from .pipeline import plan_week, summary_lines, write_plan
    started = time.monotonic()
    print(f"planning {args.data} for the week of {args.week} ...", file=sys.stderr)
    if args.weeks > 1 and args.time_limit is not None and args.time_limit < SHORT_SHARE * SECONDS_PER_WEEK * args.weeks:
        # (4 weeks in 60 s: the first roster took 36 s, the search after it 1.5 s - 240 h short on
        # one queue while another was 1,440 h over, and no bound.)
        print(f"warning: {args.time_limit:g} s for {args.weeks} weeks (the default is "
              f"{SECONDS_PER_WEEK * args.weeks:g} s): finding a first roster may take most of it, leaving "
              "little to improve it", file=sys.stderr)
    plan = plan_week(args.data, args.week, weeks=args.weeks, time_limit=plan_time_limit(args), workers=args.workers,
                     seed=args.seed, backtest=not args.no_backtest, progress=ProgressBar("forecast"),
                     solver_progress=SolverProgress(), deterministic=args.deterministic)
    written = write_plan(plan, args.out, calendars=args.ics, xlsx=args.xlsx)
    # Trust, but verify: the independent validator re-reads what was just written.
    from .validate import validate_files
    violations = validate_files(args.data, written["roster.csv"], written["assignments.csv"], week=args.week, days=7 * args.weeks)
    for line in summary_lines(plan):
        print(line)
    print(f"wrote {', '.join(sorted(p.name for p in written.values()))} to {args.out} in {time.monotonic() - started:.0f} s")
    return _report_validation(violations)


# Solver seconds per week planned when --time-limit is not given: a two-week plan in the one-week
# default's time was three times worse per week (a trial: 47.9k against 15.1k).
SECONDS_PER_WEEK = 60.0


# A multi-week plan given less than this share of the default time gets a warning.
SHORT_SHARE = 0.5


def plan_time_limit(args) -> float:
    return args.time_limit if args.time_limit is not None else SECONDS_PER_WEEK * args.weeks


def _report_validation(violations) -> int:
    """What was written is re-read by the independent validator; say what it found."""
    if violations:
        print(f"VALIDATION FAILED: {len(violations)} violation(s)", file=sys.stderr)
        for v in violations[:50]:
            print(f"  {v}", file=sys.stderr)
        return 1
    print("validated: every hard rule holds")
    return 0


def cmd_replan(args) -> int:
    from .io import CSV_FORMAT
    from .pipeline import summary_lines, write_plan
    from .replan import absences_table, changes_table, replan
    from .validate import validate_files
    plan, changes = replan(args.data, args.roster, absent=args.absent or [], start=args.start, end=args.end,
                           demand_factor=args.demand_factor, requirements_path=args.requirements,
                           time_limit=args.time_limit, workers=args.workers, seed=args.seed,
                           progress=SolverProgress())
    changed, absences = changes_table(changes), absences_table(plan)
    # (One all-or-nothing write: changes.csv written after the roster files once failed alone.)
    written = write_plan(plan, args.out, calendars=args.ics, xlsx=args.xlsx,
                         extra={"changes.csv": lambda p: changed.to_csv(p, index=False, **CSV_FORMAT),
                                "absences.csv": lambda p: absences.to_csv(p, index=False, **CSV_FORMAT)})
    for line in summary_lines(plan):
        print(line)
    print(f"{len(changes)} changed employee-day(s) (shift, break or queues):")
    for c in changes:
        print(f"  {c}")
    violations = validate_files(args.data, written["roster.csv"], written["assignments.csv"],
                                week=plan.requirement.horizon.start, days=plan.requirement.horizon.days,
                                extra_time_off=Path(args.out) / "absences.csv", worked_before=args.start,
                                published_path=args.roster)
    return _report_validation(violations)


def cmd_whatif(args) -> int:
    from .config import load_centre
    from .io import atomic_path, check_output_files, write_csv
    from .pipeline import PLAN_FILES, write_plan
    from .whatif import comparison_markdown, load_scenarios, run_whatif
    centre = load_centre(Path(args.data) / "centre.toml")
    scenarios = load_scenarios(args.scenarios, centre)
    table, plans = run_whatif(args.data, args.week, scenarios, time_limit=args.time_limit, workers=args.workers,
                              seed=args.seed, backtest=not args.no_backtest, jobs=args.jobs,
                              progress=ProgressBar("scenarios"))
    # Every place checked before anything is written (base/ was left behind by a later failure).
    check_output_files([Path(args.out) / name / f for name in plans for f in PLAN_FILES] +
                       [Path(args.out) / "comparison.csv", Path(args.out) / "comparison.md"])
    for name, plan in plans.items():
        write_plan(plan, Path(args.out) / name)
    write_csv(table, Path(args.out) / "comparison.csv")
    md = comparison_markdown(table)
    with atomic_path(Path(args.out) / "comparison.md") as tmp:
        tmp.write_text(md + "\n")
    print(md)
    for r in table[table["outcome"] != "roster"].itertuples():
        print(f"scenario {r.scenario!r}: {r.notes}", file=sys.stderr)
    # Every scenario's roster checked against that scenario's own rules and staff (as plan does).
    broken = {name: plan.kpis.get("violations", []) for name, plan in plans.items() if plan.kpis.get("violations")}
    for name, violations in broken.items():
        print(f"VALIDATION FAILED for scenario {name!r}: {len(violations)} violation(s)", file=sys.stderr)
        for v in violations[:20]:
            print(f"  {v}", file=sys.stderr)
    if not broken:
        print(f"validated: every hard rule holds in all {len(plans)} rosters")
        # (A scenario without a roster is an answer of the what-if, in the comparison: exit 0.)
    return 1 if broken else 0


def cmd_sweep(args) -> int:
    from .config import load_centre
    from .io import atomic_path, markdown_table, write_csv
    from .pipeline import prepare_inputs
    from .roster import SolveOptions
    from .sweep import staffing_sweep
    from .whatif import Hire
    import pandas as pd
    centre = load_centre(Path(args.data) / "centre.toml")
    skills = frozenset(s.strip() for s in args.skills.split("+") if s.strip())
    unknown = sorted(skills - set(centre.queue_ids))
    if not skills or unknown:
        raise InputError(InputProblem("--skills", f"unknown queue(s) {', '.join(unknown) or '(none given)'}; "
                                      f"expected queue ids joined by '+' from {', '.join(centre.queue_ids)}"))
    if args.min_hours > args.max_hours:
        raise InputError(InputProblem("--min-hours", f"{args.min_hours} is above --max-hours {args.max_hours}"))
    # Hires who can work no shift add nothing: the sweep once added ten and reported the
    # shortfall without saying why (--max-hours 2 with shifts of 4 paid hours or more).
    shortest = min(s.paid_hours for s in centre.shifts)
    if args.max_hours < shortest:
        raise InputError(InputProblem("--max-hours", f"{args.max_hours:g} h a week is less than any shift: the shortest "
                                      f"pays {shortest:g} h, so such hires could work none"))
    inputs = prepare_inputs(args.data, args.week, backtest=not args.no_backtest, progress=ProgressBar("forecast"))
    profile = Hire(skills, 1, args.min_hours, args.max_hours, args.max_days, args.nights)

    def shown(step) -> None:
        print(f"  {step.hires:>3} hire(s): {step.under_staffed_hours:>7} agent-h short, "
              f"{step.short_intervals} interval-queue cells short ({100 * step.share_meeting:.1f}% met)"
              f"{'  <- meets the requirement' if step.meets_target else ''}", file=sys.stderr)

    result = staffing_sweep(inputs.problem, profile, max_hires=args.max_hires, min_share=args.min_share,
                            options=SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=args.seed),
                            progress=shown)
    table = pd.DataFrame([vars(s) for s in result.steps])
    write_csv(table, Path(args.out) / "sweep.csv")
    with atomic_path(Path(args.out) / "sweep.md") as tmp:
        tmp.write_text(f"Capacity lower bound: {result.lower_bound} hire(s)\n\n{markdown_table(table)}\n\n"
                       f"{result.summary()}\n")
    print(result.summary())
    return 0


def _datetime(text: str):
    """A moment on the centre's clock: a time-zone offset is dropped, the clock time kept (as the
    files' readers do; '--from 2026-12-01T08:00+01:00' once ended in an internal error)."""
    from datetime import datetime
    from .io import TIME_ZONE_OFFSET
    try:
        moment = datetime.fromisoformat(TIME_ZONE_OFFSET.sub(r"\1", text.strip())).replace(tzinfo=None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date-time like 2026-12-02T08:00, got {text!r}") from None
    if not plausible_date(moment.date()):
        raise argparse.ArgumentTypeError(f"expected a date-time in the years {FIRST_YEAR}-{LAST_YEAR}, got {text!r}")
    return moment


def cmd_validate(args) -> int:
    from .validate import validate_files
    violations = validate_files(args.data, args.roster, args.assignments, week=args.week, days=args.days,
                                extra_time_off=args.time_off, worked_before=args.worked_before,
                                published_path=args.published)
    if not violations:
        print(f"{args.roster}: every hard rule holds")
        return 0
    print(f"{args.roster}: {len(violations)} violation(s)")
    for v in violations:
        print(f"  {v}")
    return 1


def _export_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ics", action="store_true", help="also write calendars/<employee>.ics (iCalendar)")
    parser.add_argument("--xlsx", action="store_true", help="also write roster.xlsx (needs openpyxl)")


def _check_export_flags(args) -> None:
    from .export import xlsx_available
    if getattr(args, "xlsx", False) and not xlsx_available():
        raise InputError(InputProblem("--xlsx", "the .xlsx export needs the openpyxl package: pip install openpyxl"))


FOLDER_OUTPUTS = {"plan", "replan", "whatif", "sweep"}   # --out is a folder; elsewhere a file


def _check_output_paths(args) -> None:
    """Refuse an output path of the wrong kind before any work: it once failed only after the
    forecast and solve (~30 s), or after the forecast file was already written."""
    from .io import file_in_the_way
    folder = args.command in FOLDER_OUTPUTS
    for option in ("out", "report"):
        path = getattr(args, option, None)
        if path is None:
            continue
        # (A path under a file - employees.csv/report.json - failed only after the forecast was
        # written beside it, saying 'File exists'.)
        above = file_in_the_way(path)
        if above is not None:
            raise InputError(InputProblem(str(path), f"is inside {above}, which is a file, not a folder",
                                          column=f"--{option}"))
        if not Path(path).exists():
            continue
        if folder and option == "out" and not Path(path).is_dir():
            raise InputError(InputProblem(str(path), "is a file; --out expects a folder for the output files",
                                          column="--out"))
        if not (folder and option == "out") and Path(path).is_dir():
            raise InputError(InputProblem(str(path), f"is a folder; --{option} expects a file name", column=f"--{option}"))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scheduler", description="Forecast, staff and roster a contact centre.")
    sub = p.add_subparsers(dest="command", required=True)

    f = sub.add_parser("forecast", help="forecast contacts and handle time per interval and queue")
    f.add_argument("--history", required=True, type=Path)
    f.add_argument("--start", required=True, type=_date)
    f.add_argument("--days", type=_in_range(int, 1, 3660, "days"), default=7)
    f.add_argument("--out", required=True, type=Path)
    f.add_argument("--config", type=Path, help="centre.toml: queue ids, opening hours, holidays")
    f.add_argument("--holidays", help="holiday country code when no --config is given (e.g. GB)")
    f.add_argument("--report", type=Path, help="write the model-selection report (JSON) here")
    f.add_argument("--no-backtest", action="store_true", help="skip model selection (faster)")
    f.set_defaults(run=cmd_forecast)

    r = sub.add_parser("requirements", help="agents needed per interval and queue (Erlang C/A)")
    r.add_argument("--forecast", required=True, type=Path)
    r.add_argument("--config", type=Path)
    r.add_argument("--out", required=True, type=Path)
    r.add_argument("--service-level", type=float)
    r.add_argument("--target-seconds", type=float)
    r.add_argument("--max-occupancy", type=_in_range(float, MIN_OCCUPANCY_CAP, 1, "an occupancy cap"))
    r.add_argument("--shrinkage", type=float)
    r.add_argument("--patience-seconds", type=float)
    r.add_argument("--aht-seconds", type=_in_range(float, 0.001, MAX_AHT_SECONDS, "a handle time in seconds"),
                   help="handle time where the forecast has none")
    r.add_argument("--model", choices=["erlang-c", "erlang-a"])
    r.add_argument("--interval-minutes", type=_interval_minutes,
                   help="interval length: 5, 10, 15, 20, 30, 60 or whole hours dividing a day (default: from the timestamps)")
    r.set_defaults(run=cmd_requirements)

    pl = sub.add_parser("plan", help="forecast -> requirements -> roster for a centre folder")
    pl.add_argument("--data", required=True, type=Path)
    pl.add_argument("--week", required=True, type=_date, help="first day of the plan (usually a Monday)")
    pl.add_argument("--weeks", type=_in_range(int, 1, 52, "weeks"), default=1)
    pl.add_argument("--out", required=True, type=Path)
    pl.add_argument("--time-limit", type=TIME_LIMIT, default=None,
                    help=f"solver seconds (default {SECONDS_PER_WEEK:g} per week planned)")
    pl.add_argument("--workers", type=_positive(int), default=2)
    pl.add_argument("--seed", type=SEED, default=0)
    pl.add_argument("--no-backtest", action="store_true", help="skip forecast model selection (faster)")
    pl.add_argument("--deterministic", action="store_true",
                    help="the same roster for the same inputs, --seed and --workers on any machine: the limit "
                         "is the solver's own deterministic time (wall time varies with the machine's load); "
                         "without it a time-limited search depends on how fast the machine ran")
    _export_flags(pl)
    pl.set_defaults(run=cmd_plan)

    v = sub.add_parser("validate", help="check an exported roster against every hard rule")
    v.add_argument("--data", required=True, type=Path)
    v.add_argument("--roster", required=True, type=Path)
    v.add_argument("--assignments", type=Path)
    v.add_argument("--week", type=_date, help="first day of the horizon (default: the roster's first day)")
    v.add_argument("--days", type=_in_range(int, 1, 3660, "days"))
    v.add_argument("--time-off", type=Path, help="extra time off (e.g. a re-plan's absences.csv)")
    v.add_argument("--worked-before", type=_datetime, metavar="DATETIME",
                   help="shifts and queues before this moment are a record of what was worked (a re-plan's "
                        "--from): opening hours, availability, nights and skills as they are now are not "
                        "checked for them; rest, runs of days and weekly hours are. Give --published too "
                        "(the roster re-planned; kpis.json replanned_roster names it)")
    v.add_argument("--published", type=Path, metavar="FILE",
                   help="with --worked-before: the roster that was re-planned; every shift before the moment "
                        "must be one of its shifts (a re-plan adds no work to the past), and a day of leave on "
                        "which it had a shift credits that shift's hours to the contract minimum")
    v.set_defaults(run=cmd_validate)

    rp = sub.add_parser("replan", help="re-plan the rest of a roster after an absence or a demand surge")
    rp.add_argument("--data", required=True, type=Path)
    rp.add_argument("--roster", required=True, type=Path, help="the published roster.csv")
    rp.add_argument("--absent", action="append", type=lambda s: unicodedata.normalize("NFC", s),
                    help="employee id (repeat for several)")
    rp.add_argument("--from", dest="start", required=True, type=_datetime, help="when the change starts")
    rp.add_argument("--to", dest="end", type=_datetime, help="when the absence ends (default: end of horizon)")
    # (Capped as a scenario's multipliers are: 1e12 failed later as 'parameters: ... agents'.)
    rp.add_argument("--demand-factor", type=_in_range(float, 1e-6, 100.0, "a demand multiplier"), default=1.0,
                    help="demand multiplier from --from on (up to 100)")
    rp.add_argument("--requirements", type=Path, help="requirements.csv (default: beside the roster)")
    rp.add_argument("--out", required=True, type=Path)
    rp.add_argument("--time-limit", type=TIME_LIMIT, default=60.0)
    rp.add_argument("--workers", type=_positive(int), default=2)
    rp.add_argument("--seed", type=SEED, default=0)
    _export_flags(rp)
    rp.set_defaults(run=cmd_replan)

    w = sub.add_parser("whatif", help="run the base plan and what-if scenarios and compare them")
    w.add_argument("--data", required=True, type=Path)
    w.add_argument("--week", required=True, type=_date)
    w.add_argument("--scenarios", required=True, type=Path, help="scenarios.toml")
    w.add_argument("--out", required=True, type=Path)
    w.add_argument("--time-limit", type=TIME_LIMIT, default=60.0, help="solver seconds per scenario")
    w.add_argument("--workers", type=_positive(int), default=2)
    w.add_argument("--seed", type=SEED, default=0)
    w.add_argument("--no-backtest", action="store_true")
    w.add_argument("--jobs", type=_positive(int),
                   help="scenarios solved at once in separate processes (default: cores / workers)")
    w.set_defaults(run=cmd_whatif)

    sw = sub.add_parser("sweep", help="how many hires with a skill set meet the requirement in every interval")
    sw.add_argument("--data", required=True, type=Path)
    sw.add_argument("--week", required=True, type=_date)
    sw.add_argument("--skills", required=True, help="queue ids joined by '+', e.g. deposits+cards")
    # (The same ranges as employees.csv and a scenario's hire.)
    sw.add_argument("--min-hours", type=_in_range(float, 0, 168, "weekly hours"), default=0.0,
                    help="hire's weekly contracted minimum")
    sw.add_argument("--max-hours", type=_in_range(float, 0.5, 168, "weekly hours"), default=40.0)
    sw.add_argument("--max-days", type=_in_range(int, 1, 7, "days a week"), default=5)
    sw.add_argument("--nights", action="store_true", help="hires may work nights")
    sw.add_argument("--max-hires", type=_positive(int), default=10)
    sw.add_argument("--min-share", type=_share, default=1.0,
                    help="share of interval-queue cells to staff to requirement (default 1 = every one)")
    sw.add_argument("--out", required=True, type=Path)
    sw.add_argument("--time-limit", type=TIME_LIMIT, default=30.0, help="solver seconds per headcount")
    sw.add_argument("--workers", type=_positive(int), default=2)
    sw.add_argument("--seed", type=SEED, default=0)
    sw.add_argument("--no-backtest", action="store_true")
    sw.set_defaults(run=cmd_sweep)
    return p


def _show_warning(default):
    """Accepted but suspicious input (InputWarning) is one `warning:` line on stderr, like the
    `error:` lines, once per run even when the file is read again (the validator re-reads
    centre.toml); other warnings are shown as Python shows them."""
    said: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, InputWarning):
            if str(message) not in said:
                said.add(str(message))
                print(f"warning: {message}", file=sys.stderr, flush=True)
        else:
            default(message, category, filename, lineno, file, line)
    return show


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", InputWarning)      # every queue, every run: not once per process
        warnings.showwarning = _show_warning(warnings.showwarning)
        return _run(args)


def _run(args) -> int:
    try:
        _check_export_flags(args)
        _check_output_paths(args)
        return args.run(args)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except InfeasibleError as exc:
        print(f"{exc.said}: {exc}", file=sys.stderr)
        for line in exc.explanation:
            print(f"  {line}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted: earlier outputs were left as they were", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for users; SCHEDULER_DEBUG=1 shows it
        if os.environ.get("SCHEDULER_DEBUG"):
            raise
        if isinstance(exc, OSError) and exc.filename is not None:
            # A path the user gave that cannot be read or written (a folder where a file belongs,
            # no permission, a missing parent): theirs to fix, not our error.
            print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"internal error: {type(exc).__name__}: {exc} (set SCHEDULER_DEBUG=1 for details)", file=sys.stderr)
        return 1
