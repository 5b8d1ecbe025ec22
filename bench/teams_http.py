"""Benchmark 6: Microsoft Teams — `/api/messages` with token validation, and paced delivery.

1. Activities signed as the Bot Connector signs them (RS256 JWT from a local identity provider, the
   SDK's `JwtTokenValidator` checking signature, audience, issuer and lifetime) are POSTed to the
   bot's Teams service (a child process, `bench/teams_child.py serve`, on SQLite or PostgreSQL
   holding N actions) and, one by one in between, to a bare Microsoft 365 Agents SDK app that
   validates the same token and only replies "ok" (`bench/teams_child.py bare`). Both reply through
   the same fake Bot Connector (tests/support/fake_teams.py) within the request, as Teams bots do,
   so the time is from the POST until the HTTP answer, the reply already sent.
2. The reminders and digests of a Monday to 20 Teams conversations, sent by the real Teams deliverer
   through `ReminderRunner` with the real pacer (Microsoft's documented rates, handlers/reminders/
   pacing.py) and the real clock, to the fake Bot Connector in a process of its own
   (`bench/teams_connector.py`): the real one is another service, and in the bot's interpreter the
   fake's work would be timed as the bot's. The floor is the earliest schedule those rates allow.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import sys
import time
import urllib.request
import uuid
from bisect import bisect_left
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from sqlalchemy import select

from bench.common import Samples, backends, count, database, fmt_ms, log, seed_engine, sizes, table
from bench.procs import Process, free_port, service_env
from bench.teams_connector import TOKEN_ENV, StampedConnector
from tests.support.teams_harness import APP_ID, BOT, BOT_TOKEN, TENANT, IdentityProvider

REPEAT = 30
DELIVERY_CONVERSATIONS = 20
DELIVERY_DUE = 8  # reminders per conversation, besides its digest
# A longer tick: 1 000 messages, twenty seconds at the bot-wide rate, where the first second's
# head start no longer hides the rate the pacer keeps.
DELIVERY_DUE_LONG = 49
USER = {"id": "29:bench", "aadObjectId": "0000bench-0000-0000-0000-000000000001", "name": "Bench Bruker"}


async def start_site(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def start_child(mode: str, database_url: str, metadata_url: str) -> Process:
    port = free_port()
    env = service_env(database_url, "http://127.0.0.1:9/", TEAMS_APP_ID=APP_ID, TEAMS_TENANT_ID=TENANT,
                      TEAMS_OPENID_METADATA_URL=metadata_url)
    return Process(f"teams-{mode}", [sys.executable, "-m", "bench.teams_child", mode, str(port)], env, port,
                   health="/healthz")


def activity(text: str, service_url: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex[:12], "type": "message", "text": text, "textFormat": "plain",
        "channelId": "msteams", "serviceUrl": service_url, "from": USER, "recipient": BOT,
        "conversation": {"id": "a:1bench-personal", "conversationType": "personal", "tenantId": TENANT,
                         "isGroup": False},
        "channelData": {"tenant": {"id": TENANT}}, "locale": "nb-NO",
        "timestamp": "2026-11-23T08:00:00.000Z",
    }


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, Any], token: str,
               connector: StampedConnector | None = None) -> tuple[float, float | None]:
    """(until the HTTP answer, until the reply reached the connector) in seconds."""
    start = time.perf_counter()
    async with session.post(url + "/api/messages", json=body, headers={"Authorization": f"Bearer {token}"}) as resp:
        await resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"HTTP {resp.status} from {url}")
    answered = time.perf_counter() - start
    if connector is None:
        return answered, None
    deadline = time.perf_counter() + 15
    while body["id"] not in connector.replied and time.perf_counter() < deadline:
        await asyncio.sleep(0.0005)
    at = connector.replied.get(body["id"])
    return answered, (at - start) if at is not None else None


async def measure(url: str, n_actions: int, repeat: int) -> dict[str, tuple[Samples, Samples, Samples]]:
    engine = seed_engine(url, n_actions)
    with engine.connect() as conn:
        from storage.models import Action

        some = list(conn.execute(select(Action.id).where(Action.status == "open").limit(200)).scalars())
    engine.dispose()
    idp, connector = IdentityProvider(), StampedConnector(BOT_TOKEN)
    idp_runner, idp.url = await start_site(idp.app())
    conn_runner, connector.url = await start_site(connector.app())
    service_url = connector.url + "/"
    serve = bare = None
    results: dict[str, tuple[Samples, Samples, Samples]] = {}
    try:
        serve = await asyncio.to_thread(start_child, "serve", url, idp.metadata_url)
        bare = await asyncio.to_thread(start_child, "bare", "sqlite://", idp.metadata_url)
        texts = {
            "liste": lambda i: "liste",
            "mine": lambda i: "mine",
            "ny …": lambda i: f"ny AU: Sende brev nummer {i} til KDD innen 15. juni 2027",
            "vis N": lambda i: f"vis {some[i % len(some)]}",
            "hjelp": lambda i: "hjelp",
        }
        async with aiohttp.ClientSession() as session:
            token = idp.token(service_url=service_url, expires_in=3600)
            await post(session, serve.url, activity("medlem AU", service_url), token, connector)
            for name, text in texts.items():
                ours, replies, theirs = Samples(), Samples(), Samples()
                for i in range(2):  # warm-up: signing keys fetched, pools filled
                    await post(session, serve.url, activity(text(10_000 + i), service_url), token, connector)
                    await post(session, bare.url, activity(text(i), service_url), token)
                for i in range(repeat):
                    answered, replied = await post(session, serve.url, activity(text(i), service_url), token,
                                                   connector)
                    ours.add(answered)
                    if replied is not None:
                        replies.add(replied)
                    theirs.add((await post(session, bare.url, activity(text(i), service_url), token))[0])
                results[name] = (ours, theirs, replies)
    finally:
        for proc in (serve, bare):
            if proc is not None:
                await asyncio.to_thread(proc.stop)
        await idp_runner.cleanup()
        await conn_runner.cleanup()
    return results


# --- paced delivery ---------------------------------------------------------------------------------


def lower_bound(counts: list[int], per_destination: tuple[Any, ...], per_bot: tuple[Any, ...]) -> float:
    """The least time from the first to the last message that the documented rates allow: the slower
    of the busiest conversation's own fastest schedule and the bot-wide windows over all messages."""

    def fastest(n: int, windows: tuple[Any, ...]) -> float:
        times: list[float] = []
        for _ in range(n):
            at = times[-1] if times else 0.0
            for w in windows:
                inside = [t for t in times if t > at - w.seconds]
                if len(inside) >= w.count:
                    at = max(at, inside[len(inside) - w.count] + w.seconds)
            times.append(at)
        return times[-1] if times else 0.0

    return max(max((fastest(n, per_destination) for n in counts), default=0.0), fastest(sum(counts), per_bot))


