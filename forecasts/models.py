"""Forecast models. Each model is a small specification object; ``spec.fit(data, n, calendar)``
learns from the first ``n`` days of a queue's history and returns a results object whose
``predict(steps)`` forecasts the ``steps`` days that follow (contacts per interval).

* ``SeasonalNaive``  - same interval, same weekday, last week (baseline)
* ``MeanOfWeeks``    - mean of the last k same weekdays (baseline)
* ``DailyProfile``   - daily totals with a statsmodels SARIMAX (log scale; weekday, holiday, eve and
  post-holiday regressors; ARIMA errors), times an intraday profile per weekday from recent weeks.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from .calendar import Calendar
from .data import ANOMALY, CLOSURE, HOLIDAY, HOLIDAY_CLOSED, MISSING, OK, PARTIAL, QueueData, weekday_profile


class ModelError(Exception):
    """A model cannot be fitted on this history (too short, numerical failure)."""


@dataclass
class Prediction:
    days: pd.DatetimeIndex
    mean: np.ndarray            # (steps, slots) expected contacts per interval
    daily: np.ndarray           # (steps,) expected daily totals
    daily_log_sd: np.ndarray | None = None   # model-based sd of log daily total (if the model has one)


def future_days(qd: QueueData, n: int, steps: int) -> pd.DatetimeIndex:
    return pd.date_range(qd.days[n - 1] + pd.Timedelta(days=1), periods=steps, freq="D")


def _finish(qd: QueueData, cal: Calendar, days: pd.DatetimeIndex, mean: np.ndarray,
            closed_days: np.ndarray | None = None) -> np.ndarray:
    """Zero the closed intervals, user closures and (optionally) days predicted closed."""
    wd = days.day_of_week.to_numpy()
    mean = np.where(qd.open_mask[wd], np.nan_to_num(mean), 0.0)
    clo = np.array([cal.is_closure(d.date()) for d in days])
    if closed_days is not None:
        clo = clo | closed_days
    mean[clo] = 0.0
    return np.maximum(mean, 0.0)


def _observed_days(qd: QueueData) -> np.ndarray:
    return ~np.isin(qd.status, (MISSING, PARTIAL)) & qd.present.any(axis=1)


def holidays_closed(qd: QueueData, n: int) -> bool:
    """Was the queue closed on most public holidays that fell on its open weekdays (first n days)?"""
    st = qd.status[:n]
    on_open = qd.open_weekdays()[qd.weekday[:n]]
    n_hol = int((np.isin(st, (HOLIDAY, HOLIDAY_CLOSED)) & on_open).sum())
    n_closed = int(((st == HOLIDAY_CLOSED) & on_open).sum())
    return n_hol > 0 and n_closed / n_hol >= 0.5


def _holiday_names(cal: Calendar, day) -> frozenset[str]:
    """A date's holidays by name, as one holiday whatever the year: 'Christmas Day (observed)' is
    'christmas day'; a date of two holidays ('A; B') has both."""
    name = cal.holiday_name(pd.Timestamp(day).date()) or ""
    return frozenset(p.strip().casefold().split(" (")[0] for p in name.split(";") if p.strip())


class HolidayClosures:
    """Which public holidays ahead a queue is closed on: each holiday as on its own past
    occurrences on open weekdays, and one never seen before (or as often open as closed) as most
    holidays were (``holidays_closed``). A US bank open on Columbus and Veterans Day and closed on
    the other federal holidays had its next Columbus Day forecast - and rostered - at nothing
    although the history showed it open both years before."""

    def __init__(self, qd: QueueData, n: int, cal: Calendar):
        self.cal = cal
        self.usual = holidays_closed(qd, n)
        st = qd.status[:n]
        on_open = qd.open_weekdays()[qd.weekday[:n]]
        self.seen: dict[str, list[int]] = {}          # name -> [times open, times closed]
        for i in np.flatnonzero(np.isin(st, (HOLIDAY, HOLIDAY_CLOSED)) & on_open):
            for name in _holiday_names(cal, qd.days[i]):
                self.seen.setdefault(name, [0, 0])[int(st[i] == HOLIDAY_CLOSED)] += 1

    def closed_on(self, day) -> bool:
        opened = closed = 0
        for name in _holiday_names(self.cal, day):
            o, c = self.seen.get(name, (0, 0))
            opened, closed = opened + o, closed + c
        return self.usual if opened == closed else closed > opened

    def closed(self, days: pd.DatetimeIndex, holiday: np.ndarray) -> np.ndarray:
        """Per day: a public holiday (``holiday`` flag) this queue is expected to be closed on."""
        return np.array([bool(h) and self.closed_on(d) for d, h in zip(days, holiday)], dtype=bool)


class SeasonalNaive:
    """Same interval of the same weekday one week earlier (further back for longer horizons or when
    that day is missing)."""
    name = "seasonal_naive"

    def fit(self, qd: QueueData, n: int, cal: Calendar) -> "_NaiveResults":
        return _NaiveResults(self, qd, n, cal, k=1)


class MeanOfWeeks:
    """Mean of the last ``k`` observed same weekdays, per interval."""

    def __init__(self, k: int = 4):
        self.k = k
        self.name = f"mean_last_{k}_weeks"

    def fit(self, qd: QueueData, n: int, cal: Calendar) -> "_NaiveResults":
        return _NaiveResults(self, qd, n, cal, k=self.k)


class _NaiveResults:
    def __init__(self, spec, qd, n, cal, k):
        self.spec, self.qd, self.n, self.cal, self.k = spec, qd, n, cal, k
        obs = _observed_days(qd)[:n]
        # Copy ordinary days only: last week's holiday (closed: zeros), closure or outage is not
        # what next week's same weekday looks like (a weekday with no ordinary day left takes
        # any observed one). Holiday eves and catch-up days stay in: leaving them out too (as the
        # daily model's profiles do) cost the 4-week mean on the bank's autumn of holidays
        # (WAPE NE 0.514 -> 0.529, NW 0.604 -> 0.618, TT 1.616 -> 1.703; measured, not kept).
        ordinary = obs & ~np.isin(qd.status[:n], (HOLIDAY, HOLIDAY_CLOSED, CLOSURE, ANOMALY))
        wd = qd.weekday[:n]
        self.rows = {}
        for w in range(7):
            rows = np.flatnonzero(ordinary & (wd == w))
            self.rows[w] = rows if len(rows) else np.flatnonzero(obs & (wd == w))
        if not any(len(r) for r in self.rows.values()):
            raise ModelError("no observed days")
        self.holidays_closed = HolidayClosures(qd, n, cal)

    def predict(self, steps: int) -> Prediction:
        qd, n = self.qd, self.n
        days = future_days(qd, n, steps)
        mean = np.zeros((steps, qd.y.shape[1]))
        for j, d in enumerate(days):
            rows = self.rows[d.day_of_week]
            if self.k == 1:
                # the same weekday ceil((j+1)/7) weeks back, or the latest observed before it
                target = n + j - 7 * ((j // 7) + 1)
                rows = rows[rows <= target][-1:]
            else:
                rows = rows[-self.k:]
            if len(rows):
                mean[j] = np.nanmean(np.nan_to_num(qd.y[rows]), axis=0)
        # A holiday ahead is closed as the queue was on it before (as the daily model does).
        closed = self.holidays_closed.closed(days, self.cal.flags(days, qd.open_weekdays())["hol"] > 0)
        mean = _finish(qd, self.cal, days, mean, closed)
        return Prediction(days, mean, mean.sum(axis=1))


class DailyProfile:
    """Daily totals: SARIMAX on log(1 + total) with weekday dummies and holiday / eve / post-holiday
    regressors (regression with ARIMA errors); intraday: weekday profile from the recent weeks."""

    def __init__(self, order=(0, 1, 1), trend=None, window: int = 371, profile_weeks: int = 6, name=None,
                 yearly: bool = False, month_edges: bool = False):
        self.order, self.trend, self.window, self.profile_weeks = tuple(order), trend, window, profile_weeks
        # yearly: a regressor of last year's level around the same date (``yearly_level``), for
        # histories of more than a year - a December peak repeats, a plain SARIMAX only lags it.
        self.yearly = yearly
        # month_edges: regressors of the month's first and last open days (``month_edges``), where
        # paydays, standing orders and statements bring calls.
        self.month_edges = month_edges
        self.name = name or "sarimax_" + "".join(str(o) for o in self.order) + (f"_{trend}" if trend else "") + \
            ("_yearly" if yearly else "") + ("_month_ends" if month_edges else "")

    def fit(self, qd: QueueData, n: int, cal: Calendar, params=None) -> "DailyProfileResults":
        """Estimate by maximum likelihood, or - given ``params`` of an earlier fit with the same
        columns (rolling-origin backtests) - only run the Kalman filter on the first ``n`` days. The
        regression coefficients live in the state vector, so they are always re-estimated from the
        data up to ``n``; only the ARMA coefficients are reused."""
        from statsmodels.tsa.statespace.sarimax import SARIMAX
        lo = max(0, n - self.window)
        ow = qd.open_weekdays()
        # The calendar read once per fit (a day's flags do not depend on the days around it in the
        # array): the window's regressors, last year's level, the profiles and special days.
        flags = cal.flags(qd.days[:n], ow)
        last_year = None
        if self.yearly:
            last_year = yearly_level(qd, n, flags)
            lo = max(lo, YEAR_DAYS + 3)
            if n - lo < YEARLY_MIN_DAYS:
                raise ModelError(f"a yearly term needs {YEAR_DAYS + 3 + YEARLY_MIN_DAYS} days of history "
                                 f"(has {n})")
        days = qd.days[lo:n]
        wd = days.day_of_week.to_numpy()
        y = np.log1p(qd.total[lo:n])
        y[~ow[wd]] = np.nan
        if np.isfinite(y).sum() < 21:
            raise ModelError(f"only {int(np.isfinite(y).sum())} usable days (need 21)")
        fl = {k: v[lo:] for k, v in flags.items()}
        eve_scale = eve_effect_scale(y, wd, qd.status[lo:n], fl)
        regressors = _regressors(fl, wd, eve_scale, _shifted(last_year, lo, n - lo),
                                 month_edges(days, ow, cal) if self.month_edges else None)
        cols = self._columns(regressors, wd, ow, y) + ([("yr", None)] if self.yearly else [])
        if self.month_edges:
            ok = np.isfinite(y)
            edges = [(k, None) for k in MONTH_EDGES if ((regressors[k] > 0) & ok).sum() >= MONTH_EDGE_MIN]
            if not edges:
                raise ModelError(f"month ends need {MONTH_EDGE_MIN} of each in the history")
            cols += edges
        X = self._exog(regressors, wd, cols)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod = SARIMAX(y, exog=X, order=self.order, trend=self.trend, mle_regression=False,
                          concentrate_scale=True)
            try:
                if params is not None and len(params) == len(mod.param_names):
                    res = mod.filter(params)
                else:
                    res = mod.fit(disp=False, maxiter=50)
            except Exception as e:  # numerical trouble: let the selection skip this model
                raise ModelError(f"SARIMAX failed: {e}") from None
        if not np.all(np.isfinite(res.params)):
            raise ModelError("SARIMAX fit gave non-finite parameters")
        return DailyProfileResults(self, qd, n, cal, res, cols, flags, eve_scale, last_year)

    @staticmethod
    def _columns(regressors: dict, wd, ow, y) -> list:
        ok = np.isfinite(y)
        open_w = [w for w in range(7) if ow[w] and (ok & (wd == w)).any()]
        cols = [("wd", w) for w in open_w[1:]]
        for k in ("hol", "eve", "post"):
            if ((regressors[k] > 0) & ok).sum() >= 1:
                cols.append((k, None))
        return cols

    @staticmethod
    def _exog(regressors: dict, wd, cols):
        if not cols:
            return None
        return np.column_stack([(wd == w).astype(float) if k == "wd" else regressors[k] for k, w in cols])


YEAR_DAYS = 364          # 52 weeks: the same weekday a year before
YEARLY_MIN_DAYS = 56     # days of fit window (each with a year behind it) a yearly term needs


def yearly_level(qd: QueueData, n: int, flags: dict) -> np.ndarray:
    """Last year's level around each of the first ``n`` days, on the log scale without weekday
    effects: per day, log(1 + total) less its weekday's median, averaged over the ordinary days
    within 3 days (holidays, eves, catch-up days and excluded days left out, then interpolated).
    The regressor of day i is this at i - 364 (``_shifted``): what the year did around the date."""
    ow = qd.open_weekdays()
    wd = qd.weekday[:n]
    logs = np.log1p(qd.total[:n])
    ordinary = _ordinary(logs, qd.status[:n], flags) & ow[wd]
    resid = np.where(ordinary, logs - _weekday_levels(logs, wd, ordinary)[wd], np.nan)
    vals = np.where(np.isfinite(resid), resid, 0.0)
    cnt = np.isfinite(resid).astype(float)
    kernel = np.ones(7)
    sums, counts = np.convolve(vals, kernel, "same"), np.convolve(cnt, kernel, "same")
    level = np.where(counts >= 3, sums / np.maximum(counts, 1), np.nan)
    ok = np.isfinite(level)
    if not ok.any():
        return np.zeros(n)
    return np.interp(np.arange(n), np.flatnonzero(ok), level[ok])


def _shifted(level: np.ndarray | None, start: int, count: int) -> np.ndarray | None:
    """The yearly regressor of days start .. start+count-1: ``level`` a year before (its last
    value for days whose year-before is not in the history yet)."""
    if level is None:
        return None
    idx = np.clip(np.arange(start, start + count) - YEAR_DAYS, 0, len(level) - 1)
    return level[idx]


# A weekday whose usual level is within this factor of the median weekday's (or above) is a full
# day: an eve on it takes the whole eve effect (multiplicative, as estimated).
FULL_DAY_RATIO = 1.5


def eve_effect_scale(y: np.ndarray, wd: np.ndarray, status: np.ndarray, flags: dict) -> np.ndarray:
    """Per weekday, the share of the eve effect an eve on that weekday takes (1 = all of it).

    An eve (the day before a holiday) is a short day; so, in some countries, is a weekday - the
    Friday before a Saturday rest day in Israel, a Saturday elsewhere. On such a day the eve
    changes little: the Anonymous Bank's Friday eves took 443-511 contacts where its Fridays
    take ~530, but the eve effect (about a third of a full day) stacked on Friday's forecast
    them at 128-194. So an eve's level is the lower of its weekday's and an eve on a full day's:
    full weekdays (within FULL_DAY_RATIO of the median weekday, or above) take the whole effect, a weekday at or
    below that eve level none, and a weekday in between the part that brings it down to it.
    ``y``: log(1 + daily total), NaN where closed; levels are medians of ordinary days, the
    drop the median of eves on full days. Without an eve on a full day, or with fewer than two
    ordinary days of a weekday, the eve effect applies in full (the plain multiplicative one)."""
    scale = np.ones(7)
    ok = np.isfinite(y) & (status == OK)
    level = _weekday_levels(y, wd, _ordinary(y, status, flags))
    if not np.isfinite(level).any():
        return scale
    # (Against the median weekday, not the busiest: a Monday at twice the rest made every other
    # weekday 'short'.)
    typical = np.nanmedian(level)
    full = np.isfinite(level) & (level >= typical - np.log(FULL_DAY_RATIO))
    eves = ok & (flags["eve"] > 0) & full[wd]
    if not eves.any():
        return scale
    drop = float(np.median(y[eves] - level[wd[eves]]))
    if drop >= 0:
        return scale
    eve_level = level[full].min() + drop      # an eve on the quietest full weekday
    for w in range(7):
        if np.isfinite(level[w]) and not full[w]:
            scale[w] = float(np.clip((level[w] - eve_level) / -drop, 0.0, 1.0))
    return scale


def _ordinary(logs: np.ndarray, status: np.ndarray, flags: dict) -> np.ndarray:
    """Days that say what a weekday usually looks like: known, kept (OK), and no holiday, eve or
    catch-up day."""
    return np.isfinite(logs) & (status == OK) & (flags["eve"] == 0) & (flags["post"] == 0) & (flags["hol"] == 0)


def _weekday_levels(logs: np.ndarray, wd: np.ndarray, ordinary: np.ndarray) -> np.ndarray:
    """Per weekday, the median log(1 + daily total) of its ordinary days (NaN with fewer than two)."""
    level = np.full(7, np.nan)
    for w in range(7):
        vals = logs[ordinary & (wd == w)]
        if len(vals) >= 2:
            level[w] = np.median(vals)
    return level


def _regressors(flags: dict, wd: np.ndarray, eve_scale: np.ndarray, yearly: np.ndarray | None,
                edges: dict | None = None) -> dict:
    """The regressors' values by column key: the calendar's flags, each eve weighted by its
    weekday's share of the eve effect, last year's level ("yr") and the month's first and last
    open days where the model has them."""
    out = dict(flags)
    out["eve"] = flags["eve"] * eve_scale[wd]
    if yearly is not None:
        out["yr"] = yearly
    out.update(edges or {})
    return out


# The month-edge regressors, and how many of each a fit window needs (a payday effect from one
# or two month ends would be noise).
MONTH_EDGES = ("month_first", "month_last")
MONTH_EDGE_MIN = 3


def month_edges(days: pd.DatetimeIndex, open_weekdays: np.ndarray, cal: Calendar) -> dict[str, np.ndarray]:
    """Per day, 1 on the first and on the last open day of its calendar month (an open weekday
    that is no public holiday or closure): the days salaries, standing orders and statements
    arrive. Another bank's consumer line took +40 % on both, forecast 24-27 % short without."""
    edges: dict[tuple[int, int], tuple] = {}      # (year, month) -> its first and last open day

    def edges_of(year: int, month: int) -> tuple:
        if (year, month) not in edges:
            start = pd.Timestamp(year=year, month=month, day=1)
            span = [d.date() for d in pd.date_range(start, start + pd.offsets.MonthEnd(0), freq="D")]
            open_ = [d for d in span if open_weekdays[d.weekday()] and not cal.special(d)]
            edges[year, month] = (open_[0], open_[-1]) if open_ else (None, None)
        return edges[year, month]
    first = np.zeros(len(days))
    last = np.zeros(len(days))
    for i, ts in enumerate(days):
        d = ts.date()
        a, b = edges_of(d.year, d.month)
        first[i], last[i] = float(d == a), float(d == b)
    return {"month_first": first, "month_last": last}


