"""Staffing requirements: how many agents each interval needs to meet its service target.

Two queueing models, both vectorised over intervals with numpy:

* **Erlang C** (M/M/N): callers wait as long as it takes.
* **Erlang A** (M/M/N+M, Palm 1943; Garnett, Mandelbaum & Reiman 2002): callers abandon after an
  exponentially distributed patience with mean ``ServiceTarget.patience_seconds``.

For every interval the *requirement* is the smallest number of agents ``N`` on the phones such that

* the service level (fraction of offered contacts answered within ``target_seconds``) is at least
  ``service_level``,
* the average speed of answer is at most ``max_asa_seconds`` (when set), and
* the occupancy is at most ``max_occupancy``;

the staff to roster is ``ceil(N / (1 - shrinkage))``. :func:`service_curve` gives, per interval,
the expected number of contacts answered within target with 0..n_max agents (made concave), so the
roster engine can value each extra agent. See ``docs/staffing.md`` for the formulas and references.

Numerics: Erlang B is computed from the Poisson pmf/cdf ratio (``B = pmf(N; A) / cdf(N; A)``, in
log-space through ``gammaln`` and ``gammaincc``) or from the recursion
``B(n) = A B(n-1) / (n + A B(n-1))``, never from factorials, so loads of thousands of Erlangs are
fine. The Erlang A stationary distribution is computed in log-space and truncated where the mass
is below ~1e-20 of its peak.

This module imports only :mod:`scheduler.domain`, :mod:`scheduler.errors`, numpy, scipy and pandas.
"""
from __future__ import annotations

import math
from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import gammaincc, gammaln, logsumexp

from scheduler.domain import ServiceTarget
from scheduler.errors import InputError, InputProblem

__all__ = [
    "MODELS",
    "ErlangCResult",
    "ErlangAResult",
    "offered_load",
    "erlang_b",
    "erlang_c",
    "erlang_a",
    "required_agents",
    "scheduled_staff",
    "service_curve",
    "concave_envelope",
    "infer_interval_minutes",
    "queue_steps",
    "validate_parameters",
    "requirements_table",
]

MODELS = ("erlang-c", "erlang-a")
REQUIREMENT_COLUMNS = [
    "timestamp", "queue", "contacts", "aht_seconds",
    "agents", "staff", "service_level", "occupancy", "asa_seconds",
]

_FUZZ = 1e-9          # ceil(x - _FUZZ): 14 / 0.7 = 20.000000000000004 must give 20
_SL_TOL = 1e-12       # a service level equal to its target (to rounding) meets it
_LOG_CUT = 46.0       # truncate the Erlang A queue where the mass is < e^-46 (~1e-20) of its peak
_MAX_CELLS = 1 << 20  # rows x states per Erlang A chunk (memory bound)
_DENSE_MAX = 1 << 15  # longer queues (patience >> AHT with N < A) are summed on a sampled grid
_MAX_AGENTS = 10_000_000


# ============================================================================================
# Results
# ============================================================================================
class ErlangCResult(NamedTuple):
    """Erlang C performance with a given number of agents (floats, or arrays when vectorised)."""

    service_level: float   # P(wait <= target)
    p_wait: float          # P(wait > 0), the Erlang C probability
    asa: float             # average speed of answer, seconds (inf when agents <= load)
    occupancy: float       # load / agents, capped at 1


class ErlangAResult(NamedTuple):
    """Erlang A (M/M/N+M) performance with a given number of agents."""

    service_level: float            # fraction of OFFERED contacts answered within target
    p_wait: float                   # P(an arrival has to wait)
    asa: float                      # mean wait of ANSWERED contacts, seconds
    occupancy: float                # carried load / agents
    abandon_rate: float             # fraction of offered contacts that abandon
    service_level_answered: float   # fraction of ANSWERED contacts answered within target
    mean_wait: float                # mean time in queue of all offered contacts (incl. abandoned)


# ============================================================================================
# Erlang B / C
# ============================================================================================
def offered_load(contacts, aht_seconds, interval_seconds):
    """Offered load in Erlangs: arrival rate x mean handle time."""
    return np.asarray(contacts, dtype=float) * np.asarray(aht_seconds, dtype=float) / np.asarray(
        interval_seconds, dtype=float)


def _erlang_b_recursion(n, a):
    """Erlang B by the forward recursion from 0 to max(n) (vectorised, stable, O(max n))."""
    n = np.asarray(n, dtype=np.int64)
    a = np.asarray(a, dtype=float)
    b = np.ones(n.shape)
    top = int(n.max()) if n.size else 0
    for k in range(1, top + 1):
        step = n >= k
        ab = a * b
        b = np.where(step, ab / (k + ab), b)
    return b


def erlang_b(agents, load):
    """Erlang B blocking probability B(N, A), vectorised and stable for thousands of agents.

    Uses B = pmf(N; A) / cdf(N; A) of a Poisson(A) variable (log-pmf through gammaln, cdf through
    the regularised incomplete gamma) where the cdf is not tiny, and the recursion elsewhere.
    """
    n = np.asarray(agents, dtype=np.int64)
    a = np.asarray(load, dtype=float)
    n, a = np.broadcast_arrays(n, a)
    out = np.ones(n.shape, dtype=float)
    pos = a > 0
    if not pos.any():
        return out if out.ndim else float(out)
    nn, aa = n[pos], a[pos]
    cdf = gammaincc(nn + 1.0, aa)
    logpmf = nn * np.log(aa) - aa - gammaln(nn + 1.0)
    good = cdf > 1e-150
    res = np.empty(nn.shape)
    res[good] = np.exp(logpmf[good]) / cdf[good]
    if (~good).any():
        res[~good] = _erlang_b_recursion(nn[~good], aa[~good])
    res[nn <= 0] = 1.0
    out[pos] = np.clip(res, 0.0, 1.0)
    return out if out.ndim else float(out)


def _erlang_c_from_b(n, a, b):
    """Erlang C waiting probability from Erlang B (valid for n > a)."""
    return n * b / (n - a * (1.0 - b))


