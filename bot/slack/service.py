"""The Slack part of `oppfolging serve`: HTTP mode on `POST /slack/events` and/or Socket Mode.

`setup(web_app, app)` (listed in `bot.server.SERVICE_MODULES`) does nothing unless Slack is
configured. HTTP requests are checked against the signing secret here, with the app's clock (so a
test can set the time), before slack-bolt sees them; Socket Mode connects in the background once
the service has started, so an unreachable Slack never blocks the health check or Teams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot import delivery, health, logformat
from bot.app import App
from bot.slack import listeners, payload_shapes, shortcuts
from bot.slack.ack_gate import AckGate
from bot.slack.client import Sleep, web_client
from bot.slack.delivery import SlackDeliverer
from bot.slack.listeners import ACKED, REPLAY_CHECK
from bot.slack.origin import Origin
from bot.slack.usergroups import DisplayNames, UsergroupParties
from handlers.core.context import Actor, Context
from handlers.core.replies import Reply
from storage.db import transaction
from storage.models import ProcessedRequest

log = logging.getLogger(__name__)

# How long a request waits for a Slack lookup (user name, user groups) before going on without it.
LOOKUP_TIMEOUT = 1.0
# A signed request is valid for five minutes (plus clock skew); within that time the same signature
# twice is a replay: Slack's own retries are new requests, with a new timestamp and so a new signature.
REPLAY_WINDOW = timedelta(minutes=6)
REPLAY_KEY_PREFIX = "slack:signature:"
HANDLER_SLOTS = 2


class AppClock(Clock):
    """The signature check's notion of "now": the bot's clock, which tests set."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


