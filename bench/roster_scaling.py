"""Roster engine scaling: generated centres of 50-500 agents, 5 queues, one week, 15-minute grid.

For each size, in a fresh subprocess (so peak memory is that size's own): model build time, time
to the first feasible roster, final objective, bound (best of CP-SAT's and the aggregated LP's),
gap, peak memory - at a fixed time limit. The centre is the sample centre's queues, shifts and
rules on a 15-minute grid; staff are resampled from the sample's employees; demand is the sample's
last history week scaled to the headcount, turned into staff with the same Erlang model.

    .venv/bin/python bench/roster_scaling.py [--sizes 50 100 200 500] [--time-limit 60] [--big-limit 120]
                                             [--repeats N] [--compare-parts]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WEEK = date(2026, 11, 30)


def build_problem(size: int, seed: int = 0, demand: float = 1.0):
    """The generated centre of `size` agents; `demand` scales its calibrated contacts (what-if)."""
    import numpy as np
    import pandas as pd
    from scheduler.config import load_centre
    from scheduler.domain import Horizon, Staff
    from scheduler.io import load_staff, read_history
    from scheduler.pipeline import apply_opening_hours, make_requirements, requirement_with_values
    from scheduler.problem import RosterProblem

    sample = ROOT / "data" / "sample"
    centre = load_centre(sample / "centre.toml")
    centre = replace(centre, interval_minutes=15)
    horizon = Horizon(WEEK, 7, 15)
    base = load_staff(sample, centre, horizon)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(base.employees), size=size, replace=size > len(base.employees))
    emps = tuple(replace(base.employees[i], id=f"A{k:04d}", name=f"Agent {k}") for k, i in enumerate(picks))
    history = read_history(sample / "history.csv", centre.queue_ids)
    last = history[history["timestamp"] >= pd.Timestamp(WEEK) - pd.Timedelta(days=7)].copy()
    last["timestamp"] = last["timestamp"] + pd.Timedelta(days=7)
    capacity = sum(e.max_hours for e in emps)
    scale = size / len(base.employees)

    def requirements_at(scale: float):
        halves = []
        for offset in (0, 15):   # 30-minute history onto the 15-minute grid: half in each quarter
            h = last.copy()
            h["timestamp"] = h["timestamp"] + pd.Timedelta(minutes=offset)
            h["contacts"] = h["contacts"] / 2 * scale
            halves.append(h)
        return make_requirements(apply_opening_hours(pd.concat(halves).sort_values(["queue", "timestamp"]), centre), centre)

    # Demand is calibrated so the required staff-hours are ~76% of the staff's maximum hours (as in
    # the sample centre): small centres pool less, so a plain headcount scaling would be unstaffable.
    for k in range(4):
        requirements = requirements_at(scale)
        if k < 3:
            scale *= (0.76 * capacity / (requirements["staff"].sum() / 4)) ** 1.2
    if demand != 1.0:
        requirements = requirements_at(scale * demand)
    staff = Staff(emps)
    requirement = requirement_with_values(requirements, centre, horizon, staff=staff)
    return RosterProblem(centre, staff, requirement)


def run_one(size: int, time_limit: float, workers: int, seed: int, parts: bool = True) -> dict:
    import resource
    from scheduler.roster import SolveOptions, build_model, solve
    from scheduler.validate import validate_roster
    problem = build_problem(size, seed)
    t = time.monotonic()
    build_model(problem)
    build = time.monotonic() - t
    t = time.monotonic()
    roster = solve(problem, SolveOptions(time_limit=time_limit, workers=workers, seed=seed, parts=parts))
    total = time.monotonic() - t
    s = roster.kpis["solver"]
    violations = validate_roster(problem.centre, problem.staff, roster.shifts, roster.queue_assignments,
                                 horizon_start=WEEK, horizon_days=7)
    return {"agents": size, "parts": "yes" if parts else "no", "intervals": problem.horizon.n_intervals, "build_s": round(build, 2),
            "first_feasible_s": s["first_solution_seconds"], "time_limit_s": time_limit,
            "total_s": round(total, 1), "required_staff_hours": round(sum(map(sum, problem.requirement.staff)) / 4),
            "capacity_hours": round(sum(e.max_hours for e in problem.staff.employees)), "status": s["status"],
            "objective": round(s["objective"], 1), "cp_sat_bound": round(s["cp_sat_bound"], 1),
            "lp_bound": s["lp_bound"], "bound": round(s["bound"], 1), "gap_pct": round(100 * (s["gap"] or 0), 2),
            "violations": len(violations), "peak_mem_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 500])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--big-limit", type=float, default=120.0, help="time limit for sizes >= 500")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "roster_scaling.md")
    ap.add_argument("--repeats", type=int, default=1, help="runs per size (the table shows each run and the medians)")
    ap.add_argument("--compare-parts", action="store_true",
                    help="also run each size without improving the start by parts (SolveOptions.parts=False), "
                         "alternating with the default runs, and print the ratio of the medians")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--no-parts", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        limit = args.big_limit if args.one >= 500 else args.time_limit
        print(json.dumps(run_one(args.one, limit, args.workers, args.seed, parts=not args.no_parts)))
        return
    rows = []
    modes = [True, False] if args.compare_parts else [True]
    for size in args.sizes:
        for _ in range(args.repeats):
            for parts in modes:
                cmd = [sys.executable, __file__, "--one", str(size), "--time-limit", str(args.time_limit),
                       "--big-limit", str(args.big_limit), "--workers", str(args.workers), "--seed", str(args.seed)]
                out = subprocess.run(cmd + ([] if parts else ["--no-parts"]), capture_output=True, text=True)
                if out.returncode != 0:
                    print(f"size {size} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
                    continue
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(json.dumps(rows[-1]), flush=True)
    cols = ["agents", "parts", "intervals", "required_staff_hours", "capacity_hours", "build_s", "first_feasible_s", "time_limit_s", "total_s", "status", "objective",
            "cp_sat_bound", "lp_bound", "gap_pct", "violations", "peak_mem_mb"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    table = "\n".join(lines)
    summary = medians(rows, args.sizes)
    print(table + "\n\n" + summary)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"# Roster scaling ({args.workers} workers, seed {args.seed})\n\n{table}\n\n{summary}\n")


def medians(rows: list[dict], sizes: list[int]) -> str:
    """Median objective and gap per size and mode; with both modes, default / without parts."""
    from statistics import median
    lines = ["| agents | parts | runs | median objective | median gap % | objective ratio (parts / no parts) |",
             "|---|---|---|---|---|---|"]
    for size in sizes:
        by_mode = {m: [r for r in rows if r["agents"] == size and r["parts"] == m] for m in ("yes", "no")}
        for mode, runs in by_mode.items():
            if not runs:
                continue
            obj = median(r["objective"] for r in runs)
            ratio = ""
            if mode == "yes" and by_mode["no"]:
                ratio = f"{obj / median(r['objective'] for r in by_mode['no']):.3f}"
            lines.append(f"| {size} | {mode} | {len(runs)} | {obj:.1f} | {median(r['gap_pct'] for r in runs):.2f} | {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
