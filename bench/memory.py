"""Benchmark 4: resident memory (RSS) of the service with 100 000 actions.

The service process is `oppfolging serve` as the CLI builds it (bench/serve_probe.py adds one
route to trigger a digest inside it). Measured: right after start-up (idle), after chat traffic
(signed Slack commands: lists, `mine`, `vis`, new actions), and the peak while it plans, claims and
sends a weekly digest to 20 subscribed channels (fake Slack without delay, so the digest is as
dense as it can be). RSS is sampled every 20 ms with psutil.

Two configurations: Slack alone, and Slack with Teams (a Teams app id, tenant and password set,
so that `serve` also loads the Microsoft 365 Agents SDK and answers on /api/messages). The
reminders go to Slack channels in both; Teams only adds what it keeps in memory.
"""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp

from bench.chat_http import Kind, kinds, one, open_action_ids
from bench.common import NOW, backends, count, database, log, seed_engine, table
from bench.procs import USER, Process, free_port, service_env
from bench.reminders import subscribe_every_party
from bench.slack_requests import slash_command
from bot.app import App
from bot.config import Settings
from tests.support.fake_slack import FakeSlack

ACTIONS = 100_000
CHAT_REQUESTS = 200
CHANNELS = 5  # 20 with --large
DUE_TODAY = 1000  # actions whose reminder goes out in the measured sweep
LIMIT_MIB = 150  # issue 19: peak RSS through a whole 100 000-action run


# Made-up identifiers: Teams is set up but never reached (no Teams traffic in this benchmark).
TEAMS_ENV = {"TEAMS_APP_ID": "00000000-0000-4000-8000-00000000b0b0", "TEAMS_TENANT_ID":
             "00000000-0000-4000-8000-0000000000aa", "TEAMS_APP_PASSWORD": "bench-not-a-secret"}


def start_probe(url: str, api_url: str, teams: bool = False) -> Process:
    port = free_port()
    # The probe runs the sweep and the digest itself, at the benchmark's moment; the service's own
    # clock would otherwise race it for the same claims (once seen: a digest of 0 messages).
    env = service_env(url, api_url, OPPFOLGING_SCHEDULER="off", **(TEAMS_ENV if teams else {}))
    return Process("probe", [sys.executable, "-m", "bench.serve_probe", str(port)], env, port, health="/healthz")


def start_bare_app(api_url: str, teams: bool) -> Process:
    """The baseline: the bare slack-bolt app (with the bare Agents SDK app when `teams`), no database."""
    port = free_port()
    env = service_env("sqlite://", api_url, **(TEAMS_ENV if teams else {}))
    return Process("bare", [sys.executable, "-m", "bench.bare_slack", str(port), *(["--teams"] if teams else [])],
                   env, port, health=None)


async def chat_peak(session: aiohttp.ClientSession, proc: Process, fake: FakeSlack, ids: list[int], *,
                    answer: bool) -> float:
    """Peak RSS of `proc` while it gets the chat burst: CHAT_REQUESTS signed requests at once."""
    kind_list = kinds(ids)
    work = asyncio.ensure_future(asyncio.gather(*(
        one(session, proc.url, fake, kind_list[i % len(kind_list)], i, answer=answer)
        for i in range(CHAT_REQUESTS)
    )))
    peak = await sample_while(proc, work)
    await work
    return peak


async def bare_peak(api_url: str, fake: FakeSlack, ids: list[int], teams: bool) -> tuple[float, float]:
    """Idle RSS of the bare app(s), and their peak under the same chat traffic (acknowledged only)."""
    proc = await asyncio.to_thread(start_bare_app, api_url, teams)
    try:
        await asyncio.sleep(1.0)
        idle = proc.rss_mib()
        async with aiohttp.ClientSession() as session:
            return idle, await chat_peak(session, proc, fake, ids, answer=False)
    finally:
        await asyncio.to_thread(proc.stop)


async def sample_while(proc: Process, work: asyncio.Future) -> float:  # type: ignore[type-arg]
    peak = proc.rss_mib()
    while not work.done():
        peak = max(peak, proc.rss_mib())
        await asyncio.sleep(0.02)
    return max(peak, proc.rss_mib())