def most_within(times: list[float], seconds: float) -> int:
    """The most of `times` inside any window of `seconds` (half-open, as the rates count)."""
    ordered = sorted(times)
    return max((bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered)), default=0)


def start_connector() -> Process:
    """The fake Bot Connector in a process of its own, as the real one is a service of its own."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "MICROSOFT_"))}
    env[TOKEN_ENV] = BOT_TOKEN
    return Process("teams-connector", [sys.executable, "-m", "bench.teams_connector", str(port)], env, port,
                   health="/_bench/record")


def connector_record(connector: Process) -> tuple[list[tuple[float, str]], int]:
    """(arrival, conversation id) of every message the connector accepted since it was last cleared,
    and how many it answered 429 (past a documented rate limit)."""
    with urllib.request.urlopen(connector.url + "/_bench/record", timeout=30) as resp:
        body = json.load(resp)
    return [(float(m["at"]), str(m["conversation"])) for m in body["messages"]], int(body["limited"])


def clear_connector(connector: Process) -> None:
    request = urllib.request.Request(connector.url + "/_bench/clear", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as resp:
        resp.read()


@contextlib.contextmanager
def as_served() -> Iterator[None]:
    """This interpreter as `oppfolging serve` sets up its own once the service is built: what was loaded
    frozen out of the cycle collector's way (`bot.cli.common.loading_done`) and the service's GIL
    switch interval (`bot.server.run`). Without the freeze every full collection during the tick
    walks everything the benchmark process has loaded (150-200 ms each, twice a tick, on the
    machine of docs/PERFORMANCE.md), which the service never does. Undone afterwards."""
    from bot.server import SWITCH_INTERVAL

    interval = sys.getswitchinterval()
    gc.collect()  # garbage of the set-up and of earlier benchmarks is freed, not frozen
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.unfreeze()


def deliver_teams(db_url: str, due: int = DELIVERY_DUE) -> dict[str, float]:
    from bot.scheduler import ReminderRunner
    from handlers.reminders.engine import EngineConfig
    from handlers.reminders.pacing import RATES, Pacer
    from storage.db import transaction
    from storage.models import Action, ActionParty, Party
    from tests.support.fake_delivery import say
    from tests.support.teams_harness import TeamsHarness, installed

    oslo = ZoneInfo("Europe/Oslo")
    monday = datetime(2027, 1, 18, 9, 0, tzinfo=oslo)
    created = datetime(2027, 1, 4, 12, tzinfo=oslo)
    with contextlib.ExitStack() as stack:
        connector = start_connector()
        stack.callback(connector.stop)
        harness = TeamsHarness(db_url, monday, connector_url=connector.url)
        stack.callback(harness.close)
        stack.enter_context(as_served())
        app = harness.app
        assert app is not None
        with app.sessions() as session:
            keys = sorted(session.scalars(select(Party.key).where(Party.kind == "county", Party.valid_to.is_(None))))
            keys += sorted(session.scalars(select(Party.key).where(Party.kind.in_(("agency", "ministry")))))
        keys = keys[:DELIVERY_CONVERSATIONS]
        for n, key in enumerate(keys):
            conversation = f"19:bench-{n}@thread.tacv2"
            harness.post(installed(harness, conversation=conversation, kind="channel"))
            say(app, f"/oppfølging medlem {key}", "teams:sekretær", now=created)
            say(app, f"/oppfølging abonner {key}", "teams:sekretær", now=created, channel=conversation)
        with transaction(app.sessions) as session:
            ids = {k: pid for k, pid in session.execute(select(Party.key, Party.id))}
            for key in keys:
                for i in range(due):
                    action = Action(text=f"Punkt {i + 1}: svare på høringen", status="open", deadline=monday.date(),
                                    source="import", deadline_text="", created_at=datetime(2027, 1, 4),
                                    updated_at=datetime(2027, 1, 4))
                    action.party_links.append(ActionParty(party_id=ids[key], position=0))
                    session.add(action)
        clear_connector(connector)  # only the tick's messages (not the welcome and subscription answers)
        # Those answers went to every conversation moments ago, and the connector counts them against
        # the rate limits, as Teams would, while the pacer knows only what it sends itself. A Monday's
        # tick comes long after anyone's last command: wait until they are out of the short windows
        # (8 in 2 s per conversation, 50 in 1 s per bot).
        time.sleep(2.0)
        late: list[float] = []

        async def sleep(seconds: float) -> None:
            # How much longer than the rates asked a pacer's wait lasted: the event loop woke it late.
            start = time.monotonic()
            await asyncio.sleep(seconds)
            late.append(time.monotonic() - start - seconds)

        runner = ReminderRunner(app, EngineConfig(tz=oslo), worker="bench", platforms=("teams",),
                                deliverers=lambda p: harness.deliverer if p == "teams" else None,
                                pacer=Pacer(sleep=sleep))

        async def tick() -> tuple[float, float, int, int]:
            start, cpu = time.perf_counter(), time.process_time()
            report = await runner.tick(monday)
            return (time.perf_counter() - start, time.process_time() - cpu, len(report.claimed),
                    report.count("sent"))

        total, cpu, claimed, sent = harness.loop.run(tick(), timeout=600)
        record, limited = connector_record(connector)
        per_conversation: dict[str, int] = {}
        for _, conversation_id in record:
            per_conversation[conversation_id] = per_conversation.get(conversation_id, 0) + 1
        rates = RATES["teams"]
        floor = lower_bound(list(per_conversation.values()), rates.per_destination, rates.per_bot)
        stamps = sorted(at for at, _ in record)
        return {"conversations": len(per_conversation), "messages": sum(per_conversation.values()),
                "claimed": claimed, "sent": sent, "total": total, "floor": floor,
                "sending": stamps[-1] - stamps[0] if stamps else 0.0,
                "most": max(per_conversation.values(), default=0),
                "cpu": cpu, "late": max(late, default=0.0),
                "busiest_second": most_within(stamps, 1.0), "limited": limited}


def run(large: bool = False, repeat: int = REPEAT) -> str:
    out = [
        f"**`/api/messages`**: {repeat} activities per command, one at a time, each followed by the same",
        "activity to the bare Agents SDK app. Times in ms from the POST. *HTTP*: until the HTTP answer (the",
        "service answers 202 once the SDK has accepted the activity; the bare app answers after its reply).",
        "*reply*: until the service's reply reached the fake Bot Connector — what the user waits for; the",
        "bare app's reply is already there when its HTTP answer comes, so *bare* is both for it.",
        "*ratio*: HTTP median / bare median; *reply / bare*: reply median / bare median.",
        "",
    ]
    for backend in backends():
        for n in sizes(large):
            log(f"teams /api/messages: {backend}, {n} actions")
            with database(backend, label="teams") as url:
                results = asyncio.run(measure(url, n, repeat))
            rows = [[name, fmt_ms(ours.median_ms()), fmt_ms(ours.p99_ms()), fmt_ms(theirs.median_ms()),
                     fmt_ms(theirs.p99_ms()), f"{ours.median_ms() / theirs.median_ms():.2f}×",
                     fmt_ms(replies.median_ms()), fmt_ms(replies.p99_ms()),
                     f"{replies.median_ms() / theirs.median_ms():.2f}×"]
                    for name, (ours, theirs, replies) in results.items()]
            out += [f"**{backend}, {count(n)} actions**", "",
                    table(["activity", "HTTP median", "HTTP p99", "bare median", "bare p99", "ratio",
                           "reply median", "reply p99", "reply / bare"], rows), ""]
    rows = []
    for backend in backends():
        for due in (DELIVERY_DUE, DELIVERY_DUE_LONG):
            log(f"teams delivery: {backend}, {due + 1} messages per conversation")
            with database(backend, label="teamsdlv") as url:
                from storage.db import make_engine
                from storage.setup import init_database

                engine = make_engine(url)
                init_database(engine, datetime(2027, 1, 4))
                engine.dispose()
                r = deliver_teams(url, due)
            rows.append([backend, int(r["conversations"]), int(r["messages"]), int(r["most"]), int(r["sent"]),
                         fmt_ms(r["total"] * 1000), fmt_ms(r["sending"] * 1000), fmt_ms(r["floor"] * 1000),
                         f"{r['sending'] / r['floor']:.2f}×" if r["floor"] else "–",
                         fmt_ms(r["cpu"] * 1000 / r["messages"]) if r["messages"] else "–",
                         fmt_ms(r["late"] * 1000), int(r["busiest_second"]), int(r["limited"])])
    out += [
        f"**Paced delivery**: a Monday's tick with {DELIVERY_DUE} reminders and a digest for each of",
        f"{DELIVERY_CONVERSATIONS} Teams conversations (and a longer one, {DELIVERY_DUE_LONG} reminders each),",
        "through the real Teams deliverer and pacer (real clock).",
        "The fake Bot Connector runs in a process of its own (bench/teams_connector.py: it checks the",
        "bot's token, answers as the real one does and notes when each message arrived; the benchmark",
        "reads that record afterwards), because the real connector is a separate service: in the bot's",
        "process its work was counted as the bot's. The bot's interpreter is set up as `oppfolging serve`",
        "sets up its own (what was loaded frozen out of the cycle collector's way; the service's GIL",
        "switch interval). *sending*: from the first message the connector accepted to the last. *floor*:",
        "the least that span can be under Microsoft's documented rates (per conversation 7 in 1 s, 8 in",
        "2 s, 60 in 30 s; per bot 50 in 1 s; from the table the pacer reads): the slower of the busiest",
        "conversation alone and all messages through the bot-wide window. *total* adds planning and",
        "claiming. Times in ms.",
        "The floor counts no time for the sends themselves. A conversation's messages go one after another",
        "(the next once the connector has answered the last), so the first second's 50 messages take",
        "three rounds over the 20 conversations, and the pacer counts a message from when it leaves until",
        "its answer (the platform counts it on arrival, somewhere in between): a message can go a second",
        "after the answer of the one 50 before it. The time one second's messages take to go out (here",
        "the bot's own work per message, as the fake answers within a millisecond; against the real",
        "connector also the network's round trips) therefore comes once on top of the floor, at the end,",
        "and does not add up from second to second: the longer tick shows the rate the pacer keeps.",
        "*CPU / message*: CPU time of the bot's process during the tick (event loop and database threads,",
        "planning and claiming included) per message. *pacer late*: the most any of the pacer's waits",
        "lasted beyond what the rates asked (the event loop, busy with other sends, woke it late). *most",
        "in 1 s*: the most messages the connector accepted within any one second (the documented limit",
        "is 50). *429*: messages the connector refused because a documented limit was reached (it keeps",
        "them, counted on arrival, as Teams does; a refused message is retried after its Retry-After).",
        "",
        table(["backend", "conversations", "messages", "most in one", "sent", "total", "sending", "floor",
               "sending / floor", "CPU / message", "pacer late", "most in 1 s", "429"], rows),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(run(large="--large" in sys.argv, repeat=5 if "--quick" in sys.argv else REPEAT))
