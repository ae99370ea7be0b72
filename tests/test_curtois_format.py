"""Tests for the Curtois & Qu (2014) benchmark parser and the independent evaluator.

The bundled fixtures in tests/data/curtois/ always run.  The full shared benchmark directory
(``../shared/benchmarks/curtois`` next to the repository, or $CURTOIS_DIR) is parsed too when
it exists; otherwise those tests are skipped.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.curtois_eval import evaluate, read_solution_csv, write_solution_csv  # noqa: E402
from bench.curtois_format import (  # noqa: E402
    CoverRequirement,
    CurtoisFormatError,
    Shift,
    ShiftRequest,
    Staff,
    iter_instance_files,
    parse_instance,
)

DATA = REPO_ROOT / "tests" / "data" / "curtois"
SHARED = Path(os.environ.get("CURTOIS_DIR", REPO_ROOT.parent / "shared" / "benchmarks" / "curtois"))

# FORMAT.md §5: instance -> (days, staff, shift types, days-off entries, on-requests, off-requests, cover rows)
TABLE = {
    "Instance1": (14, 8, 1, 8, 21, 5, 14),
    "Instance2": (14, 14, 2, 14, 50, 12, 28),
    "Instance3": (14, 20, 3, 20, 39, 25, 42),
    "Instance4": (28, 10, 2, 20, 52, 19, 56),
    "Instance5": (28, 16, 2, 32, 79, 27, 56),
    "Instance6": (28, 18, 3, 36, 87, 48, 84),
    "Instance7": (28, 20, 3, 40, 104, 64, 84),
    "Instance8": (28, 30, 4, 60, 139, 86, 112),
    "Instance9": (28, 36, 4, 72, 144, 88, 112),
    "Instance10": (28, 40, 5, 80, 210, 74, 140),
    "Instance11": (28, 50, 6, 100, 197, 139, 168),
    "Instance12": (28, 60, 10, 120, 294, 128, 280),
    "Instance13": (28, 120, 18, 240, 589, 252, 504),
    "Instance14": (42, 32, 4, 128, 266, 93, 168),
    "Instance15": (42, 45, 6, 180, 350, 140, 252),
    "Instance16": (56, 20, 3, 120, 177, 103, 168),
    "Instance17": (56, 32, 4, 160, 351, 129, 224),
    "Instance18": (84, 22, 3, 176, 322, 92, 252),
    "Instance19": (84, 40, 5, 320, 587, 247, 420),
    "Instance20": (182, 50, 6, 900, 1665, 653, 1092),
    "Instance21": (182, 100, 8, 1800, 3210, 1492, 1456),
    "Instance22": (364, 50, 10, 1800, 3253, 1385, 3640),
    "Instance23": (364, 100, 16, 3600, 6549, 2861, 5824),
    "Instance24": (364, 150, 32, 5400, 9540, 4269, 11648),
}

BUNDLED = [DATA / "Instance1.txt", DATA / "Instance3.txt"]


def _shared_params():
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"shared Curtois benchmark directory not found at {SHARED} (set CURTOIS_DIR); "
                   "bundled copies in tests/data/curtois are still tested"))]
    files = list(iter_instance_files(SHARED))
    assert files, f"no Instance*.txt in {SHARED}"
    return [pytest.param(f, id=f.stem) for f in files]


# ======================================================================================
# Parser
# ======================================================================================


def check_structure(inst) -> None:
    """Invariants FORMAT.md states for all 24 published files."""
    name = inst.name
    days, n_staff, n_shifts, n_days_off, n_on, n_off, n_cover = TABLE[name]
    assert inst.horizon == days and inst.horizon % 7 == 0
    assert len(inst.staff) == n_staff
    assert len(inst.shifts) == n_shifts
    assert sum(len(v) for v in inst.days_off.values()) == n_days_off
    assert len(inst.shift_on_requests) == n_on
    assert len(inst.shift_off_requests) == n_off
    assert len(inst.cover) == n_cover == inst.horizon * len(inst.shifts)
    # exactly one cover row per (day, shift type)
    assert {(c.day, c.shift_id) for c in inst.cover} == {
        (d, t) for d in range(inst.horizon) for t in inst.shift_ids}
    assert all(c.weight_under == 100 and c.weight_over == 1 for c in inst.cover)
    assert {s.length for s in inst.shifts} <= {480, 600, 720}
    for s in inst.shifts:
        assert set(s.forbidden_next) <= set(inst.shift_ids)
    for e in inst.staff:
        assert set(e.max_shifts) == set(inst.shift_ids)  # every shift type listed for every employee
        assert e.min_total_minutes <= e.max_total_minutes
        assert inst.days_off_of(e.id)  # every employee has a days-off line
    on = {(r.staff_id, r.day) for r in inst.shift_on_requests}
    off = {(r.staff_id, r.day) for r in inst.shift_off_requests}
    assert len(on) == len(inst.shift_on_requests) and len(off) == len(inst.shift_off_requests)
    assert not on & off
    assert {r.weight for r in inst.shift_on_requests + inst.shift_off_requests} <= {1, 2, 3}
    for v in (inst.staff_ids, inst.shift_ids):
        assert all(isinstance(i, str) and i for i in v)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_instances_parse(path):
    assert path.read_bytes().count(b"\r\n") > 10, "bundled copy should keep the original CRLF endings"
    check_structure(parse_instance(path))


@pytest.mark.parametrize("path", _shared_params())
def test_shared_instances_parse(path):
    inst = parse_instance(path)
    assert inst.name == path.stem
    check_structure(inst)


def test_instance1_field_values():
    inst = parse_instance(DATA / "Instance1.txt")
    assert inst.shifts == (Shift("D", 480, ()),)
    assert inst.staff[0] == Staff("A", {"D": 14}, 4320, 3360, 5, 2, 2, 1)
    assert inst.staff_ids == tuple("ABCDEFGH")
    assert inst.days_off == {"A": (0,), "B": (5,), "C": (8,), "D": (2,), "E": (9,), "F": (5,), "G": (1,), "H": (7,)}
    assert inst.shift_on_requests[0] == ShiftRequest("A", 2, "D", 2)
    assert inst.shift_off_requests[-1] == ShiftRequest("H", 3, "D", 3)
    assert inst.cover[0] == CoverRequirement(0, "D", 5, 100, 1)
    assert inst.cover[-1] == CoverRequirement(13, "D", 4, 100, 1)
    assert inst.weekends() == [(5, 6), (12, 13)]


def test_instance3_field_values():
    inst = parse_instance(DATA / "Instance3.txt")
    assert [(s.id, s.forbidden_next) for s in inst.shifts] == [("E", ()), ("D", ("E",)), ("L", ("E", "D"))]
    d = inst.staff_member("D")
    assert d.max_shifts == {"E": 14, "D": 0, "L": 5} and not d.can_work("D") and d.can_work("L")
    p = inst.staff_member("P")
    assert (p.max_total_minutes, p.min_total_minutes, p.max_consecutive_shifts, p.min_consecutive_shifts,
            p.min_consecutive_days_off, p.max_weekends) == (2160, 1200, 5, 1, 2, 1)
    assert inst.staff_member("K").min_consecutive_days_off == 3


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_line_endings_and_input_kinds(path):
    raw = path.read_bytes()
    crlf = raw.decode("ascii")
    lf = crlf.replace("\r\n", "\n")
    assert "\r" not in lf and "\r" in crlf
    ref = parse_instance(lf)
    assert ref.name is None
    assert parse_instance(crlf) == ref
    assert parse_instance(lf.replace("\n", "\r")) == ref  # old-Mac CR
    assert parse_instance(raw) == ref  # bytes
    assert parse_instance(lf.rstrip("\n")) == ref  # no final newline
    from_path = parse_instance(path)
    assert from_path.name == path.stem and parse_instance(str(path)) == from_path
    # the cover weight is the last field of the line: no '\r' may survive
    assert all(isinstance(c.weight_over, int) for c in from_path.cover)


def _sections(text: str) -> list[str]:
    """Split instance text into blocks (header comment + each section)."""
    return [b for b in text.replace("\r\n", "\n").strip("\n").split("\n\n")]


def test_sections_in_any_order():
    text = (DATA / "Instance3.txt").read_text()
    blocks = _sections(text)
    assert len(blocks) == 7 and blocks[0].startswith("# This is a comment")
    head, rest = blocks[0].split("\n", 1)  # first block also carries the file's leading comment
    shuffled = [rest] + blocks[1:]
    shuffled.reverse()
    assert parse_instance(head + "\n" + "\n\n".join(shuffled) + "\n") == parse_instance(text)


TINY_BASE = """\
# tiny
SECTION_HORIZON
# All instances start on a Monday
# The horizon length in days:
7

