"""Tests of scheduler.staffing: Erlang C / Erlang A requirements, curves, the table and validation.

Reference values are recomputed inside the tests by independent slow implementations (exact
rational arithmetic with Python big integers, and scipy.stats.poisson) and, for Erlang A, by a
seeded discrete-event simulation.
"""
from __future__ import annotations

import heapq
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from scheduler.domain import ServiceTarget
from scheduler.errors import InputError
from scheduler.staffing import (
    REQUIREMENT_COLUMNS,
    _upper_hull,
    concave_envelope,
    erlang_a,
    erlang_b,
    erlang_c,
    infer_interval_minutes,
    required_agents,
    requirements_table,
    scheduled_staff,
    service_curve,
    validate_parameters,
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------------------
# Independent slow references
# ------------------------------------------------------------------------------------------
def exact_erlang_c(n: int, calls: int, aht: int, interval: int, target: float):
    """Erlang C from exact rationals: A = calls*aht/interval, C = (A^N/N! * N/(N-A)) / (...)."""
    a = Fraction(calls * aht, interval)
    term = Fraction(1)
    total = Fraction(0)
    for k in range(n):             # sum_{k<N} A^k / k!
        total += term
        term = term * a / (k + 1)
    top = term * n / (n - a)       # A^N/N! * N/(N-A)
    c = top / (total + top)
    sl = 1.0 - float(c) * math.exp(-float(n - a) * target / aht)
    asa = float(c * aht / (n - a))
    return sl, float(c), asa, float(a / n)


def poisson_erlang_c(n: int, a: float, aht: float, target: float):
    """Erlang C through Erlang B = Poisson pmf / cdf (scipy.stats)."""
    b = poisson.pmf(n, a) / poisson.cdf(n, a)
    c = n * b / (n - a * (1 - b))
    return 1 - c * math.exp(-(n - a) * target / aht), c


def slow_requirement(calls, aht, interval, sl, target, max_occ=1.0):
    a = Fraction(calls * aht, interval)
    n = max(math.floor(a) + 1, 1)
    while True:
        s, _, _, occ = exact_erlang_c(n, calls, aht, interval, target)
        if s >= sl and occ <= max_occ + 1e-12:
            return n
        n += 1


# ------------------------------------------------------------------------------------------
# Erlang C: published reference values
# ------------------------------------------------------------------------------------------
def test_callcentrehelper_reference():
    """Call Centre Helper, "Erlang C formula - made simple" worked example: 100 calls in 30 min,
    AHT 180 s, 80 % in 20 s, max occupancy 85 %, shrinkage 30 % -> 14 agents, 20 staff."""
    n = required_agents(100, 180, 1800, service_level=0.8, target_seconds=20, max_occupancy=0.85)
    assert n == 14
    assert scheduled_staff(n, 0.3) == 20
    sl, p_wait, asa, occ = erlang_c(14, 100, 180, 1800, 20)
    assert round(sl, 3) == 0.888
    assert round(occ, 3) == 0.714
    assert round(p_wait, 3) == 0.174
    ref = exact_erlang_c(14, 100, 180, 1800, 20)
    assert np.allclose((sl, p_wait, asa, occ), ref, rtol=1e-12, atol=1e-13)
    # 13 agents miss the target (79.6 %)
    assert round(erlang_c(13, 100, 180, 1800, 20).service_level, 3) == 0.796
    # max occupancy 70 % binds: 15 agents, ceil(15 / 0.7) = 22 staff
    n = required_agents(100, 180, 1800, service_level=0.8, target_seconds=20, max_occupancy=0.70)
    assert n == 15 and scheduled_staff(n, 0.3) == 22


def test_mitan_westbay_reference():
    """The classic "Erlang-C formula" step-by-step example (Mitan / Westbay Engineers): 360 calls
    per half hour, 4 min calls, 55 agents, 15 s target -> A = 48 Erlangs, occupancy 0.873,
    P(wait) 0.2387, ASA 8.2 s, service level 84.6 %. Values checked with the exact reference."""
    sl, p_wait, asa, occ = erlang_c(55, 360, 240, 1800, 15)
    assert round(occ, 3) == 0.873
    assert round(p_wait, 4) == 0.2387
    assert round(asa, 1) == 8.2
    assert round(sl, 3) == 0.846
    assert np.allclose((sl, p_wait, asa, occ), exact_erlang_c(55, 360, 240, 1800, 15), rtol=1e-12)
    # 80 % in 15 s needs 55 agents (54 is not enough)
    assert required_agents(360, 240, 1800, service_level=0.8, target_seconds=15) == 55
    assert erlang_c(54, 360, 240, 1800, 15).service_level < 0.8


@pytest.mark.parametrize(
    "calls, aht, interval, expected",
    [
        # textbook-sized loads in the style of the Call Centre Helper tables; expected values
        # computed by the exact big-integer reference below (not copied from a web page)
        (600, 120, 3600, 24),     # 20 Erlangs
        (1000, 240, 900, 277),    # 266.7 Erlangs
        (2000, 300, 1800, 345),   # 333.3 Erlangs
        (4000, 180, 1800, 410),   # 400 Erlangs (> 300 agents)
    ],
)
def test_large_loads_match_exact_reference(calls, aht, interval, expected):
    n = required_agents(calls, aht, interval, service_level=0.8, target_seconds=20)
    assert n == expected == slow_requirement(calls, aht, interval, 0.8, 20)
    for k in (n - 1, n, n + 7):
        got = erlang_c(k, calls, aht, interval, 20)
        ref = exact_erlang_c(k, calls, aht, interval, 20)
        assert np.allclose(got, ref, rtol=1e-9, atol=1e-12)
        sl_p, c_p = poisson_erlang_c(k, calls * aht / interval, aht, 20)
        assert got.service_level == pytest.approx(sl_p, rel=1e-9)
        assert got.p_wait == pytest.approx(c_p, rel=1e-9)


def test_erlang_b_stable_for_thousands_of_agents():
    n = np.array([0, 1, 10, 500, 3000, 5000, 20])
    a = np.array([5.0, 5.0, 10.0, 480.0, 3000.0, 4700.0, 3000.0])
    b = erlang_b(n, a)
    assert np.all(np.isfinite(b)) and np.all((b >= 0) & (b <= 1))
    for k, aa, bb in zip(n[:4], a[:4], b[:4]):
        ref = poisson.pmf(k, aa) / poisson.cdf(k, aa)
        assert bb == pytest.approx(ref, rel=1e-10)
    # far below the load B -> 1 - N/A roughly; recursion branch must agree with the definition
    assert b[-1] == pytest.approx(1 - 20 / 3000, abs=1e-3)
    # an Erlang C requirement for ~ 4,700 Erlangs runs and is sensible
    n = required_agents(47000, 180, 1800, service_level=0.9, target_seconds=20)
    assert 4700 < n < 4800


def test_zero_contacts_need_no_agents():
    assert required_agents(0, 300, 1800) == 0
    assert required_agents([0, 0.0], [np.nan, 300], 900, model="erlang-a",
                           patience_seconds=60).tolist() == [0, 0]
    assert scheduled_staff(0, 0.3) == 0
    assert erlang_c(0, 0, 300, 1800, 20).service_level == 1.0


def test_max_asa_target():
    # 100 calls / 30 min, AHT 180: ASA with 14 agents is 7.8 s, with 13 it is 17.1 s
    assert required_agents(100, 180, 1800, service_level=0.5, target_seconds=20,
                           max_asa_seconds=10) == 14
    assert required_agents(100, 180, 1800, service_level=0.5, target_seconds=20,
                           max_asa_seconds=3) == 16
    assert erlang_c(15, 100, 180, 1800, 20).asa > 3 > erlang_c(16, 100, 180, 1800, 20).asa


def test_scheduled_staff_float_fuzz():
    assert 21 / (1 - 0.3) > 30          # 30.000000000000004: a naive ceil would give 31
    assert scheduled_staff(21, 0.3) == 30
    assert scheduled_staff(14, 0.3) == 20
    assert scheduled_staff(np.array([0, 1, 7, 14]), 0.3).tolist() == [0, 2, 10, 20]
    assert scheduled_staff(9, 0.0) == 9


# ------------------------------------------------------------------------------------------
# Erlang A
# ------------------------------------------------------------------------------------------
def simulate_mmn_m(n, calls_per_s, aht, patience, target, customers, seed, batches=30):
    """FCFS M/M/N+M by the multi-server Kiefer-Wolfowitz recursion: an arrival's potential
    service start is max(arrival, earliest free agent); if that wait exceeds its patience it
    abandons (and uses no agent). Returns batch means and standard errors of the fraction of
    offered answered within target, the abandon fraction and the mean wait of answered."""
    rng = np.random.default_rng(seed)
    inter = rng.exponential(1.0 / calls_per_s, customers)
    serv = rng.exponential(aht, customers)
    pat = rng.exponential(patience, customers)
    arrivals = np.cumsum(inter).tolist()
    serv, pat = serv.tolist(), pat.tolist()
    free = [0.0] * n
    within = np.zeros(customers)
    aband = np.zeros(customers)
    wait_ans = np.full(customers, np.nan)
    for i in range(customers):
        t = arrivals[i]
        start = free[0] if free[0] > t else t
        w = start - t
        if w > pat[i]:
            aband[i] = 1.0
        else:
            heapq.heapreplace(free, start + serv[i])
            wait_ans[i] = w
            within[i] = 1.0 if w <= target else 0.0
    warm = customers // 20
    out = {}
    for name, x in (("sl", within), ("abandon", aband), ("asa", wait_ans)):
        parts = np.array_split(x[warm:], batches)
        means = np.array([np.nanmean(p) for p in parts])
        out[name] = (means.mean(), means.std(ddof=1) / math.sqrt(batches))
    return out


@pytest.mark.parametrize(
    "agents, calls, aht, patience, target",
    [
        (10, 100, 180, 120, 20),    # A = 10 on 10 agents: critically loaded, heavy abandonment
        (14, 100, 180, 120, 20),    # the Erlang C reference case with abandonment
        (45, 360, 240, 60, 15),     # A = 48 on 45 agents: overloaded, impatient callers
        (4, 40, 300, 400, 30),      # small queue, patient callers, A = 6.7 > N
    ],
)
def test_erlang_a_matches_simulation(agents, calls, aht, patience, target):
    interval = 1800
    res = erlang_a(agents, calls, aht, interval, target, patience)
    sim = simulate_mmn_m(agents, calls / interval, aht, patience, target, 120_000,
                         seed=agents * 1000 + calls)
    z = 3.5    # 99.95 % two-sided; seeded, so the outcome is deterministic
    for name, value in (("sl", res.service_level), ("abandon", res.abandon_rate),
                        ("asa", res.asa)):
        mean, se = sim[name]
        assert abs(value - mean) <= z * se + 1e-9, (name, value, mean, se)
    # identities between the outputs
    assert res.service_level == pytest.approx(
        res.service_level_answered * (1 - res.abandon_rate), rel=1e-9)
    load = calls * aht / interval
    assert res.occupancy == pytest.approx(load * (1 - res.abandon_rate) / agents, rel=1e-9)


def test_erlang_a_huge_patience_is_erlang_c():
    for n, calls, aht, t in ((14, 100, 180, 20), (55, 360, 240, 15), (410, 4000, 180, 20)):
        a = erlang_a(n, calls, aht, 1800, t, 1e9)
        c = erlang_c(n, calls, aht, 1800, t)
        assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
        assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
        assert a.asa == pytest.approx(c.asa, rel=1e-4)
        assert a.abandon_rate < 1e-5
        ra = required_agents(calls, aht, 1800, service_level=0.8, target_seconds=t,
                             model="erlang-a", patience_seconds=1e9)
        rc = required_agents(calls, aht, 1800, service_level=0.8, target_seconds=t)
        assert ra == rc
    # patience None / inf means no abandonment
    assert erlang_a(14, 100, 180, 1800, 20, None).service_level == pytest.approx(
        erlang_c(14, 100, 180, 1800, 20).service_level, rel=1e-12)


def test_erlang_a_edge_cases():
    zero = erlang_a(0, 100, 180, 1800, 20, 120)
    assert zero.service_level == 0 and zero.abandon_rate == 1 and zero.occupancy == 0
    assert zero.asa == math.inf
    # target 0 s: only immediately answered contacts count
    r = erlang_a(12, 100, 180, 1800, 0, 120)
    assert r.service_level == pytest.approx(1 - r.p_wait, abs=1e-12)
    # vectorised call == scalar calls
    ns = np.array([8, 10, 12, 14])
    vec = erlang_a(ns, 100, 180, 1800, 20, 120)
    for i, n in enumerate(ns):
        assert vec.service_level[i] == pytest.approx(erlang_a(int(n), 100, 180, 1800, 20, 120)
                                                     .service_level, rel=1e-12)


def test_erlang_a_requirement_is_minimal():
    rng = np.random.default_rng(7)
    calls = rng.uniform(1, 600, 40)
    aht = rng.uniform(60, 600, 40)
    pat = rng.uniform(20, 600, 40)
    sl = rng.choice([0.7, 0.8, 0.9], 40)
    occ = rng.choice([0.8, 0.9, 1.0], 40)
    n = required_agents(calls, aht, 1800, service_level=sl, target_seconds=20,
                        max_occupancy=occ, model="erlang-a", patience_seconds=pat)
    ok = erlang_a(n, calls, aht, 1800, 20, pat)
    assert np.all(ok.service_level >= sl - 1e-12) and np.all(ok.occupancy <= occ + 1e-12)
    prev = erlang_a(n - 1, calls, aht, 1800, 20, pat)
    assert np.all((prev.service_level < sl) | (prev.occupancy > occ))


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------
loads = st.tuples(
    st.floats(0.5, 800),                 # contacts per 30 min
    st.floats(30, 900),                  # AHT
    st.sampled_from([0.0, 10.0, 20.0, 60.0]),
)


@FAST
@given(loads, st.floats(10, 900))
def test_more_agents_never_lower_service_level(load, patience):
    calls, aht, t = load
    a = calls * aht / 1800
    ns = np.arange(0, int(a * 1.5) + 12)
    c = erlang_c(ns, calls, aht, 1800, t)
    assert np.all(np.diff(c.service_level) >= -1e-12)
    assert np.all(np.diff(c.asa[np.isfinite(c.asa)]) <= 1e-9)
    ea = erlang_a(ns, calls, aht, 1800, t, patience)
    assert np.all(np.diff(ea.service_level) >= -1e-10)
    assert np.all(np.diff(ea.abandon_rate) <= 1e-10)
    assert np.all(np.diff(ea.occupancy[1:]) <= 1e-10)


@FAST
@given(st.floats(0, 500), st.floats(0, 500), st.floats(30, 900),
       st.sampled_from([0.7, 0.8, 0.95]), st.sampled_from(["erlang-c", "erlang-a"]))
def test_requirement_monotone_in_volume(c1, c2, aht, sl, model):
    lo, hi = sorted((c1, c2))
    kw = dict(service_level=sl, target_seconds=20, max_occupancy=0.9, model=model,
              patience_seconds=120)
    assert required_agents(lo, aht, 1800, **kw) <= required_agents(hi, aht, 1800, **kw)


@FAST
@given(st.lists(loads, min_size=1, max_size=6), st.sampled_from(["erlang-c", "erlang-a"]))
def test_curve_concave_non_decreasing(rows, model):
    calls = np.array([r[0] for r in rows])
    aht = np.array([r[1] for r in rows])
    t = np.array([r[2] for r in rows])
    n_max = int((calls * aht / 1800).max() * 1.3) + 5
    curve = service_curve(calls, aht, 1800, t, n_max, model=model, patience_seconds=90)
    raw = service_curve(calls, aht, 1800, t, n_max, model=model, patience_seconds=90,
                        concave=False)
    assert curve.shape == (len(rows), n_max + 1)
    assert np.all(curve[:, 0] == 0)
    d = np.diff(curve, axis=1)
    scale = calls[:, None] * 1e-9
    assert np.all(d >= -scale)
    assert np.all(np.diff(d, axis=1) <= scale)
    assert np.all(curve >= raw - scale)
    assert np.all(curve <= calls[:, None] + scale)
    # it is the LEAST concave majorant: it touches the raw curve at its last point
    assert np.allclose(curve[:, -1], raw[:, -1])


def test_curve_values_and_erlang_c_shape():
    curve = service_curve([100, 0], 180, 1800, 20, 30, concave=False)
    assert curve[0, 14] == pytest.approx(100 * erlang_c(14, 100, 180, 1800, 20).service_level)
    assert np.all(curve[0, :11] == 0)          # N <= A = 10: unstable, nothing within target
    assert np.all(curve[1] == 0)
    env = service_curve([100, 0], 180, 1800, 20, 30)
    assert np.all(env[0, 1:] > 0)              # the chord from the origin
    assert env[0, 20] == pytest.approx(curve[0, 20])


@FAST
@given(st.lists(st.lists(st.floats(-5, 5), min_size=3, max_size=25), min_size=1, max_size=5))
def test_concave_envelope_equals_exact_hull(rows):
    width = min(len(r) for r in rows)
    v = np.array([np.cumsum(r[:width]) for r in rows])
    env = concave_envelope(v)
    for i in range(len(v)):
        exact = _upper_hull(np.maximum.accumulate(v[i]))
        assert np.allclose(env[i], exact, atol=1e-9)


# ------------------------------------------------------------------------------------------
# DataFrame level
# ------------------------------------------------------------------------------------------
def _forecast():
    return pd.DataFrame({
        "timestamp": ["2026-11-30 08:00", "2026-11-30 08:30", "2026-11-30 09:00",
                      "2026-11-30 08:00", "2026-11-30 08:30"],
        "queue": ["deposits", "deposits", "deposits", "cards", "cards"],
        "contacts": [100, 0, 360, 44.2, 4000],
        "aht_seconds": [180, np.nan, 240, 305, 180],
    })


TARGETS = {
    "deposits": ServiceTarget(0.8, 20, 0.85, patience_seconds=120),
    "cards": ServiceTarget(0.8, 20, 1.0, patience_seconds=90),
}


def test_requirements_table_erlang_c():
    out = requirements_table(_forecast(), TARGETS, shrinkage=0.3)
    assert list(out.columns) == REQUIREMENT_COLUMNS
    assert out["agents"].tolist()[:2] == [14, 0]
    assert out["staff"].tolist()[:2] == [20, 0]
    assert out.loc[0, "service_level"] == pytest.approx(0.88835, abs=1e-5)
    assert out.loc[0, "occupancy"] == pytest.approx(10 / 14)
    assert out.loc[1, ["service_level", "occupancy", "asa_seconds"]].tolist() == [1.0, 0.0, 0.0]
    assert out.loc[4, "agents"] == 410
    assert out["queue"].tolist() == _forecast()["queue"].tolist()
    assert out["agents"].dtype.kind == "i" and out["staff"].dtype.kind == "i"


def test_requirements_table_erlang_a():
    out = requirements_table(_forecast(), TARGETS, shrinkage=0.3, model="erlang-a")
    assert list(out.columns) == REQUIREMENT_COLUMNS + ["abandon_rate"]
    assert (out["service_level"] >= 0.8 - 1e-12).all()
    c = requirements_table(_forecast(), TARGETS, shrinkage=0.3)
    assert (out["agents"] <= c["agents"] + 1).all()
    assert out.loc[1, "abandon_rate"] == 0.0


def test_interval_inference():
    assert infer_interval_minutes(_forecast()) == 30
    f = _forecast()
    f["timestamp"] = ["2026-11-30 08:00", "2026-11-30 09:00", "2026-11-30 08:15",
                      "2026-11-30 08:00", "2026-11-30 08:15"]
    assert infer_interval_minutes(f) == 15
    # a different interval changes the load: 100 contacts in 15 min is 20 Erlangs
    out = requirements_table(_forecast().iloc[:1], TARGETS, shrinkage=0.3, interval_minutes=15)
    assert out.loc[0, "agents"] == required_agents(100, 180, 900, service_level=0.8,
                                                   target_seconds=20, max_occupancy=0.85)
    with pytest.raises(InputError, match="interval"):
        requirements_table(_forecast().iloc[[0, 3]], TARGETS, shrinkage=0.3)


# ------------------------------------------------------------------------------------------
# Bad parameters
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, needle",
    [
        (dict(contacts=[-1, 5]), "contacts"),
        (dict(aht_seconds=[180, 0]), "aht_seconds"),
        (dict(targets={"q": ServiceTarget(service_level=1.0)}), "service level"),
        (dict(targets={"q": ServiceTarget(service_level=0.0)}), "service level"),
        (dict(targets={"q": ServiceTarget(max_occupancy=0.0)}), "occupancy"),
        (dict(targets={"q": ServiceTarget(max_occupancy=1.2)}), "occupancy"),
        (dict(targets={"q": ServiceTarget(target_seconds=-1)}), "target_seconds"),
        (dict(targets={"q": ServiceTarget(max_asa_seconds=0)}), "max_asa"),
        (dict(shrinkage=1.0), "shrinkage"),
        (dict(shrinkage=-0.1), "shrinkage"),
        (dict(model="erlang-x"), "model"),
        (dict(model="erlang-a"), "patience"),
    ],
)
def test_bad_parameters(change, needle):
    kw = dict(targets={"q": ServiceTarget()}, shrinkage=0.3, model="erlang-c",
              contacts=[10, 5], aht_seconds=[180, 200])
    kw.update(change)
    with pytest.raises(InputError) as err:
        validate_parameters(**kw)
    assert needle in str(err.value)
    assert all(p.file == "parameters" for p in err.value.problems)


