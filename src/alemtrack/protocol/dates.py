"""Calendar arithmetic of the protocol (clinical-rules.md §1 "Dates").

``add_months(d, n)`` keeps the day of month, clamped to the month's end; "k weeks" is 7k days.
A window "X after date D" ends on ``D + X`` and the gated action is allowed on or after it.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(d: date, n: int) -> date:
    """Same day of month ``n`` calendar months later (n may be negative), clamped to month end.

    >>> add_months(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    """
    month_index = d.month - 1 + n
    year = d.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def add_weeks(d: date, n: int) -> date:
    return d + timedelta(days=7 * n)


def days_between(earlier: date, later: date) -> int:
    """Whole days from ``earlier`` to ``later`` (negative when ``later`` is before)."""
    return (later - earlier).days


def within_days_before(d: date, anchor: date, days: int) -> bool:
    """True when ``d`` lies in [anchor - days, anchor] ("within N days before D", §1)."""
    return add_days(anchor, -days) <= d <= anchor


def age_on(birth_date: date, on: date) -> int:
    """Age in completed years on ``on``."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
