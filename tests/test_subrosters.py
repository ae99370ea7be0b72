"""Re-optimising a part of a roster (scheduler.subrosters): the part prices cover exactly as the
whole roster does, and improving by parts keeps every hard rule and never makes a roster worse."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

from factories import busy_week_problem
from scheduler import roster as engine
from scheduler.problem import Pin
from scheduler.roster import SolveOptions, build_model, duty_intervals, extract_roster, solve
from scheduler.subrosters import applicable, improve_by_parts
from scheduler.validate import validate_roster

COVER = ("under_staffing", "over_staffing")


def cover_penalty(rm, chosen: set) -> float:
    """Under- plus over-staffing of the model with exactly the shifts `chosen`, breaks and queue
    flows best for them (solved to optimality)."""
    model = rm.model.clone()
    for key, x in rm.x.items():
        model.Add(model.get_bool_var_from_proto_index(x.Index()) == int(key in chosen))
    solver = engine.new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    assert solver.Solve(model) == engine.cp_model.OPTIMAL
    return sum(p.weight * solver.Value(p.expr) for p in rm.penalties if p.rule in COVER)


def chosen_of(problem, shifts) -> set:
    return {(problem.employee_index[sa.employee_id], (sa.day - problem.horizon.start).days,
             problem.template_index[sa.shift_id]) for sa in shifts}


def a_roster(problem, seconds=3.0):
    return solve(problem, SolveOptions(time_limit=seconds, workers=1, seed=0, lp_bound=False))


def test_a_part_prices_cover_as_the_whole_roster_with_the_others_pinned():
    """Ten employees freed, the others' duty given as outside_duty: the part's under- and
    over-staffing equal the whole problem's with the others pinned to their shifts and breaks."""
    problem = busy_week_problem()
    roster = a_roster(problem)
    freed = list(range(10))
    ids = {problem.employees[e].id for e in freed}
    others = [sa for sa in roster.shifts if sa.employee_id not in ids]
    outside = Counter()
    for sa in others:
        skills = frozenset(problem.employees[problem.employee_index[sa.employee_id]].skills)
        for t in duty_intervals(problem, sa):
            outside[skills, t] += 1
    part = problem.restricted_to(freed, outside_duty=dict(outside))
    mine = [sa for sa in roster.shifts if sa.employee_id in ids]
    part_cover = cover_penalty(build_model(part), chosen_of(part, mine))

    on = {(sa.employee_id, sa.day) for sa in others}
    pins = [Pin(sa.employee_id, sa.day, sa.shift_id, break_start=sa.break_start) for sa in others]
    pins += [Pin(e.id, problem.horizon.day(d), None) for e in problem.employees if e.id not in ids
             for d in range(problem.horizon.days) if (e.id, problem.horizon.day(d)) not in on]
    pinned = type(problem)(problem.centre, problem.staff, problem.requirement, pins=pins)
    whole_cover = cover_penalty(build_model(pinned), chosen_of(pinned, roster.shifts))
    assert part_cover > 0
    assert abs(part_cover - whole_cover) < 1e-6


def test_improving_by_parts_keeps_every_rule_and_never_makes_the_roster_worse():
    problem = busy_week_problem()
    rm = build_model(problem)
    start = engine.find_feasible(rm, SolveOptions(workers=1, seed=0), budget=10)   # no objective: a poor roster
    assert start is not None
    shifts = extract_roster(rm, engine._ValuesView(start)).shifts
    before = engine.values_objective(rm.model, start)
    improved, stats = improve_by_parts(problem, shifts, seconds=6, seed=0, lanes=2)
    assert stats["improvements"] > 0
    done = engine._complete(rm, SolveOptions(workers=1), chosen_of(problem, improved), budget=30)
    assert done is not None, "the improved shifts break a hard rule of the whole problem"
    values, after = done
    assert after < before
    final = extract_roster(rm, engine._ValuesView(values))
    violations = validate_roster(problem.centre, problem.staff, final.shifts, final.queue_assignments,
                                 horizon_start=problem.horizon.start, horizon_days=problem.horizon.days)
    assert violations == []


