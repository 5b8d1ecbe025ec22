"""The groups every list and digest uses: overdue, due this week, later, without a deadline."""

from __future__ import annotations

from datetime import date, timedelta


def week_end(today: date) -> date:
    """Sunday of `today`'s week: "denne uken" runs to the end of the ISO week."""
    return today + timedelta(days=6 - today.weekday())


def deadline_bucket(deadline: date | None, today: date) -> str:
    """"overdue", "this_week", "later" or "no_deadline" for an open action's deadline."""
    if deadline is None:
        return "no_deadline"
    if deadline < today:
        return "overdue"
    if deadline <= week_end(today):
        return "this_week"
    return "later"
