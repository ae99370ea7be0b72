"""Independent solution evaluator for the Curtois & Qu (2014) staff-scheduling benchmark.

Written from ``benchmarks/curtois/FORMAT.md`` only (hard constraints H1-H9 and the
objective), and independent of the ``scheduler`` package, so it can check the engine.

An *assignment* maps ``(staff_id, day) -> shift_id``; a pair that is absent (or maps to
``None`` / ``""``) is a day off.  To make H1 (one shift per day) checkable, a value may
also be a tuple/list of shift ids: more than one entry on a day is an H1 violation.
:func:`read_solution_csv` produces such a tuple when a CSV lists an (employee, day) twice.

CLI::

    python bench/curtois_eval.py INSTANCE.txt SOLUTION.csv

prints JSON ``{feasible, penalty, violations, breakdown}`` and exits 0 when the roster is
feasible, 1 when it breaks a hard constraint, 2 on unreadable input.
"""

from __future__ import annotations

import csv
import json
import operator
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence, Union

try:
    from bench.curtois_format import CurtoisInstance, parse_instance
except ImportError:  # run as a script: python bench/curtois_eval.py ...
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.curtois_format import CurtoisInstance, parse_instance

__all__ = [
    "Assignment",
    "Evaluation",
    "BREAKDOWN_TERMS",
    "evaluate",
    "read_solution_csv",
    "write_solution_csv",
    "main",
]

AssignedValue = Union[str, Sequence[str], None]
Assignment = Mapping[tuple[str, int], AssignedValue]

#: Keys of :attr:`Evaluation.breakdown`; ``penalty`` is their sum.
BREAKDOWN_TERMS: tuple[str, ...] = ("shift_on_requests", "shift_off_requests", "cover_under", "cover_over")


@dataclass
class Evaluation:
    feasible: bool
    penalty: int  # benchmark objective (FORMAT.md §4); meaningful as published only if feasible
    breakdown: dict[str, int]  # penalty by term, see BREAKDOWN_TERMS
    violations: list[str] = field(default_factory=list)  # one line per H1-H9 violation, "Hn ..." prefix

    @property
    def violation_counts(self) -> dict[str, int]:
        """Number of violations per constraint code, e.g. ``{"H4": 2}``."""
        return dict(Counter(v.split(" ", 1)[0] for v in self.violations))

    def to_dict(self) -> dict:
        return {"feasible": self.feasible, "penalty": self.penalty,
                "violations": list(self.violations), "breakdown": dict(self.breakdown)}


def _normalise(instance: CurtoisInstance, assignment: Assignment) -> dict[tuple[str, int], tuple[str, ...]]:
    """Validate ids/days and turn every value into a tuple of shift ids (empty tuple = off)."""
    out: dict[tuple[str, int], tuple[str, ...]] = {}
    problems: list[str] = []
    for key, value in assignment.items():
        try:
            sid, day = key
        except (TypeError, ValueError):
            problems.append(f"key {key!r} is not a (staff_id, day) pair")
            continue
        if value is None or value == "":
            continue
        shifts = (value,) if isinstance(value, str) else tuple(value)
        shifts = tuple(s for s in shifts if s not in (None, ""))
        if not shifts:
            continue
        if not instance.has_staff(sid):
            problems.append(f"unknown employee {sid!r}")
        try:
            day = operator.index(day)  # accepts int and numpy integers
        except TypeError:
            pass
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < instance.horizon:
            problems.append(f"day {day!r} for employee {sid!r} is not in 0..{instance.horizon - 1}")
        for t in shifts:
            if not instance.has_shift(t):
                problems.append(f"unknown shift {t!r} (employee {sid!r}, day {day!r})")
        out[(sid, day)] = shifts
    if problems:
        shown = "; ".join(problems[:10]) + (f"; ... ({len(problems)} problems)" if len(problems) > 10 else "")
        raise ValueError(f"assignment does not match the instance: {shown}")
    return out


def _runs(flags: Sequence[bool], value: bool) -> list[tuple[int, int]]:
    """Maximal runs [start, end] (inclusive) of positions where flags == value."""
    runs, start = [], None
    for d, f in enumerate(flags):
        if f == value and start is None:
            start = d
        elif f != value and start is not None:
            runs.append((start, d - 1))
            start = None
    if start is not None:
        runs.append((start, len(flags) - 1))
    return runs


def _days(a: int, b: int) -> str:
    return f"day {a}" if a == b else f"days {a}-{b}"