def test_good_parameters_pass():
    validate_parameters(targets=TARGETS, shrinkage=0.0, model="erlang-a", contacts=[0, 3],
                        aht_seconds=[np.nan, 100])


def test_bad_inputs_via_table_and_arrays():
    f = _forecast()
    with pytest.raises(InputError, match="shrinkage"):
        requirements_table(f, TARGETS, shrinkage=1.0)
    with pytest.raises(InputError, match="model"):
        requirements_table(f, TARGETS, shrinkage=0.3, model="poisson")
    with pytest.raises(InputError, match="aht_seconds"):
        requirements_table(f.drop(columns="aht_seconds"), TARGETS, shrinkage=0.3)
    g = f.copy()
    g.loc[0, "aht_seconds"] = np.nan
    with pytest.raises(InputError, match="aht_seconds"):
        requirements_table(g, TARGETS, shrinkage=0.3)
    g = f.copy()
    g.loc[2, "contacts"] = -3
    with pytest.raises(InputError, match="contacts"):
        requirements_table(g, TARGETS, shrinkage=0.3)
    with pytest.raises(InputError, match="service target"):
        requirements_table(f, {"deposits": TARGETS["deposits"]}, shrinkage=0.3)
    with pytest.raises(InputError, match="service_level"):
        required_agents(10, 100, 1800, service_level=1.5)
    with pytest.raises(InputError, match="patience"):
        required_agents(10, 100, 1800, model="erlang-a")
    with pytest.raises(InputError):
        service_curve(10, 100, 1800, 20, 5, model="erlang-b")


# ------------------------------------------------------------------------------------------
# A week at once (speed itself is measured by bench/staffing_speed.py, not by a timed test)
# ------------------------------------------------------------------------------------------
def test_week_of_intervals_vectorised():
    rng = np.random.default_rng(1)
    n = 7 * 96 * 10
    calls = rng.uniform(0, 400, n)
    aht = rng.uniform(120, 600, n)
    agents = required_agents(calls, aht, 900, service_level=0.8, target_seconds=20,
                             max_occupancy=0.9)
    assert agents.shape == (n,)
    sample = rng.choice(n, 20, replace=False)
    for i in sample:   # the vectorised answer equals the one-interval answer
        assert agents[i] == required_agents(calls[i], aht[i], 900, service_level=0.8,
                                            target_seconds=20, max_occupancy=0.9)
