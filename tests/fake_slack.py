"""A fake Slack over real HTTP: the Web API methods the bot calls, `response_url`s and a Socket Mode websocket.

It records every call (method, parameters, token) so tests can assert on what the bot sent, and can
be told to answer the next calls of a method with HTTP 429 (`Retry-After`) or 500. It runs in the
test's background event loop; tests read it from their own thread, so access goes through a
condition variable (`wait_for`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

JSON_FIELDS = ("blocks", "view", "attachments", "metadata")


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
    result: dict[str, Any] = field(default_factory=dict)  # what the fake answered


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
class Usergroup:
    id: str
    handle: str
    users: list[str] = field(default_factory=list)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.refused: list[Call] = []  # calls answered with an injected failure
        self.responses: list[tuple[str, dict[str, Any]]] = []  # (response_url path, body)
        self.socket_messages: list[dict[str, Any]] = []  # what the bot sent over the websocket
        self.usergroups: list[Usergroup] = []
        self.names: dict[str, str] = {}
        self.errors: dict[str, str] = {}  # method -> Slack error code to answer with
        self.bot_user = "UBOT"
        self.bot_token = ""  # the token `url_private` downloads require (the harness sets it)
        self.files: dict[str, SharedFile] = {}
        self.downloads: list[tuple[str, str]] = []  # (path, Authorization header) of every file GET
        self.url = ""
        self._failures: list[Failure] = []
        self._counter = itertools.count(1)
        self._cond = threading.Condition()
        self._sockets: list[web.WebSocketResponse] = []

    # --- set-up and inspection (from the test thread) -------------------------------------------

    def fail_next(self, method: str, *, status: int = 429, retry_after: int | None = None, times: int = 1,
                  after: int = 0) -> None:
        """Answer the next `times` calls of `method` (after letting `after` through) with `status`."""
        with self._cond:
            self._failures.append(Failure(method, status, retry_after, times, after))

    def add_usergroup(self, handle: str, users: list[str]) -> None:
        self.usergroups.append(Usergroup(f"S{len(self.usergroups) + 1:04d}", handle, users))

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
        assert result, "the bot did not send what the test waited for"
        return result

    def wait_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        self.wait_for(lambda fake: len(fake.of(method)) >= count, timeout)
        return self.of(method)

    def wait_responses(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        self.wait_for(lambda fake: len(fake.responses) >= count, timeout)
        return [body for _, body in self.responses]

    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def opened_view(self) -> dict[str, Any]:
        """The last modal the bot opened, as Slack holds it (with its id and hash)."""
        return self.wait_calls("views.open")[-1].result["view"]

    def response_url(self) -> str:
        return f"{self.url}/response/{next(self._counter)}"

    # --- the server -----------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files-pri/{team_file}/{name}", self._download)
        app.router.add_get("/login", self._login)
        return app

    def _record(self, target: list[Any], item: Any) -> None:
        with self._cond:
            target.append(item)
            self._cond.notify_all()

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(self.responses, (request.path, body))
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
        method = request.match_info["method"]
        params = await read_params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        call = Call(method, params, token)
        with self._cond:
            failure = next((f for f in self._failures if f.method == method and f.remaining > 0), None)
            if failure is not None and failure.after > 0:
                failure.after -= 1
                failure = None
            elif failure is not None:
                failure.remaining -= 1
        if failure is not None:
            self._record(self.refused, call)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            error = "ratelimited" if failure.status == 429 else "internal_error"
            return web.json_response({"ok": False, "error": error}, status=failure.status, headers=headers)
        call.result = {"ok": False, "error": self.errors[method]} if method in self.errors else self._answer(method, params)
        self._record(self.calls, call)
        return web.json_response(call.result)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(self._counter)
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
            return {"ok": True, "view": {**view, "id": f"V{n:05d}", "hash": f"hash{n}"}}
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
