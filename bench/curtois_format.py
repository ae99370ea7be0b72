"""Parser for the Curtois & Qu (2014) staff-scheduling benchmark text format.

The format (instances 1-24 of schedulingbenchmarks.org/nrp) is described in
``benchmarks/curtois/FORMAT.md``.  In short: the file is split into sections that start
with a ``SECTION_<NAME>`` header line and end at the next blank line (or end of file).
Lines starting with ``#`` are comments.  Fields are separated by ``,`` and lists inside
a field by ``|``.

This module is deliberately self-contained: it does not import anything from the
``scheduler`` package, so it can be used to check the engine independently.

    >>> inst = parse_instance("path/to/Instance1.txt")
    >>> inst.horizon, len(inst.staff), len(inst.shifts)
    (14, 8, 1)

Malformed input raises :class:`CurtoisFormatError` (a ``ValueError``) whose message names
the source, the 1-based line number and the section.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

__all__ = [
    "CurtoisFormatError",
    "Shift",
    "Staff",
    "ShiftRequest",
    "CoverRequirement",
    "CurtoisInstance",
    "parse_instance",
    "SECTION_NAMES",
    "iter_instance_files",
]

#: Every section name the format knows, in the order the published files use.
SECTION_NAMES: tuple[str, ...] = (
    "HORIZON",
    "SHIFTS",
    "STAFF",
    "DAYS_OFF",
    "SHIFT_ON_REQUESTS",
    "SHIFT_OFF_REQUESTS",
    "COVER",
)
_REQUIRED_SECTIONS = ("HORIZON", "SHIFTS", "STAFF", "COVER")


class CurtoisFormatError(ValueError):
    """Malformed instance text.  ``line`` is the 1-based line number (None if not tied to a line)."""

    def __init__(self, message: str, *, line: int | None = None, source: str = "<text>",
                 section: str | None = None) -> None:
        self.line = line
        self.source = source
        self.section = section
        where = source if line is None else f"{source}:{line}"
        if section:
            where += f" [SECTION_{section}]"
        super().__init__(f"{where}: {message}")


# --------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    id: str
    length: int  # minutes
    forbidden_next: tuple[str, ...] = ()  # shift ids that may not be worked the day after this one


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]  # shift id -> max number of that shift; 0 = not qualified
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int

    def max_shifts_of(self, shift_id: str) -> int:
        """Max count of ``shift_id``; a shift type missing from the list reads as 0 (never)."""
        return self.max_shifts.get(shift_id, 0)

    def can_work(self, shift_id: str) -> bool:
        return self.max_shifts_of(shift_id) > 0


@dataclass(frozen=True)
class ShiftRequest:
    """A shift-on request (wants ``shift_id`` on ``day``) or shift-off request (does not want it)."""

    staff_id: str
    day: int
    shift_id: str
    weight: int


@dataclass(frozen=True)
class CoverRequirement:
    day: int
    shift_id: str
    requirement: int
    weight_under: int  # penalty per missing person
    weight_over: int  # penalty per surplus person


@dataclass(frozen=True)
class CurtoisInstance:
    horizon: int  # number of days; day 0 is a Monday
    shifts: tuple[Shift, ...]
    staff: tuple[Staff, ...]
    days_off: dict[str, tuple[int, ...]]  # staff id -> hard days off (sorted, unique)
    shift_on_requests: tuple[ShiftRequest, ...]
    shift_off_requests: tuple[ShiftRequest, ...]
    cover: tuple[CoverRequirement, ...]
    name: str | None = None  # file stem when parsed from a path
    _shift_index: dict[str, Shift] = field(default=None, init=False, repr=False, compare=False)  # type: ignore[assignment]
    _staff_index: dict[str, Staff] = field(default=None, init=False, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_shift_index", {s.id: s for s in self.shifts})
        object.__setattr__(self, "_staff_index", {s.id: s for s in self.staff})

    # Convenience accessors -----------------------------------------------------------
    @property
    def shift_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.shifts)

    @property
    def staff_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.staff)

    @property
    def num_weeks(self) -> int:
        return self.horizon // 7

    def shift(self, shift_id: str) -> Shift:
        return self._shift_index[shift_id]

    def staff_member(self, staff_id: str) -> Staff:
        return self._staff_index[staff_id]

    def has_shift(self, shift_id: str) -> bool:
        return shift_id in self._shift_index

    def has_staff(self, staff_id: str) -> bool:
        return staff_id in self._staff_index

    def days_off_of(self, staff_id: str) -> tuple[int, ...]:
        return self.days_off.get(staff_id, ())

    def weekends(self) -> list[tuple[int, int]]:
        """(Saturday, Sunday) day pairs: weekend k is days 7k+5 and 7k+6, k = 0 .. H/7-1."""
        return [(7 * k + 5, 7 * k + 6) for k in range(self.horizon // 7)]


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------


@dataclass
class _Line:
    no: int  # 1-based line number in the source text
    fields: list[str]
    raw: str


@dataclass
class _Section:
    name: str
    header_line: int
    lines: list[_Line]


def _read_text(p: Path) -> str:
    """The file as text; an encoding error names the file and the byte (it once said only
    "'utf-8' codec can't decode byte 0xe9")."""
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CurtoisFormatError(f"not UTF-8 text (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r}); "
                                 "the instance format is plain ASCII", source=str(p)) from None


def _read_source(path_or_text: str | os.PathLike[str] | bytes) -> tuple[str, str, str | None]:
    """Return (text, source label for messages, instance name)."""
    if isinstance(path_or_text, bytes):
        return path_or_text.decode("ascii", errors="strict"), "<text>", None
    if isinstance(path_or_text, os.PathLike):
        p = Path(path_or_text)
        return _read_text(p), str(p), p.stem
    if isinstance(path_or_text, str):
        # Instance text always has several lines; a single line is taken to be a path.
        if "\n" in path_or_text or "\r" in path_or_text:
            return path_or_text, "<text>", None
        p = Path(path_or_text)
        if not p.is_file():
            raise FileNotFoundError(f"Curtois instance file not found: {path_or_text!r}")
        return _read_text(p), str(p), p.stem
    raise TypeError(f"parse_instance expects a path or the instance text, got {type(path_or_text).__name__}")


def _split_sections(text: str, source: str) -> dict[str, _Section]:
    # Normalise CRLF / CR to LF before anything else (FORMAT.md §1).
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    for no, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            current = None  # a blank line ends the section
            continue
        if line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            name = line[len("SECTION_"):]
            if name not in SECTION_NAMES:
                raise CurtoisFormatError(
                    f"unknown section header {line!r} (expected one of "
                    f"{', '.join('SECTION_' + n for n in SECTION_NAMES)})", line=no, source=source)
            if name in sections:
                raise CurtoisFormatError(
                    f"duplicate section {line!r} (first at line {sections[name].header_line})",
                    line=no, source=source)
            current = sections[name] = _Section(name, no, [])
            continue
        if current is None:
            raise CurtoisFormatError(f"data line outside any section: {line!r}", line=no, source=source)
        current.lines.append(_Line(no, [f.strip() for f in line.split(",")], line))
    for name in _REQUIRED_SECTIONS:
        if name not in sections:
            raise CurtoisFormatError(f"missing required section SECTION_{name}", source=source)
    return sections


class _Parser:
    def __init__(self, sections: dict[str, _Section], source: str) -> None:
        self.sections = sections
        self.source = source
        self.horizon = 0
        self.shift_ids: set[str] = set()
        self.staff_ids: set[str] = set()

    # Helpers -------------------------------------------------------------------------
    def err(self, msg: str, line: _Line | int | None, section: str) -> CurtoisFormatError:
        no = line.no if isinstance(line, _Line) else line
        return CurtoisFormatError(msg, line=no, source=self.source, section=section)

    def lines(self, name: str) -> list[_Line]:
        sec = self.sections.get(name)
        return sec.lines if sec else []

    def int_field(self, value: str, what: str, line: _Line, section: str, *, minimum: int = 0) -> int:
        try:
            n = int(value)
        except ValueError:
            raise self.err(f"{what} must be an integer, got {value!r}", line, section) from None
        if n < minimum:
            raise self.err(f"{what} must be >= {minimum}, got {n}", line, section)
        return n

    def n_fields(self, line: _Line, n: int, section: str, columns: str) -> None:
        if len(line.fields) != n:
            raise self.err(f"expected {n} comma-separated fields ({columns}), got {len(line.fields)}: "
                           f"{line.raw!r}", line, section)

    def id_field(self, value: str, what: str, line: _Line, section: str) -> str:
        if not value:
            raise self.err(f"empty {what}", line, section)
        return value

    def day_field(self, value: str, line: _Line, section: str) -> int:
        day = self.int_field(value, "day", line, section)
        if day >= self.horizon:
            raise self.err(f"day {day} is outside the horizon 0..{self.horizon - 1}", line, section)
        return day

    def known_staff(self, sid: str, line: _Line, section: str) -> str:
        if sid not in self.staff_ids:
            raise self.err(f"unknown employee id {sid!r}", line, section)
        return sid

    def known_shift(self, tid: str, line: _Line, section: str) -> str:
        if tid not in self.shift_ids:
            raise self.err(f"unknown shift id {tid!r}", line, section)
        return tid

    # Sections ------------------------------------------------------------------------
    def parse_horizon(self) -> int:
        sec = self.sections["HORIZON"]
        if len(sec.lines) != 1 or len(sec.lines[0].fields) != 1:
            got = (f"{len(sec.lines)} data line(s)" if len(sec.lines) != 1
                   else f"{len(sec.lines[0].fields)} fields ({sec.lines[0].raw.strip()!r})")
            raise self.err(f"expected exactly one line holding the number of days, got {got}",
                           sec.lines[0] if sec.lines else sec.header_line, "HORIZON")
        self.horizon = self.int_field(sec.lines[0].fields[0], "horizon length", sec.lines[0], "HORIZON",
                                      minimum=1)
        return self.horizon

    def parse_shifts(self) -> tuple[Shift, ...]:
        S = "SHIFTS"
        raw: list[tuple[_Line, str, int, list[str]]] = []
        for ln in self.lines(S):
            self.n_fields(ln, 3, S, "ShiftID, LengthMinutes, ForbiddenNext")
            sid = self.id_field(ln.fields[0], "shift id", ln, S)
            if sid in self.shift_ids:
                raise self.err(f"duplicate shift id {sid!r}", ln, S)
            self.shift_ids.add(sid)
            length = self.int_field(ln.fields[1], "shift length (minutes)", ln, S, minimum=1)
            forbidden = [f.strip() for f in ln.fields[2].split("|") if f.strip()]
            raw.append((ln, sid, length, forbidden))
        if not raw:
            raise self.err("no shifts defined", self.sections[S].header_line, S)
        shifts = []
        for ln, sid, length, forbidden in raw:
            for f in forbidden:
                self.known_shift(f, ln, S)
            shifts.append(Shift(sid, length, tuple(dict.fromkeys(forbidden))))
        return tuple(shifts)

    def parse_staff(self) -> tuple[Staff, ...]:
        S = "STAFF"
        staff = []
        cols = ("ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, "
                "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends")
        for ln in self.lines(S):
            self.n_fields(ln, 8, S, cols)
            sid = self.id_field(ln.fields[0], "employee id", ln, S)
            if sid in self.staff_ids:
                raise self.err(f"duplicate employee id {sid!r}", ln, S)
            self.staff_ids.add(sid)
            max_shifts: dict[str, int] = {}
            for item in (x.strip() for x in ln.fields[1].split("|")):
                if not item:
                    continue
                tid, eq, val = item.partition("=")
                if not eq:
                    raise self.err(f"MaxShifts entry {item!r} is not of the form ShiftID=int", ln, S)
                tid = self.known_shift(tid.strip(), ln, S)
                if tid in max_shifts:
                    raise self.err(f"shift {tid!r} appears twice in MaxShifts", ln, S)
                max_shifts[tid] = self.int_field(val.strip(), f"MaxShifts[{tid}]", ln, S)
            ints = [self.int_field(v, name, ln, S) for v, name in zip(ln.fields[2:], cols.split(", ")[2:])]
            max_min, min_min, max_cons, min_cons, min_off, max_wkd = ints
            if min_min > max_min:
                raise self.err(f"MinTotalMinutes {min_min} exceeds MaxTotalMinutes {max_min}", ln, S)
            staff.append(Staff(sid, max_shifts, max_min, min_min, max_cons, min_cons, min_off, max_wkd))
        if not staff:
            raise self.err("no staff defined", self.sections[S].header_line, S)
        return tuple(staff)

    def parse_days_off(self) -> dict[str, tuple[int, ...]]:
        S = "DAYS_OFF"
        days: dict[str, list[int]] = {}
        for ln in self.lines(S):
            if len(ln.fields) < 2:
                raise self.err(f"expected EmployeeID followed by at least one day, got {ln.raw!r}", ln, S)
            sid = self.known_staff(ln.fields[0], ln, S)
            lst = days.setdefault(sid, [])
            for v in ln.fields[1:]:
                if v == "":  # tolerate a trailing comma
                    continue
                lst.append(self.day_field(v, ln, S))
        return {sid: tuple(sorted(set(d))) for sid, d in days.items()}

    def parse_requests(self, S: str) -> tuple[ShiftRequest, ...]:
        out = []
        for ln in self.lines(S):
            self.n_fields(ln, 4, S, "EmployeeID, Day, ShiftID, Weight")
            sid = self.known_staff(ln.fields[0], ln, S)
            day = self.day_field(ln.fields[1], ln, S)
            tid = self.known_shift(ln.fields[2], ln, S)
            weight = self.int_field(ln.fields[3], "weight", ln, S)
            out.append(ShiftRequest(sid, day, tid, weight))
        return tuple(out)

    def parse_cover(self) -> tuple[CoverRequirement, ...]:
        S = "COVER"
        out = []
        seen: dict[tuple[int, str], int] = {}
        for ln in self.lines(S):
            self.n_fields(ln, 5, S, "Day, ShiftID, Requirement, WeightUnder, WeightOver")
            day = self.day_field(ln.fields[0], ln, S)
            tid = self.known_shift(ln.fields[1], ln, S)
            if (day, tid) in seen:
                raise self.err(f"second cover row for day {day}, shift {tid!r} (first at line "
                               f"{seen[(day, tid)]})", ln, S)
            seen[(day, tid)] = ln.no
            req = self.int_field(ln.fields[2], "requirement", ln, S)
            wu = self.int_field(ln.fields[3], "weight for under", ln, S)
            wo = self.int_field(ln.fields[4], "weight for over", ln, S)
            out.append(CoverRequirement(day, tid, req, wu, wo))
        return tuple(out)


def parse_instance(path_or_text: str | os.PathLike[str] | bytes) -> CurtoisInstance:
    """Parse a Curtois & Qu instance.

    ``path_or_text`` is a path (``str`` without a newline, or ``os.PathLike``) or the
    file's text itself (a ``str`` containing a newline, or ``bytes``).  CRLF, LF and CR
    line endings are all accepted.  Sections are recognised by their header, in any
    order; HORIZON, SHIFTS, STAFF and COVER are required, the others default to empty.
    Raises :class:`CurtoisFormatError` (a ``ValueError``) with the line number on
    malformed input.
    """
    text, source, name = _read_source(path_or_text)
    sections = _split_sections(text, source)
    p = _Parser(sections, source)
    horizon = p.parse_horizon()
    shifts = p.parse_shifts()
    staff = p.parse_staff()
    return CurtoisInstance(
        horizon=horizon,
        shifts=shifts,
        staff=staff,
        days_off=p.parse_days_off(),
        shift_on_requests=p.parse_requests("SHIFT_ON_REQUESTS"),
        shift_off_requests=p.parse_requests("SHIFT_OFF_REQUESTS"),
        cover=p.parse_cover(),
        name=name,
    )


def iter_instance_files(directory: str | os.PathLike[str]) -> Iterable[Path]:
    """Instance*.txt files of a directory, in numeric order (Instance1, Instance2, ..., Instance24)."""
    def key(p: Path) -> tuple[int, str]:
        digits = "".join(ch for ch in p.stem if ch.isdigit())
        return (int(digits) if digits else 0, p.name)
    return sorted(Path(directory).glob("Instance*.txt"), key=key)
