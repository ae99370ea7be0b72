"""Readers never crash on bad files: they return data or raise InputError naming file, row and
column. Real-world variants (BOM, Latin-1, ';' separators) are read correctly."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from scheduler.config import centre_from_dict, load_centre
from scheduler.domain import Horizon
from scheduler.errors import InputError
from scheduler.io import (read_employees, read_forecast, read_history, read_preferences, read_roster,
                          read_time_off)

CENTRE = load_centre(SAMPLE / "centre.toml")
HORIZON = Horizon(date(2026, 11, 30), 7, 30)
READERS = {
    "history.csv": lambda p: read_history(p, CENTRE.queue_ids),
    "forecast.csv": lambda p: read_forecast(p, CENTRE.queue_ids),
    "employees.csv": lambda p: read_employees(p, CENTRE),
    "time_off.csv": lambda p: read_time_off(p, ["E001"]),
    "preferences.csv": lambda p: read_preferences(p, ["E001"], CENTRE, HORIZON),
    "roster.csv": lambda p: read_roster(p),
}
HEADERS = {
    "history.csv": "timestamp,queue,contacts,aht_seconds",
    "forecast.csv": "timestamp,queue,contacts",
    "employees.csv": "employee_id,name,skills,min_hours,max_hours",
    "time_off.csv": "employee_id,start_date,end_date",
    "preferences.csv": "employee_id,day,kind,shift,weight",
    "roster.csv": "employee_id,date,start,end",
}
cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(READERS)), rows=st.lists(st.lists(cell, min_size=0, max_size=7), max_size=5),
       header=st.booleans())
def test_readers_raise_only_input_errors(tmp_path, name, rows, header):
    path = tmp_path / name
    lines = ([HEADERS[name]] if header else []) + [",".join(r) for r in rows]
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        READERS[name](path)
    except InputError as exc:
        assert exc.problems and all(p.file == name for p in exc.problems)
        assert all(str(p).startswith(name) for p in exc.problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path, raw):
    path = tmp_path / "history.csv"
    path.write_bytes(raw)
    try:
        read_history(path, CENTRE.queue_ids)
    except InputError:
        pass


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["centre", "queues", "shifts", "rules", "weights", "staffing"]),
                       st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=3),
                                 st.dictionaries(st.text(max_size=8), st.integers(-5, 50), max_size=3)), max_size=6))
def test_config_parser_raises_only_input_errors(data):
    try:
        centre_from_dict(data)
    except InputError as exc:
        assert exc.problems


def test_bom_latin1_and_semicolons(tmp_path):
    text = "employee_id;name;skills;min_hours;max_hours\nE001;Zoë Müller;deposits;16;24\n"
    p = tmp_path / "employees.csv"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_employees(p, CENTRE)[0].name == "Zoë Müller"
    p.write_bytes(text.encode("latin-1"))
    assert read_employees(p, CENTRE)[0].name == "Zoë Müller"


@pytest.mark.parametrize("toml_fix, key", [
    (lambda d: d["queues"][0].update(hours={"default": "20:00-08:00"}), "queues[0].hours.mon"),
    (lambda d: d["shifts"][0].update(hours=30), "shifts[0].hours"),
    (lambda d: d["rules"].update(min_rest_hours=200), "rules.min_rest_hours"),
    (lambda d: d["queues"][1].update(id=d["queues"][0]["id"]), "queues[1].id"),
    (lambda d: d["queues"][0].update(service_level=1.2), "queues[0].service_level"),
    (lambda d: d["shifts"][0].update(starts=["07:15"]), "shifts[0].starts[0]"),
    (lambda d: d["rules"].update(absences_count_in_blocks="yes"), "rules.absences_count_in_blocks"),
    (lambda d: d["rules"].update(night_start="23:00", night_end="23:00"), "rules.night_end"),
    (lambda d: d["rules"].update(holidays_credit_contract=2), "rules.holidays_credit_contract"),
    (lambda d: d["centre"].update(holiday_country="XX"), "centre.holiday_country"),
    (lambda d: d["rules"].update(weekend_days=["sat", "Sat"]), "rules.weekend_days"),
    (lambda d: d["rules"].update(weekend_days=["saturday"]), "rules.weekend_days"),
    (lambda d: d["centre"].update(holiday_subdivision="ZZZ"), "centre.holiday_subdivision"),
])
def test_inconsistent_config_names_the_key(toml_fix, key):
    import tomllib
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    toml_fix(data)
    with pytest.raises(InputError) as exc:
        centre_from_dict(data)
    assert any(p.column == key for p in exc.value.problems), [str(p) for p in exc.value.problems]


def test_overlapping_time_off_and_unknown_employee(tmp_path):
    p = tmp_path / "time_off.csv"
    p.write_text("employee_id,start_date,end_date\nE001,2026-12-01,2026-12-03\nE001,2026-12-03,2026-12-04\nE999,2026-12-01,2026-12-01\n")
    with pytest.raises(InputError) as exc:
        read_time_off(p, ["E001"])
    text = str(exc.value)
    assert "row 3" in text and "overlaps" in text and "row 4" in text and "E999" in text


def test_absences_count_in_blocks_is_read_from_the_rules():
    import tomllib
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    assert centre_from_dict(data).rules.absences_count_in_blocks is False
    data["rules"]["absences_count_in_blocks"] = True
    assert centre_from_dict(data).rules.absences_count_in_blocks is True


def test_the_hour_the_clocks_go_back_is_accepted_other_duplicates_are_not(tmp_path):
    """A local-time export repeats the night-time hour when the clocks go back (once a year in
    most of Europe and North America): read, with a warning, and the intervals added together by
    the forecast; the same timestamp at 10:00, or three times, is an export error."""
    import warnings
    from scheduler.errors import InputWarning
    rows = ["timestamp,queue,contacts,aht_seconds"]
    for day in range(24, 27):
        for half in range(48):
            rows.append(f"2026-10-{day} {half // 2:02d}:{30 * (half % 2):02d},cards,{1 + half % 5},300")
    base = "\n".join(rows) + "\n"
    p = tmp_path / "history.csv"
    p.write_text(base + "2026-10-25 01:00,cards,2,300\n2026-10-25 01:30,cards,1,300\n")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        h = read_history(p, ["cards"])
    assert len(h) == 3 * 48 + 2
    assert any(issubclass(w.category, InputWarning) and "clocks go back" in str(w.message) for w in seen)
    for extra, row in [("2026-10-25 10:00,cards,2,300\n", 3 * 48 + 2),
                       ("2026-10-25 01:00,cards,2,300\n2026-10-25 01:00,cards,2,300\n", 3 * 48 + 3)]:
        p.write_text(base + extra)
        with pytest.raises(InputError) as exc:
            read_history(p, ["cards"])
        assert any(q.column == "timestamp" and q.row == row for q in exc.value.problems), \
            [str(q) for q in exc.value.problems]


def test_offsets_that_change_with_the_clocks_are_read_as_local_time(tmp_path):
    """An export that writes each time with its offset (+01:00 in summer, +00:00 in winter) gives
    the local clock time as written - it was refused as 'different time-zone offsets'; 'Z' (UTC)
    is read the same way, with a warning that it should be local time."""
    import warnings
    from scheduler.errors import InputWarning
    rows = ["timestamp,queue,contacts,aht_seconds"]
    for day, off in ((24, "+01:00"), (25, "+00:00"), (26, "+00:00")):
        for half in range(48):
            rows.append(f"2026-10-{day}T{half // 2:02d}:{30 * (half % 2):02d}{off},cards,{1 + half % 5},300")
    p = tmp_path / "history.csv"
    p.write_text("\n".join(rows) + "\n")
    h = read_history(p, ["cards"])
    assert h["timestamp"].dt.tz is None and len(h) == 3 * 48
    assert str(h["timestamp"].iloc[0]) == "2026-10-24 00:00:00" and str(h["timestamp"].iloc[-1]) == "2026-10-26 23:30:00"
    p.write_text("\n".join([rows[0]] + [r.replace("+01:00", "Z").replace("+00:00", "Z") for r in rows[1:]]) + "\n")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        h = read_history(p, ["cards"])
    assert str(h["timestamp"].iloc[0]) == "2026-10-24 00:00:00"
    assert any(issubclass(w.category, InputWarning) and "'Z'" in str(w.message) for w in seen)


def _history_rows(n=3 * 48):
    rows = ["timestamp,queue,contacts,aht_seconds"]
    for k in range(n):
        day, half = 24 + k // 48, k % 48
        rows.append(f"2026-10-{day} {half // 2:02d}:{30 * (half % 2):02d},cards,{1 + half % 5},300")
    return rows


def test_row_numbers_are_the_lines_of_the_file_and_separator_only_lines_are_blank(tmp_path):
    """Blank lines once shifted every later row number (a bad cell on line 24 was reported as row
    21), and a trailing ',,,' line from a spreadsheet was refused as a row."""
    rows = _history_rows()
    good = rows[:10] + ["", "", ""] + rows[10:] + [",,,", ""]
    p = tmp_path / "history.csv"
    p.write_text("\n".join(good) + "\n")
    assert len(read_history(p, ["cards"])) == 3 * 48
    rows[22] = rows[22].split(",")[0] + ",cards,abc,300"      # line 23 of the file without the blanks
    p.write_text("\n".join(rows[:10] + ["", "", ""] + rows[10:] + [",,,", ""]) + "\n")
    with pytest.raises(InputError) as exc:
        read_history(p, ["cards"])
    assert [(q.row, q.column) for q in exc.value.problems] == [(26, "contacts")], [str(q) for q in exc.value.problems]


def test_decimal_commas_in_a_semicolon_file(tmp_path):
    p = tmp_path / "history.csv"
    p.write_text("\n".join(r.replace(",", ";").replace(";300", ";200,5") for r in _history_rows()) + "\n")
    assert read_history(p, ["cards"])["aht_seconds"].eq(200.5).all()


def test_problems_beyond_the_listed_ones_are_counted(tmp_path):
    p = tmp_path / "history.csv"
    p.write_text("\n".join(r.replace(",300", ",-5") for r in _history_rows()) + "\n")
    with pytest.raises(InputError) as exc:
        read_history(p, ["cards"])
    assert "and 94 more problem(s)" in str(exc.value.problems[-1]), str(exc.value.problems[-1])


def test_zero_or_na_handle_time_where_nothing_was_handled(tmp_path):
    rows = _history_rows()
    for k, aht in ((1, "0"), (2, "NA"), (3, "NaN")):
        rows[k] = ",".join(rows[k].split(",")[:2] + ["0", aht])
    p = tmp_path / "history.csv"
    p.write_text("\n".join(rows) + "\n")
    h = read_history(p, ["cards"])
    assert h["aht_seconds"].iloc[:3].isna().all() and h["contacts"].iloc[:3].eq(0).all()

def test_a_few_impossible_handle_times_are_unknown_many_are_an_error(tmp_path, recwarn):
    """0 s for 3 contacts, or a 5-hour average, cannot be right. A few such rows are a real
    export's dirt (all abandoned, a stuck call): read as unknown, with a warning naming the rows.
    Many mean the column is something else: refused by row."""
    from scheduler.errors import InputWarning
    rows = _history_rows()
    rows[4] = ",".join(rows[4].split(",")[:2] + ["3", "0"])
    rows[7] = ",".join(rows[7].split(",")[:2] + ["2", "18000"])
    p = tmp_path / "history.csv"
    p.write_text("\n".join(rows) + "\n")
    h = read_history(p, ["cards"])
    assert h["aht_seconds"].isna().sum() == 2 and h["aht_seconds"].notna().sum() == 3 * 48 - 2
    said = [str(w.message) for w in recwarn.list if issubclass(w.category, InputWarning)]
    assert any("2 handle time(s)" in m and "rows 5, 8" in m for m in said), said
    for k in range(10, 20):           # 11 zeros of 144 rows (8 %): still unknown - zeros are no unit slip
        rows[k] = ",".join(rows[k].split(",")[:2] + ["3", "0"])
    p.write_text("\n".join(rows) + "\n")
    h = read_history(p, ["cards"])
    assert h["aht_seconds"].isna().sum() == 12
    said = [str(w.message) for w in recwarn.list if issubclass(w.category, InputWarning)]
    assert any("11 of 0 s and 1 above 14,400 s" in m and "queue 'cards' 12 of 144" in m for m in said), said
    for k in range(20, 24):           # 5 times of 5 hours (3.5 %): another unit - refused, and said why
        rows[k] = ",".join(rows[k].split(",")[:2] + ["2", "18000"])
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError) as exc:
        read_history(p, ["cards"])
    problems = [(q.row, q.column) for q in exc.value.problems]
    assert problems[0] == (None, "aht_seconds") and {(5, "aht_seconds"), (8, "aht_seconds")} <= set(problems)
    assert "queue 'cards': of 144 rows with contacts, 5 above 14,400 s (3.5%; up to 2% are read as unknown" \
        in exc.value.problems[0].message
    for k in range(20, 90):           # a majority of zeros: not this queue's handle time
        rows[k] = ",".join(rows[k].split(",")[:2] + ["3", "0"])
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError) as exc:
        read_history(p, ["cards"])
    assert "81 of 0 s (56.2%; up to 50% are read as unknown" in exc.value.problems[0].message


def test_an_unknown_queue_is_one_problem_not_one_per_row(tmp_path):
    rows = _history_rows()
    rows += [r.replace(",cards,", ",mortgages,") for r in rows[1:]]
    p = tmp_path / "history.csv"
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError) as exc:
        read_history(p, ["cards"])
    problems = exc.value.problems
    assert len(problems) == 1 and problems[0].row == 3 * 48 + 2 and problems[0].column == "queue"
    assert "'mortgages' (and 143 more row(s) of it)" in problems[0].message


def test_times_with_zero_seconds_and_toml_time_literals():
    """'09:00:00' (spreadsheets) and `night_start = 23:00:00` (a TOML time, no quotes) were refused
    as 'expected a time HH:MM'; a time off the minute still is."""
    import datetime
    import tomllib
    from scheduler.config import parse_hhmm
    assert parse_hhmm("09:00:00") == 540 and parse_hhmm(datetime.time(23, 0)) == 1380
    with pytest.raises(ValueError):
        parse_hhmm("09:00:30")
    for text in ("²8:00", "08:0²"):      # digits to str.isdigit, not to int(): said in Python's words
        with pytest.raises(ValueError, match="expected a time HH:MM"):
            parse_hhmm(text)
    data = tomllib.loads((SAMPLE / "centre.toml").read_text().replace('night_start = "23:00"', "night_start = 22:00:00"))
    assert centre_from_dict(data).rules.night_start_minute == 22 * 60


def test_opening_hours_to_midnight_and_past_it():
    """'07:00-00:00' closes at midnight (it was refused); a window past midnight is refused with
    how to write it, naming the queue by its id, not only as queues[i]."""
    import tomllib
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    data["queues"][0]["hours"] = {"default": "07:00-00:00"}
    assert centre_from_dict(data).queues[0].hours[0] == ((7 * 60, 1440),)
    data["queues"][0]["hours"] = {"default": "19:00-01:00"}
    with pytest.raises(InputError) as exc:
        centre_from_dict(data)
    text = str(exc.value.problems[0])
    qid = data["queues"][0]["id"]
    assert exc.value.problems[0].column == "queues[0].hours.mon"
    assert f"queue {qid!r}" in text and "'19:00-24:00'" in text and "'00:00-01:00'" in text, text


def test_opening_hours_off_the_planning_grid_are_widened_to_the_intervals_they_touch(tmp_path):
    """A queue opening at 08:15 on a 60-minute grid had no forecast and no requirement until 09:00
    (an interval counted as open by its start); now 08:00-09:00 is open, with one warning."""
    import shutil
    import tomllib
    import warnings
    from pathlib import Path

    import pandas as pd

    from scheduler.errors import InputWarning
    from scheduler.pipeline import make_forecast, make_requirements
    from scheduler.problem import requirement_from_table
    base = Path(__file__).resolve().parent / "bad_inputs" / "_base"
    data = tomllib.loads((base / "centre.toml").read_text())
    data["queues"][0]["hours"] = {"default": "08:15-17:10", "sat": "09:00-12:20, 12:40-17:00", "sun": "closed"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        centre = centre_from_dict(data)
    said = [w.message for w in caught if issubclass(w.category, InputWarning)]
    assert len(said) == 1 and "queues[0].hours" in str(said[0]) and "08:15-17:10 (mon, tue, wed, thu, fri) as 08:00-18:00" in str(said[0])
    assert centre.queues[0].hours[0] == ((480, 1080),)
    assert centre.queues[0].hours[5] == ((540, 1020),)          # 09:00-13:00 and 12:00-17:00 merged
    assert centre.queues[1].hours == load_centre(base / "centre.toml").queues[1].hours   # on the grid: as written
    # The 08:00 interval is forecast and staffed.
    history = read_history(base / "history.csv", centre.queue_ids)
    forecast, _ = make_forecast(history, centre, date(2026, 11, 30), 7, backtest=False)
    monday_8 = pd.Timestamp("2026-11-30 08:00")
    cards = forecast[forecast["queue"] == "cards"]
    assert (pd.to_datetime(cards["timestamp"]) == monday_8).any()
    req = requirement_from_table(make_requirements(forecast, centre), centre, Horizon(date(2026, 11, 30), 7, 60))
    assert req.staff[0][8] > 0 and req.staff[0][17] > 0


def test_a_shift_off_the_planning_grid_is_one_problem_not_one_per_start():
    """A 60-minute grid with the sample's 30-minute shifts gave one identical line per start (30)."""
    import tomllib
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    data["centre"]["interval_minutes"] = 60
    with pytest.raises(InputError) as exc:
        centre_from_dict(data)
    problems = exc.value.problems
    assert len(problems) == len({p.column for p in problems}) <= len(data["shifts"])
    assert any(p.column == "shifts[0].hours" and "8.5 hours" in p.message and "60-minute" in p.message for p in problems)
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    data["shifts"][0]["starts"] = ["07:15", "08:00", "08:45"]
    with pytest.raises(InputError) as exc:
        centre_from_dict(data)
    [p] = exc.value.problems
    assert p.column == "shifts[0].starts[0]" and "starts 07:15, 08:45 are not on the 30-minute planning grid" in p.message


