"""A small fake Slack Web API for benchmarks and multi-process tests, with Slack's pace.

- Every answer can be delayed (`latency`, e.g. 50 ms, a realistic round trip to slack.com).
- `chat.postMessage` can be rate limited per channel (`per_channel_interval`, e.g. 1.0 s: about one
  message per second per channel, as Slack documents); a faster post gets HTTP 429 with
  `Retry-After`, exactly like Slack.
- `response_url`s are `/response/<token>`; what arrives there is recorded with its arrival time.

Everything is recorded with `time.perf_counter()` arrival times, so a benchmark in the same
process can tell when an answer was posted. It runs in any asyncio loop; readers in other threads
use `wait_for` (a condition variable).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fake_slack import read_params


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # perf_counter when it arrived
    status: int = 200
    answered_at: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)  # what the fake answered


@dataclass
class Answer:
    """What arrived on a response_url."""

    token: str
    body: dict[str, Any]
    at: float


@dataclass
class SlowSlack:
    latency: float = 0.0
    per_channel_interval: float = 0.0  # 0: no rate limit
    retry_after: int = 1
    calls: list[Call] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._counter = itertools.count(1)
        self._last_post: dict[str, float] = {}

    # --- inspection -------------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[SlowSlack], Any], timeout: float = 10.0) -> Any:
        with self._cond:
            result = self._cond.wait_for(lambda: predicate(self), timeout)
        assert result, "the bot did not send what was waited for"
        return result

    def of(self, method: str, *, ok: bool = True) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (c.status == 200 or not ok)]

    def answer(self, token: str) -> Answer | None:
        with self._cond:
            return next((a for a in self.answers if a.token == token), None)

    def answers_for(self, token: str) -> list[Answer]:
        with self._cond:
            return [a for a in self.answers if a.token == token]

    def response_url(self, token: str | None = None) -> tuple[str, str]:
        token = token or f"r{next(self._counter)}"
        return f"{self.url}/response/{token}", token

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self.answers.clear()
            self._last_post.clear()

    # --- the server -------------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
        runner = web.AppRunner(self.web_app(), shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        self.url = f"http://{bound_host}:{bound_port}"
        return runner

    def _record(self, target: list[Any], item: Any) -> None:
        with self._cond:
            target.append(item)
            self._cond.notify_all()

    async def _response(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        body = await request.json()
        if self.latency:
            await asyncio.sleep(self.latency)
        self._record(self.answers, Answer(request.match_info["token"], body, at))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        method = request.match_info["method"]
        params = await read_params(request)
        call = Call(method, params, at)
        if self.latency:
            await asyncio.sleep(self.latency)
        if method == "chat.postMessage" and self.per_channel_interval:
            channel = str(params.get("channel"))
            with self._cond:
                last = self._last_post.get(channel)
                limited = last is not None and at - last < self.per_channel_interval
                if not limited:
                    self._last_post[channel] = at
            if limited:
                call.status = 429
                call.answered_at = time.perf_counter()
                self._record(self.calls, call)
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(self.retry_after)})
        result = call.result = self._answer(method, params)
        call.answered_at = time.perf_counter()
        self._record(self.calls, call)
        return web.json_response(result)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(self._counter)
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0001", "team": "Testlag",
                    "user": "oppfolging", "url": "https://testlag.slack.com/"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": f"1790000000.{n:06d}"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1790000000.{n:06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = params.get("view") if isinstance(params.get("view"), dict) else {}
            return {"ok": True, "view": {**view, "id": f"V{n:05d}", "hash": f"hash{n}"}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "")).split(",")[0]}}
        if method == "usergroups.list":
            return {"ok": True, "usergroups": []}
        if method == "usergroups.users.list":
            return {"ok": True, "users": []}
        if method == "users.info":
            user = str(params.get("user"))
            return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": f"Bruker {user}",
                                         "profile": {"real_name": f"Bruker {user}", "display_name": ""}}}
        return {"ok": False, "error": "unknown_method"}
