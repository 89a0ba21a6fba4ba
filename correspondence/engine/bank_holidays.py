"""England's bank holidays, as the ``holidays`` package gives them (``UK`` with
``subdiv="ENG"``, observed substitute days included), for the working-day calendar
(``working_days.py``).

The package's answer for each year is kept in the cache folder (``cache.py``) under a key made of
the package's own files (``filestamp.py``), so a command that needs a few dates does not import
the package at all, and a new version of the package is asked again.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from correspondence.common import filestamp


@lru_cache(maxsize=1)
def _united_kingdom():
    """The ``holidays`` package's United Kingdom class, and only it.

    ``holidays.country_holidays("GB", ...)`` imports every country's module (``holidays.countries``
    imports them all: a sixth of a cold ``letters due``); this loads the one module file that
    defines ``UnitedKingdom``, under a private name, and nothing else of ``holidays.countries``.
    It is the same class (``tests/test_working_days.py`` compares the days it gives)."""
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

        from correspondence.common import cache
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

        from correspondence.common import cache
        table = {str(y): sorted(d.isoformat() for d in days) for y, days in sorted(_TABLE.items())}
        cache.write(CACHE_KIND, key, json.dumps(table).encode("utf-8"))


@lru_cache(maxsize=None)
def england(year: int) -> frozenset[date]:
    """The England bank holidays of ``year``."""
    table = _kept()
    if year not in table:
        _keep(year)
    return _TABLE[year]
