"""The working-day calendar: England bank holidays (observed days kept), closure days, months."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from correspondence.engine.working_days import ENGLAND, WorkingCalendar, add_months, is_bank_holiday

D = date.fromisoformat


def test_christmas_and_new_year_observed_days():
    # 2026: Christmas Friday, Boxing Day Saturday -> observed Monday 28 December.
    assert is_bank_holiday(D("2026-12-25"))
    assert is_bank_holiday(D("2026-12-28"))
    # 2027: both fall at the weekend -> Monday 27 and Tuesday 28 December.
    assert is_bank_holiday(D("2027-12-27")) and is_bank_holiday(D("2027-12-28"))
    # 2022: New Year's Day on a Saturday -> Monday 3 January.
    assert is_bank_holiday(D("2022-01-03"))
    assert not ENGLAND.is_working_day(D("2026-12-28"))


def test_one_off_holidays_come_from_the_package():
    assert is_bank_holiday(D("2022-09-19"))  # State Funeral of Queen Elizabeth II
    assert is_bank_holiday(D("2022-06-03"))  # Platinum Jubilee


def test_day_zero_is_the_start_date():
    assert ENGLAND.add_working_days(D("2026-11-07"), 0) == D("2026-11-07")


def test_saturday_receipt_counts_monday_as_day_one():
    # Received Saturday 7 November 2026: Mon 9 = WD 1, Tue 10 = WD 2.
    assert ENGLAND.add_working_days(D("2026-11-07"), 1) == D("2026-11-09")
    assert ENGLAND.add_working_days(D("2026-11-07"), 2) == D("2026-11-10")


def test_across_christmas_2026():
    # Wed 23 Dec: Thu 24 = 1; Fri 25 (Christmas), Sat, Sun, Mon 28 (Boxing Day observed) skipped;
    # Tue 29 = 2, Wed 30 = 3, Thu 31 = 4, Fri 1 Jan (New Year) skipped, Mon 4 Jan = 5.
    assert ENGLAND.add_working_days(D("2026-12-23"), 2) == D("2026-12-29")
    assert ENGLAND.add_working_days(D("2026-12-23"), 5) == D("2027-01-04")


def test_across_easter_2026():
    # Thu 2 Apr 2026: Good Friday 3 Apr and Easter Monday 6 Apr skipped; Tue 7 Apr = 1.
    assert ENGLAND.add_working_days(D("2026-04-02"), 1) == D("2026-04-07")


def test_closure_days_are_not_working_days():
    # A council closed 29-31 December 2026: from Wed 23 Dec, Thu 24 = 1, then Mon 4 Jan = 2.
    closed = WorkingCalendar(frozenset({D("2026-12-29"), D("2026-12-30"), D("2026-12-31")}))
    assert closed.add_working_days(D("2026-12-23"), 2) == D("2027-01-04")
    assert ENGLAND.add_working_days(D("2026-12-23"), 2) == D("2026-12-29")


def test_working_days_between_counts_strictly_after_start():
    # Thu 1 Oct 2026 to Mon 12 Oct: Fri 2, Mon 5 - Fri 9, Mon 12 = 7.
    assert ENGLAND.working_days_between(D("2026-10-01"), D("2026-10-12")) == 7
    assert ENGLAND.working_days_between(D("2026-10-12"), D("2026-10-01")) == 0


def test_month_end_clamping():
    assert add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert add_months(D("2028-01-31"), 1) == D("2028-02-29")  # leap year
    assert add_months(D("2028-02-29"), 12) == D("2029-02-28")  # a leap day, a year on
    assert add_months(D("2026-08-31"), 6) == D("2027-02-28")
    assert add_months(D("2026-11-30"), 3) == D("2027-02-28")
    assert add_months(D("2026-05-18"), 3) == D("2026-08-18")
    assert add_months(D("2025-09-01"), 12) == D("2026-09-01")


days = st.dates(min_value=D("2020-01-01"), max_value=D("2032-12-31"))
counts = st.integers(min_value=0, max_value=80)


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=1, max_value=80))
def test_result_is_a_working_day_strictly_after_the_start(start, n):
    result = ENGLAND.add_working_days(start, n)
    assert result > start
    assert ENGLAND.is_working_day(result)
    assert ENGLAND.working_days_between(start, result) == n
    # nothing skipped: the day before the result leaves exactly n - 1 working days
    assert ENGLAND.working_days_between(start, result - timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(days, counts, counts)
def test_counting_composes(start, a, b):
    assert ENGLAND.add_working_days(start, a + b) == ENGLAND.add_working_days(ENGLAND.add_working_days(start, a), b)


@settings(max_examples=200, deadline=None)
@given(days, counts)
def test_more_days_never_earlier(start, n):
    assert ENGLAND.add_working_days(start, n + 1) > ENGLAND.add_working_days(start, n)


@settings(max_examples=200, deadline=None)
@given(days, st.sets(days, max_size=20), st.integers(min_value=1, max_value=40))
def test_closure_days_never_returned_and_only_delay(start, closed, n):
    cal = WorkingCalendar(frozenset(closed))
    result = cal.add_working_days(start, n)
    assert result not in closed
    assert result >= ENGLAND.add_working_days(start, n)


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=0, max_value=60))
def test_add_months_lands_in_the_right_month(start, m):
    result = add_months(start, m)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == m
    assert result.day == start.day or (result.day < start.day and (result + timedelta(days=1)).day == 1)


def test_england_alone_is_loaded_and_gives_the_packages_days():
    """`letters due` loads the United Kingdom's holidays only, and they are the package's own for
    England (every day from 1995 to 2045, observed substitutes included)."""
    import subprocess
    import sys

    import holidays

    from correspondence.engine.bank_holidays import england as _england_bank_holidays

    expected = holidays.country_holidays("GB", subdiv="ENG", years=range(1995, 2046), observed=True)
    ours = set().union(*(_england_bank_holidays(y) for y in range(1995, 2046)))
    assert ours == set(expected.keys())
    code = ("import sys; from datetime import date; from correspondence.engine.working_days import is_bank_holiday;"
            "assert is_bank_holiday(date(2026, 12, 28));"  # Boxing Day 2026 falls on a Saturday: Monday 28th
            "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- the kept table

def _in_fresh_process(cache_folder, code: str) -> str:
    import os
    import subprocess
    import sys
    env = {**os.environ, "CORRESPONDENCE_CACHE": str(cache_folder)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


ASK = ("import sys; from datetime import date; from correspondence.engine.working_days import is_bank_holiday as h; "
       "print(h(date(2026, 12, 28)), h(date(2027, 12, 28)), h(date(2026, 12, 29)), 'holidays' in sys.modules)")


def test_a_later_process_reads_the_kept_table_and_never_imports_the_package(tmp_path):
    # Observed days: Boxing Day 2026 (Sat) -> Mon 28 Dec; 2027 Christmas Sat/Boxing Sun -> Mon 27, Tue 28.
    assert _in_fresh_process(tmp_path, ASK) == "True True False True"   # first: asks the package
    assert _in_fresh_process(tmp_path, ASK) == "True True False False"  # then: the kept table only


def test_a_damaged_table_is_asked_of_the_package_again(tmp_path):
    _in_fresh_process(tmp_path, ASK)
    for entry in (tmp_path / "holidays").glob("*.bin"):
        entry.write_bytes(entry.read_bytes()[:-7])
    assert _in_fresh_process(tmp_path, ASK) == "True True False True"


def test_the_kept_table_is_the_packages_answer(tmp_path):
    code = ("from correspondence.engine import bank_holidays as c, working_days as calendar; from datetime import date; "
            "calendar.is_bank_holiday(date(2026, 1, 1)); "
            "print(all(c._TABLE[y] == c._from_package(y) for y in range(2016, 2037)))")
    _in_fresh_process(tmp_path, "from datetime import date; from correspondence.engine.working_days import is_bank_holiday as h; "
                                "h(date(2026, 1, 1))")
    assert _in_fresh_process(tmp_path, code) == "True"
