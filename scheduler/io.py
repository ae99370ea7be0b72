"""Reading and writing the planner's files (see docs/contracts.md).

Readers are strict and helpful: every problem found is reported with file, row (1-based, header =
row 1) and column, all at once, as one :class:`InputError`. Writers are atomic: a file is written to
a temporary name in the same folder and renamed, so a failed run never leaves half a file.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
import unicodedata
import warnings
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

import pandas as pd

from .config import load_centre, parse_hhmm
from .domain import (FIRST_YEAR, LAST_YEAR, MAX_AHT_SECONDS, MAX_WEIGHT, Centre, Employee, Horizon, Preference, QueueAssignment, Roster,
                     ShiftAssignment, Staff, TimeOff, plausible_date)
from .errors import InputError, InputProblem, unlisted, warn_input

MAX_PROBLEMS = 50  # beyond this, more lines help nobody
# The longest handle time we believe (4 hours): 1e9 s once sized 1.5 million agents without a word.
# Call-centre exports carry a few handle times no interval can have where contacts were offered:
# 0 s (every contact abandoned, or the time not recorded) and averages of hours (a stuck call).
# Up to this share of the rows with contacts they are read as unknown, with a warning (a real
# bank's history: 96 of 77,760 rows, refused outright before); more mean the column holds
# something else (milliseconds, a total) and stay an error by row.
MAX_IMPOSSIBLE_AHT_SHARE = 0.02
# Zeros are no unit slip (milliseconds or a total make times too long, never 0): a real bank's
# call-back queue had 0 s on 2.6 % of its rows (76, handle time not recorded) and the whole
# history was refused. Up to this share per queue they are read as unknown; beyond it the column
# does not hold that queue's handle times.
MAX_ZERO_AHT_SHARE = 0.5
# The most contacts in one interval of one queue we believe: 1e9 ended in 'the service target
# needs more than 10,000,000 agents', naming no file or row.
MAX_CONTACTS = 1_000_000


# --------------------------------------------------------------------------------------------
# Low-level table reading
# --------------------------------------------------------------------------------------------
MAX_INPUT_MB = 500     # far above 2 years x 5 queues x 15-minute history (~15 MB); keeps memory bounded
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")   # Excel's "Unicode text" export


def _not_text(raw: bytes) -> str | None:
    """Why these bytes are not a CSV text file, or None if they look like text."""
    if raw[:4] == b"PK\x03\x04":
        return "this is an Excel workbook or a zip archive, not CSV text; save it as CSV (UTF-8)"
    head = raw[:4096]
    if raw[:2] in _UTF16_BOMS:
        return None                        # UTF-16 text, decoded by _decode
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if head and (b"\x00" in head or controls / len(head) > 0.05):
        return "binary content, not CSV text (an image, a spreadsheet or a database file?); export it as CSV"
    return None


def _decode(raw: bytes, label: str = "the file") -> str:
    if raw[:2] in _UTF16_BOMS:
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")     # tolerate the BOM Excel writes
    except UnicodeDecodeError:
        pass
    # Legacy exports are Latin-1 (every byte is valid). Line by line: a UTF-8 file with rows
    # appended by an older tool had every name read as Latin-1 ('José' became 'JosÃ©').
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines, latin, utf8 = [], [], False
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
            utf8 = utf8 or not line.isascii()
        except UnicodeDecodeError:
            lines.append(line.decode("latin-1"))
            latin.append(number)
    if utf8 and latin:
        shown = ", ".join(map(str, latin[:5])) + (" ..." if len(latin) > 5 else "")
        warn_input(InputProblem(label, f"mixes encodings: line(s) {shown} are not UTF-8 like the rest and were "
                                       "read as Latin-1; check their names and save the file as UTF-8", latin[0]))
    return "\n".join(lines)


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


class Table:
    """A CSV file read as strings, with row numbers kept for error messages."""

    def __init__(self, path: Path, frame: pd.DataFrame, label: str, decimal_comma: bool = False):
        self.path = path
        self.frame = frame
        self.label = label
        self.decimal_comma = decimal_comma  # ';'-separated files may write 200,5 for 200.5
        self.problems: list[InputProblem] = []
        self.unlisted = 0                   # problems beyond MAX_PROBLEMS, counted not listed
        self.lines: list[int] | None = None  # line of each row, where a quoted value spans lines

    def row(self, index: int) -> int:
        """The line row `index` starts on, as an editor shows it (the header is line 1)."""
        if self.lines is not None and 0 <= int(index) < len(self.lines):
            return self.lines[int(index)]
        return int(index) + 2

    def problem(self, index: int | None, column: str | None, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(InputProblem(self.label, message, None if index is None else self.row(index), column))
        else:
            self.unlisted += 1

    def raise_if_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems + unlisted(self.label, self.unlisted))

    # Column parsers: return a Series (NaN/None where bad) and record problems.
    def parsed(self, column: str) -> pd.Series:
        """The column's cells as numbers (NaN where not one), decimal commas read where allowed."""
        raw = self.frame[column]
        text = raw.str.replace(",", ".", regex=False) if self.decimal_comma else raw
        return pd.to_numeric(text, errors="coerce")

    def numbers(self, column: str, *, minimum: float | None = None, strictly: bool = False,
                allow_empty: bool = False, integer: bool = False, expect: str = "",
                maximum: float | None = None) -> pd.Series:
        raw = self.frame[column]
        values = self.parsed(column)
        empty = raw.isna() | (raw.str.strip() == "")
        bad = values.isna() & ~empty
        if not allow_empty:
            bad |= empty
        bad |= values.notna() & ~values.map(lambda v: math.isfinite(v) if v == v else True)
        for idx in raw.index[bad]:
            shown = raw[idx] if isinstance(raw[idx], str) and raw[idx].strip() else "nothing"
            # (A tab-separated 'Unicode text' export of a decimal-comma spreadsheet writes 8,0.)
            comma = " (a decimal comma is read only in ';'-separated files)" \
                if re.fullmatch(r"\s*-?\d+,\d+\s*", str(raw[idx])) else ""
            self.problem(idx, column, f"expected {expect or 'a number'}, got {shown!r}{comma}" if shown != "nothing" else f"expected {expect or 'a number'}, got an empty cell")
        if minimum is not None:
            low = values < minimum if not strictly else values <= minimum
            for idx in raw.index[low.fillna(False)]:
                self.problem(idx, column, f"expected {expect or ('a number > ' if strictly else 'a number >= ') + str(minimum)}, got {raw[idx]}")
        if maximum is not None:
            # (Beyond it the solver's integer arithmetic overflows: say so here, by row.)
            for idx in raw.index[(values > maximum).fillna(False)]:
                self.problem(idx, column, f"expected {expect or 'a number'} up to {maximum:g}, got {raw[idx]}")
        if integer:
            frac = values.notna() & (values != values.round())
            for idx in raw.index[frac]:
                self.problem(idx, column, f"expected a whole number, got {raw[idx]}")
        return values

    def timestamps(self, column: str) -> pd.Series:
        raw = self.frame[column].str.strip()
        zoned = raw.str.match(rf".*{TIME_ZONE_OFFSET.pattern}")
        first_zoned, first_plain = raw.index[zoned], raw.index[~zoned & (raw != "")]
        if len(first_zoned) and len(first_plain):
            self.problem(first_zoned[0], column, f"{raw[first_zoned[0]]!r} has a time-zone offset but row "
                                                 f"{self.row(first_plain[0])} ({raw[first_plain[0]]!r}) has none; "
                                                 "give every timestamp in local time, or every one with its offset")
            self.raise_if_problems()
        if len(first_zoned):
            # Every timestamp with its offset: the time written is the local clock time (the
            # offset changes when the clocks do, +01:00 in summer and +00:00 in winter), which is
            # what the centre plans in. 'Z' says UTC: only right for a centre that keeps UTC.
            if raw.str.endswith("Z").any():
                warn_input(InputProblem(self.label, "timestamps end in 'Z' (UTC): read as the centre's local clock "
                                                    "time; export them in local time if the centre is elsewhere",
                                        column=column))
            raw = raw.str.replace(TIME_ZONE_OFFSET.pattern, r"\1", regex=True)
        values = pd.to_datetime(raw, errors="coerce", format="ISO8601")
        # A date and a time of day, both: '13:30' alone was read as today's date (a break 124 h
        # after its shift) and '2024-11-25' alone as midnight (a day's contacts in one interval).
        partial = (raw != "") & ~raw.str.match(DATE_TIME.pattern)
        values[partial] = pd.NaT
        bad = raw.index[values.isna()]
        # A day-first export (a German or French spreadsheet: 30.11.2026 08:00, 30/11/2026 08:00)
        # is said once, with the fix, before its rows (2,843 row lines said only 'expected').
        day_first = raw[bad].str.match(r"^\d{1,2}[./-]\d{1,2}[./-]\d{4}[ T]\d{1,2}:\d{2}")
        if len(bad) and day_first.mean() > 0.5:
            self.problem(None, column, f"the date-times are written day first ({raw[bad[0]]!r}): write them as "
                                       "YYYY-MM-DD HH:MM (2026-11-30 08:00); a day-first date is ambiguous "
                                       "(01/02 is the 1st of February or the 2nd of January)")
        for idx in bad:
            self.problem(idx, column, f"expected a date-time like 2026-11-30 08:00, got {raw[idx]!r}")
        return values

    def dates(self, column: str, plausible: bool = False) -> list[date | None]:
        """``plausible``: only years FIRST_YEAR..LAST_YEAR (a roster's days; time off may run to HR's
        open end, 9999-12-31)."""
        out = []
        for idx, text in self.frame[column].items():
            try:
                day = date.fromisoformat(str(text).strip())
            except ValueError:
                self.problem(idx, column, f"expected a date YYYY-MM-DD, got {text!r}")
                out.append(None)
                continue
            if plausible and not plausible_date(day):
                self.problem(idx, column, f"expected a date in the years {FIRST_YEAR}-{LAST_YEAR}, got {text!r}")
                day = None
            out.append(day)
        return out