def test_a_roster_written_with_time_zone_offsets_reads_as_local_clock_times(tmp_path):
    """Start, end, break and left_at alike: breaks kept their '+01:00' while the shift's times
    dropped it, and validate ended in an internal error (naive minus aware date-times)."""
    from scheduler.io import read_departures
    path = tmp_path / "roster.csv"
    path.write_text("employee_id,name,date,shift,start,end,paid_hours,break_start,break_end,main_queue,left_at\n"
                    "A1,Ann,2026-11-30,D-0800,2026-11-30T08:00+01:00,2026-11-30T16:00+01:00,7.0,"
                    "2026-11-30T12:00+01:00,2026-11-30T13:00+01:00,cards,2026-11-30T14:00+01:00\n")
    (shift,) = read_roster(path)
    assert shift.start.tzinfo is None and shift.break_start.tzinfo is None
    assert (shift.break_start - shift.start).total_seconds() == 4 * 3600
    assert read_departures(path) == {("A1", date(2026, 11, 30)): shift.start.replace(hour=14)}


def test_impossible_handle_times_are_counted_per_queue(tmp_path):
    """A small queue written in milliseconds is not 'a few rows' because a big queue has many: its
    every handle time would have become unknown (and the queue's default used without a word)."""
    rows = _history_rows()
    small = [r.replace(",cards,", ",loans,").rsplit(",", 1)[0] + ",240000" for r in rows[1:11]]
    p = tmp_path / "history.csv"
    p.write_text("\n".join(rows + small) + "\n")
    with pytest.raises(InputError) as exc:
        read_history(p, ["cards", "loans"])
    assert all(q.column == "aht_seconds" for q in exc.value.problems) and len(exc.value.problems) == 11
    assert exc.value.problems[0].message.startswith("queue 'loans': of 10 rows with contacts, 10 above 14,400 s")