SECTION_SHIFTS
# ShiftID, Length in mins, Shifts which cannot follow this shift | separated
E,480,
L,480,E

SECTION_STAFF
# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends
A,E=7|L=7,3360,0,7,1,1,1

SECTION_DAYS_OFF
# EmployeeID, DayIndexes (start at zero)
A,3

SECTION_SHIFT_ON_REQUESTS
# EmployeeID, Day, ShiftID, Weight
A,1,E,2

SECTION_SHIFT_OFF_REQUESTS
# EmployeeID, Day, ShiftID, Weight
A,2,L,1

SECTION_COVER
# Day, ShiftID, Requirement, Weight for under, Weight for over
0,E,1,100,1
0,L,0,100,1
"""


def test_tiny_base_parses():
    inst = parse_instance(TINY_BASE)
    assert inst.horizon == 7 and inst.shift_ids == ("E", "L") and inst.staff_ids == ("A",)
    assert len(inst.cover) == 2


def _line_of(text: str, fragment: str) -> int:
    for i, line in enumerate(text.split("\n"), start=1):
        if fragment in line:
            return i
    raise AssertionError(fragment)


@pytest.mark.parametrize("old,new,message", [
    ("0,L,0,100,1", "0,L,0,100,x", "weight for over must be an integer"),
    ("0,L,0,100,1", "0,L,0,100", "expected 5 comma-separated fields"),
    ("0,L,0,100,1", "0,E,0,100,1", "second cover row for day 0"),
    ("0,L,0,100,1", "0,Q,0,100,1", "unknown shift id 'Q'"),
    ("0,L,0,100,1", "9,L,0,100,1", "outside the horizon 0..6"),
    ("A,E=7|L=7,3360", "A,E=7|X=7,3360", "unknown shift id 'X'"),
    ("A,E=7|L=7,3360", "A,E=7|L7,3360", "not of the form ShiftID=int"),
    ("A,E=7|L=7,3360,0,7,1,1,1", "A,E=7|L=7,3360,0,7,1,1", "expected 8 comma-separated fields"),
    ("A,E=7|L=7,3360,0,7,1,1,1", "A,E=7|L=7,3360,4000,7,1,1,1", "exceeds MaxTotalMinutes"),
    ("L,480,E", "L,480,Z", "unknown shift id 'Z'"),
    ("L,480,E", "L,-5,E", "must be >= 1"),
    ("L,480,E", "E,480,", "duplicate shift id 'E'"),
    ("A,3", "B,3", "unknown employee id 'B'"),
    ("A,3", "A,7", "outside the horizon"),
    ("A,1,E,2", "A,1,E", "expected 4 comma-separated fields"),
    ("A,2,L,1", "A,two,L,1", "day must be an integer"),
    ("SECTION_COVER", "SECTION_COVERAGE", "unknown section header"),
    ("\n7\n", "\nseven\n", "horizon length must be an integer"),
])
def test_malformed_input_reports_line(old, new, message):
    assert old in TINY_BASE
    text = TINY_BASE.replace(old, new, 1)
    target = new.strip("\n").split("\n")[0]
    with pytest.raises(ValueError) as exc:
        parse_instance(text)
    err = exc.value
    assert isinstance(err, CurtoisFormatError)
    assert message in str(err), str(err)
    expected_line = _line_of(text, target) if target != "E,480," else 10
    assert err.line == expected_line, str(err)
    assert f"<text>:{expected_line}" in str(err)


def test_malformed_structure():
    with pytest.raises(ValueError, match="missing required section SECTION_COVER"):
        parse_instance(TINY_BASE.split("SECTION_COVER")[0])
    with pytest.raises(ValueError, match=r"<text>:2: data line outside any section"):
        parse_instance("# c\nfoo\n" + TINY_BASE)
    with pytest.raises(ValueError, match="duplicate section"):
        parse_instance(TINY_BASE + "\nSECTION_HORIZON\n7\n")
    # a blank line ends a section, so a row after it is outside any section
    with pytest.raises(ValueError, match="data line outside any section"):
        parse_instance(TINY_BASE.replace("0,L,0,100,1", "\n0,L,0,100,1"))
    with pytest.raises(FileNotFoundError):
        parse_instance("no/such/Instance99.txt")


def test_parser_does_not_import_scheduler():
    code = ("import sys; sys.path.insert(0, %r); import bench.curtois_format, bench.curtois_eval; "
            "print(any(m == 'scheduler' or m.startswith('scheduler.') for m in sys.modules))" % str(REPO_ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "False"


# ======================================================================================
# Evaluator: one hand-made roster per hard constraint
# ======================================================================================


def tiny(max_shifts="E=14|L=14|N=14", max_min=14 * 600, min_min=0, max_cons=14, min_cons=1, min_off=1,
         max_wkd=2):
    """Two weeks (weekends = days 5-6 and 12-13), shifts E, L (E may not follow L), N (forbids N and E).
    Employee A is the one under test; A's only hard day off is day 7.  Employee B never works."""
    return parse_instance(f"""\
SECTION_HORIZON
# All instances start on a Monday
# The horizon length in days:
14

SECTION_SHIFTS
# ShiftID, Length in mins, Shifts which cannot follow this shift | separated
E,480,
L,480,E
N,600,N|E

SECTION_STAFF
# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends
A,{max_shifts},{max_min},{min_min},{max_cons},{min_cons},{min_off},{max_wkd}
B,E=14|L=14|N=14,8400,0,14,1,1,2

SECTION_DAYS_OFF
# EmployeeID, DayIndexes (start at zero)
A,7
B,0

SECTION_COVER
# Day, ShiftID, Requirement, Weight for under, Weight for over
0,E,1,100,1
""")


