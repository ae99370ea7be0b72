"""Column generation over work patterns (scheduler.columns): a valid bound that sees individual
rules the aggregated LP only sees as group totals, and patterns that make a feasible roster."""
from __future__ import annotations

import pytest

from factories import employee, requirement, small_centre
from scheduler.bounds import lower_bound
from scheduler.columns import PatternMaster, pattern_bound, round_patterns
from scheduler.domain import Staff
from scheduler.problem import RosterProblem
from scheduler.roster import SolveOptions, build_model, complete_hint, extract_roster, solve
from scheduler.validate import validate_roster


def _mixed(n_a: int, n_ab: int, need_a: int, need_b: int) -> RosterProblem:
    centre = small_centre()
    emps = [employee(f"a{i}", skills=("a",)) for i in range(n_a)]
    emps += [employee(f"ab{i}", skills=("a", "b"), min_hours=16) for i in range(n_ab)]
    need = {"a": lambda d, h: need_a if 8 <= h < 20 else 0, "b": lambda d, h: need_b if 10 <= h < 18 else 0}
    return RosterProblem(centre, Staff(tuple(emps)), requirement(centre, need))


def _night_then_early() -> RosterProblem:
    """One agent; a night (22:00-06:00) on Monday and an early (06:00-14:00) on Tuesday are both
    needed. The group totals allow both shifts, but 11 h of rest between them do not."""
    centre = small_centre()
    emp = employee("e0", skills=("a",))
    need = {"a": lambda d, h: 1 if (d == 0 and h >= 22) or (d == 1 and h < 14) else 0}
    return RosterProblem(centre, Staff((emp,)), requirement(centre, need))


@pytest.mark.parametrize("n_a,n_ab,need_a,need_b", [(2, 1, 1, 1), (3, 2, 2, 1), (1, 1, 2, 2)])
def test_pattern_bound_is_valid_and_at_least_the_aggregated_lp(n_a, n_ab, need_a, need_b):
    problem = _mixed(n_a, n_ab, need_a, need_b)
    roster = solve(problem, SolveOptions(time_limit=30, workers=2, seed=0))
    assert roster.status == "OPTIMAL", "the case must be small enough to prove"
    bound = pattern_bound(problem, time_limit=30)
    assert bound.status == "OPTIMAL"                      # column generation ran to the end
    assert bound.value <= roster.objective + 1e-6
    assert bound.value >= lower_bound(problem).value - 0.01   # (the Lagrangian bound sits a hair below z)


def test_an_early_stop_still_gives_a_valid_bound():
    """After one pricing round the master is far from its optimum; the Lagrangian bound
    reported with it must still be below every roster."""
    problem = _mixed(3, 2, 2, 1)
    roster = solve(problem, SolveOptions(time_limit=30, workers=2, seed=0))
    early = pattern_bound(problem, time_limit=30, max_iterations=2, greedy=False)
    assert early.status == "TIME_LIMIT"
    assert early.value <= roster.objective + 1e-6
    assert early.master >= early.value


def test_individual_rest_raises_the_bound_above_the_aggregated_lp():
    problem = _night_then_early()
    aggregated = lower_bound(problem)
    bound = pattern_bound(problem, time_limit=20)
    roster = solve(problem, SolveOptions(time_limit=20, workers=2, seed=0))
    assert aggregated.value == pytest.approx(0, abs=1e-6)     # the group totals fit both shifts
    assert roster.status == "OPTIMAL"
    assert 0 < bound.value <= roster.objective + 1e-6
    assert bound.value >= 6 * problem.centre.weights.under_staffing - 1e-6   # at least 6 hours short


def test_identical_employees_share_one_pricing_class():
    problem = _mixed(3, 2, 1, 1)
    master = PatternMaster(problem)
    assert sorted(len(c.members) for c in master.classes) == [2, 3]


def test_dived_patterns_make_a_roster_that_keeps_every_rule():
    problem = _mixed(4, 3, 2, 2)
    master = PatternMaster(problem)
    assert master.generate(20)
    counts = master.dive(20)
    assert all(abs(w - round(w)) < 1e-6 for ws in counts for w in ws)   # integral counts
    chosen = round_patterns(master.classes, counts)
    assert {e for e, _, _ in chosen} <= set(range(len(problem.employees)))
    rm = build_model(problem)
    values = complete_hint(rm, SolveOptions(workers=2), chosen, budget=10)
    assert values is not None
    from ortools.sat.python import cp_model
    model = rm.model
    for i, v in values.items():
        model.Add(model.get_int_var_from_proto_index(i) == v)
    solver = cp_model.CpSolver()
    assert solver.Solve(model) == cp_model.OPTIMAL
    roster = extract_roster(rm, solver)
    assert validate_roster(problem.centre, problem.staff, roster.shifts, roster.queue_assignments,
                           horizon_start=problem.horizon.start, horizon_days=problem.horizon.days) == []


