"""Calls to the Bot Connector that survive its bad moments: retries with backoff, Retry-After honoured.

The SDK's connector client raises on the first 429 or 5xx. The connector answers 429 when a bot
posts too fast (Teams throttles per conversation and per tenant) and 5xx on transient trouble, so
every connector request goes through `retry_middleware`: up to `attempts` tries, waiting what
`Retry-After` says (or an exponential backoff), but never longer than `max_wait` in one go — a
longer pause is better left to the caller (the reminder engine retries a `DeliveryError` later).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse, ClientSession, ClientTimeout
from microsoft_agents.hosting.core import RestChannelServiceClientFactory
from microsoft_agents.hosting.core.authorization import ClaimsIdentity, Connections
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.turn_context import TurnContext

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


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


def connector_session(service_url: str, policy: RetryPolicy) -> ClientSession:
    base = service_url if service_url.endswith("/") else service_url + "/"
    return ClientSession(base_url=base, middlewares=(retry_middleware(policy),),
                         timeout=ClientTimeout(total=policy.timeout))


class RetryingClientFactory(RestChannelServiceClientFactory):
    """The SDK's client factory, but the connector client it makes retries (see the module docstring).

    Only the Bot Framework / Teams path is kept: agentic identities and Copilot Studio connector
    users are not used by this bot. Tokens still come from the connection manager (MSAL).
    """

    def __init__(self, connection_manager: Connections, policy: RetryPolicy) -> None:
        super().__init__(connection_manager)
        self._policy = policy

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
        token = await provider.get_access_token(audience, scopes or claims_identity.get_token_scope())
        return TeamsConnectorClient(endpoint=service_url, token=token or "",
                                    session=connector_session(service_url, self._policy))
