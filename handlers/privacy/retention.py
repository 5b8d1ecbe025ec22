"""Retention (`OPPFOLGING_RETENTION_DAYS`): old content goes, the keys that prevent doubles stay.

After that many days:
- a platform request's dedup record (`processed_requests`) keeps its key and time, and loses the
  answer stored with it (which may quote a user's text);
- a finished notification (sent, skipped, expired, routed, or failed for good) keeps its key, status
  and times, and loses its payload (the message) and error text.

A notification still to be sent or waiting for a recipient is never touched: its payload is what
will be sent. The time is the caller's (the scheduler's clock, or `--now`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, and_, cast, null, or_, select, update
from sqlalchemy.orm import Session

from handlers.core.clock import as_utc
from storage.models import Notification, ProcessedRequest

FINISHED = ("sent", "skipped", "expired", "routed")


@dataclass(frozen=True)
class Purged:
    requests: int
    notifications: int

    def to_json(self) -> dict[str, int]:
        return {"requests": self.requests, "notifications": self.notifications}


def purge(session: Session, now: datetime, days: int) -> Purged:
    if days <= 0:
        raise ValueError("retention needs a positive number of days")
    before = as_utc(now).replace(tzinfo=None) - timedelta(days=days)
    requests = session.execute(
        update(ProcessedRequest)
        .where(ProcessedRequest.at < before, ProcessedRequest.result.is_not(None))
        .values(result=null())  # SQL NULL (not JSON null), so the next run skips the row
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    finished = or_(Notification.status.in_(FINISHED),
                   and_(Notification.status == "failed", Notification.next_attempt_at.is_(None)))
    old = or_(and_(Notification.sent_at.is_not(None), Notification.sent_at < before),
              and_(Notification.sent_at.is_(None), Notification.claimed_at < before))
    emptied = select(Notification.id).where(finished, old, or_(Notification.error.is_not(None),
                                                               cast(Notification.payload, Text) != "{}"))
    ids = list(session.scalars(emptied))
    notifications = 0
    for chunk in range(0, len(ids), 500):
        notifications += session.execute(
            update(Notification).where(Notification.id.in_(ids[chunk:chunk + 500]))
            .values(payload={}, error=None).execution_options(synchronize_session=False)
        ).rowcount or 0
    session.flush()
    return Purged(requests, notifications)
