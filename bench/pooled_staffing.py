"""Pooled staffing (centre.toml `staff_with`) on a real bank's week: what staffing small queues with
a host queue saves, and whether every queue still meets its target.

The history is the "Anonymous Bank" data (Israel, 1999; Technion SEE lab / Avi Mandelbaum, Brown
et al. 2005): 30-minute arrivals and handle times per queue up to the week planned. The centre's
queues, hours and targets are bench/data/anonymous_bank_centre.toml. One forecast (no backtest),
then the requirement with each pooling variant; the table shows agent- and staff-hours, the
pooled queues' own staff-hours, the contact-weighted expected service level and the worst margin
of any interval with contacts over its queue's target (>= 0: every target holds).

    .venv/bin/python bench/pooled_staffing.py [--bank PATH] [--week 1999-10-31]
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.config import load_centre  # noqa: E402
from scheduler.pipeline import make_forecast, make_requirements  # noqa: E402

BANK = ROOT.parent / "shared" / "data" / "anonymous-bank-1999" / "arrivals_by_queue_30min.csv"
CENTRE = ROOT / "bench" / "data" / "anonymous_bank_centre.toml"
VARIANTS = {"none": {}, "TT": {"TT": "PS"}, "TT, PE": {"TT": "PS", "PE": "PS"},
            "TT, PE, NW": {"TT": "PS", "PE": "PS", "NW": "PS"}}


def history(path: Path, before: date) -> pd.DataFrame:
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    raw = raw[raw["timestamp"] < pd.Timestamp(before)]
    handled = raw["handle_time_sum_sec"] / raw["answered"].where(raw["answered"] > 0)
    return pd.DataFrame({"timestamp": raw["timestamp"], "queue": raw["queue"],
                         "contacts": raw["arrivals"].astype(float),
                         "aht_seconds": handled.where((handled > 0) & (handled <= 14_400))})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", type=Path, default=BANK, help="arrivals_by_queue_30min.csv of the Anonymous Bank data")
    ap.add_argument("--week", type=date.fromisoformat, default=date(1999, 10, 31), help="first day of the week planned")
    args = ap.parse_args(argv)
    if not args.bank.exists():
        print(f"pooled_staffing: {args.bank} not found (the Anonymous Bank data, ../shared/data/anonymous-bank-1999)",
              file=sys.stderr)
        return 2
    centre = load_centre(CENTRE)
    t0 = time.monotonic()
    forecast, _ = make_forecast(history(args.bank, args.week), centre, args.week, 7, backtest=False)
    print(f"forecast of {args.week} ({len(forecast)} rows, {forecast['contacts'].sum():,.0f} contacts) "
          f"in {time.monotonic() - t0:.1f} s")
    hours = centre.interval_minutes / 60
    targets = {q.id: q.target.service_level for q in centre.queues}
    head = ["pooled with PS", "agent-hours", "staff-hours", "vs none", "pooled queues' staff-hours",
            "expected SL (contact-weighted)", "worst margin over target", "seconds"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    base = None
    for name, pools in VARIANTS.items():
        c = replace(centre, queues=tuple(replace(q, staff_with=pools.get(q.id)) for q in centre.queues))
        t = time.monotonic()
        r = make_requirements(forecast, c)
        seconds = time.monotonic() - t
        staff_h = r["staff"].sum() * hours
        base = base or staff_h
        busy = r["contacts"] > 0
        margin = (r.loc[busy, "service_level"] - r.loc[busy, "queue"].map(targets)).min()
        own = ", ".join(f"{q} {r.loc[r['queue'] == q, 'staff'].sum() * hours:,.1f}" for q in pools) or "-"
        sl = (r["service_level"] * r["contacts"]).sum() / r["contacts"].sum()
        print(f"| {name} | {r['agents'].sum() * hours:,.1f} | {staff_h:,.1f} | {100 * (staff_h / base - 1):+.1f} % | "
              f"{own} | {sl:.3f} | {margin:+.3f} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