def evaluate(instance: CurtoisInstance, assignment: Assignment) -> Evaluation:
    """Check hard constraints H1-H9 and compute the benchmark penalty (FORMAT.md §3-4).

    Raises ``ValueError`` if the assignment names an unknown employee or shift or a day
    outside the horizon.  If a day holds several shifts (H1 broken), each distinct shift
    counts as worked for the other checks and for the penalty.
    """
    H = instance.horizon
    roster = _normalise(instance, assignment)
    violations: list[str] = []

    for e in instance.staff:
        day_entries = [roster.get((e.id, d), ()) for d in range(H)]
        day_sets = [frozenset(x) for x in day_entries]
        worked = [bool(x) for x in day_sets]

        # H1: at most one shift per day.
        for d, entries in enumerate(day_entries):
            if len(entries) > 1:
                violations.append(f"H1 one shift per day: employee {e.id} has {len(entries)} shifts on day {d} "
                                  f"({', '.join(entries)})")

        # H2: forbidden successions, day d -> day d+1 inside the horizon only.
        for d in range(H - 1):
            for t in sorted(day_sets[d]):
                forbidden = instance.shift(t).forbidden_next
                for u in sorted(day_sets[d + 1]):
                    if u in forbidden:
                        violations.append(f"H2 shift rotation: employee {e.id} works {t} on day {d} then {u} on "
                                          f"day {d + 1} ({u} may not follow {t})")

        # H3: max shifts of each type (0 = not qualified).
        counts = Counter(t for s in day_sets for t in s)
        for t in instance.shift_ids:
            n, limit = counts.get(t, 0), e.max_shifts_of(t)
            if n > limit:
                on = [d for d in range(H) if t in day_sets[d]]
                why = "not qualified (max 0)" if limit == 0 else f"max {limit}"
                violations.append(f"H3 max shifts per type: employee {e.id} works shift {t} {n} times, {why} "
                                  f"(days {', '.join(map(str, on))})")

        # H4: total minutes within [min, max].
        minutes = sum(instance.shift(t).length for s in day_sets for t in s)
        if minutes < e.min_total_minutes:
            violations.append(f"H4 total minutes: employee {e.id} works {minutes} min, below the minimum "
                              f"{e.min_total_minutes} (days 0-{H - 1})")
        if minutes > e.max_total_minutes:
            violations.append(f"H4 total minutes: employee {e.id} works {minutes} min, above the maximum "
                              f"{e.max_total_minutes} (days 0-{H - 1})")

        work_runs = _runs(worked, True)
        off_runs = _runs(worked, False)

        # H5: every run of worked days (any shift type) is at most MaxConsecutiveShifts long.
        for a, b in work_runs:
            if b - a + 1 > e.max_consecutive_shifts:
                violations.append(f"H5 max consecutive shifts: employee {e.id} works {b - a + 1} consecutive days "
                                  f"({_days(a, b)}), max {e.max_consecutive_shifts}")

        # H6: runs of work bounded by days off inside the horizon are at least MinConsecutiveShifts
        # long; runs touching day 0 or day H-1 are exempt.
        for a, b in work_runs:
            if a > 0 and b < H - 1 and b - a + 1 < e.min_consecutive_shifts:
                violations.append(f"H6 min consecutive shifts: employee {e.id} works only {b - a + 1} consecutive "
                                  f"day(s) ({_days(a, b)}), min {e.min_consecutive_shifts}")

        # H7: the same for runs of days off, with MinConsecutiveDaysOff.
        for a, b in off_runs:
            if a > 0 and b < H - 1 and b - a + 1 < e.min_consecutive_days_off:
                violations.append(f"H7 min consecutive days off: employee {e.id} has only {b - a + 1} consecutive "
                                  f"day(s) off ({_days(a, b)}), min {e.min_consecutive_days_off}")

        # H8: weekend k = days 7k+5, 7k+6; worked if either day is worked; counted once.
        worked_weekends = [(sat, sun) for sat, sun in instance.weekends() if worked[sat] or worked[sun]]
        if len(worked_weekends) > e.max_weekends:
            listed = ", ".join(f"{sat}-{sun}" for sat, sun in worked_weekends)
            violations.append(f"H8 max weekends: employee {e.id} works {len(worked_weekends)} weekends "
                              f"(days {listed}), max {e.max_weekends}")

        # H9: hard days off.
        for d in instance.days_off_of(e.id):
            if worked[d]:
                violations.append(f"H9 days off: employee {e.id} works {', '.join(sorted(day_sets[d]))} on day {d}, "
                                  f"which is a required day off")

    # Objective (FORMAT.md §4).
    def x(sid: str, day: int, t: str) -> int:
        return 1 if t in roster.get((sid, day), ()) else 0

    on_pen = sum(r.weight * (1 - x(r.staff_id, r.day, r.shift_id)) for r in instance.shift_on_requests)
    off_pen = sum(r.weight * x(r.staff_id, r.day, r.shift_id) for r in instance.shift_off_requests)
    y: Counter[tuple[int, str]] = Counter()
    for (sid, day), shifts in roster.items():
        for t in set(shifts):
            y[(day, t)] += 1
    under = sum(c.weight_under * max(0, c.requirement - y[(c.day, c.shift_id)]) for c in instance.cover)
    over = sum(c.weight_over * max(0, y[(c.day, c.shift_id)] - c.requirement) for c in instance.cover)
    breakdown = {"shift_on_requests": on_pen, "shift_off_requests": off_pen, "cover_under": under, "cover_over": over}
    return Evaluation(feasible=not violations, penalty=sum(breakdown.values()), breakdown=breakdown,
                      violations=violations)


