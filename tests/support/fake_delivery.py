"""Fakes for reminder delivery tests: an in-memory recorder and a fake chat platform over real HTTP.

`FakePlatform` answers a Slack-shaped `POST /api/chat.postMessage` and a Teams-shaped
`POST /v3/conversations/{id}/activities`. Tests queue faults (429 with Retry-After, 500, a hang
that never answers) and read what was delivered. `HttpDeliverer` is the test double of a platform
deliverer that talks real HTTP to it and maps the answers to `DeliveryError`s the way the real
deliverers do, so the engine's retry logic is exercised over a real network path. It runs in its
own thread, so it can serve worker subprocesses too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.delivery import DeliveryError, Destination
from handlers.core.replies import Reply


@dataclass
class Delivered:
    platform: str
    address: str
    kind: str
    title: str
    data: dict[str, Any]
    reply: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[Any, ...]:
        """What makes two deliveries the same message (for "sent exactly once" assertions)."""
        d = self.data
        return (self.platform, self.address, d.get("kind"), d.get("stage"), (d.get("action") or {}).get("id"),
                d.get("meeting"), d.get("party"), d.get("week"), d.get("part"))


class Recorder:
    """An in-process deliverer that records what it was given; `fail` makes the next sends raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[Destination, Reply]] = []
        self.failures: deque[DeliveryError] = deque()
        self._ids = itertools.count(1)

    async def send(self, destination: Destination, reply: Reply) -> str:
        if self.failures:
            raise self.failures.popleft()
        self.sent.append((destination, reply))
        return f"rec-{next(self._ids)}"


class FakePlatform:
    """A fake Slack + Teams message API in a background thread."""

    def __init__(self) -> None:
        self.delivered: list[Delivered] = []
        self.refused: list[tuple[str, str]] = []  # (path, fault) answered with an injected fault
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self._ts = itertools.count(1)
        self.url = ""

    # -- from the test thread -------------------------------------------------------------------------

    def fail_next(self, *faults: str) -> None:
        """Queue faults for the next requests: "429:SECONDS", "500", "503", "hang"."""
        with self._lock:
            self._faults.extend(faults)

    def identities(self) -> list[tuple[Any, ...]]:
        with self._lock:
            return [d.identity for d in self.delivered]

    def start(self) -> str:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())  # type: ignore[union-attr]
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.url

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        def halt() -> None:
            if self._release is not None:
                self._release.set()
            loop.stop()

        loop.call_soon_threadsafe(halt)
        if self._thread is not None:
            self._thread.join(10)

    # -- the server -----------------------------------------------------------------------------------

    async def _start(self) -> None:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", self._slack)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._teams)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def _next_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    async def _fault(self, path: str) -> web.Response | None:
        fault = self._next_fault()
        if fault is None:
            return None
        with self._lock:
            self.refused.append((path, fault))
        if fault == "hang":
            assert self._release is not None
            await self._release.wait()  # never answers while the test runs: the client times out
            return web.Response(status=504)
        if fault.startswith("429"):
            seconds = fault.partition(":")[2] or "1"
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": seconds})
        return web.json_response({"ok": False, "error": "internal_error"}, status=int(fault))

    async def _slack(self, request: web.Request) -> web.Response:
        refused = await self._fault("slack")
        if refused is not None:
            return refused
        body = await request.json()
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        self._record("slack", body["channel"], body.get("kind", "channel"), body.get("text", ""), body.get("metadata") or {})
        return web.json_response({"ok": True, "channel": body["channel"], "ts": ts})

    async def _teams(self, request: web.Request) -> web.Response:
        refused = await self._fault("teams")
        if refused is not None:
            return refused
        body = await request.json()
        conversation = request.match_info["conversation"]
        self._record("teams", conversation, body.get("kind", "channel"), body.get("text", ""), body.get("channelData") or {})
        return web.json_response({"id": f"activity-{next(self._ts)}"}, status=201)

    def _record(self, platform: str, address: str, kind: str, title: str, reply: dict[str, Any]) -> None:
        with self._lock:
            self.delivered.append(Delivered(platform, address, kind, title, reply.get("data") or {}, reply))


class HttpDeliverer:
    """Sends a reply to `FakePlatform` the way a platform deliverer would, and maps its answers."""

    def __init__(self, base_url: str, platform: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.platform = platform
        self.timeout = timeout

    async def send(self, destination: Destination, reply: Reply) -> str:
        body: dict[str, Any] = {"text": reply.title, "kind": destination.kind}
        if self.platform == "slack":
            url = f"{self.base_url}/api/chat.postMessage"
            body.update(channel=destination.address, metadata=reply.to_json())
        else:
            url = f"{self.base_url}/v3/conversations/{destination.address}/activities"
            body.update(type="message", channelData=reply.to_json())
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session,
                session.post(url, data=json.dumps(body, default=str),
                             headers={"Content-Type": "application/json"}) as response,
            ):
                if response.status == 429:
                    raise DeliveryError("rate limited", retry_after=float(response.headers.get("Retry-After", "1")))
                if response.status >= 500:
                    raise DeliveryError(f"server error {response.status}")
                data = await response.json()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryError(f"unreachable: {exc.__class__.__name__}") from exc
        if self.platform == "slack":
            if not data.get("ok"):
                raise DeliveryError(str(data.get("error")), permanent=data.get("error") == "channel_not_found")
            return f"{data['channel']}:{data['ts']}"
        return str(data["id"])


