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


@pytest.mark.parametrize("args, flag", [
    (["plan", "--week", "2026-11-30", "--time-limit", "nan"], "--time-limit"),     # reached kpis.json as NaN
    (["plan", "--week", "2026-11-30", "--time-limit", "inf"], "--time-limit"),
    (["replan", "--roster", "r.csv", "--from", "2026-12-02T08:00", "--demand-factor", "nan"], "--demand-factor"),
    # (1e12 failed later as 'parameters: service target needs more than 10000000 agents'.)
    (["replan", "--roster", "r.csv", "--from", "2026-12-02T08:00", "--demand-factor", "1e12"], "--demand-factor"),
    (["sweep", "--week", "2026-11-30", "--skills", "cards", "--min-hours", "-5"], "--min-hours"),
    (["sweep", "--week", "2026-11-30", "--skills", "cards", "--max-days", "9"], "--max-days"),
    (["sweep", "--week", "2026-11-30", "--skills", "cards", "--max-hours", "500"], "--max-hours"),
])
def test_numbers_on_the_command_line_are_checked_like_the_files(tmp_path, capsys, args, flag):
    """nan, inf and values employees.csv would refuse (9 days a week) are refused by the flag."""
    with pytest.raises(SystemExit) as exc:
        main([args[0], "--data", str(SAMPLE), "--out", str(tmp_path / "o"), *args[1:]])
    assert exc.value.code == 2
    assert f"argument {flag}" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_week_inside_history_is_refused(tmp_path, capsys):
    code, _, err = run(["plan", "--data", str(SAMPLE), "--week", "2026-11-02", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "history.csv" in err and "--week" in err


CORPUS = __import__("pathlib").Path(__file__).resolve().parent / "bad_inputs"


def corpus_centre(tmp_path):
    import shutil
    data = tmp_path / "data"
    shutil.copytree(CORPUS / "_base", data)
    shutil.copy(CORPUS / "replan_unknown_employee" / "roster.csv", data / "roster.csv")
    return data


def test_replan_for_a_demand_surge_alone_needs_no_absence(tmp_path, capsys):
    """`replan` without --absent (a surge only) once failed after writing every file: its empty
    absences.csv was refused by the validator as 'header but no data rows'."""
    data = corpus_centre(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = run(["replan", "--data", str(data), "--roster", str(data / "roster.csv"),
                             "--from", "2026-12-02T08:00", "--demand-factor", "1.2", "--out", str(out),
                             "--time-limit", "5"], capsys)
    assert code == 0, err
    assert "validated: every hard rule holds" in stdout


def test_a_folder_where_a_file_belongs_is_explained(tmp_path, capsys):
    data = corpus_centre(tmp_path)
    (data / "employees.csv").unlink()
    (data / "employees.csv").mkdir()
    out = tmp_path / "out"
    code, _, err = run(["plan", "--data", str(data), "--week", "2026-11-30", "--out", str(out),
                        "--no-backtest", "--time-limit", "5"], capsys)
    assert code == 2 and "internal error" not in err, err
    assert "employees.csv" in err and "is a folder" in err
    assert not out.exists()


def test_an_output_path_that_cannot_be_written_is_the_users_to_fix(tmp_path, capsys):
    """Exit 2 naming the path, not 'internal error', and before any work (here --out names an
    existing file)."""
    data = corpus_centre(tmp_path)
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    code, _, err = run(["plan", "--data", str(data), "--week", "2026-11-30", "--out", str(blocker),
                        "--no-backtest", "--time-limit", "5"], capsys)
    assert code == 2 and "internal error" not in err, err
    assert "afile" in err


def test_hourly_history_for_a_half_hourly_centre_fills_every_slot(tmp_path, capsys):
    """Hourly history with a 30-minute centre once left every :30 slot with no demand - a roster
    short half the day that still 'validated'. Each hour is now split over its two slots."""
    data = corpus_centre(tmp_path)
    toml = data / "centre.toml"
    toml.write_text(toml.read_text().replace("interval_minutes = 60", "interval_minutes = 30"))
    out = tmp_path / "out"
    code, _, err = run(["plan", "--data", str(data), "--week", "2026-11-30", "--out", str(out),
                        "--no-backtest", "--time-limit", "5"], capsys)
    assert code == 0, err
    import pandas as pd
    forecast = pd.read_csv(out / "forecast.csv", parse_dates=["timestamp"])
    minutes = forecast["timestamp"].dt.minute
    assert set(minutes) == {0, 30}
    on_the_hour = forecast[minutes == 0].set_index(["queue", "timestamp"])["contacts"]
    half_past = forecast[minutes == 30].assign(timestamp=lambda f: f["timestamp"] - pd.Timedelta(minutes=30))
    half_past = half_past.set_index(["queue", "timestamp"])["contacts"]
    assert (on_the_hour.reindex(half_past.index) - half_past).abs().max() < 1e-9   # an even split
    requirements = pd.read_csv(out / "requirements.csv", parse_dates=["timestamp"])
    open_half_past = requirements[(requirements["timestamp"].dt.minute == 30) & (requirements["contacts"] > 0)]
    assert len(open_half_past) > 0 and (open_half_past["staff"] > 0).all()


def test_finer_data_are_summed_to_the_centre_interval():
    import pandas as pd
    from scheduler.pipeline import to_interval
    table = pd.DataFrame({"timestamp": pd.to_datetime(["2026-12-01 08:00", "2026-12-01 08:15", "2026-12-01 08:30",
                                                       "2026-12-01 08:45"]),
                          "queue": "cards", "contacts": [10.0, 30.0, 5.0, 0.0], "aht_seconds": [100.0, 200.0, 300.0, None]})
    out = to_interval(table, 30)
    assert list(out["contacts"]) == [40.0, 5.0]
    assert list(out["aht_seconds"]) == [175.0, 300.0]      # weighted by contacts
    with pytest.raises(Exception, match="do not fit"):
        to_interval(table.assign(timestamp=table["timestamp"] + pd.to_timedelta([0, 5, 30, 45], unit="min")), 30)


@pytest.mark.parametrize("mean", [2.0, 40.0, 400.0])
def test_coarser_bounds_split_onto_the_grid_still_cover_their_share(mean):
    """Hourly bounds divided by four covered 55-68 % (80 % band) and 70-84 % (95 %) of the
    15-minute counts of another bank's history: a quarter-hour's count varies more than a
    quarter of the hour's. Here the hour is Poisson (its exact quantiles as bounds); each quarter
    then is too, and its split bounds must cover it at about the nominal rates."""
    import numpy as np
    import pandas as pd
    from scipy import stats
    from scheduler.pipeline import to_interval
    hour = stats.poisson(mean)
    table = pd.DataFrame({"timestamp": pd.to_datetime(["2026-12-01 08:00", "2026-12-01 09:00"]), "queue": "q",
                          "contacts": mean, "contacts_lo80": hour.ppf(0.10), "contacts_hi80": hour.ppf(0.90),
                          "contacts_lo95": hour.ppf(0.025), "contacts_hi95": hour.ppf(0.975), "aht_seconds": 300.0})
    quarters = to_interval(table, 15)
    assert len(quarters) == 8 and quarters["contacts"].sum() == pytest.approx(2 * mean)
    q = quarters.iloc[0]
    counts = stats.poisson(mean / 4).rvs(size=20000, random_state=np.random.default_rng(1))
    for level, low, high in (("80", 0.74, 0.93), ("95", 0.92, 0.995)):
        inside = ((counts >= q[f"contacts_lo{level}"] - 1e-9) & (counts <= q[f"contacts_hi{level}"] + 1e-9)).mean()
        assert low <= inside <= high, (mean, level, inside, q[f"contacts_lo{level}"], q[f"contacts_hi{level}"])
    # Bounds are optional in a forecast file: empty ones stay empty, none is made up.
    blank = to_interval(table.assign(contacts_lo80=np.nan, contacts_hi80=np.nan), 15)
    assert blank["contacts_lo80"].isna().all() and blank["contacts_hi80"].isna().all()
    assert blank["contacts_hi95"].notna().all()


@pytest.mark.parametrize("keep, words", [
    (lambda line: "loans" not in line, ["history.csv", "column 'queue'", "loans"]),          # a queue never seen
    (lambda line: line.startswith(("timestamp", "2026-11-02")), ["history.csv", "only 1 day(s)"]),  # one day
])
def test_history_that_cannot_forecast_every_queue_and_weekday_is_refused(tmp_path, capsys, keep, words):
    """Both once planned for no demand at all (a queue, or six weekdays) and exited 0."""
    data = corpus_centre(tmp_path)
    history = data / "history.csv"
    history.write_text("\n".join(line for line in history.read_text().splitlines() if keep(line)) + "\n")
    out = tmp_path / "out"
    code, _, err = run(["plan", "--data", str(data), "--week", "2026-11-30", "--out", str(out),
                        "--no-backtest", "--time-limit", "5"], capsys)
    assert code == 2, err
    assert all(w in err for w in words), err
    assert not out.exists()


def test_one_week_of_history_is_a_full_week_for_a_centre_closed_at_weekends(tmp_path, capsys):
    """A Monday-to-Friday centre's week is five days of rows: it was refused ("covers only 5
    days"). Its week-ends stay unrostered even for a contract minimum (once: shifts on the closed
    Saturday and Sunday, valued like surplus on an open day)."""
    data = corpus_centre(tmp_path)
    history = data / "history.csv"
    week = ("timestamp",) + tuple(f"2026-11-{d}" for d in range(23, 28))     # Monday to Friday
    history.write_text("\n".join(line for line in history.read_text().splitlines() if line.startswith(week)) + "\n")
    centre = data / "centre.toml"
    text = centre.read_text()
    # Saturday open for cards: the history lacks a day the centre opens - refused, naming it.
    out = tmp_path / "out"
    args = ["plan", "--data", str(data), "--week", "2026-11-30", "--out", str(out), "--no-backtest", "--time-limit", "5"]
    code, _, err = run(args, capsys)
    assert code == 2 and "history.csv" in err and "no Sat" in err, err
    assert not out.exists()
    centre.write_text(text.replace('sun = "closed" }', 'sat = "closed", sun = "closed" }', 1))
    employees = data / "employees.csv"
    employees.write_text(employees.read_text().replace("A1,Ann Lee,cards,full-time,0,40,5,no,",
                                                       "A1,Ann Lee,cards,full-time,35,40,7,no,"))
    # ... and asks to work the Saturday: the wish cannot be granted where nothing is open.
    (data / "preferences.csv").write_text("employee_id,day,kind,shift,weight\nA1,2026-12-05,shift_on,D,50\n")
    code, stdout, err = run(args, capsys)
    assert code == 0, err
    assert "validated: every hard rule holds" in stdout
    roster = (out / "roster.csv").read_text().splitlines()[1:]
    days = {line.split(",")[2] for line in roster}
    assert days and days <= {f"2026-11-{d}" for d in (30,)} | {f"2026-12-0{d}" for d in range(1, 5)}, days


def test_replan_reads_a_given_requirements_file_with_the_same_checks(tmp_path, capsys):
    """It once re-read the file with plain pandas: text in 'contacts' or a Latin-1 byte was an
    internal error."""
    data = corpus_centre(tmp_path)
    req = tmp_path / "requirements.csv"
    req.write_text("timestamp,queue,agents,staff,contacts,aht_seconds\n"
                   "2026-11-30 08:00,cards,2,3,many,240\n")
    code, _, err = run(["replan", "--data", str(data), "--roster", str(data / "roster.csv"), "--absent", "A1",
                        "--from", "2026-12-02T08:00", "--requirements", str(req), "--out", str(tmp_path / "out"),
                        "--time-limit", "5"], capsys)
    assert code == 2 and "internal error" not in err, err
    assert "requirements.csv, row 2, column 'contacts'" in err


@pytest.mark.parametrize("option, value", [("--max-hires", "-1"), ("--min-share", "5")])
def test_sweep_refuses_impossible_limits(option, value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--data", str(SAMPLE), "--week", "2026-11-30", "--skills", "cards", "--out", "x",
              option, value])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_sweep_refuses_hires_shorter_than_every_shift(tmp_path, capsys):
    """--max-hours 2 where the shortest shift pays 4 h: the sweep added ten hires who could work
    nothing and reported the shortfall without saying why."""
    code, _, err = run(["sweep", "--data", str(SAMPLE), "--week", "2026-11-30", "--skills", "cards",
                        "--max-hours", "2", "--min-hours", "0", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "--max-hours" in err and "the shortest pays 4 h" in err, err
    assert not (tmp_path / "o").exists()


def test_a_report_path_that_is_a_folder_is_refused_before_the_forecast_is_written(tmp_path, capsys):
    data = corpus_centre(tmp_path)
    out = tmp_path / "forecast.csv"
    code, _, err = run(["forecast", "--history", str(data / "history.csv"), "--start", "2026-11-30",
                        "--out", str(out), "--no-backtest", "--report", str(tmp_path)], capsys)
    assert code == 2 and "--report" in err, err
    assert not out.exists()


def test_the_forecast_command_names_the_history_file_it_was_given(tmp_path, capsys):
    history = tmp_path / "calls_2025.csv"
    history.write_text(HEADER + "2026-11-02 08:00,deposits,10,300\n")
    code, _, err = run(forecast_args(history, tmp_path / "f.csv"), capsys)
    assert code == 2 and err.startswith("error: calls_2025.csv"), err


def test_one_silent_queue_is_forecast_with_a_warning(tmp_path, capsys):
    """A queue with no contacts in the whole history (a new or closed line) is accepted - the
    others can still be planned - but named on stderr: it will be staffed at zero. (A history of
    nothing but zeros is refused: tests/bad_inputs/history_all_zero.)"""
    data = corpus_centre(tmp_path)
    history = data / "history.csv"
    header, *rows = [line.split(",") for line in history.read_text().splitlines()]
    history.write_text("".join(",".join(r[:2] + ["0" if r[1] == "loans" else r[2]] + r[3:]) + "\n"
                               for r in [header, *rows]))
    out = tmp_path / "forecast.csv"
    code, _, err = run(["forecast", "--history", str(history), "--start", "2026-11-30", "--out", str(out),
                        "--no-backtest", "--config", str(data / "centre.toml")], capsys)
    assert code == 0, err
    warned = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert warned == ["warning: history.csv, column 'contacts': queue 'loans' has no contacts in the whole history "
                        "(every count is 0): it will be forecast - and staffed - at zero"], err
    assert out.exists()


ROSTER_HEADER = "employee_id,name,date,shift,start,end,paid_hours,break_start,break_end,main_queue\n"


def validate_text(data, roster, text: str, capsys, *options: str):
    """`text` written as the roster, then `validate` on the centre `data`: (exit code, out, err)."""
    roster.write_text(text)
    return run(["validate", "--data", str(data), "--roster", str(roster), *options], capsys)


def test_validate_reports_paid_hours_that_disagree_with_the_times(tmp_path, capsys):
    """paid_hours is what payroll pays: a row whose paid_hours is not end - start - break once
    validated, as long as the times kept the rules."""
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    code, out, _ = validate_text(data, roster, ROSTER_HEADER +
                                 "A1,Ann Lee,2026-11-30,D-0800,2026-11-30T08:00,2026-11-30T16:00,7,2026-11-30T12:00,2026-11-30T13:00,cards\n"
                                 "A1,Ann Lee,2026-12-01,D-0800,2026-12-01T08:00,2026-12-01T16:00,8,2026-12-01T12:00,2026-12-01T13:00,cards\n",
                                 capsys)
    assert code == 1, out
    violations = [line.strip() for line in out.splitlines() if line.startswith("  [")]
    assert violations == ["[paid_hours] A1 2026-12-01: roster.csv row 3: paid_hours is 8 but 08:00-16:00 less a "
                          "60-minute break is 7 h"], out
    # The same row with the hours right is clean (7.0 and 7.00 are the same hours).
    code, out, _ = validate_text(data, roster, roster.read_text().replace(",8,2026-12-01T12:00", ",7.00,2026-12-01T12:00"),
                                 capsys)
    assert code == 0, out


def test_dates_in_year_9999_are_bad_input_not_an_internal_error(tmp_path, capsys):
    """A roster dated 9999-12-31 and '--week 9999-12-31' passed the readers, then overflowed date
    arithmetic: 'internal error: OverflowError', exit 1. Now exit 2 with the row and column (or the
    option); time off may still run to HR's open end."""
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_HEADER +
                      "A1,Ann Lee,9999-12-31,D-0800,9999-12-31T08:00,9999-12-31T16:00,7,9999-12-31T12:00,9999-12-31T13:00,cards\n")
    code, out, err = run(["validate", "--data", str(data), "--roster", str(roster)], capsys)
    assert code == 2 and "roster.csv, row 2, column 'date'" in err and "Traceback" not in err, out + err
    for argv in (["validate", "--data", str(data), "--roster", str(roster), "--week", "9999-12-31"],
                 ["validate", "--data", str(data), "--roster", str(roster), "--days", "1000000000"],
                 ["forecast", "--history", str(data / "history.csv"), "--start", "9999-12-28", "--days", "7",
                  "--out", str(tmp_path / "f.csv")]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2, argv
        assert "expected" in capsys.readouterr().err


def test_a_carried_over_shift_longer_than_a_day_is_refused(tmp_path):
    """A previous_roster.csv row from Sunday 22:00 to Thursday 06:00 was taken as carry-over; the
    week planned around it then failed its own validator (2.0 h rest), exit 1, files written."""
    from scheduler.errors import InputError
    from scheduler.pipeline import load_previous
    data = corpus_centre(tmp_path)
    (data / "previous_roster.csv").write_text(
        "employee_id,name,date,shift,start,end\nA1,,2026-11-29,X,2026-11-29T22:00,2026-12-03T06:00\n")
    with pytest.raises(InputError) as err:
        load_previous(data)
    assert "previous_roster.csv, row 2, column 'end'" in str(err.value) and "80.0 h" in str(err.value)
    (data / "previous_roster.csv").write_text(              # a night into Monday is carry-over as ever
        "employee_id,name,date,shift,start,end\nA1,,2026-11-29,X,2026-11-29T22:00,2026-11-30T06:00\n")
    assert len(load_previous(data)) == 1


def test_validate_names_shifts_by_their_times_when_the_roster_has_no_shift_column(tmp_path, capsys):
    """`shift` is optional in a roster file, but without it every shift was 'shift '' is not a
    template of centre.toml' (exit 1). A shift without an id is the template its times are."""
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    header = "employee_id,name,date,start,end,break_start,break_end"
    row = "A1,Ann Lee,2026-11-30,2026-11-30T08:00,2026-11-30T16:00,2026-11-30T12:00,2026-11-30T13:00"
    code, out, err = validate_text(data, roster, f"{header}\n{row}\n", capsys)
    assert code == 0, out + err
    # No template is 08:00-16:30:
    code, out, _ = validate_text(data, roster, f"{header}\n{row.replace('T16:00', 'T16:30')}\n", capsys)
    assert code == 1 and "08:00-16:30 (no shift id) is not a template of centre.toml" in out, out


def test_validate_without_week_takes_the_horizon_plan_wrote_beside_the_roster(tmp_path, capsys):
    """Run as the README shows (no --week), the horizon began at the first shift: a roster whose
    Monday is a closure started on Tuesday, and the closure's contract credit was lost (a
    'min_hours' report per employee on a valid roster). kpis.json beside the roster says the week."""
    import json
    data = corpus_centre(tmp_path)
    toml = (data / "centre.toml").read_text().replace('interval_minutes = 60', 'interval_minutes = 60\nclosures = ["2026-11-30"]')
    (data / "centre.toml").write_text(toml)
    (data / "employees.csv").write_text((data / "employees.csv").read_text().replace(
        "A1,Ann Lee,cards,full-time,0,40,5", "A1,Ann Lee,cards,full-time,35,40,5"))
    rows = [f"A1,Ann Lee,2026-12-0{d},D-0800,2026-12-0{d}T08:00,2026-12-0{d}T16:00,7,2026-12-0{d}T12:00,"
            f"2026-12-0{d}T13:00,cards" for d in range(1, 5)]       # Tue-Fri: 28 h + the closed Monday's 7
    roster = tmp_path / "out" / "roster.csv"
    roster.parent.mkdir()
    roster.write_text(ROSTER_HEADER + "\n".join(rows) + "\n")
    code, out, _ = run(["validate", "--data", str(data), "--roster", str(roster)], capsys)
    assert code == 1 and "min_hours" in out, out                     # no kpis.json: the week starts on Tuesday
    (roster.parent / "kpis.json").write_text(json.dumps({"horizon": {"start": "2026-11-30", "days": 7}}))
    code, out, err = run(["validate", "--data", str(data), "--roster", str(roster)], capsys)
    assert code == 0, out + err


def test_the_forecast_says_which_days_its_cleaning_left_out(tmp_path, capsys):
    """Partial and empty days were left out of the forecast in silence (the JSON report only)."""
    data = corpus_centre(tmp_path)
    lines = (data / "history.csv").read_text().splitlines()
    day = lines[-1].split(",")[0][:10]                      # the last day: keep its morning only
    kept = [l for l in lines if not (l.startswith(day) and l[11:13] >= "12")]
    (data / "history.csv").write_text("\n".join(kept) + "\n")
    code, out, _ = run(forecast_args(data / "history.csv", tmp_path / "f.csv"), capsys)
    assert code == 0 and "left out: 1 partial day(s)" in out, out


def test_a_replan_record_of_a_roster_without_shift_ids_is_not_called_new(tmp_path, capsys):
    """The re-planned roster's shifts are named by their times when it has no shift column, and so
    must the published roster's be: every past shift was once 'not in the roster re-planned'."""
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    header = "employee_id,name,date,start,end,break_start,break_end"
    rows = [f"A1,Ann Lee,2026-12-0{d},2026-12-0{d}T08:00,2026-12-0{d}T16:00,2026-12-0{d}T12:00,2026-12-0{d}T13:00"
            for d in (1, 2, 3)]
    code, out, err = validate_text(data, roster, header + "\n" + "\n".join(rows) + "\n", capsys, "--week", "2026-11-30",
                                   "--worked-before", "2026-12-03T00:00", "--published", str(roster))
    assert code == 0 and "already_past" not in out, out + err


def test_validate_checks_paid_hours_only_where_the_roster_states_them(tmp_path, capsys):
    """A hand-made roster without the column is checked on its times; once the column is there,
    a blank cell is an error with its row and column."""
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    header = "employee_id,name,date,shift,start,end,break_start,break_end"
    row = "A1,Ann Lee,2026-11-30,D-0800,2026-11-30T08:00,2026-11-30T16:00,2026-11-30T12:00,2026-11-30T13:00"
    code, out, err = validate_text(data, roster, f"{header}\n{row}\n", capsys)
    assert code == 0, out + err
    code, _, err = validate_text(data, roster, f"{header},paid_hours\n{row},7\n{row.replace('11-30', '12-01')},\n", capsys)
    assert code == 2 and "Traceback" not in err, err
    assert "roster.csv, row 3, column 'paid_hours'" in err, err


def test_replan_refuses_a_previous_roster_naming_someone_unknown(tmp_path, capsys):
    """The carry-over roster is read by `replan` too (and by `validate`): same check, same message."""
    data = corpus_centre(tmp_path)
    (data / "previous_roster.csv").write_text(
        ROSTER_HEADER + "Z9,Zoe Nobody,2026-11-29,D-0800,2026-11-29T08:00,2026-11-29T16:00,7,2026-11-29T12:00,2026-11-29T13:00,cards\n")
    out = tmp_path / "out"
    code, _, err = run(["replan", "--data", str(data), "--roster", str(data / "roster.csv"), "--absent", "A1",
                        "--from", "2026-12-02T08:00", "--out", str(out), "--time-limit", "5"], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert "error: previous_roster.csv, row 2, column 'employee_id': unknown employee 'Z9'" in err
    assert not out.exists()
    code, _, err = run(["validate", "--data", str(data), "--roster", str(data / "roster.csv")], capsys)
    assert code == 2 and "previous_roster.csv, row 2, column 'employee_id'" in err, err


def test_replan_refuses_requirements_of_other_days(tmp_path, capsys):
    """A year-old requirements.csv beside the roster: the re-plan saw no demand at all, took the
    absent agent's shifts away and reported 'validated'. Now exit 2, naming the file and its days."""
    data = corpus_centre(tmp_path)
    (data / "requirements.csv").write_text("timestamp,queue,agents,staff\n2025-12-01 08:00,cards,2,3\n"
                                           "2025-12-01 08:30,cards,2,3\n")
    out = tmp_path / "out"
    code, _, err = run(["replan", "--data", str(data), "--roster", str(data / "roster.csv"), "--absent", "A1",
                        "--from", "2026-12-02T08:00", "--out", str(out), "--time-limit", "5"], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert "requirements.csv, column 'timestamp': holds no interval of the days re-planned" in err, err
    assert "2025-12-01" in err and not out.exists()


def requirements_args(forecast, out, *more):
    return ["requirements", "--forecast", str(forecast), "--service-level", "0.8", "--target-seconds", "20",
            "--shrinkage", "0.3", "--out", str(out), *more]


@pytest.mark.parametrize("minutes", ["7", "0", "45", "90", "25", "1441", "15.5"])
def test_requirements_interval_must_tile_an_hour_or_a_day(tmp_path, capsys, minutes):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n2026-11-30 08:00,q,100,180\n")
    out = tmp_path / "req.csv"
    with pytest.raises(SystemExit) as exc:
        main(requirements_args(forecast, out, "--interval-minutes", minutes))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--interval-minutes" in err and "divides an hour (5, 10, 15, 20, 30 or 60 minutes)" in err, err
    assert not out.exists()


@pytest.mark.parametrize("minutes", ["5", "20", "60", "120", "1440"])
def test_requirements_interval_on_the_grid_is_accepted(tmp_path, capsys, minutes):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n2026-11-30 08:00,q,100,180\n")
    out = tmp_path / "req.csv"
    code, _, err = run(requirements_args(forecast, out, "--interval-minutes", minutes), capsys)
    assert code == 0, err
    assert out.exists()


def test_requirements_inferred_interval_is_checked_without_a_config_too(tmp_path, capsys):
    forecast = tmp_path / "calls.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n2026-11-30 08:00,q,100,180\n2026-11-30 08:07,q,90,180\n")
    out = tmp_path / "req.csv"
    code, _, err = run(requirements_args(forecast, out), capsys)
    assert code == 2, err
    assert f"error: {forecast}, column 'timestamp': the timestamps are 7 minutes apart; expected" in err, err
    assert not out.exists()


def test_a_history_interval_off_the_grid_is_refused(tmp_path, capsys):
    """Every 12 minutes divides a day but is no grid a centre plans on (it was forecast as is)."""
    import pandas as pd
    history = tmp_path / "history.csv"
    moments = pd.date_range("2026-11-02 08:00", periods=2100, freq="12min")     # two and a half weeks
    history.write_text(HEADER + "".join(f"{m:%Y-%m-%d %H:%M},deposits,{5 + i % 7},300\n" for i, m in enumerate(moments)))
    out = tmp_path / "forecast.csv"
    code, _, err = run(forecast_args(history, out), capsys)
    assert code == 2, err
    assert "error: history.csv, column 'timestamp'" in err and "step between timestamps is 12 min" in err, err
    assert not out.exists()


@pytest.mark.parametrize("config, flags, expected", [
    (False, {"--shrinkage": "1.3"}, "error: command line, column '--shrinkage': shrinkage must be in [0, 1)"),
    (True, {"--service-level": "2"}, "error: command line, column '--service-level': queue 'cards': service level"),
    (False, {"--model": "erlang-a"}, "error: command line, column '--patience-seconds': queue 'cards': the erlang-a model"),
    (True, {"--model": "erlang-a"}, "centre.toml, key 'queues[0].patience_seconds': queue 'cards': the erlang-a model"),
])
def test_staffing_problems_name_where_the_value_came_from(tmp_path, capsys, config, flags, expected):
    """staffing.py calls every setting 'parameters'; the message names the flag or the centre.toml key."""
    data = corpus_centre(tmp_path)
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("timestamp,queue,contacts,aht_seconds\n2026-11-30 08:00,cards,100,180\n"
                        "2026-11-30 09:00,cards,100,180\n")
    out = tmp_path / "req.csv"
    given = ({"--config": str(data / "centre.toml")} if config else
             {"--service-level": "0.8", "--target-seconds": "20", "--shrinkage": "0.3"}) | flags
    code, _, err = run(["requirements", "--forecast", str(forecast), "--out", str(out),
                        *(x for pair in given.items() for x in pair)], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert expected in err, err
    assert "parameters" not in err, err
    if config and "--model" in flags:            # the path given, not just a name
        assert f"error: {data / 'centre.toml'}, key" in err, err
    assert not out.exists()


def test_a_staffing_setting_missing_from_centre_toml_is_reported_before_the_forecast(tmp_path, monkeypatch):
    """The forecast may take minutes: a centre.toml whose staffing settings cannot work is refused
    before it starts, not after."""
    import shutil
    from datetime import date
    from scheduler import pipeline
    from scheduler.errors import InputError
    data = corpus_centre(tmp_path)
    shutil.copy(CORPUS / "config_erlang_a_without_patience" / "centre.toml", data / "centre.toml")

    def no_forecast(*args, **kwargs):
        raise AssertionError("forecast started before the staffing settings were checked")
    monkeypatch.setattr(pipeline, "make_forecast", no_forecast)
    with pytest.raises(InputError) as err:
        pipeline.prepare_inputs(data, date(2026, 11, 30), backtest=False)
    assert "centre.toml, key 'queues[0].patience_seconds'" in str(err.value)


def test_a_roster_without_shifts_is_a_roster(tmp_path, capsys):
    """A week the centre is closed gives a roster.csv and assignments.csv with a header only: the
    plan's own check once refused them ('header but no data rows', exit 2, every file written),
    and a header-only previous_roster.csv (no carry-over) was refused the same way."""
    data = corpus_centre(tmp_path)
    (data / "previous_roster.csv").write_text(ROSTER_HEADER)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_HEADER)
    (tmp_path / "assignments.csv").write_text("employee_id,timestamp,queue\n")
    code, out, err = run(["validate", "--data", str(data), "--roster", str(roster), "--week", "2026-11-30"], capsys)
    assert "Traceback" not in err and "no data rows" not in out + err, out + err
    assert code in (0, 1), out + err    # 1: contracted minimum hours not met by an empty week


def test_validate_names_a_shift_whose_times_moved_off_its_date(tmp_path, capsys):
    """A hand edit moved a shift's times to the next day (onto leave) but not its date: validate
    said only 'does not match template' and missed the leave."""
    data = corpus_centre(tmp_path)
    (data / "time_off.csv").write_text("employee_id,start_date,end_date,reason\nA1,2026-12-01,2026-12-01,dentist\n")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_HEADER +
                      "A1,Ann Lee,2026-11-30,D-0800,2026-12-01T08:00,2026-12-01T16:00,7,2026-12-01T12:00,2026-12-01T13:00,cards\n")
    code, out, _ = run(["validate", "--data", str(data), "--roster", str(roster), "--week", "2026-11-30"], capsys)
    assert code == 1, out
    assert "[shift_date] A1 2026-11-30: starts on 2026-12-01 08:00 but its date is 2026-11-30" in out, out
    assert "[time_off] A1 2026-12-01" in out and "does not match template" not in out, out


def test_replan_uses_the_centre_the_roster_was_planned_with(tmp_path):
    """The app's re-plan reloaded centre.toml, so service targets changed on the Staffing page
    did not reach its under-staffing values nor its KPIs."""
    from dataclasses import replace
    from datetime import datetime
    from scheduler.config import load_centre
    from scheduler.replan import replan
    data = corpus_centre(tmp_path)
    strict = load_centre(data / "centre.toml")
    strict = replace(strict, queues=tuple(replace(q, target=replace(q.target, target_seconds=1.0))
                                          for q in strict.queues))
    args = dict(absent=["A1"], start=datetime(2026, 12, 2, 8), time_limit=5, workers=1)
    as_toml, _ = replan(data, data / "roster.csv", **args)
    as_planned, _ = replan(data, data / "roster.csv", centre=strict, **args)
    assert as_planned.centre is strict
    sl = lambda plan: plan.kpis["queues"]["cards"]["expected_service_level"]  # noqa: E731
    assert sl(as_planned) < sl(as_toml)


def test_replan_on_an_hourly_grid_adds_shifts_to_cover_an_absence(tmp_path):
    """A changed employee-day cost ten agent-intervals of under-staffing whatever the grid: on this
    60-minute centre a 7-hour shift could never pay for itself, and the re-plan added nobody."""
    from datetime import datetime
    from scheduler.replan import replan
    data = corpus_centre(tmp_path)
    plan, changes = replan(data, data / "roster.csv", absent=["A1"], start=datetime(2026, 12, 2, 8),
                           time_limit=5, workers=1)
    assert any(c.kind == "added" and c.employee_id != "A1" for c in changes), [str(c) for c in changes]


@pytest.mark.parametrize("args, expected", [
    (["plan", "--week", "30/11/2026"], "expected a date YYYY-MM-DD, got '30/11/2026'"),
    (["plan", "--week", "2026-11-30", "--time-limit", "soon"], "expected solver seconds 0.01..604800, got 'soon'"),
    (["sweep", "--week", "2026-11-30", "--skills", "cards", "--min-share", "most"], "expected a share 0 < x <= 1, got 'most'"),
    (["replan", "--roster", "r.csv", "--from", "tomorrow"], "expected a date-time like 2026-12-02T08:00, got 'tomorrow'"),
])
def test_a_flag_that_does_not_parse_says_what_was_expected(tmp_path, capsys, args, expected):
    """Without the flags' own parsing argparse still exits 2, but says only "invalid _date value",
    naming neither the form expected nor, for --from, that a date-time is wanted."""
    with pytest.raises(SystemExit) as exc:
        main([args[0], "--data", str(SAMPLE), "--out", str(tmp_path / "o"), *args[1:]])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert not (tmp_path / "o").exists()


def test_an_unreadable_file_is_named_not_a_traceback(tmp_path, monkeypatch, capsys):
    """A file that exists but cannot be read (permissions, a network share gone): exit 2 naming
    it. (chmod 000 does not stop root, so the read is made to fail.)"""
    import shutil
    from pathlib import Path
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent / "bad_inputs" / "_base", data)
    real = Path.read_bytes

    def refuse(self):
        if self.name == "employees.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    code = main(["plan", "--data", str(data), "--week", "2026-11-30", "--out", str(tmp_path / "out"),
                 "--no-backtest", "--time-limit", "5"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "employees.csv: cannot be read (Permission denied)" in err
    assert not (tmp_path / "out").exists() or not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_spreadsheet_damage_to_a_roster_is_refused_by_row_the_same_way_by_every_command(tmp_path, capsys):
    """An Excel round-trip audit (a helper): ids whose leading zeros a spreadsheet dropped gave
    validate 6,805 'unknown_employee' lines without a row (plan and replan: exit 2 by row); a row
    repeated exactly was counted twice by validate (48 paid hours for 40 worked); a row dated
    Saturday whose shift started on Friday was carried over, and re-planned, as Saturday's."""
    from scheduler.errors import InputError
    from scheduler.pipeline import load_previous
    data = corpus_centre(tmp_path)
    (data / "employees.csv").write_text((data / "employees.csv").read_text().replace("A1,", "007,"))
    roster = tmp_path / "roster.csv"
    row = "{e},,2026-11-30,D-0800,2026-11-30T08:00,2026-11-30T16:00,7,2026-11-30T12:00,2026-11-30T13:00,cards\n"
    code, out, err = validate_text(data, roster, ROSTER_HEADER + row.format(e="7") * 30, capsys)
    assert code == 2, out + err
    lines = err.splitlines()
    assert lines[0] == ("error: roster.csv, row 2, column 'employee_id': unknown employee '7' (not in employees.csv; "
                        "did a spreadsheet drop the leading zeros of '007'?)"), err
    assert len(lines) <= 22 and "more problem(s)" in lines[-1], err
    code, out, err = validate_text(data, roster, ROSTER_HEADER + row.format(e="007") * 2, capsys)
    assert code == 2 and "roster.csv, row 3, column 'start': row 2 again" in err, out + err
    assert "max_hours" not in out
    # A shift's date is the day it starts: the planners refuse another (the validator reports it).
    (data / "previous_roster.csv").write_text(
        "employee_id,name,date,shift,start,end\n007,,2026-11-28,X,2026-11-27T08:30,2026-11-27T16:30\n")
    with pytest.raises(InputError) as refused:
        load_previous(data)
    assert "previous_roster.csv, row 2, column 'date': 2026-11-28 is not the day its shift starts" in str(refused.value)
    (data / "previous_roster.csv").write_text(              # a night into Monday is dated the day it starts
        "employee_id,name,date,shift,start,end\n007,,2026-11-29,X,2026-11-29T22:00,2026-11-30T06:00\n")
    assert len(load_previous(data)) == 1
    roster.write_text(ROSTER_HEADER + row.format(e="007").replace("2026-11-30,D-0800", "2026-12-01,D-0800"))
    code, out, err = run(["replan", "--data", str(data), "--roster", str(roster), "--absent", "007",
                          "--from", "2026-11-30 10:00", "--out", str(tmp_path / "re")], capsys)
    assert code == 2 and "roster.csv, row 2, column 'date': 2026-12-01 is not the day its shift starts" in err, out + err


def test_an_unknown_employee_in_assignments_csv_is_bad_input_as_in_roster_csv(tmp_path, capsys):
    """The same unknown id was bad input in roster.csv (exit 2, by row) but a rule violation in
    assignments.csv (exit 1, no row): both files are refused by row now."""
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    (tmp_path / "assignments.csv").write_text("employee_id,timestamp,queue\nA1,2026-11-30T08:00,cards\n"
                                              "ghost,2026-11-30T08:00,cards\n")
    code, out, err = validate_text(data, roster, ROSTER_HEADER + "A1,Ann Lee,2026-11-30,D-0800,2026-11-30T08:00,"
                                   "2026-11-30T16:00,7,2026-11-30T12:00,2026-11-30T13:00,cards\n", capsys)
    assert code == 2, out + err
    assert "assignments.csv, row 3, column 'employee_id': unknown employee 'ghost'" in err, err


def test_a_decimal_comma_outside_a_semicolon_file_says_why_it_is_not_read(tmp_path, capsys):
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    code, _, err = validate_text(data, roster, ROSTER_HEADER.replace(",", "\t") +
                                 "A1\t\t2026-11-30\tD-0800\t2026-11-30T08:00\t2026-11-30T16:00\t7,0\t"
                                 "2026-11-30T12:00\t2026-11-30T13:00\tcards\n", capsys)
    assert code == 2 and "got '7,0' (a decimal comma is read only in ';'-separated files)" in err, err


def test_validate_checks_the_main_queue_against_skills_and_assignments(tmp_path, capsys):
    """roster.csv's main_queue tells the agent which queue a shift is for: a queue the agent is not
    trained for, one the centre does not have, or - with assignments.csv - not the one the agent
    serves most in that shift is reported (re-derived from the assignments, not taken from the
    exporter)."""
    data = corpus_centre(tmp_path)
    roster = tmp_path / "roster.csv"
    ann = "A1,Ann Lee,2026-11-30,D-0800,2026-11-30T08:00,2026-11-30T16:00,7,2026-11-30T12:00,2026-11-30T13:00,{}\n"
    dan = "A4,Dan Roe,2026-11-30,D-0800,2026-11-30T08:00,2026-11-30T16:00,7,2026-11-30T12:00,2026-11-30T13:00,{}\n"

    def violations(text: str, *options: str) -> list[str]:
        code, out, _ = validate_text(data, roster, ROSTER_HEADER + text, capsys, *options)
        found = [line.strip() for line in out.splitlines() if line.startswith("  [")]
        assert code == (1 if found else 0), out
        return found

    assert violations(ann.format("loans")) == [
        "[main_queue] A1 2026-11-30: roster.csv row 2: main_queue is 'loans', a queue A1 is not trained for"]
    assert violations(ann.format("nowhere")) == [
        "[main_queue] A1 2026-11-30: roster.csv row 2: main_queue is 'nowhere', not a queue of the centre"]
    assert violations(ann.format("cards")) == []
    # Dan serves loans three hours and cards one: loans is his main queue that shift.
    assignments = tmp_path / "assignments.csv"
    assignments.write_text("employee_id,timestamp,queue\n" + "".join(
        f"A4,2026-11-30T{t},{q}\n" for t, q in (("09:00", "loans"), ("10:00", "loans"), ("11:00", "cards"),
                                                ("13:00", "loans"))))
    both = ("--assignments", str(assignments))
    assert violations(dan.format("loans"), *both) == []
    assert violations(dan.format("cards"), *both) == [
        "[main_queue] A4 2026-11-30: roster.csv row 2: main_queue is 'cards', but the assignments have the agent "
        "on loans most in this shift (3 intervals against 1)"]
    assert violations(ann.format("cards") + dan.format("loans"), *both) == [
        "[main_queue] A1 2026-11-30: roster.csv row 2: main_queue is 'cards', but the assignments have the agent "
        "serving no queue in this shift"]