# An intraday shape that changed: the last SHAPE_CHANGE_WEEKS same weekdays against the weeks
# before differ SHAPE_CHANGE_RATIO times as much as two earlier pairs of weeks do among themselves
# (the median over weekdays), by at least SHAPE_CHANGE_MIN of the day's volume moved. Measured at
# 30 weekly origins of each queue of the sample and the Anonymous Bank: at most 1.44 (median
# 0.83-0.94); a lunch peak moved an hour two weeks before the end: 2.4; a small queue whose day
# was turned round for two weeks (a fifth of its volume moved): 1.74, missed at 1.8.
SHAPE_CHANGE_WEEKS = 2
SHAPE_CHANGE_RATIO = 1.6
SHAPE_CHANGE_MIN = 0.05


def _profile_days(status: np.ndarray, flags: dict) -> np.ndarray:
    """Days whose intraday shape is a weekday's usual one: kept (OK), no eve or catch-up day."""
    return (status == OK) & (flags["eve"] == 0) & (flags["post"] == 0)


def shape_changed(qd: QueueData, n: int, cal: Calendar) -> bool:
    """``intraday_shape_changed`` on the first n days' ordinary days (as the profiles read them)."""
    plain = _profile_days(qd.status[:n], cal.flags(qd.days[:n], qd.open_weekdays()))
    return intraday_shape_changed(qd, plain, qd.weekday[:n], 6)


