"""Teams users' e-mail addresses, learned from conversation members, to link roster people.

An activity names its sender by Entra object id (`from.aadObjectId`) but carries no e-mail. The
Bot Connector's conversation members API (`GET {serviceUrl}/v3/conversations/{id}/members`) does:
each member has `aadObjectId`, `email` and `userPrincipalName`. When someone whose address is not
known yet writes or clicks, the members of that conversation are read once (again at most every
`refresh` seconds per conversation), each member is stored as a Person (platform "teams", the object
id) with the address, and roster entries with that address are linked
(`handlers.parties.roster.learn_email`).

It runs before the turn, inside it, because the connector client (with the bot's token) lives only
as long as the turn; it waits at most `timeout` seconds and never stops the turn: a failure is
logged and the answer goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from aiohttp import web
from microsoft_agents.hosting.core import TurnContext, TurnState
from sqlalchemy import select

from bot.app import App
from bot.teams import incoming
from bot.teams.retry import TOKENLESS
from handlers.parties import roster
from storage import people
from storage.db import transaction
from storage.models import Person

log = logging.getLogger(__name__)

PLATFORM = "teams"
CONNECTOR_CLIENT = "ConnectorClient"  # where the SDK keeps the turn's connector client in turn_state
REFRESH = 24 * 3600.0
TIMEOUT = 3.0


@dataclass(frozen=True)
class Member:
    aad: str
    name: str
    email: str


def member_of(account: Any) -> Member | None:
    """A member as the connector lists it, or None without an object id or a usable address.

    `email` is preferred; the user principal name is used only when it is an address and not a
    guest's rewritten one (`…#EXT#@tenant.onmicrosoft.com`), which no roster would contain.
    """
    aad = getattr(account, "aad_object_id", None)
    extra = getattr(account, "model_extra", None) or {}
    email = str(extra.get("email") or "").strip()
    if not email:
        upn = str(extra.get("userPrincipalName") or "").strip()
        email = upn if "#ext#" not in upn.lower() else ""
    if not aad or not roster.is_valid_email(email.lower()):
        return None
    return Member(str(aad), str(getattr(account, "name", "") or ""), email)


class MemberEmails:
    def __init__(self, app: App, *, refresh: float = REFRESH, timeout: float = TIMEOUT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.refresh = refresh
        self.timeout = timeout
        self.clock = clock
        self._read: dict[str, float] = {}  # conversation id -> when its members were last read

    async def before_turn(self, context: TurnContext, state: TurnState) -> bool:
        """The agent's before-turn hook; always lets the turn go on."""
        try:
            await asyncio.wait_for(self.learn(context), self.timeout)
        except Exception as exc:  # the answer matters more than the address
            log.warning("Teams: conversation members not read: %s", exc.__class__.__name__)
        return True

    async def learn(self, context: TurnContext) -> int:
        """Read the conversation's members if the sender's address is unknown; returns roster links changed."""
        activity = context.activity
        sender = getattr(activity.from_property, "aad_object_id", None) if activity.from_property else None
        conversation = activity.conversation.id if activity.conversation else None
        if not sender or not conversation:
            return 0
        read_at = self._read.get(conversation)
        if read_at is not None and self.clock() - read_at < self.refresh:
            return 0
        if await asyncio.to_thread(self._known, str(sender)):
            return 0
        client = context.turn_state.get(CONNECTOR_CLIENT)
        if client is None or TOKENLESS in context.turn_state:  # without the bot's token the connector says no
            return 0
        self._read[conversation] = self.clock()  # a conversation that fails is not asked on every message
        # Members belong to the channel or chat, not to one thread of it.
        accounts = await client.conversations.get_conversation_members(incoming.base_conversation_id(conversation))
        found = [m for m in (member_of(a) for a in accounts) if m is not None]
        return await asyncio.to_thread(self._store, found) if found else 0

    def _known(self, aad: str) -> bool:
        with transaction(self.app.sessions) as session:
            email = session.scalar(select(Person.email).where(Person.platform == PLATFORM, Person.external_id == aad))
            return bool(email)

    def _store(self, members: list[Member]) -> int:
        now = self.app.clock().astimezone(UTC).replace(tzinfo=None)
        changed = 0
        with transaction(self.app.sessions) as session:
            for member in members:
                person = people.get_or_create(session, PLATFORM, member.aad, member.name, now)
                changed += roster.learn_email(session, person, member.email)
        return changed


MEMBERS_KEY = web.AppKey("oppfolging_teams_members", MemberEmails)


def attach(service: Any, app: App, **options: Any) -> MemberEmails:
    """Hook a `MemberEmails` into `service`'s agent, before every turn (tests pass their own clock)."""
    learner = MemberEmails(app, **options)
    service.agent.before_turn(learner.before_turn)
    return learner


def setup(web_app: web.Application, app: App) -> None:
    from bot.teams.service import SERVICE_KEY

    service = web_app.get(SERVICE_KEY)
    if service is not None:  # Teams is configured
        web_app[MEMBERS_KEY] = attach(service, app)
