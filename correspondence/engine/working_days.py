"""The working-day calendar, exactly as docs/rules.md#clocks defines it.

* A working day is Monday to Friday, not an England bank holiday (the ``holidays``
  package, ``UK`` with ``subdiv="ENG"``, observed substitute days included: read by
  ``bank_holidays.py``) and not one of the council's ``closure_days``.
* "N WD after D" is the N-th working day strictly after D; D itself is day 0 whatever
  day of the week it is.
* "M months after D" is the same day of the month M months later, clamped to the end of
  a shorter month.

Everything here is a pure function of its arguments (the bank holidays being fixed data).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from correspondence.engine.bank_holidays import england as _england_bank_holidays


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
