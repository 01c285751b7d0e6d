from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from alemtrack.protocol.dates import add_months, age_on


def test_add_months_clamps_january_31_to_leap_february_29():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_add_months_accepts_negative_months():
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 15), -12) == date(2023, 1, 15)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1)), st.integers(-600, 600))
def test_add_months_keeps_day_or_clamps_to_month_end(d, n):
    r = add_months(d, n)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == n
    if r.day != d.day:
        # clamped: fewer days in the target month, and r is its last day
        assert r.day < d.day
        assert (r + timedelta(days=1)).month != r.month


def test_age_counts_completed_years():
    assert age_on(date(2000, 6, 15), date(2018, 6, 14)) == 17
    assert age_on(date(2000, 6, 15), date(2018, 6, 15)) == 18
