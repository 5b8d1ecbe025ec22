"""A clock for pacing tests: `sleep` moves time forward instead of waiting, and records what was asked.

Each asyncio task keeps its own time (a context variable, copied when a task starts): a lane that
sleeps moves only its own clock, as if every lane ran on its own processor, so one lane's wait never
makes another lane's send look late. The pacer records sends on whichever clock its caller reads,
and checks every window whatever order sends are recorded in. `latest` is the furthest any task got.
Nothing here ever waits on the wall clock.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")


class FakeClock:
    def __init__(self, start: float = 0.0) -> None:
        self._now: ContextVar[float] = ContextVar(f"fake_clock_{id(self)}", default=start)
        self.latest = start
        self.sleeps: list[float] = []

    @property
    def now(self) -> float:
        return self._now.get()

    def __call__(self) -> float:
        return self._now.get()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now.set(self._now.get() + max(0.0, seconds))
        self.latest = max(self.latest, self._now.get())
        await asyncio.sleep(0)  # let the other tasks run, as a real sleep would

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """`asyncio.run`, with the loop's executor work done in place.

        Database work in a thread finishes in whatever order the threads happen to be scheduled; on
        the fake clock that order decides which lane reserves a rate slot first, so a slow thread
        could push one lane's first send past slots the others took. Done in place, every run orders
        the same way, as the clock promises.
        """

        async def main() -> T:
            asyncio.get_running_loop().set_default_executor(_InPlace())
            return await coroutine

        return asyncio.run(main())


class _InPlace(ThreadPoolExecutor):
    # asyncio accepts only a ThreadPoolExecutor as the default; no thread is ever started.

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        done: Future[T] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            done.set_exception(exc)
        return done


class SharedClock:
    """One time line for every task, as the real clock is: `sleep(d)` wakes when the clock reaches
    now + d, and `run` moves the clock to the next wake-up only once every task is waiting.

    `FakeClock` gives each task its own time, which keeps a lane's sends independent of the others'
    timing; this one is for what depends on the order of events across tasks (a message still under
    way while another leaves). Nothing waits on the wall clock.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._wakeups: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wakeup: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._wakeups, (self.now + max(0.0, seconds), self._count, wakeup))
        await wakeup

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        async def main() -> T:
            task = asyncio.ensure_future(coroutine)
            while True:
                for _ in range(_SETTLE):  # every task that can run reaches its next sleep
                    await asyncio.sleep(0)
                if task.done() or not self._wakeups:
                    return await task
                when, _, wakeup = heapq.heappop(self._wakeups)
                self.now = max(self.now, when)
                wakeup.set_result(None)

        return asyncio.run(main())


# Passes of the event loop between two wake-ups: far more than the steps from one sleep to the next
# of any task these tests run (no I/O, no threads).
_SETTLE = 50
