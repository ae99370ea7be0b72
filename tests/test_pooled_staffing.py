"""Pooled staffing: a small queue staffed with a host queue (centre.toml `staff_with`).

Staffed on its own, every interval with any contact forecast takes a whole agent (two staff at
30 % shrinkage) - the call-back queue of the Israeli bank's week, 59 contacts, asked 148
staff-hours. Staffed with its host, the pool's combined load is sized once against every member's
target; the guest keeps the agents of its own skill its contacts need, the host gets the rest and
the shrinkage allowance."""
from __future__ import annotations

import json
import shutil
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from scheduler.cli import main
from scheduler.config import centre_from_dict
from scheduler.domain import ServiceTarget
from scheduler.errors import InputError, InputWarning
from scheduler.kpis import expected_service_level
from scheduler.staffing import erlang_c, required_agents, requirements_table, scheduled_staff

BASE = Path(__file__).resolve().parent / "bad_inputs" / "_base"
TARGETS = {"host": ServiceTarget(0.8, 20, 0.85), "guest": ServiceTarget(0.8, 60, 0.85),
           "strict": ServiceTarget(0.95, 10, 0.85)}


def _forecast(rows):
    return pd.DataFrame(rows, columns=["timestamp", "queue", "contacts", "aht_seconds"])


def test_a_small_guest_joins_its_hosts_pool():
    f = _forecast([("2026-11-30 08:00", "host", 40, 240), ("2026-11-30 08:00", "guest", 0.4, 300)])
    alone = requirements_table(f, TARGETS, shrinkage=0.3, interval_minutes=30)
    pooled = requirements_table(f, TARGETS, shrinkage=0.3, interval_minutes=30, staffed_with={"guest": "host"})
    assert alone["agents"].tolist()[1] == 1 and alone["staff"].tolist()[1] == 2   # a whole agent, two staff
    load = 40 + 0.4
    aht = (40 * 240 + 0.4 * 300) / load
    need = max(required_agents(load, aht, 1800, service_level=t.service_level, target_seconds=t.target_seconds,
                               max_occupancy=t.max_occupancy) for t in (TARGETS["host"], TARGETS["guest"]))
    assert pooled["agents"].sum() == need            # sized once, on the combined load
    assert pooled["staff"].sum() == scheduled_staff(need, 0.3)
    assert pooled["agents"].tolist()[1] == 1 and pooled["staff"].tolist()[1] == 1   # its one agent
    assert pooled["staff"].sum() < alone["staff"].sum()
    assert pooled["pool"].tolist() == ["host", "host"]
    # each row: what its contacts can expect from the pool's agents, against its own target
    for row, target in zip(pooled.itertuples(), (TARGETS["host"], TARGETS["guest"])):
        sl = erlang_c(need, load, aht, 1800, target.target_seconds).service_level
        assert row.service_level == pytest.approx(sl)
        assert row.service_level >= target.service_level


def test_every_members_target_holds_for_the_pool():
    """A guest with a stricter target than its host's sizes the pool by its own target."""
    f = _forecast([("2026-11-30 08:00", "host", 30, 200), ("2026-11-30 08:00", "strict", 1, 200)])
    pooled = requirements_table(f, TARGETS, shrinkage=0.0, interval_minutes=30, staffed_with={"strict": "host"})
    n = pooled["agents"].sum()
    assert erlang_c(n, 31, 200, 1800, 10).service_level >= 0.95
    assert erlang_c(n - 1, 31, 200, 1800, 10).service_level < 0.95
    assert (pooled["service_level"] >= pd.Series([0.8, 0.95]) - 1e-9).all()


