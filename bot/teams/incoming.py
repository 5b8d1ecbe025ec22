"""Who, where and what from a Teams activity; conversation references kept in the database.

People are identified by their Entra object id (`from.aadObjectId`), the same id an admin puts in
`OPPFOLGING_ADMINS` as `teams:<id>`. A channel is identified by its conversation id without the
`;messageid=…` of a thread, so a subscription or reminder goes to the channel, not into a thread.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import ClaimsIdentity
from microsoft_agents.hosting.core.app.proactive import Conversation
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handlers.core.context import Actor, Context
from storage import people
from storage.db import transaction
from storage.models import ConversationRef, Person

log = logging.getLogger(__name__)

PLATFORM = "teams"
KINDS = ("personal", "groupChat", "channel")


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's conversation id names the channel and the thread; keep the channel."""
    return conversation_id.split(";messageid=", 1)[0]


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


@dataclass(frozen=True)
class Incoming:
    actor: Actor
    conversation_id: str  # the channel or chat, without a thread's message id
    kind: str  # personal, groupChat, channel
    channel_name: str
    request_key: str | None
    # The sender's Teams user id ("29:…"), which a card's `refresh.userIds` names (user-specific views).
    user: str = ""

    def configure(self, ctx: Context) -> None:
        ctx.channel = self.conversation_id
        ctx.channel_name = self.channel_name
        ctx.request_key = self.request_key
        ctx.conversation_kind = self.kind


def actor_of(activity: Activity) -> Actor:
    sender = activity.from_property
    if sender is None:
        return Actor(PLATFORM, "unknown", "")
    # The Entra object id is what Teams, Graph and the admin list share; the Teams-internal "29:…"
    # id only stands in when a client (a local emulator) sends no object id.
    external = sender.aad_object_id or sender.id or "unknown"
    return Actor(PLATFORM, external, sender.name or "")


def read(activity: Activity) -> Incoming:
    conversation = activity.conversation
    raw_id = conversation.id if conversation and conversation.id else ""
    kind = (conversation.conversation_type if conversation else None) or "personal"
    if kind not in KINDS:
        kind = "groupChat" if conversation and conversation.is_group else "personal"
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    if not data and activity.channel_data is not None and hasattr(activity.channel_data, "model_dump"):
        data = activity.channel_data.model_dump(by_alias=True)
    name = (
        _get(data, "channel", "name")
        or _get(data, "team", "name")
        or (conversation.name if conversation else None)
        or ""
    )
    key = None
    if activity.id and raw_id:
        # Activity ids are only unique within a conversation (channel messages use timestamps).
        key = "teams:" + hashlib.sha256(f"{raw_id}|{activity.id}".encode()).hexdigest()[:40]
    user = activity.from_property.id if activity.from_property and activity.from_property.id else ""
    return Incoming(actor_of(activity), base_conversation_id(raw_id), kind, name, key, user)


# --- conversation references ---------------------------------------------------------------------


def reference_json(activity: Activity, identity: ClaimsIdentity | None, kind: str) -> dict[str, Any]:
    """What a later proactive message needs: where to post and which claims to post with.

    Without the incoming activity's id (a proactive message must not become a reply in an old
    thread), without a thread's message id, and without the sender unless it is a 1:1 chat.
    """
    reference = activity.get_conversation_reference()
    reference.activity_id = None
    if reference.conversation is not None and reference.conversation.id:
        reference.conversation.id = base_conversation_id(reference.conversation.id)
    if kind != "personal":
        reference.user = None
    return _stored(Conversation(identity or {}, reference))


def _stored(conversation: Conversation) -> dict[str, Any]:
    stored = conversation.store_item_to_json()
    stored.pop("_span_context", None)
    stored["conversation_reference"] = {k: v for k, v in stored["conversation_reference"].items() if v is not None}
    return stored


