"""Whether a place the bot posts to still works: broken subscriptions and retired conversations.

The platform adapters find out (Slack's `not_in_channel`, `channel_not_found`, `is_archived`; the
Bot Connector's 403 and 404) and call these; the rule of what that means lives here. A broken
subscription is kept, with the reason, so routing skips it and uses the party's next route until
a later check succeeds (`mark_ok`); a retired conversation reference is never used again.

`mark_broken` returns what to tell the people who subscribed the channel: a channel the bot cannot
post in cannot be told itself. The reminder engine (`handlers.reminders.failures`) claims each
`Notice` as a direct message, so it is sent once, like any other message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handlers.core.catalog import t
from handlers.core.replies import Reply
from storage.models import ConversationRef, Party, Person, Subscription

# Reasons a platform gives for a channel it will not post in; anything else gets the general text.
KNOWN_REASONS = ("not_in_channel", "channel_not_found", "is_archived", "forbidden", "not_found")
# Platforms whose people can be told in a direct message (their texts are `<platform>.broken.*`).
CHAT_PLATFORMS = ("slack", "teams")


@dataclass(frozen=True)
class Notice:
    """A direct message to the person who subscribed a channel that stopped working."""

    platform: str
    person: str  # the platform's user id (Slack user id, Entra object id)
    reply: Reply


def _naive(now: datetime) -> datetime:
    return now.replace(tzinfo=None) if now.tzinfo is not None else now


def mark_broken(session: Session, platform: str, channel_id: str, reason: str, now: datetime) -> list[Notice]:
    """Mark the channel's subscriptions broken; notices for their subscribers, only when newly broken.

    A subscription already broken keeps its first `broken_at` (and its subscriber is not told twice).
    """
    rows = list(session.scalars(select(Subscription).where(
        Subscription.platform == platform, Subscription.channel_id == channel_id)))
    fresh = [row for row in rows if row.broken_at is None]
    for row in rows:
        if row.broken_at is None:
            row.broken_at = _naive(now)
        row.broken_reason = reason[:300]
    session.flush()
    return _notices(session, platform, fresh, reason)


def mark_ok(session: Session, platform: str, channel_id: str, now: datetime) -> int:
    """The channel works again (the bot is in it, a post went through): clear `broken_at`. Returns how many."""
    result = session.execute(
        update(Subscription)
        .where(Subscription.platform == platform, Subscription.channel_id == channel_id,
               Subscription.broken_at.is_not(None))
        .values(broken_at=None, broken_reason=None)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def retire_conversation(session: Session, platform: str, conversation_id: str, now: datetime) -> bool:
    """A conversation the platform refused for good (403/404): never tried again. False if unknown."""
    row = session.scalar(select(ConversationRef).where(
        ConversationRef.platform == platform, ConversationRef.conversation_id == conversation_id))
    if row is None:
        return False
    if row.retired_at is None:
        row.retired_at = _naive(now)
        session.flush()
    return True


def _notices(session: Session, platform: str, rows: list[Subscription], reason: str) -> list[Notice]:
    by_person: dict[int, list[Subscription]] = {}
    for row in rows:
        if row.created_by_id is not None:
            by_person.setdefault(row.created_by_id, []).append(row)
    notices = []
    for person_id, subscriptions in by_person.items():
        person = session.get(Person, person_id)
        if person is None or person.platform != platform or platform not in CHAT_PLATFORMS:
            continue  # subscribed from another platform (a console): nobody to message there
        parties = [session.get(Party, s.party_id) for s in subscriptions]
        names = ", ".join(p.name or p.key for p in parties if p is not None)
        channel = subscriptions[0].channel_name or subscriptions[0].channel_id
        notices.append(Notice(platform, person.external_id, repair_reply(platform, channel, names, reason)))
    return notices


def repair_reply(platform: str, channel: str, parties: str, reason: str) -> Reply:
    """What the subscriber reads: which channel, which parties, and how to fix it."""
    known = reason if reason in KNOWN_REASONS else "other"
    return Reply(
        title=t(f"{platform}.broken.title", channel=channel),
        lines=[t(f"{platform}.broken.parties", parties=parties), t(f"{platform}.broken.{known}", channel=channel)],
        private=False,
        data={"broken": {"platform": platform, "channel": channel, "reason": reason}},
    )
