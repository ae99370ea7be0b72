#!/usr/bin/env python3
"""Generate the bundled sample centre data (fictional, synthetic).

Run from the repository root:

    python data/generate_sample.py            # writes into data/sample/
    python data/generate_sample.py --out DIR  # writes into DIR (reads DIR/centre.toml if present)

Writes history.csv, employees.csv, time_off.csv and preferences.csv. The queues and their opening
hours are read from centre.toml, so closed intervals are absent from history.csv. The output is
deterministic: the same bytes on every run (fixed seed, no dependence on the clock).

Everything here is invented. The skill mix of the staff (mostly multi-skilled generalists, a few
single-queue specialists) is inspired by the real "Anonymous Bank" call-centre data (Technion SEE
lab, Avi Mandelbaum; Brown et al. 2005, JASA 100(469)); no record of that data is copied.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import tomllib
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

SEED = 20241125
START = pd.Timestamp("2024-11-25 00:00")
END = pd.Timestamp("2026-11-29 23:30")
INTERVAL_MIN = 30
PLAN_WEEK = dt.date(2026, 11, 30)

# Calibration: a typical recent week (mean over these weeks, expected values) carries this much
# workload (contacts x AHT, in hours) per queue. Night-time cards volume is set absolutely.
CALIBRATION_WEEKS = (dt.date(2026, 10, 5), dt.date(2026, 11, 29))
TARGET_WEEKLY_WORKLOAD_HOURS = 1200.0
WORKLOAD_SPLIT = {"deposits": 0.35, "cards": 0.25, "wealth": 0.12, "crossborder": 0.10,
                  "complaints": 0.18}
TARGET_WORKLOAD_HOURS = {q: TARGET_WEEKLY_WORKLOAD_HOURS * s for q, s in WORKLOAD_SPLIT.items()}
CARDS_NIGHT_CONTACTS = 1.3  # mean contacts per 30 min overnight on the 24/7 cards queue

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Per-interval intensity by weekday (Monday highest, falling through the week, Saturday lower).
WEEKDAY_FACTOR = {
    "default": [1.18, 1.07, 1.00, 0.98, 0.94, 0.62, 0.50],
    "wealth": [1.12, 1.05, 1.00, 0.98, 0.94, 0.60, 0.50],
    "crossborder": [1.12, 1.04, 1.00, 0.99, 0.97, 0.60, 0.50],
    "cards": [1.12, 1.02, 0.98, 0.98, 1.03, 0.84, 0.74],
    "complaints": [1.25, 1.08, 1.00, 0.96, 0.90, 0.50, 0.40],
}
# Month factors (Jan..Dec), interpolated smoothly through the year.
MONTH_FACTOR = {
    "deposits": [1.08, 1.01, 1.02, 1.02, 0.98, 0.97, 0.96, 0.92, 1.00, 1.00, 1.00, 0.97],
    "cards": [1.06, 0.98, 0.99, 1.00, 1.00, 1.02, 1.04, 1.04, 0.98, 0.99, 1.00, 1.00],
    "wealth": [1.10, 1.02, 1.06, 1.03, 0.98, 0.96, 0.94, 0.88, 0.98, 1.00, 1.00, 0.92],
    "crossborder": [0.95, 0.96, 0.98, 1.00, 1.02, 1.05, 1.12, 1.12, 1.00, 0.98, 0.99, 1.04],
    "complaints": [1.12, 1.05, 1.01, 1.00, 0.99, 0.98, 0.97, 0.95, 1.00, 1.00, 1.00, 0.95],
}
TREND_PER_YEAR = {"deposits": -0.02, "cards": 0.03, "wealth": 0.01, "crossborder": 0.02,
                  "complaints": 0.0}
AHT_TREND_PER_YEAR = {"deposits": 0.01, "cards": 0.0, "wealth": 0.0, "crossborder": -0.01,
                      "complaints": 0.01}

# Anomalies (documented in data/README.md).
OUTAGE_DAY = dt.date(2025, 10, 14)            # card-payment outage: cards x2.5, 08:00-22:00
COMPLAINTS_AFTER_OUTAGE = (dt.date(2025, 10, 15), dt.date(2025, 10, 16))
TELEPHONY_FAULT = (dt.date(2025, 7, 9), "11:00", "12:30")   # open but 0 contacts recorded
MISSING_DATA = (dt.date(2026, 3, 18), "15:30", "18:00")     # data-feed gap: rows absent
FEE_LETTER = (dt.date(2025, 5, 12), dt.date(2025, 5, 14))   # complaints x1.5


# --------------------------------------------------------------------------------------- helpers
def hhmm(s: str) -> float:
    h, m = s.split(":")
    return int(h) + int(m) / 60.0


def open_window(hours: dict, weekday: int) -> tuple[float, float] | None:
    """(open, close) in hours of day for a weekday, or None when closed."""
    spec = hours.get(WEEKDAYS[weekday], hours.get("default", "closed"))
    spec = str(spec).strip().lower()
    if spec == "closed":
        return None
    if spec == "24h":
        return (0.0, 24.0)
    a, b = spec.split("-")
    lo, hi = hhmm(a), hhmm(b)
    if hi <= lo:  # e.g. 00:00 meaning midnight
        hi += 24.0
    return (lo, hi)


def gauss(t, mu, sd):
    return np.exp(-0.5 * ((t - mu) / sd) ** 2)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def day_shape(t: np.ndarray, queue: str) -> np.ndarray:
    """Relative intraday intensity at time-of-day t (interval midpoint, hours)."""
    if queue == "cards":
        awake = sigmoid((t - 6.9) / 0.45) * sigmoid((21.9 - t) / 0.55)
        return awake * (0.30 + 1.00 * gauss(t, 10.5, 1.5) + 0.55 * gauss(t, 14.5, 1.3)
                        + 0.42 * gauss(t, 19.3, 1.6))
    if queue == "wealth":
        return 0.45 + 1.0 * gauss(t, 10.75, 1.3) + 0.75 * gauss(t, 14.5, 1.2)
    if queue == "crossborder":  # cut-off driven: late-morning peak, pre-cut-off bump at 15:00
        return 0.30 + 1.0 * gauss(t, 10.5, 1.2) + 0.70 * gauss(t, 14.75, 1.0)
    # deposits, complaints
    return (0.22 + 1.0 * gauss(t, 10.5, 1.25) + 0.62 * gauss(t, 14.25, 1.1)
            + 0.18 * gauss(t, 17.75, 1.3))


def aht_shape(t: np.ndarray, queue: str) -> np.ndarray:
    """Relative intraday AHT: shorter at the morning peak, longer in the evening / night."""
    peak = gauss(t, 10.75, 1.3)
    evening = sigmoid((t - 17.75) / 0.7)
    if queue == "cards":
        night = sigmoid((t - 22.0) / 0.5) + sigmoid((5.5 - t) / 0.5)
        return 1.0 - 0.06 * peak + 0.06 * evening + 0.08 * np.clip(night, 0, 1)
    if queue == "wealth":
        return 1.0 - 0.04 * peak + 0.08 * sigmoid((t - 15.5) / 0.8)
    return 1.0 - 0.06 * peak + 0.09 * evening


def year_interp(doy: np.ndarray, monthly: list[float]) -> np.ndarray:
    mids = np.array([15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258, 288.5, 319, 349.5])
    vals = np.asarray(monthly)
    xs = np.concatenate([mids - 365, mids, mids + 365])
    ys = np.concatenate([vals, vals, vals])
    return np.interp(doy, xs, ys)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def df_to_csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


# ------------------------------------------------------------------------------------ calendar
def calendar_effects(days: pd.DatetimeIndex, queues: list[dict], hol: dict,
                     closures: set) -> dict[str, dict[str, np.ndarray]]:
    """Per queue: day factor (deterministic), and whether open, for each day."""
    dates = [d.date() for d in days]
    n = len(dates)
    wd = np.array([d.weekday() for d in dates])
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=float)
    years = np.array([(d - START.date()).days / 365.25 for d in dates])
    is_hol = np.array([d in hol for d in dates])
    out: dict[str, dict[str, np.ndarray]] = {}

    # salary day / month end: last working day (Mon-Fri, not a holiday) of each month
    def is_work(d):
        return d.weekday() < 5 and d not in hol
    last_work, before_last, first_work = set(), set(), set()
    for y in range(2024, 2027):
        for m in range(1, 13):
            d = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
            while not is_work(d):
                d -= dt.timedelta(days=1)
            last_work.add(d)
            p = d - dt.timedelta(days=1)
            while not is_work(p):
                p -= dt.timedelta(days=1)
            before_last.add(p)
            f1 = dt.date(y, m, 1)
            while not is_work(f1):
                f1 += dt.timedelta(days=1)
            first_work.add(f1)

    for q in queues:
        qid = q["id"]
        hours = q["hours"]
        wf = WEEKDAY_FACTOR.get(qid, WEEKDAY_FACTOR["default"])
        f = np.array([wf[w] for w in wd], dtype=float)
        f *= year_interp(doy, MONTH_FACTOR.get(qid, [1.0] * 12))
        f *= (1.0 + TREND_PER_YEAR.get(qid, 0.0)) ** years
        opened = np.array([open_window(hours, w) is not None for w in wd])
        opened &= np.array([d not in closures for d in dates])
        if qid == "cards":
            f[is_hol] *= 0.40
        else:
            opened &= ~is_hol

        # catch-up after holidays: next day (not a holiday) on which the queue is open
        catch = np.ones(n)
        for i in np.flatnonzero(is_hol):
            j = i + 1
            while j < n and (is_hol[j] or not opened[j] or (qid == "cards" and wd[j] >= 5)):
                j += 1
            if j < n:
                catch[j] = 1.30 if catch[j] > 1.0 else 1.25
        f *= catch

        # salary day and month end (last working day), the day before, first working day after
        if qid in ("deposits", "cards"):
            for i, d in enumerate(dates):
                if d in last_work:
                    f[i] *= 1.15
                elif d in before_last:
                    f[i] *= 1.05
                elif d in first_work:
                    f[i] *= 1.10

        # Christmas: card spike in the run-up, quiet between Christmas and New Year
        for i, d in enumerate(dates):
            if d.month == 12 and d.day <= 24 and qid == "cards":
                f[i] *= 1.0 + 0.30 * min(1.0, max(0.0, (d.day - 1) / 19.0)) if d.day <= 22 else 1.15
            if (d.month == 12 and 27 <= d.day <= 31) or (d.month == 12 and d.day == 24):
                f[i] *= 0.90 if qid == "cards" else 0.70
            # tax-year end (5 April) for wealth; ISA season
            if qid == "wealth":
                if (d.month == 3 and d.day >= 20) or (d.month == 4 and d.day <= 5):
                    f[i] *= 1.35
                elif d.month == 4 and d.day <= 12:
                    f[i] *= 1.15
            # self-assessment deadline (31 January) for wealth
            if qid == "wealth" and d.month == 1 and 20 <= d.day <= 31:
                f[i] *= 1.12

        # anomalies at day level
        for i, d in enumerate(dates):
            if qid == "complaints" and d in COMPLAINTS_AFTER_OUTAGE:
                f[i] *= 1.6
            if qid == "complaints" and FEE_LETTER[0] <= d <= FEE_LETTER[1]:
                f[i] *= 1.5
        out[qid] = {"factor": f, "open": opened, "years": years}
    return out


# ------------------------------------------------------------------------------------- history
def build_history(cfg: dict, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    queues = cfg["queues"]
    sub = cfg["centre"].get("holiday_subdivision")
    country = cfg["centre"].get("holiday_country", "GB")
    hol = holidays.country_holidays(country, subdiv=sub, years=range(START.year, END.year + 1))
    hol = {d: n for d, n in hol.items()}
    closures = {dt.date.fromisoformat(str(c)) for c in cfg["centre"].get("closures", [])}

    days = pd.date_range(START.normalize(), END.normalize(), freq="D")
    per_day = 24 * 60 // INTERVAL_MIN
    cal = calendar_effects(days, queues, hol, closures)
    slot = np.arange(per_day)
    tod = slot * INTERVAL_MIN / 60.0            # interval start, hours
    mid = tod + INTERVAL_MIN / 120.0            # interval midpoint
    n_days = len(days)
    wd = np.asarray(days.day_of_week)
    dates = [d.date() for d in days]
    cal_lo, cal_hi = (dates.index(CALIBRATION_WEEKS[0]), dates.index(CALIBRATION_WEEKS[1]) + 1)

    frames = []
    calib = {}
    for q in queues:
        qid = q["id"]
        aht0 = float(q.get("default_aht_seconds", 300))
        c = cal[qid]
        # open mask per (day, slot)
        open_mask = np.zeros((n_days, per_day), dtype=bool)
        for w in range(7):
            win = open_window(q["hours"], w)
            if win is None:
                continue
            m = (tod >= win[0] - 1e-9) & (tod < win[1] - 1e-9)
            open_mask[wd == w] = m
        open_mask &= c["open"][:, None]

        shape = day_shape(mid, qid)
        lam_rel = c["factor"][:, None] * shape[None, :]
        aht_rel = aht_shape(mid, qid)[None, :] * np.ones((n_days, 1))
        aht_rel = aht_rel * ((1.0 + AHT_TREND_PER_YEAR.get(qid, 0.0)) ** c["years"])[:, None]
        aht_rel[wd == 5] *= 1.03
        night = np.zeros(per_day)
        if qid == "cards":
            # absolute overnight level (not scaled by calibration), mild weekly pattern
            # relative overnight profile (midpoint hour -> multiple of CARDS_NIGHT_CONTACTS)
            xs = [0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 20.0, 21.0, 22.0, 23.0, 24.0]
            ys = [1.9, 1.4, 1.1, 1.0, 1.2, 1.6, 1.2, 0.0, 0.0, 0.8, 1.6, 2.0, 1.9]
            night = CARDS_NIGHT_CONTACTS * np.interp(mid, xs, ys)
        # calibration on expected values
        cal_open = open_mask[cal_lo:cal_hi]
        n_weeks = (cal_hi - cal_lo) / 7.0
        aht_cal = aht0 * aht_rel[cal_lo:cal_hi] * cal_open
        night_load = (night[None, :] * aht_cal).sum() / 3600 / n_weeks
        day_load = (lam_rel[cal_lo:cal_hi] * aht_cal).sum() / 3600 / n_weeks
        target = TARGET_WORKLOAD_HOURS.get(qid, 100.0)
        scale = max(target - night_load, 1.0) / day_load
        lam = scale * lam_rel + night[None, :] * np.ones((n_days, 1))
        calib[qid] = {"scale": scale, "night_hours": night_load}

        # anomalies on intensity / AHT
        aht_mult = np.ones((n_days, per_day))
        if qid == "cards" and OUTAGE_DAY in dates:
            i = dates.index(OUTAGE_DAY)
            m = (tod >= 8.0) & (tod < 22.0)
            lam[i, m] *= 2.5
            aht_mult[i, m] *= 0.85
        fault_i = dates.index(TELEPHONY_FAULT[0])
        fm = (tod >= hhmm(TELEPHONY_FAULT[1])) & (tod < hhmm(TELEPHONY_FAULT[2]))
        after = (tod >= hhmm(TELEPHONY_FAULT[2])) & (tod < hhmm(TELEPHONY_FAULT[2]) + 2.0)
        lam[fault_i, after] *= 1.4

        # noise: day level gamma x interval gamma-Poisson (negative binomial)
        day_noise = rng.gamma(150.0, 1.0 / 150.0, size=(n_days, 1))
        k = 40.0
        mu = lam * day_noise
        contacts = rng.poisson(rng.gamma(k, 1.0 / k, size=mu.shape) * mu)
        contacts[fault_i, fm] = 0
        # AHT: per-call lognormal with CV ~0.65, averaged over the interval's contacts
        day_aht = rng.lognormal(0.0, 0.03, size=(n_days, 1))
        sig = np.where(contacts > 0, 0.62 / np.sqrt(np.maximum(contacts, 1)), 0.0)
        sig = np.minimum(sig, 0.5)
        z = rng.standard_normal(size=contacts.shape)
        aht = aht0 * aht_rel * aht_mult * day_aht * np.exp(sig * z - 0.5 * sig ** 2)
        aht = np.maximum(aht, 20.0)

        # missing data (rows absent)
        miss_i = dates.index(MISSING_DATA[0])
        mm = (tod >= hhmm(MISSING_DATA[1])) & (tod < hhmm(MISSING_DATA[2]))
        keep = open_mask.copy()
        keep[miss_i, mm] = False

        di, si = np.nonzero(keep)
        ts = days.values[di] + (si * INTERVAL_MIN).astype("timedelta64[m]")
        cnt = contacts[di, si]
        ah = aht[di, si]
        frames.append(pd.DataFrame({"ts": ts, "qorder": len(frames), "queue": qid,
                                    "contacts": cnt.astype(np.int64), "aht": ah}))

    hist = pd.concat(frames, ignore_index=True).sort_values(["ts", "qorder"], kind="stable")
    hist = hist.reset_index(drop=True)
    out = pd.DataFrame({
        "timestamp": pd.to_datetime(hist["ts"]).dt.strftime("%Y-%m-%d %H:%M"),
        "queue": hist["queue"],
        "contacts": hist["contacts"],
        "aht_seconds": np.where(hist["contacts"] > 0,
                                [f"{x:.1f}" for x in hist["aht"].to_numpy()], ""),
    })
    return out, calib


# ----------------------------------------------------------------------------------- employees
NAME_POOLS = {
    "british": (["Oliver", "Charlotte", "James", "Emily", "Harry", "Sophie", "Thomas", "Lucy",
                 "Daniel", "Hannah", "George", "Megan", "Jack", "Rebecca", "Samuel", "Katie",
                 "Matthew", "Laura", "Ben", "Gemma", "Ryan", "Natalie", "Callum", "Abigail",
                 "Lewis", "Chloe", "Joe", "Eleanor", "Adam", "Rachel"],
                ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Walker",
                 "Wright", "Robinson", "Thompson", "Hughes", "Price", "Hall", "Green", "Clarke",
                 "Turner", "Harris", "Cooper", "Ward", "Morris", "Bennett", "Fletcher", "Marsh",
                 "Barker", "Shaw", "Holmes", "Lloyd", "Parry", "Morgan"]),
    "scottish_irish": (["Aoife", "Ciaran", "Niamh", "Eilidh", "Fraser", "Siobhan", "Declan",
                        "Isla", "Ruairi", "Orla"],
                       ["MacLeod", "O'Brien", "Murphy", "Campbell", "Gallagher", "Fraser",
                        "Doherty", "Sweeney", "Kennedy", "Byrne"]),
    "south_asian": (["Priya", "Arjun", "Aisha", "Imran", "Sunita", "Raj", "Farah", "Sanjay",
                     "Zainab", "Harpreet", "Nadia", "Vikram", "Ayesha", "Kiran", "Bilal"],
                    ["Patel", "Shah", "Khan", "Singh", "Hussain", "Begum", "Sharma", "Chowdhury",
                     "Akhtar", "Ahmed", "Kaur", "Mistry", "Rahman", "Gill", "Iqbal"]),
    "west_african": (["Chidi", "Adaeze", "Kwame", "Ama", "Tunde", "Folake", "Kofi", "Ngozi",
                      "Emeka", "Abena"],
                     ["Okafor", "Mensah", "Adeyemi", "Owusu", "Nwosu", "Boateng", "Okonkwo",
                      "Asante", "Balogun", "Eze"]),
    "caribbean": (["Marcus", "Shanice", "Jermaine", "Tanisha", "Andre", "Keisha"],
                  ["Campbell", "Francis", "Henry", "Gordon", "Bailey", "Richards"]),
    "polish": (["Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Mateusz", "Magda"],
               ["Nowak", "Wozniak", "Kowalczyk", "Mazur", "Krawczyk", "Pawlak"]),
    "romanian": (["Ioana", "Andrei", "Elena", "Mihai"],
                 ["Popescu", "Ionescu", "Rusu", "Marin"]),
    "east_asian": (["Wei", "Mei", "Jun", "Yan", "Lei", "Hui"],
                   ["Chen", "Wong", "Li", "Zhang", "Liu", "Huang"]),
    "middle_east": (["Omar", "Layla", "Yusuf", "Amira", "Karim", "Leila", "Mehmet", "Elif"],
                    ["Haddad", "Mansour", "Hassan", "Aziz", "Farouk", "Nasser", "Yilmaz",
                     "Demir"]),
    "southern_eu": (["Giulia", "Marco", "Ines", "Joao", "Sofia", "Luca"],
                    ["Rossi", "Ferreira", "Santos", "Esposito", "Costa", "Romano"]),
    "somali_east_african": (["Hodan", "Abdi", "Faadumo", "Mohamed"],
                            ["Warsame", "Abdullahi", "Jama", "Osman"]),
}
NAME_WEIGHTS = {"british": 0.38, "scottish_irish": 0.08, "south_asian": 0.17,
                "west_african": 0.09, "caribbean": 0.05, "polish": 0.05, "romanian": 0.03,
                "east_asian": 0.04,
                "middle_east": 0.05, "southern_eu": 0.04, "somali_east_african": 0.02}


def make_names(n: int, rng: np.random.Generator) -> list[str]:
    keys = list(NAME_POOLS)
    p = np.array([NAME_WEIGHTS[k] for k in keys])
    p = p / p.sum()
    used_full, used_first = set(), {}
    names = []
    while len(names) < n:
        k = keys[rng.choice(len(keys), p=p)]
        firsts, lasts = NAME_POOLS[k]
        f = firsts[rng.integers(len(firsts))]
        l = lasts[rng.integers(len(lasts))]
        full = f"{f} {l}"
        if full in used_full or used_first.get(f, 0) >= 2:
            continue
        used_full.add(full)
        used_first[f] = used_first.get(f, 0) + 1
        names.append(full)
    return names


# (count, skills, nights, contracts list, base hourly cost)
# contract codes: FT = full-time 32-40 h/5 days; PTa = 20-30 h/4 days; PTb = 16-24 h/4 days;
# PTs = school hours 09:00-15:00, 16-20 h/5 days (P4 shifts); PTw = 09:00-15:30, 18-24 h/4 days;
# PTe = evenings 14:00-22:00, 16-24 h/4 days; FTw = full-time, weekdays only (sat;sun off)
GROUPS = [
    ("night team", 6, "cards;deposits", "yes", ["FT"] * 5 + ["PTa"], 23.50),
    ("night team", 4, "cards", "yes", ["FT"] * 3 + ["PTa"], 23.00),
    ("night team", 2, "cards;complaints", "yes", ["FT", "FT"], 24.50),
    ("generalist", 32, "deposits;cards;complaints", "no",
     ["FT"] * 20 + ["FTw"] * 3 + ["PTa", "PTa", "PTb", "PTs", "PTw", "PTe", "PTa", "PTa", "PTw"],
     21.50),
    ("generalist", 13, "deposits;cards", "no",
     ["FT"] * 8 + ["FTw"] + ["PTa", "PTs", "PTe", "PTe"], 20.50),
    ("generalist", 2, "deposits;cards;crossborder", "no", ["FT", "FT"], 23.00),
    ("generalist", 6, "deposits;complaints", "no", ["FT"] * 4 + ["PTa", "PTw"], 21.50),
    ("deposits", 5, "deposits", "no", ["FT", "FT", "PTs", "PTb", "PTa"], 19.00),
    ("cards", 3, "cards", "no", ["PTe", "PTb", "FT"], 19.50),
    ("complaints specialist", 7, "complaints", "no", ["FT"] * 5 + ["FTw", "PTa"], 24.00),
    ("wealth adviser", 11, "wealth", "no", ["FTw"] * 6 + ["FT"] * 4 + ["PTw"], 29.00),
    ("wealth adviser", 5, "wealth;deposits", "no", ["FTw", "FTw", "FT", "FT", "PTa"], 27.50),
    ("crossborder specialist", 6, "crossborder", "no", ["FT"] * 4 + ["FTw", "PTa"], 25.00),
    ("crossborder specialist", 4, "crossborder;cards", "no", ["FT", "FT", "FT", "FTw"], 24.50),
    ("crossborder specialist", 4, "crossborder;deposits", "no", ["FT", "FT", "FT", "PTb"], 24.50),
]

CONTRACTS = {
    #        contract,   min, max, max_days, days_off, earliest, latest
    "FT": ("full-time", 32, 40, 5, "", "", ""),
    "FTw": ("full-time", 32, 40, 5, "sat;sun", "", ""),
    "PTa": ("part-time", 20, 30, 4, "", "", ""),
    "PTb": ("part-time", 16, 24, 4, "", "", ""),
    "PTs": ("part-time", 16, 20, 5, "sat;sun", "09:00", "15:00"),
    "PTw": ("part-time", 18, 24, 4, "sat;sun", "09:00", "15:30"),
    "PTe": ("part-time", 16, 24, 4, "", "14:00", "22:00"),
}


def build_employees(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for role, count, skills, nights, contracts, cost in GROUPS:
        assert len(contracts) == count, (role, skills)
        for c in contracts:
            rows.append((role, skills, nights, c, cost))
    # interleave deterministically so IDs are not grouped by role
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    names = make_names(len(rows), rng)
    out = []
    for i, (role, skills, nights, c, cost) in enumerate(rows):
        label, lo, hi, maxd, off, es, le = CONTRACTS[c]
        if c in ("FT", "PTa", "PTb") and role != "night team" and rng.random() < 0.12:
            off = ["sun", "sat;sun", "wed"][rng.integers(3)]
        hc = cost + rng.choice([-1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 1.5])
        if label == "part-time":
            hc -= 1.0
        hc = float(np.clip(hc, 18.0, 32.0))
        out.append({
            "employee_id": f"E{i + 1:03d}", "name": names[i], "skills": skills,
            "contract": label, "min_hours": lo, "max_hours": hi, "max_days": maxd,
            "nights": nights, "days_off": off, "earliest_start": es, "latest_end": le,
            "hourly_cost": f"{hc:.2f}",
        })
    return pd.DataFrame(out)


def build_time_off(emp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    reasons = ["annual leave"] * 6 + ["training", "medical appointment", "family event",
                                      "parental leave"]
    ids = sorted(rng.choice(emp["employee_id"].to_numpy(), size=11, replace=False))
    rows = []
    base = dt.date(2026, 11, 27)
    for k, e in enumerate(ids):
        start = base + dt.timedelta(days=int(rng.integers(0, 20)))
        length = int(rng.integers(1, 6))
        end = start + dt.timedelta(days=length - 1)
        rows.append({"employee_id": e, "start_date": start.isoformat(),
                     "end_date": end.isoformat(),
                     "reason": reasons[int(rng.integers(len(reasons)))]})
    return pd.DataFrame(rows).sort_values(["start_date", "employee_id"], kind="stable")


def build_preferences(emp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    plan_days = [PLAN_WEEK + dt.timedelta(days=i) for i in range(7)]
    ids = sorted(rng.choice(emp["employee_id"].to_numpy(), size=33, replace=False))
    e = emp.set_index("employee_id")
    rows = []
    for eid in ids:
        n = 2 if rng.random() < 0.35 else 1
        used = set()
        for _ in range(n):
            kind = ["day_off", "shift_on", "shift_off"][rng.choice(3, p=[0.45, 0.3, 0.25])]
            if rng.random() < 0.6:
                day = WEEKDAYS[int(rng.integers(0, 6 if e.loc[eid, "days_off"] == "" else 5))]
            else:
                day = plan_days[int(rng.integers(0, 6))].isoformat()
            if e.loc[eid, "nights"] == "yes":
                kinds = ["early", "day", "late", "night"]
            elif e.loc[eid, "earliest_start"]:
                kinds = ["day"] if e.loc[eid, "latest_end"] <= "15:30" else ["day", "late"]
            else:
                kinds = ["early", "day", "late"]
            shift = "" if kind == "day_off" else kinds[int(rng.integers(len(kinds)))]
            wday = WEEKDAYS[dt.date.fromisoformat(day).weekday()] if "-" in day else day
            if wday in e.loc[eid, "days_off"].split(";"):
                continue  # already a fixed day off
            key = (day, kind, shift)
            if key in used:
                continue
            used.add(key)
            rows.append({"employee_id": eid, "day": day, "kind": kind, "shift": shift,
                         "weight": int(rng.choice([1, 1, 2, 2, 3, 3, 4, 5]))})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    ap.add_argument("--out", type=Path, default=here / "sample",
                    help="output folder (default: data/sample)")
    ap.add_argument("--config", type=Path, default=None,
                    help="centre.toml to read "
                         "(default: OUT/centre.toml, else data/sample/centre.toml)")
    args = ap.parse_args(argv)
    cfg_path = args.config or (args.out / "centre.toml")
    if not cfg_path.exists():
        cfg_path = here / "sample" / "centre.toml"
    with open(cfg_path, "rb") as fh:
        cfg = tomllib.load(fh)

    rng = np.random.default_rng(SEED)
    hist, calib = build_history(cfg, np.random.default_rng([SEED, 1]))
    emp = build_employees(np.random.default_rng([SEED, 2]))
    off = build_time_off(emp, np.random.default_rng([SEED, 3]))
    pref = build_preferences(emp, np.random.default_rng([SEED, 4]))
    del rng

    out = args.out
    write_atomic(out / "history.csv", df_to_csv(hist))
    write_atomic(out / "employees.csv", df_to_csv(emp))
    write_atomic(out / "time_off.csv", df_to_csv(off))
    write_atomic(out / "preferences.csv", df_to_csv(pref))
    print(f"wrote {len(hist)} history rows, {len(emp)} employees, {len(off)} leave rows, "
          f"{len(pref)} preferences to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
