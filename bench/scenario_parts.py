"""Rosters re-planned from a given roster (what-if scenarios, the base's second round), with and
without the improvement by parts (scheduler.subrosters), same code, same process, alternating.

The centre is bench/roster_scaling.py's generated one. Its base roster is planned first (the
plan path); each scenario then starts from that roster, as `whatif` runs them:
  again     - the same centre (the base's second round in a what-if comparison)
  demand+10 - every queue's contacts up 10 %
  leave10   - every tenth agent away all week (their shifts dropped from the given roster)
Every roster is checked by the validator.

    .venv/bin/python bench/scenario_parts.py [--sizes 200] [--time-limit 60] [--repeats 1]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def scenarios(size: int, seed: int) -> dict:
    from roster_scaling import build_problem
    base = build_problem(size, seed)
    n = len(base.employees)
    return {"again": base, "demand+10": build_problem(size, seed, demand=1.1),
            "leave10": base.restricted_to([e for e in range(n) if e % 10 != 9])}


def run(problem, hint, time_limit: float, workers: int, seed: int, parts: bool) -> dict:
    from roster_scaling import WEEK
    from scheduler.roster import SolveOptions, solve
    from scheduler.validate import validate_roster
    ids = {e.id for e in problem.employees}
    t = time.monotonic()
    roster = solve(problem, SolveOptions(time_limit=time_limit, workers=workers, seed=seed, parts=parts,
                                         hint=[sh for sh in hint if sh.employee_id in ids] if hint else None))
    s = roster.kpis["solver"]
    violations = validate_roster(problem.centre, problem.staff, roster.shifts, roster.queue_assignments,
                                 horizon_start=WEEK, horizon_days=7)
    return {"objective": round(roster.objective, 1), "bound": round(s["bound"], 1),
            "gap_pct": round(100 * (s["gap"] or 0), 2), "seconds": round(time.monotonic() - t, 1),
            "violations": len(violations), "shifts": roster.shifts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scenario_parts.md")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        cases = scenarios(size, args.seed)
        base = run(cases["again"], None, args.time_limit, args.workers, args.seed, parts=True)
        print(f"{size} agents: base plan {base['objective']:.1f} (gap {base['gap_pct']} %, {base['seconds']} s)", flush=True)
        for name, problem in cases.items():
            for _ in range(args.repeats):
                for parts in (True, False):
                    r = run(problem, base["shifts"], args.time_limit, args.workers, args.seed, parts)
                    rows.append({"agents": size, "scenario": name, "parts": "yes" if parts else "no", **r})
                    print(f"  {name:10s} parts={rows[-1]['parts']:3s} objective {r['objective']:10.1f} gap {r['gap_pct']:6.2f} % "
                          f"{r['seconds']:6.1f} s violations {r['violations']}", flush=True)
    lines = ["| agents | scenario | runs | objective with parts (median) | without | ratio | gap % with | gap % without | seconds (max) | violations |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for size in args.sizes:
        for name in ("again", "demand+10", "leave10"):
            w = [r for r in rows if r["agents"] == size and r["scenario"] == name and r["parts"] == "yes"]
            wo = [r for r in rows if r["agents"] == size and r["scenario"] == name and r["parts"] == "no"]
            if not w or not wo:
                continue
            a, b = median(r["objective"] for r in w), median(r["objective"] for r in wo)
            lines.append(f"| {size} | {name} | {len(w)} | {a:.1f} | {b:.1f} | {a / b:.3f} | "
                         f"{median(r['gap_pct'] for r in w):.2f} | {median(r['gap_pct'] for r in wo):.2f} | "
                         f"{max(r['seconds'] for r in w + wo):.1f} | {sum(r['violations'] for r in w + wo)} |")
    table = "\n".join(lines)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"# Scenarios from a given roster, with and without the parts ({args.workers} workers, "
                        f"seed {args.seed}, {args.time_limit:g} s each)\n\n{table}\n")


if __name__ == "__main__":
    main()
