"""Staffing sweep: how many agents with a given skill set and contract must we hire to meet the
requirement?

The sweep adds hires one at a time to the same roster problem and re-rosters (each step starts from
the previous step's roster, which only gains a person), until every interval and queue is staffed
to its requirement - i.e. every queue reaches its service target in every interval - or the
maximum is reached, in which case the best achievable headcount is reported with what remains
short. A capacity argument gives a quick lower bound (the extra agent-hours needed where nobody
else can serve, divided by what one hire can work), so steps that cannot possibly succeed are
skipped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

from .domain import Staff
from .kpis import plan_kpis
from .problem import RosterProblem
from .roster import SolveOptions, solve
from .whatif import Hire


@dataclass(frozen=True)
class SweepStep:
    hires: int
    under_staffed_hours: float
    short_intervals: int              # (interval, queue) cells below their requirement
    share_meeting: float              # share of required cells staffed to requirement
    meets_target: bool
    status: str
    gap: float | None


@dataclass
class SweepResult:
    profile: Hire
    steps: list[SweepStep] = field(default_factory=list)
    lower_bound: int = 0

    @property
    def answer(self) -> int | None:
        """The smallest number of hires that met the target, or None if none tried did."""
        met = [s.hires for s in self.steps if s.meets_target]
        return min(met) if met else None

    @property
    def best(self) -> SweepStep | None:
        return min(self.steps, key=lambda s: (s.under_staffed_hours, s.hires)) if self.steps else None

    def summary(self) -> str:
        skills = "+".join(sorted(self.profile.skills))
        if self.answer is not None:
            return f"{self.answer} hire(s) with skills {skills} meet the requirement in every interval"
        b = self.best
        if b is None:
            return "no step was solved"
        return (f"no headcount up to {self.steps[-1].hires} met the requirement everywhere; best: {b.hires} hire(s), "
                f"{b.under_staffed_hours} agent-hours and {b.short_intervals} interval-queue cells still short")


def capacity_lower_bound(problem: RosterProblem, profile: Hire) -> int:
    """Hires needed at least: the requirement's agent-hours on the profile's queues, less the most
    that everybody able to serve them could work (their maximum paid hours), over what one hire can
    work. Timing and other queues are ignored, so it can only under-estimate."""
    req = problem.requirement
    weeks = req.horizon.days / 7
    need = sum(sum(row) for q, row in zip(req.queues, req.staff) if q in profile.skills)
    need *= req.horizon.interval_minutes / 60
    able = sum(e.max_hours * weeks for e in problem.employees if e.skills & profile.skills)
    per_hire = profile.max_hours * weeks
    if per_hire <= 0:
        return 0
    return max(0, math.ceil((need - able) / per_hire - 1e-9))


def staffing_sweep(problem: RosterProblem, profile: Hire, *, max_hires: int = 10,
                   options: SolveOptions | None = None, min_share: float = 1.0,
                   progress: Callable[[SweepStep], None] | None = None) -> SweepResult:
    """Add hires of `profile` one at a time (from a capacity lower bound) until the roster staffs at
    least `min_share` of the required interval-queue cells to requirement (1.0 = every interval)."""
    options = options or SolveOptions()
    result = SweepResult(profile, lower_bound=min(max_hires, capacity_lower_bound(problem, profile)))
    hint = None
    profile = profile.with_cost(problem.staff)
    for n in range(result.lower_bound, max_hires + 1):
        hires = tuple(profile.employee(f"HIRE-{k + 1}", f"New hire {k + 1}") for k in range(n))
        staff = Staff(problem.staff.employees + hires, problem.staff.time_off, problem.staff.preferences)
        step_problem = replace(problem, staff=staff)
        roster = solve(step_problem, replace(options, hint=hint))
        k = plan_kpis(roster, problem.requirement, problem.centre, staff)
        required_cells = sum(1 for row in problem.requirement.staff for v in row if v > 0)
        short = k["shortfall"]["intervals"]
        share = 1.0 - short / required_cells if required_cells else 1.0
        s = roster.kpis.get("solver", {})
        step = SweepStep(n, k["totals"]["under_staffed_hours"], short, round(share, 4),
                         short == 0 if min_share >= 1.0 else share >= min_share, s.get("status", ""), s.get("gap"))
        result.steps.append(step)
        if progress:
            progress(step)
        if step.meets_target:
            break
        hint = roster.shifts
    return result
