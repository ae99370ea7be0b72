"""Speed of the staffing module: intervals per second for Erlang C and Erlang A.

A week of 15-minute intervals for 10 queues (7 x 96 x 10 = 6,720 intervals) with realistic random
loads (contacts 0-400 per interval with a daily shape, AHT 120-600 s, targets 80/20 .. 90/30,
patience 60-300 s). Prints a table of the median over several repeats.

    .venv/bin/python bench/staffing_speed.py [--repeats 5] [--curve-n-max 0]
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from scheduler.staffing import required_agents, service_curve  # noqa: E402


def week_loads(seed: int = 0, queues: int = 10, days: int = 7, per_day: int = 96):
    rng = np.random.default_rng(seed)
    n = queues * days * per_day
    slot = np.tile(np.arange(per_day), queues * days)
    hour = slot / (per_day / 24)
    shape = np.clip(np.sin((hour - 7) / 13 * np.pi), 0, None)           # open ~07:00-20:00
    peak = np.repeat(rng.uniform(20, 400, queues), days * per_day)
    contacts = rng.poisson(peak * shape).astype(float)
    aht = np.repeat(rng.uniform(120, 600, queues), days * per_day) * rng.uniform(0.9, 1.1, n)
    sl = np.repeat(rng.choice([0.8, 0.85, 0.9], queues), days * per_day)
    target = np.repeat(rng.choice([20.0, 30.0], queues), days * per_day)
    occ = np.repeat(rng.choice([0.85, 0.9], queues), days * per_day)
    patience = np.repeat(rng.uniform(60, 300, queues), days * per_day)
    return dict(contacts=contacts, aht=aht, sl=sl, target=target, occ=occ, patience=patience,
                interval=900.0)


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--curve-n-max", type=int, default=0,
                    help="also time service_curve with this n_max (0 = skip)")
    args = ap.parse_args(argv)
    w = week_loads()
    n = w["contacts"].size

    def req(model):
        return lambda: required_agents(
            w["contacts"], w["aht"], w["interval"], service_level=w["sl"],
            target_seconds=w["target"], max_occupancy=w["occ"], model=model,
            patience_seconds=w["patience"] if model == "erlang-a" else None)

    rows = []
    for model in ("erlang-c", "erlang-a"):
        sec = timed(req(model), args.repeats)
        rows.append((f"required_agents {model}", sec))
    if args.curve_n_max:
        for model in ("erlang-c", "erlang-a"):
            sec = timed(lambda m=model: service_curve(
                w["contacts"], w["aht"], w["interval"], w["target"], args.curve_n_max, model=m,
                patience_seconds=w["patience"]), max(1, args.repeats // 2))
            rows.append((f"service_curve {model} n_max={args.curve_n_max}", sec))
    agents = req("erlang-c")()
    print(f"{n} intervals (10 queues x 7 days x 96), offered load up to "
          f"{(w['contacts'] * w['aht'] / w['interval']).max():.0f} Erlangs, max agents "
          f"{agents.max()}; median of {args.repeats} runs")
    print(f"{'task':<42}{'seconds':>10}{'intervals/s':>14}")
    for name, sec in rows:
        print(f"{name:<42}{sec:>10.4f}{n / sec:>14,.0f}")


if __name__ == "__main__":
    main()
