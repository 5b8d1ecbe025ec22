"""SQLAlchemy models: parties, people, meetings, actions and their history, notifications.

Instants are stored as naive UTC datetimes (SQLite has no time zones); `handlers.clock.as_utc`
turns them back into aware values. Deadlines are calendar dates in the bot's zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Explicit constraint names keep Alembic batch migrations on SQLite reproducible.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")
OPEN_STATUSES = ("open", "in_progress")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Party(Base):
    """A responsible party: registry entries, plus ad-hoc groups users create."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # Aliases and group members as JSON lists: they are read whole, never queried into.
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Person(Base):
    """Someone who talks to the bot, identified per platform (Slack user id, Entra object id)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Known from the platform (Slack profile, Teams UPN) or from the roster; matches roster entries.
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    # How this person wants reminders: "chat", "email" or "both" (`/oppfølging varsling`).
    notify_via: Mapped[str] = mapped_column(String(10), default="chat", server_default="chat")

    memberships: Mapped[list[Membership]] = relationship(back_populates="person", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return self.display_name or self.external_id


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    # "chat" when the person joined with `medlem`, "usergroup" when synced from a platform group.
    source: Mapped[str] = mapped_column(String(20), default="chat")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    person: Mapped[Person] = relationship(back_populates="memberships")
    party: Mapped[Party] = relationship()


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str] = mapped_column(String(300), default="")
    region: Mapped[str | None] = mapped_column(String(80), index=True)  # county key for regional meetings
    convener: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled, cancelled
    uid: Mapped[str | None] = mapped_column(String(300), unique=True)  # iCalendar UID when imported
    source: Mapped[str] = mapped_column(String(20), default="console")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Action(Base):
    """A follow-up action (oppfølgingspunkt)."""

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_status_deadline", "status", "deadline"),
        # The list order (storage/queries.py): a page is read from the front, not sorted (0007).
        Index("ix_actions_list_order", sql_text("(deadline IS NULL)"), "deadline", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    deadline: Mapped[date | None] = mapped_column(Date)
    deadline_text: Mapped[str] = mapped_column(String(200), default="")
    # A deadline tied to a meeting ("til vårmøtet"): {"kind": ..., "year": ...}; `deadline` follows it.
    deadline_meeting: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    case_ref: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(20), default="console")
    # Makes imports and retried chat requests idempotent: the same key never creates a second action.
    origin_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Where the action was captured: a Slack message permalink or a Teams message link.
    source_link: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    party_links: Mapped[list[ActionParty]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionParty.position"
    )
    meeting: Mapped[Meeting | None] = relationship()
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])

    @property
    def party_keys(self) -> list[str]:
        return [link.party.key for link in self.party_links]


class ActionParty(Base):
    __tablename__ = "action_parties"
    __table_args__ = (
        UniqueConstraint("action_id", "party_id"),
        Index("ix_action_parties_party_action", "party_id", "action_id"),
        # A party's list groups are range counts and its page is read from the front (0009).
        Index("ix_action_parties_counts", "party_id", "status", "deadline", "action_id"),
        Index("ix_action_parties_list_order", "party_id", sql_text("(deadline IS NULL)"), "deadline", "action_id",
              "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Copies of the action's status and deadline, written by the database's triggers (migration
    # 0009) and read only by storage/queries.py: the application never sets them.
    status: Mapped[str | None] = mapped_column(String(20))
    deadline: Mapped[date | None] = mapped_column(Date)

    action: Mapped[Action] = relationship(back_populates="party_links")
    party: Mapped[Party] = relationship(lazy="joined")


class ActionTally(Base):
    """How many actions have each status and deadline day, kept by the database's triggers (0009)
    so that a list's groups are counted over days, not over actions. Read only."""

    __tablename__ = "action_tally"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # NO_DEADLINE for actions without one
    n: Mapped[int] = mapped_column(Integer, server_default="0")


NO_DEADLINE = date(9999, 12, 31)


class PartyTally(Base):
    """How many actions each party is linked to per status and deadline day, kept by the database's
    triggers on the links (0010) so that the overview's chart counts over days, not over actions.
    Read only."""

    __tablename__ = "party_tally"

    party_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # NO_DEADLINE for actions without one
    n: Mapped[int] = mapped_column(Integer, server_default="0")


