"""The pacer on a fake clock: the documented windows per destination and per bot, Retry-After holds,
and 20 conversations side by side at the bot's rate. Nothing sleeps; times are the fake clock's."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from bot.scheduler import ReminderRunner
from handlers.core.replies import Reply
from handlers.reminders import claims
from handlers.reminders.engine import EngineConfig
from handlers.reminders.pacing import RATES, Pacer, Window, next_message
from handlers.reminders.payload import reply_to_json
from handlers.reminders.routing import Destination
from storage.db import transaction
from tests.support.fake_clock import FakeClock, SharedClock

TEAMS = RATES["teams"]
SLACK = RATES["slack"]


def broken_windows(times: Sequence[float], windows: Sequence[Window]) -> list[tuple[Window, float, int]]:
    """Every window of length T (starting at a send) that holds more than its count."""
    ordered = sorted(times)
    found = []
    for window in windows:
        for start in ordered:
            inside = sum(1 for t in ordered if start <= t < start + window.seconds)
            if inside > window.count:
                found.append((window, start, inside))
    return found


def fastest(count: int, windows: Sequence[Window]) -> list[float]:
    """The earliest send times one stream can have under `windows` (each send as early as allowed)."""
    times: list[float] = []
    for k in range(count):
        at = times[-1] if times else 0.0
        for window in windows:
            if k >= window.count:
                at = max(at, times[k - window.count] + window.seconds)
        times.append(at)
    return times


def test_the_documented_rates_are_the_data() -> None:
    assert TEAMS.per_destination == (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
    assert TEAMS.per_bot == (Window(50, 1.0),)
    assert "learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit" in TEAMS.source
    assert SLACK.per_destination == (Window(1, 1.0),)
    assert "api.slack.com/methods/chat.postMessage#rate_limiting" in SLACK.source


def paced(pacer: Pacer, sends: Sequence[tuple[str, str]]) -> list[float]:
    """The moment each send's turn came; each is answered at once."""

    async def run() -> list[float]:
        times = []
        for platform, address in sends:
            async with pacer.turn(platform, address):
                times.append(pacer.clock())
        return times

    return asyncio.run(run())


def test_one_teams_conversation_gets_every_window_and_no_more_waiting() -> None:
    clock = FakeClock()
    times = paced(Pacer(clock=clock, sleep=clock.sleep), [("teams", "19:a@thread.tacv2")] * 70)
    assert broken_windows(times, TEAMS.per_destination) == []
    assert times == fastest(70, TEAMS.per_destination)  # not slower than the rates require
    assert times[:8] == [0.0] * 7 + [1.0] and times[60] == 30.0


def test_slack_one_message_per_second_per_channel_and_channels_do_not_wait_for_each_other() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    times = paced(pacer, [("slack", "CAU"), ("slack", "CKDD")] * 3)
    assert times == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]


def test_retry_after_holds_the_destination_and_two_at_once_hold_the_bot() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    pacer.hold("teams", "19:a", 2.0)
    assert pacer.earliest("teams", "19:a") == 2.0 and pacer.earliest("teams", "19:b") == 0.0
    pacer.hold("teams", "19:b", 5.0)  # a second conversation limited meanwhile: it is the app's limit
    assert pacer.earliest("teams", "19:c") == 5.0 and pacer.earliest("slack", "CAU") == 0.0
    assert paced(pacer, [("teams", "19:a")]) == [5.0]


def test_a_reply_in_several_messages_is_paced_message_by_message() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    async def send_three_parts() -> None:
        async with pacer.turn("slack", "CAU"):
            for n in range(3):
                if n:
                    await next_message()
                sent.append(clock.now)
                await clock.sleep(0.25)  # Slack answers a quarter of a second later
        await next_message()  # outside a paced send: nothing to wait for

    asyncio.run(send_three_parts())
    # Each part is counted from its answer: the next goes a second after that.
    assert sent == [0.0, 1.25, 2.5]


def test_a_send_cancelled_while_waiting_leaves_nothing_under_way() -> None:
    """A send stopped (its timeout, a shutdown) while a further part waits for its turn: the part
    before it counts as answered, and nothing stays under way to block the lane for good."""
    forever = asyncio.Event()

    async def never(_seconds: float) -> None:
        await forever.wait()

    pacer = Pacer(clock=lambda: 0.0, sleep=never)

    async def two_parts() -> None:
        async with pacer.turn("slack", "CAU"):
            await next_message()  # one per second per channel: waits

    async def main() -> None:
        task = asyncio.create_task(two_parts())
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())
    # The first part counts from its answer (0.0), so the next may go a second later; a part still
    # counted as under way would leave the lane waiting for an answer that never comes.
    assert pacer.earliest("slack", "CAU") == 1.0