def test_an_optional_file_behind_a_broken_link_is_an_error_not_absent(tmp_path, capsys):
    """time_off.csv linking to a file that is not there (a share not mounted) was read as no time
    off at all: approved leave dropped without a word."""
    import shutil
    from pathlib import Path
    from scheduler.cli import main
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "bad_inputs" / "_base", data)
    (data / "time_off.csv").symlink_to(tmp_path / "share" / "time_off.csv")
    code = main(["plan", "--data", str(data), "--week", "2026-11-30", "--out", str(tmp_path / "out"),
                 "--no-backtest", "--time-limit", "5"])
    err = capsys.readouterr().err
    assert code == 2 and "time_off.csv: a link to" in err and "which does not exist" in err, err
    assert not (tmp_path / "out").exists() or not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_an_offset_is_dropped_and_the_seconds_kept():
    """The offset pattern took the seconds with it: '08:14:59+01:00' read as 08:14 (on the grid,
    kept) where '08:14:59' stays off it."""
    from datetime import datetime
    from scheduler.cli import _datetime
    from scheduler.io import date_time
    assert date_time("2026-11-30 08:14:59+01:00") == datetime(2026, 11, 30, 8, 14, 59)
    assert date_time("2026-11-30T08:14:59.900Z") == datetime(2026, 11, 30, 8, 14, 59, 900000)
    assert date_time("2026-11-02 09:00-05") == datetime(2026, 11, 2, 9, 0)
    assert date_time("2026-11-02") is None                       # a date's '-02' is no offset
    assert _datetime("2026-12-01T08:00:30+01") == datetime(2026, 12, 1, 8, 0, 30)