def _erlang_c_metrics(n, a, aht, target):
    """Vectorised Erlang C metrics. n agents, a load (Erlangs), aht and target in seconds."""
    n = np.asarray(n, dtype=float)
    a = np.asarray(a, dtype=float)
    n, a, aht, target = np.broadcast_arrays(n, a, np.asarray(aht, float), np.asarray(target, float))
    b = erlang_b(n.astype(np.int64), a)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = np.where(stable, _erlang_c_from_b(n, a, b), 1.0)
        c = np.clip(c, 0.0, 1.0)
        gap = np.where(stable, n - a, 1.0)
        sl = np.where(stable, 1.0 - c * np.exp(-gap * target / np.where(aht > 0, aht, 1.0)), 0.0)
        asa = np.where(stable, c * aht / gap, np.inf)
        occ = np.where(n > 0, np.minimum(a / np.where(n > 0, n, 1.0), 1.0), 0.0)
    zero = a <= 0
    sl = np.where(zero, 1.0, sl)
    c = np.where(zero, 0.0, c)
    asa = np.where(zero, 0.0, asa)
    occ = np.where(zero, 0.0, occ)
    return ErlangCResult(np.clip(sl, 0.0, 1.0), c, asa, occ)


def _scalarise(result):
    if all(np.ndim(v) == 0 for v in result):
        return type(result)(*(float(v) for v in result))
    return result


def erlang_c(agents, contacts, aht_seconds, interval_seconds, target_seconds) -> ErlangCResult:
    """Erlang C with ``agents`` agents: ``(service_level, p_wait, asa, occupancy)``.

    ``service_level`` = P(wait <= target_seconds) = 1 - C(N, A) exp(-(N - A) T / AHT);
    ``p_wait`` = C(N, A); ``asa`` = C(N, A) AHT / (N - A); ``occupancy`` = A / N.
    With N <= A the queue is unstable: service level 0, p_wait 1, asa inf, occupancy 1.
    Arguments broadcast (numpy); scalars in give floats out.
    """
    a = offered_load(contacts, aht_seconds, interval_seconds)
    return _scalarise(_erlang_c_metrics(np.asarray(agents), a, aht_seconds, target_seconds))


# ============================================================================================
# Erlang A (M/M/N+M)
# ============================================================================================
def _queue_length(a, n, r):
    """States j = 0..J (j waiting callers beyond the N in service) carrying all but ~e^-46 mass.

    log term_j = j log(A/r) - [lgamma(N/r + j + 1) - lgamma(N/r + 1)]   (term_j = pi_{N+j}/pi_N)
    """
    a = np.asarray(a, float)
    n = np.asarray(n, float)
    r = np.asarray(r, float)
    s = n / r

    def logterm(j):
        return j * np.log(a / r) - (gammaln(s + j + 1.0) - gammaln(s + 1.0))

    peak = np.maximum(0.0, np.floor((a - n) / r))
    lmax = np.maximum(0.0, np.maximum(logterm(peak), logterm(peak + 1.0)))
    j = np.maximum(32.0, 2.0 * (peak + 1.0))
    while True:
        bad = (logterm(j) > lmax - _LOG_CUT) & (j < 1e8)
        if not bad.any():
            break
        j = np.where(bad, 2.0 * j, j)
    return j.astype(np.int64)


def _erlang_a_metrics(n, a, aht, target, patience):
    """Vectorised Erlang A metrics; all arguments 1-D arrays of equal length, patience finite > 0.

    Birth-death chain with birth rate lambda and death rate min(k, N) mu + max(k - N, 0) theta.
    An arrival that finds all N agents busy and j callers ahead is answered with probability
    N/(N + (j+1) r) (r = theta/mu = AHT/patience), within T with probability
    N/(N + (j+1) r) * P(V' <= T), V' ~ sum_{i=1}^{j+1} Exp(N mu + i theta), whose survival function
    is the negative-binomial cdf NB(j; size = N/r + 1, p = exp(-theta T)).
    """
    m = n.size
    out = {k: np.zeros(m) for k in ErlangAResult._fields}
    if m == 0:
        return ErlangAResult(**out)
    zero = a <= 0
    out["service_level"][zero] = 1.0
    out["service_level_answered"][zero] = 1.0
    live = np.flatnonzero(~zero)
    if live.size == 0:
        return ErlangAResult(**out)
    n_l, a_l = n[live].astype(float), a[live]
    aht_l, t_l, pat_l = aht[live], target[live], patience[live]
    r_l = aht_l / pat_l
    b_l = erlang_b(n_l.astype(np.int64), a_l)
    jmax = _queue_length(a_l, n_l, r_l)
    sparse = np.flatnonzero(jmax > _DENSE_MAX)
    if sparse.size:
        res = _erlang_a_sparse(n_l[sparse], a_l[sparse], r_l[sparse], aht_l[sparse],
                               t_l[sparse], pat_l[sparse], b_l[sparse], jmax[sparse])
        for k, v in res.items():
            out[k][live[sparse]] = v
    dense = np.flatnonzero(jmax <= _DENSE_MAX)
    order = dense[np.argsort(jmax[dense], kind="stable")]
    start = 0
    while start < order.size:
        width = int(jmax[order[start]]) + 1
        stop = start + 1
        # grow the chunk while it fits the memory budget (sorted by J, so the last is widest)
        while stop < order.size and (stop - start + 1) * (int(jmax[order[stop]]) + 1) <= _MAX_CELLS:
            stop += 1
        idx = order[start:stop]
        width = int(jmax[idx].max()) + 1
        res = _erlang_a_chunk(n_l[idx], a_l[idx], r_l[idx], aht_l[idx], t_l[idx], pat_l[idx],
                              b_l[idx], width)
        for k, v in res.items():
            out[k][live[idx]] = v
        start = stop
    return ErlangAResult(**out)