def test_a_pool_runs_at_its_hosts_occupancy_cap():
    """Occupancy is about the pool's people, not its contacts: a guest's lower cap applied to the
    whole pool made pooling a tiny queue cost more staff than staffing it alone (another bank's
    108 contacts a week: +494 staff-hours). The guest's own agents keep its own cap."""
    targets = {"host": ServiceTarget(0.8, 20, 0.95), "guest": ServiceTarget(0.8, 60, 0.5)}
    f = _forecast([("2026-11-30 08:00", "host", 200, 240), ("2026-11-30 08:00", "guest", 0.4, 300)])
    alone = requirements_table(f, targets, shrinkage=0.0, interval_minutes=30)
    pooled = requirements_table(f, targets, shrinkage=0.0, interval_minutes=30, staffed_with={"guest": "host"})
    load, aht = 200.4, (200 * 240 + 0.4 * 300) / 200.4
    need = required_agents(load, aht, 1800, service_level=0.8, target_seconds=20, max_occupancy=0.95)
    assert pooled["agents"].sum() == max(need, 1)
    assert pooled["agents"].sum() <= alone["agents"].sum()


def test_a_busy_guest_keeps_the_agents_its_own_contacts_need():
    f = _forecast([("2026-11-30 08:00", "host", 10, 200), ("2026-11-30 08:00", "guest", 60, 200)])
    pooled = requirements_table(f, TARGETS, shrinkage=0.2, interval_minutes=30, staffed_with={"guest": "host"})
    own = required_agents(60, 200, 1800, service_level=0.8, target_seconds=60, max_occupancy=0.85)
    assert pooled["agents"].tolist()[1] == own
    assert pooled["agents"].sum() >= own
    assert pooled["staff"].tolist()[1] == own          # the shrinkage allowance is the host's
    assert pooled["staff"].sum() == scheduled_staff(pooled["agents"].sum(), 0.2)


def test_where_the_host_is_closed_the_guest_is_staffed_on_its_own():
    f = _forecast([("2026-11-30 08:00", "host", 20, 240), ("2026-11-30 08:00", "guest", 0.5, 300),
                   ("2026-11-30 20:00", "guest", 0.5, 300), ("2026-11-30 21:00", "guest", 0, 300)])
    pooled = requirements_table(f, TARGETS, shrinkage=0.3, interval_minutes=30, staffed_with={"guest": "host"})
    alone = requirements_table(f, TARGETS, shrinkage=0.3, interval_minutes=30)
    assert pooled["pool"].tolist() == ["host", "host", "", ""]
    assert pooled.iloc[2:].drop(columns="pool").equals(alone.iloc[2:])
    # without pools the table is as it always was (no pool column)
    assert "pool" not in alone.columns
    assert requirements_table(f, TARGETS, shrinkage=0.3, interval_minutes=30, staffed_with={}).equals(alone)


def test_pooling_a_week_of_small_queues_saves_staff_and_keeps_the_targets():
    rng = np.random.default_rng(7)
    stamps = pd.date_range("2026-11-30 08:00", periods=7 * 24, freq="30min").strftime("%Y-%m-%d %H:%M")
    rows = []
    for t in stamps:
        rows.append((t, "host", float(rng.poisson(35)), 240.0))
        rows.append((t, "guest", float(rng.poisson(0.3)), 300.0))
    f = _forecast(rows)
    alone = requirements_table(f, TARGETS, shrinkage=0.3, model="erlang-c", interval_minutes=30)
    pooled = requirements_table(f, TARGETS, shrinkage=0.3, model="erlang-c", interval_minutes=30, staffed_with={"guest": "host"})
    assert pooled["staff"].sum() < alone["staff"].sum()
    assert (pooled.groupby("timestamp")["staff"].sum() <= alone.groupby("timestamp")["staff"].sum()).all()
    busy = pooled["contacts"] > 0
    targets = pooled["queue"].map({q: t.service_level for q, t in TARGETS.items()})
    assert (pooled.loc[busy, "service_level"] >= targets[busy] - 1e-9).all()
    guest = pooled["queue"] == "guest"     # its own agents, as many as its contacts need alone
    assert pooled.loc[guest, "agents"].tolist() == alone.loc[guest, "agents"].tolist()
    assert (pooled.loc[guest, "staff"] < alone.loc[guest, "staff"]).sum() > 0


@pytest.mark.parametrize("host, words", [("guest", "itself"), ("nowhere", "unknown queue 'nowhere'"),
                                         ("third", "is itself staffed with")])