def intraday_shape_changed(qd: QueueData, plain: np.ndarray, wd: np.ndarray, weeks: int) -> bool:
    """Did the queue's intraday shape change in the last SHAPE_CHANGE_WEEKS weeks? Per weekday
    with `weeks` (>= 6) ordinary days: the share of the day moved between the last two and the
    four before (total variation distance), against the same between the first two pairs of those
    four - what week-to-week noise moves. Profiles average six weeks, which is right while the
    shape holds (recent weeks weighted more cost 2-4 % WAPE on the sample and the Anonymous Bank)."""
    new = SHAPE_CHANGE_WEEKS
    ratios, moved = [], []
    for w in range(7):
        rows = np.flatnonzero(plain & (wd == w))[-max(weeks, new + 4):]
        mask = qd.open_mask[w]
        if len(rows) < new + 4 or not mask.any():
            continue
        parts = [weekday_profile(qd.y, r, mask) for r in (rows[-new:], rows[-new - 4:-new], rows[-new - 4:-new - 2],
                                                            rows[-new - 2:-new])]
        if any(p is None for p in parts):
            continue
        recent, before, a, b = parts
        d, d0 = 0.5 * np.abs(recent - before).sum(), 0.5 * np.abs(a - b).sum()
        moved.append(d)
        ratios.append(d / max(d0, 1e-9))
    return len(ratios) >= 3 and float(np.median(ratios)) > SHAPE_CHANGE_RATIO and \
        float(np.median(moved)) > SHAPE_CHANGE_MIN


