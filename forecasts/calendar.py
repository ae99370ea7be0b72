"""Public holidays (the ``holidays`` package) and user-listed closures, as day flags for the models."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from scheduler.errors import InputError


class Calendar:
    def __init__(self, country: str | None = None, subdivision: str | None = None,
                 closures=(), source: str = "centre.toml", closed_weekdays=(), open_hours=None,
                 ignored=()):
        self.country = country or None
        # Holiday names the centre does not observe (ordinary days here).
        self.ignored = tuple(ignored or ())
        # Queue -> its opening hours, 7 weekdays (Monday first) of (open, close) minutes from
        # midnight (a centre's configuration; none known = read from the history alone).
        self.open_hours = {str(q): tuple(tuple((int(a), int(b)) for a, b in day) for day in week)
                           for q, week in (open_hours or {}).items()}
        self.subdivision = subdivision or None
        self.closures = frozenset(_as_date(d) for d in (closures or ()))
        # Weekdays (0 = Monday) the centre never opens, from its opening hours: a history without
        # them is still a full week (a Monday-to-Friday centre's week is five days of rows).
        self.closed_weekdays = frozenset(int(w) for w in (closed_weekdays or ()))
        self._cache: dict[int, dict] = {}
        if self.country:
            self._years(2000)  # validate the country/subdivision now

    def _years(self, year: int) -> dict:
        if year not in self._cache:
            if not self.country:
                self._cache[year] = {}
            else:
                from scheduler.domain import observed_holidays
                try:
                    h = observed_holidays(self.country, self.subdivision, year, self.ignored)
                except (NotImplementedError, KeyError) as e:
                    raise InputError(f"unknown holiday country/subdivision "
                                     f"{self.country!r}/{self.subdivision!r} for the holidays package ({e})",
                                     file="centre.toml") from None
                self._cache[year] = h
        return self._cache[year]

    def is_holiday(self, d: date) -> bool:
        d = _as_date(d)
        return d in self._years(d.year)

    def holiday_name(self, d: date) -> str | None:
        return self._years(d.year).get(d)

    def is_closure(self, d: date) -> bool:
        return _as_date(d) in self.closures

    def special(self, d: date) -> bool:
        return self.is_closure(d) or self.is_holiday(d)

    def flags(self, days, open_weekdays: np.ndarray) -> dict[str, np.ndarray]:
        """hol: public holiday; eve: the day before a holiday/closure; post: the first open day after
        a holiday/closure (catch-up); clo: user closure."""
        # A pandas Timestamp is a datetime, hence a date, but never equal to one as a dict key:
        # convert everything to plain dates, or no holiday is ever found.
        days = [_as_date(d) for d in days]
        n = len(days)
        hol = np.array([self.is_holiday(d) and not self.is_closure(d) for d in days], float)
        clo = np.array([self.is_closure(d) for d in days], float)
        eve = np.array([(not self.special(d)) and self.special(d + timedelta(1)) for d in days], float)
        post = np.zeros(n)
        for i, d in enumerate(days):
            if self.special(d) or not open_weekdays[d.weekday()]:
                continue
            post[i] = float(self.special(self.day_before(d, open_weekdays)))
        return {"hol": hol, "eve": eve, "post": post, "clo": clo}

    def day_before(self, d: date, open_weekdays: np.ndarray) -> date:
        """The day a day follows: the one before it, or - over closed weekdays, up to a week back -
        the last holiday, closure or open day (Monday follows Friday's holiday, not the weekend)."""
        p = d - timedelta(1)
        for _ in range(7):
            if self.special(p) or open_weekdays[p.weekday()]:
                break
            p -= timedelta(1)
        return p


def _as_date(d) -> date:
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    return date.fromisoformat(str(d)[:10])