class ActionEvent(Base):
    """Append-only history of an action: who did what, when, from where, and the previous value."""

    __tablename__ = "action_events"
    # "Done since the last meeting" (the overview's chart) reads the status changes since then (0010).
    __table_args__ = (Index("ix_action_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))  # console, slack, teams, import, scheduler
    kind: Mapped[str] = mapped_column(String(30))  # created, status, deadline, comment, text, parties, snooze
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Person | None] = relationship()


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[Person | None] = relationship()


class RosterEntry(Base):
    """Who represents a party, as the secretariat's roster file says (part, navn, e-post, rolle).

    A re-import updates entries; an entry missing from the file is kept with `removed_at` set, so the
    history shows who represented the party when. `person_id` is the chat user matched by e-mail.
    """

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("party_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)  # stored lower-case
    role: Mapped[str] = mapped_column(String(200), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)

    party: Mapped[Party] = relationship()
    person: Mapped[Person | None] = relationship()


class DeliveryHealth(Base):
    """How sending to one address went lately (a channel, a chat user, an e-mail address).

    Written by every delivery, read by `dekning` and by routing: an address that failed for good
    (`failing`) is skipped until a later success or a fix clears it.
    """

    __tablename__ = "delivery_health"
    __table_args__ = (UniqueConstraint("platform", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(400))
    last_ok_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failing: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Subscription(Base):
    """A channel that receives a party's reminders and digest."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "channel_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(300))
    channel_name: Mapped[str] = mapped_column(String(300), default="")
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Set when the platform refused the channel (not_in_channel, channel_not_found, is_archived);
    # routing then skips it and the party's next route is used until someone fixes it.
    broken_at: Mapped[datetime | None] = mapped_column(DateTime)
    broken_reason: Mapped[str | None] = mapped_column(String(300))

    party: Mapped[Party] = relationship()


class ConversationRef(Base):
    """Where the bot can post later without being spoken to (Teams proactive messages, Slack DMs)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str] = mapped_column(String(400))
    # The person this is a 1:1 conversation with, if it is one.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="personal")  # personal, groupChat, channel
    reference: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # A conversation the connector answered 403/404 for is never tried again.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class Notification(Base):
    """One reminder/digest message to one destination, claimed before it is sent.

    `key` is the idempotency key (action, kind, due date, destination): inserting it is the claim,
    and the UNIQUE constraint is what keeps replicas and restarts from sending anything twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    platform: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(20), default="claimed")  # claimed, sent, failed, skipped
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    message_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    # The responsible party this message is for (coverage, "waiting without a recipient").
    party_key: Mapped[str | None] = mapped_column(String(80), index=True)


class ReminderSnooze(Base):
    """"Minn meg på igjen": one action's reminders paused for one destination until `until` (the
    chosen working day's send time), when the reminder comes back once. The deadline is untouched."""

    __tablename__ = "reminder_snoozes"
    __table_args__ = (UniqueConstraint("action_id", "platform", "destination"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(400))
    destination_kind: Mapped[str] = mapped_column(String(20), default="channel", server_default="channel")
    party_key: Mapped[str | None] = mapped_column(String(80))
    until: Mapped[datetime] = mapped_column(DateTime, index=True)
    until_day: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ProcessedRequest(Base):
    """Platform request ids already handled, so retried deliveries do nothing twice."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PendingImport(Base):
    """A protocol import shown as a preview, waiting for **Importer** or **Avbryt**."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(300))
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, imported, cancelled


class Setting(Base):
    """Small key/value settings changed at run time (e.g. the secretariat channel)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class AuditEvent(Base):
    """Changes to everything that is not an action (meetings, memberships, subscriptions, parties,
    settings, imports): who, when, from where, and the value before and after. Append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(30))  # meeting, membership, subscription, party, setting, import
    entity_id: Mapped[str] = mapped_column(String(200))
    change: Mapped[str] = mapped_column(String(30))  # created, changed, cancelled, removed
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)

    actor: Mapped[Person | None] = relationship()


class HistoryRewrite(Base):
    """Open only inside the transaction that pseudonymises a person (`handlers/privacy`).

    The append-only triggers (migrations 0004, 0007) let an action or audit event change only while
    a row of this table exists, and then only its values (never who, when, from where or what kind
    of change). The erasing transaction inserts a row, rewrites, and deletes
    it again before it commits, so no other transaction ever sees one.
    """

    __tablename__ = "history_rewrites"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(30))
