"""Limits held: outputs are all-or-nothing (a failed or cancelled run leaves the previous outputs
intact), huge files are refused before they are read, and the time limit is honoured."""
from __future__ import annotations

import time

import pytest

from factories import busy_week_problem, employee, requirement, small_centre
from scheduler import io as io_module
from scheduler.cli import main
from scheduler.domain import Staff
from scheduler.errors import InputError
from scheduler.io import write_outputs
from scheduler.problem import RosterProblem
from scheduler.roster import SolveOptions, solve


def test_a_failing_writer_leaves_earlier_outputs_intact(tmp_path):
    (tmp_path / "roster.csv").write_text("the published roster\n")
    (tmp_path / "kpis.json").write_text("{}\n")

    def boom(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_outputs({"roster.csv": lambda p: p.write_text("new roster\n"), "kpis.json": boom}, tmp_path)
    assert (tmp_path / "roster.csv").read_text() == "the published roster\n"
    assert (tmp_path / "kpis.json").read_text() == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpis.json", "roster.csv"]      # no temporary left


def test_a_full_disk_is_said_as_the_output_that_could_not_be_written(tmp_path, monkeypatch):
    """ENOSPC (or a file-size limit) mid-write carries no file name: it ended as an 'internal
    error' with exit 1 (validate's code for rule violations). Now it names the output, exit 2 in
    the CLI, and the published files stay."""
    import errno
    from scheduler.io import write_csv
    import pandas as pd
    (tmp_path / "roster.csv").write_text("the published roster\n")

    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(InputError, match=r"assignments\.csv, column .--out.: could not be written \(No space left on device\); "
                                         "nothing was written"):
        write_outputs({"roster.csv": lambda p: p.write_text("new roster\n"), "assignments.csv": full}, tmp_path)
    assert (tmp_path / "roster.csv").read_text() == "the published roster\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]

    def to_full_disk(self, *args, **kwargs):
        raise OSError(errno.EFBIG, "File too large")
    monkeypatch.setattr(pd.DataFrame, "to_csv", to_full_disk)
    with pytest.raises(InputError, match=r"roster\.csv, column .--out.: could not be written \(File too large\)"):
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "roster.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]
    assert (tmp_path / "roster.csv").read_text() == "the published roster\n"


@pytest.mark.parametrize("blocked", ["kpis.json", "sub/roster.csv"])
def test_an_output_whose_place_is_taken_leaves_every_file_untouched(tmp_path, blocked):
    """kpis.json being a folder failed only at its own rename, after roster.csv and three others
    had been replaced (naming a temporary file): every place is checked before anything is written."""
    (tmp_path / "roster.csv").write_text("the published roster\n")
    if blocked == "kpis.json":
        (tmp_path / "kpis.json").mkdir()
    else:
        (tmp_path / "sub").write_text("a file where a folder should be\n")
    files = {"roster.csv": lambda p: p.write_text("new roster\n"), blocked: lambda p: p.write_text("{}\n")}
    with pytest.raises(InputError, match="nothing was written") as err:
        write_outputs(files, tmp_path)
    assert ".tmp" not in str(err.value)
    assert (tmp_path / "roster.csv").read_text() == "the published roster\n"
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]       # no temporary left


