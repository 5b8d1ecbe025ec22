"""Benchmark 2: the reminder sweep and the weekly digest — time and SQL statements.

The database holds N actions (bench/seed.py: ~73 % open, deadlines spread over two years, none of
them due today) plus D actions whose deadline is today, so the sweep has exactly D "due today"
reminders to plan, claim and send. Every party has one subscribed Slack channel. Sending goes to
an in-process deliverer that answers at once, so this measures the engine (derive, claim, lease,
prepare, mark sent) and not the network; benchmark 3 measures delivery over HTTP.

The statements are counted with SQLAlchemy's `before_cursor_execute` event. The claim for each
message is an `INSERT … ON CONFLICT DO NOTHING` (the UNIQUE key that keeps replicas from sending
twice), so some statements per *due message* are the design; what must not happen is statements
per *action in the table*.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from bench.common import NOW, QueryCounter, backends, count, database, fmt_ms, log, seed_engine, table
from bot.app import App
from bot.config import Settings
from handlers.core.replies import Reply
from storage.models import Party, Subscription

DUE = (10, 1000)


class InstantDeliverer:
    """A deliverer that accepts everything at once (no network)."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, destination, reply: Reply) -> str:  # type: ignore[no-untyped-def]
        self.sent += 1
        return f"{destination.address}:{self.sent}"


def subscribe_every_party(app: App, *, platform: str = "slack", only: list[str] | None = None) -> int:
    with app.engine.begin() as conn:
        parties = conn.execute(select(Party.id, Party.key)).all()
        rows = [{"platform": platform, "channel_id": f"C{key.upper().replace('-', '')}", "channel_name": key,
                 "party_id": pid, "created_at": NOW.replace(tzinfo=None)}
                for pid, key in parties if only is None or key in only]
        conn.execute(insert(Subscription), rows)
    return len(rows)


@dataclass
class Measured:
    seconds: float
    queries: int
    messages: int


def runner_for(app: App, deliverer: InstantDeliverer):  # type: ignore[no-untyped-def]
    from bot.scheduler import ReminderRunner
    from handlers.reminders.pacing import Pacer

    # Unpaced (no rate table): this measures what planning, claiming and sending cost, not Slack's
    # rate limits (which would stretch 3 500 messages over 12 minutes; see bench/delivery.py).
    return ReminderRunner(app, worker="bench", deliverers=lambda p: deliverer if p == "slack" else None,
                          platforms={"slack"}, pacer=Pacer(rates={}))


async def sweep(app: App, counter: QueryCounter, now: datetime) -> tuple[Measured, Measured]:
    """(plan + claim, deliver) of one reminder sweep at `now`."""
    deliverer = InstantDeliverer()
    runner = runner_for(app, deliverer)
    counter.reset()
    start = time.perf_counter()
    report = await runner.sweep(now)
    planned = Measured(time.perf_counter() - start, counter.count, len(report.claimed))
    counter.reset()
    start = time.perf_counter()
    await runner.deliver(now, report.claimed, retries=True)
    sent = Measured(time.perf_counter() - start, counter.count, deliverer.sent)
    return planned, sent


async def digest(app: App, counter: QueryCounter, now: datetime) -> tuple[Measured, Measured]:
    deliverer = InstantDeliverer()
    runner = runner_for(app, deliverer)
    counter.reset()
    start = time.perf_counter()
    report = await runner.digest(now, scheduled=False)
    planned = Measured(time.perf_counter() - start, counter.count, len(report.claimed))
    counter.reset()
    start = time.perf_counter()
    await runner.deliver(now, report.claimed, retries=False)
    sent = Measured(time.perf_counter() - start, counter.count, deliverer.sent)
    return planned, sent


def measure_sweep(url: str, n_actions: int, due: int) -> tuple[Measured, Measured, Measured]:
    engine = seed_engine(url, n_actions, due_today=due)
    engine.dispose()
    app = App(Settings(database_url=url), clock=lambda: NOW)
    subscribe_every_party(app)
    counter = QueryCounter(app.engine)
    planned, sent = asyncio.run(sweep(app, counter, NOW))
    # The same sweep again a minute later (another replica, or the 5-minute retry tick): nothing new.
    again, _ = asyncio.run(sweep(app, counter, NOW.replace(minute=NOW.minute + 1)))
    counter.close()
    app.close()
    return planned, sent, again


