"""The staffing sweep on cases whose answer is known by hand, time-band and weekday demand changes,
the per-employee HR summary, iCalendar files, the optional workbook and the export round-trip."""
from __future__ import annotations

import functools
from datetime import timedelta

import pandas as pd
import pytest

from factories import MONDAY, employee, requirement, small_centre
from scheduler.domain import Staff, TimeOff
from scheduler.export import employee_calendars, employee_summary
from scheduler.problem import RosterProblem
from scheduler.roster import SolveOptions, solve
from scheduler.sweep import capacity_lower_bound, staffing_sweep
from scheduler.whatif import Hire, Scenario, apply


def monday_peak_problem():
    """Queue a needs 2 agents 06-14 and 2 agents 14-22 on Monday only: four 8-hour shifts (E and L
    are the only templates covering those hours exactly). One qualified employee and one who only
    serves queue b are on the books, so three hires with skill a are needed - by hand."""
    centre = small_centre()
    need = {"a": lambda d, h: 2 if d == 0 and 6 <= h < 22 else 0}
    staff = Staff((employee("e1", skills=("a",)), employee("e2", skills=("b",))))
    return RosterProblem(centre, staff, requirement(centre, need))


def test_sweep_finds_the_smallest_hire_known_by_hand():
    problem = monday_peak_problem()
    profile = Hire(frozenset({"a"}), min_hours=0, max_hours=8, max_days=1)
    # 32 agent-hours needed, 40 hours of qualified staff: the capacity bound cannot tell (0).
    assert capacity_lower_bound(problem, profile) == 0
    result = staffing_sweep(problem, profile, max_hires=5, options=SolveOptions(time_limit=10, workers=1))
    assert result.answer == 3
    assert [s.hires for s in result.steps] == [0, 1, 2, 3]
    assert [s.meets_target for s in result.steps] == [False, False, False, True]
    # Each hire covers exactly one 8-hour shift of the missing three.
    assert [s.under_staffed_hours for s in result.steps] == [24.0, 16.0, 8.0, 0.0]
    assert "3 hire(s)" in result.summary()


def test_sweep_reports_the_best_achievable_when_nothing_meets_the_target():
    problem = monday_peak_problem()
    # Hires who may only work nights cannot help a day peak.
    profile = Hire(frozenset({"b"}), min_hours=0, max_hours=8, max_days=1)
    result = staffing_sweep(problem, profile, max_hires=1, options=SolveOptions(time_limit=5, workers=1))
    assert result.answer is None and result.best.under_staffed_hours == 24.0
    assert "no headcount up to 1" in result.summary()


def test_capacity_bound_skips_hopeless_steps():
    centre = small_centre()
    need = {"a": lambda d, h: 3 if d < 5 and 6 <= h < 14 else 0}     # 120 agent-hours in the week
    problem = RosterProblem(centre, Staff((employee("e1"),)), requirement(centre, need))
    profile = Hire(frozenset({"a"}), min_hours=0, max_hours=40, max_days=5)
    assert capacity_lower_bound(problem, profile) == 2                 # (120 - 40) / 40
    result = staffing_sweep(problem, profile, max_hires=4, options=SolveOptions(time_limit=10, workers=1))
    assert result.lower_bound == 2 and result.steps[0].hires == 2 and result.answer == 2


def test_demand_by_weekday_and_time_band():
    centre = small_centre()
    rows = [(pd.Timestamp(MONDAY) + pd.Timedelta(days=d, hours=h), q, 10.0, 300.0)
            for d in range(7) for h in range(24) for q in ("a", "b")]
    fc = pd.DataFrame(rows, columns=["timestamp", "queue", "contacts", "aht_seconds"])
    staff = Staff((employee("e1"),))
    sc = Scenario("peaks", demand_by_day={"mon": 2.0, (MONDAY + timedelta(days=2)).isoformat(): 3.0},
                  demand_by_band={"08:00-12:00": 1.5},
                  time_off=(TimeOff("e1", MONDAY, MONDAY, "what-if"),))
    _, s2, f2 = apply(sc, centre, staff, fc)
    at = lambda d, h: set(f2.loc[f2["timestamp"] == pd.Timestamp(MONDAY) + pd.Timedelta(days=d, hours=h), "contacts"])
    assert at(0, 9) == {30.0} and at(0, 12) == {20.0} and at(1, 9) == {15.0} and at(1, 7) == {10.0}
    assert at(2, 11) == {45.0} and at(2, 20) == {30.0}
    assert s2.time_off == (TimeOff("e1", MONDAY, MONDAY, "what-if"),)
    assert sc.more_demand and not sc.same_staff


