"""The Curtois & Qu benchmark through the engine's own domain model: mapping, a small instance to
its known optimum, and the independent evaluator agreeing with the engine's objective."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from curtois import MONDAY, solve_instance, to_problem  # noqa: E402
from curtois_eval import evaluate  # noqa: E402
from curtois_format import parse_instance  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "curtois"


@pytest.mark.parametrize("name", ["Instance1", "Instance3"])
def test_mapping_into_the_domain(name):
    inst = parse_instance(DATA / f"{name}.txt")
    p = to_problem(inst)
    assert p.horizon.days == inst.horizon and p.horizon.start.weekday() == 0
    assert [s.id for s in p.templates] == [s.id for s in inst.shifts]
    assert len(p.employees) == len(inst.staff)
    assert len(p.shift_cover) == len(inst.cover)
    assert len(p.staff.preferences) == len(inst.shift_on_requests) + len(inst.shift_off_requests)
    assert len(p.staff.time_off) == sum(len(v) for v in inst.days_off.values())
    for st, e in zip(inst.staff, p.employees):
        assert e.max_shifts == {s.id: st.max_shifts_of(s.id) for s in inst.shifts}
        assert (e.min_total_minutes, e.max_total_minutes) == (st.min_total_minutes, st.max_total_minutes)
        assert (e.max_consecutive_days, e.min_consecutive_days, e.min_consecutive_days_off, e.max_weekends) == \
            (st.max_consecutive_shifts, st.min_consecutive_shifts, st.min_consecutive_days_off, st.max_weekends)
    # Forbidden successions keep the file's shift ids.
    pairs = set(p.centre.rules.forbidden_successions)
    assert pairs == {(s.id, n) for s in inst.shifts for n in s.forbidden_next}


def test_instance1_solved_to_its_known_optimum(tmp_path):
    result = solve_instance(DATA / "Instance1.txt", time_limit=60, workers=2, seed=0, solution_dir=tmp_path)
    assert result["status"] == "OPTIMAL" and result["objective"] == 607
    assert result["evaluator_feasible"] and result["evaluator_penalty"] == 607
    assert (tmp_path / "Instance1_60s.csv").read_text().startswith("employee,day,shift")


def test_instance3_feasible_and_objective_agrees(tmp_path):
    result = solve_instance(DATA / "Instance3.txt", time_limit=20, workers=2, seed=0, solution_dir=None)
    assert result["evaluator_feasible"] and result["evaluator_violations"] == 0
    assert result["objective_matches_evaluator"]
    assert result["objective"] <= 1001 * 1.01          # within 1% of the proven optimum