def roster(days, shift="E", staff="A"):
    return {(staff, d): shift for d in days}


def codes(ev):
    return set(ev.violation_counts)


def test_baseline_roster_is_feasible():
    ev = evaluate(tiny(), roster([0, 1, 2, 3, 4]))
    assert ev.feasible and ev.violations == []
    assert ev.breakdown == {"shift_on_requests": 0, "shift_off_requests": 0, "cover_under": 0, "cover_over": 0}


def test_h1_one_shift_per_day():
    ev = evaluate(tiny(), {("A", 2): ("E", "L")})
    assert codes(ev) == {"H1"} and not ev.feasible
    assert "employee A" in ev.violations[0] and "day 2" in ev.violations[0]
    assert evaluate(tiny(), {("A", 2): ("E",), ("A", 3): None, ("A", 4): ""}).feasible


def test_h2_forbidden_succession():
    ev = evaluate(tiny(), {("A", 2): "L", ("A", 3): "E"})
    assert codes(ev) == {"H2"}
    assert "employee A" in ev.violations[0] and "day 2" in ev.violations[0] and "day 3" in ev.violations[0]
    assert codes(evaluate(tiny(), {("A", 2): "N", ("A", 3): "N"})) == {"H2"}  # a shift forbidding itself
    assert evaluate(tiny(), {("A", 2): "E", ("A", 3): "L"}).feasible  # the reverse order is allowed
    assert evaluate(tiny(), {("A", 2): "L", ("A", 4): "E"}).feasible  # only day d -> d+1
    assert evaluate(tiny(), {("A", 13): "N", ("A", 0): "E"}).feasible  # no wrap-around / nothing beyond H-1