def test_staff_with_must_name_a_host_queue(host, words):
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    data["queues"][0]["id"] = "guest"
    data["queues"][0]["staff_with"] = host
    data["queues"][2]["id"] = "third"
    if host == "third":       # a chain: guest -> third -> another queue
        data["queues"][2]["staff_with"] = data["queues"][1]["id"]
    with pytest.raises(InputError) as exc:
        centre_from_dict(data)
    [problem] = [p for p in exc.value.problems if p.column == "queues[0].staff_with"]
    assert words in problem.message and "'guest'" in problem.message


def test_the_sample_centre_reads_staff_with():
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    data["queues"][4]["staff_with"] = "deposits"
    centre = centre_from_dict(data)
    assert centre.staffed_with == {"complaints": "deposits"}
    assert centre_from_dict(tomllib.loads((SAMPLE / "centre.toml").read_text())).staffed_with == {}


def test_expected_service_level_measures_a_pool_as_it_was_staffed():
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    alone = centre_from_dict(data)
    data["queues"][4]["staff_with"] = "deposits"
    pooled = centre_from_dict(data)
    t = pd.Timestamp("2026-12-01 10:00")
    forecast = pd.DataFrame({"timestamp": [t, t], "queue": ["deposits", "complaints"],
                             "contacts": [40.0, 0.5], "aht_seconds": [300.0, 600.0]})
    cov = pd.DataFrame({"timestamp": [t, t], "queue": ["deposits", "complaints"],
                        "required": [0, 0], "scheduled": [11, 1], "gap": [0, 0]})
    on_their_own = expected_service_level(cov, forecast, alone)
    together = expected_service_level(cov, forecast, pooled)
    # On its own the complaints agent (0.7 of one after shrinkage -> none) answers nothing in time;
    # in the pool the deposits agents answer its contacts at the pool's service level.
    assert on_their_own["complaints"] == 0.0
    agents = int(np.floor(12 * (1 - alone.shrinkage) + 1e-9))
    q = pooled.queue("complaints").target      # its own target (the sample's model: Erlang C)
    expect = erlang_c(agents, 40.5, (40 * 300 + 0.5 * 600) / 40.5, 60 * pooled.interval_minutes,
                      q.target_seconds).service_level
    assert together["complaints"] == pytest.approx(round(float(expect), 4))
    # Nobody on the guest: the pool cannot answer its contacts (they need its skill).
    cov_nobody = cov.assign(scheduled=[12, 0])
    assert expected_service_level(cov_nobody, forecast, pooled)["complaints"] == 0.0


