"""The work after a Slack acknowledgement waits while other requests are being acknowledged
(bot/slack/ack_gate.py, issue 19). Driven step by step on the event loop; nothing is timed."""

from __future__ import annotations

import asyncio

from bot.slack.ack_gate import AckGate


async def _turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_work_starts_at_once_when_nothing_is_being_acknowledged() -> None:
    async def scenario() -> None:
        gate = AckGate(max_wait=3600)
        work = asyncio.ensure_future(gate.quiet())
        await _turns()
        assert work.done()

    asyncio.run(scenario())


def test_work_waits_for_every_acknowledgement_of_the_burst() -> None:
    async def scenario() -> None:
        gate = AckGate(max_wait=3600)
        first, second = gate.acknowledging(), gate.acknowledging()
        first.__enter__()
        second.__enter__()
        assert gate.acking == 2
        work = asyncio.ensure_future(gate.quiet())
        await _turns()
        assert not work.done()
        first.__exit__(None, None, None)
        await _turns()
        assert not work.done()  # one request of the burst is still waiting for its acknowledgement
        second.__exit__(None, None, None)
        await _turns()
        assert work.done() and gate.acking == 0

    asyncio.run(scenario())


def test_a_request_arriving_in_the_same_turn_is_acknowledged_first() -> None:
    async def scenario() -> None:
        gate = AckGate(max_wait=3600)
        order: list[str] = []

        async def work() -> None:
            await gate.quiet()
            order.append("work")

        async def acknowledgement() -> None:
            with gate.acknowledging():
                await _turns(2)
                order.append("ack")

        await asyncio.gather(work(), acknowledgement())
        assert order == ["ack", "work"]

    asyncio.run(scenario())


def test_a_steady_stream_cannot_hold_the_work_back_beyond_max_wait() -> None:
    async def scenario() -> None:
        gate = AckGate(max_wait=0)
        with gate.acknowledging():
            work = asyncio.ensure_future(gate.quiet())
            await _turns()
            assert work.done()  # gave up waiting although a request is still being acknowledged

    asyncio.run(scenario())