def test_smoothing_centres_on_the_first_priced_point_even_below_zero():
    """Early Lagrangian values are negative (reduced costs are large); the best of them is still a
    valid centre for the dual smoothing, so it starts at once instead of after the bound turns
    positive (Curtois Instance13: 22 iterations at the master's raw prices before the fix)."""
    problem = _mixed(3, 2, 2, 1)
    master = PatternMaster(problem, workers=1, seed=0)
    assert master.generate(30, max_iterations=2, greedy=False)
    assert master.centre is not None
    assert master.bound >= 0.0                         # the reported bound never goes below 0


def _record_calls(monkeypatch, calls: list) -> None:
    """Record, in order, the guided start's roster completions and its bound steps."""
    from scheduler import bounds as bounds_module
    from scheduler import roster as roster_module
    for owner, name in [(roster_module, "_complete"), (bounds_module, "lower_bound"), (PatternMaster, "generate")]:
        real = getattr(owner, name)

        def recorded(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)
        monkeypatch.setattr(owner, name, recorded)


def test_the_first_roster_is_complete_before_any_bound_step(monkeypatch):
    """Whatever the time limit, a roster exists before the aggregated LP and column generation
    may use the time: the one-employee-at-a-time roster is completed (breaks, queue flows) and
    reported as progress first (on the sample centre the bound steps had taken all of a 20-s
    limit before any roster existed). The aggregated LP runs beside it in a thread, so it may be
    called first but takes no time from it."""
    problem = _mixed(3, 2, 2, 1)
    calls, progress = [], []
    _record_calls(monkeypatch, calls)
    roster = solve(problem, SolveOptions(time_limit=40, workers=2, seed=0,
                                         progress=lambda t, obj, bound: progress.append((list(calls), obj))))
    assert "lower_bound" in calls and "generate" in calls
    assert calls.index("_complete") < calls.index("generate")
    # reported right after that first completion, before generation
    assert progress[0][0].count("_complete") == 1 and "generate" not in progress[0][0]
    assert roster.objective <= progress[0][1] + 1e-6
    assert roster.kpis["solver"]["first_solution_seconds"] < roster.kpis["solver"]["build_seconds"] + 20
    assert validate_roster(problem.centre, problem.staff, roster.shifts, roster.queue_assignments,
                           horizon_start=problem.horizon.start, horizon_days=problem.horizon.days) == []


def test_a_limit_too_short_for_the_lp_skips_it_and_still_gives_a_roster(monkeypatch):
    """With less than LP_SECONDS for it the aggregated LP is not started: column generation
    and the search get the time (the bound is then theirs)."""
    problem = _mixed(3, 2, 2, 1)
    calls = []
    _record_calls(monkeypatch, calls)
    roster = solve(problem, SolveOptions(time_limit=8, workers=2, seed=0))
    assert "lower_bound" not in calls and calls[0] == "_complete"
    assert 0 <= roster.bound <= roster.objective + 1e-6
    assert validate_roster(problem.centre, problem.staff, roster.shifts, roster.queue_assignments,
                           horizon_start=problem.horizon.start, horizon_days=problem.horizon.days) == []


def test_a_hinted_solve_runs_no_lp_past_its_time_limit(monkeypatch):
    """Re-planning from a given roster (what-if scenarios, absences) with a limit too short for
    the aggregated LP leaves it out; it used to run after the search, past the limit."""
    problem = _mixed(3, 2, 2, 1)
    base = solve(problem, SolveOptions(time_limit=10, workers=2, seed=0))
    calls = []
    _record_calls(monkeypatch, calls)
    roster = solve(problem, SolveOptions(time_limit=5, workers=2, seed=0, hint=base.shifts))
    assert "lower_bound" not in calls
    assert 0 <= roster.bound <= roster.objective + 1e-6


def test_break_offsets_left_out_of_the_master_are_charged_in_its_lagrangian_bound():
    """The master starts with one break offset per shift and prices the others in a few at a
    time, so a bound taken before they are all in must charge what they could still save
    (``LazyBreaks.shortfall``); before it, generation gave no bound at all until every offset
    was in (the 200-agent centre: none in 120 s)."""
    centre = small_centre()
    emps = tuple(employee(f"e{i}", skills=("a",)) for i in range(2))
    # Two on the day shift (10:00-18:00, a one-hour break 3-5 h in); one is enough at 13:00 and
    # 15:00, so the best breaks are one at 13:00 and one at 15:00, not both at the middle 14:00.
    need = {"a": lambda d, h: (1 if h in (13, 15) else 2) if 10 <= h < 18 else 0}
    master = PatternMaster(RosterProblem(centre, Staff(emps), requirement(centre, need, days=1)), workers=1)
    master.start()
    assert master.solve(30, break_rounds=0)
    with_middle_breaks = master.z
    master.agg.breaks.price()
    shortfall = master.agg.breaks.shortfall
    while not master.breaks_complete:              # the same patterns, every useful offset priced in
        assert master.solve(30, break_rounds=1)
    assert master.z < with_middle_breaks - 1.0     # the left-out offsets matter here
    assert shortfall < 0
    assert with_middle_breaks + shortfall <= master.z + 1e-6