def test_h3_max_shifts_per_type_and_qualification():
    ev = evaluate(tiny(max_shifts="E=1|L=14|N=14"), roster([2, 3]))
    assert codes(ev) == {"H3"} and "employee A" in ev.violations[0] and "2, 3" in ev.violations[0]
    assert evaluate(tiny(max_shifts="E=2|L=14|N=14"), roster([2, 3])).feasible
    ev = evaluate(tiny(max_shifts="E=14|L=0|N=14"), roster([2], "L"))
    assert codes(ev) == {"H3"} and "not qualified" in ev.violations[0]
    # a shift type missing from MaxShifts reads as 0
    assert codes(evaluate(tiny(max_shifts="E=14|L=14"), roster([2], "N"))) == {"H3"}


def test_h4_total_minutes():
    ev = evaluate(tiny(min_min=1000), roster([2]))
    assert codes(ev) == {"H4"} and "below the minimum" in ev.violations[0] and "employee A" in ev.violations[0]
    ev = evaluate(tiny(max_min=1000), roster([0, 1, 2]))
    assert codes(ev) == {"H4"} and "above the maximum" in ev.violations[0]
    assert evaluate(tiny(min_min=960, max_min=960), roster([0, 1])).feasible  # bounds are inclusive
    assert codes(evaluate(tiny(max_min=1000), {("A", 0): "N", ("A", 2): "E"})) == {"H4"}  # 600 + 480 uses lengths