def test_scenario_file_errors_for_new_keys(tmp_path):
    from scheduler.errors import InputError
    from scheduler.whatif import load_scenarios
    f = tmp_path / "s.toml"
    f.write_text('[[scenarios]]\nname = "x"\ndemand_by_day = { funday = 1.2 }\ndemand_by_band = { "12:00-08:00" = 1.1 }\n'
                 'time_off = [{ employee = "e1", start = "2026-12-03", end = "2026-12-01" }]\n')
    with pytest.raises(InputError) as err:
        load_scenarios(f, small_centre())
    text = str(err.value)
    assert "demand_by_day.funday" in text and "demand_by_band.12:00-08:00" in text and "time_off[0]" in text


@functools.lru_cache(maxsize=1)
def solved_week():
    """One small week solved once for the export tests (the roster need not be optimal)."""
    centre = small_centre()
    need = {"a": lambda d, h: 1 if 6 <= h < 22 else 0, "b": lambda d, h: 1 if d >= 5 and 22 <= h or h < 6 else 0}
    staff = Staff(tuple(employee(f"e{i}", skills=("a", "b"), nights=True, max_days=5) for i in range(6)),
                  (TimeOff("e0", MONDAY, MONDAY + timedelta(days=1)),))
    problem = RosterProblem(centre, staff, requirement(centre, need))
    return problem, solve(problem, SolveOptions(time_limit=4, workers=1))


def test_employee_summary_adds_up():
    problem, roster = solved_week()
    summary = employee_summary(roster, problem.staff, problem.centre).set_index("employee_id")
    assert list(summary.index) == [e.id for e in problem.employees]
    for e in problem.employees:
        mine = [s for s in roster.shifts if s.employee_id == e.id]
        row = summary.loc[e.id]
        assert row.paid_hours == pytest.approx(sum(s.paid_hours for s in mine))
        assert row.days_worked + row.days_off == 7 and row.days_worked == len(mine)
        assert row.nights == sum(s.shift_id.startswith("N") for s in mine)
        assert row.weekends_worked == (1 if any(s.day.weekday() >= 5 for s in mine) else 0)
    assert summary.loc["e0"].time_off_days == 2 and summary.loc["e1"].time_off_days == 0


def test_calendar_has_one_event_per_shift():
    problem, roster = solved_week()
    cals = employee_calendars(roster, problem.staff, problem.centre)
    assert set(cals) == {s.employee_id for s in roster.shifts}
    for emp, text in cals.items():
        assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
        mine = sorted((s for s in roster.shifts if s.employee_id == emp), key=lambda s: s.start)
        assert text.count("BEGIN:VEVENT") == len(mine)
        for s in mine:
            assert f"DTSTART:{s.start:%Y%m%dT%H%M%S}\r\nDTEND:{s.end:%Y%m%dT%H%M%S}" in text


def test_workbook_round_trip():
    pytest.importorskip("openpyxl", reason="the optional .xlsx export needs openpyxl (in the test extra)")
    from io import BytesIO

    from scheduler.export import workbook_bytes
    from scheduler.io import roster_frames
    problem, roster = solved_week()
    roster_df, _ = roster_frames(roster, problem.staff)
    book = workbook_bytes({"roster": roster_df, "employee summary": employee_summary(roster, problem.staff, problem.centre)})
    back = pd.read_excel(BytesIO(book), sheet_name=None)
    assert set(back) == {"roster", "employee summary"}
    assert list(back["roster"]["employee_id"]) == list(roster_df["employee_id"])
    assert back["roster"]["paid_hours"].sum() == pytest.approx(roster_df["paid_hours"].sum())


