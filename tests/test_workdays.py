"""Norway's public holidays, computed from Easter (handlers/dates/workdays.py), against the
`holidays` package as an independent oracle, and the working days they close."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from handlers.dates.workdays import NORWAY, Workdays, public_holidays


@pytest.mark.parametrize("year", range(1950, 2101))
def test_every_year_matches_the_holidays_package(year: int) -> None:
    # The package counts every Sunday as a holiday in Norway; Sundays are closed here as weekend days.
    known = {day for day in holidays.country_holidays("NO", years=year) if day.weekday() != 6}
    ours = {day for day in public_holidays(year) if day.weekday() != 6}
    assert ours == known


def test_the_days_of_2027_by_name() -> None:
    assert sorted(public_holidays(2027)) == [
        date(2027, 1, 1),  # nyttårsdag
        date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29),  # påske
        date(2027, 5, 1),
        date(2027, 5, 6),  # Kristi himmelfartsdag
        date(2027, 5, 16), date(2027, 5, 17),  # pinse; 2. pinsedag is 17 May that year
        date(2027, 12, 25), date(2027, 12, 26),
    ]


def test_working_days_skip_holidays_weekends_and_extra_closed_days() -> None:
    assert NORWAY.on_or_before(date(2027, 3, 29)) == date(2027, 3, 24)  # Easter Monday back to Wednesday
    assert NORWAY.after(date(2027, 12, 23), 1) == date(2027, 12, 24)  # 24 December is a working day
    assert NORWAY.after(date(2027, 12, 24), 1) == date(2027, 12, 27)  # Christmas on a weekend that year
    closed = Workdays([date(2027, 12, 27)])
    assert closed.after(date(2027, 12, 24), 1) == date(2027, 12, 28)
    assert not closed.is_workday(date(2027, 12, 27)) and NORWAY.is_workday(date(2027, 12, 27))