# The special days whose effect is learnt per occasion (the holiday they are next to).
SPECIAL_KINDS = ("eve", "post", "hol")
# Ordinary same weekdays within this many days give a special day's usual level.
NAMED_EFFECT_REACH = 28


def _occasion(cal: Calendar, day, kind: str, open_weekdays: np.ndarray) -> str:
    """The holiday (or closure) a special day belongs to: its own for a holiday, the next day's
    for an eve, the last special day before it (over closed weekdays) for a catch-up day."""
    if kind == "eve":
        day = day + timedelta(days=1)
    elif kind == "post":
        day = cal.day_before(day, open_weekdays)
    names = _holiday_names(cal, day)
    return " / ".join(sorted(names)) if names else ("closure" if cal.is_closure(day) else "")


def occasion_key(cal: Calendar, day, flags: dict, open_weekdays: np.ndarray, eve_scale: float) -> tuple | None:
    """(kind, occasion) of a day that is exactly one kind of special day; None otherwise, and for
    an eve on a short weekday (its weekday's level already rules there: ``eve_effect_scale``)."""
    kinds = [k for k in SPECIAL_KINDS if flags[k] > 0]
    if len(kinds) != 1 or (kinds[0] == "eve" and eve_scale < 1):
        return None
    name = _occasion(cal, day, kinds[0], open_weekdays)
    if not name:
        return None
    after = day + timedelta(days=1)
    if kinds[0] == "post" and (not open_weekdays[after.weekday()] or cal.special(after)):
        # A working day between a holiday and the weekend is a bridge (many take it off), not a
        # catch-up day: New Year's Day on a Wednesday is followed by a busy Thursday, on a
        # Thursday by a quiet Friday.
        return ("bridge", name)
    return (kinds[0], name)


