"""Experiment (not the product's path): does column generation give the LNS a better place to start
on a Curtois instance whose pattern LP is tight but whose rosters stay far above it (Instance13)?

Four phases, each timed and printed as one JSON line, the last with the evaluator's verdict:
1. column generation to convergence (``PatternMaster.generate``): the pattern LP and its bound;
2. a *dive with pricing*: fix the patterns the LP likes most a few at a time (``--fix-share`` of
   the fractional columns, and any at or above ``--fix-up``), price the employees still free
   (``--rounds`` rounds) after each fixing, until at most ``--free`` employees are left free;
3. CP-SAT on the whole model with the fixed employees' shifts fixed (``--mip-seconds``);
4. the engine's LNS (``scheduler.search.improve`` with a hint, no generation) from that roster for
   ``--lns-seconds``; with ``--ablate`` the fixed employees are instead a random sample of the same
   size, fixed to the roster built one employee at a time (what phase 3 gains from the LP).

    .venv/bin/python bench/dive_and_price.py ../shared/benchmarks/curtois/Instance13.txt

Written for single-member pricing classes (the benchmark's employees all differ).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from curtois import _assignment, to_problem  # noqa: E402
from curtois_eval import evaluate  # noqa: E402
from curtois_format import parse_instance  # noqa: E402

from scheduler import search  # noqa: E402
from scheduler.columns import COLUMNS_PER_CLASS, PatternMaster, _price  # noqa: E402
from scheduler.roster import build_model, new_solver  # noqa: E402


def dive_with_pricing(m: PatternMaster, rounds: int, share: float, up: float, free_left: int, pool, say) -> dict:
    """Phase 2; returns {employee: pattern} for the fixed employees."""
    def room() -> list[float]:
        return [len(c.members) - sum(col.lb() for col in c.columns) for c in m.classes]

    step = 0
    while True:
        for _ in range(rounds):
            open_ = [ci for ci, r in enumerate(room()) if r > 0.5]
            hints = {ci: m._heaviest_pattern(ci) for ci in open_}
            found = list(pool.map(lambda ci: _price(m.classes[ci], m.duals.get(m.classes[ci].group, {}), 1.0,
                                                    m.seed, False, hints[ci]), open_))
            added = 0
            for ci, res in zip(open_, found):
                if res is None:
                    continue
                c, prices = m.classes[ci], m.duals.get(m.classes[ci].group, {})
                for pattern, own in res[0][::-1][:COLUMNS_PER_CLASS]:
                    reduced = own + sum(prices.get(k, 0.0) for k in pattern) - m.mu[ci]
                    added += int(reduced < -1e-6 and m.add_column(ci, pattern, own))
            m.solve(60, break_rounds=0)
            if not added:
                break
        free = sum(1 for r in room() if r > 0.5)
        fractional = sorted(((w - math.floor(w + 1e-6), ci, i) for ci, ws in enumerate(m.weights)
                             for i, w in enumerate(ws) if w - math.floor(w + 1e-6) > 1e-6), reverse=True)
        say({"phase": "dive", "step": step, "master": round(m.z, 1), "free": free})
        if not fractional or free <= free_left:
            break
        left = [len(c.members) for c in m.classes]
        for ci, (c, ws) in enumerate(zip(m.classes, m.weights)):
            for col, w in zip(c.columns, ws):
                col.SetLb(max(col.lb(), math.floor(w + 1e-6)))
                left[ci] -= col.lb()
        batch = max(1, int(share * len(fractional)))
        for k, (f, ci, i) in enumerate(fractional):
            if (f < up and k >= batch) or left[ci] < 1:
                continue
            col = m.classes[ci].columns[i]
            col.SetLb(col.lb() + 1)
            left[ci] -= 1
        m.solve(60, break_rounds=0)
        step += 1
    return {c.members[0]: pattern for c in m.classes for col, pattern in zip(c.columns, c.patterns)
            if col.lb() > 0.5}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("instance", type=Path)
    ap.add_argument("--generate-seconds", type=float, default=600)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--fix-share", type=float, default=0.02)
    ap.add_argument("--fix-up", type=float, default=0.95)
    ap.add_argument("--free", type=int, default=60)
    ap.add_argument("--mip-seconds", type=float, default=240)
    ap.add_argument("--lns-seconds", type=float, default=300)
    ap.add_argument("--ablate", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.monotonic()

    def say(row: dict) -> None:
        print(json.dumps({"seconds": round(time.monotonic() - t0, 1), **row}), flush=True)

    inst = parse_instance(args.instance)
    problem = to_problem(inst)
    rm = build_model(problem)
    m = PatternMaster(problem, workers=2, seed=args.seed)
    start = m.start()
    m.generate(args.generate_seconds)
    say({"phase": "generation", "status": m.status, "master": round(m.z, 1), "bound": round(m.bound, 1),
         "rounds": m.iterations})
    if args.ablate:
        base = search._with_shifts(rm, start, 60, 2, args.seed)
        fixed_emps = set(random.Random(args.seed).sample(range(len(problem.employees)), len(problem.employees) - args.free))
        fixed = {e: frozenset((d, s) for (e2, d, s), v in rm.x.items() if e2 == e and base[v.Index()])
                 for e in fixed_emps}
    else:
        with ThreadPoolExecutor(2) as pool:
            fixed = dive_with_pricing(m, args.rounds, args.fix_share, args.fix_up, args.free, pool, say)
        base = None
    work = rm.model.clone()
    V = work.proto.variables
    for (e, d, s), v in rm.x.items():
        if e in fixed:
            dom = V[v.Index()].domain
            dom[0] = dom[1] = int((d, s) in fixed[e])
    if base is not None:
        search._set_hint(work, base)
    solver = new_solver()
    search._params(solver, args.mip_seconds, 2, args.seed)
    solver.Solve(work)
    values = list(solver.response_proto.solution)
    say({"phase": "fixed-employee solve", "fixed": len(fixed), "objective": search.values_objective(rm.model, values)})
    res = search.improve(rm, args.lns_seconds, 2, args.seed, hint=values, start_fraction=0, proof_fraction=0,
                         generate_fraction=0)
    ev = evaluate(inst, _assignment(rm, res.values))
    say({"phase": "lns", "objective": res.objective, "evaluator_penalty": ev.penalty, "feasible": ev.feasible})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