# A date and a time of day, ISO order (2026-11-30 08:00, 2026-11-30T08:00:00+01:00).
DATE_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}")
# A time-zone offset after a time of day: Z, +01:00, +0100 or +01 (ISO 8601 allows hours alone;
# '+01' once reached pandas and ended every command in an internal error). After a time only, so a
# date's '-02' is never taken for one.
# Group 1 is the time it follows, kept: seconds and all (they were once dropped with the offset).
TIME_ZONE_OFFSET = re.compile(r"(\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(?:Z|[+-]\d\d(?::?\d\d)?)$")


def date_time(text) -> datetime | None:
    """One date-time cell, or None unless it has both a date and a time; a time-zone offset is
    dropped, the local clock time kept, as Table.timestamps does (a roster written with '+01:00'
    once mixed such breaks with plain shift times: an internal error)."""
    text = TIME_ZONE_OFFSET.sub(r"\1", str(text).strip())
    if not DATE_TIME.match(text):
        return None
    value = pd.to_datetime(text, errors="coerce", format="ISO8601")
    return None if pd.isna(value) else value.to_pydatetime()


_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday_number(text: str) -> int | None:
    """0 (Monday) .. 6 for 'mon', 'Tues', 'wednesday' (a name or its start, at least three
    letters); None otherwise - 'monkey' once passed as Monday."""
    t = text.strip().lower()
    if len(t) < 3:
        return None
    for i, full in enumerate(_WEEKDAY_NAMES):
        if full.startswith(t):
            return i
    return None


def one_shift_at_a_time(rows, label: str) -> list[InputProblem]:
    """A published roster's rows (``read_roster_rows``) as people can work them: one shift per
    employee and day, none starting before the one before it ends."""
    problems = []
    by_employee: dict[str, list] = {}
    for r in rows:
        by_employee.setdefault(r.shift.employee_id, []).append(r)
    for own in by_employee.values():
        own.sort(key=lambda r: r.shift.start)
        for a, b in zip(own, own[1:]):
            if a.shift.day == b.shift.day:
                problems.append(InputProblem(label, f"a second shift for {b.shift.employee_id} on {b.shift.day} "
                                                    f"(row {a.row} has one)", b.row, "date"))
            elif b.shift.start < a.shift.end:
                problems.append(InputProblem(label, f"{b.shift.employee_id}'s shift starts {b.shift.start:%a %H:%M}, "
                                                    f"before the one of row {a.row} ends", b.row, "start"))
    return problems