async def _bind_request_id(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:  # bolt passes arguments by name
    logformat.bind_request(logformat.slack_request_id(body))
    await next()


class SlackService:
    def __init__(self, app: App, *, sleep: Sleep = asyncio.sleep, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        settings = app.settings
        self.sleep = sleep
        self.monotonic = monotonic
        self.client = web_client(settings, sleep)
        self.bolt = AsyncApp(
            client=self.client,
            name="oppfolging",
            signing_secret=settings.slack_signing_secret or "",
            # Checked in `handle_http` with an injectable clock; Socket Mode needs no signature.
            request_verification_enabled=False,
            logger=logging.getLogger("bot.slack.bolt"),
        )
        self.verifier = (
            SignatureVerifier(settings.slack_signing_secret, clock=AppClock(lambda: app.clock().timestamp()))
            if settings.slack_signing_secret else None
        )
        self.usergroups = UsergroupParties(self.client, settings.slack_usergroup_parties, clock=monotonic)
        self.names = DisplayNames(self.client, clock=monotonic)
        self.deliverer = SlackDeliverer(self.client)
        self.socket_handler: AsyncSocketModeHandler | None = None
        # Handler threads at once. With the GIL more threads add no throughput, only more
        # competition with the event loop that acknowledges the next requests of a burst.
        self.handler_slots = asyncio.Semaphore(HANDLER_SLOTS)
        # ...and none starts while requests of the same burst still wait for their acknowledgement.
        self.ack_gate = AckGate()
        self._socket_task: asyncio.Task[None] | None = None
        # First of all: every line logged while Slack's request is handled (HTTP or Socket Mode) names it.
        self.bolt.use(_bind_request_id)
        listeners.register(self)
        shortcuts.register(self)  # message and global shortcuts (issue 15)

    # --- running the handlers ---------------------------------------------------------------

    async def handle(
        self, text: str, origin: Origin, *, request_key: str | None = None,
        run: Callable[[Context], Reply] | None = None,
    ) -> Reply:
        """`App.handle` in a worker thread (the database is synchronous), as the Slack user."""
        # Side by side, so a modal submission (answered within Slack's 3 seconds) waits at most once.
        name, parties = await asyncio.gather(
            self._bounded(self.names.name(origin.user, origin.user_name), origin.user_name),
            self.usergroups.parties_of(origin.user, wait=LOOKUP_TIMEOUT),
        )
        actor = Actor("slack", origin.user, name or origin.user_name or "")

        def configure(ctx: Context) -> None:
            ctx.channel = origin.channel
            ctx.channel_name = origin.channel_name
            ctx.request_key = request_key
            ctx.platform_parties = tuple(parties)

        acked = ACKED.get(None)
        if acked is None or acked.done():  # work before its own ack (a modal's errors) must not wait
            await self.ack_gate.quiet()
        async with self.handler_slots:
            return await asyncio.to_thread(self.app.handle, text, actor, configure=configure, run=run)

    @staticmethod
    async def _bounded(awaitable: Any, fallback: Any) -> Any:
        try:
            return await asyncio.wait_for(awaitable, LOOKUP_TIMEOUT)
        except TimeoutError:
            log.warning("Slack lookup took too long; going on without it")
            return fallback

    # --- HTTP mode -------------------------------------------------------------------------------

    async def handle_http(self, request: web.Request) -> web.Response:
        body = (await request.read()).decode("utf-8", errors="replace")
        if self.verifier is None or not self._signed(body, request):
            log.warning("Slack request with a bad signature or timestamp refused (from %s)", request.remote)
            return web.json_response({"error": "invalid_signature"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
        except (ValueError, TypeError, AttributeError, KeyError):  # signed, but no payload Slack would send
            log.warning("signed Slack request with an unreadable body refused")
            return web.json_response({"error": "invalid_payload"}, status=400)
        problem = payload_shapes.problem(bolt_request.body)
        if problem is not None:  # signed, but not shaped as Slack documents: nothing may run on it
            log.warning("signed Slack request of an unexpected shape refused (%s)", problem)
            return web.json_response({"error": "invalid_payload"}, status=400)
        # The replay check writes to the database: it runs beside the acknowledgement, and the work
        # after the ack waits for it (listeners.guarded), so the ack itself touches no database.
        check = asyncio.ensure_future(self._replayed(request.headers.get("X-Slack-Signature", "")))
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        tokens = REPLAY_CHECK.set(check), ACKED.set(acked)
        try:
            with self.ack_gate.acknowledging():
                return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))
        finally:
            REPLAY_CHECK.reset(tokens[0])
            ACKED.reset(tokens[1])
            if not acked.done():
                acked.set_result(None)

    async def _replayed(self, signature: str) -> bool:
        """Whether this signature was seen before, by this replica or another (the database decides)."""
        try:
            await self.ack_gate.quiet()
            return await asyncio.to_thread(_seen_before, self.app, signature)
        except Exception as exc:  # database down: let the request on, it gets "temporarily unavailable"
            log.warning("could not check the Slack request for a replay: %s", exc.__class__.__name__)
            return False

    def _signed(self, body: str, request: web.Request) -> bool:
        assert self.verifier is not None
        try:
            return self.verifier.is_valid_request(body, dict(request.headers))
        except (ValueError, TypeError):  # a timestamp that is no number
            return False

    # --- Socket Mode -----------------------------------------------------------------------------

    def socket_mode_handler(self) -> AsyncSocketModeHandler:
        """Needs a running event loop (the Socket Mode client starts a task when created)."""
        token = self.app.settings.slack_app_token
        assert token
        return AsyncSocketModeHandler(self.bolt, token, web_client=self.client, logger=logging.getLogger("bot.slack.socket"))

    async def start_socket_mode(self, web_app: web.Application) -> None:
        self.socket_handler = self.socket_mode_handler()
        self._socket_task = asyncio.create_task(self._connect(self.socket_handler))

    async def _connect(self, handler: AsyncSocketModeHandler) -> None:
        try:
            await handler.connect_async()
            log.warning("Slack Socket Mode connected")
        except Exception:  # keep serving HTTP and Teams; the client reconnects by itself once connected
            log.exception("Slack Socket Mode could not connect")

    async def stop(self, web_app: web.Application) -> None:
        if delivery.DELIVERERS.get("slack") is self.deliverer:
            del delivery.DELIVERERS["slack"]  # nothing may send through a service that is gone
        if self._socket_task is not None:
            self._socket_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._socket_task
        if self.socket_handler is not None:
            # While the connection closes, the SDK's ping/receive tasks may still try to write and log
            # "Cannot write to closing transport" with a traceback; at shutdown that is noise, not news.
            logging.getLogger("slack_sdk.socket_mode").setLevel(logging.CRITICAL)
            logging.getLogger("slack_bolt").setLevel(logging.CRITICAL)
            with contextlib.suppress(Exception):
                await self.socket_handler.close_async()


def _seen_before(app: App, signature: str) -> bool:
    now = app.clock().astimezone(UTC).replace(tzinfo=None)
    try:
        with transaction(app.sessions) as session:
            session.add(ProcessedRequest(key=f"{REPLAY_KEY_PREFIX}{signature}"[:300], at=now, result=None))
            session.flush()
            # Signatures older than the window can never be valid again.
            session.execute(delete(ProcessedRequest).where(
                ProcessedRequest.key.startswith(REPLAY_KEY_PREFIX), ProcessedRequest.at < now - REPLAY_WINDOW))
    except IntegrityError:
        return True
    return False


SLACK_KEY = web.AppKey("oppfolging_slack", SlackService)


async def _auth_test(service: SlackService) -> health.PartHealth:
    """Readiness: does Slack still accept the bot token (auth.test)? Only Slack's error code is kept."""
    try:
        await service.client.auth_test()
    except SlackApiError as exc:
        return health.PartHealth(False, f"Slack auth.test: {exc.response.get('error', 'error')}")
    return health.PartHealth(True)


def setup(web_app: web.Application, app: App) -> None:
    if not app.settings.slack_enabled:
        return
    install(web_app, SlackService(app))


def install(web_app: web.Application, service: SlackService) -> None:
    """Routes, deliverer and Socket Mode for `service` (tests pass one with an injected sleep)."""
    settings = service.app.settings
    web_app[SLACK_KEY] = service
    delivery.register("slack", service.deliverer)
    if settings.slack_signing_secret:
        web_app.router.add_post("/slack/events", service.handle_http)
    if settings.slack_app_token:
        web_app.on_startup.append(service.start_socket_mode)
    web_app.on_cleanup.append(service.stop)
    health.checks_of(web_app).add("slack", lambda: _auth_test(service))
    mode = "Socket Mode" if settings.slack_app_token else "HTTP mode on /slack/events"
    log.warning("Slack enabled (%s)", mode)
