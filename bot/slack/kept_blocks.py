"""The blocks of a channel message, kept from a click that opens a modal until the modal is submitted.

Slack does not send the message again with a modal's submission, and the clicked item is replaced
in it afterwards, so the message's blocks are kept by view id until then. They are kept in the
database, not in this process: with several replicas (or Socket Mode connections) the submission
may reach another replica than the click did.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, timedelta

from sqlalchemy import delete

from bot.app import App
from bot.slack.blocks import Block
from storage.db import transaction
from storage.models import ProcessedRequest

log = logging.getLogger(__name__)

PENDING_TTL = timedelta(minutes=30)  # a response_url lives 30 minutes
BLOCKS_KEY_PREFIX = "slack:view-blocks:"


async def keep_blocks(app: App, view_id: str, blocks: list[Block]) -> None:
    try:
        await asyncio.to_thread(_store_blocks, app, view_id, blocks)
    except Exception as exc:  # the click still works; only the in-place update falls back
        log.warning("could not keep the message of modal %s: %r", view_id, exc)


async def take_blocks(app: App, view_id: str) -> list[Block] | None:
    try:
        return await asyncio.to_thread(_take_blocks, app, view_id)
    except Exception as exc:
        log.warning("could not read the message of modal %s: %r", view_id, exc)
        return None


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

