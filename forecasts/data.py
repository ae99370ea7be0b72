"""Turn a raw history table into clean per-queue day x interval matrices, and say what was wrong.

Nothing here guesses silently: every repair (duplicate rows summed, gaps filled, partial or anomalous
days left out of model fitting, missing days) is recorded in ``QueueData.issues`` and ends up in the
forecast report.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from scheduler.domain import INTERVAL_MINUTES
from scheduler.errors import InputError, InputProblem

from .calendar import Calendar

# Day status codes (QueueData.status)
OK, HOLIDAY, HOLIDAY_CLOSED, CLOSURE, CLOSED, MISSING, PARTIAL, ANOMALY = (
    "ok", "holiday", "holiday_closed", "closure", "closed", "missing", "partial", "anomaly")
USABLE = (OK, HOLIDAY)            # days whose totals the models may learn from
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_LISTED = 25                   # cap on dates listed per issue in the report
OPEN_WEEKS = 8                    # recent same-weekdays used to decide the open intervals
PROFILE_WEEKS = 8                 # recent same-weekdays used for the gap-filling profile
ZERO_RUN_DAYS = 5                 # open days of zeros in a row that may be a recording gap ...
ZERO_RUN_P = 1e-3                 # ... when the queue's volume makes them this unlikely
MIN_COVERAGE = 0.8                # a day needs this share of its usual volume observed, else "partial"


@dataclass
class QueueData:
    name: str
    days: pd.DatetimeIndex                # consecutive calendar days (midnight)
    y: np.ndarray                          # (n_days, slots) contacts; NaN = no data; gaps filled
    present: np.ndarray                    # (n_days, slots) bool: a row existed
    aht: np.ndarray                        # (n_days, slots) AHT seconds, NaN unknown
    status: np.ndarray                     # (n_days,) object: day status code
    open_mask: np.ndarray                  # (7, slots) bool: interval open on that weekday (recent weeks)
    total: np.ndarray                      # (n_days,) daily totals (NaN where unusable)
    issues: dict = field(default_factory=dict)
    # (7, slots) bool: open in centre.toml but without a row on the recent weeks' days - nothing
    # to learn their volume from, so forecast at 0 contacts (the queue's min_agents staff them).
    unrecorded_mask: np.ndarray | None = None

    @property
    def weekday(self) -> np.ndarray:
        return self.days.day_of_week.to_numpy()

    def open_weekdays(self) -> np.ndarray:
        return self.open_mask.any(axis=1)


@dataclass
class Prepared:
    interval: int                          # minutes
    offset: int                            # minutes after midnight of the first slot of the grid
    slots: int
    queues: dict[str, QueueData]
    issues: list[str]
    first_day: date
    last_day: date
    rows: int


def _fail(source: str, messages: list[str | InputProblem]) -> None:
    probs = [m if isinstance(m, InputProblem) else InputProblem(source, m) for m in messages]
    raise InputError(probs, file=source)


def validate(history: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check the contract and return a clean copy (timestamp, queue, contacts, aht_seconds)."""
    if not isinstance(history, pd.DataFrame):
        _fail(source, ["history must be a table with columns timestamp, queue, contacts"])
    missing = [c for c in ("timestamp", "queue", "contacts") if c not in history.columns]
    if missing:
        _fail(source, [f"missing column(s) {', '.join(missing)}; expected timestamp, queue, contacts[, aht_seconds]"])
    if len(history) == 0:
        _fail(source, ["history is empty: at least a few weeks of contacts per interval are needed"])
    df = pd.DataFrame({"timestamp": history["timestamp"], "queue": history["queue"]}).reset_index(drop=True)
    problems: list[InputProblem] = []
    ts = df["timestamp"]
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_any_dtype(ts):
        ts = pd.to_datetime(ts.astype("string"), errors="coerce", format="mixed")
    df["timestamp"] = ts.astype("datetime64[ns]")
    contacts = pd.to_numeric(pd.Series(history["contacts"]).reset_index(drop=True), errors="coerce")
    df["contacts"] = contacts.astype(float)
    if "aht_seconds" in history.columns:
        df["aht_seconds"] = pd.to_numeric(pd.Series(history["aht_seconds"]).reset_index(drop=True),
                                          errors="coerce").astype(float)
    else:
        df["aht_seconds"] = np.nan
    qs = df["queue"]
    checks = [
        (df["timestamp"].isna(), "timestamp", "a date-time like 2024-11-25 08:00"),
        (qs.isna() | (qs.astype("string").str.strip() == ""), "queue", "a queue id"),
        (df["contacts"].isna(), "contacts", "a number >= 0"),
        (df["contacts"] < 0, "contacts", "a number >= 0 (got a negative count)"),
        (np.isinf(df["contacts"]), "contacts", "a finite number"),
    ]
    for mask, col, what in checks:
        for i in np.flatnonzero(mask.to_numpy())[:20]:
            problems.append(InputProblem(source, f"expected {what}, got {history.iloc[i][col]!r}", row=int(i) + 2, column=col))
        n = int(mask.sum())
        if n > 20:
            problems.append(InputProblem(source, f"... and {n - 20} more rows with a bad '{col}'", column=col))
    if problems:
        raise InputError(problems, file=source)
    df["queue"] = qs.astype(str).str.strip()
    bad_aht = df["aht_seconds"] <= 0
    df.loc[bad_aht, "aht_seconds"] = np.nan
    return df


