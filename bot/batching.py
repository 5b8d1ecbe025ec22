"""Work many tasks hand over, done by one task at a time in batches.

A delivery round has up to 20 lanes (one per destination) that each need a database transaction
before a send (`bot/takes.py`) and after it (`bot/sent_marks.py`). One transaction per message cost
more than the send itself. Here the lanes hand their item over and one runner takes everything
handed over so far as one batch; what arrives while a batch runs forms the next one. Nothing waits
for a batch to fill: a lone item goes at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class Batcher(Generic[Item, Answer]):
    """`run(items)` answers a batch, one answer per item in order; an error goes to every item of it."""

    def __init__(self, run: Callable[[list[Item]], Awaitable[Sequence[Answer]]]) -> None:
        self._run = run
        self._pending: list[tuple[Item, asyncio.Future[Answer]]] = []
        self._runner: asyncio.Task[None] | None = None

    def submit(self, item: Item) -> asyncio.Future[Answer]:
        """Hand `item` over; the future holds its answer once its batch has run."""
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending.append((item, answer))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._drain())
        return answer

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                answers = await self._run([item for item, _ in batch])
            except Exception as exc:
                for _, answer in batch:
                    if not answer.done():
                        answer.set_exception(exc)
                continue
            for (_, answer), value in zip(batch, answers, strict=True):
                if not answer.done():  # a task that asked was cancelled meanwhile
                    answer.set_result(value)

    async def close(self) -> None:
        """Wait until everything handed over has run (also when the round is being cancelled)."""
        while self._runner is not None and not self._runner.done():
            await asyncio.shield(self._runner)
