"""Norwegian working days: weekdays that are not public holidays (Easter, Ascension, 17 May, …).

Deadlines such as "innen 5 virkedager" and "første virkedag i mars" count these days, which is why
the class lives with the dates (reminders import it from here; dates must not import reminders).
Reminders that would fall on a weekend or a holiday are moved to the previous working day; the
weekly digest goes out on the first working day of the week. Deadlines themselves never move.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import cache

from dateutil.easter import easter

ONE_DAY = timedelta(days=1)


# Days from Easter Sunday of Norway's movable public holidays (helligdager): Maundy Thursday, Good
# Friday, Easter Sunday and Monday, Ascension Day, Whit Sunday and Monday.
EASTER_OFFSETS = (-3, -2, 0, 1, 39, 49, 50)
# The fixed ones: New Year's Day, 1 May and 17 May (public holidays by law since 1947), Christmas
# Day and Boxing Day.
FIXED = ((1, 1), (5, 1), (5, 17), (12, 25), (12, 26))


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays in `year`, from the date of Easter (dateutil's Western Easter).

    The `holidays` package knows the same days (tests/test_workdays.py checks every year from 1950
    to 2100 against it), but loading it loads every country's calendars: 15 MiB of the service's
    memory for twelve days a year (docs/PERFORMANCE.md, memory).
    """
    sunday = easter(year)
    return frozenset([date(year, month, day) for month, day in FIXED]
                     + [sunday + timedelta(days=offset) for offset in EASTER_OFFSETS])


class Workdays:
    """Working-day arithmetic for Norway, plus any extra closed days an organisation configures."""

    def __init__(self, extra_closed: Iterable[date] = ()) -> None:
        self._extra = frozenset(extra_closed)

    def is_holiday(self, day: date) -> bool:
        return day in public_holidays(day.year) or day in self._extra

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def on_or_before(self, day: date) -> date:
        """`day` if it is a working day, else the closest working day before it."""
        while not self.is_workday(day):
            day -= ONE_DAY
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def before(self, day: date, count: int = 1) -> date:
        """The working day `count` working days before `day` (`day` itself need not be one)."""
        for _ in range(count):
            day = self.on_or_before(day - ONE_DAY)
        return day

    def after(self, day: date, count: int = 1) -> date:
        for _ in range(count):
            day = self.on_or_after(day + ONE_DAY)
        return day

    def days_mapping_to(self, workday: date) -> list[date]:
        """Every date whose reminder is sent on `workday`: itself and the closed days right after it."""
        found = [workday]
        day = workday + ONE_DAY
        while not self.is_workday(day):
            found.append(day)
            day += ONE_DAY
        return found

    def first_of_week(self, day: date) -> date | None:
        """The first working day of `day`'s ISO week, or None if the whole week is closed."""
        monday = day - timedelta(days=day.weekday())
        for offset in range(5):
            candidate = monday + timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        return None

    def between(self, start: date, end: date) -> Iterator[date]:
        """Working days from `start` to `end`, both included."""
        day = start
        while day <= end:
            if self.is_workday(day):
                yield day
            day += ONE_DAY


NORWAY = Workdays()
