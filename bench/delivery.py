"""Benchmark 3: delivering a weekly digest to 20 subscribed Slack channels at Slack's pace.

The fake Web API (tests/support/fake_slack.py) answers every call after 50 ms and allows about one
`chat.postMessage` per second per channel; a faster post gets HTTP 429 with `Retry-After: 1`, as
Slack does. The digest is planned and claimed by the reminder engine and sent by the real Slack
deliverer (slack_sdk's AsyncWebClient with the bot's retry handlers) through `ReminderRunner`.

What matters: the total time should be close to the slowest channel (channels in parallel), not
the sum of all channels (one message after another).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from sqlalchemy import select

from bench.common import NOW, backends, database, fmt_ms, log, seed_engine, table
from bench.procs import TOKEN
from bench.reminders import subscribe_every_party
from bot.app import App
from bot.config import Settings
from storage.models import Party
from tests.support.fake_slack import FakeSlack

CHANNELS = 20
LATENCY = 0.050
INTERVAL = 1.0
ACTIONS = 1000  # digests of 2-4 parts per channel


async def deliver_digest(url: str, parallel: int | None = None) -> dict[str, object]:
    from bot.scheduler import ReminderRunner
    from bot.slack.client import web_client
    from bot.slack.delivery import SlackDeliverer

    fake = FakeSlack(latency=LATENCY, per_channel_interval=INTERVAL)
    runner_http = await fake.start()
    try:
        settings = Settings(database_url=url, slack_bot_token=TOKEN, slack_api_url=fake.url + "/api/")
        app = App(settings, clock=lambda: NOW)
        with app.engine.connect() as conn:
            current = Party.valid_to.is_(None)  # not the counties merged away in 2024
            keys = sorted(conn.execute(select(Party.key).where(Party.kind == "county", current)).scalars())
            keys += sorted(conn.execute(select(Party.key).where(
                Party.kind.in_(("agency", "committee", "ministry")), current)).scalars())
        subscribe_every_party(app, only=keys[:CHANNELS])
        deliverer = SlackDeliverer(web_client(settings))
        options = {} if parallel is None else {"parallel": parallel}
        runner = ReminderRunner(app, worker="bench", deliverers=lambda p: deliverer if p == "slack" else None,
                                platforms={"slack"}, **options)
        report = await runner.digest(NOW, scheduled=False)
        start = time.perf_counter()
        outcomes = await runner.deliver(NOW, report.claimed, retries=False)
        total = time.perf_counter() - start
        app.close()
    finally:
        await runner_http.cleanup()
    posts = fake.of("chat.postMessage")
    limited = [c for c in fake.of("chat.postMessage", ok=False) if c.status == 429]
    per_channel: dict[str, list[float]] = defaultdict(list)
    for call in posts:
        per_channel[str(call.params.get("channel"))].append(call.answered_at - start)
    parts = {channel: len(times) for channel, times in per_channel.items()}
    # A channel's own minimum: its parts one second apart, plus one round trip.
    floor = {channel: (n - 1) * INTERVAL + LATENCY for channel, n in parts.items()}
    return {
        "channels": len(per_channel),
        "messages": len(posts),
        "failed": sum(1 for o in outcomes if o.status != "sent"),
        "rate_limited": len(limited),
        "total": total,
        "slowest": max((max(t) for t in per_channel.values()), default=0.0),
        "floor": max(floor.values(), default=0.0),
        "sum_floor": sum(floor.values()),
        "max_parts": max(parts.values(), default=0),
    }


def run(large: bool = False) -> str:
    rows = []
    runs = [(backend, None) for backend in backends()]
    runs.append(("sqlite", 1))  # for comparison: one destination after another, as before lanes
    for backend, parallel in runs:
        log(f"delivery: {backend}" + (f", {parallel} destination at a time" if parallel else ""))
        with database(backend, label="dlv") as url:
            engine = seed_engine(url, ACTIONS)
            engine.dispose()
            r = asyncio.run(deliver_digest(url, parallel))
        label = backend if parallel is None else f"{backend}, one channel at a time"
        rows.append([label, r["channels"], r["messages"], r["max_parts"], r["rate_limited"], r["failed"],
                     fmt_ms(float(r["total"]) * 1000), fmt_ms(float(r["slowest"]) * 1000),
                     fmt_ms(float(r["floor"]) * 1000), fmt_ms(float(r["sum_floor"]) * 1000),
                     f"{float(r['slowest']) / float(r['floor']):.1f}×" if r["floor"] else "–"])
    out = [
        f"A digest ({ACTIONS} actions in the database) to {CHANNELS} channels; the fake Web API answers after",
        f"{LATENCY * 1000:.0f} ms and accepts one message per second per channel (HTTP 429 + `Retry-After: 1` otherwise).",
        "Times in ms from the first send. *slowest channel*: when the last part of the slowest channel was",
        "accepted. *channel floor*: the least any sender could need for the channel with the most parts",
        "(one second between parts plus one round trip); *sum of floors*: what sending the channels one",
        "after another would at least take. The last row sends one channel after another (`parallel=1`,",
        "how delivery worked before it sent to the channels side by side) for comparison. *ratio*: slowest",
        "channel / channel floor (the floor is the baseline: what Slack's documented pace allows).",
        "",
        table(["backend", "channels", "messages", "most parts", "429 answers", "failed", "total",
               "slowest channel", "channel floor", "sum of floors", "ratio"], rows),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(run())
