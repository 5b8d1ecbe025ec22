"""Taking claims for sending, the next message of many destinations per transaction.

Each delivery lane (one destination) leases and reads its next claim just before sending it
(`engine.take`). Done one by one, twenty lanes starting together queued twenty transactions on the
database, and a digest of one message per channel spent most of its time there instead of sending
(docs/PERFORMANCE.md, delivery). The lanes ask here instead: one writer at a time takes everything
asked for so far in one transaction (`engine.take_many`) and hands each lane its answer. A lease is
still taken only when its lane is ready to send, so nothing is held longer than before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from handlers.reminders import engine
from handlers.reminders.engine import EngineConfig, Prepared

Db = Callable[..., Awaitable[Any]]
Taken = Prepared | str | None


class Takes:
    """The claims of one delivery round, taken in batches; `close()` waits for the last batch."""

    def __init__(self, db: Db, worker: str, now: datetime, config: EngineConfig) -> None:
        self._db = db  # runs `fn(session, *args)` in one transaction off the event loop
        self._worker = worker
        self._now = now
        self._config = config
        self._pending: list[tuple[int, bool, asyncio.Future[Taken]]] = []
        self._taker: asyncio.Task[None] | None = None
        self.transactions = 0

    async def take(self, notification_id: int, *, fresh: bool) -> Taken:
        """What `engine.take` answers for this claim, from the next batch."""
        answer: asyncio.Future[Taken] = asyncio.get_running_loop().create_future()
        self._pending.append((notification_id, fresh, answer))
        if self._taker is None or self._taker.done():
            self._taker = asyncio.ensure_future(self._run())
        return await answer

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                taken = await self._db(engine.take_many, [(i, fresh) for i, fresh, _ in batch], self._now,
                                       self._worker, self._config)
            except Exception as exc:  # the database is gone: every lane that asked hears it
                for _, _, answer in batch:
                    if not answer.done():
                        answer.set_exception(exc)
                continue
            self.transactions += 1
            for notification_id, _, answer in batch:
                if not answer.done():  # a lane cancelled meanwhile: its lease goes stale and is retried
                    answer.set_result(taken.get(notification_id))

    async def close(self) -> None:
        """Wait for a batch still being taken (a round that stopped early leaves no transaction behind)."""
        while self._taker is not None and not self._taker.done():
            await asyncio.shield(self._taker)
