"""The reminder policy and Norwegian working days, as pure functions (no database)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.dates.workdays import Workdays
from handlers.reminders.policy import ReminderPolicy, parse_policy, stages_between

WD = Workdays()
HOLIDAYS_2026_2027 = [
    date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
    date(2026, 5, 25), date(2026, 12, 25),
    date(2027, 1, 1), date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17),
]


@pytest.mark.parametrize("day", HOLIDAYS_2026_2027)
def test_weekday_holidays_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5 and not WD.is_workday(day)


@pytest.mark.parametrize("day", [date(2026, 12, 24), date(2026, 12, 31), date(2027, 12, 24), date(2026, 3, 30),
                                 date(2027, 5, 18), date(2026, 5, 18)])
def test_ordinary_days_around_holidays_are_working_days(day: date) -> None:
    assert WD.is_workday(day)


def test_working_day_arithmetic_around_easter_2027() -> None:
    assert WD.on_or_before(date(2027, 3, 29)) == date(2027, 3, 24)
    assert WD.before(date(2027, 3, 30)) == date(2027, 3, 24)
    assert WD.on_or_after(date(2027, 3, 25)) == date(2027, 3, 30)
    assert WD.days_mapping_to(date(2027, 3, 24)) == [date(2027, 3, 24) + timedelta(days=n) for n in range(6)]
    assert WD.first_of_week(date(2027, 3, 31)) == date(2027, 3, 30)
    assert WD.first_of_week(date(2026, 5, 27)) == date(2026, 5, 26)  # after Whit Monday


def test_extra_closed_days_are_configurable() -> None:
    policy = parse_policy("closed=2026-12-24,2026-12-31")
    assert not policy.workdays.is_workday(date(2026, 12, 24))
    assert policy.workdays.on_or_before(date(2026, 12, 27)) == date(2026, 12, 23)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)))
def test_on_or_before_is_the_closest_working_day_not_after(day: date) -> None:
    found = WD.on_or_before(day)
    assert WD.is_workday(found) and found <= day
    assert all(not WD.is_workday(found + timedelta(days=n)) for n in range(1, (day - found).days + 1))
    assert (day - found).days <= 5  # Easter is the longest closed run


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)))
def test_stages_are_sent_on_working_days_before_or_on_their_nominal_date(deadline: date) -> None:
    policy = ReminderPolicy()
    stages = stages_between(deadline, deadline - timedelta(days=30), deadline + timedelta(days=40), policy)
    days = [s.send_on for s in stages if s.track == "party"]
    assert days == sorted(days) and len(days) == len(set(days))  # one reminder per day, in order
    for stage in stages:
        assert WD.is_workday(stage.send_on) and stage.send_on <= stage.nominal
        assert (stage.nominal - stage.send_on).days <= 5
        if stage.kind.startswith(("before", "workdays")):
            assert stage.send_on < deadline
        if stage.kind.startswith("overdue"):
            assert stage.send_on > deadline
    kinds = [s.kind for s in stages if s.track == "party"]
    # "On the day" is never lost: it is sent, or merged into a reminder of the same day.
    assert "due" in kinds
    assert [s.kind for s in stages if s.track == "escalation"] == ["escalation"]


def test_stages_of_a_plain_wednesday_deadline() -> None:
    stages = stages_between(date(2027, 2, 3), date(2027, 1, 1), date(2027, 2, 28), ReminderPolicy())
    assert [(s.kind, s.send_on.isoformat()) for s in stages] == [
        ("before-14", "2027-01-20"), ("before-7", "2027-01-27"), ("workdays-before-1", "2027-02-02"),
        ("due", "2027-02-03"), ("overdue-7", "2027-02-10"), ("escalation", "2027-02-17"),
        ("overdue-14", "2027-02-17"), ("overdue-21", "2027-02-24"),
    ]


def test_policy_from_configuration_text() -> None:
    policy = parse_policy("before=10,3; workdays_before=2; on_day=nei; overdue_every=14; escalate_after=0; "
                          "at=10:30; digest_at=08.15; office=08:00-17:00; convener_days=56")
    assert policy.days_before == (10, 3) and policy.workdays_before == (2,) and not policy.on_the_day
    assert policy.overdue_every_days == 14 and policy.escalate_after_days == 0
    assert policy.send_at == time(10, 30) and policy.digest_at == time(8, 15) and policy.office_end == time(17)
    assert policy.convener_days_before == 56
    stages = stages_between(date(2027, 2, 3), date(2027, 1, 1), date(2027, 3, 31), policy)
    assert [(s.kind, s.send_on.isoformat()) for s in stages] == [
        ("before-10", "2027-01-22"), ("before-3", "2027-01-29"),  # 31 January is a Sunday
        ("workdays-before-2", "2027-02-01"),
        ("overdue-14", "2027-02-17"), ("overdue-28", "2027-03-03"), ("overdue-42", "2027-03-17"),
        ("overdue-56", "2027-03-31"),
    ]
    assert parse_policy("") == ReminderPolicy()


@pytest.mark.parametrize("spec", ["before=14,x", "weekly=yes", "before", "at=07:00", "on_day=kanskje",
                                  "overdue_every=-7"])
def test_a_typo_in_the_policy_is_an_error_not_silence(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_policy(spec)


def test_backoff_doubles_and_is_capped() -> None:
    policy = ReminderPolicy()
    assert [policy.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
