"""Taking claims for sending, the next message of many destinations per transaction.

Each delivery lane (one destination) leases and reads its next claim just before sending it. Done
one by one, twenty lanes starting together queued twenty transactions on the database, and a digest
of one message per channel spent most of its time there instead of sending (docs/PERFORMANCE.md,
delivery). The lanes ask here instead, and what they asked for meanwhile is taken in one
transaction (`engine.take_many`, through `bot/batching.py`). A lease is still taken only when its
lane is ready to send, so nothing is held longer than before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.batching import Batcher
from handlers.reminders import engine
from handlers.reminders.engine import EngineConfig, Prepared

Db = Callable[..., Awaitable[Any]]
Taken = Prepared | str | None  # what to send; why it is no longer wanted; None: held elsewhere or finished


class Takes:
    """The claims of one delivery round, taken in batches; `close()` waits for the last batch."""

    def __init__(self, db: Db, worker: str, now: datetime, config: EngineConfig) -> None:
        self._db = db  # runs `fn(session, *args)` in one transaction off the event loop
        self._worker = worker
        self._now = now
        self._config = config
        self._batches: Batcher[tuple[int, bool], Taken] = Batcher(self._take)

    async def take(self, notification_id: int, *, fresh: bool) -> Taken:
        """Lease this claim and say what to send (`engine.take_many`), from the next batch. A lane
        cancelled while waiting leaves its lease to go stale; it is retried then."""
        return await self._batches.submit((notification_id, fresh))

    async def _take(self, wanted: list[tuple[int, bool]]) -> list[Taken]:
        taken = await self._db(engine.take_many, wanted, self._now, self._worker, self._config)
        return [taken[notification_id] for notification_id, _ in wanted]

    async def close(self) -> None:
        """Wait for a batch still being taken (a round that stopped early leaves no transaction behind)."""
        await self._batches.close()
