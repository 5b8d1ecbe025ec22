"""Benchmark 1: chat latency through the real HTTP stack.

Signed Slack slash commands (`liste`, `mine`, `ny …`, `vis N`) and a button click (`ferdig N`)
are POSTed to a running `oppfolging serve` (a child process; SQLite or PostgreSQL holding 1 000,
10 000 or 100 000 actions) and, interleaved one by one, to a bare slack-bolt app that only
acknowledges. Two times per request:

- ack: from sending the request until the HTTP answer (what Slack's 3-second limit is about);
- answer: from sending the request until the reply arrived on the request's `response_url` at the
  fake Slack (what the user sees). The bare app sends no answer.

Requests go one at a time (the latency one user feels), then in bursts of `BURST` at once (a
meeting where everybody types together).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy import select

from bench.common import (
    Samples,
    backends,
    count,
    database,
    fmt_ms,
    log,
    seed_engine,
    sizes,
    table,
)
from bench.procs import SECRET, USER, Process, start_bare, start_serve
from bench.slack_requests import button_click, sign, slash_command
from storage.models import Action
from tests.support.fake_slack import FakeSlack

REPEAT = 30
BURST = 10
ANSWER_TIMEOUT = 15.0
_ids = itertools.count(1)


@dataclass
class Kind:
    name: str
    body: Callable[[int, str, str], str]  # (iteration, response_url, trigger_id) -> form body


@dataclass
class Result:
    ack: Samples = field(default_factory=Samples)
    answer: Samples = field(default_factory=Samples)
    bare: Samples = field(default_factory=Samples)
    missing: int = 0


def kinds(open_ids: list[int]) -> list[Kind]:
    def slash(text: Callable[[int], str]) -> Callable[[int, str, str], str]:
        return lambda i, url, trigger: slash_command(text(i), user=USER, response_url=url, trigger_id=trigger)

    def click(i: int, url: str, trigger: str) -> str:
        action_id = open_ids[i % len(open_ids)]
        return button_click(f"ferdig {action_id}", item=action_id, user=USER, response_url=url, trigger_id=trigger)

    return [
        Kind("liste", slash(lambda i: "liste")),
        Kind("mine", slash(lambda i: "mine")),
        Kind("ny …", slash(lambda i: f"ny AU: Sende brev nummer {i} til KDD innen 15. juni 2027")),
        Kind("vis N", slash(lambda i: f"vis {open_ids[-1 - i % len(open_ids)]}")),
        Kind("button: ferdig N", click),
    ]


async def post(session: aiohttp.ClientSession, url: str, body: str) -> tuple[float, int]:
    start = time.perf_counter()
    async with session.post(url + "/slack/events", data=body.encode(), headers=sign(SECRET, body)) as resp:
        await resp.read()
        return time.perf_counter() - start, resp.status


async def wait_answer(fake: FakeSlack, token: str, timeout: float = ANSWER_TIMEOUT) -> float | None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        answer = fake.answer(token)
        if answer is not None:
            return answer.at
        await asyncio.sleep(0.0005)
    return None


async def one(session: aiohttp.ClientSession, target: str, fake: FakeSlack, kind: Kind, i: int,
              *, answer: bool) -> tuple[float, float | None]:
    token = f"t{next(_ids)}"
    response_url = fake.response_url(token)
    body = kind.body(i, response_url, f"trig.{token}")
    start = time.perf_counter()
    ack, status = await post(session, target, body)
    if status != 200:
        raise RuntimeError(f"{kind.name}: HTTP {status} from {target}")
    if not answer:
        return ack, None
    at = await wait_answer(fake, token)
    return ack, (at - start) if at is not None else None


async def sequential(session: aiohttp.ClientSession, serve: Process, bare: Process, fake: FakeSlack,
                     kind_list: list[Kind], repeat: int) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for kind in kind_list:
        result = results[kind.name] = Result()
        for i in range(2):  # warm-up (first Slack lookups, connection pools)
            await one(session, serve.url, fake, kind, 10_000 + i, answer=True)
            await one(session, bare.url, fake, kind, 10_000 + i, answer=False)
        for i in range(repeat):
            ack, answered = await one(session, serve.url, fake, kind, i, answer=True)
            result.ack.add(ack)
            if answered is None:
                result.missing += 1
            else:
                result.answer.add(answered)
            bare_ack, _ = await one(session, bare.url, fake, kind, i, answer=False)
            result.bare.add(bare_ack)
    return results


async def burst(session: aiohttp.ClientSession, serve: Process, bare: Process, fake: FakeSlack,
                kind_list: list[Kind], rounds: int = 5) -> Result:
    """`BURST` requests at once (a mix of all kinds), a few rounds; every request counted."""
    result = Result()
    for r in range(rounds):
        chosen = [kind_list[(r * BURST + j) % len(kind_list)] for j in range(BURST)]
        served = await asyncio.gather(*(one(session, serve.url, fake, k, 20_000 + r * BURST + j, answer=True)
                                        for j, k in enumerate(chosen)))
        for ack, answered in served:
            result.ack.add(ack)
            if answered is None:
                result.missing += 1
            else:
                result.answer.add(answered)
        bare_acks = await asyncio.gather(*(one(session, bare.url, fake, k, j, answer=False)
                                           for j, k in enumerate(chosen)))
        for ack, _ in bare_acks:
            result.bare.add(ack)
    return result


def open_action_ids(engine, count: int = 400) -> list[int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        ids = list(conn.execute(select(Action.id).where(Action.status == "open").order_by(Action.id)).scalars())
    rng = random.Random(11)
    return rng.sample(ids, min(count, len(ids)))


async def measure(url: str, n_actions: int, repeat: int) -> tuple[dict[str, Result], Result]:
    engine = seed_engine(url, n_actions)
    ids = open_action_ids(engine)
    engine.dispose()
    fake = FakeSlack()
    runner = await fake.start()
    serve = bare = None
    try:
        serve = await asyncio.to_thread(start_serve, url, fake.url)
        bare = await asyncio.to_thread(start_bare, fake.url)
        async with aiohttp.ClientSession() as session:
            # Join AU so that `mine` lists something (as a real member would).
            await one(session, serve.url, fake, Kind("medlem", lambda i, u, t: slash_command(
                "medlem AU", user=USER, response_url=u, trigger_id=t)), 0, answer=True)
            kind_list = kinds(ids)
            results = await sequential(session, serve, bare, fake, kind_list, repeat)
            bursts = await burst(session, serve, bare, fake, kind_list)
    finally:
        for proc in (serve, bare):
            if proc is not None:
                await asyncio.to_thread(proc.stop)
        await runner.cleanup()
    return results, bursts


def ratio(a: Samples, b: Samples) -> str:
    if not a.values or not b.values:
        return "–"
    return f"{a.median_ms() / b.median_ms():.2f}×"


def run(large: bool = False, repeat: int = REPEAT) -> str:
    out = [
        f"{repeat} requests per command, one at a time, each followed by the same request to the bare bolt app;",
        f"then 5 bursts of {BURST} simultaneous requests (all commands mixed). Times in ms.",
        "*ack*: until the HTTP response (Slack's 3-second limit). *answer*: until the reply arrived on the",
        "`response_url` at the fake Slack — what the user waits for. *bare*: the bare app's ack.",
        "*ratio*: median ack of `oppfolging serve` / median ack of the bare app.",
        "",
    ]
    for backend in backends():
        for n in sizes(large):
            log(f"chat over HTTP: {backend}, {n} actions")
            with database(backend, label="chat") as url:
                results, bursts = asyncio.run(measure(url, n, repeat))
            rows = []
            for name, r in results.items():
                rows.append([name, fmt_ms(r.ack.median_ms()), fmt_ms(r.ack.p99_ms()), fmt_ms(r.bare.median_ms()),
                             fmt_ms(r.bare.p99_ms()), ratio(r.ack, r.bare), fmt_ms(r.answer.median_ms()),
                             fmt_ms(r.answer.p99_ms()) + (f" ({r.missing} lost)" if r.missing else "")])
            rows.append([f"burst of {BURST}", fmt_ms(bursts.ack.median_ms()), fmt_ms(bursts.ack.p99_ms()),
                         fmt_ms(bursts.bare.median_ms()), fmt_ms(bursts.bare.p99_ms()), ratio(bursts.ack, bursts.bare),
                         fmt_ms(bursts.answer.median_ms()), fmt_ms(bursts.answer.p99_ms())
                         + (f" ({bursts.missing} lost)" if bursts.missing else "")])
            out.append(f"**{backend}, {count(n)} actions**")
            out.append("")
            out.append(table(["request", "ack median", "ack p99", "bare median", "bare p99", "ratio",
                              "answer median", "answer p99"], rows))
            out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(run(large="--large" in sys.argv, repeat=10 if "--quick" in sys.argv else REPEAT))