def stored_json(conversation: Conversation) -> dict[str, Any]:
    """A conversation (e.g. one the bot just opened) as it is kept in `ConversationRef.reference`."""
    return _stored(conversation)


def load_conversation(reference: dict[str, Any]) -> Conversation:
    return Conversation.from_json_to_store_item(reference)


# Counts the references this process stored, changed or deleted: the deliverer's short-lived copies
# (bot/teams/delivery.py) are dropped when it moves. Other replicas' changes reach them within its TTL.
_generation = 0


def generation() -> int:
    return _generation


def _changed() -> None:
    global _generation
    _generation += 1


def save_reference(sessions: sessionmaker[Session], conversation_id: str, kind: str, reference: dict[str, Any],
                   actor: Actor | None, now: datetime) -> None:
    """Insert or update; unchanged references are not rewritten, so ordinary messages cost one read."""
    naive = now.replace(tzinfo=None)
    with transaction(sessions) as session:
        person_id = None
        if kind == "personal" and actor is not None:
            person_id = people.get_or_create(session, PLATFORM, actor.external_id, actor.display_name, naive).id
        row = session.scalar(select(ConversationRef).where(ConversationRef.platform == PLATFORM,
                                                           ConversationRef.conversation_id == conversation_id))
        if row is None:
            row = ConversationRef(platform=PLATFORM, conversation_id=conversation_id, kind=kind, person_id=person_id,
                                  reference=reference, updated_at=naive)
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
                _changed()
                return
            except IntegrityError:  # another replica stored it first; update theirs below
                row = session.scalars(select(ConversationRef).where(
                    ConversationRef.platform == PLATFORM, ConversationRef.conversation_id == conversation_id)).one()
        if row.reference == reference and row.kind == kind and row.person_id == person_id and row.retired_at is None:
            return
        # Heard from again (the app added back, a 1:1 chat reopened): a retired conversation works once more.
        row.reference, row.kind, row.person_id, row.updated_at = reference, kind, person_id, naive
        row.retired_at = None
        _changed()


def delete_reference(sessions: sessionmaker[Session], conversation_id: str) -> bool:
    with transaction(sessions) as session:
        row = session.scalar(select(ConversationRef).where(ConversationRef.platform == PLATFORM,
                                                           ConversationRef.conversation_id == conversation_id))
        if row is None:
            return False
        session.delete(row)
        _changed()
        return True


@dataclass(frozen=True)
class StoredConversation:
    conversation_id: str
    kind: str
    reference: dict[str, Any]


def find_reference(sessions: sessionmaker[Session], address: str, *, user: bool) -> StoredConversation | None:
    """The stored conversation for a destination: a conversation id, or (for a user) an Entra object id."""
    with sessions() as session:
        # A retired conversation (it answered 403/404) is never tried again.
        row = session.scalar(select(ConversationRef).where(ConversationRef.platform == PLATFORM,
                                                           ConversationRef.conversation_id == address,
                                                           ConversationRef.retired_at.is_(None)))
        if row is None and user:
            row = session.scalar(
                select(ConversationRef).join(Person, Person.id == ConversationRef.person_id)
                .where(ConversationRef.platform == PLATFORM, ConversationRef.kind == "personal",
                       ConversationRef.retired_at.is_(None),
                       Person.platform == PLATFORM, Person.external_id == address)
                .order_by(ConversationRef.updated_at.desc()).limit(1)
            )
        if row is None:
            return None
        return StoredConversation(row.conversation_id, row.kind, dict(row.reference))


def any_reference(sessions: sessionmaker[Session]) -> StoredConversation | None:
    """The most recently seen conversation: its service URL and claims open a new 1:1 chat."""
    with sessions() as session:
        row = session.scalar(select(ConversationRef).where(ConversationRef.platform == PLATFORM)
                             .order_by(ConversationRef.updated_at.desc()).limit(1))
        return StoredConversation(row.conversation_id, row.kind, dict(row.reference)) if row else None
