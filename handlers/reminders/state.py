"""Two watermarks in the settings table: how far reminders were swept, and the last digest week.

They only narrow the work of the next tick (what is *newly* due); they never decide whether a
message was sent — the UNIQUE key of each notification does. A crash before the watermark moves
means the next tick derives the same notifications again, and their keys are already claimed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.reminders.claims import insert_ignore
from storage.models import Setting

SWEPT_UNTIL = "reminders.swept_until"
DIGEST_WEEK = "reminders.digest_week"


def _get(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return None if row is None else row.value


def swept_until(session: Session) -> datetime | None:
    value = _get(session, SWEPT_UNTIL)
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def advance_swept_until(session: Session, now: datetime) -> None:
    """Move the reminder watermark forward to `now` (never backwards: replicas may finish out of order)."""
    value = now.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    _advance(session, SWEPT_UNTIL, value)


def digest_week(session: Session) -> str | None:
    return _get(session, DIGEST_WEEK)


def set_digest_week(session: Session, week: str) -> None:
    _advance(session, DIGEST_WEEK, week)


def _advance(session: Session, key: str, value: str) -> None:
    # Insert-if-missing, then lock the row: two replicas finishing at once keep the larger value.
    insert_ignore(session, Setting, {"key": key, "value": value}, "key")
    row = session.scalar(select(Setting).where(Setting.key == key).with_for_update())
    assert row is not None
    if row.value is None or str(row.value) < value:
        row.value = value
    session.flush()
