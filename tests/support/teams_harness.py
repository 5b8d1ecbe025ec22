"""Test harness for the Teams adapter: a real aiohttp service, a fake Bot Connector, a fake identity provider.

Everything runs on 127.0.0.1 inside one background event loop, so the tests themselves stay plain
synchronous functions that speak HTTP. Signing keys are generated per test session; tokens are
minted here exactly as the Bot Connector's would look (issuer, audience, serviceurl, exp).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, ClassVar, TypeVar

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration

from bot import delivery
from bot.app import App
from bot.config import Settings
from bot.delivery import Destination
from bot.health import HEALTH
from bot.server import build_web_app
from bot.teams import service as teams_service
from bot.teams.options import TeamsOptions
from bot.teams.retry import RetryPolicy
from handlers.core.replies import Reply
from tests.conftest import NOW
from tests.support import adaptive_cards
from tests.support.fake_entra import FakeEntra
from tests.support.fake_teams import FakeBotConnector

T = TypeVar("T")

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT = "99999999-8888-7777-6666-555555555555"
OTHER_TENANT = "12345678-1234-1234-1234-123456789abc"
BOT = {"id": f"28:{APP_ID}", "name": "Oppfølging"}
BF_ISSUER = "https://api.botframework.com"
BOT_TOKEN = "bot-token-from-the-fake-provider"

PERSONAL = "a:1personal-chat-kari"
GROUP = "19:group-chat-meeting@thread.v2"
CHANNEL = "19:vestland-kanal@thread.tacv2"


@dataclass(frozen=True)
class User:
    aad: str
    teams_id: str
    name: str

    def account(self) -> dict[str, Any]:
        return {"id": self.teams_id, "aadObjectId": self.aad, "name": self.name}


KARI = User("0000aaaa-0000-0000-0000-00000000000a", "29:kari", "Kari Nordmann")
OLA = User("0000bbbb-0000-0000-0000-00000000000b", "29:ola", "Ola Vestland")


# --- a background event loop ---------------------------------------------------------------------


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


class Server:
    """One aiohttp application listening on a free local port."""

    def __init__(self, loop: LoopThread, app: web.Application) -> None:
        self.loop = loop
        self.runner = web.AppRunner(app)
        self.url = loop.run(self._start())

    async def _start(self) -> str:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.loop.run(self.runner.cleanup())


# --- identity ------------------------------------------------------------------------------------


@cache
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class IdentityProvider:
    """OpenID metadata and JWKS on localhost, and tokens signed with the matching (or another) key."""

    def __init__(self) -> None:
        self.key = signing_key()
        self.kid = "test-key-1"
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/keys", self._keys)
        return app

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    async def _metadata(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": BF_ISSUER, "jwks_uri": f"{self.url}/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk |= {"kid": self.kid, "use": "sig", "alg": "RS256"}
        return web.json_response({"keys": [jwk]})

    def token(self, *, aud: str = APP_ID, iss: str = BF_ISSUER, expires_in: int = 3600,
              service_url: str | None = None, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {"aud": aud, "iss": iss, "nbf": now - 10, "iat": now - 10, "exp": now + expires_in}
        if service_url:
            payload["serviceurl"] = service_url
        payload |= claims
        payload = {k: v for k, v in payload.items() if v is not None}  # `exp=None` leaves the claim out
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": self.kid})


class StaticTokenProvider(AccessTokenProviderBase):
    """Stands in for MSAL (see README): the token the fake connector expects, and what was asked for."""

    requests: ClassVar[list[tuple[str, list[str]]]] = []

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        StaticTokenProvider.requests.append((resource_url, list(scopes or [])))
        return BOT_TOKEN

    def get_token_credential(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError


# --- the service under test ----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class TeamsHarness:
    """The bot service with Teams, a fake connector and a fake identity provider, all over HTTP."""

    db_url: str
    now: Any
    anonymous: bool = False
    check_service_url: bool = False
    loop: LoopThread = field(default_factory=LoopThread)
    connector: FakeBotConnector = field(default_factory=lambda: FakeBotConnector(BOT_TOKEN))
    idp: IdentityProvider = field(default_factory=IdentityProvider)
    waits: list[float] = field(default_factory=list)
    # The bot's token from a fake Entra (tests.support.fake_entra) instead of StaticTokenProvider.
    entra: FakeEntra | None = None
    # A Bot Connector already listening elsewhere (a benchmark runs its fake in a process of its own,
    # so that its work is not counted as the bot's). Then none is started here and `connector` sees
    # no calls: what was sent is that connector's to tell.
    connector_url: str | None = None

    def __post_init__(self) -> None:
        if self.anonymous:
            self.connector.expected_token = None  # a local emulator gets no bot token either
        self._connector_server: Server | None = None
        if self.connector_url is not None:
            self.connector.url = self.connector_url.rstrip("/")
        else:
            self._connector_server = Server(self.loop, self.connector.app())
            self.connector.url = self._connector_server.url
        self._idp_server = Server(self.loop, self.idp.app())
        self.idp.url = self._idp_server.url
        self.bot: Server | None = None
        self.app: App | None = None
        self.start()

    @property
    def service_url(self) -> str:
        return self.connector.url + "/"

    def options(self) -> TeamsOptions:
        async def no_sleep(seconds: float) -> None:
            self.waits.append(seconds)

        retry = RetryPolicy(sleep=no_sleep, clock=lambda: self.now)
        if self.anonymous:
            base = TeamsOptions(anonymous=True)
        else:
            base = TeamsOptions(app_id=APP_ID, app_password="test-secret", tenant_id=TENANT)
        options = replace(base, openid_metadata_url=self.idp.metadata_url, check_service_url=self.check_service_url,
                          token_provider=StaticTokenProvider, retry=retry)
        if self.entra is not None:
            options = replace(options, token_provider=None, authority_host=self.entra.url,
                              ca_bundle=self.entra.ca_bundle)
        return options

    def start(self) -> None:
        """Start (or restart) the bot service on the same database."""
        settings = Settings(database_url=self.db_url, admins=frozenset({f"teams:{OLA.aad}"}))
        self.app = App(settings, clock=lambda: self.now)
        web_app = build_web_app(self.app, modules=())
        teams_service.setup(web_app, self.app, options=self.options())
        self.service = web_app[teams_service.SERVICE_KEY]
        self.bot = Server(self.loop, web_app)

    @property
    def deliverer(self) -> Any:
        found = delivery.deliverer_for("teams")
        assert found is not None and found.service is self.service
        return found

    def deliver(self, destination: Destination, reply: Reply) -> str:
        """Send through the registered Teams deliverer, in the service's event loop."""
        return self.loop.run(self.deliverer.send(destination, reply))

    def stop(self) -> None:
        if delivery.DELIVERERS.get("teams") is not None and getattr(delivery.DELIVERERS["teams"], "service", None) \
                is getattr(self, "service", None):
            del delivery.DELIVERERS["teams"]  # other tests must not find a deliverer of a stopped service
        if self.bot is not None:
            self.bot.stop()
            self.bot = None
        if self.app is not None:
            self.app.close()
            self.app = None
        HEALTH.forget("teams")  # the next test starts a service of its own

    def close(self) -> None:
        self.stop()
        if self._connector_server is not None:
            self._connector_server.stop()
        self._idp_server.stop()
        self.loop.close()

    # --- talking to the bot ----------------------------------------------------------------------

    def post(self, activity: dict[str, Any], *, token: str | bool | None = True,
             raw: bytes | None = None) -> Response:
        assert self.bot is not None
        headers = {"Content-Type": "application/json"}
        if token is True:
            token = self.idp.token(service_url=self.service_url)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else json.dumps(activity).encode()
        request = urllib.request.Request(self.bot.url + "/api/messages", data=data, headers=headers, method="POST")
        response = self._fetch(request)
        # A message is answered 202 before its turn ends (issue 19): wait for the reply to go out.
        self.settle()
        adaptive_cards.check("answer to POST /api/messages", response.body)  # invoke responses carry cards too
        return response

    def get(self, path: str) -> Response:
        assert self.bot is not None
        return self._fetch(urllib.request.Request(self.bot.url + path))

    @staticmethod
    def _fetch(request: urllib.request.Request) -> Response:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text, headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, text, headers = exc.code, exc.read(), dict(exc.headers)
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text.decode(errors="replace")
        return Response(status, body, headers)

    def settle(self) -> None:
        """Wait until every turn the service answered early has finished."""
        if self.bot is not None:
            self.loop.run(self.service.settled())

    def say(self, text: str, *, user: User = KARI, conversation: str = PERSONAL, kind: str = "personal",
            **extra: Any) -> list[dict[str, Any]]:
        """Send a message; return the cards the bot posted in answer."""
        before = len(self.connector.delivered)
        response = self.post(message(self, text, user=user, conversation=conversation, kind=kind, **extra))
        assert response.status in (200, 201, 202), response
        return [card for call in self.connector.delivered[before:] for card in call.cards]

    def click(self, action: dict[str, Any], *, user: User = KARI, conversation: str = PERSONAL,
              kind: str = "personal", card_id: str = "msg-card", inputs: dict[str, Any] | None = None) -> Response:
        """Click an Action.Execute as Teams does: an adaptiveCard/action invoke with the inputs merged in."""
        data = dict(action["data"]) | (inputs or {})
        activity = base_activity(self, user=user, conversation=conversation, kind=kind)
        activity |= {"type": "invoke", "name": "adaptiveCard/action", "replyToId": card_id,
                     "value": {"action": {"type": "Action.Execute", "verb": action.get("verb"), "data": data},
                               "trigger": "manual"}}
        return self.post(activity)


