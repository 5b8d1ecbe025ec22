"""How fast messages may go out: the platforms' documented rate limits, and the pacer that keeps them.

The numbers live here and nowhere else, each with the page it comes from. A limit is a set of
sliding windows: "at most `count` messages in any `seconds`". A destination (a Slack channel or DM,
a Teams conversation) has its own windows, and all destinations of one platform share the bot's.

Before each message the pacer waits until one more message to that destination keeps every window
of the destination and of the bot, then records the moment (the actual one: a waiter that woke late
is counted when it goes, so a late burst can never break a window). The runner's sends go through
`turn`, which counts a message at every moment from when it leaves until the platform answers: the
platform counts it on arrival, which can be any of those moments, so the windows hold as the
platform sees them. It also remembers a
platform's `Retry-After`: the destination waits at least that long, and when two destinations of one
platform are told to wait at the same time, the platform is limiting the app as a whole and every
destination of that platform waits. Clock and sleep are injected, so tests run on a fake clock; the
runner moves the pacer's clock up to each tick's time (`catch_up`), so a Retry-After is measured on
the same time line as the ticks that retry, in a simulation as in the service.

A reply that becomes several messages (a long Teams card set, Slack messages over 50 blocks) is
paced per message: the runner takes the first's `turn`, and the deliverer calls `next_message()`
before each further one (a no-op outside a paced send).
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Window:
    count: int
    seconds: float


@dataclass(frozen=True)
class Rates:
    per_destination: tuple[Window, ...]
    per_bot: tuple[Window, ...]
    source: str


SLACK_POST_MESSAGE = "https://api.slack.com/methods/chat.postMessage#rate_limiting"
SLACK_TIERS = "https://api.slack.com/apis/rate-limits"
TEAMS_BOTS = "https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit"

RATES: dict[str, Rates] = {
    # chat.postMessage is in Slack's "special" tier: about one message per second per channel (short
    # bursts tolerated, but without a guarantee, so none are planned), and a workspace-wide limit of
    # "several hundred messages per minute", read here as 300 a minute.
    "slack": Rates(per_destination=(Window(1, 1.0),), per_bot=(Window(300, 60.0),),
                   source=f"{SLACK_POST_MESSAGE}; {SLACK_TIERS}"),
    # Teams, "per bot per thread" for sending to and creating a conversation: 7 in 1 s, 8 in 2 s,
    # 60 in 30 s, 1800 in an hour; and the global limit of 50 requests per second per app per tenant.
    # ("Per thread for all bots", 14/16/120/3600, is looser than ours for a single bot.)
    "teams": Rates(per_destination=(Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0)),
                   per_bot=(Window(50, 1.0),), source=TEAMS_BOTS),
}

BOT = "*"  # the key of the platform-wide lane (no destination address is "*")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


@dataclass
class _Lane:
    """Send times handed out for one key (a destination or a platform's bot), in time order."""

    sent: list[float] = field(default_factory=list)
    hold: float = float("-inf")  # nothing before this (a Retry-After)
    under_way: int = 0  # taken by `turn`, not answered yet


def _fits(sent: list[float], at: float, windows: tuple[Window, ...], under_way: int = 0) -> bool:
    """Would one more send at `at` keep every window? (Any order of reservations: `sent` is sorted.)

    `under_way` messages have left but not been answered: the platform may count any of them at any
    moment until then, so each is counted at `at` too.
    """
    for window in windows:
        low, high = bisect_right(sent, at - window.seconds), bisect_left(sent, at + window.seconds)
        if high - low + under_way < window.count:
            continue  # fewer than `count` sends near `at` at all
        near = sent[low:high]
        position = bisect_right(near, at)
        merged = [*near[:position], *[at] * (under_way + 1), *near[position:]]
        last = min(position + under_way, len(merged) - window.count - 1)
        for i in range(max(0, position - window.count), last + 1):
            if merged[i + window.count] - merged[i] < window.seconds:
                return False
    return True


def _earliest(sent: list[float], start: float, windows: tuple[Window, ...], under_way: int = 0) -> float:
    """The first moment at or after `start` where one more send fits; it is `start` or the end of a
    window. The caller has made sure that `under_way` alone leaves room in every window."""
    if _fits(sent, start, windows, under_way):
        return start
    candidates = sorted({s + w.seconds for w in windows for s in sent if s + w.seconds > start})
    for at in candidates:
        if _fits(sent, at, windows, under_way):
            return at
    return max(sent, default=start) + max(w.seconds for w in windows)


# How often to look again while messages under way fill a window on their own (no time frees a
# slot then, only an answer). The runner sends to at most 20 destinations at once, fewer than any
# bot-wide window holds, and one message at a time per destination, so this is a safeguard.
BUSY_POLL = 0.05


class Pacer:
    """Spaces sends per destination and per bot as `rates` says; see the module docstring."""

    def __init__(self, rates: Mapping[str, Rates] | None = None, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.rates = dict(RATES if rates is None else rates)
        self._clock = clock
        self.sleep = sleep
        self._offset = 0.0
        self._floor = float("-inf")  # the last tick's time: what lies a full window before it is forgotten
        self._lanes: dict[tuple[str, str], _Lane] = {}
        self._held: dict[str, dict[str, float]] = {}  # platform -> destination -> end of its Retry-After

    def clock(self) -> float:
        return self._clock() + self._offset

    def catch_up(self, at: float) -> None:
        """The time is at least `at` (a tick's time, in epoch seconds); the clock never goes back."""
        now = self.clock()
        if at > now:
            self._offset += at - now
        self._floor = max(self._floor, at)

    def _lane(self, platform: str, address: str) -> _Lane:
        return self._lanes.setdefault((platform, address), _Lane())

    def _forget(self, lane: _Lane, windows: tuple[Window, ...]) -> None:
        # Relative to the tick, not to the caller's "now": sends may be recorded out of order.
        horizon = self._floor - max((w.seconds for w in windows), default=0.0)
        del lane.sent[:bisect_right(lane.sent, horizon)]

    def earliest(self, platform: str, address: str) -> float:
        """When the next message to `address` may go (clock time); nothing is reserved."""
        rates = self.rates.get(platform)
        now = self.clock()
        destination, bot = self._lane(platform, address), self._lane(platform, BOT)
        start = max(now, destination.hold, bot.hold)
        if rates is None:
            return start
        self._forget(destination, rates.per_destination)
        self._forget(bot, rates.per_bot)
        at = start
        if any(lane.under_way >= w.count for lane, windows in ((destination, rates.per_destination),
                                                               (bot, rates.per_bot)) for w in windows):
            return start + BUSY_POLL
        while True:  # each lane's earliest is monotone in `at`: alternate until both agree
            at = _earliest(destination.sent, at, rates.per_destination, destination.under_way)
            later = _earliest(bot.sent, at, rates.per_bot, bot.under_way)
            if later == at:
                return at
            at = later

    async def _until_it_fits(self, platform: str, address: str) -> float:
        while True:
            delay = self.earliest(platform, address) - self.clock()
            if delay <= 0:
                return self.clock()
            await self.sleep(delay)  # others may have gone meanwhile: look again on waking

    async def _take(self, platform: str, address: str) -> None:
        await self._until_it_fits(platform, address)
        if platform in self.rates:
            self._lane(platform, address).under_way += 1
            self._lane(platform, BOT).under_way += 1

    def _answered(self, platform: str, address: str) -> None:
        """A message taken by `_take` has its answer: it counts from now on."""
        if platform not in self.rates:
            return
        now = self.clock()
        for key in (address, BOT):
            lane = self._lane(platform, key)
            lane.under_way -= 1
            insort(lane.sent, now)

    def hold(self, platform: str, address: str, seconds: float, *, bot_wide: bool = False) -> float:
        """The platform said Retry-After `seconds` for `address`: nothing goes there before then.

        When another destination of the platform is held at the same time, the limit is the app's:
        the whole platform waits for the later of the two. Returns the end of the hold.
        """
        now = self.clock()
        until = now + max(0.0, seconds)
        lane = self._lane(platform, address)
        lane.hold = max(lane.hold, until)
        active = {a: end for a, end in self._held.get(platform, {}).items() if end > now and a != address}
        active[address] = lane.hold
        self._held[platform] = active
        if bot_wide or len(active) > 1:
            bot = self._lane(platform, BOT)
            bot.hold = max(bot.hold, max(active.values()))
        return until

    @asynccontextmanager
    async def turn(self, platform: str, address: str) -> AsyncIterator[None]:
        """Waits for one message's turn and counts it as under way; on leaving the block (the
        platform has answered, or the send failed) it counts as sent at that moment.

        The platform counts a message when it arrives, at some moment between the two, and a send
        takes longer while many are under way. Counted at every moment in between, a message can
        never meet a later one inside a window on the platform's side: the rates hold where they
        are counted, not only where the messages leave. Within the block, `next_message()` paces
        each further message of the same send the same way. Run the send in this task: the pacing
        context is the task's.
        """
        await self._take(platform, address)
        taken = True  # a message is under way (not while `next_one` waits for the next one's turn)

        async def next_one() -> None:
            nonlocal taken
            self._answered(platform, address)
            taken = False
            await self._take(platform, address)
            taken = True

        token = _NEXT.set(next_one)
        try:
            yield
        finally:
            _NEXT.reset(token)
            if taken:
                self._answered(platform, address)


_NEXT: ContextVar[Callable[[], Awaitable[object]] | None] = ContextVar("oppfolging_pacing_next", default=None)


async def next_message() -> None:
    """Called by a deliverer before each further message of one reply (a no-op outside a paced send)."""
    wait = _NEXT.get()
    if wait is not None:
        await wait()


def in_paced_send() -> bool:
    """Is a paced send under way? Then a 429 is the pacer's to wait out (it holds the destination, and
    the bot when the limit is the app's), not the HTTP client's."""
    return _NEXT.get() is not None
