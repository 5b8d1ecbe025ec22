"""What the notification table says about delivery, for monitoring (`/metrics`).

Read from the database, not counted in one process, so every replica reports the same numbers and a
restart loses none. "Pending" is a message still to be sent: claimed, failed with another attempt
planned, or waiting for a recipient (`waiting.py`). The waiting ones are what the secretariat must act
on (a party nobody can be reached at); their age is what an alert watches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from handlers.core.clock import as_utc
from handlers.reminders.due import WAITING_PLATFORM
from storage.models import Notification


@dataclass(frozen=True)
class NotificationStats:
    by_status: dict[str, int]
    waiting: int  # pending without a recipient
    oldest_pending: datetime | None  # when the oldest unsent message was claimed (UTC)
    oldest_waiting: datetime | None  # when the oldest message without a recipient was first recorded (UTC)


def _pending():  # type: ignore[no-untyped-def]
    return or_(
        Notification.status == "claimed",
        and_(Notification.status == "failed", Notification.next_attempt_at.is_not(None)),
        _waiting(),
    )


def _waiting():  # type: ignore[no-untyped-def]
    return and_(Notification.status == "waiting", Notification.platform == WAITING_PLATFORM)


def notification_stats(session: Session) -> NotificationStats:
    by_status = {str(status): int(count) for status, count in session.execute(
        select(Notification.status, func.count()).group_by(Notification.status))}
    waiting = session.scalar(select(func.count()).select_from(Notification).where(_waiting())) or 0
    oldest_pending = session.scalar(select(func.min(Notification.claimed_at)).where(_pending()))
    oldest_waiting = session.scalar(select(func.min(Notification.claimed_at)).where(_waiting()))
    return NotificationStats(
        by_status=by_status,
        waiting=int(waiting),
        oldest_pending=as_utc(oldest_pending) if oldest_pending else None,
        oldest_waiting=as_utc(oldest_waiting) if oldest_waiting else None,
    )