def base_activity(h: TeamsHarness, *, user: User = KARI, conversation: str = PERSONAL, kind: str = "personal",
                  tenant: str = TENANT) -> dict[str, Any]:
    channel_data: dict[str, Any] = {"tenant": {"id": tenant}}
    if kind == "channel":
        channel_data |= {"team": {"id": "19:team@thread.tacv2", "name": "Samhandling"},
                         "channel": {"id": conversation, "name": "Vestland"}}
    return {
        "id": uuid.uuid4().hex[:12],
        "channelId": "msteams",
        "serviceUrl": h.service_url,
        "from": user.account(),
        "recipient": BOT,
        "conversation": {"id": conversation, "conversationType": kind, "tenantId": tenant,
                         "isGroup": kind != "personal"},
        "channelData": channel_data,
        "locale": "nb-NO",
        "timestamp": "2026-11-23T09:00:00.000Z",
    }


def message(h: TeamsHarness, text: str, *, mention: bool = False, **kw: Any) -> dict[str, Any]:
    activity = base_activity(h, **kw)
    activity |= {"type": "message", "text": text, "textFormat": "plain"}
    if mention:
        activity["text"] = f"<at>Oppfølging</at> {text}"
        activity["entities"] = [{"type": "mention", "text": "<at>Oppfølging</at>", "mentioned": BOT}]
    return activity