def test_h5_max_consecutive_shifts():
    ev = evaluate(tiny(max_cons=3), roster([1, 2, 3, 4]))
    assert codes(ev) == {"H5"} and "days 1-4" in ev.violations[0] and "employee A" in ev.violations[0]
    assert evaluate(tiny(max_cons=3), roster([0, 1, 2, 4, 5, 6])).feasible
    assert evaluate(tiny(max_cons=3), roster([11, 12, 13])).feasible
    assert codes(evaluate(tiny(max_cons=3), roster([10, 11, 12, 13]))) == {"H5"}  # touching the end still counts
    # any shift type counts, not only the same type
    assert codes(evaluate(tiny(max_cons=3), {("A", 0): "E", ("A", 1): "L", ("A", 2): "L", ("A", 3): "N"})) == {"H5"}


def test_h6_min_consecutive_shifts():
    ev = evaluate(tiny(min_cons=2), roster([3]))
    assert codes(ev) == {"H6"} and "day 3" in ev.violations[0] and "employee A" in ev.violations[0]
    assert evaluate(tiny(min_cons=2), roster([3, 4])).feasible
    assert evaluate(tiny(min_cons=3), roster([0])).feasible  # run touching day 0 is exempt
    assert evaluate(tiny(min_cons=3), roster([13])).feasible  # run touching day H-1 is exempt
    assert codes(evaluate(tiny(min_cons=3), roster([11, 12]))) == {"H6"}  # day 13 off inside the horizon


def test_h7_min_consecutive_days_off():
    ev = evaluate(tiny(min_off=2), roster([0, 1, 2, 4, 5, 6]))
    assert codes(ev) == {"H7"} and "day 3" in ev.violations[0] and "employee A" in ev.violations[0]
    assert evaluate(tiny(min_off=2), roster([0, 1, 2, 5, 6])).feasible
    assert evaluate(tiny(min_off=3), roster([1, 2, 3, 4, 5])).feasible  # off-run on day 0 is exempt
    assert evaluate(tiny(min_off=3), roster([8, 9, 10, 11, 12])).feasible  # off-run on day 13 is exempt
    assert evaluate(tiny(min_off=3), roster([])).feasible  # one off-run covering the whole horizon
    # the hard day off (day 7) is part of an off-run like any other
    assert codes(evaluate(tiny(min_off=2), roster([4, 5, 6, 8, 9]))) == {"H7"}


def test_h8_max_weekends():
    ev = evaluate(tiny(max_wkd=1), roster([5, 12]))
    assert codes(ev) == {"H8"} and "employee A" in ev.violations[0] and "5-6, 12-13" in ev.violations[0]
    assert evaluate(tiny(max_wkd=1), roster([5, 6])).feasible  # Sat + Sun of one weekend count once
    assert codes(evaluate(tiny(max_wkd=1), roster([6, 12]))) == {"H8"}  # Sunday of wk 0, Saturday of wk 1
    assert codes(evaluate(tiny(max_wkd=0), roster([13]))) == {"H8"}
    assert evaluate(tiny(max_wkd=0), roster([0, 1, 2, 3, 4])).feasible  # Mon-Fri only


def test_h9_days_off():
    ev = evaluate(tiny(), roster([7]))
    assert codes(ev) == {"H9"}
    assert "employee A" in ev.violations[0] and "day 7" in ev.violations[0]
    assert codes(evaluate(tiny(), roster([0], staff="B"))) == {"H9"}