def test_re_plans_with_records_of_queues_or_departures_are_not_improved_by_parts():
    problem = busy_week_problem()
    assert applicable(problem)
    someone = problem.employees[0].id
    moment = datetime.combine(problem.horizon.start, time()) + timedelta(hours=12)
    assert not applicable(type(problem)(problem.centre, problem.staff, problem.requirement,
                                        leaves_at={(someone, problem.horizon.start): moment}))
    assert not applicable(type(problem)(problem.centre, problem.staff, problem.requirement, queue_change_weight=1.0))
    assert not applicable(type(problem)(problem.centre, problem.staff, problem.requirement, not_before=moment))


def test_a_roster_given_as_a_hint_is_improved_by_parts(monkeypatch):
    """What-if scenarios and the base's second round start from a given roster: it is improved a
    part at a time like a plan's start (its shifts handed to the parts), and the result keeps
    every rule and costs no more than the given roster."""
    from scheduler import subrosters
    problem = busy_week_problem()
    rm = build_model(problem)
    given = a_roster(problem, seconds=2.0).shifts
    assert given
    done = engine._complete(rm, SolveOptions(workers=1), chosen_of(problem, given), budget=30)
    handed = []
    real = subrosters.improve_by_parts

    def spy(p, shifts, seconds, **kw):
        handed.append(chosen_of(p, shifts))
        return real(p, shifts, seconds, **kw)
    monkeypatch.setattr(subrosters, "improve_by_parts", spy)
    roster = solve(problem, SolveOptions(time_limit=12, workers=2, seed=0, lp_bound=False, hint=given))
    assert handed == [chosen_of(problem, given)]
    assert roster.objective <= done[1] + 1e-6
    assert validate_roster(problem.centre, problem.staff, roster.shifts, roster.queue_assignments,
                           horizon_start=problem.horizon.start, horizon_days=problem.horizon.days) == []
    handed.clear()
    solve(problem, SolveOptions(time_limit=4, workers=2, seed=0, lp_bound=False, hint=given, parts=False))
    assert handed == []


def test_deterministic_parts_give_the_same_roster_on_a_slow_machine(monkeypatch):
    """plan --deterministic improves by parts too: one lane, limits in CP-SAT's deterministic
    time, so the same roster and seed give the same result however fast the clock runs (here a
    machine twenty times slower: its clock runs twenty times faster for the same work)."""
    import time as real_time
    from types import SimpleNamespace
    from scheduler import subrosters
    problem = busy_week_problem()
    rm = build_model(problem)
    start = engine.find_feasible(rm, SolveOptions(workers=1, seed=0), budget=10)
    shifts = extract_roster(rm, engine._ValuesView(start)).shifts
    runs = [improve_by_parts(problem, shifts, seconds=2.0, seed=3, deterministic=True)]
    monkeypatch.setattr(subrosters, "time", SimpleNamespace(monotonic=lambda: 20 * real_time.monotonic(),
                                                            sleep=real_time.sleep))
    runs.append(improve_by_parts(problem, shifts, seconds=2.0, seed=3, deterministic=True))
    key = lambda out: sorted((sa.employee_id, sa.day, sa.shift_id, sa.break_start) for sa in out[0])  # noqa: E731
    assert runs[0][1]["improvements"] > 0
    assert key(runs[0]) == key(runs[1])
    assert runs[0][1]["deterministic_seconds"] <= 2.0 + 1e-6


def test_a_deterministic_plan_is_improved_by_parts(monkeypatch):
    from scheduler import subrosters
    calls = []
    real = subrosters.improve_by_parts

    def spy(p, shifts, seconds, **kw):
        calls.append((seconds, kw.get("deterministic")))
        return real(p, shifts, seconds, **kw)
    monkeypatch.setattr(subrosters, "improve_by_parts", spy)
    solve(busy_week_problem(), SolveOptions(time_limit=3, workers=2, seed=0, deterministic=True))
    assert calls == [(engine.DETERMINISTIC_PARTS_SHARE * 3, True)]
