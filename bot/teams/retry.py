"""Calls to the Bot Connector that survive its bad moments: retries with backoff, Retry-After honoured.

The SDK's connector client raises on the first 429 or 5xx. The connector answers 429 when a bot
posts too fast (Teams throttles per conversation and per tenant) and 5xx on transient trouble, so
every connector request goes through `retry_middleware`: up to `attempts` tries, waiting what
`Retry-After` says (or an exponential backoff), but never longer than `max_wait` in one go — a
longer pause is better left to the caller (the reminder engine retries a `DeliveryError` later).
In a reminder run's paced send (`handlers.reminders.pacing`) a 429 goes straight back to the runner:
its pacer makes the whole conversation (and, when the limit is the app's, the bot) wait, not just
this one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse, ClientSession, ClientTimeout
from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.core import RestChannelServiceClientFactory
from microsoft_agents.hosting.core.authorization import ClaimsIdentity, Connections
from microsoft_agents.hosting.core.connector import ConnectorClientBase, UserTokenClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.turn_context import TurnContext

from bot.teams.tokens import TokenUnavailable
from handlers.reminders import pacing

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Connections kept open to the Bot Connector at most (aiohttp's default): the reminder runner sends
# to at most 20 conversations at once, and answers to users come on top.
POOL_LIMIT = 100


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5  # seconds before the second try; doubles each time
    max_delay: float = 8.0
    max_wait: float = 15.0  # a Retry-After longer than this is handed back to the caller instead
    timeout: float = 30.0  # per request
    # Injected so tests can see the waits without waiting; the service uses asyncio.sleep and the wall clock.
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), compare=False)

    def backoff(self, attempt: int) -> float:
        """The wait after failed try number `attempt` (1-based)."""
        return min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))


def retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def retry_middleware(policy: RetryPolicy) -> Callable[[ClientRequest, ClientHandlerType], Awaitable[ClientResponse]]:
    async def middleware(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await handler(request)
            except (TimeoutError, aiohttp.ClientConnectionError) as exc:
                if attempt >= policy.attempts:
                    raise
                delay = policy.backoff(attempt)
                log.warning("Bot Connector %s %s failed (%s); retry %d in %.1fs",
                            request.method, request.url.path, exc.__class__.__name__, attempt, delay)
                await policy.sleep(delay)
                continue
            if response.status not in RETRYABLE_STATUS or attempt >= policy.attempts:
                return response
            if response.status == 429 and pacing.in_paced_send():
                return response  # the reminder runner's pacer holds the conversation (and the bot) and retries
            delay = retry_after(response.headers, policy.clock()) if response.status == 429 else None
            if delay is None:
                delay = policy.backoff(attempt)
            if delay > policy.max_wait:
                return response  # the caller turns this into DeliveryError(retry_after=…)
            log.warning("Bot Connector %s %s answered %d; retry %d in %.1fs",
                        request.method, request.url.path, response.status, attempt, delay)
            response.release()
            await policy.sleep(delay)

    return middleware


def connector_session(service_url: str, policy: RetryPolicy, pool: aiohttp.BaseConnector | None = None) -> ClientSession:
    """A session for one connector client; with `pool`, its connections are the pool's and outlive it."""
    base = service_url if service_url.endswith("/") else service_url + "/"
    return ClientSession(base_url=base, middlewares=(retry_middleware(policy),),
                         timeout=ClientTimeout(total=policy.timeout), connector=pool, connector_owner=pool is None)


# Set in a turn's state when the bot has no token (see `bot.teams.tokens`): only the HTTP answer can reach the user.
TOKENLESS = "oppfolging.tokenless"


def answers_in_band(context: TurnContext | None) -> bool:
    """Whether the turn is answered in the HTTP response (an invoke), which needs no token of the bot."""
    return context is not None and context.activity is not None and context.activity.type == ActivityTypes.invoke


