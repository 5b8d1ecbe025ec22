"""Dates, times and meeting references as users read them ("15. juni 2027")."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from handlers.core.catalog import t
from handlers.core.clock import DEFAULT_TZ, local_datetime
from handlers.dates.values import MEETING_KINDS, DeadlineParse, MeetingRef


def format_date(d: date) -> str:
    """"15. juni 2027"."""
    return t("dates.date", day=d.day, month=month_name(d.month), year=d.year)


def format_date_short(d: date) -> str:
    """"15.06.2027"."""
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


def format_date_long(d: date) -> str:
    """"tirsdag 15. juni 2027"."""
    return t(
        "dates.weekday_date", weekday=weekday_name(d.weekday()), day=d.day, month=month_name(d.month),
        year=d.year,
    )


def format_datetime(dt: datetime, tz: tzinfo = DEFAULT_TZ) -> str:
    """"tirsdag 15. juni 2027 kl. 10.00" in `tz`; a naive `dt` is UTC, as the database stores it."""
    local = local_datetime(dt, tz)  # type: ignore[arg-type]  # any tzinfo works there
    return t(
        "dates.datetime", weekday=weekday_name(local.weekday()), day=local.day,
        month=month_name(local.month), year=local.year, hour=local.hour, minute=local.minute,
    )


def format_meeting_ref(ref: MeetingRef) -> str:
    """"vårmøtet 2024", "neste møte", "neste AU-møte"."""
    kind = ref.kind if ref.kind in MEETING_KINDS else "next"
    label = t(f"dates.meeting.{kind}")
    if ref.year is not None:
        label = t("dates.meeting.with_year", meeting=label, year=ref.year)
    if ref.offset_days:
        days = abs(ref.offset_days)
        side = "before" if ref.offset_days < 0 else "after"
        if days % 7 == 0:
            label = t(f"dates.meeting.weeks_{side}", n=days // 7, meeting=label)
        else:
            label = t(f"dates.meeting.days_{side}", n=days, meeting=label)
    return label


def format_deadline(parsed: DeadlineParse) -> str:
    """How a parsed deadline reads back to the user: a date, or a meeting and its date if known."""
    if parsed.meeting is None:
        return format_date(parsed.date) if parsed.date else parsed.text
    meeting = format_meeting_ref(parsed.meeting)
    if parsed.date is None:
        return t("dates.deadline.meeting_unscheduled", meeting=meeting)
    return t("dates.deadline.meeting_on", meeting=meeting, date=format_date(parsed.date))


def month_name(month: int) -> str:
    return t(f"dates.month.{month}")


def weekday_name(weekday: int) -> str:
    """Monday is 0, as in `date.weekday()`."""
    return t(f"dates.weekday.{weekday}")
