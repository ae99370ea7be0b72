"""Prediction intervals: daily-total error (log scale, growing with the horizon) combined with
overdispersed intraday noise, turned into negative-binomial count quantiles; the level of those
quantiles is then chosen so the rolling-origin backtest actuals are covered at the nominal rate
(split-conformal calibration of the level, which stays monotone for small counts)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from scipy.optimize import nnls

LEVELS = (0.80, 0.95)
_LEVEL_RANGE = (0.05, 0.999)


@dataclass
class Calibration:
    a: float = 0.04        # variance of log daily total one day ahead
    b: float = 0.004       # added per extra day of horizon
    phi: float = 1.0       # intraday dispersion (1 = Poisson)
    tau2: float = 0.01     # intraday shape (profile) relative variance
    l80: float = 0.80      # level of the model distribution used for the 80% interval (conformal)
    l95: float = 0.95

    def as_dict(self) -> dict:
        return {k: round(float(v), 5) for k, v in asdict(self).items()}


@dataclass
class Record:
    """One backtest day: forecast and actual per interval, horizon in days (1 = next day)."""
    origin: int
    h: int
    mean: np.ndarray
    actual: np.ndarray


def variance(mean: np.ndarray, h, c: Calibration) -> np.ndarray:
    h = np.asarray(h, float)
    dv = c.a + c.b * np.maximum(h - 1, 0)
    if mean.ndim == 2 and np.ndim(h) == 1:
        dv = dv[:, None]
    return c.phi * mean + (c.tau2 + dv) * mean ** 2


def _model_level(c: Calibration, level: float) -> float:
    return c.l80 if level < 0.9 else c.l95


def bounds(mean: np.ndarray, h, c: Calibration, level: float) -> tuple[np.ndarray, np.ndarray]:
    return count_bounds(mean, variance(mean, h, c), _model_level(c, level))


def hit(actual, mean, h, c: Calibration, level: float) -> np.ndarray:
    """Is each actual count inside the calibrated ``level`` interval?"""
    mean = np.asarray(mean, float)
    return _hits(np.asarray(actual, float), mean, variance(mean, h, c), _model_level(c, level))


def count_bounds(mean, var, level):
    """Central interval of a count distribution with this mean and variance: negative binomial
    (Poisson when not overdispersed). Bounds are counts, so a 0 actual can be covered."""
    mean = np.asarray(mean, float)
    var = np.asarray(var, float)
    lo = np.zeros_like(mean)
    hi = np.zeros_like(mean)
    q = (1 - level) / 2
    pos = mean > 1e-9
    nb = pos & (var > mean * 1.0001)
    po = pos & ~nb
    if nb.any():
        m, v = mean[nb], var[nb]
        r, p = m * m / (v - m), m / v
        lo[nb] = stats.nbinom.ppf(q, r, p)
        hi[nb] = stats.nbinom.ppf(1 - q, r, p)
    if po.any():
        lo[po] = stats.poisson.ppf(q, mean[po])
        hi[po] = stats.poisson.ppf(1 - q, mean[po])
    return lo, hi


def _cdf(k, mean, var):
    """P(Y <= k) for the count distribution of ``count_bounds`` (vectorised, fast)."""
    from scipy.special import betainc, gammaincc
    k = np.floor(np.asarray(k, float))
    out = np.zeros_like(mean)
    ok = k >= 0
    nb = ok & (var > mean * 1.0001)
    po = ok & ~nb
    if nb.any():
        m, v = mean[nb], var[nb]
        out[nb] = betainc(m * m / (v - m), k[nb] + 1, m / v)
    if po.any():
        out[po] = gammaincc(k[po] + 1, mean[po])
    return out


def _hits(actual, mean, var, level) -> np.ndarray:
    """actual inside the central ``level`` interval (same bounds as ``count_bounds``)."""
    q = (1 - level) / 2
    return (_cdf(actual, mean, var) >= q - 1e-12) & (_cdf(actual - 1, mean, var) < 1 - q)


def dispersion(actual: np.ndarray, mu_adj: np.ndarray) -> tuple[float, float]:
    """Fit (y - mu)^2 ~ phi*mu + tau2*mu^2 by non-negative least squares."""
    m = mu_adj > 0
    if m.sum() < 10:
        return 1.0, 0.01
    x, r2 = mu_adj[m], (actual[m] - mu_adj[m]) ** 2
    A = np.column_stack([x, x * x])
    w = 1.0 / np.maximum(x, 1.0)  # tame the largest intervals
    coef, _ = nnls(A * w[:, None], r2 * w)
    return max(float(coef[0]), 1.0), float(min(coef[1], 1.0))


def calibrate(records: list[Record], base: Calibration | None = None, conformal: bool = True) -> Calibration:
    if not records:
        return base or Calibration()
    D_hat = np.array([r.mean.sum() for r in records])
    D = np.array([r.actual.sum() for r in records])
    h = np.array([r.h for r in records], float)
    open_d = D_hat > 0
    c = Calibration()
    if open_d.sum() >= 5:
        e2 = np.log((D[open_d] + 1) / (D_hat[open_d] + 1)) ** 2
        hh = h[open_d] - 1
        X = np.column_stack([np.ones_like(hh), hh])
        coef, *_ = np.linalg.lstsq(X, e2, rcond=None)
        m2 = max(float(np.mean(e2)), 1e-4)
        c.b = float(np.clip(coef[1], 0.02 * m2, 0.3 * m2))
        c.a = max(m2 - c.b * float(np.mean(hh)), 0.3 * m2)
        mu = np.concatenate([r.mean * (r.actual.sum() + 1) / (r.mean.sum() + 1) for r, o in zip(records, open_d) if o])
        y = np.concatenate([r.actual for r, o in zip(records, open_d) if o])
        c.phi, c.tau2 = dispersion(y, mu)
    elif base is not None:
        c = Calibration(**asdict(base))
    if conformal:
        mean, act, hh = _pooled(records)
        if len(mean) >= 20:
            v = variance(mean, hh, c)
            c.l80, c.l95 = (_conformal_level(act, mean, v, level) for level in LEVELS)
    return c


def _pooled(records: list[Record]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forecast, actual and horizon of every open interval (forecast > 0) of these records."""
    if not records:
        return np.array([]), np.array([]), np.array([])
    mean = np.concatenate([r.mean for r in records])
    act = np.concatenate([r.actual for r in records])
    hh = np.concatenate([np.full(len(r.mean), r.h) for r in records])
    m = mean > 0
    return mean[m], act[m], hh[m]