def test_scenario_ids_compare_in_one_unicode_form(tmp_path):
    """centre.toml is read as NFC: a scenarios.toml from the same (decomposing) editor then named
    an unknown queue."""
    import tomllib
    import unicodedata
    from conftest import SAMPLE
    from scheduler.whatif import load_scenarios
    data = tomllib.loads((SAMPLE / "centre.toml").read_text())
    data["queues"][0]["id"] = "crédit"
    centre = centre_from_dict(data)
    path = tmp_path / "scenarios.toml"
    path.write_text(unicodedata.normalize("NFD", '[[scenarios]]\nname = "x"\ndemand_by_queue = { "crédit" = 1.2 }\n'),
                    encoding="utf-8")
    [scenario] = load_scenarios(path, centre)
    assert scenario.demand_by_queue == {"crédit": 1.2}


def test_a_replans_horizon_is_the_plans_even_with_an_empty_last_week_but_never_a_century(tmp_path):
    """A kpis.json of 36,500 days built a century's model; passing over any horizon reaching a
    week past the last shift then cut a two-week plan whose last week is a Christmas closure."""
    import json
    from datetime import date as _date
    from scheduler.domain import ShiftAssignment
    from scheduler.replan import _planned_horizon
    centre = load_centre(SAMPLE / "centre.toml")
    from datetime import datetime as _dt
    shifts = [ShiftAssignment("E001", _date(2026, 12, d), "F8-0800", _dt(2026, 12, d, 8), _dt(2026, 12, d, 16, 30))
              for d in (21, 24)]
    roster = tmp_path / "roster.csv"
    for days, start, expected in ((14, "2026-12-21", 14), (36500, "1926-12-25", None)):
        (tmp_path / "kpis.json").write_text(json.dumps({"horizon": {"start": start, "days": days}}))
        h = _planned_horizon(roster, None, shifts, centre)
        assert h.days == (expected or 7) and h.days <= 364, (days, h)


