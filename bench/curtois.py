"""Solve Curtois & Qu (2014) staff-scheduling instances with the roster engine and check each
solution with the independent evaluator.

The instance is mapped into the engine's own domain - no special-purpose model: shift types become
shift templates (ids as in the file) with their forbidden successions; each staff member becomes
an Employee (per-template maximum counts, 0 = not qualified; horizon minimum/maximum minutes;
maximum/minimum consecutive working days; minimum consecutive days off; maximum weekends); days
off become time off; shift-on/off requests become preferences; cover per day and shift becomes
ShiftCover rows with their own under/over weights. Every other engine penalty is weighted 0, so
the engine's objective is the benchmark's penalty.

    .venv/bin/python bench/curtois.py ../shared/benchmarks/curtois/Instance1.txt ... \\
        --time-limit 60 --workers 2 --solution-out bench/results/curtois_solutions \\
        --results bench/results/curtois.jsonl --table bench/results/curtois.md
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from curtois_eval import evaluate  # noqa: E402  (independent of the engine)
from curtois_format import CurtoisInstance, parse_instance  # noqa: E402

from scheduler.domain import (Centre, Employee, Horizon, Preference, Requirement, Rules,  # noqa: E402
                              ShiftCover, ShiftTemplate, Staff, TimeOff, Weights)
from scheduler.problem import RosterProblem  # noqa: E402
from scheduler.search import generation_share  # noqa: E402

MONDAY = date(2024, 1, 1)          # the benchmark's day 0 is a Monday
SHIFT_START = 8 * 60               # start times are not part of the benchmark; 08:00 keeps every
                                   # shift a day shift, away from night rules


def to_problem(inst: CurtoisInstance) -> RosterProblem:
    horizon = Horizon(MONDAY, inst.horizon, 60)
    # The engine names a template by id, family or kind: a kind no shift type is called, or a
    # file calling a type 'day' had every type match its cover, requests and successions.
    ids = {s.id for s in inst.shifts}
    kind = next((k for k in ("day", "early", "late", "night") if k not in ids), "day")
    templates = tuple(ShiftTemplate(id=s.id, start_minute=SHIFT_START, length_minutes=s.length,
                                    kind=kind, family=s.id) for s in inst.shifts)
    rules = Rules(min_rest_minutes=0, max_consecutive_days=inst.horizon, min_consecutive_days=1,
                  min_consecutive_days_off=1, max_nights_per_week=7, max_consecutive_nights=inst.horizon,
                  max_weekends=None,
                  forbidden_successions=tuple((s.id, nxt) for s in inst.shifts for nxt in s.forbidden_next),
                  absences_count_in_blocks=True)   # H6/H7: hard days off are days off like any other
    weights = Weights(under_staffing=0, over_staffing=0, preference=1, fairness_weekends=0, fairness_nights=0,
                      hours_deviation=0, stable_starts=0, cost=0)
    centre = Centre(name=inst.name or "curtois", queues=(), shifts=templates, rules=rules, weights=weights,
                    interval_minutes=60)
    employees = tuple(Employee(
        id=st.id, name=st.id, skills=frozenset(), min_hours=0, max_hours=24 * 7, max_days=7,
        max_shifts={s.id: st.max_shifts_of(s.id) for s in inst.shifts},
        max_weekends=st.max_weekends, max_consecutive_days=st.max_consecutive_shifts,
        min_consecutive_days=st.min_consecutive_shifts, min_consecutive_days_off=st.min_consecutive_days_off,
        min_total_minutes=st.min_total_minutes, max_total_minutes=st.max_total_minutes) for st in inst.staff)
    time_off = tuple(TimeOff(eid, MONDAY + timedelta(days=d), MONDAY + timedelta(days=d))
                     for eid, days in inst.days_off.items() for d in days)
    prefs = tuple([Preference(r.staff_id, MONDAY + timedelta(days=r.day), "shift_on", r.shift_id, r.weight)
                   for r in inst.shift_on_requests] +
                  [Preference(r.staff_id, MONDAY + timedelta(days=r.day), "shift_off", r.shift_id, r.weight)
                   for r in inst.shift_off_requests])
    cover = [ShiftCover(MONDAY + timedelta(days=c.day), c.shift_id, c.requirement, c.weight_under, c.weight_over)
             for c in inst.cover]
    requirement = Requirement(horizon=horizon, queues=(), staff=())
    return RosterProblem(centre, Staff(employees, time_off, prefs), requirement, shift_cover=cover)


def _assignment(rm, values) -> dict[tuple[str, int], str]:
    p = rm.problem
    return {(p.employees[e].id, d): p.templates[s].id for (e, d, s), v in rm.x.items() if values[v.Index()]}


def write_solution(assignment: dict, path: Path, inst: CurtoisInstance) -> None:
    """CSV ``employee,day,shift``: one row per assigned shift, day 0-based, ids as in the file."""
    order = {sid: i for i, sid in enumerate(inst.staff_ids)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["employee", "day", "shift"])
        for (e, d), s in sorted(assignment.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
            w.writerow([e, d, s])


def driver_for(time_limit: float) -> str:
    """The `auto` policy: the search (column generation, its dive, LNS) at every time limit. Until
    2026-12-06 short runs (below 300 s) were one CP-SAT solve; with the pattern start the search
    is better at 60 s too (Instance11: 3,443, proven, in three runs against 3,447-3,904 with one
    solve; docs/benchmark.md).
    The solve driver stays in the table as its baseline."""
    return "search"


def solve_instance(path: Path, time_limit: float, workers: int, seed: int, solution_dir: Path | None,
                   driver: str = "auto", log: bool = False, generate_fraction: float | None = None) -> dict:
    """Solve one instance with the engine and check the roster with the independent evaluator.

    driver "search": scheduler.roster.build_model + scheduler.search.improve (start, LNS, proof);
    driver "solve": scheduler.roster.solve as the application calls it (one CP-SAT solve).
    `generate_fraction` (search only): share of the time for column generation before the LNS
    (improve's argument, default ``generation_share(time_limit)``; its lower bound and its dive's
    roster); recorded in the result.
    """
    if generate_fraction is None:
        generate_fraction = generation_share(time_limit)
    if driver == "auto":
        driver = driver_for(time_limit)
    inst = parse_instance(path)
    t0 = time.monotonic()
    problem = to_problem(inst)
    base = {"instance": inst.name, "driver": driver, "time_limit": time_limit, "workers": workers, "seed": seed}
    if driver == "search":
        base["generate_fraction"] = generate_fraction

    def no_roster(status: str, exc: Exception) -> dict:
        return {**base, "status": status, "objective": None, "bound": None,
                "seconds": round(time.monotonic() - t0, 1), "error": str(exc)}
    if driver == "search":
        from scheduler.errors import InputError
        from scheduler.roster import build_model
        from scheduler.search import improve
        try:
            rm = build_model(problem)
        except InputError as exc:   # e.g. too large for this machine's memory: say so, go on
            return no_roster("NOT_BUILT", exc)
        build_seconds = time.monotonic() - t0
        res = improve(rm, max(1.0, time_limit - build_seconds), workers=workers, seed=seed, log=log,
                      generate_fraction=generate_fraction)
        seconds = time.monotonic() - t0
        if res.values is None:
            return {**base, "status": res.status, "objective": None, "bound": res.bound, "seconds": round(seconds, 1)}
        assignment = _assignment(rm, res.values)
        objective, bound, status = res.objective, res.bound, res.status
        extra = {"build_seconds": round(build_seconds, 2), "lns_iterations": res.stats.get("lns_iterations", 0),
                 "lns_improvements": res.stats.get("lns_improvements", 0), "phases": res.stats.get("phases"),
                 **{k: res.stats[k] for k in ("generation", "generation_seconds_per_round", "start_seconds",
                                                 "sub_seconds", "lns_stalled_at", "start_fraction") if k in res.stats}}
    elif driver == "solve":
        from scheduler.errors import InfeasibleError, InputError
        from scheduler.roster import SolveOptions, solve
        try:
            roster = solve(problem, SolveOptions(time_limit=time_limit, workers=workers, seed=seed, lp_bound=False))
        except InputError as exc:
            return no_roster("NOT_BUILT", exc)
        except InfeasibleError as exc:
            return no_roster("NO_SOLUTION", exc)
        seconds = time.monotonic() - t0
        assignment = {(s.employee_id, (s.day - MONDAY).days): s.shift_id for s in roster.shifts}
        s = roster.kpis["solver"]
        objective, bound, status = roster.objective, s["cp_sat_bound"], s["status"]
        extra = {}
    else:
        raise ValueError(f"unknown driver {driver!r} (search | solve)")
    if solution_dir is not None:
        write_solution(assignment, solution_dir / f"{inst.name}_{int(time_limit)}s.csv", inst)
    check = evaluate(inst, assignment)
    objective = round(objective, 6)
    return {**base, "status": status, "objective": int(round(objective)) if objective == round(objective) else objective,
            "bound": math.ceil(bound - 1e-6) if bound is not None else None, "seconds": round(seconds, 1),
            "evaluator_penalty": check.penalty, "evaluator_feasible": check.feasible,
            "evaluator_violations": len(check.violations),
            "objective_matches_evaluator": abs(objective - check.penalty) < 1e-6, **extra}


# ---------------------------------------------------------------------------------------------
# Results table
# ---------------------------------------------------------------------------------------------
PUBLISHED = ("Gurobi", "Ejection chain", "IP+VNS hybrid", "Hybrid F&R/F&O + SA")


def _num(name: str) -> int:
    return int("".join(ch for ch in name if ch.isdigit()) or 0)


def _cell(objs: list) -> str:
    if not objs:
        return ""
    med = statistics.median(objs)
    med = int(med) if med == int(med) else med
    return str(med) if len(objs) == 1 else f"{med} (n={len(objs)}, {min(objs)}–{max(objs)})"


def load_results(files: list[Path]) -> list[dict]:
    rows = []
    for f in files:
        if f.exists():
            rows += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    return rows


def _table(rows: list[dict], best: dict, published: dict, other_bounds: dict | None = None) -> str:
    """`other_bounds`: {instance: best lower bound of runs of another method}. A bound holds
    whichever method proved it, so the best bound column takes it when it is better (marked)."""
    by: dict[str, dict[int, list[dict]]] = {}
    for r in rows:
        by.setdefault(r["instance"], {}).setdefault(int(r["time_limit"]), []).append(r)
    head = ["instance", "best known", "ours 60 s", "gap % 60 s", "ours 600 s", "gap % 600 s", "best bound",
            "proven optimal", "evaluator feasible & equal"] + [f"{m} 10 min" for m in PUBLISHED]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in sorted(by, key=_num):
        runs = by[name]
        bk = best.get(name)
        cells = [name, str(bk or "")]
        for limit in (60, 600):
            objs = [r["objective"] for r in runs.get(limit, [])]
            cells.append(_cell(objs))
            cells.append(f"{100 * (statistics.median(objs) - bk) / bk:.2f}" if objs and bk else "")
        done = [r for rs in runs.values() for r in rs]
        bounds = [r["bound"] for r in done if r.get("bound") is not None]
        other = (other_bounds or {}).get(name)
        if other is not None and (not bounds or other > max(bounds)):
            cells.append(f"{other} (column generation)")
        else:
            cells.append(str(max(bounds)) if bounds else "")
        opt = [r for r in done if r["status"] == "OPTIMAL"]
        cells.append(f"yes ({len(opt)}/{len(done)} runs)" if opt else "no")
        ok = all(r.get("objective_matches_evaluator") and r.get("evaluator_feasible") for r in done)
        cells.append("yes" if ok else "**NO**")
        cells += [str(published.get(name, {}).get(m, "")) for m in PUBLISHED]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _is(driver: str, row: dict) -> bool:
    """Whether a result row is a run of `driver` as it runs today: a search with another share of
    column generation before its LNS (none, before it was the default; 0.3 in short runs before
    2026-12-06) or with a full solve as its start is another method, never mixed into the table."""
    ran = row.get("driver", "solve")
    expected = generation_share(row["time_limit"]) if ran == "search" else 0.0
    return ran == (driver_for(row["time_limit"]) if driver == "auto" else driver) and \
        abs(row.get("generate_fraction", 0.0) - expected) < 1e-9 and _start_fraction(row) == 0.0


def _start_fraction(row: dict) -> float:
    """The row's share of time for a first full solve; rows from before it was recorded say it by
    their first phase (a small roster's search began with one, 0.75 of the time)."""
    if "start_fraction" in row:
        return row["start_fraction"]
    phases = row.get("phases") or [{}]
    return 0.75 if phases[0].get("phase") == "start" else 0.0


def write_table(results_files: Path | list[Path], table_file: Path, shared: Path, driver: str = "auto",
                baseline: str | None = "solve") -> str:
    """Markdown table of the runs of `driver` in the JSONL files (merged); repeated runs of one
    instance and time limit are shown as the median (n, min-max). Runs of the `baseline` driver,
    if any, follow in a second table."""
    files = [results_files] if isinstance(results_files, Path) else list(results_files)
    every = [r for r in load_results(files) if r.get("objective") is not None]
    best, published = {}, {}
    if (shared / "best_known.csv").exists():
        for r in csv.DictReader(open(shared / "best_known.csv")):
            best[r["instance"]] = int(r["best_known"])
    if (shared / "published_results.csv").exists():
        for r in csv.DictReader(open(shared / "published_results.csv")):
            if int(float(r["time_limit_s"])) == 600 and r["objective"].strip():
                published.setdefault(r["instance"], {})[r["method"].split(" (")[0]] = int(r["objective"])
    generated: dict[str, int] = {}
    for r in every:
        if r.get("generate_fraction") and r.get("bound") is not None and not _is(driver, r):
            generated[r["instance"]] = max(generated.get(r["instance"], r["bound"]), r["bound"])
    table = _table([r for r in every if _is(driver, r)], best, published, generated)
    text = ("# Curtois & Qu instances: the roster engine vs best known and published 10-minute results\n\n"
            f"Driver `{driver}` (auto = `search`: column generation and its dive, then LNS; until 2026-12-06 `solve` below 300 s), 2 CP-SAT workers on a shared 2-core machine (noisy; repeated runs show the median). "
            "Gap = (ours - best known) / best known. Published columns: 10-minute results from "
            "`published_results.csv` (other machines). Best bound: the best lower bound of any run, also of "
            "runs with another share of column generation before the LNS (`--generate-fraction`, whose objectives "
            "are not in this table). Reproduce: see docs/benchmark.md.\n\n" + table + "\n")
    base = [r for r in every if baseline and baseline != driver and _is(baseline, r)]
    if base:
        text += (f"\n## Baseline: driver `{baseline}` (scheduler.roster.solve, one CP-SAT solve)\n\n"
                 + _table(base, best, published) + "\n")
    table_file.parent.mkdir(parents=True, exist_ok=True)
    table_file.write_text(text)
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instances", nargs="*", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--driver", choices=("auto", "search", "solve"), default="auto",
                    help="search = build_model + scheduler.search.improve; solve = scheduler.roster.solve; "
                         "auto (default) = search (until 2026-12-06: solve below 300 s)")
    ap.add_argument("--solution-out", type=Path, help="write InstanceN_<limit>s.csv (employee,day,shift) here")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "curtois.jsonl",
                    help="JSON lines appended here (one per instance run)")
    ap.add_argument("--merge", type=Path, nargs="*", default=[], help="more JSONL result files for the table")
    ap.add_argument("--table", type=Path, help="write the Markdown results table here")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "curtois")
    ap.add_argument("--log", action="store_true", help="print search progress to stderr")
    ap.add_argument("--generate-fraction", type=float, default=None,
                    help="search: share of the time for column generation before the LNS (default: "
                         "scheduler.search.generation_share(time limit); 0: none); the table leaves runs of other shares out")
    args = ap.parse_args(argv)
    # Every instance is read before any is solved: a broken file found after an hour of runs, or
    # as a traceback, helps nobody.
    for path in args.instances:
        try:
            parse_instance(path)
        except (OSError, ValueError) as exc:   # CurtoisFormatError is a ValueError, with file:line
            print(f"curtois: error: {exc}", file=sys.stderr)
            return 2
    bad = 0
    for path in args.instances:
        result = solve_instance(path, args.time_limit, args.workers, args.seed, args.solution_out,
                                driver=args.driver, log=args.log, generate_fraction=args.generate_fraction)
        print(json.dumps(result), flush=True)
        if result.get("objective") is not None and not (result["objective_matches_evaluator"]
                                                         and result["evaluator_feasible"]):
            bad += 1
            print(f"MISMATCH {result['instance']}: engine {result['objective']} vs evaluator "
                  f"{result['evaluator_penalty']} (feasible={result['evaluator_feasible']})", file=sys.stderr)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        with open(args.results, "a") as fh:
            fh.write(json.dumps(result) + "\n")
    if args.table:
        print(write_table([args.results, *args.merge], args.table, args.shared, args.driver))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
