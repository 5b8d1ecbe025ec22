"""POST /api/messages: Teams activities in, Adaptive Cards out, on the Microsoft 365 Agents SDK.

`setup(web_app, app)` is listed in `bot.server.SERVICE_MODULES`; it adds nothing when Teams is not
configured and stops the start with a clear message when the configuration cannot work.

- a message (1:1, group chat, or a channel after an @mention, which the SDK strips) is one
  `App.handle` call, exactly like a Slack command or a line in the local chat;
- a card click (`Action.Execute` as an `adaptiveCard/action` invoke, or `Action.Submit` as a
  message with a value) runs the command the button carries or submits the form;
- installing, removing and every message keep the conversation reference in the database, so
  reminders and digests can be posted there later, after restarts too;
- while the bot gets no token from Entra (`bot.teams.tokens`), a click is still answered in the
  HTTP response, and anything that could only be answered by posting is refused with 503 and a
  Retry-After before it runs (nothing is stored that the user would not hear about).
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    DeliveryModes,
    InvokeResponse,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    AuthenticationConstants,
    MemoryStorage,
    OutboundHostValidator,
    RouteRank,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app.adaptive_card import factory
from microsoft_agents.hosting.core.app.proactive import ProactiveOptions

from bot import delivery, health, logformat
from bot.app import App
from bot.teams import auth, cards, extension, files, incoming
from bot.teams.delivery import TeamsDeliverer
from bot.teams.options import TeamsConfigError, TeamsOptions
from bot.teams.retry import TOKENLESS, RetryingClientFactory
from bot.teams.sending import card_activity, reply_activities
from bot.teams.tokens import TokenUnavailable
from handlers import router
from handlers.core import command_text
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.replies import Reply, error_reply

log = logging.getLogger(__name__)
# Set by `handle_request` for the turn it starts: done once the turn may be answered (see there).
TURN_STARTED: ContextVar[asyncio.Future[None] | None] = ContextVar("teams_turn_started", default=None)

# How long the Bot Connector is asked to wait while the bot has no token (Entra is usually back within minutes).
NO_TOKEN_RETRY_AFTER = 60


def setup(web_app: web.Application, app: App, *, options: TeamsOptions | None = None) -> None:
    try:
        if options is None:
            options = TeamsOptions.from_settings(app.settings)
        else:
            options.validate()
    except TeamsConfigError as exc:
        # A configuration that cannot work stops the start, with the reason and no traceback.
        raise SystemExit(f"Microsoft Teams: {exc}") from None
    if options is None:
        return
    service = TeamsService(app, options)
    web_app[SERVICE_KEY] = service
    web_app.router.add_post("/api/messages", service.handle_request)

    async def finish_turns(_web_app: web.Application) -> None:
        await service.settled()  # replies already promised by a 202 still go out

    web_app.on_shutdown.append(finish_turns)

    async def close_connections(_web_app: web.Application) -> None:
        await service.client_factory.close()

    web_app.on_cleanup.append(close_connections)
    delivery.register("teams", TeamsDeliverer(service))
    if not options.anonymous:
        health.checks_of(web_app).add("teams", lambda: _auth_check(service))
    if options.anonymous:
        log.warning("Teams: TEAMS_ALLOW_ANONYMOUS=1 - requests to /api/messages are NOT authenticated (development only)")


def _activity_id(body: bytes) -> str | None:
    """The Teams activity id, the request id of every line logged while it is handled."""
    try:
        activity = json.loads(body)
    except ValueError:
        return None
    value = activity.get("id") if isinstance(activity, dict) else None
    return value if isinstance(value, str) else None


async def _auth_check(service: TeamsService) -> health.PartHealth:
    """Readiness: can the bot still get a token for the Bot Connector from Entra (client credentials)?"""
    provider = service.connections.get_default_connection()
    scope = AuthenticationConstants.AGENTS_SDK_SCOPE
    try:
        token = await provider.get_access_token(scope, [f"{scope}/.default"])
    except TokenUnavailable as exc:
        # Its reason names the cause and the fix (an expired secret, the endpoint unreachable), never the secret.
        return health.PartHealth(False, exc.reason)
    return health.PartHealth(True) if token else health.PartHealth(False, "Entra gave no token for the Bot Connector")


def said(key: str, kind: str, **values: Any) -> str:
    """An adapter text with its commands shown the way this kind of Teams conversation takes them."""
    return command_text.text_for(t(key, **values), "teams", kind)


def plain(reply: Reply) -> str:
    """A reply as the plain text Teams shows for a click's answer (no markdown there)."""
    return "\n".join(line for line in [reply.title, *reply.lines] if line).replace("`", "")


