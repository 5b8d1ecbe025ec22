"""The Teams deliverer: reminders and digests posted where nobody asked, through stored references.

`Destination.address` is a conversation id the bot has seen (a channel, a group chat, a 1:1 chat),
or, with `kind="user"`, a person's Entra object id: then their 1:1 chat with the bot is used, and
opened (POST /v3/conversations) when the bot knows none yet. The SDK's proactive API sends with the
claims stored with the reference, so this works after a restart and from any replica.

A long reply goes out as several cards (see `bot.teams.cards`); the id of the first is returned.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import aiohttp
from microsoft_agents.activity import ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.app.proactive import Conversation, CreateConversationOptions

from bot.delivery import DeliveryError, Destination
from bot.teams import incoming
from bot.teams.retry import retry_after
from bot.teams.service import TeamsService, reply_activities
from handlers.context import Actor
from handlers.replies import Reply

# The connector's answers that no retry will change: bad payload, bot removed or blocked, gone.
PERMANENT_STATUS = frozenset({400, 403, 404, 405, 413})


def delivery_error(exc: aiohttp.ClientResponseError, now: datetime) -> DeliveryError:
    wait = retry_after(exc.headers or {}, now) if exc.status == 429 else None
    return DeliveryError(f"Bot Connector answered {exc.status}", retry_after=wait,
                         permanent=exc.status in PERMANENT_STATUS)


class TeamsDeliverer:
    def __init__(self, service: TeamsService) -> None:
        self.service = service

    async def send(self, destination: Destination, reply: Reply) -> str:
        if destination.platform != "teams" or not destination.address:
            raise DeliveryError(f"not a Teams destination: {destination}", permanent=True)
        sessions = self.service.app.sessions
        user = destination.kind == "user"
        try:
            stored = await asyncio.to_thread(incoming.find_reference, sessions, destination.address, user=user)
            if stored is not None:
                conversation = incoming.load_conversation(stored.reference)
            elif user:
                conversation = await self._open_personal_chat(destination.address)
            else:
                raise DeliveryError(f"no Teams conversation stored for {destination.address}; "
                                    "the bot must be installed there first", permanent=True)
            return await self._post(conversation, reply)
        except aiohttp.ClientResponseError as exc:
            raise delivery_error(exc, self.service.options.retry.clock()) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryError(f"Bot Connector unreachable: {exc.__class__.__name__}") from exc

    async def _post(self, conversation: Conversation, reply: Reply) -> str:
        activities = reply_activities(reply)
        ids: list[str] = []
        failure: BaseException | None = None

        async def post(context: TurnContext) -> None:
            nonlocal failure
            try:
                for activity in activities:
                    response = await context.send_activity(activity)
                    ids.append(response.id if response and response.id else "")
            except Exception as exc:  # the adapter would only log it; the caller must see it
                failure = exc

        # The SDK's proactive turn with the claims stored with the reference; no turn state is
        # loaded (a channel reference names no user, and nothing here needs state). Without an id
        # the continuation makes the message a new post, not a reply to a made-up message id.
        continuation = conversation.conversation_reference.get_continuation_activity()
        continuation.id = None
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
