"""The aggregated-LP lower bound (scheduler.bounds): never above a proven optimum, and it says
which queue the unavoidable penalty comes from."""
from __future__ import annotations

import pytest

from factories import employee, requirement, small_centre
from scheduler.bounds import lower_bound
from scheduler.domain import Staff
from scheduler.problem import RosterProblem
from scheduler.roster import SolveOptions, solve


def _problem(n_a: int, n_ab: int, need_a: int, need_b: int) -> RosterProblem:
    centre = small_centre()
    emps = [employee(f"a{i}", skills=("a",)) for i in range(n_a)]
    emps += [employee(f"ab{i}", skills=("a", "b")) for i in range(n_ab)]
    need = {"a": lambda d, h: need_a if 8 <= h < 20 else 0, "b": lambda d, h: need_b if 10 <= h < 18 else 0}
    return RosterProblem(centre, Staff(tuple(emps)), requirement(centre, need))


@pytest.mark.parametrize("n_a,n_ab,need_a,need_b", [(2, 1, 1, 1), (3, 2, 2, 1), (1, 1, 2, 2)])
def test_bound_never_exceeds_a_proven_optimum(n_a, n_ab, need_a, need_b):
    problem = _problem(n_a, n_ab, need_a, need_b)
    roster = solve(problem, SolveOptions(time_limit=30, workers=2, seed=0))
    bound = lower_bound(problem)
    assert bound.status == "OPTIMAL"
    assert roster.status == "OPTIMAL", "the case must be small enough to prove"
    assert bound.value <= roster.objective + 1e-6
    assert sum(bound.by_queue.values()) == pytest.approx(bound.value, abs=0.05)


def test_unavoidable_shortfall_is_attributed_to_its_queue():
    """Queue b needs four agents all day and only one agent can serve it: the bound is positive
    and comes from b."""
    problem = _problem(3, 1, 1, 4)
    bound = lower_bound(problem)
    assert bound.value > 0
    assert bound.by_queue["b"] > 0 and bound.by_queue.get("a", 0) == 0


def test_day_off_rules_raise_the_bound():
    """One agent, six days allowed, days off in blocks of two. Demand every day but Wednesday:
    the LP alone would work the six other days and see no shortfall, but a single day off inside
    the week is not allowed, so any roster misses a day - and the bound must say so."""
    centre = small_centre(min_consecutive_days_off=2)
    emp = employee("e0", skills=("a",), max_days=6, max_hours=48)
    need = {"a": lambda d, h: 1 if d != 2 and 6 <= h < 14 else 0}
    problem = RosterProblem(centre, Staff((emp,)), requirement(centre, need))
    bound = lower_bound(problem)
    roster = solve(problem, SolveOptions(time_limit=20, workers=2, seed=0))
    assert roster.status == "OPTIMAL"
    assert 0 < bound.value <= roster.objective + 1e-6


def test_break_offsets_priced_in_reach_the_lp_with_every_offset():
    """Lazy breaks (column generation's master keeps one offset per shift count and prices in
    the rest): once nothing prices out, the LP's optimum is that of the LP with every offset.
    Here the only good break is at 13:00 (3 h into the 10:00 shift), not the middle offset."""
    from scheduler.bounds import build_aggregate_lp
    centre = small_centre()
    emps = [employee(f"a{i}", skills=("a",)) for i in range(2)]
    need = {"a": lambda d, h: (0 if h == 13 else 1) if 10 <= h < 18 and d < 5 else 0}
    problem = RosterProblem(centre, Staff(tuple(emps)), requirement(centre, need))

    def solved(agg):
        agg.lp.Minimize(sum(agg.objective_terms()))
        assert agg.lp.Solve() == 0
        return agg.lp.Objective().Value()

    every = solved(build_aggregate_lp(problem))
    lazy = build_aggregate_lp(problem, lazy_breaks=True)
    first = solved(lazy)
    rounds = 0
    while lazy.breaks.price():
        rounds += 1
        value = solved(lazy)
    assert rounds >= 1
    assert first > every + 1                      # the middle offset alone misses the quiet hour
    assert value == pytest.approx(every, abs=1e-6)
    assert sum(lazy.by_queue().values()) == pytest.approx(every, abs=0.05)


def test_hours_above_contract_and_cost_raise_the_bound():
    """Forty hours of demand (06:00-14:00 on weekdays, the early shift's exact times) and two
    agents with 8-hour contracts: whoever works them, 24 hours are above contract (x 2) and each
    hour costs at least the cheaper agent's rate (1). The LP staffs everything, so without floors
    on those two per-employee goals it bounds nothing; with them at least 88 of the optimum's 104
    (all five shifts to the cheaper agent: cost 40, 32 hours above contract)."""
    from dataclasses import replace
    base = small_centre()
    centre = replace(base, weights=replace(base.weights, hours_deviation=2, cost=1))
    staff = Staff((employee("cheap", min_hours=8, hourly_cost=1.0), employee("dear", min_hours=8, hourly_cost=3.0)))
    need = {"a": lambda d, h: 1 if d < 5 and 6 <= h < 14 else 0}
    problem = RosterProblem(centre, staff, requirement(centre, need))
    bound = lower_bound(problem)
    roster = solve(problem, SolveOptions(time_limit=20, workers=2, seed=0))
    assert roster.status == "OPTIMAL" and roster.objective == pytest.approx(104)
    assert bound.by_queue["hours_deviation"] == pytest.approx(48) and bound.by_queue["cost"] == pytest.approx(40)
    assert 88 - 1e-6 <= bound.value <= roster.objective + 1e-6