def test_sequence_rules_match_clause_form():
    """H5-H8 via runs agree with FORMAT.md's literal window/clause definitions on random rosters."""
    rng = random.Random(20141006)
    params = dict(max_cons=3, min_cons=3, min_off=2, max_wkd=1)
    inst = tiny(**params)
    H = inst.horizon
    for _ in range(400):
        w = [0 if d == 7 else int(rng.random() < 0.6) for d in range(H)]
        expected = set()
        k = params["max_cons"]
        if any(sum(w[d:d + k + 1]) > k for d in range(H - k)):
            expected.add("H5")
        for s in range(1, params["min_cons"]):
            for d in range(H - s - 1):
                if not w[d] and all(w[d + 1:d + s + 1]) and not w[d + s + 1]:
                    expected.add("H6")
        for s in range(1, params["min_off"]):
            for d in range(H - s - 1):
                if w[d] and not any(w[d + 1:d + s + 1]) and w[d + s + 1]:
                    expected.add("H7")
        if sum(max(w[7 * j + 5], w[7 * j + 6]) for j in range(H // 7)) > params["max_wkd"]:
            expected.add("H8")
        assert codes(evaluate(inst, roster([d for d in range(H) if w[d]]))) == expected, w


# ======================================================================================
# Evaluator: penalty
# ======================================================================================

PENALTY_INSTANCE = """\
SECTION_HORIZON
7

SECTION_SHIFTS
E,480,
L,480,

SECTION_STAFF
A,E=7|L=7,3360,0,7,1,1,2
B,E=7|L=7,3360,0,7,1,1,2

SECTION_DAYS_OFF
A,6
B,6

SECTION_SHIFT_ON_REQUESTS
A,0,E,2
B,1,E,3
A,3,L,1

SECTION_SHIFT_OFF_REQUESTS
A,1,L,1
B,2,E,3
B,4,E,2

SECTION_COVER
0,E,1,100,1
0,L,2,50,1
1,E,0,100,7
1,L,1,100,1
2,E,3,10,1
2,L,0,100,4
4,E,1,100,1
"""


def test_penalty_by_hand():
    inst = parse_instance(PENALTY_INSTANCE)
    assignment = {("A", 0): "L", ("A", 1): "L", ("A", 2): "E",
                  ("B", 0): "E", ("B", 1): "E", ("B", 2): "L", ("B", 4): "E"}
    ev = evaluate(inst, assignment)
    # on:  A0 wants E, gets L -> 2; B1 wants E, gets E -> 0; A3 wants L, is off -> 1        = 3
    # off: A1 not L, gets L -> 1; B2 not E, gets L -> 0; B4 not E, gets E -> 2              = 3
    # cover: d0 E 1/1 -> 0; d0 L 1 of 2 -> 1*50; d1 E 1 vs 0 -> over 1*7; d1 L 1/1 -> 0;
    #        d2 E 1 of 3 -> 2*10; d2 L 1 vs 0 -> over 1*4; d4 E 1/1 -> 0; no rows for d3,5,6 -> 0
    assert ev.breakdown == {"shift_on_requests": 3, "shift_off_requests": 3, "cover_under": 70, "cover_over": 11}
    assert ev.penalty == 87
    assert ev.feasible  # lenient staff rules; B's lone day 4 touches nothing hard (min runs = 1)


def test_all_days_off_instance1_penalty():
    path = DATA / "Instance1.txt"
    inst = parse_instance(path)
    ev = evaluate(inst, {})
    # under-cover computed straight from the COVER section text, independently of the parser
    lines = path.read_text().replace("\r", "").split("SECTION_COVER\n", 1)[1].strip().split("\n")
    rows = [ln.split(",") for ln in lines if ln and not ln.startswith("#")]
    expected_under = sum(int(req) * int(wu) for _, _, req, wu, _ in rows)
    assert expected_under == 7100
    assert ev.breakdown["cover_under"] == expected_under
    assert ev.breakdown["cover_over"] == 0 and ev.breakdown["shift_off_requests"] == 0
    assert ev.breakdown["shift_on_requests"] == sum(r.weight for r in inst.shift_on_requests) == 37
    assert ev.penalty == expected_under + 37
    # everyone is below MinTotalMinutes; nothing else is broken (the single off-run touches both ends)
    assert ev.violation_counts == {"H4": 8} and not ev.feasible


@pytest.mark.parametrize("name,expected,under", [("Instance1", 607, 600), ("Instance3", 1001, 1000)])
def test_best_known_solutions(name, expected, under):
    inst = parse_instance(DATA / f"{name}.txt")
    sol = read_solution_csv(DATA / f"{name}_solution_{expected}.csv")
    ev = evaluate(inst, sol)
    assert ev.feasible, ev.violations
    assert ev.penalty == expected and ev.breakdown["cover_under"] == under


def test_evaluate_rejects_unknown_ids():
    inst = tiny()
    for bad in ({("Z", 0): "E"}, {("A", 14): "E"}, {("A", -1): "E"}, {("A", 0): "X"}, {("A", "0"): "E"}):
        with pytest.raises(ValueError, match="assignment does not match the instance"):
            evaluate(inst, bad)


# ======================================================================================
# Solution CSV and CLI
# ======================================================================================


def test_read_solution_csv(tmp_path):
    p = tmp_path / "sol.csv"
    p.write_bytes(b"employee,day,shift\r\nA,0,E\r\nA,1,\r\n\r\nA,2,L\r\nA,2,E\r\n")
    sol = read_solution_csv(p)
    assert sol == {("A", 0): "E", ("A", 2): ("L", "E")}
    ev = evaluate(tiny(), sol)
    assert "H1" in codes(ev)
    p.write_text("shift,employee,day\nE,A,3\n")  # columns by header name
    assert read_solution_csv(p) == {("A", 3): "E"}
    for bad, msg in [("emp,day,shift\nA,0,E\n", "header"), ("employee,day,shift\nA,x,E\n", ":2: day must"),
                     ("employee,day,shift\nA,0\n", ":2: expected 3 fields"), ("", "empty solution")]:
        p.write_text(bad)
        with pytest.raises(ValueError, match=msg):
            read_solution_csv(p)


def test_write_read_roundtrip(tmp_path):
    inst = parse_instance(DATA / "Instance3.txt")
    sol = read_solution_csv(DATA / "Instance3_solution_1001.csv")
    out = tmp_path / "copy.csv"
    write_solution_csv(sol, out, inst)
    assert read_solution_csv(out) == sol


def _cli(*args):
    return subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "curtois_eval.py"), *map(str, args)],
                          capture_output=True, text=True, cwd="/")