def test_an_interrupted_plan_leaves_earlier_outputs_intact(sample_copy, tmp_path, monkeypatch, capsys):
    """Ctrl-C during the solve: exit 130, the folder's previous files untouched."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("the published roster\n")
    import scheduler.pipeline as pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "solve", interrupted)
    code = main(["plan", "--data", str(sample_copy), "--week", "2026-11-30", "--out", str(out), "--no-backtest"])
    assert code == 130 and "left as they were" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["roster.csv"]
    assert (out / "roster.csv").read_text() == "the published roster\n"


def test_a_multi_week_plan_with_a_short_limit_is_warned_about(tmp_path, monkeypatch, capsys):
    """4 weeks in 60 s: the first roster took 36 s and the search after it 1.5 s, without a word
    that the limit was a quarter of the default. (The plan itself is interrupted here.)"""
    import scheduler.pipeline as pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(pipeline, "plan_week", interrupted)
    for weeks, limit, warned in ((4, 60, True), (4, 200, False), (1, 10, False)):
        main(["plan", "--data", str(tmp_path), "--week", "2026-11-30", "--out", str(tmp_path / "out"),
              "--weeks", str(weeks), "--time-limit", str(limit)])
        err = capsys.readouterr().err
        assert ("the default is 240 s" in err) == warned, (weeks, limit, err)


def test_huge_files_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(io_module, "MAX_INPUT_MB", 0.001)       # 1 kB for the test
    f = tmp_path / "history.csv"
    f.write_text("timestamp,queue,contacts\n" + "2026-11-30 08:00,cards,1\n" * 200)
    with pytest.raises(InputError, match=r"history.csv: the file is .* MB; the limit is"):
        io_module.read_history(f)


def test_the_time_limit_is_honoured_with_the_best_roster_so_far():
    """A problem not solved to optimality in 3 s returns a roster marked FEASIBLE (not optimal)
    with its gap, close to the limit."""
    problem = busy_week_problem()
    t0 = time.monotonic()
    roster = solve(problem, SolveOptions(time_limit=3, workers=1, lp_bound=False))
    elapsed = time.monotonic() - t0
    assert elapsed < 3 + 5            # model build and extraction on top of the solver's limit
    s = roster.kpis["solver"]
    assert s["status"] == "FEASIBLE" and s["gap"] is not None and s["gap"] > 0


def test_a_roster_too_large_for_memory_is_refused_with_advice(monkeypatch):
    from scheduler import roster as roster_module
    monkeypatch.setattr(roster_module, "MAX_SHIFT_VARIABLES", 100)
    centre = small_centre()
    problem = RosterProblem(centre, Staff(tuple(employee(f"e{i}") for i in range(10))),
                            requirement(centre, {"a": lambda d, h: 1}))
    with pytest.raises(InputError, match="shift choices; the limit is 100 .* Plan fewer weeks"):
        solve(problem, SolveOptions(time_limit=5, workers=1))


def test_a_demand_far_beyond_the_workforce_keeps_small_value_curves_that_still_price_every_agent():
    """500,000 contacts an hour against two agents: each interval's service-level curve ran to the
    ~40,000 agents the demand needs (minutes of Erlang arithmetic and gigabytes, a 5-s plan took
    94 s). It now stops at the workforce, and a missing agent still costs something there: a
    curve cut where its value per agent still rises is dropped, and every agent costs the same."""
    import pandas as pd

    from scheduler.pipeline import make_requirements, requirement_with_values
    from scheduler.roster import under_slices
    centre = small_centre()
    horizon = requirement(centre, {}).horizon
    stamps = pd.date_range(pd.Timestamp(horizon.start), periods=horizon.n_intervals, freq="60min")
    forecast = pd.concat([pd.DataFrame({"timestamp": stamps, "queue": q, "contacts": contacts, "aht_seconds": 300.0})
                          for q, contacts in (("a", 500_000.0), ("b", 3.0))])
    staff = Staff((employee("e0", skills=("a", "b")), employee("e1", skills=("a",))))
    table = make_requirements(forecast, centre)
    req = requirement_with_values(table, centre, horizon, staff=staff)
    assert max(req.staff[0]) > 10_000
    assert max(len(curve) for curve in req.value[0]) <= len(staff.employees) + 3
    problem = RosterProblem(centre, staff, req)
    for qi in (0, 1):
        for t in (0, 9, 20):
            slices = under_slices(problem, qi, t, req.staff[qi][t])
            assert slices[-1][1] == req.staff[qi][t] and all(w > 0 for _, _, w in slices)
    start = time.monotonic()
    roster = solve(problem, SolveOptions(time_limit=5, workers=2, seed=0))
    assert roster.shifts and time.monotonic() - start < 60


def test_a_plan_without_a_roster_in_time_is_not_called_impossible(sample_copy, tmp_path, monkeypatch, capsys):
    """A 2-week sample plan at 20 s found no roster in time and printed 'no roster possible: no
    roster found within the time limit (20 s); the hard rules may still be satisfiable'."""
    import scheduler.pipeline as pipeline
    from scheduler.errors import NoRosterInTimeError

    def out_of_time(*args, **kwargs):
        raise NoRosterInTimeError("no roster found within the time limit (20 s); the hard rules may still be "
                                  "satisfiable - try a longer time limit")

    monkeypatch.setattr(pipeline, "solve", out_of_time)
    code = main(["plan", "--data", str(sample_copy), "--week", "2026-11-30", "--out", str(tmp_path / "out"),
                 "--no-backtest"])
    err = capsys.readouterr().err
    assert code == 3 and "no roster yet: no roster found within the time limit" in err
    assert "possible" not in err


def test_penalties_too_large_for_the_solver_are_bad_input_not_a_time_out():
    """A cost weight of 1e6 with hourly costs of 1e6 (each within the accepted range) overflowed
    CP-SAT's 64-bit objective: the model was refused at once and the plan said 'no roster found
    within the time limit ... try a longer time limit'. Now an input error naming the weights."""
    from dataclasses import replace
    from scheduler.domain import MAX_WEIGHT
    base = small_centre()
    centre = replace(base, weights=replace(base.weights, cost=MAX_WEIGHT))
    staff = Staff(tuple(employee(f"e{i}", hourly_cost=MAX_WEIGHT) for i in range(12)))
    problem = RosterProblem(centre, staff, requirement(centre, {"a": lambda d, h: 2 if 8 <= h < 16 else 0}))
    with pytest.raises(InputError) as exc:
        solve(problem, SolveOptions(time_limit=10, workers=1, seed=0))
    assert "too large for the solver" in str(exc.value.problems[0]) and "hourly_cost" in str(exc.value.problems[0])