def tokenless_session(service_url: str, reason: str) -> ClientSession:
    """A connector session that sends nothing: every request fails with `TokenUnavailable` before it leaves."""

    async def refuse(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        raise TokenUnavailable(reason)

    base = service_url if service_url.endswith("/") else service_url + "/"
    return ClientSession(base_url=base, middlewares=(refuse,))


# The clients made inside `RetryingClientFactory.closing()` (None outside it).
_OPENED: ContextVar[list[ConnectorClientBase | UserTokenClientBase] | None] = ContextVar("teams_opened_clients",
                                                                                         default=None)


class RetryingClientFactory(RestChannelServiceClientFactory):
    """The SDK's client factory, but the connector client it makes retries (see the module docstring).

    Only the Bot Framework / Teams path is kept: agentic identities and Copilot Studio connector
    users are not used by this bot. Tokens come from the connection manager (`bot.teams.tokens`).

    Without a token (`TokenUnavailable`), an invoke still runs, with clients that cannot send (its
    answer goes back in the HTTP response) and `TOKENLESS` set in its turn state; anything else
    raises, and the service answers 503.

    Every client it makes holds an aiohttp session. The SDK closes them after a turn, but not when
    the turn never starts: `create_conversation` whose POST /v3/conversations is refused (a person
    without the app), or a connector client that cannot be made after the user-token client was.
    Those sessions were left to the garbage collector ("Unclosed client session", "Unclosed
    connector"). Whatever runs inside `closing()` has every client made for it closed at the end.
    """

    @contextlib.asynccontextmanager
    async def closing(self) -> AsyncIterator[None]:
        opened: list[ConnectorClientBase | UserTokenClientBase] = []
        token = _OPENED.set(opened)
        try:
            yield
        finally:
            _OPENED.reset(token)
            for client in opened:
                try:
                    await client.close()  # a second close (the SDK's own) does nothing
                except Exception as exc:  # closing must not hide what happened in the block
                    log.debug("Teams: closing a connector client failed: %s", exc.__class__.__name__)

    @staticmethod
    def _opened(client: ConnectorClientBase | UserTokenClientBase) -> ConnectorClientBase | UserTokenClientBase:
        opened = _OPENED.get()
        if opened is not None:
            opened.append(client)
        return client

    def __init__(self, connection_manager: Connections, policy: RetryPolicy) -> None:
        super().__init__(connection_manager)
        self._policy = policy
        # The SDK makes a connector client, with its own session, for every turn, proactive sends
        # included; on a session of its own each message opened a new TCP and TLS connection to the
        # Bot Connector. The sessions share one pool of connections per event loop instead.
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.TCPConnector] = (
            weakref.WeakKeyDictionary())

    def _pool(self) -> aiohttp.TCPConnector:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None or pool.closed:
            pool = self._pools[loop] = aiohttp.TCPConnector(limit=POOL_LIMIT)
        return pool

    async def close(self) -> None:
        """Closes the pool of this event loop's connections (at the service's shutdown)."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        if not service_url:
            raise TypeError("create_connector_client: service_url is required")
        if not audience:
            raise TypeError("create_connector_client: audience is required")
        provider = (
            self._ANONYMOUS_TOKEN_PROVIDER
            if use_anonymous
            else self._connection_manager.get_token_provider(claims_identity, service_url)
        )
        try:
            token = await provider.get_access_token(audience, scopes or claims_identity.get_token_scope())
        except TokenUnavailable as exc:
            if context is None or not answers_in_band(context):
                raise
            context.turn_state[TOKENLESS] = exc.reason
            return self._opened(TeamsConnectorClient(endpoint=service_url, token="",  # type: ignore[return-value]
                                                     session=tokenless_session(service_url, exc.reason)))
        return self._opened(TeamsConnectorClient(endpoint=service_url, token=token or "",  # type: ignore[return-value]
                                                 session=connector_session(service_url, self._policy,
                                                                           self._pool())))

    async def create_user_token_client(self, context: TurnContext, claims_identity: ClaimsIdentity,
                                       use_anonymous: bool = False) -> UserTokenClientBase:
        try:
            return self._opened(await super().create_user_token_client(context, claims_identity,  # type: ignore[return-value]
                                                                        use_anonymous))
        except TokenUnavailable as exc:
            if not answers_in_band(context):
                raise
            # The bot signs nobody in (no OAuth connections), so this client is never used; it only has to exist.
            context.turn_state[TOKENLESS] = exc.reason
            return self._opened(UserTokenClient(  # type: ignore[return-value]
                app_id=claims_identity.get_app_id() or str(claims_identity.get_claim_value("aud") or "bot"),
                endpoint=self._token_service_endpoint, token="",
                session=tokenless_session(self._token_service_endpoint, exc.reason)))
