"""Why a plan costs what it costs: the objective broken down by rule, by queue and by employee."""
from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .domain import Roster


def _value(solver: cp_model.CpSolver, expr) -> float:
    if isinstance(expr, (int, float)):
        return float(expr)
    return float(solver.Value(expr))


def explain(rm, solver: cp_model.CpSolver, roster: Roster) -> None:
    """Fill roster.penalties (rule -> penalty) and roster.kpis['penalty_by_queue'/'by_employee']."""
    by_rule: dict[str, float] = defaultdict(float)
    by_queue: dict[str, float] = defaultdict(float)
    by_employee: dict[str, float] = defaultdict(float)
    for p in rm.penalties:
        amount = p.weight * _value(solver, p.expr)
        if amount == 0:
            continue
        by_rule[p.rule] += amount
        if p.queue:
            by_queue[p.queue] += amount
        if p.employee:
            by_employee[p.employee] += amount
    roster.penalties = {k: round(v, 2) for k, v in sorted(by_rule.items(), key=lambda kv: -kv[1])}
    roster.kpis["penalty_by_rule"] = roster.penalties
    roster.kpis["penalty_by_queue"] = {k: round(v, 2) for k, v in sorted(by_queue.items(), key=lambda kv: -kv[1])}
    top = sorted(by_employee.items(), key=lambda kv: -kv[1])
    roster.kpis["penalty_by_employee"] = {k: round(v, 2) for k, v in top}
