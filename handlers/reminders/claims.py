"""Claiming notifications before they are sent, and recording how each send went.

The claim is an INSERT of a row whose UNIQUE `key` is (what, kind, due date, destination); the
database lets exactly one process win it, on SQLite and on PostgreSQL with many replicas. Every
later state change is a compare-and-set UPDATE, so two processes never both think they own a row:

    claimed (attempts 0) --lease--> claimed (attempts n) --send ok--> sent
                                                          --send failed--> failed --(backoff)--> lease again
                                                          --permanent failure, or window passed--> failed, no next attempt
    claimed, not finished within `stale_after` (the process died) --> leased again by anyone
    claimed/failed, but no longer wanted (action done, snoozed, superseded) --> skipped
    waiting (nobody can receive it yet, see waiting.py) --a route appears--> routed (its messages are claimed)
                                                        --window passed--> expired

The one double-send window: the platform accepted the message and the process died (or lost the
database) before `mark_sent` committed. After `stale_after` the claim is leased again and the
message goes out a second time. See docs/REMINDERS.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from handlers.core.clock import as_utc
from handlers.reminders.policy import ReminderPolicy
from handlers.reminders.routing import Destination
from storage.models import Notification

CHUNK = 500
MAX_KEY = 400


def dialect_insert(session: Session, model: type) -> Any:
    """The database's own INSERT, which has ON CONFLICT (PostgreSQL's or SQLite's)."""
    # Imported here, not at the top: the engine has already loaded its own dialect, and loading
    # PostgreSQL's too costs every start on SQLite ~50 ms.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(model)


def insert_ignore(session: Session, model: type, values: dict[str, Any], unique: str, *,
                  returning: str | None = None) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING …: the inserted row's `returning` column (default
    `unique`), or None when the row existed (another process won)."""
    column = getattr(model, returning or unique)
    stmt = dialect_insert(session, model).values(**values).on_conflict_do_nothing(index_elements=[unique]).returning(column)
    # Core execution: the ORM's bulk-insert path does not report a skipped row reliably.
    return session.connection().execute(stmt).scalar()


def notification_key(parts: Sequence[object], destination: Destination) -> str:
    """`reminder:12:before-7:2027-03-15:slack:C0123` — long addresses are hashed to fit the column."""
    base = ":".join(str(p) for p in parts)
    address = destination.address
    if len(base) + len(destination.platform) + len(address) + 2 > MAX_KEY:
        address = "#" + hashlib.sha256(address.encode()).hexdigest()[:40]
    return f"{base}:{destination.platform}:{address}"


def to_db(moment: datetime) -> datetime:
    """An instant as the database stores it: naive UTC."""
    return as_utc(moment).replace(tzinfo=None)


def existing(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """Status of the keys that are already claimed (one query per 500 keys)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for key, status in session.execute(select(Notification.key, Notification.status).where(Notification.key.in_(chunk))):
            found[key] = status
    return found


@dataclass(frozen=True)
class NewClaim:
    key: str
    kind: str
    destination: Destination
    payload: dict[str, Any]
    action_id: int | None = None
    due_on: Any = None
    party: str | None = None


def claim(session: Session, claims: Sequence[NewClaim], now: datetime, worker: str) -> list[int]:
    """Insert every claim this process wins; returns their ids in the given order."""
    won: list[int] = []
    at = to_db(now)
    for item in claims:
        values = {
            "key": item.key,
            "kind": item.kind,
            "action_id": item.action_id,
            "due_on": item.due_on,
            "platform": item.destination.platform,
            "destination": item.destination.address,
            "status": "claimed",
            "payload": item.payload,
            "attempts": 0,
            "claimed_by": worker,
            "claimed_at": at,
            "party_key": item.party,
        }
        row_id = insert_ignore(session, Notification, values, "key", returning="id")
        if row_id is not None:
            won.append(row_id)
    return won