def _arrivals(count_from_answer: bool) -> tuple[list[float], dict[str, list[float]]]:
    """20 conversations, 9 messages each, sent side by side; each send takes 0–300 ms, and the
    platform sees the message arrive somewhere within that time (a seeded draw, the same for both
    ways of counting)."""
    clock = SharedClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    draw = random.Random(19)
    timings = {f"19:c{n}": [(draw.uniform(0, 0.3), draw.random()) for _ in range(9)] for n in range(20)}
    seen: dict[str, list[float]] = defaultdict(list)

    async def conversation(address: str) -> None:
        for took, share in timings[address]:
            if count_from_answer:
                async with pacer.turn("teams", address):
                    seen[address].append(clock.now + took * share)
                    await clock.sleep(took)
            else:  # counted only when the message leaves: the turn ends before the send
                async with pacer.turn("teams", address):
                    seen[address].append(clock.now + took * share)
                await clock.sleep(took)

    async def main() -> None:
        await asyncio.gather(*(conversation(address) for address in timings))

    clock.run(main())
    return sorted(t for times in seen.values() for t in times), seen


def test_the_rates_hold_where_the_platform_counts_the_messages() -> None:
    arrivals, per_conversation = _arrivals(count_from_answer=True)
    assert len(arrivals) == 180
    assert broken_windows(arrivals, TEAMS.per_bot) == []
    for times in per_conversation.values():
        assert broken_windows(times, TEAMS.per_destination) == []
    # Counted only when they leave, the same sends reach the platform faster than its rate allows.
    departures_only, _ = _arrivals(count_from_answer=False)
    assert broken_windows(departures_only, TEAMS.per_bot) != []


class TimedRecorder:
    """A deliverer that notes the fake clock's time of every send, per destination."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.times: dict[str, list[float]] = defaultdict(list)
        self.order: list[tuple[str, str]] = []

    async def send(self, destination, reply: Reply) -> str:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        self.times[destination.address].append(self.clock.now)
        self.order.append((destination.address, reply.title))
        return f"m{len(self.order)}"


def claim_notices(app, addresses: Sequence[str], each: int, now: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    wanted = []
    for n in range(each):
        for address in addresses:
            reply = reply_to_json(Reply(title=f"Melding {n + 1}"))
            payload = {"category": "notice", "reply": reply, "destination_kind": "channel",
                       "send_on": now.date().isoformat()}
            wanted.append(claims.NewClaim(f"notice:{n}:teams:{address}", "notice",
                                          Destination("teams", address, "channel"), payload))
    with transaction(app.sessions) as session:
        return claims.claim(session, wanted, now, "pace")


def test_20_teams_conversations_in_parallel_go_at_the_bots_rate_not_one_after_another(app) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2027, 1, 18, 9, 0, tzinfo=UTC)
    conversations = [f"19:kanal-{n:02d}@thread.tacv2" for n in range(20)]
    ids = claim_notices(app, conversations, 10, now)
    clock = FakeClock()
    recorder = TimedRecorder(clock)
    runner = ReminderRunner(app, EngineConfig(), worker="pace", deliverers=lambda _p: recorder, platforms=("teams",),
                            pacer=Pacer(clock=clock, sleep=clock.sleep))
    outcomes = clock.run(runner.deliver(now, ids, retries=False, force=True))
    assert [o.status for o in outcomes] == ["sent"] * 200
    everything = [t for times in recorder.times.values() for t in times]
    assert broken_windows(everything, TEAMS.per_bot) == []
    for address in conversations:
        assert broken_windows(recorder.times[address], TEAMS.per_destination) == []
        assert [title for a, title in recorder.order if a == address] == [f"Melding {n + 1}" for n in range(10)]
    # 200 messages at 50 a second need 3 s after the first; one conversation alone needs 2 s (7, 1, 2).
    # In parallel that is all it takes; one conversation after another would take 20 times as long.
    assert fastest(10, TEAMS.per_destination)[-1] == 2.0 and fastest(200, TEAMS.per_bot)[-1] == 3.0
    assert max(everything) - min(everything) == 3.0


def test_no_rates_no_waiting() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert paced(pacer, [("email", "kari@example.no")] * 5) == [0.0] * 5
    assert clock.sleeps == []


def test_the_clock_catches_up_with_the_ticks() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    start = datetime(2027, 1, 18, 8, 0, tzinfo=UTC).timestamp()
    pacer.catch_up(start)
    pacer.hold("slack", "CAU", 120)
    pacer.catch_up(start - 60)  # never backwards
    assert pacer.earliest("slack", "CAU") == start + 120
    pacer.catch_up(start + 120)
    assert pacer.earliest("slack", "CAU") == pacer.clock() == start + 120
    assert date.fromtimestamp(pacer.clock()) == date(2027, 1, 18)
