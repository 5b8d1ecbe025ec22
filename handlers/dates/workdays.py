"""Norwegian working days: weekdays that are not public holidays (Easter, Ascension, 17 May, …).

Deadlines such as "innen 5 virkedager" and "første virkedag i mars" count these days, which is why
the class lives with the dates (reminders import it from here; dates must not import reminders).
Reminders that would fall on a weekend or a holiday are moved to the previous working day; the
weekly digest goes out on the first working day of the week. Deadlines themselves never move.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from datetime import date, timedelta
from functools import cached_property

ONE_DAY = timedelta(days=1)


class Workdays:
    """Working-day arithmetic for Norway, plus any extra closed days an organisation configures."""

    def __init__(self, extra_closed: Iterable[date] = (), country: str = "NO") -> None:
        self._country = country
        self._extra = frozenset(extra_closed)

    @cached_property
    def _holidays(self) -> Container[date]:
        # Imported here, not at the top: the library takes ~40 ms to load, and most chat answers
        # (and `oppfolging run`) never ask about a holiday.
        import holidays

        # Years are filled in lazily by the library as dates are looked up; Sundays are weekends anyway.
        return holidays.country_holidays(self._country)

    def is_holiday(self, day: date) -> bool:
        return day in self._holidays or day in self._extra

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
