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
