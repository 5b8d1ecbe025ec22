"""Marking what the platforms accepted, many messages per transaction.

Marking each message sent in a transaction of its own (a pool checkout, a ping, three statements,
a commit) cost more than sending it: at Teams' pace of 50 messages a second the delivery on
PostgreSQL fell behind the documented rate (docs/PERFORMANCE.md, Teams). The delivery lanes hand
each accepted message over here and go on with their next one; what was handed over meanwhile is
marked in one transaction (`failures.delivered_many`, through `bot/batching.py`).

What this changes for a crash: a message the platform accepted whose mark was not yet written is
sent again after `stale_after`, as in the one double-send window that was already there
(handlers/reminders/claims.py), now widened by at most one batch's write.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.batching import Batcher
from handlers.reminders import failures

log = logging.getLogger(__name__)

Db = Callable[..., Awaitable[Any]]


class SentMarks:
    """Accepted messages of one delivery round, written in batches; `close()` waits for the last."""

    def __init__(self, db: Db, worker: str, now: datetime) -> None:
        self._db = db  # runs `fn(session, *args)` in one transaction off the event loop
        self._worker = worker
        self._now = now
        self._batches: Batcher[tuple[failures.Sent, str], None] = Batcher(self._mark)
        self._error: Exception | None = None

    def add(self, sent: failures.Sent, key: str) -> None:
        """`sent` went out (`key` names it in the log); it is marked with the next batch. The lane
        does not wait for that: its next message does not depend on it."""
        self._batches.submit((sent, key))

    async def _mark(self, batch: list[tuple[failures.Sent, str]]) -> list[None]:
        try:
            won = await self._db(failures.delivered_many, [sent for sent, _ in batch], self._worker, self._now)
        except Exception as exc:
            # The database is gone: these claims stay "claimed" and are sent again after
            # `stale_after`. Said here with their keys, and raised from `close()`.
            log.error("could not mark %d sent notification(s) (%s): %s", len(batch), exc,
                      ", ".join(key for _, key in batch))
            self._error = self._error or exc
        else:
            for sent, key in batch:
                if sent.id not in won:
                    log.warning("notification %s was sent but its claim had been taken over", key)
        return [None] * len(batch)

    async def close(self) -> None:
        """Wait until everything added is written; raises the first error a write met."""
        await self._batches.close()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
