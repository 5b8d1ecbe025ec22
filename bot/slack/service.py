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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import Clock, SignatureVerifier
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot import delivery
from bot.app import App
from bot.slack.blocks import Block
from bot.slack.client import Sleep, web_client
from bot.slack.delivery import SlackDeliverer
from bot.slack.usergroups import DisplayNames, UsergroupParties
from handlers.context import Actor, Context
from handlers.replies import Reply
from storage.db import transaction
from storage.models import ProcessedRequest

log = logging.getLogger(__name__)

# How long a request waits for a Slack lookup (user name, user groups) before going on without it.
LOOKUP_TIMEOUT = 1.0
PENDING_TTL = timedelta(minutes=30)  # a response_url lives 30 minutes
BLOCKS_KEY_PREFIX = "slack:view-blocks:"
# A signed request is valid for five minutes (plus clock skew); within that time the same signature
# twice is a replay: Slack's own retries are new requests, with a new timestamp and so a new signature.
REPLAY_WINDOW = timedelta(minutes=6)
REPLAY_KEY_PREFIX = "slack:signature:"


class AppClock(Clock):
    """The signature check's notion of "now": the bot's clock, which tests set."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


@dataclass(frozen=True)
class Origin:
    """Who did something in Slack, and where."""

    user: str
    user_name: str = ""
    channel: str | None = None
    channel_name: str = ""


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
        self._socket_task: asyncio.Task[None] | None = None

        from bot.slack import listeners

        listeners.register(self)

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

        return await asyncio.to_thread(self.app.handle, text, actor, configure=configure, run=run)

    @staticmethod
    async def _bounded(awaitable: Any, fallback: Any) -> Any:
        try:
            return await asyncio.wait_for(awaitable, LOOKUP_TIMEOUT)
        except TimeoutError:
            log.warning("Slack lookup took too long; going on without it")
            return fallback

    # --- blocks kept for modals opened from channel messages ---------------------------------
    #
    # Slack does not send the message again with a modal's submission, and the clicked item is
    # replaced in it afterwards, so the message's blocks are kept by view id until then. They are
    # kept in the database, not in this process: with several replicas (or Socket Mode connections)
    # the submission may reach another replica than the click did.

    async def keep_blocks(self, view_id: str, blocks: list[Block]) -> None:
        try:
            await asyncio.to_thread(_store_blocks, self.app, view_id, blocks)
        except Exception as exc:  # the click still works; only the in-place update falls back
            log.warning("could not keep the message of modal %s: %r", view_id, exc)

    async def take_blocks(self, view_id: str) -> list[Block] | None:
        try:
            return await asyncio.to_thread(_take_blocks, self.app, view_id)
        except Exception as exc:
            log.warning("could not read the message of modal %s: %r", view_id, exc)
            return None

    # --- HTTP mode -------------------------------------------------------------------------------

    async def handle_http(self, request: web.Request) -> web.Response:
        body = (await request.read()).decode("utf-8", errors="replace")
        if self.verifier is None or not self._signed(body, request):
            log.warning("Slack request with a bad signature or timestamp refused (from %s)", request.remote)
            return web.json_response({"error": "invalid_signature"}, status=401)
        if await self._replayed(request.headers.get("X-Slack-Signature", "")):
            # Acknowledged, so whoever sent it stops; but nothing runs a second time.
            log.warning("Slack request replayed (its signature was already used) ignored (from %s)", request.remote)
            return web.Response(status=200)
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
        except (ValueError, TypeError, AttributeError, KeyError):  # signed, but no payload Slack would send
            log.warning("signed Slack request with an unreadable body refused")
            return web.json_response({"error": "invalid_payload"}, status=400)
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

    async def _replayed(self, signature: str) -> bool:
        """Whether this signature was seen before, by this replica or another (the database decides)."""
        try:
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


def _blocks_key(view_id: str) -> str:
    return f"{BLOCKS_KEY_PREFIX}{view_id}"[:300]


def _store_blocks(app: App, view_id: str, blocks: list[Block]) -> None:
    now = app.clock().astimezone(UTC).replace(tzinfo=None)
    with transaction(app.sessions) as session:
        session.merge(ProcessedRequest(key=_blocks_key(view_id), at=now, result={"blocks": blocks}))
        # Modals nobody submitted: their response_url has expired, so their blocks are useless.
        session.execute(delete(ProcessedRequest).where(
            ProcessedRequest.key.startswith(BLOCKS_KEY_PREFIX), ProcessedRequest.at < now - PENDING_TTL))


def _take_blocks(app: App, view_id: str) -> list[Block] | None:
    now = app.clock().astimezone(UTC).replace(tzinfo=None)
    with transaction(app.sessions) as session:
        row = session.get(ProcessedRequest, _blocks_key(view_id))
        if row is None:
            return None
        session.delete(row)
        blocks = (row.result or {}).get("blocks")
        return blocks if row.at >= now - PENDING_TTL and isinstance(blocks, list) else None


SLACK_KEY = web.AppKey("oppfolging_slack", SlackService)


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
    mode = "Socket Mode" if settings.slack_app_token else "HTTP mode on /slack/events"
    log.warning("Slack enabled (%s)", mode)