def infer_interval(timestamps: pd.Series | pd.DatetimeIndex, source: str = "history.csv") -> tuple[int, int, np.ndarray]:
    """Interval length (minutes) of a regular grid, the grid offset and a per-timestamp on-grid mask.

    The interval is the most common step between distinct timestamps; it must divide a day. Raises
    InputError when no regular interval can be inferred (fewer than 1% off-grid rows are tolerated
    and reported by the caller)."""
    t = pd.DatetimeIndex(pd.Series(timestamps).drop_duplicates().sort_values()).as_unit("ns")
    if len(t) < 2:
        _fail(source, ["cannot infer the interval length: fewer than two distinct timestamps"])
    minutes = (t.asi8 // 60_000_000_000).astype(np.int64)      # minutes since epoch
    if np.any((t.asi8 % 60_000_000_000) != 0):
        _fail(source, ["timestamps must be on whole minutes (interval starts like 08:00, 08:15, ...)"])
    steps = np.diff(minutes)
    steps = steps[steps > 0]
    vals, counts = np.unique(steps, return_counts=True)
    step = int(vals[np.argmax(counts)])
    # The centre's planning grid (scheduler.domain.INTERVAL_MINUTES), up to 4 hours: the models
    # need several intervals a day.
    if step > 240 or step not in INTERVAL_MINUTES:
        _fail(source, [InputProblem(source, f"cannot infer a regular interval: the most common step between "
                                            f"timestamps is {step} min; expected one that divides an hour "
                                            "(5, 10, 15, 20, 30 or 60 minutes) or 2, 3 or 4 hours",
                                    column="timestamp")])
    g = math.gcd(*[int(s) for s in vals]) if len(vals) else step
    mod = (minutes % 1440) % step
    off_vals, off_counts = np.unique(mod, return_counts=True)
    offset = int(off_vals[np.argmax(off_counts)])
    on_grid_t = mod == offset
    share_off = 1 - on_grid_t.mean()
    if share_off > 0.01:
        eg = ", ".join(str(x) for x in t[~on_grid_t][:3])
        _fail(source, [f"timestamps are irregular: {share_off:.1%} are off the {step}-minute grid "
                       f"(e.g. {eg}); gcd of the steps is {g} min. Expected one row per queue per regular "
                       "interval of 15, 30 or 60 minutes"])
    ts = pd.DatetimeIndex(timestamps).as_unit("ns")
    mins = ts.asi8 // 60_000_000_000
    on_grid = ((mins % 1440) % step) == offset
    return step, offset, np.asarray(on_grid)


# The days a queue's cleaning leaves out, by their report key, and in words (the CLI and the app).
LEFT_OUT = (("missing_days", "without rows"), ("partial_days_excluded", "partial"),
            ("anomalous_days_excluded", "anomalous"))


def _dates_list(days: pd.DatetimeIndex, mask: np.ndarray) -> list[str]:
    sel = days[mask]
    out = [d.strftime("%Y-%m-%d") for d in sel[:MAX_LISTED]]
    if len(sel) > MAX_LISTED:
        out.append(f"... {len(sel) - MAX_LISTED} more")
    return out


def listed_count(dates: list) -> int:
    """How many days a list of ``_dates_list`` names (its '... N more' counts those too)."""
    more = [int(d.split()[1]) for d in dates if str(d).startswith("... ")]
    return len(dates) - len(more) + sum(more)


def _hours_text(mask_row: np.ndarray, interval: int, offset: int) -> str:
    if not mask_row.any():
        return "closed"
    parts, s, n = [], None, len(mask_row)
    for i in range(n + 1):
        on = i < n and mask_row[i]
        if on and s is None:
            s = i
        elif not on and s is not None:
            a, b = offset + s * interval, offset + i * interval
            parts.append(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}")
            s = None
    return ",".join(parts)


# Pseudo-contacts per open interval that pull a weekday's intraday shape toward a smooth one. A
# queue of ~5 contacts a day has a shape of a few dozen contacts over six weeks: its raw shares
# were 0 in a third of its open intervals (forecast 0, staffed by nobody while open) and multiples
# of 1/30 elsewhere. A queue of thousands a day is moved by a fraction of a per cent.
PROFILE_PSEUDO_PER_SLOT = 1.0


def weekday_profile(y: np.ndarray, rows: np.ndarray, open_row: np.ndarray) -> np.ndarray | None:
    """Share of the daily volume per interval over ``rows`` (days), restricted to open slots, shrunk
    toward a smooth shape (the same counts averaged over neighbouring intervals, a tenth flat)
    by PROFILE_PSEUDO_PER_SLOT pseudo-contacts per open slot."""
    if len(rows) == 0:
        return None
    block = np.nan_to_num(y[rows])
    if block.sum() <= 0:
        return None
    counts = np.where(open_row, block.sum(axis=0), 0.0)
    if counts.sum() <= 0:
        return None
    n_open = int(open_row.sum())
    kernel = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
    smooth = np.where(open_row, np.convolve(counts, kernel / kernel.sum(), mode="same"), 0.0)
    flat = open_row / n_open
    # (Mostly the neighbours: a flat half moved 5 % of a 24/7 line's daytime volume into its
    # silent nights; the tenth that is flat keeps every open interval above 0.)
    prior = 0.9 * smooth / smooth.sum() + 0.1 * flat if smooth.sum() > 0 else flat
    alpha = PROFILE_PSEUDO_PER_SLOT * n_open
    p = (counts + alpha * prior) / (counts.sum() + alpha)
    return p / p.sum()


def prepare(history: pd.DataFrame, calendar: Calendar, *, source: str = "history.csv",
            before: date | None = None) -> Prepared:
    df = validate(history, source)
    issues: list[str] = []
    if before is not None:
        late = df["timestamp"] >= pd.Timestamp(before)
        if late.any():
            issues.append(f"{int(late.sum())} rows at or after the forecast start {before} ignored")
            df = df[~late]
        if len(df) == 0:
            _fail(source, [f"no history before the forecast start {before}"])
    interval, offset, on_grid = infer_interval(df["timestamp"], source)
    if not on_grid.all():
        n = int((~on_grid).sum())
        issues.append(f"{n} rows off the {interval}-minute grid dropped (e.g. {df['timestamp'][~on_grid].iloc[0]})")
        df = df[on_grid]
    slots = 1440 // interval
    # duplicates (e.g. the repeated local hour at the DST fall-back): sum contacts, weight AHT
    df = df.assign(_w=df["contacts"] * df["aht_seconds"], _wc=df["contacts"].where(df["aht_seconds"].notna(), 0.0))
    dup = df.duplicated(["queue", "timestamp"], keep=False)
    dup_info = {}
    if dup.any():
        for q, g in df[dup].groupby("queue"):
            dup_info[q] = sorted({d.strftime("%Y-%m-%d") for d in g["timestamp"]})
        df = df.groupby(["queue", "timestamp"], as_index=False).agg(
            contacts=("contacts", "sum"), _w=("_w", "sum"), _wc=("_wc", "sum"))
        df["aht_seconds"] = np.where(df["_wc"] > 0, df["_w"] / df["_wc"].where(df["_wc"] > 0), np.nan)
        issues.append(f"{int(dup.sum())} rows share a (queue, timestamp) - e.g. the repeated hour at a DST "
                      "fall-back - and were summed")
    ts = df["timestamp"]
    day = ts.dt.normalize()
    first, last = day.min(), day.max()
    all_days = pd.date_range(first, last, freq="D")
    n_days = len(all_days)
    unseen = set(range(7)) - set(all_days.day_of_week) - calendar.closed_weekdays
    if unseen:
        # Which weekdays are open is read from the history itself: with less than a week, every
        # weekday not in it would be forecast as closed (no demand, a roster of nobody) - unless
        # the centre's opening hours say it is closed that day anyway.
        names = ", ".join(WEEKDAYS[w].capitalize() for w in sorted(unseen))
        _fail(source, [f"the history covers only {n_days} day(s) ({first:%Y-%m-%d} to {last:%Y-%m-%d}), "
                       f"no {names}; at least one full week of the days the centre opens is needed, "
                       "a few months for a good forecast"])
    di = ((day - first).dt.days).to_numpy()
    si = (((ts - day).dt.total_seconds().to_numpy() // 60 - offset) // interval).astype(int)
    valid = (si >= 0) & (si < slots)
    # global presence: a weekday with rows on fewer than half its dates is a closed weekday
    any_day = np.zeros(n_days, bool)
    any_day[di] = True
    wd_all = all_days.day_of_week.to_numpy()
    wd_open_global = np.array([any_day[wd_all == w].mean() >= 0.5 if (wd_all == w).any() else False
                               for w in range(7)])
    queues: dict[str, QueueData] = {}
    for q, idx in df.groupby("queue").indices.items():
        idx = idx[valid[idx]]
        qd0, ql = di[idx].min(), di[idx].max()
        # a queue's own history starts with its first row (it may have been launched later)
        days = all_days[qd0:]
        n = n_days - qd0
        y = np.full((n, slots), np.nan)
        a = np.full((n, slots), np.nan)
        y[di[idx] - qd0, si[idx]] = df["contacts"].to_numpy()[idx]
        a[di[idx] - qd0, si[idx]] = df["aht_seconds"].to_numpy()[idx]
        queues[str(q)] = _clean_queue(str(q), days, y, a, wd_open_global, calendar, interval, offset,
                                      dup_info.get(q, []))
    return Prepared(interval, offset, slots, queues, issues, first.date(), last.date(), len(df))


def _improbable_zero_runs(y: np.ndarray, has_rows: np.ndarray, status: np.ndarray, wd: np.ndarray,
                          open_day: np.ndarray) -> np.ndarray:
    """Days of runs of open days recorded as all zeros that the queue's volume makes too unlikely
    to be real (Poisson: P(no contact in the run) < ZERO_RUN_P) and that are followed by contacts:
    zeros padded before a queue's launch, or an outage exported as zeros. Read as real, they took
    a launched queue's forecast ~40 % low (other-bank trial). A run at the end of the history is
    left as it is: the queue may have closed."""
    out = np.zeros(len(status), bool)
    # Only the weekdays this queue itself serves: a weekend-only queue's weekdays are zeros by
    # nature (all 65 of them were once read as missing). A weekday counts if it had contacts in
    # its recent weeks (so a queue launched late still has its pre-launch zeros found).
    day_total = np.nansum(y, axis=1)
    served = np.zeros(len(status), bool)
    for w in range(7):
        days_w = np.flatnonzero((wd == w) & has_rows)[-OPEN_WEEKS:]
        served[wd == w] = bool(len(days_w)) and (day_total[days_w] > 0).any()
    ordinary = np.flatnonzero((status == OK) & open_day & has_rows & served)
    if len(ordinary) == 0:
        return out
    totals = day_total[ordinary]
    level = float(totals.mean())
    zero = totals == 0
    k = 0
    while k < len(ordinary):
        if not zero[k]:
            k += 1
            continue
        end = k
        while end < len(ordinary) and zero[end]:
            end += 1
        run = end - k
        if end < len(ordinary) and run >= ZERO_RUN_DAYS and math.exp(-level * run) < ZERO_RUN_P:
            out[ordinary[k:end]] = True
        k = end
    return out


def _clean_queue(q, days, y, aht, wd_open_global, cal: Calendar, interval, offset, dups) -> QueueData:
    n, slots = y.shape
    present = ~np.isnan(y)
    wd = days.day_of_week.to_numpy()
    has_rows = present.any(axis=1)
    dates = [d.date() for d in days]
    hol = np.array([cal.is_holiday(d) for d in dates])
    clo = np.array([cal.is_closure(d) for d in dates])
    status = np.full(n, OK, dtype=object)
    issues: dict = {}
    # A day without rows is missing only if the queue opens that weekday: centre.toml's hours
    # when given (another bank's report listed every closed Saturday of one queue as missing).
    # Without them, a weekday the queue never has rows on is closed for it whatever the other
    # queues do: a Monday-Saturday queue beside a 24/7 one had every Sunday of three years
    # reported as 'left out: 156 without rows'.
    hours = cal.open_hours.get(q)
    own = np.array([has_rows[wd == w].any() for w in range(7)])
    opens = np.array([wd_open_global[w] and (bool(hours[w]) if hours is not None else own[w]) for w in range(7)])
    if dups:
        issues["duplicate_rows_summed_on"] = dups[:MAX_LISTED]
    # -- closed, missing, holidays, closures ---------------------------------------------------------
    for i in range(n):
        if clo[i]:
            status[i] = CLOSURE
        elif hol[i]:
            status[i] = HOLIDAY if has_rows[i] and np.nansum(y[i]) > 0 else HOLIDAY_CLOSED
        elif not has_rows[i]:
            status[i] = MISSING if opens[wd[i]] else CLOSED
    # -- runs of zero days too long to be chance: not recorded, or before the queue's launch --------
    zero_runs = _improbable_zero_runs(y, has_rows, status, wd, wd_open_global[wd])
    if zero_runs.any():
        status[zero_runs] = MISSING
        issues["zero_days_read_as_missing"] = _dates_list(days, zero_runs)
    # -- open intervals per weekday, from the most recent weeks ------------------------------------
    open_mask = np.zeros((7, slots), bool)
    starts = offset + interval * np.arange(slots)
    configured = np.zeros((7, slots), bool)          # open in centre.toml, when it says
    for w in range(7):
        for a, b in (hours[w] if hours is not None else ()):
            configured[w] |= (starts < b) & (starts + interval > a)
    for w in range(7):
        rows = np.flatnonzero((wd == w) & (status == OK))[-OPEN_WEEKS:]
        if len(rows) == 0:
            continue
        frac = present[rows].mean(axis=0)
        vol = np.nansum(y[rows], axis=0)
        # open = usually recorded and more than a stray contact (0.1% of the day's volume on average)
        open_mask[w] = (frac >= 0.5) & (vol > 0) & (vol >= 0.001 * vol.sum())
        # ... and, between open intervals, one with contacts on most days however few: a busy
        # 24/7 line's quiet 04:15 (51 contacts in a week against ~3,000 a day) was read as closed
        # and left out of the forecast, a hole in the night. (Inside the day only: contacts on
        # most days just before opening or after closing time stay outside the hours.)
        often = (frac >= 0.5) & ((np.nan_to_num(y[rows]) > 0).mean(axis=0) >= 0.5)
        on = np.flatnonzero(open_mask[w])
        if len(on):
            inside = np.zeros(slots, bool)
            inside[on[0]:on[-1] + 1] = True
            open_mask[w] |= often & inside
        # ... or recorded inside the queue's configured opening hours: a 24/7 line's quiet night
        # intervals (zero rows: open, no contacts) were read as closed, so forecast and staffed
        # at nothing - an hour of nights with nobody on the fraud line. Recorded on any of the
        # recent weeks' days: hours extended three weeks ago (18:00-20:00 recorded on 3 of the
        # last 8 Mondays) stayed closed, and so did a Gulf bank's evenings for a month after
        # Ramadan's short days - forecast at nothing while centre.toml had them open.
        if open_mask[w].any():
            open_mask[w] |= configured[w] & (frac > 0)
    # Configured, not recorded on the recent weeks' days - a whole weekday too (a queue opened on
    # Sundays) - if the queue opens on any weekday at all.
    unrecorded = configured & ~open_mask if open_mask.any() else np.zeros_like(open_mask)
    never_recorded = {WEEKDAYS[w]: _hours_text(unrecorded[w], interval, offset)
                      for w in range(7) if unrecorded[w].any()}
    zero_rows = int(((np.nan_to_num(y) == 0) & present).sum())
    absent_in_closed = int((~present & ~open_mask[wd]).sum())
    open_days = open_mask.any(axis=1)
    if open_days.any() and open_mask[open_days].all():
        issues["closed_hours"] = "none (open round the clock on its open days)"
    else:
        issues["closed_hours"] = ("recorded as zero rows" if zero_rows > absent_in_closed
                                  else "absent rows (absent = closed)")
    issues["open_hours"] = {WEEKDAYS[w]: _hours_text(open_mask[w], interval, offset) for w in range(7)}
    if never_recorded:
        issues["configured_hours_without_history"] = never_recorded
    # -- gaps inside open hours: fill from the weekday profile, or mark the day partial -------------
    filled = 0
    filled_days = []
    profiles = {}
    for w in range(7):
        full = np.flatnonzero((wd == w) & (status == OK) & ~(open_mask[w] & ~present).any(axis=1))
        profiles[w] = weekday_profile(y, full[-PROFILE_WEEKS:], open_mask[w])
    for i in range(n):
        if status[i] not in USABLE:
            continue
        gap = open_mask[wd[i]] & ~present[i]
        if not gap.any():
            continue
        p = profiles[wd[i]]
        cover = 1.0 - p[gap].sum() if p is not None else 0.0
        if p is None or cover < MIN_COVERAGE:
            status[i] = PARTIAL
            continue
        level = np.nansum(y[i]) / cover
        y[i, gap] = p[gap] * level
        filled += int(gap.sum())
        filled_days.append(i)
    issues["gaps_filled_intervals"] = filled
    if filled_days:
        issues["gaps_filled_on"] = _dates_list(days, np.isin(np.arange(n), filled_days))
    # -- anomalies: a usable ordinary day far off its weekday's level around it ---------------------
    total = np.where(np.isin(status, USABLE), np.nansum(y, axis=1), np.nan)
    next_special = np.r_[hol[1:] | clo[1:], False]
    prev_special = np.r_[False, hol[:-1] | clo[:-1]]
    ordinary = (status == OK) & ~next_special & ~prev_special
    for i in np.flatnonzero(status == OK):
        if not open_mask[wd[i]].any() or next_special[i] or prev_special[i]:
            continue
        lo, hi = max(0, i - 35), min(n, i + 36)
        ref_idx = [j for j in range(lo, hi) if j != i and wd[j] == wd[i] and ordinary[j]]
        if len(ref_idx) < 3:
            continue
        ref = float(np.median(total[ref_idx]))
        d = total[i]
        ratio = (d + 1) / (ref + 1)
        if (ratio < 0.5 or ratio > 2.0) and abs(d - ref) > 5 * math.sqrt(ref + 1):
            status[i] = ANOMALY
    total = np.where(np.isin(status, USABLE), total, np.nan)
    for code, key in ((MISSING, "missing_days"), (PARTIAL, "partial_days_excluded"),
                      (ANOMALY, "anomalous_days_excluded"), (HOLIDAY_CLOSED, "holidays_closed"),
                      (HOLIDAY, "holidays_open"), (CLOSURE, "closures_in_history")):
        m = status == code
        if m.any():
            issues[key] = _dates_list(days, m)
    issues["days"] = int(n)
    issues["usable_days"] = int(np.isin(status, USABLE).sum())
    a = np.where(present, aht, np.nan)
    return QueueData(q, days, y, present, a, status, open_mask, total, issues, unrecorded)