def named_effects(qd: QueueData, n: int, cal: Calendar, flags: dict, eve_scale: np.ndarray) -> dict[tuple, float]:
    """Per (kind, occasion): the median log ratio of its past days (kept, open) to the ordinary
    same weekdays within NAMED_EFFECT_REACH days (``flags``: the calendar's, of the first n days).
    One eve, catch-up or open-holiday effect for all
    occasions netted out effects of opposite sign: a German centre's Christmas and New Year's
    Eves (half days) and Maundy Thursday (+30 %) shared one eve effect, a Friday bridging
    Ascension to the weekend (-45 %) and the busy Tuesday after Easter Monday one catch-up effect
    (forecast +106 %, -24 %, +69 % and -35 % off)."""
    logs = np.log1p(qd.total[:n])
    st, wd = qd.status[:n], qd.weekday[:n]
    ow = qd.open_weekdays()
    fl = flags
    ordinary = _ordinary(logs, st, fl) & ow[wd]
    special = (fl["eve"] > 0) | (fl["post"] > 0) | (fl["hol"] > 0)
    found: dict[tuple, list[float]] = {}
    index = np.arange(n)
    for i in np.flatnonzero(special & np.isin(st, (OK, HOLIDAY)) & ow[wd] & np.isfinite(logs)):
        key = occasion_key(cal, qd.days[i].date(), {k: fl[k][i] for k in SPECIAL_KINDS}, ow, eve_scale[wd[i]])
        near = ordinary & (wd == wd[i]) & (np.abs(index - i) <= NAMED_EFFECT_REACH)
        if key is None or near.sum() < 2:
            continue
        found.setdefault(key, []).append(float(logs[i] - np.median(logs[near])))
        if key[0] == "bridge":      # bridges of any holiday alike, for one not seen before
            found.setdefault(("bridge", "*"), []).append(found[key][-1])
    return {k: float(np.median(v)) for k, v in found.items()}


