"""Reading `centre.toml` into a :class:`~scheduler.domain.Centre`.

Every problem is reported with the file, the TOML key path and what was expected; all problems are
collected and raised together as one :class:`InputError`.
"""
from __future__ import annotations

import math
import tomllib
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from .domain import (MAX_AHT_SECONDS, MAX_WEIGHT, MIN_OCCUPANCY_CAP, WEEKDAYS, Centre, Queue, Rules, ServiceTarget,
                     ShiftTemplate, Weights)
from .errors import InputError, InputProblem, warn_input


def parse_hhmm(text: str) -> int:
    """'07:30' -> 450 minutes; '24:00' is allowed (end of day). '07:30:00' too (spreadsheets and
    TOML time literals write the seconds), but not a time off the minute. Raises ValueError."""
    text = str(text).strip()
    hh, sep, mm = text.partition(":")
    if mm.count(":") == 1 and mm.endswith(":00"):
        mm = mm[:-3]
    # (ASCII digits only: '²8:00' passed str.isdigit and int() then failed in its own words.)
    if not sep or not (hh.isascii() and hh.isdigit()) or not (mm.isascii() and mm.isdigit()) or len(mm) != 2:
        raise ValueError(f"expected a time HH:MM, got {text!r}")
    minutes = int(hh) * 60 + int(mm)
    if int(mm) >= 60 or minutes > 1440:
        raise ValueError(f"expected a time between 00:00 and 24:00, got {text!r}")
    return minutes


