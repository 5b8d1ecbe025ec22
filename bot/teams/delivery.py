"""The Teams deliverer: reminders and digests posted where nobody asked, through stored references.

`Destination.address` is a conversation id the bot has seen (a channel, a group chat, a 1:1 chat),
or, with `kind="user"`, a person's Entra object id: then their 1:1 chat with the bot is used, and
opened (POST /v3/conversations) when the bot knows none yet. The SDK's proactive API sends with the
claims stored with the reference, so this works after a restart and from any replica.

A long reply goes out as several cards (see `bot.teams.cards`); the id of the first is returned.

A stored conversation the connector answers 403 (the app was removed, the bot blocked) or 404 (the
conversation is gone) for is retired (`channel_state.retire_conversation`) and never tried again;
the error names it (`code="forbidden"` / `"not_found"`) so the engine uses the party's next route.
For a person, a new 1:1 chat is opened instead; when the connector refuses that with 403 (they do
not have the app) and `bot.teams.graph` is configured, the app is installed for them and the chat
opened once more. If Graph refuses, the error is `forbidden` and the engine falls back to e-mail.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import aiohttp
from microsoft_agents.activity import ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.app.proactive import Conversation, CreateConversationOptions

from bot.app import App
from bot.delivery import DeliveryError, Destination
from bot.teams import graph, incoming
from bot.teams.options import TeamsOptions
from bot.teams.retry import RetryingClientFactory, retry_after
from bot.teams.sending import reply_activities
from bot.teams.tokens import TokenUnavailable
from handlers.core.context import Actor
from handlers.core.replies import Reply
from handlers.reminders import channel_state, pacing
from storage.db import transaction

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from microsoft_agents.hosting.aiohttp import CloudAdapter
    from microsoft_agents.hosting.core import AgentApplication, TurnState

# The connector's answers that no retry will change: bad payload, bot removed or blocked, gone.
PERMANENT_STATUS = frozenset({400, 403, 404, 405, 413})
# A conversation answering these is retired: it will answer the same tomorrow.
RETIRING_STATUS = {403: "forbidden", 404: "not_found"}


def delivery_error(exc: aiohttp.ClientResponseError, now: datetime) -> DeliveryError:
    wait = retry_after(exc.headers or {}, now) if exc.status == 429 else None
    return DeliveryError(f"Bot Connector answered {exc.status}", retry_after=wait,
                         permanent=exc.status in PERMANENT_STATUS, code=RETIRING_STATUS.get(exc.status))


class Service(Protocol):
    """What the deliverer uses of `bot.teams.service.TeamsService`, which creates and registers it."""

    app: App
    options: TeamsOptions
    adapter: CloudAdapter
    agent: AgentApplication[TurnState]
    client_factory: RetryingClientFactory

    @property
    def app_id(self) -> str: ...


# How long a conversation read from the database is used again without reading it anew. A delivery
# round sends a destination's messages one after another within seconds; reading the reference for
# each cost a database round trip per message (docs/PERFORMANCE.md, Teams). The copies are dropped
# when a send retires a conversation or this process stores or removes one (an installation, a
# removal); a change made by another replica is read after at most this long.
REFERENCE_TTL = 10.0


class TeamsDeliverer:
    def __init__(self, service: Service, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        # Installing the app through Graph for people who lack it (None: not configured).
        self.installer: graph.AppInstaller | None = graph.installer_from_env(service.options)
        self._clock = clock
        self._references: dict[tuple[str, bool], tuple[float, incoming.StoredConversation]] = {}
        self._generation = incoming.generation()

    async def _reference(self, address: str, user: bool) -> incoming.StoredConversation | None:
        now = self._clock()
        if self._generation != incoming.generation():  # this process stored or removed a conversation
            self._references, self._generation = {}, incoming.generation()
        cached = self._references.get((address, user))
        if cached is not None and now - cached[0] < REFERENCE_TTL:
            return cached[1]
        stored = await asyncio.to_thread(incoming.find_reference, self.service.app.sessions, address, user=user)
        if stored is None:
            self._references.pop((address, user), None)
        else:
            if len(self._references) > 1000:  # a long-running service sends to many places: forget the old
                self._references = {k: v for k, v in self._references.items() if now - v[0] < REFERENCE_TTL}
            self._references[(address, user)] = (now, stored)
        return stored

    async def send(self, destination: Destination, reply: Reply) -> str:
        if destination.platform != "teams" or not destination.address:
            raise DeliveryError(f"not a Teams destination: {destination}", permanent=True)
        user = destination.kind == "user"
        try:
            stored = await self._reference(destination.address, user)
            if stored is not None:
                try:
                    return await self._post(incoming.load_conversation(stored.reference), reply)
                except aiohttp.ClientResponseError as exc:
                    if exc.status not in RETIRING_STATUS:
                        raise
                    await self._retire(stored.conversation_id, exc)
                    if not user:
                        raise
            elif not user:
                # Never seen, or retired after a 403/404: nothing to post to until the app is added again.
                raise DeliveryError(f"no Teams conversation stored for {destination.address}; "
                                    "the bot must be installed there first", permanent=True, code="not_found")
            return await self._post(await self._personal_chat(destination.address), reply)
        except aiohttp.ClientResponseError as exc:
            raise delivery_error(exc, self.service.options.retry.clock()) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryError(f"Bot Connector unreachable: {exc.__class__.__name__}") from exc
        except TokenUnavailable as exc:  # transient: the reminder waits until Entra gives a token again
            raise DeliveryError(f"no token for the bot: {exc.reason}") from exc

    async def _retire(self, conversation_id: str, exc: aiohttp.ClientResponseError) -> None:
        self._references = {k: v for k, v in self._references.items() if v[1].conversation_id != conversation_id}
        log.warning("Teams conversation %s answered %d; it is retired and not tried again", conversation_id,
                    exc.status)

        def retire() -> None:
            with transaction(self.service.app.sessions) as session:
                channel_state.retire_conversation(session, incoming.PLATFORM, conversation_id,
                                                  self.service.app.clock())

        await asyncio.to_thread(retire)

    async def _personal_chat(self, aad_object_id: str) -> Conversation:
        """The person's 1:1 chat, opened anew; installing the app for them first when they lack it."""
        try:
            return await self._open_personal_chat(aad_object_id)
        except aiohttp.ClientResponseError as exc:
            if exc.status != 403 or self.installer is None:
                raise
        try:
            await self.installer.install_for(aad_object_id)
        except graph.InstallRefused as refused:
            raise DeliveryError(f"the Teams app could not be installed for {aad_object_id}: {refused}",
                                permanent=True, code="forbidden") from refused
        return await self._open_personal_chat(aad_object_id)

    async def _post(self, conversation: Conversation, reply: Reply) -> str:
        activities = reply_activities(reply)
        ids: list[str] = []
        failure: BaseException | None = None

        async def post(context: TurnContext) -> None:
            nonlocal failure
            try:
                for n, activity in enumerate(activities):
                    if n:
                        await pacing.next_message()  # each card counts against the conversation's limits
                    response = await context.send_activity(activity)
                    ids.append(response.id if response and response.id else "")
            except Exception as exc:  # the adapter would only log it; the caller must see it
                failure = exc

        # The SDK's proactive turn with the claims stored with the reference; no turn state is
        # loaded (a channel reference names no user, and nothing here needs state). Without an id
        # the continuation makes the message a new post, not a reply to a made-up message id.
        continuation = conversation.conversation_reference.get_continuation_activity()
        continuation.id = None
        async with self.service.client_factory.closing():
            await self.service.adapter.continue_conversation_with_claims(
                Conversation.identity_from_claims(conversation.claims), continuation, post)
        if failure is not None:
            raise failure
        return next((i for i in ids if i), "")

    async def _open_personal_chat(self, aad_object_id: str) -> Conversation:
        """Open the bot's 1:1 chat with a person (they must have the app) and remember it."""
        service = self.service
        seed = await asyncio.to_thread(incoming.any_reference, service.app.sessions)
        if seed is None:
            raise DeliveryError("no Teams conversation known yet, so no service URL to open a chat with",
                                permanent=True)
        known = incoming.load_conversation(seed.reference).conversation_reference
        tenant = service.options.tenant_id or (known.conversation.tenant_id if known.conversation else None)
        agent = known.agent or ChannelAccount(id=f"28:{service.app_id}")
        parameters = ConversationParameters(
            is_group=False, agent=agent, members=[ChannelAccount(id=aad_object_id)], tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        identity = Conversation.identity_from_claims(incoming.load_conversation(seed.reference).claims)
        # The SDK leaves the connector client open when the connector refuses the new chat (403 for a
        # person without the app): `closing()` closes it whatever happens.
        async with service.client_factory.closing():
            opened = await service.agent.proactive.create_conversation(
                service.adapter,
                CreateConversationOptions(identity=identity, channel_id="msteams", parameters=parameters,
                                          service_url=known.service_url),
            )
        reference = opened.conversation_reference
        reference.user = ChannelAccount(id=aad_object_id, aad_object_id=aad_object_id)
        stored = incoming.stored_json(Conversation(opened.claims, reference))
        person = Actor(incoming.PLATFORM, aad_object_id, "")
        await asyncio.to_thread(incoming.save_reference, service.app.sessions, reference.conversation.id, "personal",
                                stored, person, service.app.clock())
        return opened
