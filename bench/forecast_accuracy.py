"""Rolling-origin forecast accuracy per queue and method, against the naive baselines.

Uses the forecaster's own model-selection backtest (several weekly origins, week-ahead horizon,
interval level): WAPE, daily-total WAPE, bias, 80 % interval coverage and fit+predict seconds per
candidate, plus the model chosen. Runs on the real "Anonymous Bank" data (30-minute arrivals per
queue, and all queues together; data: Technion SEE lab / Avi Mandelbaum, Brown et al. 2005) when
it is present, and on the bundled sample centre.

    .venv/bin/python bench/forecast_accuracy.py [--bank PATH] [--sample data/sample/history.csv]
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasts import clear_cache, fit_forecaster  # noqa: E402

BASELINES = ("seasonal_naive", "mean_last_4_weeks")


def bank_history(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    per_queue = pd.DataFrame({"timestamp": raw["timestamp"], "queue": raw["queue"],
                              "contacts": raw["arrivals"].astype(float),
                              "aht_seconds": (raw["handle_time_sum_sec"] / raw["answered"].where(raw["answered"] > 0))})
    total = raw.groupby("timestamp", as_index=False).agg(arrivals=("arrivals", "sum"), handle=("handle_time_sum_sec", "sum"),
                                                         answered=("answered", "sum"))
    together = pd.DataFrame({"timestamp": total["timestamp"], "queue": "ALL", "contacts": total["arrivals"].astype(float),
                             "aht_seconds": total["handle"] / total["answered"].where(total["answered"] > 0)})
    return pd.concat([per_queue, together], ignore_index=True)


def evaluate(name: str, history: pd.DataFrame, country: str | None) -> list[dict]:
    clear_cache()
    before = (history["timestamp"].max() + timedelta(days=1)).date()
    t0 = time.monotonic()
    fc = fit_forecaster(history, before=before, holiday_country=country, backtest=True)
    seconds = time.monotonic() - t0
    rows = []
    volume = history.groupby("queue")["contacts"].sum()
    for q, rep in fc.report["queues"].items():
        scores = rep.get("backtest", {}).get("scores", {})
        if not scores:
            continue
        base = min((scores[b]["wape"] for b in BASELINES if b in scores), default=float("nan"))
        for method, s in scores.items():
            rows.append({"data": name, "queue": q, "contacts": int(volume.get(q, 0)), "method": method,
                         "chosen": "*" if method == rep.get("model") else "", "wape": s["wape"],
                         "vs_best_baseline": s["wape"] / base - 1 if base == base and base > 0 else float("nan"),
                         "daily_wape": s["daily_wape"], "bias": s["bias"], "cov80": s["coverage80"],
                         "cov95": s["coverage95"], "seconds": s["seconds"]})
    print(f"{name}: fit with backtest of {history['queue'].nunique()} queues in {seconds:.1f} s", file=sys.stderr)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", type=Path, default=ROOT.parent / "shared" / "data" / "anonymous-bank-1999" / "arrivals_by_queue_30min.csv")
    ap.add_argument("--sample", type=Path, default=ROOT / "data" / "sample" / "history.csv")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "forecast_accuracy.md")
    args = ap.parse_args()
    rows = []
    if args.bank.exists():
        rows += evaluate("anonymous-bank-1999", bank_history(args.bank), "IL")
    else:
        print(f"no bank data at {args.bank}; skipped", file=sys.stderr)
    if args.sample.exists():
        from scheduler.io import read_history
        rows += evaluate("sample", read_history(args.sample), "GB")
    table = pd.DataFrame(rows)
    fmt = {"wape": "{:.3f}", "vs_best_baseline": "{:+.1%}", "daily_wape": "{:.3f}", "bias": "{:+.3f}",
           "cov80": "{:.3f}", "cov95": "{:.3f}", "seconds": "{:.2f}"}
    shown = table.copy()
    for c, f in fmt.items():
        shown[c] = shown[c].map(lambda v, f=f: f.format(v) if v == v else "")
    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in shown.itertuples(index=False)]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Forecast accuracy (rolling-origin, week ahead, interval level)\n\n"
                        "vs_best_baseline: WAPE relative to the better of seasonal naive and the mean of the "
                        "last 4 same weekdays (negative = better).\n\n" + text + "\n")


if __name__ == "__main__":
    main()
