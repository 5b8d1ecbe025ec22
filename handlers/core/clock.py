"""The bot's notion of time: aware UTC instants in, local dates out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

DEFAULT_TZ = ZoneInfo("Europe/Oslo")


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (that is how the database stores them)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_date(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> date:
    return as_utc(moment).astimezone(tz).date()


def local_datetime(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    return as_utc(moment).astimezone(tz)


def at_local(day: date, clock: time, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """The UTC instant of a local wall-clock time on `day` (DST-correct)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def parse_now(text: str, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """`--now` values: ISO date or datetime; a naive value is local time in `tz`."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)