def shift_kind(start_minute: int, end_minute: int, rules: Rules) -> str:
    """Classify a shift by when it runs; night if it overlaps the night window."""
    night_a = rules.night_start_minute
    night_b = rules.night_end_minute + (1440 if rules.night_end_minute <= night_a else 0)
    # Check the night window of the start day and of the previous day (a shift starting 02:00).
    for offset in (-1440, 0):
        if start_minute < night_b + offset and end_minute > night_a + offset:
            return "night"
    if start_minute < 9 * 60:
        return "early"
    if end_minute > 19 * 60:
        return "late"
    return "day"


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[InputProblem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(InputProblem(self.file, message, column=key))

    def get(self, table: dict, key: str, path: str, kind: type | tuple, default: Any = ..., check=None, expect: str = ""):
        if key not in table:
            if default is ...:
                self.add(f"{path}.{key}" if path else key, "missing required key")
                return None
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds \
                or isinstance(value, float) and not math.isfinite(value):
            self.add(f"{path}.{key}" if path else key, f"expected {expect or kinds[0].__name__}, got {value!r}")
            return None if default is ... else default
        if check is not None and not check(value):
            self.add(f"{path}.{key}" if path else key, f"expected {expect}, got {value!r}")
            return None if default is ... else default
        return value


def _parse_hours(spec: Any, path: str, col: _Collector) -> tuple[tuple[tuple[int, int], ...], ...]:
    """`{default="08:00-20:00", sat="09:00-17:00", sun="closed"}` -> per-weekday opening windows."""
    if isinstance(spec, str):
        spec = {"default": spec}
    if not isinstance(spec, dict):
        col.add(path, "expected a table of weekday -> 'HH:MM-HH:MM' | 'closed' | '24h'")
        return tuple(() for _ in range(7))
    unknown = set(spec) - set(WEEKDAYS) - {"default"}
    for key in sorted(unknown):
        col.add(f"{path}.{key}", "expected a weekday (mon..sun) or 'default'")
    days = []
    for wd in WEEKDAYS:
        text = spec.get(wd, spec.get("default", "closed"))
        days.append(_parse_window(text, f"{path}.{wd}", col))
    return tuple(days)


def _parse_window(text: Any, path: str, col: _Collector) -> tuple[tuple[int, int], ...]:
    if not isinstance(text, str):
        col.add(path, f"expected 'HH:MM-HH:MM', 'closed' or '24h', got {text!r}")
        return ()
    text = text.strip().lower()
    if text in ("closed", ""):
        return ()
    if text in ("24h", "00:00-24:00"):
        return ((0, 1440),)
    windows = []
    for part in text.split(","):
        a, sep, b = part.strip().partition("-")
        try:
            if not sep:
                raise ValueError(f"expected 'HH:MM-HH:MM', got {part!r}")
            start, end = parse_hhmm(a), parse_hhmm(b)
            if end == 0 < start:               # '20:00-00:00': closes at midnight
                end = 1440
            if end < start:
                raise ValueError(f"closing time {b.strip()} is before opening time {a.strip()}: a window past "
                                 f"midnight is two, '{a.strip()}-24:00' on this day and '00:00-{b.strip()}' "
                                 "on the next (several windows: 'HH:MM-HH:MM, HH:MM-HH:MM')")
            if end == start:
                raise ValueError(f"opening time {a} is not before closing time {b}")
            windows.append((start, end))
        except ValueError as exc:
            col.add(path, str(exc))
    return tuple(windows)


def load_centre(path: str | Path) -> Centre:
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InputError(InputProblem(str(path), "file not found"))
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(InputProblem(name, "the file is empty; expected a centre configuration (see docs/contracts.md)"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if not text.strip():      # (a byte-order mark alone read as a centre without queues)
        raise InputError(InputProblem(name, "the file is empty; expected a centre configuration (see docs/contracts.md)"))
    text = unicodedata.normalize("NFC", text)     # as the CSV readers: ids compare as typed
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(InputProblem(name, f"not valid TOML: {exc}")) from None
    return centre_from_dict(data, name)


def _unknown_keys(table: dict, path: str, known: set[str], col: _Collector, what: str = "key") -> None:
    """A misspelt key would otherwise be ignored and its default used without a word."""
    for key in sorted(set(table) - known):
        col.add(f"{path}.{key}" if path else key, f"unknown {what}; expected one of {', '.join(sorted(known))}")


def _section(data: dict, key: str, col: _Collector) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        col.add(key, f"expected a table [{key}]")
        return {}
    return value


def centre_from_dict(data: dict, file: str = "centre.toml") -> Centre:
    col = _Collector(file)
    _unknown_keys(data, "", {"centre", "staffing", "rules", "weights", "queues", "shifts"}, col)
    centre_t = _section(data, "centre", col)
    _unknown_keys(centre_t, "centre", {"name", "interval_minutes", "closures", "holiday_country",
                                       "holiday_subdivision", "holidays_ignored", "timezone"}, col)
    name = col.get(centre_t, "name", "centre", str, "Contact centre")
    holiday_country = col.get(centre_t, "holiday_country", "centre", str, None, expect="a country code like 'GB'")
    holiday_subdivision = col.get(centre_t, "holiday_subdivision", "centre", str, None,
                                  expect="a subdivision code like 'ENG'")
    interval = col.get(centre_t, "interval_minutes", "centre", int, 30,
                       check=lambda v: v in (5, 10, 15, 20, 30, 60), expect="one of 5, 10, 15, 20, 30, 60")
    timezone = col.get(centre_t, "timezone", "centre", str, None, expect="an IANA time zone like 'Europe/London'")
    if timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            col.add("centre.timezone", f"unknown time zone {timezone!r}; expected an IANA name like 'Europe/London' "
                                       "or 'America/Chicago'")
    ignored = []
    for i, text in enumerate(col.get(centre_t, "holidays_ignored", "centre", list, [])):
        if isinstance(text, str) and text.strip():
            ignored.append(text.strip())
        else:
            col.add(f"centre.holidays_ignored[{i}]", f"expected a holiday's name like 'San Jacinto Day', got {text!r}")
    closures = []
    for i, text in enumerate(col.get(centre_t, "closures", "centre", list, [])):
        try:
            closures.append(date.fromisoformat(str(text)))
        except ValueError:
            col.add(f"centre.closures[{i}]", f"expected a date YYYY-MM-DD, got {text!r}")

    staffing_t = _section(data, "staffing", col)
    _unknown_keys(staffing_t, "staffing", {"shrinkage", "model"}, col)
    shrinkage = col.get(staffing_t, "shrinkage", "staffing", float, 0.3,
                        check=lambda v: 0 <= v < 1, expect="a number with 0 <= shrinkage < 1")
    model = col.get(staffing_t, "model", "staffing", str, "erlang-c",
                    check=lambda v: v in ("erlang-c", "erlang-a"), expect="'erlang-c' or 'erlang-a'")

    rules = _parse_rules(_section(data, "rules", col), col)
    weights = _parse_weights(_section(data, "weights", col), col)

    queues = []
    queue_list = data.get("queues")
    if not isinstance(queue_list, list) or not queue_list:
        col.add("queues", "expected at least one [[queues]] table")
        queue_list = []
    seen = set()
    for i, qt in enumerate(queue_list):
        p = f"queues[{i}]"
        if not isinstance(qt, dict):
            col.add(p, "expected a [[queues]] table")
            continue
        before = len(col.problems)
        _unknown_keys(qt, p, {"id", "name", "hours", "service_level", "target_seconds", "max_occupancy",
                              "patience_seconds", "max_asa_seconds", "default_aht_seconds", "staff_with",
                              "min_agents"}, col)
        qid = col.get(qt, "id", p, str, check=lambda v: bool(v.strip()) and ";" not in v, expect="a non-empty id without ';'")
        if qid in seen:
            col.add(f"{p}.id", f"duplicate queue id {qid!r}")
        seen.add(qid)
        target = ServiceTarget(
            service_level=col.get(qt, "service_level", p, float, 0.8, check=lambda v: 0 < v < 1, expect="a fraction between 0 and 1 (exclusive)"),
            target_seconds=col.get(qt, "target_seconds", p, float, 20.0, check=lambda v: v >= 0, expect="seconds >= 0"),
            max_occupancy=col.get(qt, "max_occupancy", p, float, 0.85, check=lambda v: MIN_OCCUPANCY_CAP <= v <= 1,
                                  expect=f"a fraction from {MIN_OCCUPANCY_CAP:g} to 1"),
            patience_seconds=col.get(qt, "patience_seconds", p, float, None, check=lambda v: v > 0, expect="seconds > 0"),
            max_asa_seconds=col.get(qt, "max_asa_seconds", p, float, None, check=lambda v: v > 0, expect="seconds > 0"),
        )
        queues.append(Queue(
            id=qid or f"queue{i}",
            name=col.get(qt, "name", p, str, qid or ""),
            hours=_parse_hours(qt.get("hours", "24h"), f"{p}.hours", col),
            hours_given="hours" in qt,
            target=target,
            default_aht_seconds=col.get(qt, "default_aht_seconds", p, float, 300.0, check=lambda v: 0 < v <= MAX_AHT_SECONDS,
                                        expect=f"seconds > 0, up to {MAX_AHT_SECONDS:,}"),
            staff_with=col.get(qt, "staff_with", p, str, None, expect="the id of another queue"),
            min_agents=col.get(qt, "min_agents", p, int, 1, check=lambda v: 0 <= v <= 1000,
                               expect="a whole number of agents from 0 to 1000"),
        ))
        if qid:   # 'queues[3]' alone makes the reader count tables: say which queue
            col.problems[before:] = [replace(q, message=f"queue {qid!r}: {q.message}") for q in col.problems[before:]]

    _check_pools(queues, col)
    if interval:
        queues = [_hours_on_grid(q, interval, file, f"queues[{i}].hours") for i, q in enumerate(queues)]

    shifts = []
    shift_list = data.get("shifts")
    if not isinstance(shift_list, list) or not shift_list:
        col.add("shifts", "expected at least one [[shifts]] table")
        shift_list = []
    first_problem = len(col.problems)
    shift_ids: dict[str, str] = {}
    for i, st in enumerate(shift_list):
        p = f"shifts[{i}]"
        if not isinstance(st, dict):
            col.add(p, "expected a [[shifts]] table")
            continue
        _unknown_keys(st, p, {"id", "hours", "break_minutes", "starts"}, col)
        # (An empty id was taken: its shifts were called '-0800'.)
        sid = col.get(st, "id", p, str, check=lambda v: bool(v.strip()), expect="a non-empty id")
        if sid:
            shift_ids[p] = sid
        hours = col.get(st, "hours", p, float, check=lambda v: 0 < v <= 24, expect="a length in hours, 0 < hours <= 24")
        brk = col.get(st, "break_minutes", p, int, 0, check=lambda v: v >= 0, expect="minutes >= 0")
        starts = col.get(st, "starts", p, list, check=lambda v: len(v) > 0,
                         expect='at least one start time, like ["08:00", "09:00"] (delete the [[shifts]] table to drop the shift)')
        if sid is None or hours is None or starts is None:
            continue
        length = int(round(hours * 60))
        if brk is not None and brk >= length:
            col.add(f"{p}.break_minutes", f"the break ({brk} min) must be shorter than the shift ({length} min)")
            continue
        # On the planning grid (centre.interval_minutes): said once per shift, not once per start
        # (a 20-start shift on a coarser grid gave 20 identical lines).
        grid = f"the {interval}-minute planning grid (centre.interval_minutes)"
        if length % interval:
            col.add(f"{p}.hours", f"{hours:g} hours is not a whole number of intervals of {grid}")
            continue
        if (brk or 0) % interval:
            col.add(f"{p}.break_minutes", f"a {brk}-minute break is not a whole number of intervals of {grid}")
            continue
        off_grid = []
        for j, s in enumerate(starts):
            try:
                start = parse_hhmm(s)
                if start >= 1440:
                    raise ValueError("a shift must start before 24:00")
            except ValueError as exc:
                col.add(f"{p}.starts[{j}]", str(exc))
                continue
            if start % interval:
                off_grid.append((j, str(s).strip()))
                continue
            shifts.append(ShiftTemplate(
                id=f"{sid}-{start // 60:02d}{start % 60:02d}", start_minute=start, length_minutes=length,
                break_minutes=brk or 0, kind=shift_kind(start, start + length, rules), family=sid))
        if off_grid:
            several = len(off_grid) > 1
            col.add(f"{p}.starts[{off_grid[0][0]}]", f"start{'s' if several else ''} "
                    f"{', '.join(t for _, t in off_grid)} {'are' if several else 'is'} not on {grid}")
    # 'shifts[3]' alone makes the reader count tables from zero: say which shift.
    for k in range(first_problem, len(col.problems)):
        prob = col.problems[k]
        owner = next((sid for key, sid in shift_ids.items() if (prob.column or "").startswith(key + ".")
                      or prob.column == key), None)
        if owner:
            col.problems[k] = replace(prob, message=f"shift {owner!r}: {prob.message}")
    # A shift too short for the break window gets its break in the middle (Rules.break_starts):
    # said once per shift, since the window in centre.toml then does not hold for it (a 6.5-h
    # shift with breaks 6-7 h after the start had its break 3 h in, without a word).
    if interval and not col.problems:
        for tmpl in {s.family: s for s in shifts if s.break_minutes}.values():
            if not rules.break_starts_in_window(tmpl, interval):
                middle = rules.break_starts(tmpl, interval)[0]
                warn_input(InputProblem(
                    file, f"shift {tmpl.family!r} ({tmpl.length_minutes / 60:g} h): its {tmpl.break_minutes}-minute "
                    f"break cannot start {rules.break_earliest_minutes / 60:g}-{rules.break_latest_minutes / 60:g} h "
                    f"after the shift start and end at least one {interval}-minute interval before the shift does; "
                    f"it goes in the middle ({middle / 60:g} h after the start)",
                    column="rules.break_earliest_hours"))
    ids = [s.id for s in shifts]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        col.add("shifts", f"duplicate shift template {dup!r}")
    # A succession naming no shift kind, template or family would never apply.
    names = {"early", "day", "late", "night"} | {s.id for s in shifts} | {s.family for s in shifts}
    for i, pair in enumerate(rules.forbidden_successions):
        for part in pair:
            if part not in names:
                col.add(f"rules.forbidden_successions[{i}]",
                        f"unknown shift {part!r}; expected a kind (early, day, late, night), a shift id or a template id")
    if rules.min_rest_minutes >= 7 * 1440:
        col.add("rules.min_rest_hours", "a rest rule of a week or more leaves no shift possible")
    if holiday_country:
        # Checked here, once, for every command: the roster credits holidays against contracts
        # (rules.holidays_credit_contract) and the forecast uses them as regressors.
        import holidays
        try:
            holidays.country_holidays(holiday_country, subdiv=holiday_subdivision, years=2000)
        except NotImplementedError as exc:
            where = "centre.holiday_subdivision" if holiday_subdivision and \
                holiday_country in holidays.list_supported_countries() else "centre.holiday_country"
            col.add(where, f"the holidays package does not know it ({exc}); expected a country code like 'GB'"
                           " and, optionally, one of its subdivisions like 'ENG'")
        else:
            # A misspelt name would leave the holiday observed without a word: each must be one the
            # calendar has (in any year of 2000-2040).
            if ignored:
                known = {part.strip() for name in holidays.country_holidays(
                    holiday_country, subdiv=holiday_subdivision, years=range(2000, 2041)).values()
                    for part in name.split(";")}
                folded = {k.casefold() for k in known}
                for i, name in enumerate(ignored):
                    if name.casefold() not in folded:
                        col.add(f"centre.holidays_ignored[{i}]",
                                f"{name!r} is not a holiday of {holiday_country}"
                                f"{'/' + holiday_subdivision if holiday_subdivision else ''}; expected one of "
                                + ", ".join(repr(k) for k in sorted(known)))
    elif ignored:
        col.add("centre.holidays_ignored", "holidays to ignore need a holiday_country")

    if col.problems:
        raise InputError(col.problems)
    return Centre(
        name=name or "Contact centre", queues=tuple(queues), shifts=tuple(shifts),
        rules=rules, weights=weights, interval_minutes=interval, shrinkage=shrinkage,
        staffing_model=model, holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision, closures=tuple(closures), holidays_ignored=tuple(ignored),
        timezone=timezone or None)


def _hours_on_grid(queue: Queue, interval: int, file: str, key: str) -> Queue:
    """Opening hours widened to the planning grid: an interval is staffed when the queue is open
    during any of it. (By its start alone, a queue opening at 08:15 on a 60-minute grid had no
    requirement, nor forecast, until 09:00.) Said once as a warning, naming the queue."""
    days, changed = [], []
    for wd, windows in zip(WEEKDAYS, queue.hours):
        wide: list[list[int]] = []
        for a, b in sorted(windows):
            a2, b2 = a - a % interval, min(1440, b + (-b % interval))
            if (a2, b2) != (a, b):
                changed.append((wd, a, b, a2, b2))
            if wide and a2 <= wide[-1][1]:
                wide[-1][1] = max(wide[-1][1], b2)
            else:
                wide.append([a2, b2])
        days.append(tuple((a, b) for a, b in wide))
    if not changed:
        return queue
    hhmm = lambda m: f"{m // 60:02d}:{m % 60:02d}"   # noqa: E731
    first = {}
    for wd, a, b, a2, b2 in changed:
        first.setdefault((a, b, a2, b2), []).append(wd)
    said = "; ".join(f"{hhmm(a)}-{hhmm(b)} ({', '.join(wds)}) as {hhmm(a2)}-{hhmm(b2)}"
                     for (a, b, a2, b2), wds in first.items())
    warn_input(InputProblem(file, f"queue {queue.id!r}: opening hours off the {interval}-minute planning grid are "
                                  f"planned as the intervals they touch: {said}", column=key))
    return replace(queue, hours=tuple(days))


def _check_pools(queues: list[Queue], col: "_Collector") -> None:
    """staff_with names another queue of the file that is not itself staffed with a third: a pool
    is one host and its guests (a chain would make the host's own pool ambiguous)."""
    by_id = {q.id: q for q in queues}
    for i, q in enumerate(queues):
        host = q.staff_with
        if host is None:
            continue
        where = f"queues[{i}].staff_with"
        if host == q.id:
            col.add(where, f"queue {q.id!r}: a queue cannot be staffed with itself")
        elif host not in by_id:
            col.add(where, f"queue {q.id!r}: unknown queue {host!r}; expected one of " + ", ".join(sorted(by_id)))
        elif by_id[host].staff_with:
            col.add(where, f"queue {q.id!r}: {host!r} is itself staffed with {by_id[host].staff_with!r}; "
                           f"name the host queue ({by_id[host].staff_with!r})")


RULE_KEYS = {"forbidden_successions", "break_earliest_hours", "break_latest_hours", "max_weekends",
             "min_rest_hours", "max_consecutive_days", "min_consecutive_days", "min_consecutive_days_off",
             "max_nights_per_week", "max_consecutive_nights", "night_start", "night_end",
             "absences_count_in_blocks", "holidays_credit_contract", "weekend_days"}


# The least value of each whole-number rule: centre.toml's [rules] and a what-if scenario's rules
# are held to the same (a scenario once took max_consecutive_days = 0 and planned nobody).
RULE_MINIMUM = {"max_consecutive_days": 1, "min_consecutive_days": 1, "min_consecutive_days_off": 1,
                "max_consecutive_nights": 1, "max_nights_per_week": 0, "max_weekends": 0}


def _at_least(rule: str) -> dict:
    low = RULE_MINIMUM[rule]
    return dict(check=lambda v: v >= low, expect=f"an integer >= {low}")


def _parse_rules(t: dict, col: _Collector) -> Rules:
    p = "rules"
    _unknown_keys(t, p, RULE_KEYS, col)
    nonneg = dict(check=lambda v: v >= 0, expect="a number >= 0")
    succ = []
    for i, pair in enumerate(col.get(t, "forbidden_successions", p, list, [])):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            col.add(f"rules.forbidden_successions[{i}]", "expected a pair [\"first\", \"next\"] of shift kinds or ids")
            continue
        succ.append((pair[0], pair[1]))

    def minute(key, default):
        text = t.get(key)
        if text is None:
            return default
        try:
            return parse_hhmm(text) % 1440
        except ValueError as exc:
            col.add(f"rules.{key}", str(exc))
            return default

    earliest = col.get(t, "break_earliest_hours", p, float, 3.0, **nonneg)
    latest = col.get(t, "break_latest_hours", p, float, 5.0, **nonneg)
    if latest < earliest:
        col.add("rules.break_latest_hours", "expected break_latest_hours >= break_earliest_hours")
    max_weekends = col.get(t, "max_weekends", p, int, None, **_at_least("max_weekends"))
    weekend = col.get(t, "weekend_days", p, list, ["sat", "sun"],
                      check=lambda v: 0 < len(v) < 7 and len({str(x).lower() for x in v}) == len(v)
                      and all(str(x).lower() in WEEKDAYS for x in v),
                      expect="a list of 1 to 6 different weekdays, e.g. [\"sat\", \"sun\"] or [\"fri\", \"sat\"]")
    night_start, night_end = minute("night_start", 23 * 60), minute("night_end", 5 * 60)
    if night_start == night_end:
        # (Read as a window of no length, or of the whole day: every shift a night shift, and
        # everyone who may not work nights off for the week.)
        col.add("rules.night_end", f"expected a time other than night_start ({t.get('night_start', '23:00')}): "
                                   "the night window needs a length")
    return Rules(
        min_rest_minutes=int(round(col.get(t, "min_rest_hours", p, float, 11.0, **nonneg) * 60)),
        max_consecutive_days=col.get(t, "max_consecutive_days", p, int, 6, **_at_least("max_consecutive_days")),
        min_consecutive_days=col.get(t, "min_consecutive_days", p, int, 1, **_at_least("min_consecutive_days")),
        min_consecutive_days_off=col.get(t, "min_consecutive_days_off", p, int, 1, **_at_least("min_consecutive_days_off")),
        max_nights_per_week=col.get(t, "max_nights_per_week", p, int, 7, **_at_least("max_nights_per_week")),
        max_consecutive_nights=col.get(t, "max_consecutive_nights", p, int, 7, **_at_least("max_consecutive_nights")),
        max_weekends=max_weekends,
        weekend_days=tuple(sorted(WEEKDAYS.index(str(x).lower()) for x in weekend)),
        forbidden_successions=tuple(succ),
        break_earliest_minutes=int(round(earliest * 60)),
        break_latest_minutes=int(round(latest * 60)),
        night_start_minute=night_start,
        night_end_minute=night_end,
        absences_count_in_blocks=col.get(t, "absences_count_in_blocks", p, bool, False, expect="true or false"),
        holidays_credit_contract=col.get(t, "holidays_credit_contract", p, bool, True, expect="true or false"),
    )


def _parse_weights(t: dict, col: _Collector) -> Weights:
    values = {}
    for name in Weights.__dataclass_fields__:
        values[name] = col.get(t, name, "weights", float, getattr(Weights(), name),
                               check=lambda v: 0 <= v <= MAX_WEIGHT, expect=f"a weight from 0 to {MAX_WEIGHT:g}")
    _unknown_keys(t, "weights", set(values), col, what="weight")
    return Weights(**values)
