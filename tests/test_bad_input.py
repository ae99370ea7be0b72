"""Bad input through the CLI: one line per problem naming file, row and column; exit 2; no
traceback; no output file."""
from __future__ import annotations

import pytest

from conftest import SAMPLE
from scheduler.cli import main

HEADER = "timestamp,queue,contacts,aht_seconds\n"


def run(argv, capsys):
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def forecast_args(history, out):
    return ["forecast", "--history", str(history), "--start", "2026-12-07", "--days", "7",
            "--out", str(out), "--no-backtest"]


def good_history_lines(n_days=28):
    lines = []
    for d in range(n_days):
        for h in range(8, 18):
            lines.append(f"2026-11-{d + 2:02d} {h:02d}:00,deposits,{10 + h},300" if d < 29 else "")
    return lines


@pytest.mark.parametrize("content, row, column, words", [
    ("timestamp,queue,aht_seconds\n2026-11-02 08:00,deposits,300\n", 1, "contacts", "missing required column"),
    (HEADER + "2026-11-02 08:00,deposits,10,300\n2026-11-02 8 o'clock,deposits,10,300\n", 3, "timestamp", "expected a date-time"),
    (HEADER + "2026-11-02 08:00,deposits,10,300\n2026-11-02 08:30,deposits,-4,300\n", 3, "contacts", ">= 0"),
    (HEADER + "2026-11-02 08:00,deposits,ten,300\n", 2, "contacts", "expected a number"),
    ("", 1, None, "empty"),
])
def test_bad_history_is_explained(tmp_path, capsys, content, row, column, words):
    history = tmp_path / "history.csv"
    history.write_text(content)
    out = tmp_path / "forecast.csv"
    code, stdout, err = run(forecast_args(history, out), capsys)
    assert code == 2
    assert "Traceback" not in err
    line = err.strip().splitlines()[0]
    assert line.startswith("error: history.csv")
    assert f"row {row}" in line
    if column:
        assert f"column '{column}'" in line
    assert words in line
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [history]      # no temporary file left behind either


def test_unknown_skill_in_employees(sample_copy, tmp_path, capsys):
    emp = sample_copy / "employees.csv"
    lines = emp.read_text().splitlines()
    parts = lines[3].split(",")
    parts[2] = "deposits;mortgages"
    lines[3] = ",".join(parts)
    emp.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code, _, err = run(["plan", "--data", str(sample_copy), "--week", "2026-11-30", "--out", str(out)], capsys)
    assert code == 2
    assert "employees.csv, row 4, column 'skills'" in err
    assert "mortgages" in err
    assert not out.exists()


def test_several_problems_are_reported_together(sample_copy, tmp_path, capsys):
    emp = sample_copy / "employees.csv"
    lines = emp.read_text().splitlines()
    a = lines[2].split(",")
    a[4] = "lots"          # min_hours
    lines[2] = ",".join(a)
    b = lines[5].split(",")
    b[0] = lines[6].split(",")[0]   # duplicate id
    lines[5] = ",".join(b)
    emp.write_text("\n".join(lines) + "\n")
    code, _, err = run(["plan", "--data", str(sample_copy), "--week", "2026-11-30", "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "row 3, column 'min_hours'" in err
    assert "duplicate employee id" in err


def test_bad_config_names_the_key(sample_copy, tmp_path, capsys):
    cfg = sample_copy / "centre.toml"
    cfg.write_text(cfg.read_text().replace("shrinkage = 0.25", "shrinkage = 1.5"))
    code, _, err = run(["plan", "--data", str(sample_copy), "--week", "2026-11-30", "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "centre.toml" in err and "staffing.shrinkage" in err


def test_missing_folder_and_bad_date(tmp_path, capsys):
    code, _, err = run(["plan", "--data", str(tmp_path / "nope"), "--week", "2026-11-30", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "not a folder" in err
    with pytest.raises(SystemExit) as exc:
        main(["plan", "--data", str(SAMPLE), "--week", "30/11/2026", "--out", str(tmp_path / "o")])
    assert exc.value.code == 2


def test_week_inside_history_is_refused(tmp_path, capsys):
    code, _, err = run(["plan", "--data", str(SAMPLE), "--week", "2026-11-02", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "history.csv" in err and "--week" in err
