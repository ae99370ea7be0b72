"""`python -m scheduler requirements` with flags instead of a config (the interval length comes from
the forecast's timestamps), and with the centre config."""
from __future__ import annotations

import pandas as pd

from conftest import SAMPLE
from scheduler.cli import main


def test_flags_reproduce_the_textbook_case(tmp_path, capsys):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n"
                        "2026-11-30 08:00,sales,100,180\n2026-11-30 08:30,sales,0,\n")
    out = tmp_path / "req.csv"
    code = main(["requirements", "--forecast", str(forecast), "--service-level", "0.8", "--target-seconds", "20",
                 "--max-occupancy", "0.85", "--shrinkage", "0.3", "--model", "erlang-c", "--out", str(out)])
    assert code == 0
    req = pd.read_csv(out)
    assert list(req.columns) == ["timestamp", "queue", "contacts", "aht_seconds", "agents", "staff",
                                 "service_level", "occupancy", "asa_seconds"]
    row = req.iloc[0]
    assert (row["agents"], row["staff"]) == (14, 20)
    assert round(row["service_level"], 3) == 0.888 and round(row["occupancy"], 3) == 0.714
    assert req.iloc[1]["agents"] == 0


def test_erlang_a_adds_abandonment(tmp_path):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n2026-11-30 08:00,q,100,180\n2026-11-30 08:30,q,120,180\n")
    out = tmp_path / "req.csv"
    assert main(["requirements", "--forecast", str(forecast), "--service-level", "0.8", "--target-seconds", "20",
                 "--shrinkage", "0.3", "--patience-seconds", "120", "--model", "erlang-a", "--out", str(out)]) == 0
    req = pd.read_csv(out)
    assert "abandon_rate" in req.columns and (req["abandon_rate"] > 0).all()
    assert (req["agents"] <= 14 + 3).all()


def test_missing_targets_without_config_is_a_clear_error(tmp_path, capsys):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n2026-11-30 08:00,q,100,180\n")
    out = tmp_path / "req.csv"
    code = main(["requirements", "--forecast", str(forecast), "--service-level", "0.8", "--out", str(out)])
    assert code == 2
    assert "--target-seconds" in capsys.readouterr().err
    assert not out.exists()


def test_bad_parameter_is_a_clear_error(tmp_path, capsys):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n2026-11-30 08:00,q,100,180\n")
    out = tmp_path / "req.csv"
    code = main(["requirements", "--forecast", str(forecast), "--service-level", "1.5", "--target-seconds", "20",
                 "--shrinkage", "0.3", "--out", str(out)])
    assert code == 2 and "Traceback" not in capsys.readouterr().err
    assert not out.exists()


def test_with_the_centre_config(tmp_path):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts\n2026-11-30 10:00,deposits,60\n2026-11-30 10:00,wealth,12\n")
    out = tmp_path / "req.csv"
    assert main(["requirements", "--forecast", str(forecast), "--config", str(SAMPLE / "centre.toml"), "--out", str(out)]) == 0
    req = pd.read_csv(out)
    assert (req["staff"] >= req["agents"]).all() and (req["agents"] > 0).all()


def test_queues_on_different_grids_are_refused_unless_the_interval_is_given(tmp_path, capsys):
    """Hourly counts of one queue beside 15-minute counts of another were staffed as 15-minute
    counts (an independent Erlang audit: 36 agents for 100 contacts an hour of 180 s, 14 alone)."""
    forecast = tmp_path / "forecast.csv"
    rows = ["timestamp,queue,contacts,aht_seconds"]
    rows += [f"2026-11-30 08:{m:02d},q15,25,180" for m in (0, 15, 30, 45)]
    rows += [f"2026-11-30 {h:02d}:00,q60,100,180" for h in (8, 9, 10, 11)]
    forecast.write_text("\n".join(rows) + "\n")
    flags = ["--service-level", "0.8", "--target-seconds", "20", "--shrinkage", "0"]
    out = tmp_path / "req.csv"
    assert main(["requirements", "--forecast", str(forecast), *flags, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "forecast.csv" in err and "different grids" in err and "q60 at least 60 minutes apart" in err
    assert not out.exists()
    # Alone, the hourly queue is staffed per hour: 5 Erlangs, 8 agents (read per 15 minutes: 20 Erlangs).
    (tmp_path / "q60.csv").write_text("\n".join([rows[0], *rows[5:]]) + "\n")
    assert main(["requirements", "--forecast", str(tmp_path / "q60.csv"), *flags, "--out", str(out)]) == 0
    assert pd.read_csv(out)["agents"].tolist() == [8, 8, 8, 8]
    # A queue open one quarter-hour a day (closed hours absent) is no grid of its own.
    (tmp_path / "callback.csv").write_text("\n".join([*rows[:5], *(f"2026-12-0{d} 09:00,callback,3,180" for d in range(1, 6))])
                                           + "\n")
    assert main(["requirements", "--forecast", str(tmp_path / "callback.csv"), *flags, "--out", str(out)]) == 0
    # Said to be 15-minute counts, the file is taken as such.
    assert main(["requirements", "--forecast", str(forecast), *flags, "--interval-minutes", "15", "--out", str(out)]) == 0
