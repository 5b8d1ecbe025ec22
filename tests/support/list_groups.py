"""The group a list shows an action in, worked out by hand: the oracle the SQL counts are checked
against (tests/test_list_cost.py, tests/test_list_tally.py). Written apart from the product's own
rules on purpose."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def group_of(status: str, deadline: date | None, today: date) -> str:
    if status not in ("open", "in_progress"):
        return "closed"
    if deadline is None:
        return "no_deadline"
    if deadline < today:
        return "overdue"
    if deadline <= today + timedelta(days=6 - today.weekday()):  # up to and including Sunday
        return "this_week"
    return "later"


def count_groups(actions: Iterable[tuple[str, date | None]], today: date) -> dict[str, int]:
    """(status, deadline) pairs -> how many fall in each group (groups without any left out)."""
    counts: dict[str, int] = {}
    for status, deadline in actions:
        group = group_of(status, deadline, today)
        counts[group] = counts.get(group, 0) + 1
    return counts