def test_handle_times_that_look_like_minutes_are_warned_about(tmp_path):
    """A handle-time column in minutes (4.5) or '1.200' read as 1.2 s in a ';' file staffed a tenth
    of the queue without a word."""
    import warnings
    from scheduler.errors import InputWarning
    rows = ["timestamp,queue,contacts,aht_seconds"]
    rows += [f"2026-11-{d:02d} {h:02d}:00,cards,12,{4.5 if h % 2 else 5.0}" for d in range(2, 28) for h in range(8, 18)]
    rows += [f"2026-11-{d:02d} {h:02d}:00,loans,6,300" for d in range(2, 28) for h in range(9, 17)]
    path = tmp_path / "history.csv"
    path.write_text("\n".join(rows) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_history(path, ["cards", "loans"])
    said = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert len(said) == 1 and "queue 'cards': the handle times' median is 4.75 s" in said[0], said


def test_contact_counts_that_look_like_thousands_are_warned_about(tmp_path):
    """In a ';' export, '1.013' (a thousand and thirteen calls) is read as 1.013 contacts: staffed at
    a thousandth, without a word. Counts with exactly three decimals and no other fractions are
    named; real fractional counts (2.5) and whole ones are not."""
    import warnings
    from scheduler.errors import InputWarning

    def said(counts):
        rows = ["timestamp;queue;contacts;aht_seconds"]
        rows += [f"2026-11-{d:02d} {h:02d}:00;cards;{counts(h)};300" for d in range(2, 28) for h in range(8, 18)]
        path = tmp_path / "history.csv"
        path.write_text("\n".join(rows) + "\n")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read_history(path, ["cards"])
        return [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    grouped = said(lambda h: "1.013" if h % 2 else "950")
    assert len(grouped) == 1 and "'1.013'" in grouped[0] and "1,013" in grouped[0] and "row 3" in grouped[0], grouped
    assert said(lambda h: "2.5" if h % 2 else "950") == []
    assert said(lambda h: "12") == []
    assert said(lambda h: "1.013" if h % 2 else "1234.000") == []    # a point after four digits is a decimal one


def test_row_numbers_are_lines_when_a_quoted_value_spans_two(tmp_path):
    """A name quoted over two lines ("Ann<newline>Lee") made every later row's number one short:
    a bad value on line 5 was reported as row 4. Rows are named by the line they start on."""
    from scheduler.io import read_table
    path = tmp_path / "employees.csv"
    path.write_text('employee_id,name,max_hours\nA1,"Ann\nLee",40\nA2,Bob,40\nA3,Cy,2x4\n')
    t = read_table(path, ["employee_id", "name", "max_hours"], [])
    assert [t.row(i) for i in t.frame.index] == [2, 4, 5]
    t.numbers("max_hours", expect="weekly hours")
    with pytest.raises(InputError) as err:
        t.raise_if_problems()
    assert "row 5, column 'max_hours'" in str(err.value), err.value
    spaced = tmp_path / "spaced.csv"                  # a space before the quote, as pandas reads it
    spaced.write_text('employee_id,name,max_hours\nA1, "Ann\nLee",40\nA2,Bob,40\n')
    t = read_table(spaced, ["employee_id", "name", "max_hours"], [])
    assert [t.row(i) for i in t.frame.index] == [2, 4]
    plain = tmp_path / "plain.csv"
    plain.write_text("employee_id,name,max_hours\nA1,Ann,40\n\nA3,Cy,40\n")   # a blank line keeps its number
    t = read_table(plain, ["employee_id", "name", "max_hours"], [])
    assert [t.row(i) for i in t.frame.index] == [2, 4]


def test_a_file_mixing_utf8_and_latin1_rows_keeps_both_names_and_says_so(tmp_path):
    """Rows appended by an older tool in Latin-1 to a UTF-8 file: the whole file was read as
    Latin-1 and 'José' written out as 'JosÃ©', in silence."""
    import warnings
    from scheduler.errors import InputWarning
    from scheduler.io import read_table
    path = tmp_path / "employees.csv"
    path.write_bytes("employee_id,name\nA1,José Lee\n".encode("utf-8") + "A2,Bób Ray\n".encode("latin-1"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = read_table(path, ["employee_id", "name"], [])
    assert list(t.frame["name"]) == ["José Lee", "Bób Ray"]
    said = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert len(said) == 1 and "row 3" in said[0] and "mixes encodings" in said[0], said
    path.write_bytes("employee_id,name\nA1,Jose Lee\nA2,Bób Ray\n".encode("latin-1"))   # plain Latin-1: quiet
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert list(read_table(path, ["employee_id", "name"], []).frame["name"]) == ["Jose Lee", "Bób Ray"]
    assert not [w for w in caught if issubclass(w.category, InputWarning)]


def test_an_empty_shift_id_and_a_pipe_for_a_file_are_refused(tmp_path):
    """`[[shifts]] id = ""` was taken (its shifts named '-0800'), where an empty queue id is refused;
    a named pipe as time_off.csv made `plan` wait for ever."""
    import os
    text = (SAMPLE / "centre.toml").read_text(encoding="utf-8")
    first = text.index("[[shifts]]")
    start = text.index('id = "', first)
    end = text.index('"', start + 6)
    (tmp_path / "centre.toml").write_text(text[:start] + 'id = ""' + text[end + 1:], encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_centre(tmp_path / "centre.toml")
    assert "shifts[0].id" in str(err.value) and "non-empty" in str(err.value), err.value
    from scheduler.io import read_table
    os.mkfifo(tmp_path / "time_off.csv")
    with pytest.raises(InputError, match="not a regular file"):
        read_table(tmp_path / "time_off.csv", ["employee_id"], [])


def test_a_shift_too_short_for_the_break_window_is_named_and_has_its_break_in_the_middle():
    """Breaks 6-7 h after the start: a 9-hour shift's fits, a 6.5-hour shift's cannot (it would
    end at or after the shift's end). The short shift's break goes in the middle - said as a
    warning naming the shift, where before the window silently did not hold for it."""
    import warnings
    from scheduler.errors import InputWarning
    data = {"centre": {"name": "T", "interval_minutes": 30},
            "queues": [{"id": "a", "name": "A", "hours": "24h"}],
            "shifts": [{"id": "P6", "starts": ["08:00"], "hours": 6.5, "break_minutes": 30},
                       {"id": "F9", "starts": ["08:00"], "hours": 9, "break_minutes": 60}],
            "rules": {"break_earliest_hours": 6, "break_latest_hours": 7}}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        centre = centre_from_dict(data)
    said = [str(w.message) for w in seen if issubclass(w.category, InputWarning)]
    assert len(said) == 1 and "'P6'" in said[0] and "in the middle (3 h after the start)" in said[0], said
    rules = centre.rules
    assert rules.break_starts(centre.shift("P6-0800"), 30) == [180]
    assert rules.break_starts(centre.shift("F9-0800"), 30) == [360, 390, 420]
    data["rules"] = {}          # the default window, 3-5 h: both fit, nothing said
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        centre_from_dict(data)
    assert not [w for w in seen if issubclass(w.category, InputWarning)]


def test_a_day_first_export_is_said_once_with_the_fix(tmp_path):
    """A German spreadsheet's '30.11.2026 08:00' got one 'expected a date-time' line per row and
    no word of what was wrong with them all."""
    p = tmp_path / "history.csv"
    p.write_text("timestamp;queue;contacts;aht_seconds\n" +
                 "".join(f"{d:02d}.11.2026 {h:02d}:00;cards;3;240,5\n" for d in range(2, 9) for h in range(8, 18)))
    with pytest.raises(InputError) as exc:
        read_history(p, ["cards"])
    first = exc.value.problems[0]
    assert first.row is None and first.column == "timestamp"
    assert "written day first ('02.11.2026 08:00')" in first.message and "YYYY-MM-DD HH:MM" in first.message
    assert exc.value.problems[1].row == 2