def _erlang_a_sparse(n, a, r, aht, t, patience, b, jmax):
    """Erlang A for very long queues (patience >> AHT and N < A: the mass sits around
    j* = (A - N)/r with width ~ sqrt(A/r), up to 1e8 states). The sums over j are taken on a
    regular sample grid of step h (1/16 of the scale on which the summand varies) with
    Euler-Maclaurin end weights, every quantity in closed form: log term_j through gammaln,
    P(V' > T | j) through the regularised incomplete beta, sum 1/(N + i r) by the midpoint rule."""
    from scipy.special import betainc

    s = n / r
    peak = np.maximum(0.0, (a - n) / r)
    sigma = np.sqrt(np.maximum(a, 1.0) / r)
    decay = np.where(n > a, n / np.maximum(n - a, 1e-300), np.inf)
    h = np.maximum(1.0, np.floor(np.minimum(sigma, decay) / 16.0))
    lo = np.maximum(0.0, np.floor(peak - 14.0 * sigma))
    lo = np.floor(lo / h) * h
    hi = jmax.astype(float)
    k_count = np.ceil((hi - lo) / h).astype(np.int64) + 1
    width = int(k_count.max())
    k = np.arange(width, dtype=float)[None, :]
    j = lo[:, None] + h[:, None] * k                               # sample points
    valid = k < k_count[:, None]
    wgt = np.where(valid, h[:, None], 0.0)
    last = (k_count - 1)[:, None] == k
    first = k == 0
    wgt = np.where(first | last, h[:, None] / 2.0 + 0.5, wgt)
    wgt = np.where(first & last, 1.0, wgt)
    wgt = np.where(valid, wgt, 0.0)
    n_c, a_c, r_c, s_c = n[:, None], a[:, None], r[:, None], s[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        logterm = j * np.log(a_c / r_c) - (gammaln(s_c + j + 1.0) - gammaln(s_c + 1.0))
        logterm = np.where(valid, logterm, -np.inf)
        log_below = np.log1p(-b) - np.log(b)
        log_s0 = logsumexp(logterm, b=wgt, axis=1)
        log_z = np.logaddexp(log_below, log_s0)
        p_below = np.exp(log_below - log_z)
        w = wgt * np.exp(logterm - log_z[:, None])
    m_j = j + 1.0
    denom = n_c + m_j * r_c
    ans = n_c / denom
    size = s + 1.0
    p = np.exp(-t / patience)
    surv = betainc(size[:, None], j + 1.0, p[:, None])            # NB cdf at j = P(V' > T | j)
    # sum_{i=1}^{j+1} 1/(N + i r) ~ (1/r) log((N + (j+1.5) r)/(N + 0.5 r)) (midpoint rule)
    h_sum = np.log1p(m_j * r_c / (n_c + 0.5 * r_c)) / r_c
    wa = w * ans
    p_answered = p_below + wa.sum(axis=1)
    abandon = (w * (1.0 - ans)).sum(axis=1)
    sl = p_below + (wa * (1.0 - surv)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(p_answered > 0, (wa * h_sum).sum(axis=1) * aht / p_answered, np.inf)
        sla = np.where(p_answered > 0, sl / p_answered, 0.0)
        occ = np.where(n > 0, a * p_answered / np.where(n > 0, n, 1.0), 0.0)
    mean_wait = (w * m_j / denom).sum(axis=1) * aht
    return {
        "service_level": np.clip(sl, 0.0, 1.0),
        "p_wait": np.clip(1.0 - p_below, 0.0, 1.0),
        "asa": asa,
        "occupancy": np.clip(occ, 0.0, 1.0),
        "abandon_rate": np.clip(abandon, 0.0, 1.0),
        "service_level_answered": np.clip(sla, 0.0, 1.0),
        "mean_wait": mean_wait,
    }


def _erlang_a_chunk(n, a, r, aht, t, patience, b, width):
    n_c, a_c, r_c = n[:, None], a[:, None], r[:, None]
    i = np.arange(1, width + 1, dtype=float)[None, :]            # 1..J+1
    denom = n_c + i * r_c                                         # N + i r, i = 1..J+1
    with np.errstate(divide="ignore"):
        logf = np.log(a_c) - np.log(denom[:, :-1])                # factors for j = 1..J
    logterm = np.concatenate([np.zeros((n.size, 1)), np.cumsum(logf, axis=1)], axis=1)  # j=0..J
    with np.errstate(divide="ignore"):
        log_below = np.log1p(-b) - np.log(b)                       # log(1/B - 1): states k < N
    log_s0 = logsumexp(logterm, axis=1)
    log_z = np.logaddexp(log_below, log_s0)
    p_below = np.exp(log_below - log_z)                           # P(k < N): answered at once
    w = np.exp(logterm - log_z[:, None])                          # P(k = N + j)
    m_j = i                                                       # j + 1
    ans = n_c / denom                                             # N / (N + (j+1) r)
    # survival of V' (NB cdf) via cumulative log-pmf: pmf_0 = p^size, ratio x (k-1+size)/k
    size = n / r + 1.0
    logp = -t / patience
    with np.errstate(divide="ignore"):
        log1mp = np.log(-np.expm1(logp))                          # -inf when T = 0
    k = np.arange(1, width, dtype=float)[None, :]
    steps = np.log(k - 1.0 + size[:, None]) - np.log(k) + log1mp[:, None]
    logpmf = np.concatenate([np.zeros((n.size, 1)), np.cumsum(steps, axis=1)], axis=1)
    logpmf += (size * logp)[:, None]
    surv = np.minimum(np.cumsum(np.exp(logpmf), axis=1), 1.0)     # P(V' > T | j)
    wa = w * ans
    p_answered = p_below + wa.sum(axis=1)
    abandon = (w * (1.0 - ans)).sum(axis=1)
    sl = p_below + (wa * (1.0 - surv)).sum(axis=1)
    # mean wait of an answered caller with j ahead: sum_{i=1}^{j+1} AHT / (N + i r)
    h = np.cumsum(1.0 / denom, axis=1) * aht[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(p_answered > 0, (wa * h).sum(axis=1) / p_answered, np.inf)
        sla = np.where(p_answered > 0, sl / p_answered, 0.0)
        occ = np.where(n > 0, a * p_answered / np.where(n > 0, n, 1.0), 0.0)
    mean_wait = (w * m_j * aht[:, None] / denom).sum(axis=1)
    return {
        "service_level": np.clip(sl, 0.0, 1.0),
        "p_wait": np.clip(1.0 - p_below, 0.0, 1.0),
        "asa": asa,
        "occupancy": np.clip(occ, 0.0, 1.0),
        "abandon_rate": np.clip(abandon, 0.0, 1.0),
        "service_level_answered": np.clip(sla, 0.0, 1.0),
        "mean_wait": mean_wait,
    }


def erlang_a(agents, contacts, aht_seconds, interval_seconds, target_seconds,
             patience_seconds) -> ErlangAResult:
    """Erlang A (M/M/N+M) with ``agents`` agents and mean patience ``patience_seconds``.

    Returns ``(service_level, p_wait, asa, occupancy, abandon_rate, service_level_answered,
    mean_wait)``; ``service_level`` is the fraction of *offered* contacts answered within target
    (abandoned contacts count as failures), ``service_level_answered`` the fraction of *answered*
    ones. ``patience_seconds`` = inf (or None) gives Erlang C. Arguments broadcast.
    """
    arrays = np.broadcast_arrays(
        np.asarray(agents, dtype=np.int64), np.asarray(contacts, float),
        np.asarray(aht_seconds, float), np.asarray(interval_seconds, float),
        np.asarray(target_seconds, float),
        np.asarray(np.inf if patience_seconds is None else patience_seconds, float))
    shape = arrays[0].shape
    n, c, aht, iv, t, pat = (x.ravel() for x in arrays)
    a = offered_load(c, aht, iv)
    res = _erlang_a_any(n, a, aht, t, pat)
    res = ErlangAResult(*(v.reshape(shape) for v in res))
    if not shape:
        return ErlangAResult(*(float(v) for v in res))
    return res


def _erlang_a_any(n, a, aht, t, pat):
    """Erlang A where patience is finite, Erlang C (no abandonment) where it is infinite."""
    finite = np.isfinite(pat)
    if finite.all():
        return _erlang_a_metrics(n, a, aht, t, pat)
    out = {k: np.zeros(n.size) for k in ErlangAResult._fields}
    if finite.any():
        ra = _erlang_a_metrics(n[finite], a[finite], aht[finite], t[finite], pat[finite])
        for k in ErlangAResult._fields:
            out[k][finite] = getattr(ra, k)
    inf = ~finite
    rc = _erlang_c_metrics(n[inf], a[inf], aht[inf], t[inf])
    out["service_level"][inf] = rc.service_level
    out["p_wait"][inf] = rc.p_wait
    out["asa"][inf] = rc.asa
    out["occupancy"][inf] = rc.occupancy
    out["abandon_rate"][inf] = 0.0
    out["service_level_answered"][inf] = rc.service_level
    out["mean_wait"][inf] = rc.asa
    return ErlangAResult(**out)


# ============================================================================================
# Requirements
# ============================================================================================
def _meets(res, sl_target, max_occ, max_asa):
    ok = res.service_level >= sl_target - _SL_TOL
    ok &= res.occupancy <= max_occ + _SL_TOL
    ok &= ~(res.asa > max_asa * (1.0 + _SL_TOL))      # max_asa = inf when not set
    return ok


def _required_erlang_c(a, aht, t, sl, occ, asa):
    """Smallest N per row: start at the smallest N allowed by stability and occupancy, compute
    B there directly, then walk N upwards with the Erlang B recursion (vectorised)."""
    out = np.zeros(a.size, dtype=np.int64)
    idx = np.flatnonzero(a > 0)
    if idx.size == 0:
        return out
    a_, aht_, t_, sl_, occ_, asa_ = a[idx], aht[idx], t[idx], sl[idx], occ[idx], asa[idx]
    n = np.maximum(np.floor(a_) + 1.0, np.ceil(a_ / occ_ - _FUZZ))
    b = erlang_b(n.astype(np.int64), a_)
    active = np.arange(idx.size)
    while active.size:
        if np.any(n[active] > _MAX_AGENTS):
            raise InputError(InputProblem("parameters", "service target needs more than "
                                          f"{_MAX_AGENTS} agents; check the inputs"))
        nn, aa, bb = n[active], a_[active], b[active]
        c = np.clip(_erlang_c_from_b(nn, aa, bb), 0.0, 1.0)
        gap = nn - aa
        res_sl = 1.0 - c * np.exp(-gap * t_[active] / aht_[active])
        res_asa = c * aht_[active] / gap
        ok = (res_sl >= sl_[active] - _SL_TOL) & ~(res_asa > asa_[active] * (1.0 + _SL_TOL))
        out[idx[active[ok]]] = nn[ok].astype(np.int64)
        active = active[~ok]
        n[active] += 1.0
        ab = a_[active] * b[active]
        b[active] = ab / (n[active] + ab)
    return out


def _required_erlang_a(a, aht, t, sl, occ, asa, pat):
    """Smallest N per row by vectorised bracketing + bisection (SL of offered contacts increases
    and occupancy and ASA decrease with N). Lower bound: the carried load A x P(answered) is at most
    N x occupancy, and P(answered) >= SL, so N >= A x SL / max_occupancy."""
    out = np.zeros(a.size, dtype=np.int64)
    idx = np.flatnonzero(a > 0)
    if idx.size == 0:
        return out
    a_, aht_, t_, sl_, occ_, asa_, pat_ = (x[idx] for x in (a, aht, t, sl, occ, asa, pat))

    def feasible(rows, n):
        res = _erlang_a_any(n.astype(np.int64), a_[rows], aht_[rows], t_[rows], pat_[rows])
        return _meets(res, sl_[rows], occ_[rows], asa_[rows])

    lo = np.maximum(np.ceil(a_ * sl_ / occ_ - _FUZZ) - 1.0, 0.0)   # known infeasible (SL(lo) < sl)
    hi = np.maximum(_required_erlang_c(a_, aht_, t_, sl_, occ_, asa_).astype(float), lo + 1.0)
    # bracket: grow hi until feasible (rarely needed: short patience can need more than Erlang C)
    rows = np.arange(idx.size)
    while rows.size:
        ok = feasible(rows, hi[rows])
        bad = rows[~ok]
        if np.any(hi[bad] > _MAX_AGENTS):
            raise InputError(InputProblem("parameters", "service target needs more than "
                                          f"{_MAX_AGENTS} agents; check the inputs"))
        lo[bad] = hi[bad]
        hi[bad] = hi[bad] + np.maximum(hi[bad] - np.floor(a_[bad] * sl_[bad]), 4.0)
        rows = bad
    rows = np.flatnonzero(hi - lo > 1)
    while rows.size:
        mid = np.floor((lo[rows] + hi[rows]) / 2.0)
        ok = feasible(rows, mid)
        hi[rows[ok]] = mid[ok]
        lo[rows[~ok]] = mid[~ok]
        rows = rows[hi[rows] - lo[rows] > 1]
    out[idx] = hi.astype(np.int64)
    return out


def _prepare(contacts, aht_seconds, interval_seconds, target_seconds, service_level,
             max_occupancy, max_asa_seconds, patience_seconds):
    arrays = np.broadcast_arrays(
        np.asarray(contacts, float), np.asarray(aht_seconds, float),
        np.asarray(interval_seconds, float), np.asarray(target_seconds, float),
        np.asarray(service_level, float), np.asarray(max_occupancy, float),
        np.asarray(np.inf if max_asa_seconds is None else max_asa_seconds, float),
        np.asarray(np.inf if patience_seconds is None else patience_seconds, float))
    shape = arrays[0].shape
    c, aht, iv, t, sl, occ, asa, pat = (np.array(x, dtype=float).ravel() for x in arrays)
    asa = np.where(np.isnan(asa), np.inf, asa)
    pat = np.where(np.isnan(pat), np.inf, pat)
    aht = np.where(c > 0, aht, 0.0)   # AHT may be missing where nothing is offered
    return shape, c, aht, iv, t, sl, occ, asa, pat


def required_agents(contacts, aht_seconds, interval_seconds, *, service_level=0.8,
                    target_seconds=20.0, max_occupancy=1.0, max_asa_seconds=None,
                    model="erlang-c", patience_seconds=None):
    """Smallest number of agents per interval meeting the service level, ASA and occupancy targets.

    Every argument broadcasts (one value per interval, or a scalar). ``max_asa_seconds`` and
    ``patience_seconds`` may be None / inf / NaN for "not set". Zero contacts need 0 agents.
    Returns an int64 array of the broadcast shape (a Python int for scalar input).
    """
    _check_model(model)
    _check_patience(model, patience_seconds)
    shape, c, aht, iv, t, sl, occ, asa, pat = _prepare(
        contacts, aht_seconds, interval_seconds, target_seconds, service_level, max_occupancy,
        max_asa_seconds, patience_seconds)
    _raise_if(_problems_arrays(c, aht, t, sl, occ, asa, pat, iv, model))
    a = offered_load(c, aht, iv)
    if model == "erlang-c":
        n = _required_erlang_c(a, aht, t, sl, occ, asa)
    else:
        n = _required_erlang_a(a, aht, t, sl, occ, asa, pat)
    return int(n[0]) if not shape else n.reshape(shape)


def scheduled_staff(agents, shrinkage):
    """Agents to roster: ceil(agents / (1 - shrinkage)), immune to float fuzz (14/0.7 -> 20)."""
    if not 0.0 <= float(shrinkage) < 1.0:
        raise InputError(InputProblem("parameters", f"shrinkage must be in [0, 1), got {shrinkage}",
                                      column="shrinkage"))
    s = np.ceil(np.asarray(agents, dtype=float) / (1.0 - shrinkage) - _FUZZ)
    s = np.maximum(s, 0).astype(np.int64)
    return int(s) if s.ndim == 0 else s


# ============================================================================================
# Service-level curve
# ============================================================================================
def concave_envelope(values) -> np.ndarray:
    """Least concave majorant of each row of ``values`` (points k = 0..n on an integer grid).

    Rows are first made non-decreasing (running maximum). For the S-shaped curves of queueing
    models a vectorised shortcut is used (a chord from the origin to the point of largest mean
    slope, then the curve itself); any row where that is not concave gets the exact upper hull.
    """
    v = np.atleast_2d(np.asarray(values, dtype=float))
    v = np.maximum.accumulate(v, axis=1)
    rows, cols = v.shape
    if cols <= 2:
        return v.copy()
    k = np.arange(cols, dtype=float)
    slope = (v[:, 1:] - v[:, :1]) / k[None, 1:]
    kstar = np.argmax(slope, axis=1) + 1                       # tangent point of the chord
    best = slope[np.arange(rows), kstar - 1]
    chord = v[:, :1] + best[:, None] * k[None, :]
    env = np.where(k[None, :] <= kstar[:, None], chord, v)
    d = np.diff(env, axis=1)
    scale = np.maximum(np.abs(v).max(axis=1), 1.0)
    bad = np.flatnonzero((np.diff(d, axis=1) > 1e-12 * scale[:, None]).any(axis=1))
    for r in bad:
        env[r] = _upper_hull(v[r])
    return env


def _upper_hull(y):
    """Exact least concave majorant of one sequence (monotone-chain upper hull)."""
    hull = []
    for x, yy in enumerate(y):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (y2 - y1) * (x - x1) <= (yy - y1) * (x2 - x1):
                hull.pop()
            else:
                break
        hull.append((x, yy))
    xs = np.array([p[0] for p in hull], dtype=float)
    ys = np.array([p[1] for p in hull], dtype=float)
    return np.interp(np.arange(len(y), dtype=float), xs, ys)


def service_curve(contacts, aht_seconds, interval_seconds, target_seconds, n_max, *,
                  model="erlang-c", patience_seconds=None, concave=True) -> np.ndarray:
    """Expected contacts answered within target with 0..n_max agents: shape (n_intervals, n_max+1).

    ``curve[t, k] = contacts[t] * SL_t(k)`` where SL is P(wait <= T) for Erlang C and the fraction
    of offered contacts answered within T for Erlang A. With 0 agents it is 0. The raw curve is
    S-shaped in k (convex while k is below about the load), so by default the least concave
    majorant is returned (``concave=False`` for the raw curve): non-decreasing, concave, equal to
    the raw curve from the tangent point on; marginal values are non-increasing as the roster
    engine needs.
    """
    _check_model(model)
    n_max = int(n_max)
    if n_max < 0:
        raise InputError(InputProblem("parameters", f"n_max must be >= 0, got {n_max}"))
    _check_patience(model, patience_seconds)
    shape, c, aht, iv, t, _, _, _, pat = _prepare(
        contacts, aht_seconds, interval_seconds, target_seconds, 0.5, 1.0, None, patience_seconds)
    _raise_if(_problems_arrays(c, aht, t, None, None, None, pat, iv, model))
    a = offered_load(c, aht, iv)
    m = c.size
    sl = np.zeros((m, n_max + 1))
    live = np.flatnonzero(a > 0)
    if model == "erlang-c" or not np.isfinite(pat).any():
        # Erlang B recursion across k, Erlang C at every k > A
        aa, ah, tt = a[live], aht[live], t[live]
        b = np.ones(live.size)
        for k in range(1, n_max + 1):
            ab = aa * b
            b = ab / (k + ab)
            st = k > aa
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                cc = np.clip(_erlang_c_from_b(k, aa, b), 0.0, 1.0)
                val = 1.0 - cc * np.exp(-(k - aa) * tt / ah)
            sl[live, k] = np.where(st, np.clip(val, 0.0, 1.0), 0.0)
    else:
        rows = live
        for k in range(1, n_max + 1):
            if rows.size == 0:
                sl[live, k:] = np.maximum(sl[live, k:], sl[live, k - 1:k])
                break
            res = _erlang_a_any(np.full(rows.size, k, np.int64), a[rows], aht[rows], t[rows],
                                pat[rows])
            sl[rows, k] = res.service_level
            # saturated rows (SL within 1e-12 of 1) keep their value from here on
            keep = res.service_level < 1.0 - 1e-12
            done = rows[~keep]
            sl[done, k:] = sl[done, k:k + 1]
            rows = rows[keep]
    sl[c <= 0, :] = 0.0
    curve = c[:, None] * sl
    if concave:
        curve = concave_envelope(curve)
    return curve


# ============================================================================================
# Validation
# ============================================================================================
def _check_model(model):
    if model not in MODELS:
        raise InputError(InputProblem("parameters", f"unknown staffing model {model!r}; expected "
                                      + " or ".join(MODELS), column="model"))


def _check_patience(model, patience_seconds):
    if model == "erlang-a" and patience_seconds is None:
        raise InputError(InputProblem("parameters", "the erlang-a model needs patience_seconds "
                                      "(np.inf for no abandonment)", column="patience_seconds"))


def _raise_if(problems):
    if problems:
        raise InputError(problems)


def _problems_arrays(c, aht, t, sl, occ, asa, pat, iv, model):
    """Problems with already-broadcast parameter arrays (used by the array-level functions)."""
    p = []

    def bad(mask, column, what):
        if np.any(mask):
            first = np.flatnonzero(mask)[0]
            p.append(InputProblem("parameters", f"{what} ({int(np.sum(mask))} value(s); first at "
                                  f"position {first})", column=column))

    bad(~np.isfinite(c) | (c < 0), "contacts", "contacts must be a finite number >= 0")
    bad((c > 0) & ~(np.isfinite(aht) & (aht > 0)), "aht_seconds",
        "handle time must be > 0 where contacts > 0")
    bad(~np.isfinite(iv) | (iv <= 0), "interval_seconds", "interval must be > 0")
    bad(~np.isfinite(t) | (t < 0), "target_seconds", "target seconds must be >= 0")
    if sl is not None:
        bad(~((sl > 0) & (sl < 1)), "service_level", "service level target must be in (0, 1)")
    if occ is not None:
        bad(~((occ > 0) & (occ <= 1)), "max_occupancy", "max occupancy must be in (0, 1]")
    if asa is not None:
        bad(~(asa > 0), "max_asa_seconds", "max ASA must be > 0 seconds when set")
    if model == "erlang-a":
        bad(~(pat > 0), "patience_seconds",
            "Erlang A needs a mean patience > 0 seconds for every queue")
    return p


def validate_parameters(*, targets: Mapping[str, ServiceTarget] | None = None,
                        shrinkage: float | None = None, model: str | None = None,
                        contacts=None, aht_seconds=None, interval_minutes: float | None = None,
                        queues=None) -> None:
    """Raise :class:`InputError` listing every bad staffing parameter (no-op when all are fine).

    Checks: model is ``erlang-c``/``erlang-a``; shrinkage in [0, 1); per target: service level in
    (0, 1), target seconds >= 0, max occupancy in (0, 1], max ASA > 0 when set, patience > 0 (and
    set, for Erlang A); contacts finite and >= 0; handle time > 0 where contacts > 0; interval > 0.
    ``queues`` (optional, aligned with contacts) names the queue of each row in messages.
    Problems name the file ``parameters`` and the offending column / setting.
    """
    problems: list[InputProblem] = []
    if model is not None and model not in MODELS:
        problems.append(InputProblem("parameters", f"unknown staffing model {model!r}; expected "
                                     + " or ".join(MODELS), column="model"))
    if shrinkage is not None:
        try:
            s = float(shrinkage)
        except (TypeError, ValueError):
            s = math.nan
        if not 0.0 <= s < 1.0:
            problems.append(InputProblem("parameters", f"shrinkage must be in [0, 1), got "
                                         f"{shrinkage!r}", column="shrinkage"))
    if interval_minutes is not None and not (np.isfinite(interval_minutes) and interval_minutes > 0):
        problems.append(InputProblem("parameters", f"interval_minutes must be > 0, got "
                                     f"{interval_minutes!r}", column="interval_minutes"))
    for qid, tgt in (targets or {}).items():
        problems.extend(_target_problems(qid, tgt, model))
    if contacts is not None:
        c = np.asarray(contacts, dtype=float).ravel()
        q = None if queues is None else np.asarray(queues, dtype=object).ravel()

        def where(mask):
            pos = np.flatnonzero(mask)
            shown = ", ".join(
                (f"{q[i]}#{i}" if q is not None else f"#{i}") for i in pos[:5])
            more = f" and {pos.size - 5} more" if pos.size > 5 else ""
            return f"{pos.size} row(s): {shown}{more}"

        badc = ~np.isfinite(c) | (c < 0)
        if badc.any():
            problems.append(InputProblem("parameters", "contacts must be a number >= 0 "
                                         f"({where(badc)})", column="contacts"))
        if aht_seconds is not None:
            h = np.broadcast_to(np.asarray(aht_seconds, dtype=float), c.shape)
            badh = (c > 0) & ~(np.isfinite(h) & (h > 0))
            if badh.any():
                problems.append(InputProblem("parameters", "aht_seconds must be > 0 where "
                                             f"contacts > 0 ({where(badh)})", column="aht_seconds"))
    _raise_if(problems)


def _target_problems(qid, tgt: ServiceTarget, model):
    out = []

    def num(x):
        try:
            return float(x)
        except (TypeError, ValueError):
            return math.nan

    sl, t, occ = num(tgt.service_level), num(tgt.target_seconds), num(tgt.max_occupancy)
    if not 0.0 < sl < 1.0:
        out.append(InputProblem("parameters", f"queue {qid!r}: service level target must be in "
                                f"(0, 1), got {tgt.service_level!r}", column="service_level"))
    if not (np.isfinite(t) and t >= 0):
        out.append(InputProblem("parameters", f"queue {qid!r}: target_seconds must be >= 0, got "
                                f"{tgt.target_seconds!r}", column="target_seconds"))
    if not 0.0 < occ <= 1.0:
        out.append(InputProblem("parameters", f"queue {qid!r}: max occupancy must be in (0, 1], "
                                f"got {tgt.max_occupancy!r}", column="max_occupancy"))
    if tgt.max_asa_seconds is not None and not num(tgt.max_asa_seconds) > 0:
        out.append(InputProblem("parameters", f"queue {qid!r}: max_asa_seconds must be > 0 when "
                                f"set, got {tgt.max_asa_seconds!r}", column="max_asa_seconds"))
    if tgt.patience_seconds is not None and not num(tgt.patience_seconds) > 0:
        out.append(InputProblem("parameters", f"queue {qid!r}: patience_seconds must be > 0, got "
                                f"{tgt.patience_seconds!r}", column="patience_seconds"))
    if model == "erlang-a" and tgt.patience_seconds is None:
        out.append(InputProblem("parameters", f"queue {qid!r}: the erlang-a model needs "
                                "patience_seconds", column="patience_seconds"))
    return out


# ============================================================================================
# DataFrame level
# ============================================================================================
def queue_steps(forecast: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """Per queue with two distinct timestamps or more: (the smallest positive gap between them in
    minutes, how many distinct timestamps it has)."""
    ts = pd.to_datetime(forecast["timestamp"], errors="coerce")
    if ts.isna().any():
        raise InputError(InputProblem("forecast", "timestamp must be a date-time",
                                      column="timestamp"))
    out = {}
    for q, group in ts.groupby(forecast["queue"].to_numpy(), sort=True):
        u = np.unique(group.to_numpy(dtype="datetime64[ns]"))
        if u.size >= 2:
            out[q] = (np.diff(u).min() / np.timedelta64(1, "m"), int(u.size))
    return out


def infer_interval_minutes(forecast: pd.DataFrame) -> int:
    """Interval length: the smallest positive gap between timestamps within a queue (minutes)."""
    steps = queue_steps(forecast)
    if not steps:
        raise InputError(InputProblem("forecast", "cannot infer the interval length: no queue has "
                                      "two distinct timestamps; pass interval_minutes",
                                      column="timestamp"))
    minutes = min(step for step, _ in steps.values())
    if minutes <= 0 or abs(minutes - round(minutes)) > 1e-9:
        raise InputError(InputProblem("forecast", f"cannot infer the interval length (smallest gap "
                                      f"{minutes} minutes is not a whole number of minutes)",
                                      column="timestamp"))
    return int(round(minutes))


def pool_of(stamps: np.ndarray, queues: np.ndarray, staffed_with: Mapping[str, str]) -> np.ndarray:
    """Per row (timestamp, queue): the queue whose pool serves it - a guest's host where the host
    has a row at the same time, else the row's own queue. A host itself staffed with a third
    queue hosts nobody (centre.toml refuses such chains). The staffing and the expected service
    level read pools this one way."""
    hosts = {g: h for g, h in staffed_with.items() if h not in staffed_with}
    out = np.array(queues, dtype=object)
    if not hosts or not len(out):
        return out
    is_host = np.isin(queues, list(set(hosts.values())))
    present = set(zip(stamps[is_host], queues[is_host]))
    for i, q in enumerate(queues):
        h = hosts.get(q)
        if h is not None and (stamps[i], h) in present:
            out[i] = h
    return out


def requirements_table(forecast: pd.DataFrame, targets: Mapping[str, ServiceTarget], *,
                       shrinkage: float, model: str = "erlang-c",
                       interval_minutes: int | None = None,
                       staffed_with: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Agents and staff per interval and queue (the rows of ``requirements.csv``).

    ``forecast`` has columns ``timestamp, queue, contacts, aht_seconds`` (aht may be empty where
    contacts = 0; the caller fills missing values from the queue default). Output columns, in the
    input row order: ``timestamp, queue, contacts, aht_seconds, agents, staff, service_level,
    occupancy, asa_seconds`` (+ ``abandon_rate`` for ``erlang-a``). The metrics are those
    expected with ``agents`` agents (unrounded; the writer formats them). Rows with 0 contacts get
    0 agents, service level 1, occupancy 0, ASA 0.

    ``staffed_with`` (guest queue -> host queue, ``Queue.staff_with``): in every interval where
    the host has a row, a guest is staffed with it as one pool - the fewest agents with which the
    pool's combined load meets the target of every member with contacts (one line, one wait),
    of whom one serves each guest with contacts (its skill must be there; that agent answers the
    host's contacts too) and the rest the host. The pool's staff (shrinkage applied once, to the
    pool) are split the same way; each row shows what its contacts can expect from the pool
    against its own target, and a ``pool`` column names the host on pooled rows. Where the host
    is closed the guest is staffed on its own. See docs/staffing.md.
    """
    problems = []
    for col in ("timestamp", "queue", "contacts", "aht_seconds"):
        if col not in forecast.columns:
            problems.append(InputProblem("forecast", "missing column" + (
                " (fill it from the queues' default_aht_seconds before calling)"
                if col == "aht_seconds" else ""), column=col))
    _raise_if(problems)
    queues = forecast["queue"].astype(str).to_numpy()
    unknown = sorted(set(queues) - set(map(str, targets)))
    if unknown:
        raise InputError(InputProblem("forecast", "queue(s) without a service target: "
                                      + ", ".join(unknown), column="queue"))
    contacts = pd.to_numeric(forecast["contacts"], errors="coerce").to_numpy(dtype=float)
    aht = pd.to_numeric(forecast["aht_seconds"], errors="coerce").to_numpy(dtype=float)
    used = {q: targets[q] for q in dict.fromkeys(queues)}
    validate_parameters(targets=used, shrinkage=shrinkage, model=model, contacts=contacts,
                        aht_seconds=aht, interval_minutes=interval_minutes, queues=queues)
    if interval_minutes is None:
        interval_minutes = infer_interval_minutes(forecast) if len(forecast) else 60
    iv = float(interval_minutes) * 60.0
    aht_eff = np.where(contacts > 0, aht, 0.0)

    # Staffing groups: each row on its own, except guests whose host has a row at that time
    # (a host itself staffed with a third queue hosts nobody: config refuses such chains).
    pools = {g: h for g, h in (staffed_with or {}).items() if h in targets}
    group_queue = queues.copy()
    group = np.arange(len(queues))
    if pools and len(queues):
        stamps = forecast["timestamp"].to_numpy()
        parsed = pd.to_datetime(forecast["timestamp"], errors="coerce")
        if not parsed.isna().any():    # one clock: Timestamps and strings of one format alike
            stamps = parsed.to_numpy()
        group_queue = pool_of(stamps, queues, staffed_with)
        involved = np.isin(queues, list(set(pools.values()))) | (group_queue != queues)
        keys = [(stamps[i], group_queue[i]) if involved[i] else ("row", i) for i in range(len(queues))]
        group = pd.factorize(pd.Series(keys, dtype=object))[0]
    n_groups = int(group.max()) + 1 if len(group) else 0
    size = np.bincount(group, minlength=n_groups)
    g_contacts = np.bincount(group, weights=contacts, minlength=n_groups)
    g_handled = np.bincount(group, weights=contacts * aht_eff, minlength=n_groups)
    g_aht = np.divide(g_handled, g_contacts, out=np.zeros(n_groups), where=g_contacts > 0)
    alone = size[group] == 1 if n_groups else np.zeros(0, bool)

    def per_row(attr, missing=np.inf, of=queues):
        """Each row's target attribute; ``of``: the queue whose target it is (a row's own, or
        its pool's host)."""
        vals = {q: getattr(t, attr) for q, t in used.items()}
        return np.array([missing if vals[q] is None else float(vals[q]) for q in of],
                        dtype=float) if len(queues) else np.zeros(0)

    sl, tsec, occ = per_row("service_level"), per_row("target_seconds"), per_row("max_occupancy")
    asa_cap, pat = per_row("max_asa_seconds"), per_row("patience_seconds")
    # A pool answers its contacts in one line, so every member's target holds for the pool's
    # combined load: the pool needs the most agents any member with contacts asks for.
    # (A row on its own keeps its own numbers exactly: no round trip through contacts x aht.)
    pool_contacts = np.where(alone, contacts, g_contacts[group]) if n_groups else contacts
    pool_aht = np.where(alone, aht_eff, g_aht[group]) if n_groups else aht_eff
    # Occupancy caps how busy the pool's people are, not how its contacts fare: a pool runs at its
    # host's cap (a guest's 80 % applied to the whole pool made pooling 108 contacts a week cost
    # 494 staff-hours more instead of saving some).
    pool_occ = np.where(alone, occ, per_row("max_occupancy", of=group_queue)) if n_groups else occ
    row_agents = required_agents(np.where(contacts > 0, pool_contacts, 0.0), pool_aht, iv, service_level=sl,
                                 target_seconds=tsec, max_occupancy=pool_occ, max_asa_seconds=asa_cap, model=model,
                                 patience_seconds=pat) if len(queues) else np.zeros(0, np.int64)
    g_agents = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(g_agents, group, np.asarray(row_agents, dtype=np.int64))
    # A guest keeps the agents of its own skill its contacts need on their own (one, for a queue of
    # a few contacts): its contacts are answered at its target whoever else is in the pool. Their
    # idle time answers the host's contacts, so the host gets the rest of the pool.
    guest = group_queue != queues
    own = np.zeros(len(queues), dtype=np.int64)
    if guest.any():
        own[guest] = required_agents(contacts[guest], aht_eff[guest], iv, service_level=sl[guest],
                                     target_seconds=tsec[guest], max_occupancy=occ[guest],
                                     max_asa_seconds=asa_cap[guest], model=model, patience_seconds=pat[guest])
    given = np.bincount(group, weights=own, minlength=n_groups).astype(np.int64)
    g_agents = np.maximum(g_agents, given)
    g_staff = np.asarray(scheduled_staff(g_agents, shrinkage), dtype=np.int64)
    # The pool's shrinkage allowance goes to the host: its agents stand in for whoever is away.
    agents = np.where(guest, own, g_agents[group] - given[group])
    staff = np.where(guest, own, g_staff[group] - given[group])
    # What each row's contacts can expect from the pool, against the row's own target.
    n_pool = g_agents[group]
    a = offered_load(pool_contacts, pool_aht, iv)
    if model == "erlang-c":
        res = _erlang_c_metrics(n_pool, a, pool_aht, tsec)
    else:
        res = _erlang_a_any(n_pool, a, pool_aht, tsec, pat)
    out = pd.DataFrame({
        "timestamp": forecast["timestamp"].to_numpy(),
        "queue": forecast["queue"].to_numpy(),
        "contacts": contacts,
        "aht_seconds": aht,
        "agents": agents.astype(np.int64),
        "staff": staff.astype(np.int64),
    })
    out["service_level"] = res.service_level
    out["occupancy"] = res.occupancy
    out["asa_seconds"] = res.asa
    if model != "erlang-c":
        out["abandon_rate"] = res.abandon_rate
    if pools:
        out["pool"] = np.where(~alone, group_queue, "")
    return out