def test_cli(tmp_path):
    ok = _cli(DATA / "Instance1.txt", DATA / "Instance1_solution_607.csv")
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out == {"feasible": True, "penalty": 607, "violations": [],
                   "breakdown": {"shift_on_requests": 3, "shift_off_requests": 3, "cover_under": 600,
                                 "cover_over": 1}}
    empty = tmp_path / "empty.csv"
    empty.write_text("employee,day,shift\n")
    bad = _cli(DATA / "Instance1.txt", empty)
    assert bad.returncode == 1
    out = json.loads(bad.stdout)
    assert out["feasible"] is False and out["penalty"] == 7137 and len(out["violations"]) == 8
    err = _cli(DATA / "Instance1.txt", tmp_path / "missing.csv")
    assert err.returncode == 2 and "error" in err.stderr


def test_the_bench_script_refuses_a_broken_instance_before_solving(tmp_path):
    """Exit 2 and the file:line message, not a traceback (and no results row)."""
    broken = tmp_path / "Broken.txt"
    broken.write_text("garbage\n")
    results = tmp_path / "results.jsonl"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "curtois.py"), str(broken), "--time-limit", "1",
                           "--results", str(results)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and f"{broken}:1" in done.stderr
    assert not results.exists()


def test_a_file_not_in_utf8_and_a_horizon_of_two_fields_say_what_is_wrong(tmp_path):
    """'utf-8 codec can't decode byte 0xe9' named no file; a horizon line '14,7' was reported as
    'got 1 data line(s)' - the line count, which was right."""
    latin = tmp_path / "Latin.txt"
    latin.write_bytes("# caf\xe9\nSECTION_HORIZON\n14\n".encode("latin-1"))
    with pytest.raises(CurtoisFormatError, match=r"Latin.txt: not UTF-8 text \(byte 5"):
        parse_instance(latin)
    two = (DATA / "Instance1.txt").read_text().replace("\r\n", "\n")
    two = two.replace("SECTION_HORIZON\n# All instances start on a Monday\n# The horizon length in days:\n14\n",
                      "SECTION_HORIZON\n# All instances start on a Monday\n# The horizon length in days:\n14,7\n")
    assert "14,7" in two
    with pytest.raises(CurtoisFormatError, match=r"got 2 fields \('14,7'\)"):
        parse_instance(two)