def ready(session: Session, now: datetime, policy: ReminderPolicy, platforms: Iterable[str], *,
          limit: int = 1000) -> list[int]:
    """Claims another attempt is due for: failed ones past their backoff, and stale ones."""
    at = to_db(now)
    stale = at - policy.stale_after
    rows = session.scalars(
        select(Notification.id)
        .where(
            Notification.platform.in_(list(platforms)),
            or_(
                and_(Notification.status == "failed", Notification.next_attempt_at.is_not(None),
                     Notification.next_attempt_at <= at),
                and_(Notification.status == "claimed", Notification.claimed_at < stale),
            ),
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    return list(rows)


def lease(session: Session, notification_id: int, now: datetime, worker: str, policy: ReminderPolicy,
          *, fresh: bool = False) -> bool:
    """Take the row for one send attempt; False when someone else holds it or it is finished.

    A fresh claim is leased by the process that inserted it; anyone may lease a failed row whose
    backoff has passed or a claim whose process went quiet for `stale_after`.
    """
    return notification_id in lease_many(session, [notification_id], now, worker, policy,
                                         fresh={notification_id} if fresh else ())


def lease_many(session: Session, ids: Sequence[int], now: datetime, worker: str, policy: ReminderPolicy,
               *, fresh: Collection[int] = ()) -> set[int]:
    """`lease` for many rows in one transaction (`fresh`: the ids this worker has just claimed);
    returns the ids leased. One compare-and-set UPDATE per kind, RETURNING what it won."""
    at = to_db(now)
    retry = [
        and_(Notification.status == "failed", Notification.next_attempt_at.is_not(None),
             Notification.next_attempt_at <= at),
        and_(Notification.status == "claimed", Notification.claimed_at < at - policy.stale_after),
    ]
    own = and_(Notification.status == "claimed", Notification.claimed_by == worker, Notification.attempts == 0)
    won: set[int] = set()
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        groups = ([i for i in chunk if i in fresh], [*retry, own]), ([i for i in chunk if i not in fresh], retry)
        for group, conditions in groups:
            if not group:
                continue
            stmt = (
                update(Notification)
                .where(Notification.id.in_(group), or_(*conditions))
                .values(status="claimed", claimed_by=worker, claimed_at=at, attempts=Notification.attempts + 1,
                        next_attempt_at=None)
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
            won.update(session.connection().execute(stmt).scalars())
    return won


def mark_sent(session: Session, notification_id: int, worker: str, now: datetime, message_id: str) -> bool:
    return notification_id in mark_sent_many(session, [(notification_id, message_id)], worker, now)


def mark_sent_many(session: Session, sent: Sequence[tuple[int, str]], worker: str, now: datetime) -> set[int]:
    """Mark claims sent, with each one's message id; returns the ids this worker still held.

    One UPDATE per 500 (delivery marks what went out in batches, see bot/scheduler.py): the
    compare-and-set is the same as for one row, and RETURNING says which rows it won.
    """
    won: set[int] = set()
    at = to_db(now)
    for start in range(0, len(sent), CHUNK):
        ids = dict(sent[start : start + CHUNK])
        message_ids = {notification_id: message_id[:300] for notification_id, message_id in ids.items()}
        stmt = (
            update(Notification)
            .where(Notification.id.in_(list(ids)), Notification.status == "claimed", Notification.claimed_by == worker)
            .values(status="sent", sent_at=at, error=None, message_id=case(message_ids, value=Notification.id))
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
        won.update(session.connection().execute(stmt).scalars())
    return won


def mark_failed(session: Session, notification_id: int, worker: str, now: datetime, policy: ReminderPolicy,
                error: str, *, retry_after: float | None = None, permanent: bool = False) -> datetime | None:
    """Record a failed send; returns when it will be tried again (None: given up).

    Only a permanent failure, or a message whose window has passed (`window_end`), is given up;
    everything else is tried again after the platform's Retry-After or the policy's backoff.
    """
    row = session.get(Notification, notification_id)
    if row is None or row.status != "claimed" or row.claimed_by != worker:
        return None
    at = to_db(now)
    next_at: datetime | None = None
    if not permanent and at < window_end(row.payload, policy):
        # However many attempts it took: an hour-long outage or a run of 429s must not lose a message.
        delay = policy.backoff(max(1, row.attempts))
        if retry_after is not None:
            delay = max(timedelta(seconds=retry_after), timedelta(seconds=1))
        next_at = at + delay
    row.status = "failed"
    row.next_attempt_at = next_at
    row.error = error[:2000]
    session.flush()
    return next_at


def window_end(payload: dict[str, Any] | None, policy: ReminderPolicy) -> datetime:
    """Until when (naive UTC) a message may still be retried: `retry_window` after its send day."""
    send_on = (payload or {}).get("send_on")
    if not send_on:
        return datetime.max  # no send day recorded: retried until it is superseded or skipped
    return datetime.combine(date.fromisoformat(send_on), time()) + timedelta(days=1) + policy.retry_window


def mark_skipped(session: Session, notification_id: int, reason: str) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status.in_(("claimed", "failed")))
        .values(status="skipped", error=reason[:2000], next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


def deferred(session: Session, notification_id: int, worker: str, now: datetime, until: datetime,
             reason: str) -> None:
    """Hand a leased row back untouched (e.g. an earlier part of its digest failed): retry at `until`."""
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "claimed", Notification.claimed_by == worker)
        .values(status="failed", attempts=Notification.attempts - 1, next_attempt_at=to_db(until),
                error=reason[:2000])
        .execution_options(synchronize_session=False)
    )