# --------------------------------------------------------------------------------------
# Solution CSV: header "employee,day,shift"; one row per worked (employee, day).
# --------------------------------------------------------------------------------------

_CSV_COLUMNS = ("employee", "day", "shift")


def read_solution_csv(path: str | os.PathLike[str]) -> dict[tuple[str, int], str | tuple[str, ...]]:
    """Read ``employee,day,shift`` rows (header required, columns in any order, day 0-based).

    Returns ``{(employee, day): shift_id}``.  An empty shift cell means a day off and is
    skipped.  If the same (employee, day) appears more than once, the value becomes a
    tuple of all listed shifts, which :func:`evaluate` reports as an H1 violation.
    IDs are not checked against an instance here (``evaluate`` does that).
    """
    out: dict[tuple[str, int], str | tuple[str, ...]] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = None
        for row in reader:
            lineno = reader.line_num
            cells = [c.strip() for c in row]
            if not cells or all(c == "" for c in cells) or cells[0].startswith("#"):
                continue
            if header is None:
                names = [c.lower() for c in cells]
                if sorted(names) != sorted(_CSV_COLUMNS):
                    raise ValueError(f"{path}:{lineno}: expected the header 'employee,day,shift', got {row!r}")
                header = {n: i for i, n in enumerate(names)}
                continue
            if len(cells) != 3:
                raise ValueError(f"{path}:{lineno}: expected 3 fields (employee,day,shift), got {row!r}")
            emp, day_s, shift = (cells[header[n]] for n in _CSV_COLUMNS)
            if not emp:
                raise ValueError(f"{path}:{lineno}: empty employee id")
            try:
                day = int(day_s)
            except ValueError:
                raise ValueError(f"{path}:{lineno}: day must be an integer, got {day_s!r}") from None
            if shift == "":
                continue
            key = (emp, day)
            if key in out:
                prev = out[key]
                out[key] = (prev if isinstance(prev, tuple) else (prev,)) + (shift,)
            else:
                out[key] = shift
        if header is None:
            raise ValueError(f"{path}: empty solution file (expected the header 'employee,day,shift')")
    return out


def write_solution_csv(assignment: Assignment, path: str | os.PathLike[str],
                       instance: CurtoisInstance | None = None) -> None:
    """Write an assignment as ``employee,day,shift`` (LF line endings).

    Rows are sorted by the instance's staff order when ``instance`` is given, else by id; then by day.
    """
    order = {sid: i for i, sid in enumerate(instance.staff_ids)} if instance else {}
    rows = []
    for (sid, day), value in assignment.items():
        if value is None or value == "":
            continue
        for t in ((value,) if isinstance(value, str) else tuple(value)):
            rows.append((order.get(sid, len(order)), sid, day, t))
    rows.sort()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(_CSV_COLUMNS)
        for _, sid, day, t in rows:
            w.writerow((sid, day, t))


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="curtois_eval",
        description="Check a roster against a Curtois & Qu (2014) instance: hard constraints H1-H9 and penalty. "
                    "Exit code 0 = feasible, 1 = infeasible, 2 = bad input.")
    ap.add_argument("instance", help="instance file, e.g. Instance1.txt")
    ap.add_argument("solution", help="CSV with header employee,day,shift (day 0-based)")
    args = ap.parse_args(argv)
    try:
        instance = parse_instance(Path(args.instance))
        result = evaluate(instance, read_solution_csv(args.solution))
    except (OSError, ValueError) as exc:
        print(f"curtois_eval: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), indent=2))
    return 0 if result.feasible else 1


if __name__ == "__main__":
    sys.exit(main())