# --- a simulated clock over the real engine ------------------------------------------------------------


@dataclass
class Sent:
    """One message the engine delivered during a simulated tick."""

    at: Any  # the local datetime of the tick
    platform: str
    address: str
    kind: str  # reminder, escalation, convener, digest, overview
    stage: str | None
    action: int | None
    title: str
    reply: Reply

    @property
    def day(self) -> Any:
        return self.at.date()


class Sim:
    """Drives `ReminderRunner.tick` with an explicit clock; every platform goes to one `Recorder`."""

    def __init__(self, app: Any, config: Any = None, *, platforms: tuple[str, ...] = ("slack", "teams", "console"),
                 worker: str = "sim", deliverers: dict[str, Any] | None = None, parallel: int = 20) -> None:
        from bot.scheduler import ReminderRunner
        from handlers.reminders.engine import EngineConfig
        from handlers.reminders.pacing import Pacer
        from tests.support.fake_clock import FakeClock

        self.app = app
        self.recorder = Recorder()
        self.config = config or EngineConfig(tz=app.settings.timezone)
        chosen = deliverers or {}
        # The platforms' pace on a fake clock: waits are recorded (`clock.sleeps`), never slept.
        self.clock = FakeClock()
        self.runner = ReminderRunner(app, self.config, worker=worker, platforms=platforms,
                                     deliverers=lambda p: chosen.get(p, self.recorder), parallel=parallel,
                                     pacer=Pacer(clock=self.clock, sleep=self.clock.sleep))
        self.log: list[Sent] = []
        self.reports: list[Any] = []

    def local(self, when: Any) -> Any:
        from datetime import datetime

        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.config.tz)
        return when

    def tick(self, when: Any) -> list[Sent]:
        moment = self.local(when)
        before = len(self.recorder.sent)
        report = self.clock.run(self.runner.tick(moment))
        self.reports.append(report)
        entries = []
        for destination, reply in self.recorder.sent[before:]:
            data = reply.data or {}
            entries.append(Sent(moment.astimezone(self.config.tz), destination.platform, destination.address,
                                data.get("kind", ""), data.get("stage"), (data.get("action") or {}).get("id"),
                                reply.title, reply))
        self.log.extend(entries)
        return entries

    def days(self, first: Any, last: Any, *, hour: int = 9, minute: int = 0) -> list[Sent]:
        """Tick once a day (weekends and holidays included) at the given local time."""
        from datetime import datetime, time, timedelta

        out: list[Sent] = []
        day = first
        while day <= last:
            out.extend(self.tick(datetime.combine(day, time(hour, minute))))
            day += timedelta(days=1)
        return out


# --- chat helpers for setting up reminder scenarios ------------------------------------------------------


def say(app: Any, text: str, user: str | None = None, *, now: Any, channel: str | None = None,
        ok: bool = True) -> Reply:
    """Run one chat input as `user` ("slack:U1"; None: the local operator) in `channel`."""
    from handlers.core.context import Actor

    if user is None:
        actor = Actor("console", "local", "lokal operatør")
    else:
        platform, _, external = user.partition(":") if ":" in user else ("console", "", user)
        actor = Actor(platform, external, external)

    def configure(ctx: Any) -> None:
        if channel is not None:
            ctx.channel = channel
            ctx.channel_name = f"#{channel.lower()}"

    reply = app.handle(text, actor, now=now, configure=configure)
    if ok:
        assert not reply.error, reply.lines
    return reply


def new_action(app: Any, text: str, *, now: Any) -> int:
    return say(app, f"/oppfølging ny {text}", now=now).data["action"]["id"]  # type: ignore[index]


def join(app: Any, party: str, user: str, *, now: Any) -> None:
    say(app, f"/oppfølging medlem {party}", user, now=now)


def subscribe(app: Any, party: str, channel: str, *, now: Any, platform: str = "slack") -> None:
    """Subscribe `channel` to `party`: as the Slack admin, or elsewhere as a member of the party."""
    user = "slack:UADMIN"
    if platform != "slack":
        user = f"{platform}:subscriber"
        say(app, f"/oppfølging medlem {party}", user, now=now)
    say(app, f"/oppfølging abonner {party}", user, now=now, channel=channel)