def measure_digest(url: str, n_actions: int, channels: int) -> tuple[Measured, Measured]:
    engine = seed_engine(url, n_actions)
    engine.dispose()
    app = App(Settings(database_url=url), clock=lambda: NOW)
    with app.engine.connect() as conn:
        keys = sorted(conn.execute(select(Party.key).where(Party.kind.in_(("county", "agency", "committee",
                                                                             "ministry", "organisation")))).scalars())
    subscribe_every_party(app, only=keys[:channels])
    counter = QueryCounter(app.engine)
    result = asyncio.run(digest(app, counter, NOW))
    counter.close()
    app.close()
    return result


def digest_sizes(large: bool) -> list[int]:
    return [1_000, 10_000, 100_000] if large else [1_000, 10_000]


def run(large: bool = False) -> str:
    sweep_rows: list[list[object]] = []
    digest_rows: list[list[object]] = []
    # The baseline of each row: the same measurement at the smallest size, in the same run.
    sweep_base: dict[tuple[str, int], float] = {}
    digest_base: dict[str, float] = {}
    for backend in backends():
        for n in digest_sizes(large):
            for due in DUE:
                log(f"reminder sweep: {backend}, {n} actions, {due} due")
                with database(backend, label="rem") as url:
                    planned, sent, again = measure_sweep(url, n, due)
                base = sweep_base.setdefault((backend, due), planned.seconds)
                sweep_rows.append([backend, count(n), count(due), planned.messages,
                                   fmt_ms(planned.seconds * 1000), fmt_ms(base * 1000),
                                   f"{planned.seconds / base:.2f}×", planned.queries,
                                   fmt_ms(sent.seconds * 1000), sent.queries,
                                   f"{(sent.queries + planned.queries) / max(1, sent.messages):.1f}",
                                   f"{fmt_ms(again.seconds * 1000)} / {again.queries}"])
            log(f"digest: {backend}, {n} actions")
            with database(backend, label="dig") as url:
                planned, sent = measure_digest(url, n, 20)
            base = digest_base.setdefault(backend, planned.seconds)
            digest_rows.append([backend, count(n), planned.messages, fmt_ms(planned.seconds * 1000),
                                fmt_ms(base * 1000), f"{planned.seconds / base:.2f}×", planned.queries,
                                fmt_ms(sent.seconds * 1000), sent.queries])
    out = [
        "**Reminder sweep** (Monday 09:00 in Oslo; times in ms). *messages*: reminders claimed and sent",
        "(an action with two responsible parties is two messages). *plan + claim*: deriving what is due and",
        "inserting the claims; *send*: leasing, re-checking and marking each claim around an instant send.",
        "*again*: the same sweep a minute later (what a second replica or the next tick costs): time / statements.",
        f"*baseline*: plan + claim of the same sweep at {count(digest_sizes(large)[0])} actions in this run; *ratio*: plan + claim / baseline.",
        "",
        table(["backend", "actions", "due today", "messages", "plan + claim", "baseline", "ratio", "statements",
               "send", "statements", "statements per message", "again"], sweep_rows),
        "",
        "**Weekly digest** to 20 subscribed channels (20 parties), times in ms. *messages*: digest parts.",
        "A party's digest lists at most 10 actions per section (`digest_section_max`, most urgent first) and",
        "counts the rest, so neither its length nor its cost follows the table; the sections are counted in",
        "SQL and only the listed actions are loaded, a few parties planned and claimed at a time.",
        f"*baseline*: plan + claim of the digest at {count(digest_sizes(large)[0])} actions in this run; *ratio*: plan + claim / baseline.",
        "",
        table(["backend", "actions", "messages", "plan + claim", "baseline", "ratio", "statements", "send",
               "statements"], digest_rows),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(run(large="--large" in sys.argv))
