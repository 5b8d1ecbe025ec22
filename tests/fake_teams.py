"""A fake Bot Connector (the service behind an activity's `serviceUrl`) over real HTTP.

It records what the bot sends — new messages, replies in a thread, card updates, new 1:1 chats —
and can be told to answer the next calls with 429 (+ Retry-After) or 500. It also checks that every
call carries the bot's bearer token.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: Any
    authorization: str | None
    status: int  # what the fake answered
    answer_id: str | None = None  # the message id it gave back

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a.get("content") or {} for a in (self.body or {}).get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


class FakeBotConnector:
    def __init__(self, expected_token: str | None = None) -> None:
        self.expected_token = expected_token
        self.calls: list[Call] = []
        self._failures: deque[tuple[int, str | None]] = deque()
        self._ids = itertools.count(1)
        self.url = ""  # set by the test harness once the server listens
        # Files behind pre-authenticated download links (SharePoint/OneDrive in real life): key -> (data, status).
        self.files: dict[str, tuple[bytes, int]] = {}
        self.downloads: list[tuple[str, str | None]] = []  # (path, Authorization header) of every file GET

    # --- control ---------------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500, retry_after: str | None = None) -> None:
        self._failures.extend([(status, retry_after)] * count)

    def add_file(self, name: str, data: bytes, *, status: int = 200) -> str:
        """Store a file; returns its download URL, which works only with its `tempauth` signature."""
        key = f"f{next(self._ids)}"
        self.files[key] = (data, status)
        return f"{self.url}/files/{key}/{name}?tempauth={key}-signed"

    def clear(self) -> None:
        self.calls.clear()

    # --- what was received -----------------------------------------------------------------------

    @property
    def delivered(self) -> list[Call]:
        """Messages that got through (new posts and thread replies), in order."""
        return [c for c in self.calls if c.method == "POST" and c.conversation_id and c.status < 300]

    @property
    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT" and c.status < 300]

    @property
    def created(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.conversation_id is None and c.status < 300]

    def delivered_cards(self) -> list[dict[str, Any]]:
        return [card for call in self.delivered for card in call.cards]

    # --- HTTP ------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation_id}/activities/{activity_id}", self._send)
        app.router.add_put("/v3/conversations/{conversation_id}/activities/{activity_id}", self._update)
        app.router.add_get("/files/{key}/{name}", self._file)
        return app

    async def _record(self, request: web.Request) -> tuple[Call, web.Response | None]:
        body = await request.json() if request.can_read_body else None
        auth = request.headers.get("Authorization")
        status, retry_after = self._failures.popleft() if self._failures else (200, None)
        refusal: web.Response | None = None
        if self.expected_token is not None and auth != f"Bearer {self.expected_token}":
            status = 401
        if status >= 300:
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            refusal = web.json_response({"error": {"code": str(status)}}, status=status, headers=headers)
        call = Call(request.method, request.path, request.match_info.get("conversation_id"),
                    request.match_info.get("activity_id"), body, auth, status)
        self.calls.append(call)
        return call, refusal

    async def _file(self, request: web.Request) -> web.Response:
        self.downloads.append((request.path, request.headers.get("Authorization")))
        key = request.match_info["key"]
        if key not in self.files:
            return web.Response(status=404)
        if request.query.get("tempauth") != f"{key}-signed":
            return web.Response(status=401)
        data, status = self.files[key]
        return web.Response(body=data, status=status, content_type="application/octet-stream")

    async def _send(self, request: web.Request) -> web.Response:
        call, refusal = await self._record(request)
        if refusal:
            return refusal
        call.answer_id = f"msg-{next(self._ids)}"
        return web.json_response({"id": call.answer_id})

    async def _update(self, request: web.Request) -> web.Response:
        call, refusal = await self._record(request)
        return refusal or web.json_response({"id": call.activity_id})

    async def _create(self, request: web.Request) -> web.Response:
        _, refusal = await self._record(request)
        n = next(self._ids)
        return refusal or web.json_response({"id": f"a:new-personal-{n}", "activityId": f"msg-{n}"})
