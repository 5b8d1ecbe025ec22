"""Marking what the platforms accepted, many messages per transaction.

Marking each message sent in a transaction of its own (a pool checkout, a ping, three statements,
a commit) cost more than sending it: at Teams' pace of 50 messages a second the delivery on
PostgreSQL fell behind the documented rate (docs/PERFORMANCE.md, Teams). The delivery lanes hand
each accepted message over here and go on with their next one; one writer at a time takes
everything handed over so far and marks it in one transaction (`failures.delivered_many`).

What this changes for a crash: a message the platform accepted whose mark was not yet written is
sent again after `stale_after`, as in the one double-send window that was already there
(handlers/reminders/claims.py), now widened by at most one batch's write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from handlers.reminders import failures

log = logging.getLogger(__name__)

Db = Callable[..., Awaitable[Any]]


class SentMarks:
    """Accepted messages of one delivery round, written in batches; `close()` waits for the last."""

    def __init__(self, db: Db, worker: str, now: datetime) -> None:
        self._db = db  # runs `fn(session, *args)` in one transaction off the event loop
        self._worker = worker
        self._now = now
        self._pending: list[tuple[failures.Sent, str]] = []
        self._writer: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self.written = 0  # transactions, for tests and benchmarks

    def add(self, sent: failures.Sent, key: str) -> None:
        """`sent` went out (`key` names it in the log); it is marked with the next batch."""
        self._pending.append((sent, key))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write())

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                won = await self._db(failures.delivered_many, [sent for sent, _ in batch], self._worker, self._now)
            except Exception as exc:
                # The database is gone: these claims stay "claimed" and are sent again after
                # `stale_after`. Said here with their keys, and raised from `close()`.
                log.error("could not mark %d sent notification(s) (%s): %s", len(batch), exc,
                          ", ".join(key for _, key in batch))
                self._error = self._error or exc
                continue
            self.written += 1
            self._warn_taken_over(batch, won)

    @staticmethod
    def _warn_taken_over(batch: Sequence[tuple[failures.Sent, str]], won: set[int]) -> None:
        for sent, key in batch:
            if sent.id not in won:
                log.warning("notification %s was sent but its claim had been taken over", key)

    async def close(self) -> None:
        """Wait until everything added is written; raises the first error a write met."""
        while self._writer is not None and not self._writer.done():
            # Shielded: a delivery that is being cancelled still marks what already went out.
            await asyncio.shield(self._writer)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
