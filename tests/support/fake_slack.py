"""A fake Slack over real HTTP: the Web API methods the bot calls, `response_url`s and a Socket Mode websocket.

It records every call (method, parameters, token, `time.perf_counter()` arrival and answer times)
so tests and benchmarks can assert on what the bot sent and when, and can be told to answer the
next calls of a method with HTTP 429 (`Retry-After`) or 500. It can also keep Slack's pace:

- `latency` delays every answer (e.g. 50 ms, a realistic round trip to slack.com);
- `per_channel_interval` rate limits `chat.postMessage` per channel (e.g. 1.0 s: about one message
  per second per channel, as Slack documents); a faster post gets HTTP 429 with `Retry-After`
  (`retry_after`), exactly like Slack.

Channels are as strict as Slack's documentation (payloads in tests/fixtures/slack/, each naming its
page): a channel described with `add_channel` answers `chat.postMessage` with `not_in_channel` when
it is public and the bot is not in it, `channel_not_found` when it is private and the bot is not in
it (a bot token cannot see such a channel, not even with `conversations.info`), and `is_archived`
when archived; `conversations.join` lets the bot into a public channel only
(`method_not_supported_for_channel_type` for a private one). A channel no test described is an
ordinary public channel the bot is in, so tests about other things need not set one up.

It runs in any asyncio loop (a test's background loop, or a benchmark's own); readers in other
threads go through a condition variable (`wait_for`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from tests.support import block_kit

JSON_FIELDS = ("blocks", "view", "attachments", "metadata")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"


# Methods whose payload is checked against Block Kit's documented limits (tests/support/block_kit.py).
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")


def block_kit_problems(method: str, params: dict[str, Any]) -> list[str]:
    if method in MESSAGE_METHODS:
        return block_kit.message_problems(params, surface=method)
    if method in VIEW_METHODS:
        return block_kit.view_problems(params.get("view"))
    return []


@cache
def fixture(name: str) -> dict[str, Any]:
    """A documented payload from tests/fixtures/slack (copied on use: callers fill it in)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


