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