def _conformal_level(actual, mean, var, target: float) -> float:
    """Smallest level of the model's central intervals whose backtest coverage reaches ``target``.
    Central intervals of one distribution are nested, so coverage grows with the level and a
    bisection finds it. (Scaling the variance instead is not monotone for counts: a wider negative
    binomial with a small mean piles its mass on 0 and its upper bound falls.)"""
    lo, hi = _LEVEL_RANGE
    if np.mean(_hits(actual, mean, var, hi)) < target:
        return hi
    if np.mean(_hits(actual, mean, var, lo)) >= target:
        return lo
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        if np.mean(_hits(actual, mean, var, mid)) >= target:
            hi = mid
        else:
            lo = mid
    return float(hi)


def coverage(records: list[Record], c: Calibration) -> dict:
    """Share of open-interval actuals inside the 80% / 95% bounds."""
    out = {}
    mean, act, hh = _pooled(records)
    for level in LEVELS:
        out[f"coverage{int(level * 100)}"] = float(np.mean(hit(act, mean, hh, c, level))) if len(mean) else None
    return out


def loo_coverage(records: list[Record]) -> dict:
    """Honest coverage: calibrate on all origins but one, measure on the one left out."""
    origins = sorted({r.origin for r in records})
    if len(origins) < 3:
        return coverage(records, calibrate(records))
    hits = {lv: [0, 0] for lv in LEVELS}
    for o in origins:
        train = [r for r in records if r.origin != o]
        test = [r for r in records if r.origin == o]
        c = calibrate(train)
        mean, act, hh = _pooled(test)
        for lv in LEVELS:
            hits[lv][0] += int(hit(act, mean, hh, c, lv).sum())
            hits[lv][1] += len(mean)
    return {f"coverage{int(lv * 100)}": (hits[lv][0] / hits[lv][1] if hits[lv][1] else None) for lv in LEVELS}