async def read_params(request: web.Request) -> dict[str, Any]:
    """A Web API call's arguments as Slack reads them: query, form or JSON body; JSON-valued fields decoded."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    else:
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str = ""
    at: float = 0.0  # perf_counter when it arrived
    status: int = 200  # the HTTP status it was answered with
    answered_at: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)  # what the fake answered


@dataclass
class Answer:
    """What arrived on a response_url."""

    token: str
    body: dict[str, Any]
    at: float


@dataclass
class Failure:
    method: str
    status: int
    retry_after: int | None = None
    remaining: int = 1
    after: int = 0  # calls to let through first


@dataclass
class SharedFile:
    """A file a user shared; served at its `url_private` to the bot token only."""

    id: str
    name: str
    data: bytes
    mimetype: str = "application/octet-stream"
    filetype: str = ""
    status: int = 200  # what the download answers (e.g. 500 for a broken file store)


@dataclass
class Channel:
    """A channel as the fake knows it (see `FakeSlack.add_channel`)."""

    id: str
    name: str
    private: bool = False
    member: bool = False
    archived: bool = False
    deleted: bool = False


@dataclass
class Usergroup:
    id: str
    handle: str
    users: list[str] = field(default_factory=list)


class FakeSlack:
    def __init__(self, *, latency: float = 0.0, per_channel_interval: float = 0.0, retry_after: int = 1) -> None:
        self.latency = latency  # seconds before every answer
        self.per_channel_interval = per_channel_interval  # 0: chat.postMessage is not rate limited
        self.retry_after = retry_after  # the Retry-After of a rate-limited chat.postMessage
        self.calls: list[Call] = []  # calls answered with HTTP 200 (including Slack errors)
        self.refused: list[Call] = []  # calls answered with an injected failure or a rate limit
        self.answers: list[Answer] = []  # what arrived on response_urls
        self.socket_messages: list[dict[str, Any]] = []  # what the bot sent over the websocket
        self.usergroups: list[Usergroup] = []
        self.channels: dict[str, Channel] = {}
        self.names: dict[str, str] = {}
        # Workspace members by e-mail, for users.lookupByEmail: address -> user object (`add_user`).
        self.users_by_email: dict[str, dict[str, Any]] = {}
        self.errors: dict[str, str] = {}  # method -> Slack error code to answer with
        self.deleted_messages: set[tuple[str, str]] = set()  # (channel, ts): chat.getPermalink says message_not_found
        self.bot_user = "UBOT"
        self.bot_token = ""  # the token `url_private` downloads require (the harness sets it)
        self.files: dict[str, SharedFile] = {}
        self.downloads: list[tuple[str, str]] = []  # (path, Authorization header) of every file GET
        self.url = ""
        self.violations: list[str] = []  # Block Kit violations in what the bot sent (block_kit.py)
        self._failures: list[Failure] = []
        self._counter = itertools.count(1)
        self._cond = threading.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._last_post: dict[str, float] = {}  # channel -> arrival of its last accepted chat.postMessage

    # --- set-up and inspection (from the test thread) -------------------------------------------

    def fail_next(self, method: str, *, status: int = 429, retry_after: int | None = None, times: int = 1,
                  after: int = 0) -> None:
        """Answer the next `times` calls of `method` (after letting `after` through) with `status`."""
        with self._cond:
            self._failures.append(Failure(method, status, retry_after, times, after))

    def add_channel(self, channel_id: str, name: str, *, private: bool = False, member: bool = False,
                    archived: bool = False) -> Channel:
        """Describe a channel; from now on the bot can post there only as Slack would let it."""
        with self._cond:
            self.channels[channel_id] = Channel(channel_id, name, private, member, archived)
            return self.channels[channel_id]

    def invite_bot(self, channel_id: str) -> None:
        """Someone typed `/invite @Oppfølging` in the channel."""
        with self._cond:
            self.channels[channel_id].member = True

    def delete_channel(self, channel_id: str) -> None:
        with self._cond:
            self.channels[channel_id].deleted = True

    def add_usergroup(self, handle: str, users: list[str]) -> None:
        self.usergroups.append(Usergroup(f"S{len(self.usergroups) + 1:04d}", handle, users))

    def add_user(self, user_id: str, email: str, name: str = "", *, deleted: bool = False,
                 is_bot: bool = False) -> dict[str, Any]:
        """A workspace member with a profile e-mail, as users.lookupByEmail returns them."""
        user = {"id": user_id, "team_id": "T0001", "name": user_id.lower(), "deleted": deleted, "real_name": name,
                "is_bot": is_bot, "profile": {"real_name": name, "display_name": name, "email": email}}
        self.users_by_email[email.lower()] = user
        self.names[user_id] = name
        return user

    def add_file(self, name: str, data: bytes, *, mimetype: str = "application/octet-stream", filetype: str = "",
                 status: int = 200) -> dict[str, Any]:
        """Store a shared file; returns its object as Slack puts it in a `file_share` event."""
        shared = SharedFile(f"F{len(self.files) + 1:05d}", name, data, mimetype, filetype or name.rpartition(".")[2],
                            status)
        self.files[shared.id] = shared
        return self.file_object(shared)

    def file_object(self, shared: SharedFile) -> dict[str, Any]:
        url = f"{self.url}/files-pri/T0001-{shared.id}/{shared.name}"
        return {"id": shared.id, "name": shared.name, "title": shared.name, "mimetype": shared.mimetype,
                "filetype": shared.filetype, "size": len(shared.data), "mode": "hosted", "is_external": False,
                "url_private": url, "url_private_download": url + "?download=1"}

    def wait_for(self, predicate: Callable[[FakeSlack], Any], timeout: float = 10.0) -> Any:
        """Block until `predicate(self)` is truthy (it is re-checked whenever the fake records something)."""
        with self._cond:
            result = self._cond.wait_for(lambda: predicate(self), timeout)
        assert result, "the bot did not send what was waited for"
        return result

    def wait_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        self.wait_for(lambda fake: len(fake.of(method)) >= count, timeout)
        return self.of(method)

    def wait_responses(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        self.wait_for(lambda fake: len(fake.responses) >= count, timeout)
        return [body for _, body in self.responses]

    def of(self, method: str, *, ok: bool = True) -> list[Call]:
        """The answered calls of `method`; with `ok=False` the refused ones too, in order of arrival."""
        with self._cond:
            calls = self.calls if ok else sorted(self.calls + self.refused, key=lambda c: c.at)
            return [c for c in calls if c.method == method]

    @property
    def responses(self) -> list[tuple[str, dict[str, Any]]]:
        """What arrived on response_urls, as (path, body)."""
        with self._cond:
            return [(f"/response/{a.token}", a.body) for a in self.answers]

    def answer(self, token: str) -> Answer | None:
        """The first answer on the response_url of `token`."""
        with self._cond:
            return next((a for a in self.answers if a.token == token), None)

    def answers_for(self, token: str) -> list[Answer]:
        with self._cond:
            return [a for a in self.answers if a.token == token]

    def opened_view(self) -> dict[str, Any]:
        """The last modal the bot opened, as Slack holds it (with its id and hash)."""
        return self.wait_calls("views.open")[-1].result["view"]

    def response_url(self, token: str | None = None) -> str:
        """A new response_url; what arrives there is recorded under `token` (by default a fresh number)."""
        return f"{self.url}/response/{token or next(self._counter)}"

    def reset(self) -> None:
        """Forget every call and answer (and the rate limit's memory)."""
        with self._cond:
            self.calls.clear()
            self.refused.clear()
            self.answers.clear()
            self._last_post.clear()

    # --- the server -----------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files-pri/{team_file}/{name}", self._download)
        app.router.add_get("/login", self._login)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
        """Serve on `host` (a free port by default) in the running loop; sets `url`."""
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
        problems = block_kit.message_problems(body, surface="response_url") if isinstance(body, dict) \
            else ["response_url: the body must be a JSON object"]
        if problems:
            # Slack refuses the payload (HTTP 400, "invalid_blocks") and shows the user nothing.
            self._note_violations("response_url", problems)
            return web.Response(status=400, text="invalid_blocks")
        self._record(self.answers, Answer(request.match_info["token"], body, at))
        return web.Response(text="ok")

    async def _download(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        self._record(self.downloads, (request.path, auth))
        shared = self.files.get(request.match_info["team_file"].rpartition("-")[2])
        # Like Slack: without the bot token (or without files:read) the browser is sent to the login page.
        if not self.bot_token or auth != f"Bearer {self.bot_token}":
            raise web.HTTPFound(f"{self.url}/login")
        if shared is None:
            return web.Response(status=404, text="not found")
        if shared.status != 200:
            return web.Response(status=shared.status, text="error")
        return web.Response(body=shared.data, content_type=shared.mimetype)

    async def _login(self, request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Logg inn i Slack</body></html>", content_type="text/html")

    async def _api(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        method = request.match_info["method"]
        params = await read_params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        call = Call(method, params, token, at)
        if self.latency:
            await asyncio.sleep(self.latency)
        with self._cond:
            failure = next((f for f in self._failures if f.method == method and f.remaining > 0), None)
            if failure is not None and failure.after > 0:
                failure.after -= 1
                failure = None
            elif failure is not None:
                failure.remaining -= 1
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            error = "ratelimited" if failure.status == 429 else "internal_error"
            return self._refuse(call, failure.status, error, headers)
        if method == "chat.postMessage" and self.per_channel_interval:
            channel = str(params.get("channel"))
            with self._cond:
                last = self._last_post.get(channel)
                limited = last is not None and at - last < self.per_channel_interval
                if not limited:
                    self._last_post[channel] = at
            if limited:
                return self._refuse(call, 429, "ratelimited", {"Retry-After": str(self.retry_after)})
        problems = block_kit_problems(method, params)
        if problems:
            call.result = self._invalid(method, problems)
        elif method in self.errors:
            call.result = {"ok": False, "error": self.errors[method]}
        else:
            call.result = self._answer(method, params)
        call.answered_at = time.perf_counter()
        self._record(self.calls, call)
        return web.json_response(call.result)

    def _note_violations(self, method: str, problems: list[str]) -> None:
        with self._cond:
            self.violations.extend(f"{method}: {p}" for p in problems)
        block_kit.record(method, problems)

    def _invalid(self, method: str, problems: list[str]) -> dict[str, Any]:
        """Slack's answer to a payload breaking Block Kit: `invalid_blocks` for messages (chat.postMessage's
        page), `invalid_arguments` with the reasons for views (views.open's page)."""
        self._note_violations(method, problems)
        error = "invalid_blocks" if method in MESSAGE_METHODS else "invalid_arguments"
        return {"ok": False, "error": error, "errors": problems, "response_metadata": {"messages": problems}}

    def _refuse(self, call: Call, status: int, error: str, headers: dict[str, str]) -> web.Response:
        call.status, call.result = status, {"ok": False, "error": error}
        call.answered_at = time.perf_counter()
        self._record(self.refused, call)
        return web.json_response(call.result, status=status, headers=headers)

    def _channel_error(self, method: str, channel_id: str) -> dict[str, Any] | None:
        """Slack's answer when the bot may not do `method` in the channel, or None when it may."""
        with self._cond:
            channel = self.channels.get(channel_id)
            if channel is None:
                return None  # a channel no test described: public, and the bot is in it
            if channel.deleted:
                return {"ok": False, "error": "channel_not_found"}
            if method == "conversations.join":
                # The method's page: private channels are joined by invitation only.
                if channel.private:
                    return copy.deepcopy(
                        fixture("conversations.join")["errors"]["method_not_supported_for_channel_type"])
                if channel.archived:
                    return copy.deepcopy(fixture("conversations.join")["errors"]["is_archived"])
                return None
            if channel.private and not channel.member:
                return {"ok": False, "error": "channel_not_found"}
            if method == "conversations.info":
                return None
            if channel.archived:
                return copy.deepcopy(fixture("chat.postMessage.errors")["is_archived"])
            if not channel.member:
                return copy.deepcopy(fixture("chat.postMessage.errors")["not_in_channel"])
            return None

    def _channel_object(self, source: str, channel_id: str) -> dict[str, Any]:
        with self._cond:
            channel = self.channels.get(channel_id) or Channel(channel_id, channel_id.lower(), member=True)
            body = copy.deepcopy(fixture(source)["ok"])
            body["channel"] |= {"id": channel.id, "name": channel.name, "name_normalized": channel.name,
                                "is_private": channel.private, "is_archived": channel.archived,
                                "is_member": channel.member}
            return body

    def _join(self, channel_id: str) -> dict[str, Any]:
        with self._cond:
            channel = self.channels.setdefault(channel_id, Channel(channel_id, channel_id.lower(), member=True))
            already = channel.member
            channel.member = True
        body = self._channel_object("conversations.join", channel_id)
        if already:
            body |= copy.deepcopy(fixture("conversations.join")["already_in_channel"])
        return body

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(self._counter)
        if method in ("chat.postMessage", "conversations.info", "conversations.join"):
            refused = self._channel_error(method, str(params.get("channel")))
            if refused is not None:
                return refused
        if method == "conversations.info":
            return self._channel_object("conversations.info", str(params.get("channel")))
        if method == "conversations.join":
            return self._join(str(params.get("channel")))
        if method == "chat.getPermalink":
            # https://api.slack.com/methods/chat.getPermalink: a channel the bot cannot see is
            # channel_not_found, a deleted message message_not_found.
            channel, ts = str(params.get("channel")), str(params.get("message_ts"))
            refused = self._channel_error("conversations.info", channel)
            if refused is not None:
                return refused
            if (channel, ts) in self.deleted_messages:
                return {"ok": False, "error": "message_not_found"}
            return {"ok": True, "channel": channel,
                    "permalink": f"https://testlag.slack.com/archives/{channel}/p{ts.replace('.', '')}"}
        if method == "auth.test":
            return {"ok": True, "user_id": self.bot_user, "bot_id": "BBOT", "team_id": "T0001", "team": "Testlag",
                    "user": "oppfolging", "url": "https://testlag.slack.com/"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": f"1790000000.{n:06d}",
                    "message": {"text": params.get("text"), "blocks": params.get("blocks")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1790000000.{n:06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = params.get("view") if isinstance(params.get("view"), dict) else {}
            # views.update keeps the view's id (a new hash); the others make a new view.
            view_id = params.get("view_id") if method == "views.update" and params.get("view_id") else f"V{n:05d}"
            return {"ok": True, "view": {**view, "id": view_id, "hash": f"hash{n}"}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "")).split(",")[0]}}
        if method == "usergroups.list":
            return {"ok": True, "usergroups": [{"id": g.id, "handle": g.handle, "name": g.handle.upper()}
                                               for g in self.usergroups]}
        if method == "usergroups.users.list":
            group = next((g for g in self.usergroups if g.id == params.get("usergroup")), None)
            if group is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": group.users}
        if method == "users.info":
            user = str(params.get("user"))
            name = self.names.get(user, "")
            return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": name,
                                         "profile": {"real_name": name, "display_name": name}}}
        if method == "users.lookupByEmail":
            # https://api.slack.com/methods/users.lookupByEmail: `email` is required; an address no
            # member has is the error users_not_found (HTTP 200, ok false).
            email = params.get("email")
            if not isinstance(email, str) or not email:
                return {"ok": False, "error": "invalid_arguments"}
            user = self.users_by_email.get(email.lower())
            if user is None:
                return {"ok": False, "error": "users_not_found"}
            return {"ok": True, "user": user}
        if method == "files.info":
            shared = self.files.get(str(params.get("file")))
            if shared is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": self.file_object(shared)}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}
        return {"ok": False, "error": "unknown_method"}

    # --- Socket Mode ----------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._record(self._sockets, ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"},
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600}})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self._record(self.socket_messages, json.loads(message.data))
        return ws

    @property
    def socket_connected(self) -> bool:
        with self._cond:
            return any(not ws.closed for ws in self._sockets)

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected bot (call in the server's loop)."""
        ws = next(ws for ws in self._sockets if not ws.closed)
        await ws.send_json(envelope)

    async def close_sockets(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
