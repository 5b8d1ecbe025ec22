"""The Slack Web API client: base URL from `SLACK_API_URL`, retries on 429 and transient errors.

slack_sdk's retry handlers do the work; the subclasses here only take the sleep function as a
parameter, so a test can see that `Retry-After` is honoured without waiting for it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Settings

Sleep = Callable[[float], Awaitable[Any]]

DEFAULT_API_URL = "https://slack.com/api/"
MAX_RETRY_AFTER = 120.0  # Slack asks for seconds to a minute; anything longer is the retry queue's job
TIMEOUT = 10  # seconds per HTTP call; the 3-second answers never wait on a slow Web API anyway


def retry_after_seconds(headers: dict[str, Any] | None) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Retries an HTTP 429 after the `Retry-After` the server gave (plus a little jitter)."""

    def __init__(self, max_retry_count: int = 3, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    async def prepare_for_next_attempt_async(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        wait = retry_after_seconds(response.headers)
        wait = 1.0 if wait is None else min(wait, MAX_RETRY_AFTER)
        await self.sleep(wait + random.random() * 0.5)
        state.increment_current_attempt()


class _SleepInjected(AsyncRetryHandler):
    sleep: Sleep

    async def prepare_for_next_attempt_async(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self.sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class ServerErrorRetry(_SleepInjected, AsyncServerErrorRetryHandler):
    """Retries 500 and 503 with exponential backoff."""

    def __init__(self, max_retry_count: int = 2, sleep: Sleep = asyncio.sleep) -> None:
        AsyncServerErrorRetryHandler.__init__(
            self, max_retry_count=max_retry_count, interval_calculator=BackoffRetryIntervalCalculator(0.5)
        )
        self.sleep = sleep


class ConnectionErrorRetry(_SleepInjected, AsyncConnectionErrorRetryHandler):
    """Retries a dropped connection with exponential backoff."""

    def __init__(self, max_retry_count: int = 2, sleep: Sleep = asyncio.sleep) -> None:
        AsyncConnectionErrorRetryHandler.__init__(
            self, max_retry_count=max_retry_count, interval_calculator=BackoffRetryIntervalCalculator(0.5)
        )
        self.sleep = sleep


def retry_handlers(sleep: Sleep = asyncio.sleep) -> list[AsyncRetryHandler]:
    return [RateLimitRetry(sleep=sleep), ServerErrorRetry(sleep=sleep), ConnectionErrorRetry(sleep=sleep)]


def api_url(settings: Settings) -> str:
    url = settings.slack_api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def web_client(settings: Settings, sleep: Sleep = asyncio.sleep) -> AsyncWebClient:
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=api_url(settings), timeout=TIMEOUT,
        retry_handlers=retry_handlers(sleep),
    )


def webhook_client(url: str, sleep: Sleep = asyncio.sleep) -> AsyncWebhookClient:
    """For `response_url`s: replies to commands and in-place updates after clicks."""
    return AsyncWebhookClient(url=url, timeout=TIMEOUT, retry_handlers=retry_handlers(sleep))
