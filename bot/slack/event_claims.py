"""Slack events answered once: a retried event (same `event_id`, `X-Slack-Retry-Num`) does nothing again.

Slack retries an event it thinks was lost (no acknowledgement within three seconds, a connection
that broke) up to three times within about five minutes. Changes were already kept from happening
twice (the event id is their request key), but a read such as a 47-block list would be answered
again. So the first delivery claims the event id in `processed_requests`, in the database, so every
replica (and Socket Mode connection) agrees; a delivery that finds the claim taken does nothing.
If the work after the claim fails, the claim is given back, so Slack's retry gets another chance.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.app import App
from storage.db import transaction
from storage.models import ProcessedRequest

log = logging.getLogger(__name__)

EVENT_KEY_PREFIX = "slack:event:"
# Slack's retries come within minutes; an hour is plenty, and the table stays small.
CLAIM_WINDOW = timedelta(hours=1)
MAX_KEY = 300  # processed_requests.key


def event_key(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id or len(EVENT_KEY_PREFIX) + len(event_id) > MAX_KEY:
        return None  # nothing to recognise a retry by: answered (Slack always sends a short id)
    return f"{EVENT_KEY_PREFIX}{event_id}"


async def once(app: App, body: dict[str, Any], work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` for the event's first delivery only; give the claim back if it fails."""
    key = event_key(body)
    if key is not None:
        try:
            first = await asyncio.to_thread(_claim, app, key)
        except Exception as exc:  # database down: go on; the handlers answer "temporarily unavailable"
            log.warning("could not claim Slack event %s: %s", key, exc.__class__.__name__)
            key = None
        else:
            if not first:
                log.info("Slack event %s was delivered again (a retry); it was already answered", key)
                return
    try:
        await work()
    except BaseException:
        await release(app, key)
        raise


async def release(app: App, key: str | None) -> None:
    """Give the claim back after a failure, so that Slack's retry is handled."""
    if not key:
        return
    try:
        await asyncio.to_thread(_release, app, key)
    except Exception as exc:
        log.warning("could not release Slack event claim %s: %s", key, exc.__class__.__name__)


def _claim(app: App, key: str) -> bool:
    now = app.clock().astimezone(UTC).replace(tzinfo=None)
    try:
        with transaction(app.sessions) as session:
            session.add(ProcessedRequest(key=key, at=now, result=None))
            session.flush()
            session.execute(delete(ProcessedRequest).where(
                ProcessedRequest.key.startswith(EVENT_KEY_PREFIX), ProcessedRequest.at < now - CLAIM_WINDOW))
    except IntegrityError:
        return False
    return True


def _release(app: App, key: str) -> None:
    with transaction(app.sessions) as session:
        session.execute(delete(ProcessedRequest).where(ProcessedRequest.key == key))