def test_xlsx_without_openpyxl_is_a_clear_error(monkeypatch, tmp_path, capsys):
    import scheduler.export
    from conftest import SAMPLE
    from scheduler.cli import main
    monkeypatch.setattr(scheduler.export, "xlsx_available", lambda: False)
    code = main(["plan", "--data", str(SAMPLE), "--week", "2026-11-30", "--out", str(tmp_path / "out"), "--xlsx"])
    assert code == 2 and "openpyxl" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_employee_summary_credits_leave_and_gives_each_week():
    """A 32-h, 4-day contract on leave two days of the first week of two owes 16 h that week, not
    32: the summary once reported it 16 h below contract (and kpis counted it below minimum)."""
    from datetime import datetime as dt
    from scheduler.domain import Horizon, Roster, ShiftAssignment
    centre = small_centre()
    staff = Staff((employee("e0", min_hours=32, max_days=4),),
                  (TimeOff("e0", MONDAY, MONDAY + timedelta(days=1)),))

    def shift(day):
        d = MONDAY + timedelta(days=day)
        start = dt.combine(d, dt.min.time()) + timedelta(hours=6)
        return ShiftAssignment("e0", d, "E-0600", start, start + timedelta(hours=8))
    roster = Roster(Horizon(MONDAY, 14, 60), [shift(d) for d in (2, 3, 7, 8, 9, 10)], [])
    row = employee_summary(roster, staff, centre).iloc[0]
    assert row.paid_hours == 48 and row.contract_min_hours == 48 and row.hours_vs_min_contract == 0
    assert row.paid_hours_by_week == "16;32" and row.contract_min_hours_by_week == "16;32"


def test_calendar_file_names_are_distinct_for_ids_that_read_the_same():
    """'A/1', 'A_1' and 'A 1' all made the file A_1.ics: one calendar kept, two lost silently."""
    from scheduler.pipeline import calendar_names
    names = calendar_names(["A/1", "A_1", "A 1", "B2", "b2"])
    assert len(set(names.values())) == 5
    assert all("/" not in n and " " not in n for n in names.values())
    assert calendar_names(["E001", "E002"]) == {"E001": "E001", "E002": "E002"}


def test_workbook_text_that_looks_like_a_formula_stays_text():
    """An employee named '=HYPERLINK(...)' (or any text starting with '=') was stored as a live
    formula: HR saw it evaluated - or ran it - instead of the name in roster.csv."""
    openpyxl = pytest.importorskip("openpyxl", reason="the optional .xlsx export needs openpyxl (in the test extra)")
    from io import BytesIO

    from scheduler.export import workbook_bytes
    name = '=HYPERLINK("http://example.com","Eilidh")'
    book = workbook_bytes({"roster": pd.DataFrame({"employee_id": ["E1", "=1+1"], "name": [name, "Ann"], "hours": [8, 7.5]})})
    sheet = openpyxl.load_workbook(BytesIO(book))["roster"]
    assert [c.value for c in sheet["B"]] == ["name", name, "Ann"] and sheet["A3"].value == "=1+1"
    assert {c.data_type for col in ("A", "B") for c in sheet[col]} == {"s"}
    assert sheet["C2"].data_type == "n"


def test_calendar_lines_are_folded_at_75_octets():
    """RFC 5545 3.1: a content line longer than 75 octets is continued on lines starting with a
    space (the sample centre's PRODID was 78 octets; a long name made UIDs of 129), and never
    split inside a UTF-8 character."""
    from dataclasses import replace
    problem, roster = solved_week()
    centre = replace(problem.centre, name="Northbank Retail Banking - Kundenservice Zürich und Genève " * 2)
    for text in employee_calendars(roster, problem.staff, centre).values():
        lines = text.split("\r\n")
        assert lines[-1] == "" and all(len(line.encode("utf-8")) <= 75 for line in lines)
        unfolded = text.replace("\r\n ", "")
        assert f"PRODID:-//{centre.name}//shift roster//EN\r\n" in unfolded
        assert "BEGIN:VEVENT\r\nUID:" in unfolded