@dataclass
class Outcome:
    """What a click produced, and where it belongs.

    `shared`: a change everyone in the conversation should see, so the clicked card is replaced
    for all. `interactor`: a view for the one who clicked (a refreshed list, a form with errors).
    `new`: something read (details, the next page), posted as a new message.
    """

    rendered: list[cards.Card] = field(default_factory=list)
    summary: str = ""
    mode: str = "shared"
    error: str | None = None
    # An `interactor` view: the refresh data that shows it again, for the clicker only (user-specific view).
    view: dict[str, Any] | None = None

    def personal_card(self, user: str) -> cards.Card:
        """The first card, as a view only `user`'s client refreshes (when there is one to refresh to)."""
        first = self.rendered[0]
        if self.view is None or not user or self.view.get("for") != user:
            return first
        return cards.for_users(first, self.view, [user])


class TeamsService:
    def __init__(self, app: App, options: TeamsOptions) -> None:
        self.app = app
        self.options = options
        self.auth_config = auth.agent_auth_configuration(options)
        self.connections = auth.connection_manager(options, self.auth_config)
        self.validator = auth.TokenValidator(self.auth_config, options.openid_metadata_url)
        self.client_factory = RetryingClientFactory(self.connections, options.retry)
        self.adapter = CloudAdapter(
            channel_service_client_factory=self.client_factory,
            host_validator=OutboundHostValidator(enabled=options.check_service_url),
        )
        self.adapter.on_turn_error = self._on_turn_error
        storage = MemoryStorage()  # the SDK wants one; everything that lasts is in the database
        self.agent: AgentApplication[TurnState] = AgentApplication[TurnState](
            ApplicationOptions(
                storage=storage,
                bot_app_id=options.app_id or "",
                start_typing_timer=False,
                remove_recipient_mention=True,
                proactive=ProactiveOptions(storage=storage),
            ),
            connection_manager=self.connections,
        )
        self._turns: set[asyncio.Future[web.StreamResponse]] = set()
        self._routes()

    @property
    def app_id(self) -> str:
        return self.options.app_id or ""

    # --- HTTP ------------------------------------------------------------------------------------

    async def handle_request(self, request: web.Request) -> web.StreamResponse:
        identity = await auth.authenticate(request, self.auth_config, self.validator)
        if isinstance(identity, web.StreamResponse):
            return identity
        # Read (and keep) the body here: one over the service's limit is a 413, which the SDK would
        # otherwise report as unreadable JSON (400).
        body = await request.read()
        logformat.bind_request(_activity_id(body))
        with warnings.catch_warnings():
            # The SDK's request adapter reads this plain string key, so it cannot be a web.RequestKey.
            warnings.simplefilter("ignore", NotAppKeyWarning)
            request["claims_identity"] = identity
        # The turn runs in its own task. A typed message is answered 202 as soon as the SDK has
        # accepted it (token, activity, service URL, tenant: `on_message` has begun), and the turn
        # goes on: the reply reaches the conversation through the Bot Connector as before, but the
        # Bot Connector no longer waits for the handler (Microsoft documents 202 for messages; only
        # invokes and expectReplies need the turn's result in the HTTP answer, and they still wait).
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        token = TURN_STARTED.set(started)
        try:
            turn = asyncio.ensure_future(self._turn(request))
        finally:
            TURN_STARTED.reset(token)
        self._turns.add(turn)
        turn.add_done_callback(self._turns.discard)
        await asyncio.wait({turn, started}, return_when=asyncio.FIRST_COMPLETED)
        if not turn.done():
            return web.Response(status=202)
        return turn.result()

    async def _turn(self, request: web.Request) -> web.StreamResponse:
        try:
            async with self.client_factory.closing():  # also when the turn never starts
                response = await start_agent_process(request, self.agent, self.adapter)
        except TokenUnavailable:
            # Only an invoke is answered without a token (in the response); this needed a post. The reason is
            # on /healthz and was logged once when it began (bot.teams.tokens), so not again per request.
            log.debug("Teams: activity refused while the bot has no token")
            return web.json_response({"error": "Service unavailable: the bot cannot reach Microsoft Entra"},
                                     status=503, headers={"Retry-After": str(NO_TOKEN_RETRY_AFTER)})
        except ValueError:  # an activity the SDK cannot read (pydantic validation)
            log.warning("Teams: unreadable activity refused")
            return web.json_response({"error": "Bad request"}, status=400)
        except Exception:  # after an early 202 nobody else would hear of it
            log.exception("Teams: turn failed outside the handlers")
            return web.json_response({"error": "Internal error"}, status=500)
        return response or web.Response(status=202)

    async def settled(self) -> None:
        """Wait for the turns still running after their early 202 (shutdown, and tests)."""
        while self._turns:
            await asyncio.gather(*list(self._turns), return_exceptions=True)

    # --- routes ----------------------------------------------------------------------------------

    def _routes(self) -> None:
        agent = self.agent
        agent.before_turn(self._same_tenant)
        agent.adaptive_card.action_execute(cards.VERB)(self.on_execute)
        agent.invoke("adaptiveCard/action", rank=RouteRank.LAST)(self.on_foreign_execute)
        agent.adaptive_card.action_submit("command", submit_filter=cards.KIND)(self.on_submit)
        agent.adaptive_card.action_submit("form", submit_filter=cards.KIND)(self.on_submit)
        agent.activity(ActivityTypes.message, rank=RouteRank.LAST)(self.on_message)
        agent.activity(ActivityTypes.conversation_update)(self.on_conversation_update)
        agent.installation_update()(self.on_installation_update)
        extension.register(self)  # message extension: composeExtension/fetchTask, submitAction, query (issue 15)
        agent.error(self._on_app_error)

    async def _same_tenant(self, context: TurnContext, state: TurnState) -> bool:
        """The app is single-tenant: an activity that names another tenant is ignored."""
        if not self.options.tenant_id:
            return True
        activity = context.activity
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        tenant = (data.get("tenant") or {}).get("id") if isinstance(data.get("tenant"), dict) else None
        tenant = tenant or (activity.conversation.tenant_id if activity.conversation else None)
        if tenant and tenant.lower() != self.options.tenant_id.lower():
            log.warning("Teams: activity from another tenant ignored")
            return False
        return True

    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        if activity.delivery_mode != DeliveryModes.expect_replies:
            accepted()  # the HTTP answer (202) need not wait for what follows
        seen = incoming.read(activity)
        await self.remember(context, seen)
        text = (activity.text or "").strip()
        if activity.attachments and await files.handle_upload(self, context, seen, text):
            return  # a protocol file with "importer": previewed in bot.teams.files
        if not text:
            key = "teams.bad_action" if activity.value is not None else "teams.no_text"
            reply = error_reply(said(key, seen.kind))
            await context.send_activities(reply_activities(reply))
            return
        reply = await self.handle(seen, text)
        await context.send_activities(reply_activities(reply, source=text))

    async def on_execute(self, context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        seen = incoming.read(context.activity)
        await self.remember(context, seen)
        outcome = await self.perform(seen, cards.parse_action(data))
        if outcome.error is not None:
            return factory.message(outcome.error.replace("`", ""))  # shown as plain text
        first, rest = outcome.rendered[0], outcome.rendered[1:]
        if outcome.mode == "interactor":
            # The clicker's view is the answer to their click, never a change of the card for everyone; its
            # refresh names only them, so only their client shows it again (user-specific views).
            if rest and seen.kind == "personal" and TOKENLESS not in context.turn_state:
                await context.send_activities([card_activity(c, outcome.summary) for c in rest])
            return factory.adaptive_card(outcome.personal_card(seen.user))  # type: ignore[arg-type]
        if TOKENLESS in context.turn_state:
            return factory.adaptive_card(first)  # type: ignore[arg-type]  # only the response reaches anyone now
        if outcome.mode == "new":
            await context.send_activities([card_activity(c, outcome.summary) for c in outcome.rendered])
            return factory.message(outcome.summary)
        if outcome.mode == "shared":
            await self._replace(context, first, outcome.summary)
        if rest:
            await context.send_activities([card_activity(c, outcome.summary) for c in rest])
        return factory.adaptive_card(first)  # type: ignore[arg-type]  # the SDK types the card as str

    async def on_foreign_execute(self, context: TurnContext, state: TurnState) -> None:
        """A card action that is not ours, or not readable: still an answer, and nothing runs."""
        response = factory.message(said("teams.bad_action", incoming.read(context.activity).kind).replace("`", ""))
        await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(
            status=200, body=response.model_dump(mode="json", by_alias=True, exclude_none=True))))

    async def on_submit(self, context: TurnContext, state: TurnState, data: Any) -> None:
        seen = incoming.read(context.activity)
        await self.remember(context, seen)
        outcome = await self.perform(seen, cards.parse_action(data))
        if outcome.error is not None:
            await context.send_activities(reply_activities(error_reply(outcome.error)))
            return
        pending = outcome.rendered
        if outcome.mode == "interactor" and seen.kind != "personal":
            # Action.Submit has no answer of its own, and replacing or posting the clicker's view would show it to
            # everyone. Everyone gets a placeholder; only the clicker's client refreshes it to their view.
            if outcome.view is not None and seen.user:
                name = seen.actor.display_name or t("teams.untitled")
                placeholder = cards.shared_placeholder(t("teams.private_view", name=name), outcome.view, [seen.user])
                await context.send_activities([card_activity(placeholder, outcome.summary)])
            return
        if outcome.mode != "new" and await self._replace(context, pending[0], outcome.summary):
            pending = pending[1:]
        if pending:
            await context.send_activities([card_activity(c, outcome.summary) for c in pending])

    async def _replace(self, context: TurnContext, card: cards.Card, summary: str) -> bool:
        """Update the clicked card in place (PUT …/activities/{id}); False when there is none to update."""
        card_id = context.activity.reply_to_id
        if not card_id:
            return False
        try:
            await context.update_activity(card_activity(card, summary, card_id))
        except Exception as exc:  # the click still gets its answer; only the old card stays as it was
            log.warning("Teams: could not update the clicked card: %s", exc.__class__.__name__)
            return False
        return True

    async def on_conversation_update(self, context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        seen = incoming.read(activity)
        if bot_id and any(m.id == bot_id for m in activity.members_removed or []):
            await asyncio.to_thread(incoming.delete_reference, self.app.sessions, seen.conversation_id)
            return
        await self.remember(context, seen)
        if bot_id and any(m.id == bot_id for m in activity.members_added or []):
            welcome = Reply(title=t("teams.welcome_title"), lines=[said("teams.welcome", seen.kind)])
            await context.send_activities(reply_activities(welcome))

    async def on_installation_update(self, context: TurnContext, state: TurnState) -> None:
        seen = incoming.read(context.activity)
        if (context.activity.action or "").startswith("remove"):
            await asyncio.to_thread(incoming.delete_reference, self.app.sessions, seen.conversation_id)
            return
        await self.remember(context, seen)

    # --- running commands ------------------------------------------------------------------------

    async def remember(self, context: TurnContext, seen: incoming.Incoming) -> None:
        if not seen.conversation_id:
            return
        reference = incoming.reference_json(context.activity, context.identity, seen.kind)
        try:
            await asyncio.to_thread(incoming.save_reference, self.app.sessions, seen.conversation_id, seen.kind,
                                    reference, seen.actor, self.app.clock())
        except Exception as exc:  # answering matters more than remembering; the next message retries
            log.warning("Teams: conversation reference not stored: %s", exc.__class__.__name__)

    async def handle(self, seen: incoming.Incoming, text: str,
                     run: Callable[[Context], Reply] | None = None) -> Reply:
        return await asyncio.to_thread(self.app.handle, text, seen.actor, configure=seen.configure, run=run)

    async def perform(self, seen: incoming.Incoming, action: cards.CardAction | None) -> Outcome:
        if action is None:
            return Outcome(error=said("teams.bad_action", seen.kind))
        if action.kind == "form":
            return await self._submit_form(seen, action)
        if action.kind == "view":
            return await self._view(seen, action)
        if action.missing is not None:
            return Outcome(error=t("teams.ask_missing", label=action.missing))
        reply = await self.handle(seen, action.command)
        if reply.error:
            return Outcome(error=plain(reply))
        summary = cards.summary(reply)
        if reply.private:
            return Outcome(cards.render(reply, source=action.command), summary, mode="new")
        if action.source:
            listing = await self.handle(seen, action.source, run=router.read_only(action.source))
            if not listing.error and listing.form is None:
                banner = reply.title or summary
                return Outcome(cards.render(listing, source=action.source, banner=banner), summary, mode="interactor",
                               view=cards.view_data(action.source, seen.user, banner) if seen.user else None)
        return Outcome(cards.render(reply), summary, mode="shared")

    async def _submit_form(self, seen: incoming.Incoming, action: cards.CardAction) -> Outcome:
        def submit(ctx: Context) -> Reply:
            return router.submit_form(ctx, action.form_id, action.values, action.form_context)

        reply = await self.handle(seen, "", run=submit)
        if reply.field_errors and action.opener:
            opened = await self.handle(seen, action.opener, run=router.read_only(action.opener))
            if opened.form is not None and opened.form.id == action.form_id:
                card = cards.render_form(opened.form, title=reply.title, values=action.values,
                                         errors=reply.field_errors, opener=action.opener)
                # Shown again (a refresh), the clicker gets the form anew: what they typed is not kept in the card.
                view = cards.view_data(action.opener, seen.user) if seen.user else None
                return Outcome([card], cards.summary(reply), mode="interactor", view=view)
        if reply.error:
            return Outcome(error=plain(reply))
        return Outcome(cards.render(reply), cards.summary(reply), mode="shared")

    async def _view(self, seen: incoming.Incoming, action: cards.CardAction) -> Outcome:
        """A user-specific view asked for again (a refresh): the command is only read, never run for real."""
        listing = await self.handle(seen, action.command, run=router.read_only(action.command))
        if listing.error:
            return Outcome(error=plain(listing))
        mine = action.for_user == seen.user  # a client that ignores userIds asks too: it gets its own view
        banner = action.banner if mine else None
        view = cards.view_data(action.command, seen.user, banner) if mine and seen.user else None
        return Outcome(cards.render(listing, source=action.command, banner=banner), cards.summary(listing),
                       mode="interactor", view=view)

    # --- errors ----------------------------------------------------------------------------------

    async def _on_app_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams: turn failed: %s", error.__class__.__name__, exc_info=error)
        if context.activity.type == ActivityTypes.message:
            try:  # best effort: when the Bot Connector itself is down this fails too
                await context.send_activities(reply_activities(error_reply(t("router.internal_error"))))
            except Exception:
                log.warning("Teams: could not send the apology either")

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        # Replaces the SDK default, which posts the exception text into the conversation.
        log.error("Teams: adapter error: %s", error.__class__.__name__, exc_info=error)


SERVICE_KEY = web.AppKey("oppfolging_teams", TeamsService)


def accepted() -> None:
    """Tell `handle_request` that the turn has been accepted and may be answered 202 now."""
    started = TURN_STARTED.get(None)
    if started is not None and not started.done():
        started.set_result(None)
