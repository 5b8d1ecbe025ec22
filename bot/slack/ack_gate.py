"""Acknowledgements before work: the work after a Slack acknowledgement waits while other requests
are still being acknowledged.

Slack gives every request 3 seconds to be acknowledged; the answer itself may come later through
its `response_url`. Under a burst (ten people pressing a button as a meeting ends) each handler
thread started early competes for the interpreter with the event loop that is acknowledging the
next requests, and the acknowledgements pay for it. So a request's database work (its replay check
and its handler) starts only once no request is in its acknowledgement, or after `max_wait`
seconds, so that a steady stream of requests cannot hold the work back for long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, suppress

# Long enough for a burst's acknowledgements (a few milliseconds each), short enough that an answer
# is never held back noticeably: a user waits for the answer, Slack for the acknowledgement.
MAX_WAIT = 0.1


class AckGate:
    def __init__(self, max_wait: float = MAX_WAIT) -> None:
        self.max_wait = max_wait
        self._acking = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @property
    def acking(self) -> int:
        """Requests between their arrival and their acknowledgement."""
        return self._acking

    @contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Around one request's acknowledgement."""
        self._acking += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._acking -= 1
            if not self._acking:
                self._quiet.set()

    async def quiet(self) -> None:
        """Return once no request is being acknowledged (or after `max_wait`)."""
        # One turn of the event loop first: requests of the same burst that have already arrived
        # then start their acknowledgement before this work does.
        await asyncio.sleep(0)
        with suppress(TimeoutError):
            await asyncio.wait_for(self._quiet.wait(), self.max_wait)
