"""The working-day calendar, exactly as policy-matrix.md "Counting" defines it.

* A working day is Monday to Friday, not an England bank holiday (the ``holidays``
  package, ``UK`` with ``subdiv="ENG"``, observed substitute days included) and not one
  of the council's ``closure_days``.

The package's answer for each year is kept in the cache folder (``cache.py``) under a key made
of the package's own files (their sizes and modification times), so a command that needs a few
dates does not import the package at all, and a new version of the package is asked again.
* "N WD after D" is the N-th working day strictly after D; D itself is day 0 whatever
  day of the week it is.
* "M months after D" is the same day of the month M months later, clamped to the end of
  a shorter month.

Everything here is a pure function of its arguments.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from . import filestamp


@lru_cache(maxsize=1)
def _united_kingdom():
    """The ``holidays`` package's United Kingdom class, and only it.

    ``holidays.country_holidays("GB", ...)`` imports every country's module (``holidays.countries``
    imports them all: a sixth of a cold ``letters due``); this loads the one module file that
    defines ``UnitedKingdom``, under a private name, and nothing else of ``holidays.countries``.
    It is the same class (``tests/test_calendar.py`` compares the days it gives)."""
    import importlib.util
    import os

    import holidays  # the package itself: its base classes, calendars and constants

    path = os.path.join(os.path.dirname(holidays.__file__), "countries", "united_kingdom.py")
    spec = importlib.util.spec_from_file_location("correspondence._holidays_united_kingdom", path)
    if spec is None or spec.loader is None or not os.path.isfile(path):  # a future layout: the registry
        return lambda **kwargs: holidays.country_holidays("GB", **kwargs)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.UnitedKingdom


def _from_package(year: int) -> frozenset[date]:
    # observed=True is the package default; named here because the matrix requires it.
    days = _united_kingdom()(subdiv="ENG", years=year, observed=True)
    return frozenset(days.keys())


CACHE_KIND = "holidays"
TABLE_FORMAT = 1  # raise when what is asked of the package changes (subdiv, observed)
SPAN = 10  # years either side of a year asked for, worked out and kept with it


@lru_cache(maxsize=1)
def _cache_key() -> str | None:
    """What the kept table is derived from: the ``holidays`` package's files, by size and
    modification time (a new version or a reinstall changes them); None if it cannot be found."""
    import importlib.util
    import os
    import zlib

    try:
        spec = importlib.util.find_spec("holidays")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = spec.submodule_search_locations[0]
    stamps = []
    try:
        for folder in ("", "groups", "calendars", "countries"):
            with os.scandir(os.path.join(root, folder)) as entries:
                for entry in entries:
                    if entry.name.endswith(".py") and (folder != "countries" or entry.name == "united_kingdom.py"):
                        stamps.append(f"{folder}/{entry.name}:{filestamp.text(entry.path)}")
    except OSError:
        return None
    stamps.sort()
    summary = "\x00".join(stamps).encode("utf-8")
    return f"england-bank-holidays/{TABLE_FORMAT}/{len(stamps)}/{zlib.crc32(summary):08x}/{zlib.adler32(summary):08x}"


_TABLE: dict[int, frozenset[date]] = {}


def _kept() -> dict[int, frozenset[date]]:
    """The table kept in the cache (years it holds -> their bank holidays), read once."""
    if not _TABLE and (key := _cache_key()) is not None:
        import json

        from . import cache
        data = cache.read(CACHE_KIND, key)
        if data is not None:
            try:
                table = json.loads(data)
                _TABLE.update({int(year): frozenset(date.fromisoformat(d) for d in days)
                               for year, days in table.items()})
            except (ValueError, TypeError, AttributeError):
                _TABLE.clear()
    return _TABLE


def _keep(year: int) -> None:
    """Ask the package for ``year`` and the years around it, and keep them."""
    _TABLE[year] = _from_package(year)
    for other in range(max(1900, year - SPAN), min(2200, year + SPAN) + 1):
        if other not in _TABLE:
            _TABLE[other] = _from_package(other)
    key = _cache_key()
    if key is not None:
        import json

        from . import cache
        table = {str(y): sorted(d.isoformat() for d in days) for y, days in sorted(_TABLE.items())}
        cache.write(CACHE_KIND, key, json.dumps(table).encode("utf-8"))


@lru_cache(maxsize=None)
def _england_bank_holidays(year: int) -> frozenset[date]:
    table = _kept()
    if year not in table:
        _keep(year)
    return _TABLE[year]


def is_bank_holiday(day: date) -> bool:
    """True for an England bank holiday, including observed substitute days."""
    return day in _england_bank_holidays(day.year)


def add_months(start: date, months: int) -> date:
    """The same day of the month ``months`` calendar months later, clamped to month end.

    31 January + 1 month is 28 February (29 February in a leap year).
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last_day))


@dataclass(frozen=True)
class WorkingCalendar:
    """England bank holidays plus a council's own closure days."""

    closure_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not is_bank_holiday(day) and day not in self.closure_days

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day strictly after ``start`` (``start`` is day 0).

        ``days`` of 0 gives ``start`` itself.
        """
        if days < 0:
            raise ValueError("a count of working days cannot be negative")
        current = start
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall strictly after ``start`` up to and including ``end``."""
        if end <= start:
            return 0
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


ENGLAND = WorkingCalendar()