async def measure(url: str, channels: int = CHANNELS, teams: bool = False) -> dict[str, float]:
    engine = seed_engine(url, ACTIONS, due_today=DUE_TODAY)
    ids = open_action_ids(engine)
    engine.dispose()
    setup = App(Settings(database_url=url), clock=lambda: NOW)
    from sqlalchemy import select

    from storage.models import Party

    with setup.engine.connect() as conn:
        keys = sorted(conn.execute(select(Party.key).where(Party.valid_to.is_(None), Party.kind != "group")).scalars())
    subscribe_every_party(setup, only=keys[:channels])
    setup.close()
    fake = FakeSlack()
    runner = await fake.start()
    result: dict[str, float] = {}
    proc: Process | None = None
    try:
        result["bare_idle"], result["bare_peak"] = await bare_peak(fake.url, fake, ids, teams)
        proc = await asyncio.to_thread(start_probe, url, fake.url, teams)
        await asyncio.sleep(1.0)
        result["idle"] = proc.rss_mib()
        async with aiohttp.ClientSession() as session:
            await one(session, proc.url, fake, Kind("medlem", lambda i, u, t: slash_command(
                "medlem AU", user=USER, response_url=u, trigger_id=t)), 0, answer=True)
            result["chat_peak"] = await chat_peak(session, proc, fake, ids, answer=True)
            result["after_chat"] = proc.rss_mib()
            start = time.perf_counter()
            sweep = asyncio.ensure_future(session.post(proc.url + "/bench/sweep", params={"now": NOW.isoformat()},
                                                       timeout=aiohttp.ClientTimeout(total=900)))
            result["sweep_peak"] = await sample_while(proc, sweep)
            response = await sweep
            body = await response.json()
            response.release()
            result["sweep_seconds"] = time.perf_counter() - start
            result["sweep_messages"] = float(body["sent"])
            start = time.perf_counter()
            request = session.post(proc.url + "/bench/digest", params={"now": NOW.isoformat()},
                                   timeout=aiohttp.ClientTimeout(total=900))
            digest = asyncio.ensure_future(request)
            result["digest_peak"] = await sample_while(proc, digest)
            response = await digest
            body = await response.json()
            response.release()
            result["digest_seconds"] = time.perf_counter() - start
            result["digest_messages"] = float(body["sent"])
            await asyncio.sleep(1.0)
            result["after_digest"] = proc.rss_mib()
    finally:
        if proc is not None:
            await asyncio.to_thread(proc.stop)
        await runner.cleanup()
    return result


def run(large: bool = False) -> str:
    rows = []
    channels = 20 if large else CHANNELS
    configurations = [(b, t) for b in (backends() if large else ["sqlite"]) for t in (False, True)]
    for backend, teams in configurations:
        log(f"memory: {backend}, {ACTIONS} actions, {'Slack and Teams' if teams else 'Slack'}")
        with database(backend, label="mem") as url:
            r = asyncio.run(measure(url, channels, teams))
        peak = max(r["idle"], r["chat_peak"], r["sweep_peak"], r["digest_peak"])
        rows.append([backend, "Slack and Teams" if teams else "Slack", f"{r['idle']:.0f}", f"{r['chat_peak']:.0f}",
                     f"{r['after_chat']:.0f}", f"{r['sweep_peak']:.0f}",
                     f"{int(r['sweep_messages'])} in {r['sweep_seconds']:.0f} s",
                     f"{r['digest_peak']:.0f}", f"{r['after_digest']:.0f}",
                     f"{int(r['digest_messages'])} in {r['digest_seconds']:.0f} s",
                     f"{peak:.0f}", f"{r['bare_idle']:.0f} / {r['bare_peak']:.0f}", f"{peak / r['bare_peak']:.2f}×",
                     f"{peak / LIMIT_MIB:.2f}×"])
    out = [
        f"RSS in MiB of the service process with {count(ACTIONS)} actions. *chat*: {CHAT_REQUESTS} signed Slack requests",
        f"at once (lists, `mine`, `vis`, `ny`, button clicks). *digest*: the weekly digest to {channels} channels",
        "(at most 10 actions listed per section, the rest counted), sent to a fake Slack without delay.",
        f"*sweep*: the reminder sweep of a Monday 09:00 with {DUE_TODAY} actions due that day (planned, claimed",
        "and sent inside the service). *serves*: Slack alone, or Slack and Teams (the Agents SDK loaded)."
        + ("" if large else " PostgreSQL, and 20 channels, with `--large`."),
        "*bare*: the baseline, measured in the same run: the bare slack-bolt app of the chat benchmark (with",
        "the bare Agents SDK app of the Teams benchmark in the same process for *Slack and Teams*), idle and",
        f"under the same {CHAT_REQUESTS} requests, which it only acknowledges; it has no database and sends nothing.",
        f"*peak / {LIMIT_MIB} MiB*: against issue 19's limit for a whole run.",
        "",
        table(["backend", "serves", "idle", "chat peak", "after chat", "sweep peak", "sweep messages", "digest peak",
               "after digest", "digest messages", "peak of the run", "bare idle / chat peak", "peak / bare",
               f"peak / {LIMIT_MIB} MiB"], rows),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(run(large="--large" in sys.argv))
