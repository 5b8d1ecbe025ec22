"""A fake Bot Connector (the service behind an activity's `serviceUrl`) over real HTTP.

It records what the bot sends — new messages, replies in a thread, card updates, new 1:1 chats —
and can be told to answer the next calls with 429 (+ Retry-After) or 500. It also checks that every
call carries the bot's bearer token.

As strict as the documentation about who may be messaged (error bodies in
tests/fixtures/teams/connector_errors.json, which names its page): a person marked with
`remove_app` (they do not have the app) gets no new 1:1 chat (403 ForbiddenOperationException)
and their known chat answers 403 BotNotInConversationRoster, until the app is installed for them
again (`install_app`, which the fake Graph calls); a conversation marked `gone` answers 404
ConversationNotFound. The 1:1 chat with a person keeps its id, as in Teams.

With `rate_limits=True` it also keeps Microsoft's documented limits for bots, counted when a message
arrives (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit: per bot
per conversation 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour; 50 a second per app): a message
past any of them is answered 429 with `Retry-After`, as Teams does, and is not delivered.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support import adaptive_cards

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "teams"


@cache
def connector_errors() -> dict[str, Any]:
    return json.loads((FIXTURES / "connector_errors.json").read_text(encoding="utf-8"))


def documented_error(code: str) -> web.Response:
    error = connector_errors()[code]
    return web.json_response(error["body"], status=error["status"])


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
    connection: tuple[str, int] | None = None  # the client's address and port: one per TCP connection

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a.get("content") or {} for a in (self.body or {}).get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


# The documented limits, (count, seconds): this file's own reading of the page named above, kept
# apart from the bot's table (handlers/reminders/pacing.py) so that a mistake there shows here.
PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_BOT = ((50, 1.0),)


class FakeBotConnector:
    def __init__(self, expected_token: str | None = None, *, check_cards: bool = True, rate_limits: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.expected_token = expected_token
        self.rate_limits = rate_limits
        self.clock = clock
        self._arrived: dict[str, deque[float]] = {}  # conversation (or "" for the bot) -> arrivals let through
        self.limited = 0  # messages answered 429 because a documented limit was reached
        # Tests check every card against the Adaptive Card schema; a benchmark turns that off, since
        # the check (tens of milliseconds a card) runs in the benchmark's own event loop and would
        # be measured as the bot's time.
        self.check_cards = check_cards
        self.calls: list[Call] = []
        self._failures: deque[tuple[int, str | None]] = deque()
        self._ids = itertools.count(1)
        self.url = ""  # set by the test harness once the server listens
        # Files behind pre-authenticated download links (SharePoint/OneDrive in real life): key -> (data, status).
        self.files: dict[str, tuple[bytes, int]] = {}
        self.downloads: list[tuple[str, str | None]] = []  # (path, Authorization header) of every file GET
        # Conversation id -> its members, as GET …/members returns them (TeamsChannelAccount objects).
        self.members: dict[str, list[dict[str, Any]]] = {}
        self.without_app: set[str] = set()  # Entra object ids of people who do not have the app
        self.chats: dict[str, str] = {}  # 1:1 conversation id -> the person's Entra object id
        self.gone: set[str] = set()  # conversations that answer 404

    # --- control ---------------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500, retry_after: str | None = None) -> None:
        self._failures.extend([(status, retry_after)] * count)

    def add_file(self, name: str, data: bytes, *, status: int = 200) -> str:
        """Store a file; returns its download URL, which works only with its `tempauth` signature."""
        key = f"f{next(self._ids)}"
        self.files[key] = (data, status)
        return f"{self.url}/files/{key}/{name}?tempauth={key}-signed"

    def remove_app(self, aad_object_id: str, *, chat: str | None = None) -> None:
        """The person does not have the app (never had it, or removed it; `chat` is their known 1:1 chat)."""
        self.without_app.add(aad_object_id)
        if chat is not None:
            self.chats[chat] = aad_object_id

    def install_app(self, aad_object_id: str) -> None:
        self.without_app.discard(aad_object_id)

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
        app.router.add_get("/v3/conversations/{conversation_id}/members", self._members)
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
        peer = request.transport.get_extra_info("peername") if request.transport is not None else None
        call = Call(request.method, request.path, request.match_info.get("conversation_id"),
                    request.match_info.get("activity_id"), body, auth, status,
                    connection=(str(peer[0]), int(peer[1])) if peer else None)
        if self.check_cards:
            adaptive_cards.check(f"{request.method} {request.path}", body)  # every card the bot sends
        self.calls.append(call)
        return call, refusal

    async def _members(self, request: web.Request) -> web.Response:
        # https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference#get-conversation-members
        # 200 with an array of ChannelAccount; a conversation the bot is not in is 404.
        call, refusal = await self._record(request)
        if refusal:
            return refusal
        members = self.members.get(request.match_info["conversation_id"])
        if members is None:
            call.status = 404
            return web.json_response({"error": {"code": "ConversationNotFound", "message": "Conversation not found."}},
                                     status=404)
        return web.json_response(members)

    async def _file(self, request: web.Request) -> web.Response:
        self.downloads.append((request.path, request.headers.get("Authorization")))
        key = request.match_info["key"]
        if key not in self.files:
            return web.Response(status=404)
        if request.query.get("tempauth") != f"{key}-signed":
            return web.Response(status=401)
        data, status = self.files[key]
        return web.Response(body=data, status=status, content_type="application/octet-stream")

    def _over_the_limit(self, call: Call, at: float) -> web.Response | None:
        """429 if one more message now would break a documented window; else count it."""
        if not self.rate_limits:
            return None
        conversation = self._arrived.setdefault(str(call.conversation_id), deque())
        bot = self._arrived.setdefault("", deque())
        for arrivals, windows in ((conversation, PER_CONVERSATION), (bot, PER_BOT)):
            while arrivals and arrivals[0] <= at - max(seconds for _, seconds in windows):
                arrivals.popleft()
            for count, seconds in windows:
                if sum(1 for t in arrivals if t > at - seconds) >= count:
                    self.limited += 1
                    call.status = 429
                    return web.json_response(
                        {"error": {"code": "TooManyRequests", "message": "Too many requests."}}, status=429,
                        headers={"Retry-After": "1"})
        conversation.append(at)
        bot.append(at)
        return None

    def _refused_by_docs(self, call: Call) -> web.Response | None:
        """The documented refusals; recorded as the status they answer."""
        refusal = None
        if call.conversation_id in self.gone:
            refusal = documented_error("ConversationNotFound")
        elif call.conversation_id is not None and self.chats.get(call.conversation_id) in self.without_app:
            refusal = documented_error("BotNotInConversationRoster")
        elif call.conversation_id is None:
            members = (call.body or {}).get("members") or [{}]
            if members[0].get("id") in self.without_app:
                refusal = documented_error("ForbiddenOperationException")
        if refusal is not None:
            call.status = refusal.status
        return refusal

    async def _send(self, request: web.Request) -> web.Response:
        arrived = self.clock()
        call, refusal = await self._record(request)
        refusal = refusal or self._refused_by_docs(call) or self._over_the_limit(call, arrived)
        if refusal:
            return refusal
        call.answer_id = f"msg-{next(self._ids)}"
        return web.json_response({"id": call.answer_id})

    async def _update(self, request: web.Request) -> web.Response:
        call, refusal = await self._record(request)
        return refusal or web.json_response({"id": call.activity_id})

    async def _create(self, request: web.Request) -> web.Response:
        call, refusal = await self._record(request)
        refusal = refusal or self._refused_by_docs(call)
        n = next(self._ids)
        if refusal:
            return refusal
        person = ((call.body or {}).get("members") or [{}])[0].get("id")
        known = next((chat for chat, aad in self.chats.items() if aad == person), None)
        chat = known or f"a:new-personal-{n}"
        if person:
            self.chats[chat] = person
        return web.json_response({"id": chat, "activityId": f"msg-{n}"})