def submit(h: TeamsHarness, action: dict[str, Any], inputs: dict[str, Any] | None = None,
           card_id: str = "msg-card", **kw: Any) -> dict[str, Any]:
    """An Action.Submit click: a message without text whose value is the data with the inputs merged in."""
    activity = base_activity(h, **kw)
    activity |= {"type": "message", "replyToId": card_id, "value": dict(action["data"]) | (inputs or {})}
    return activity


def installed(h: TeamsHarness, *, conversation: str, kind: str, user: User = KARI) -> dict[str, Any]:
    activity = base_activity(h, user=user, conversation=conversation, kind=kind)
    activity |= {"type": "conversationUpdate", "membersAdded": [{"id": BOT["id"]}]}
    return activity


# --- reading cards -------------------------------------------------------------------------------


def walk(node: Any) -> list[dict[str, Any]]:
    """Every element and action in a card, depth first."""
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out += walk(value)
    elif isinstance(node, list):
        for value in node:
            out += walk(value)
    return out


def text_of(element: dict[str, Any]) -> str:
    """What a text element shows: a TextBlock's text, or a RichTextBlock's runs put together."""
    if element.get("type") == "RichTextBlock":
        return "".join(run.get("text", "") for run in element.get("inlines", []))
    return str(element.get("text", ""))


def color_of(element: dict[str, Any]) -> str | None:
    if element.get("type") == "RichTextBlock":
        colors = {run.get("color") for run in element.get("inlines", [])}
        return colors.pop() if len(colors) == 1 else None
    return element.get("color")


def texts(card: dict[str, Any]) -> str:
    return "\n".join(text_of(e) for e in walk(card) if e.get("type") in ("TextBlock", "RichTextBlock"))


def actions(card: dict[str, Any], title: str | None = None) -> list[dict[str, Any]]:
    found = [e for e in walk(card) if str(e.get("type", "")).startswith("Action.")]
    return [a for a in found if title is None or a.get("title") == title]


def action_for(card: dict[str, Any], command: str) -> dict[str, Any]:
    """The Action.Execute whose data runs `command` (for a ShowCard, the submit inside it)."""
    for action in actions(card):
        if action.get("type") == "Action.Execute" and (action.get("data") or {}).get("command") == command:
            return action
    raise AssertionError(f"no action for {command!r} in card")


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in walk(card) if str(e.get("type", "")).startswith("Input.")}


# --- fixtures (import them into a test module to use them) ---------------------------------------


@pytest.fixture(name="teams")
def teams_fixture(db_url: str) -> Iterator[TeamsHarness]:
    harness = TeamsHarness(db_url, NOW)
    yield harness
    harness.close()


@pytest.fixture(name="teams_sqlite")
def teams_sqlite_fixture(sqlite_url: str) -> Iterator[TeamsHarness]:
    """For tests about HTTP and tokens, where the database engine makes no difference."""
    harness = TeamsHarness(sqlite_url, NOW)
    yield harness
    harness.close()