def _base_with_pool(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(BASE, data)
    toml = (data / "centre.toml").read_text()
    marker = 'id = "loans"\n'
    assert marker in toml
    (data / "centre.toml").write_text(toml.replace(marker, marker + 'staff_with = "cards"\n'))
    return data


def test_an_agent_trained_for_the_guest_but_not_the_host_is_named(tmp_path):
    from scheduler.io import load_centre_dir, read_employees
    data = _base_with_pool(tmp_path)
    centre = load_centre_dir(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_employees(data / "employees.csv", centre)
    said = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert len(said) == 1 and "A3 is trained" in said[0] and "'loans' is staffed with 'cards'" in said[0], said
    assert "A2" not in said[0] and "A4" not in said[0]


def test_plan_with_a_pooled_queue_validates_and_asks_for_fewer_staff(tmp_path, capsys):
    data = _base_with_pool(tmp_path)
    out = tmp_path / "out"
    args = ["--week", "2026-11-30", "--no-backtest", "--time-limit", "5"]
    assert main(["plan", "--data", str(data), "--out", str(out), *args]) == 0
    err = capsys.readouterr().err
    # A3, said as one warning line (employees.csv is read again by the validator: not said twice)
    assert err.count("trained for 'loans' and not 'cards'") == 1, err
    assert "Traceback" not in err
    pooled = pd.read_csv(out / "requirements.csv", keep_default_na=False)
    assert set(pooled["pool"]) <= {"cards", ""} and (pooled["pool"] == "cards").any()
    kpis = json.loads((out / "kpis.json").read_text())
    assert set(kpis["queues"]) == {"cards", "loans"}
    # the same centre without the pool asks for more staff
    plain = tmp_path / "plain"
    shutil.copytree(BASE, plain)
    assert main(["plan", "--data", str(plain), "--out", str(tmp_path / "out2"), *args]) == 0
    alone = pd.read_csv(tmp_path / "out2" / "requirements.csv")
    assert pooled["staff"].sum() < alone["staff"].sum()
    assert pooled["contacts"].sum() == pytest.approx(alone["contacts"].sum())
    # `requirements --config` sizes the same pools
    req = tmp_path / "req.csv"
    assert main(["requirements", "--forecast", str(out / "forecast.csv"), "--config", str(data / "centre.toml"),
                 "--out", str(req)]) == 0
    again = pd.read_csv(req, keep_default_na=False)
    assert again["staff"].tolist() == pooled["staff"].tolist() and again["pool"].tolist() == pooled["pool"].tolist()


def test_a_queue_nobody_is_trained_for_is_named(tmp_path):
    """All its demand is short, and the plan once said only '0 % met'. Pooled or not."""
    from scheduler.io import load_centre_dir, read_employees
    data = _base_with_pool(tmp_path)
    rows = (data / "employees.csv").read_text().splitlines()
    header = rows[0].split(",")
    k = header.index("skills")
    cut = []
    for r in rows[1:]:
        cells = r.split(",")
        cells[k] = cells[k].replace("loans", "").strip("|; ") or "cards"
        cut.append(",".join(cells))
    (data / "employees.csv").write_text("\n".join([rows[0], *cut]) + "\n")
    centre = load_centre_dir(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_employees(data / "employees.csv", centre)
    said = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert any("nobody is trained for queue 'loans' (staffed with 'cards'" in m for m in said), said
    assert not any("queue 'cards'" in m and "nobody" in m for m in said), said


def test_contacts_arriving_while_a_queue_is_closed_are_named(tmp_path):
    """Neither forecast nor staffed, so say so when there are many (another bank's Saturday
    mornings: 30 % of its Saturday volume dropped without a word); none on the base centre."""
    from scheduler.io import load_centre_dir, read_history
    from scheduler.pipeline import warn_contacts_outside_hours
    data = tmp_path / "data"
    shutil.copytree(BASE, data)
    centre = load_centre_dir(data)
    history = read_history(data / "history.csv", centre.queue_ids)

    def said(h):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warn_contacts_outside_hours(h, centre)
        return [str(w.message) for w in caught if issubclass(w.category, InputWarning)]

    assert said(history) == []
    late = history[history["queue"] == "cards"].copy()
    late["timestamp"] = pd.to_datetime(late["timestamp"]).dt.normalize() + pd.Timedelta(hours=23)
    late = late.drop_duplicates("timestamp")
    messages = said(pd.concat([history, late], ignore_index=True))
    assert len(messages) == 1 and "of queue 'cards' in the last 8 weeks" in messages[0], messages
    assert "arrived while centre.toml has it closed" in messages[0]


def test_a_weekday_the_centre_closes_a_queue_is_not_a_missing_day(tmp_path):
    """The base centre opens 'cards' on Saturdays and 'loans' not: loans' Saturdays (no rows) were
    listed as missing days in the forecast report."""
    from scheduler.io import load_centre_dir, read_history
    from scheduler.pipeline import make_forecast
    from datetime import date
    centre = load_centre_dir(BASE)
    history = read_history(BASE / "history.csv", centre.queue_ids)
    _, report = make_forecast(history, centre, date(2026, 11, 30), 7, backtest=False)
    data = report["queues"]["loans"]["data"]
    assert "missing_days" not in data, data.get("missing_days")
    assert report["queues"]["cards"]["data"]["closed_hours"] != "none (open round the clock on its open days)"


def test_the_plan_forecast_passes_the_holidays_a_centre_ignores(tmp_path):
    """make_forecast hands centre.holidays_ignored to the forecaster: the ignored Boxing Day is an
    ordinary day there (not listed, no holiday effect), Christmas Day still a holiday."""
    from datetime import date
    from scheduler.io import load_centre_dir, read_history
    from scheduler.pipeline import make_forecast
    data = tmp_path / "data"
    shutil.copytree(BASE, data)
    toml = (data / "centre.toml").read_text()
    (data / "centre.toml").write_text(toml.replace("[centre]\n", '[centre]\nholiday_country = "GB"\n'
                                                   'holiday_subdivision = "ENG"\nholidays_ignored = ["Boxing Day"]\n', 1))
    centre = load_centre_dir(data)
    history = read_history(data / "history.csv", centre.queue_ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, report = make_forecast(history, centre, date(2026, 12, 21), 7, backtest=False)
    listed = report["forecast"]["holidays"]
    assert "2026-12-25" in listed and "2026-12-28" not in listed and "2026-12-26" not in listed, listed


def test_an_open_queue_gets_its_minimum_agents_on_days_it_has_contacts():
    """A key post is never left empty: an open interval forecast at 0 on a day with contacts needs
    min_agents (default 1), and so does one on an ordinary day forecast at nothing (a weekday the
    queue opens now and never did: no history to forecast from); a public holiday forecast at
    nothing (closed) needs nobody; 0 turns it off; a pooled guest's rows are left to its pool."""
    from scheduler.pipeline import apply_min_agents
    centre = centre_from_dict({"centre": {"holiday_country": "GB"},
                               "queues": [{"id": "a", "hours": "24h"}, {"id": "b", "hours": "24h", "min_agents": 0},
                                          {"id": "c", "hours": "24h", "min_agents": 2}],
                               "shifts": [{"id": "D", "starts": ["08:00"], "hours": 8}]})
    assert [q.min_agents for q in centre.queues] == [1, 0, 2]
    rows = []
    for q in "abc":
        for day, contacts in (("2026-12-01", [0.0, 0.4, 0.0]), ("2026-12-25", [0.0, 0.0, 0.0]),
                              ("2026-12-06", [0.0, 0.0, 0.0])):
            for k, n in enumerate(contacts):
                rows.append({"timestamp": f"{day} {8 + k:02d}:00", "queue": q, "contacts": n,
                             "agents": int(n > 0), "staff": 2 * int(n > 0)})
    table = apply_min_agents(pd.DataFrame(rows), centre)
    got = {q: table[table["queue"] == q]["agents"].tolist() for q in "abc"}
    assert got == {"a": [1, 1, 1, 0, 0, 0, 1, 1, 1], "b": [0, 1, 0, 0, 0, 0, 0, 0, 0],
                   "c": [2, 2, 2, 0, 0, 0, 2, 2, 2]}, got
    assert table[table["queue"] == "a"]["staff"].tolist() == [1, 2, 1, 0, 0, 0, 1, 1, 1]   # not inflated by shrinkage
    pooled = pd.DataFrame(rows).assign(pool=lambda f: f["queue"].map({"a": "", "b": "", "c": "a"}))
    assert apply_min_agents(pooled, centre)[lambda f: f["queue"] == "c"]["agents"].tolist() == [0, 1, 0] + [0] * 6
    with pytest.raises(InputError) as exc:
        centre_from_dict({"queues": [{"id": "a", "min_agents": -1}], "shifts": [{"id": "D", "starts": ["08:00"], "hours": 8}]})
    assert "min_agents" in str(exc.value)


@settings(max_examples=60, deadline=None)
@given(spans=st.lists(st.lists(st.tuples(st.integers(0, 1440), st.integers(0, 1440)), max_size=3), min_size=7, max_size=7),
       minutes=st.lists(st.integers(0, 14 * 1440 - 1), min_size=1, max_size=40))
def test_the_vectorised_opening_hours_agree_with_the_queue(spans, minutes):
    """pipeline.open_at (a week of minutes looked up at once: apply_opening_hours and the closed-
    hours warning) says open exactly where Queue.is_open does."""
    from datetime import datetime, timedelta
    from scheduler.domain import Queue
    from scheduler.pipeline import open_at
    hours = tuple(tuple((a, b) for a, b in day if a < b) for day in spans)
    q = Queue("q", "q", hours=hours)
    moments = [datetime(2026, 11, 30) + timedelta(minutes=m) for m in minutes]
    assert list(open_at(q, pd.Series(moments))) == [q.is_open(m) for m in moments]