def named_effect(named: dict, key: tuple | None) -> float | None:
    """The effect of a special day's occasion if seen before (a bridge: of any bridge)."""
    if key is None:
        return None
    if key in named:
        return named[key]
    return named.get(("bridge", "*")) if key[0] == "bridge" else None


class DailyProfileResults:
    def __init__(self, spec: DailyProfile, qd: QueueData, n: int, cal: Calendar, res, cols, flags: dict,
                 eve_scale=None, last_year=None):
        self.spec, self.qd, self.n, self.cal, self.res, self.cols = spec, qd, n, cal, res, cols
        self.flags = flags                     # the calendar's flags of the first n days
        self.last_year = last_year
        self.eve_scale = np.ones(7) if eve_scale is None else eve_scale
        self.holidays_closed = HolidayClosures(qd, n, cal)
        self.named = named_effects(qd, n, cal, flags, self.eve_scale)
        self.profiles = self._profiles()
        r = res.resid[np.isfinite(res.resid)] if res.resid is not None else np.array([])
        self.resid_sd = float(np.std(r[len(r) // 10:])) if len(r) > 10 else 0.2

    def _profiles(self) -> dict:
        qd, n, k = self.qd, self.n, self.spec.profile_weeks
        wd = qd.weekday[:n]
        st = qd.status[:n]
        fl = self.flags
        plain = _profile_days(st, fl)
        prof = {}
        self.shape_changed = intraday_shape_changed(qd, plain, wd, k)
        if self.shape_changed:
            # The new shape only: averaged with the weeks before, a lunch peak moved an hour was
            # forecast at the old hour (+106 % there, -44 % at the new peak).
            k = SHAPE_CHANGE_WEEKS
        pooled_rows = np.flatnonzero(plain)[-7 * k:]
        for w in range(7):
            rows = np.flatnonzero(plain & (wd == w))[-k:]
            p = weekday_profile(qd.y, rows, qd.open_mask[w])
            if p is None or len(rows) < 2:
                pp = weekday_profile(qd.y, pooled_rows, qd.open_mask[w])
                p = p if pp is None else (pp if p is None else 0.5 * (p + pp))
            if p is None and qd.open_mask[w].any():
                p = qd.open_mask[w] / qd.open_mask[w].sum()
            prof[w] = p if p is not None else np.zeros(qd.y.shape[1])
        # eves (e.g. Christmas Eve, erev chag) and open holidays often have their own shape
        # (eves on short weekdays, which keep their weekday's shape, left out)
        eve = (fl["eve"] > 0) & (st == OK) & (self.eve_scale[wd] >= 0.5)
        for key, mask in (("eve", eve), ("hol", st == HOLIDAY)):
            rows = np.flatnonzero(mask)[-6:]
            if len(rows) >= 2:
                union = qd.open_mask.any(axis=0)
                prof[key] = weekday_profile(qd.y, rows, union)
        return prof

    def predict(self, steps: int) -> Prediction:
        qd, n, cal = self.qd, self.n, self.cal
        days = future_days(qd, n, steps)
        ow = qd.open_weekdays()
        wd = days.day_of_week.to_numpy()
        fl = cal.flags(days, ow)
        regressors = _regressors(fl, wd, self.eve_scale, _shifted(self.last_year, n, steps),
                                 month_edges(days, ow, cal) if self.spec.month_edges else None)
        X = DailyProfile._exog(regressors, wd, self.cols)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = self.res.get_forecast(steps, exog=X)
        m = np.asarray(fc.predicted_mean, float)
        v = np.maximum(np.asarray(fc.var_pred_mean, float), 0.0)
        # A special day seen before takes its own effect, not the pooled one: the day forecast as
        # an ordinary one (its flag off), times what that occasion did to its weekday before.
        adjust = {}
        for j, d in enumerate(days):
            effect = named_effect(self.named, occasion_key(cal, d.date(), {k: fl[k][j] for k in SPECIAL_KINDS}, ow,
                                                           self.eve_scale[wd[j]]))
            if effect is not None:
                adjust[j] = effect
        if adjust:
            plain = {k: v_.copy() for k, v_ in regressors.items()}
            for j in adjust:
                # (Month edges too: the occasion's effect was measured against ordinary days, a
                # payday's bump included - Thursday 2 January once took both, +32 %.)
                for k in SPECIAL_KINDS + MONTH_EDGES:
                    if k in plain:
                        plain[k][j] = 0.0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m0 = np.asarray(self.res.get_forecast(steps, exog=DailyProfile._exog(plain, wd, self.cols)).predicted_mean,
                                float)
            for j, effect in adjust.items():
                m[j] = m0[j] + effect
        m = np.clip(m, -20, 20)
        daily = np.expm1(m)
        closed = ~ow[wd] | self.holidays_closed.closed(days, fl["hol"] > 0)
        mean = np.zeros((steps, qd.y.shape[1]))
        for j in range(steps):
            p = self.profiles[wd[j]]
            if fl["eve"][j] and "eve" in self.profiles:
                # (An eve on a short weekday keeps that weekday's shape as much as its level.)
                share = self.eve_scale[wd[j]]
                p = share * self._blend(self.profiles["eve"], wd[j]) + (1 - share) * self.profiles[wd[j]]
            elif fl["hol"][j] and "hol" in self.profiles:
                p = self._blend(self.profiles["hol"], wd[j])
            mean[j] = daily[j] * p
        mean = _finish(qd, cal, days, mean, closed)
        return Prediction(days, mean, mean.sum(axis=1), np.sqrt(v))

    def _blend(self, p_special, w):
        """Special-day shape restricted to the weekday's open intervals, half-way to the weekday's."""
        p = np.where(self.qd.open_mask[w], p_special, 0.0)
        if p.sum() <= 0:
            return self.profiles[w]
        return 0.5 * p / p.sum() + 0.5 * self.profiles[w]


# Handle time drifts (a new system, a new product, staff gaining experience): the recent weeks say
# more. Contact-weighted AHT error per interval over the last six weekly origins, 8 weeks with
# equal weight -> a half-life of 14 days: the Anonymous Bank's queues -0.6 % to -2.4 % (PE +2.0 %),
# the sample's -1.7 % to +1.3 %; an AHT falling 300 s -> 240 s over the last month was forecast
# at 284 s (the 8-week mean; +15 % staff-hours) and is 272 s with it (7 days: 262 s, but the
# sample's queues -0.2 % to +2.4 %); core.AHT_DRIFT_WARN says what is left.
AHT_HALF_LIFE_DAYS = 14.0


# An interval's AHT is the mean of its contacts' handle times: with c contacts it varies about
# 1/sqrt(c) of the mean from week to week. A few calls of hours (a stuck line, a system outage,
# a complex complaint) once raised a quiet 17:00 interval's forecast AHT by 30-70 % on every
# weekday (three 3-hour calls in a wealth queue of ~5 contacts). Each interval's AHT is capped
# at its time of day's median times max(AHT_OUTLIER_FLOOR, 1 + AHT_OUTLIER_SPREAD / sqrt(c)): the
# floor keeps what is real in a busy interval - a Saturday's longer calls, a new system's last
# three weeks - which a cap of 1 + 4 / sqrt(c) alone cut by up to 12 %.
AHT_OUTLIER_SPREAD = 4.0
AHT_OUTLIER_FLOOR = 3.0


def robust_aht(aht: np.ndarray, contacts: np.ndarray, spread: float = AHT_OUTLIER_SPREAD,
               floor: float = AHT_OUTLIER_FLOOR) -> np.ndarray:
    """AHT per day x interval with outlying intervals capped (see AHT_OUTLIER_SPREAD); the cap's
    reference is the median over days of each interval of the day's AHT (contacts > 0)."""
    seen = np.where(np.isfinite(aht) & (contacts > 0), aht, np.nan)
    if not np.isfinite(seen).any():
        return aht
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)          # all-NaN intervals of the day
        typical = np.nanmedian(seen, axis=0)
    typical = np.where(np.isfinite(typical), typical, np.nanmedian(seen))
    cap = typical[None, :] * np.maximum(floor, 1.0 + spread / np.sqrt(np.maximum(contacts, 1.0)))
    return np.where(np.isfinite(aht), np.minimum(aht, cap), aht)


def aht_profile(qd: QueueData, n: int, weeks: int = 8, shrink: float = 30.0,
                half_life: float | None = AHT_HALF_LIFE_DAYS) -> tuple[np.ndarray, float]:
    """AHT per weekday x interval: contact-weighted over the recent weeks, shrunk toward the interval's
    all-weekday value and that toward the queue mean (``shrink`` = pseudo-contacts). ``half_life``
    (days): a day's contacts count half as much that many days earlier."""
    lo = max(0, n - 7 * weeks)
    c = np.nan_to_num(qd.y[lo:n])
    a = robust_aht(qd.aht[lo:n], c)
    if half_life:
        c = c * 0.5 ** ((n - 1 - np.arange(lo, n)) / half_life)[:, None]
    ok = np.isfinite(a) & (c > 0) & np.isin(qd.status[lo:n], (OK, HOLIDAY, ANOMALY))[:, None]
    w = np.where(ok, c, 0.0)
    wa = np.where(ok, c * np.nan_to_num(a), 0.0)
    if w.sum() <= 0:
        # fall back to all history
        c, a = np.nan_to_num(qd.y[:n]), qd.aht[:n]
        ok = np.isfinite(a) & (c > 0)
        w, wa = np.where(ok, c, 0.0), np.where(ok, c * np.nan_to_num(a), 0.0)
        lo = 0
        if w.sum() <= 0:
            return np.full((7, qd.y.shape[1]), np.nan), float("nan")
    qmean = wa.sum() / w.sum()
    slot_w, slot_wa = w.sum(axis=0), wa.sum(axis=0)
    slot = (slot_wa + shrink * qmean) / (slot_w + shrink)
    wd = qd.weekday[lo:n]
    out = np.empty((7, qd.y.shape[1]))
    for d in range(7):
        m = wd == d
        out[d] = (wa[m].sum(axis=0) + shrink * slot) / (w[m].sum(axis=0) + shrink)
    return out, float(qmean)