def present(path: str | Path) -> bool:
    """Whether an optional file (time off, wishes, last week's roster) is given. A link to a file
    that is not there is an error, not an absent file: approved leave behind a broken link was
    dropped without a word."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise InputError(InputProblem(str(path), f"a link to {os.readlink(path)}, which does not exist (or links "
                                                 "in a loop); fix the link or remove it"))
    return path.exists()


def read_table(path: str | Path, required: Iterable[str], optional: Iterable[str] = (),
               label: str | None = None, rows_required: bool = True) -> Table:
    """`rows_required`: a header with no rows is an error (False for lists that may be empty this
    week: time off, wishes)."""
    path = Path(path)
    label = label or path.name
    if not path.exists():
        raise InputError(InputProblem(str(path), "file not found"))
    if path.is_dir():
        raise InputError(InputProblem(str(path), "is a folder; expected a CSV file"))
    if not path.is_file():
        # (A named pipe as time_off.csv made `plan` wait for ever.)
        raise InputError(InputProblem(str(path), "is not a regular file (a pipe or device?); expected a CSV file"))
    size_mb = path.stat().st_size / 1e6
    if size_mb > MAX_INPUT_MB:
        raise InputError(InputProblem(label, f"the file is {size_mb:,.0f} MB; the limit is {MAX_INPUT_MB} MB "
                                             "(keep two years of history or split it by queue)"))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(InputProblem(str(path), f"cannot be read ({exc.strerror or exc})")) from None
    why = _not_text(raw)
    if why:
        raise InputError(InputProblem(label, why, 1))
    # NFC: 'crédit' typed on one machine and exported from another (decomposed, as macOS writes
    # it) look the same and were refused as an unknown queue naming itself.
    text = unicodedata.normalize("NFC", _decode(raw, label).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
    if not text.strip():
        raise InputError(InputProblem(label, f"the file is empty; expected a header row with {', '.join(required)}", 1))
    header = text.splitlines()[0]
    sep = _sniff_separator(header)
    # Rows wider than the header would be silently truncated by pandas: refuse them by row.
    wide = []
    # The line each record starts on: a quoted value may hold a line break, and a record is then
    # not a line (a bad value on line 5 was reported as row 4).
    starts: list[int] = []
    try:
        width = len(next(csv.reader([header], delimiter=sep)))
        # (As pandas reads it: a space before a quote, '1, "Ann<newline>Lee"', opens the quote.)
        reader = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
        line = 1
        for row in reader:
            starts.append(line)
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                wide.append(InputProblem(label, f"{len(row)} fields but the header has {width} "
                                                f"(a separator inside a value? quote it)", line))
                if len(wide) >= MAX_PROBLEMS:
                    break
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(InputProblem(label, f"not a readable CSV table: {exc}")) from None
    if wide:
        raise InputError(wide)
    try:
        with warnings.catch_warnings():
            # Extra *empty* trailing fields (checked above) are harmless: don't warn about them.
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            # Blank lines are read (as empty rows) and dropped below, so each row keeps the index
            # of its line in the file: row numbers in messages are the lines an editor shows.
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                na_values=[], skip_blank_lines=False, skipinitialspace=True, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise InputError(InputProblem(label, f"not a readable CSV table: {exc}")) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.apply(lambda s: s.str.strip())
    # A line of nothing but separators (',,,' after a spreadsheet's last row) is a blank line.
    frame = frame[~(frame == "").all(axis=1)] if len(frame.columns) else frame
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError([InputProblem(label, f"missing required column (found: {', '.join(frame.columns)})", 1, c)
                          for c in missing])
    # From the header as written: pandas renames an exact duplicate ('max_hours.1'), and the
    # first column then won silently.
    names = [c.strip().lower() for c in next(csv.reader([header], delimiter=sep))]
    dup = [c for c in names if c and names.count(c) > 1] or [c for c in frame.columns if list(frame.columns).count(c) > 1]
    if dup:
        raise InputError(InputProblem(label, "duplicate column", 1, dup[0]))
    for c in optional:
        if c not in frame.columns:
            frame[c] = ""
    if frame.empty and rows_required:
        raise InputError(InputProblem(label, "the file has a header but no data rows", 2))
    table = Table(path, frame, label, decimal_comma=sep == ";")   # (',' cannot separate fields there)
    if len(starts) > 1 and starts[-1] != len(starts):
        table.lines = starts[1:]
    return table


# --------------------------------------------------------------------------------------------
# History, forecast, requirements
# --------------------------------------------------------------------------------------------
def read_history(path: str | Path, queues: Iterable[str] | None = None, label: str | None = None) -> pd.DataFrame:
    """history.csv -> DataFrame(timestamp, queue, contacts, aht_seconds)."""
    t = read_table(path, ["timestamp", "queue", "contacts"], ["aht_seconds"], label)
    f = t.frame
    ts = t.timestamps("timestamp")
    contacts = t.numbers("contacts", minimum=0, maximum=MAX_CONTACTS, expect="a number of contacts >= 0")
    # The handle time of no contacts means nothing: exports write 0, NA or NaN there as often as
    # nothing, and all of them are read as empty.
    f.loc[contacts == 0, "aht_seconds"] = ""
    _unknown_if_few_impossible(t, contacts)
    aht = t.numbers("aht_seconds", minimum=0, strictly=True, allow_empty=True, maximum=MAX_AHT_SECONDS,
                    expect="handle time in seconds > 0")
    _check_queues(t, queues)
    keys = pd.DataFrame({"t": ts, "q": f["queue"]})
    repeated = _repeated_clock_hour(keys[ts.notna()])
    dup = ts.notna() & keys.duplicated(keep="first") & ~ts.isin(repeated)
    for idx in f.index[dup]:
        t.problem(idx, "timestamp", f"duplicate timestamp {f['timestamp'][idx]} for queue {f['queue'][idx]!r} "
                                    "(a timestamp may repeat only in the hour the clocks go back)")
    t.raise_if_problems()
    if repeated:
        days = sorted({m.date().isoformat() for m in repeated})
        warn_input(InputProblem(t.label, f"timestamps repeated within one night-time hour on {', '.join(days)}: read "
                                         "as the hour the clocks go back, and the two intervals are added together",
                                column="timestamp"))
    # Only zeros forecast zero demand: the plan then rosters for nothing and still validates.
    if (contacts == 0).all():
        raise InputError(InputProblem(t.label, "every contact count is 0 (every queue, the whole history): nothing "
                                               "to forecast from; expected the contacts offered per interval",
                                      column="contacts"))
    for queue, total in contacts.groupby(f["queue"], sort=True).sum().items():
        if total == 0:   # a new or closed queue may be genuinely silent: say so, don't refuse
            warn_input(InputProblem(t.label, f"queue {queue!r} has no contacts in the whole history (every count "
                                             "is 0): it will be forecast - and staffed - at zero", column="contacts"))
    raw = f["contacts"].astype(str).str.strip()
    fractional = raw.str.contains(r"[.,]\d*[1-9]", regex=True)
    grouped = raw.str.fullmatch(r"\d{1,3}(?:[.,]\d{3})+")
    # Only in a ';' file (a ',' file cannot write '1,013' unquoted), and not where a count like
    # '1234.000' shows the point is a decimal one.
    if t.decimal_comma and grouped.any() and (grouped | ~fractional).all() and \
            not raw.str.match(r"\d{4,}[.,]").any():
        # (Accepted: a ';' export's '1.013' - a thousand and thirteen calls - is read as 1.013.)
        first = raw[grouped].iloc[0]
        warn_input(InputProblem(t.label, f"contact counts like {first!r} ({int(grouped.sum())} rows) have exactly three "
                                         "decimals: if that is a thousands separator, they are read "
                                         f"{float(first.replace(',', '.')):g} contacts, not "
                                         f"{int(first.replace('.', '').replace(',', '')):,}; export counts without one",
                                row=t.row(f.index[grouped][0]), column="contacts"))
    known = (contacts > 0) & aht.notna()
    for queue, median in aht[known].groupby(f["queue"][known], sort=True).median().items():
        if median < MIN_PLAUSIBLE_AHT_SECONDS:
            # (Accepted: '1.200' in a ';' file with no decimal comma to tell it by is 1.2 s, and
            # a column in minutes reads as seconds - staffing a tenth of the queue, in silence.)
            warn_input(InputProblem(t.label, f"queue {queue!r}: the handle times' median is {median:g} s, where a "
                                             "call takes minutes: are they in minutes, or is a thousands separator "
                                             "read as a decimal point ('1.200' as 1.2)? They are read as seconds",
                                    column="aht_seconds"))
    out = pd.DataFrame({"timestamp": ts, "queue": f["queue"], "contacts": contacts.astype(float),
                        "aht_seconds": aht.astype(float)})
    return out.sort_values(["queue", "timestamp"], kind="stable").reset_index(drop=True)


# A queue whose handle times have a median below this is warned about (a unit or separator slip).
MIN_PLAUSIBLE_AHT_SECONDS = 10.0


def _unknown_if_few_impossible(t: "Table", contacts: pd.Series) -> None:
    """Blank the handle times of 0 s or beyond MAX_AHT_SECONDS on rows with contacts when they are
    at most MAX_IMPOSSIBLE_AHT_SHARE of those rows in every queue (see there; per queue, or a small
    queue written in milliseconds would lose all its handle times to a big one's rows), and say
    which rows. Otherwise leave them to the row-by-row checks."""
    raw = t.frame["aht_seconds"]
    values = t.parsed("aht_seconds")
    offered = (contacts > 0).fillna(False)
    zero = offered & (values == 0).fillna(False)
    too_long = offered & ((values > MAX_AHT_SECONDS) & (values < math.inf)).fillna(False)
    impossible = zero | too_long
    n = int(impossible.sum())
    if n == 0:
        return
    queue = t.frame["queue"]
    per_queue = pd.DataFrame({"zero": zero, "long": too_long, "offered": offered}).groupby(queue).sum()
    many_long = per_queue["long"] > MAX_IMPOSSIBLE_AHT_SHARE * per_queue["offered"]
    many_zero = per_queue["zero"] > MAX_ZERO_AHT_SHARE * per_queue["offered"]
    if many_long.any() or many_zero.any():
        # Said per queue before the rows, which alone did not say why these were refused.
        for q, r in per_queue[many_long | many_zero].iterrows():
            what = (f"{int(r['long'])} above {MAX_AHT_SECONDS:,} s ({r['long'] / r['offered']:.1%}; up to "
                    f"{MAX_IMPOSSIBLE_AHT_SHARE:.0%} are read as unknown, more look like another unit)"
                    if many_long[q] else
                    f"{int(r['zero'])} of 0 s ({r['zero'] / r['offered']:.1%}; up to {MAX_ZERO_AHT_SHARE:.0%} are "
                    "read as unknown, more mean the column is not this queue's handle time)")
            t.problem(None, "aht_seconds", f"queue {q!r}: of {int(r['offered']):,} rows with contacts, {what}")
        return
    rows = [t.row(i) for i in raw.index[impossible]]
    shown = ", ".join(str(r) for r in rows[:10]) + (f" and {n - 10} more" if n > 10 else "")
    zeros, long = int(zero.sum()), int(too_long.sum())
    kinds = " and ".join(k for k in (f"{zeros} of 0 s" if zeros else "", f"{long} above {MAX_AHT_SECONDS:,} s"
                                     if long else "") if k)
    shares = "; ".join(f"queue {q!r} {int(r['zero'] + r['long'])} of {int(r['offered']):,}"
                       for q, r in per_queue.iterrows() if r["zero"] + r["long"] > MAX_IMPOSSIBLE_AHT_SHARE * r["offered"])
    t.frame.loc[impossible, "aht_seconds"] = ""
    warn_input(InputProblem(t.label, f"{n} handle time(s) where contacts were offered cannot be right ({kinds}; "
                                     f"rows {shown}{'; ' + shares if shares else ''}): read as unknown - the forecast "
                                     "takes those intervals' handle time from the others", column="aht_seconds"))


def _repeated_clock_hour(keys: pd.DataFrame) -> set:
    """The duplicated timestamps of a local-time history that are the hour the clocks go back:
    on each day with duplicates, every one lies within one hour of the clock between midnight and
    04:00, and none appears more than twice per queue. Elsewhere a duplicate is an export error."""
    counts = keys.groupby(["t", "q"]).size()
    twice = counts[counts > 1]
    if twice.empty:
        return set()
    stamps = pd.Series(sorted({m for m, _ in twice.index}))
    out = set()
    for _, day in stamps.groupby(stamps.dt.date):
        ok = ((twice.loc[list(day)] == 2).all() and day.max() - day.min() < pd.Timedelta(hours=1)
              and day.dt.hour.max() < 4)
        if ok:
            out.update(day)
    return out


def read_forecast(path: str | Path, queues: Iterable[str] | None = None, label: str | None = None) -> pd.DataFrame:
    cols = ["contacts_lo80", "contacts_hi80", "contacts_lo95", "contacts_hi95", "aht_seconds"]
    t = read_table(path, ["timestamp", "queue", "contacts"], cols, label)
    out = pd.DataFrame({"timestamp": t.timestamps("timestamp"), "queue": t.frame["queue"],
                        "contacts": t.numbers("contacts", minimum=0, maximum=MAX_CONTACTS,
                                              expect="a number of contacts >= 0")})
    for c in cols[:-1]:
        out[c] = t.numbers(c, minimum=0, allow_empty=True, expect=f"{c} >= 0")
    out["aht_seconds"] = t.numbers("aht_seconds", minimum=0, strictly=True, allow_empty=True, maximum=MAX_AHT_SECONDS,
                                   expect="handle time in seconds > 0")
    _check_queues(t, queues)
    dup = out["timestamp"].notna() & out.duplicated(["timestamp", "queue"])
    for idx in out.index[dup]:
        t.problem(idx, "timestamp", f"duplicate timestamp for queue {out['queue'][idx]!r}")
    t.raise_if_problems()
    return out


def read_requirements(path: str | Path, queues: Iterable[str] | None = None, label: str | None = None) -> pd.DataFrame:
    t = read_table(path, ["timestamp", "queue", "agents"], ["staff"], label)
    out = pd.DataFrame({"timestamp": t.timestamps("timestamp"), "queue": t.frame["queue"],
                        "agents": t.numbers("agents", minimum=0, integer=True, expect="a whole number of agents >= 0")})
    staff = t.numbers("staff", minimum=0, integer=True, allow_empty=True, expect="a whole number of staff >= 0")
    out["staff"] = staff.fillna(out["agents"])
    if {"contacts", "aht_seconds"} <= set(t.frame.columns):
        # The demand behind the numbers, as `plan` writes it: a re-plan values cover by it.
        out["contacts"] = t.numbers("contacts", minimum=0, expect="a number of contacts >= 0").astype(float)
        out["aht_seconds"] = t.numbers("aht_seconds", minimum=0, allow_empty=True, maximum=MAX_AHT_SECONDS,
                                       expect="handle time in seconds >= 0").astype(float)
    _check_queues(t, queues)
    t.raise_if_problems()
    return out


def _check_queues(t: Table, queues: Iterable[str] | None) -> None:
    if queues is None:
        return
    known = set(queues)
    col = t.frame["queue"]
    unknown = col[~col.isin(known)]
    # One line per unknown queue at its first row (a queue the centre does not plan, or a typo),
    # not one per row: another bank's full export may hold thousands of rows of such a queue.
    for name, rows in unknown.groupby(unknown, sort=False):
        more = f" (and {len(rows) - 1} more row(s) of it)" if len(rows) > 1 else ""
        t.problem(rows.index[0], "queue", f"unknown queue {name!r}{more}; expected one of {', '.join(sorted(known))} "
                                          "(add it to centre.toml, or leave its rows out)")


# --------------------------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------------------------
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def read_employees(path: str | Path, centre: Centre, label: str | None = None) -> list[Employee]:
    t = read_table(path, ["employee_id", "name", "skills", "min_hours", "max_hours"],
                   ["contract", "max_days", "nights", "days_off", "earliest_start", "latest_end", "hourly_cost"], label)
    f = t.frame
    min_h = t.numbers("min_hours", minimum=0, maximum=168, expect="weekly hours >= 0")
    max_h = t.numbers("max_hours", minimum=0, strictly=True, maximum=168, expect="weekly hours > 0")
    max_days = t.numbers("max_days", minimum=0, allow_empty=True, integer=True, expect="a whole number of days 0..7")
    cost = t.numbers("hourly_cost", minimum=0, allow_empty=True, maximum=MAX_WEIGHT, expect="a cost >= 0")
    queues = set(centre.queue_ids)
    employees: list[Employee] = []
    seen: set[str] = set()
    for idx, r in f.iterrows():
        eid = r["employee_id"]
        if not eid:
            t.problem(idx, "employee_id", "expected an employee id, got an empty cell")
        elif eid in seen:
            t.problem(idx, "employee_id", f"duplicate employee id {eid!r}")
        seen.add(eid)
        skills = [s.strip() for s in r["skills"].split(";") if s.strip()]
        if not skills:
            t.problem(idx, "skills", "expected at least one skill (queue ids separated by ';')")
        for s in skills:
            if s not in queues:
                t.problem(idx, "skills", f"unknown skill {s!r}; expected queue ids from centre.toml: {', '.join(sorted(queues))}")
        if not math.isnan(min_h[idx]) and not math.isnan(max_h[idx]) and min_h[idx] > max_h[idx]:
            t.problem(idx, "min_hours", f"min_hours {r['min_hours']} is above max_hours {r['max_hours']}")
        if not math.isnan(max_days[idx]) and max_days[idx] > 7:
            t.problem(idx, "max_days", f"expected a whole number of days 0..7, got {r['max_days']}")
        nights = r["nights"].lower()
        if nights and nights not in _YES | _NO:
            t.problem(idx, "nights", f"expected yes or no, got {r['nights']!r}")
        days_off = set()
        for d in (weekday_number(x) for x in r["days_off"].split(";") if x.strip()):
            if d is not None:
                days_off.add(d)
            else:
                t.problem(idx, "days_off", f"expected weekdays mon..sun separated by ';', got {r['days_off']!r}")
        window = []
        for c in ("earliest_start", "latest_end"):
            try:
                window.append(parse_hhmm(r[c]) if r[c] else None)
            except ValueError as exc:
                t.problem(idx, c, str(exc))
                window.append(None)
        if window[0] is not None and window[1] is not None and window[1] <= window[0]:
            t.problem(idx, "latest_end", f"latest_end {r['latest_end']} is not after earliest_start {r['earliest_start']}")
        if t.problems:
            continue
        employees.append(Employee(
            id=eid, name=r["name"] or eid, skills=frozenset(skills), contract=r["contract"],
            min_hours=float(min_h[idx]), max_hours=float(max_h[idx]),
            max_days=5 if math.isnan(max_days[idx]) else int(max_days[idx]),
            nights=nights not in _NO, fixed_days_off=frozenset(days_off),
            earliest_start=window[0], latest_end=window[1],
            hourly_cost=1.0 if math.isnan(cost[idx]) else float(cost[idx])))
    t.raise_if_problems()
    _warn_untrained_queues(employees, centre, t.label)
    _warn_pool_skills(employees, centre, t.label)
    return employees


def _warn_untrained_queues(employees: list[Employee], centre: Centre, label: str) -> None:
    """A queue nobody is trained for cannot be staffed: all its demand is short, which the plan
    showed as '0 % met' without a word (another bank's centre, a pooled queue whose agents' skills
    named only the host)."""
    trained = set().union(*(e.skills for e in employees)) if employees else set()
    for q in centre.queues:
        if q.id not in trained:
            pooled = f" (staffed with {q.staff_with!r} in centre.toml, but an agent serves it only if trained for " \
                     f"it: add {q.id!r} to the skills of {q.staff_with!r} agents who answer it)" if q.staff_with else ""
            warn_input(InputProblem(label, f"nobody is trained for queue {q.id!r}{pooled}: none of its demand can be "
                                           "covered", column="skills"))


def _warn_pool_skills(employees: list[Employee], centre: Centre, label: str) -> None:
    """A queue staffed with a host (centre.toml `staff_with`) counts its agents toward the host's
    pool, whose Erlang figures assume they answer the host's contacts in between: an agent
    trained for the guest but not the host breaks that, so say who."""
    for guest, host in centre.staffed_with.items():
        lacking = [e.id for e in employees if guest in e.skills and host not in e.skills]
        if lacking:
            more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
            warn_input(InputProblem(label, f"queue {guest!r} is staffed with {host!r} (centre.toml staff_with), but "
                                           f"{', '.join(lacking[:5])}{more} {'is' if len(lacking) == 1 else 'are'} "
                                           f"trained for {guest!r} and not {host!r}: "
                                           f"serving {guest!r} they count toward the pool, yet cannot answer its "
                                           f"{host!r} contacts", column="skills"))


def read_time_off(path: str | Path, employee_ids: Iterable[str], label: str | None = None) -> list[TimeOff]:
    t = read_table(path, ["employee_id", "start_date", "end_date"], ["reason"], label, rows_required=False)
    ids = set(employee_ids)
    starts, ends = t.dates("start_date"), t.dates("end_date")
    out, rows = [], []
    for (idx, r), a, b in zip(t.frame.iterrows(), starts, ends):
        if r["employee_id"] not in ids:
            t.problem(idx, "employee_id", f"unknown employee {r['employee_id']!r} (not in employees.csv)")
        if a and b and b < a:
            t.problem(idx, "end_date", f"end_date {b} is before start_date {a}")
        if a and b:
            out.append(TimeOff(r["employee_id"], a, b, r["reason"]))
            rows.append(idx)   # (rows with a bad date have no entry: keep the row numbers right)
    by_emp: dict[str, list[tuple[int, TimeOff]]] = {}
    for idx, item in zip(rows, out):
        for jdx, other in by_emp.get(item.employee_id, []):
            if item.start <= other.end and other.start <= item.end:
                t.problem(idx, "start_date", f"overlaps the time off on row {t.row(jdx)} for {item.employee_id}")
        by_emp.setdefault(item.employee_id, []).append((idx, item))
    t.raise_if_problems()
    return out


def read_preferences(path: str | Path, employee_ids: Iterable[str], centre: Centre, horizon: Horizon,
                     label: str | None = None) -> list[Preference]:
    """Weekday wishes are expanded to every such day of the horizon."""
    t = read_table(path, ["employee_id", "day", "kind"], ["shift", "weight"], label, rows_required=False)
    ids = set(employee_ids)
    weights = t.numbers("weight", minimum=0, allow_empty=True, maximum=MAX_WEIGHT, expect="a weight >= 0")
    valid_shifts = {"early", "day", "late", "night"} | {s.id for s in centre.shifts} | {s.family for s in centre.shifts}
    out = []
    for idx, r in t.frame.iterrows():
        if r["employee_id"] not in ids:
            t.problem(idx, "employee_id", f"unknown employee {r['employee_id']!r} (not in employees.csv)")
        kind = r["kind"].lower()
        if kind not in ("day_off", "shift_on", "shift_off"):
            t.problem(idx, "kind", f"expected day_off, shift_on or shift_off, got {r['kind']!r}")
        if kind in ("shift_on", "shift_off") and r["shift"] not in valid_shifts:
            t.problem(idx, "shift", f"expected a shift kind (early/day/late/night) or template id, got {r['shift']!r}")
        day_text = r["day"].strip().lower()
        days: list[date] = []
        wd = weekday_number(day_text)
        if wd is not None:
            days = [horizon.day(d) for d in range(horizon.days) if horizon.day(d).weekday() == wd]
        else:
            try:
                days = [date.fromisoformat(day_text)]
            except ValueError:
                t.problem(idx, "day", f"expected a date YYYY-MM-DD or a weekday mon..sun, got {r['day']!r}")
        w = 1.0 if math.isnan(weights[idx]) else float(weights[idx])
        for d in days:
            out.append(Preference(r["employee_id"], d, kind, r["shift"], w))
    t.raise_if_problems()
    return out


# --------------------------------------------------------------------------------------------
# Centre folder
# --------------------------------------------------------------------------------------------
def load_staff(data_dir: str | Path, centre: Centre, horizon: Horizon) -> Staff:
    data_dir = Path(data_dir)
    employees = read_employees(data_dir / "employees.csv", centre)
    ids = [e.id for e in employees]
    time_off = read_time_off(data_dir / "time_off.csv", ids) if present(data_dir / "time_off.csv") else []
    prefs = (read_preferences(data_dir / "preferences.csv", ids, centre, horizon)
             if present(data_dir / "preferences.csv") else [])
    return Staff(tuple(employees), tuple(time_off), tuple(prefs))


def load_centre_dir(data_dir: str | Path) -> Centre:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(InputProblem(str(data_dir), "not a folder; expected a centre folder with centre.toml, history.csv and employees.csv"))
    return load_centre(data_dir / "centre.toml")


# --------------------------------------------------------------------------------------------
# Rosters
# --------------------------------------------------------------------------------------------
ROSTER_COLUMNS = ["employee_id", "name", "date", "shift", "start", "end", "paid_hours", "break_start", "break_end", "main_queue",
                  "left_at"]


def _fmt(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%dT%H:%M")


def roster_frames(roster: Roster, staff: Staff) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = {e.id: e.name for e in staff.employees}
    served: dict[tuple[str, date], dict[str, int]] = {}
    day_of: dict[tuple[str, datetime], date] = {}
    for s in roster.shifts:
        t = s.start
        while t < s.end:
            day_of[(s.employee_id, t)] = s.day
            t += timedelta(minutes=roster.horizon.interval_minutes)
    for a in roster.queue_assignments:
        d = day_of.get((a.employee_id, a.start))
        if d is not None:
            counts = served.setdefault((a.employee_id, d), {})
            counts[a.queue] = counts.get(a.queue, 0) + 1
    rows = []
    for s in sorted(roster.shifts, key=lambda s: (s.employee_id, s.start)):
        counts = served.get((s.employee_id, s.day), {})
        main = max(sorted(counts), key=counts.get) if counts else ""
        rows.append({"employee_id": s.employee_id, "name": names.get(s.employee_id, ""), "date": s.day.isoformat(),
                     "shift": s.shift_id, "start": _fmt(s.start), "end": _fmt(s.end),
                     "paid_hours": round(s.paid_hours, 2), "break_start": _fmt(s.break_start),
                     "break_end": _fmt(s.break_end), "main_queue": main, "left_at": _fmt(roster.left_at(s))})
    roster_df = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    assign_df = pd.DataFrame(
        [{"employee_id": a.employee_id, "timestamp": _fmt(a.start), "queue": a.queue}
         for a in sorted(roster.queue_assignments, key=lambda a: (a.employee_id, a.start))],
        columns=["employee_id", "timestamp", "queue"])
    return roster_df, assign_df


class RosterRow(NamedTuple):
    row: int                     # line in the file (header = 1)
    shift: ShiftAssignment
    paid_hours: float | None     # as the file states it (None unless asked for)
    main_queue: str = ""         # as the file states it ("" if not)


# The longest shift a roster row may hold: centre.toml's shifts last at most 24 hours.
MAX_SHIFT_HOURS = 24


def read_roster(path: str | Path, label: str | None = None, *,
                employee_ids: Iterable[str] | None = None) -> list[ShiftAssignment]:
    """Read an HR roster (roster.csv). Structural checks only; rules are the validator's job.
    `employee_ids`: refuse a row naming anyone else (e.g. a previous roster from another centre)."""
    return [r.shift for r in read_roster_rows(path, label, employee_ids=employee_ids)]


def unknown_employee(eid: str, known: set[str]) -> str:
    """'unknown employee ...', with the id meant when a spreadsheet dropped its leading zeros."""
    meant = [k for k in known if k.lstrip("0") == eid.lstrip("0") and k != eid] if eid.isdigit() else []
    hint = f"; did a spreadsheet drop the leading zeros of {meant[0]!r}?" if len(meant) == 1 else ""
    return f"unknown employee {eid!r} (not in employees.csv{hint})"


def read_roster_rows(path: str | Path, label: str | None = None, *, employee_ids: Iterable[str] | None = None,
                     paid_hours: bool = False, date_of_start: bool = False) -> list[RosterRow]:
    """The roster's shifts with their row numbers; `paid_hours=True` also reads the paid_hours
    column where the file has one (what payroll pays; the validator checks it against the times).
    `date_of_start=True` refuses a row whose date is not the day its shift starts (the planners'
    reading; the validator reports it as a broken rule): a shift dated Saturday that started on
    Friday was carried over as Saturday's, and a re-plan called it removed and re-added."""
    # No rows is a roster too: a week the centre is closed, or no carry-over from last week.
    t = read_table(path, ["employee_id", "date", "start", "end"],
                   ["shift", "break_start", "break_end", "name", "paid_hours", "main_queue"], label,
                   rows_required=False)
    days = t.dates("date", plausible=True)
    starts, ends = t.timestamps("start"), t.timestamps("end")
    # A hand-made roster may leave the column out (its hours are then the times'); once it is there,
    # every row must state a number.
    stated = paid_hours and (t.frame["paid_hours"].astype(str).str.strip() != "").any()
    paid = t.numbers("paid_hours", expect="the shift's paid hours as a number, e.g. 7.5") if stated else None
    known = None if employee_ids is None else set(employee_ids)
    out = []
    for (idx, r), d in zip(t.frame.iterrows(), days):
        bs = be = None
        if r["break_start"] or r["break_end"]:
            bs, be = date_time(r["break_start"]), date_time(r["break_end"])
            if bs is None or be is None:
                t.problem(idx, "break_start" if bs is None else "break_end",
                          "expected break_start and break_end as date-times like 2026-11-30T12:00 (or both empty)")
                continue
        if d is None or pd.isna(starts[idx]) or pd.isna(ends[idx]):
            continue
        s, e = starts[idx].to_pydatetime(), ends[idx].to_pydatetime()
        if e <= s:
            t.problem(idx, "end", f"the shift ends ({r['end']}) before it starts ({r['start']})")
            continue
        if e - s > timedelta(hours=MAX_SHIFT_HOURS):
            # (A carried-over shift to Thursday 06:00 was taken, and the week planned around it
            # failed its own validator: 2.0 h rest.)
            t.problem(idx, "end", f"a shift of {(e - s).total_seconds() / 3600:.1f} h ({r['start']} to {r['end']}); "
                                  f"a shift lasts at most {MAX_SHIFT_HOURS} h, as centre.toml's")
            continue
        if not r["employee_id"]:
            t.problem(idx, "employee_id", "expected an employee id")
            continue
        if known is not None and r["employee_id"] not in known:
            t.problem(idx, "employee_id", unknown_employee(r["employee_id"], known))
            continue
        if date_of_start and s.date() != d:
            t.problem(idx, "date", f"{d} is not the day its shift starts ({r['start']}); a shift's date is its "
                                   "start's")
            continue
        out.append(RosterRow(t.row(idx), ShiftAssignment(r["employee_id"], d, r["shift"], s, e, bs, be),
                             None if paid is None else float(paid[idx]), str(r["main_queue"]).strip()))
    t.raise_if_problems()
    return out


def read_departures(path: str | Path, label: str | None = None) -> dict[tuple[str, date], datetime]:
    """Who left a shift mid-way, and when: roster.csv's `left_at` column (a re-plan's record; empty
    on every other row, and absent from rosters not made by the planner), keyed by (employee id,
    the shift's date). A moment outside its row's shift is refused."""
    t = read_table(path, ["employee_id", "date", "start", "end"], ["left_at"], label, rows_required=False)
    given = t.frame["left_at"].astype(str).str.strip() != ""
    if not given.any():
        return {}
    starts, ends = t.timestamps("start"), t.timestamps("end")
    days = dict(zip(t.frame.index, t.dates("date", plausible=True)))
    out: dict[tuple[str, date], datetime] = {}
    for idx, r in t.frame[given].iterrows():
        gone = date_time(r["left_at"])
        if gone is None:
            t.problem(idx, "left_at", f"expected the date-time the agent left, YYYY-MM-DDTHH:MM, got {r['left_at']!r}")
        elif not pd.isna(starts[idx]) and not pd.isna(ends[idx]) and not starts[idx] < gone < ends[idx]:
            t.problem(idx, "left_at", f"{r['left_at']} is not within the shift ({r['start']} to {r['end']})")
        elif days[idx] is not None:
            out[r["employee_id"], days[idx]] = gone
    t.raise_if_problems()
    return out


def rostered_hours(roster_path: str | Path, employee_ids: Iterable[str] | None = None) -> dict[tuple[str, date], float]:
    """Paid hours rostered per (employee, day): the roster, and where it is a re-plan's output the
    rosters it was re-planned from (kpis.json `replanned_roster` beside it, followed back), each
    newer one overriding the older where it has a shift. A day the first re-plan took off keeps
    the hours it was rostered for, which a second re-plan credits again (it credited 7.2 h for an
    8-h shift once its own reference no longer had that day). A broken link ends the chain; the
    hours of the days of leave are also in each re-plan's own kpis.json (`rostered_on_leave`), so
    a roster folder moved or copied elsewhere keeps its credits."""
    chain, seen = [], set()
    path: Path | None = Path(roster_path)
    while path is not None and path.exists() and path.resolve() not in seen and len(chain) < 50:
        seen.add(path.resolve())
        chain.append(path)
        kpis = path.with_name("kpis.json")
        try:
            earlier = json.loads(kpis.read_text(encoding="utf-8")).get("replanned_roster") if kpis.exists() else None
        except (ValueError, UnicodeDecodeError, AttributeError):
            earlier = None
        path = Path(earlier) if isinstance(earlier, str) and earlier else None
    hours: dict[tuple[str, date], float] = _rostered_on_leave(Path(roster_path).with_name("kpis.json"))
    for i, p in enumerate(reversed(chain)):       # oldest first, newer rosters override
        try:
            shifts = read_roster(p, employee_ids=employee_ids if i == len(chain) - 1 else None)
        except InputError:
            if i == len(chain) - 1:
                raise
            continue                               # an older roster that no longer reads: skip it
        hours.update({(s.employee_id, s.day): s.paid_hours for s in shifts})
    return hours


def _rostered_on_leave(kpis_path: Path) -> dict[tuple[str, date], float]:
    """(employee, day) -> paid hours of a re-plan's kpis.json `rostered_on_leave` (nothing if absent
    or unreadable: a kpis.json is the plan's report, not an input it must have)."""
    try:
        items = json.loads(kpis_path.read_text(encoding="utf-8")).get("rostered_on_leave") or []
        return {(str(i["employee_id"]), date.fromisoformat(i["date"])): float(i["hours"]) for i in items
                if 0 <= float(i["hours"]) <= 24}
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, KeyError, TypeError):
        return {}


def read_assignments(path: str | Path, label: str | None = None, *,
                     employee_ids: Iterable[str] | None = None) -> list[QueueAssignment]:
    """`employee_ids`: refuse a row naming anyone else, as read_roster does (the validator took
    such a row as a rule violation, exit 1, where the same id in roster.csv was bad input, exit 2)."""
    t = read_table(path, ["employee_id", "timestamp", "queue"], [], label, rows_required=False)   # (no shifts)
    ts = t.timestamps("timestamp")
    if employee_ids is not None:
        known = set(employee_ids)
        for idx, eid in t.frame["employee_id"].items():
            if eid not in known:
                t.problem(idx, "employee_id", unknown_employee(eid, known))
    t.raise_if_problems()
    return [QueueAssignment(e, m.to_pydatetime(), q) for e, m, q in zip(t.frame["employee_id"], ts, t.frame["queue"])]


# --------------------------------------------------------------------------------------------
# Atomic writing
# --------------------------------------------------------------------------------------------
def _publishable(path: Path) -> None:
    """mkstemp creates 0600 files; outputs are for people, so give them the usual umask mode."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        try:
            yield Path(tmp)
        except OSError as exc:
            raise _not_written(path, exc) from None
        _publishable(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _not_written(path: Path, exc: OSError) -> InputError:
    """A write that failed part-way (a full disk, a file-size limit): said as the output it was,
    with exit 2 like any path the user must fix - it was an 'internal error' with exit 1, which
    `validate` uses for rule violations. The temporary file goes; the old output stays."""
    return InputError(InputProblem(str(path), f"could not be written ({exc.strerror or exc}); nothing was written",
                                   column="--out"))


def markdown_table(frame: pd.DataFrame) -> str:
    """A frame as a GitHub Markdown table (no extra dependency)."""
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |\n|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join("" if v is None else str(v) for v in r) + " |" for r in frame.itertuples(index=False)]
    return "\n".join([head, *rows])


CSV_FORMAT = {"float_format": "%.6g", "date_format": "%Y-%m-%d %H:%M"}


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, **CSV_FORMAT)


def write_json(obj, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n")


def file_in_the_way(path: str | Path) -> Path | None:
    """The first folder above `path` that exists as a file (nothing can be written under it)."""
    return next((a for a in Path(path).parents if a.exists() and not a.is_dir()), None)


def check_output_files(paths) -> None:
    """Refuse, before anything is written, an output file whose place is taken by a folder or lies
    under a file: the renames of an all-or-nothing write went one by one, so `kpis.json` being a
    folder failed after roster.csv and three others had been replaced (naming a temporary file)."""
    for path in map(Path, paths):
        if path.is_dir():
            raise InputError(InputProblem(str(path), "is a folder where an output file goes; nothing was written",
                                          column="--out"))
        above = file_in_the_way(path)
        if above is not None:
            raise InputError(InputProblem(str(path), f"cannot be written: {above} is a file, not a folder; "
                                                     "nothing was written", column="--out"))


def write_outputs(files: dict[str, Callable[[Path], None]], out_dir: str | Path) -> None:
    """Write several files so that either all appear or none is replaced.

    Each writer gets a temporary path; only when every writer has succeeded are all renamed.
    """
    out_dir = Path(out_dir)
    check_output_files(out_dir / name for name in files)
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[Path, Path]] = []
    try:
        for name, writer in files.items():
            final = out_dir / name          # a name may hold a sub-folder, e.g. calendars/E001.ics
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
            os.close(fd)
            temps.append((Path(tmp), final))
            try:
                writer(Path(tmp))
            except OSError as exc:
                raise _not_written(final, exc) from None
        for tmp, final in temps:
            _publishable(tmp)
            os.replace(tmp, final)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
