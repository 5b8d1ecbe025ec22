"""Health endpoints an IT department wires into its platform: /livez, /readyz and /healthz (= /readyz).

/livez says the process answers (nothing else is asked); /readyz says the database is reachable, its
schema is at the newest migration, and each configured platform's authentication works, with the
reason when it does not. The answers never show a URL, a token or any other configuration value.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration

from bot.app import App
from bot.config import Settings
from bot.health import PartHealth, checks_of
from bot.server import build_web_app
from bot.teams.options import TeamsOptions
from storage.db import downgrade, make_engine
from tests.support.slack_harness import Slack, loop_fixture, slack_fixture
from tests.support.teams_harness import APP_ID, TENANT

__all__ = ["loop_fixture", "slack_fixture"]


def get(app: App, *paths: str, checks: dict[str, Any] | None = None) -> list[tuple[int, dict[str, Any]]]:
    async def run() -> list[tuple[int, dict[str, Any]]]:
        web_app = build_web_app(app, modules=())
        for name, check in (checks or {}).items():
            checks_of(web_app).add(name, check)
        server = TestServer(web_app)
        await server.start_server()
        try:
            async with ClientSession() as client:
                out = []
                for path in paths:
                    async with client.get(server.make_url(path)) as response:
                        out.append((response.status, json.loads(await response.text())))
                return out
        finally:
            await server.close()

    return asyncio.run(run())


def test_ready_when_the_database_is_reachable_and_migrated(app: App) -> None:
    (live, live_body), (ready, body), (health, alias) = get(app, "/livez", "/readyz", "/healthz")
    assert (live, live_body) == (200, {"status": "alive"})
    assert ready == 200 and body == {"status": "ok", "database": "ok", "migrations": "current"}
    assert (health, alias) == (ready, body)


def test_database_down_is_503_on_readyz_while_livez_stays_200(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-file"
    blocked.mkdir()  # SQLite cannot open a directory: a database that is there but unusable
    for url in (f"sqlite:///{blocked}", "postgresql+psycopg://oppfolging:hemmelig-passord@127.0.0.1:1/none"):
        app = App(Settings(database_url=url))
        try:
            (live, _), (ready, body), (health, _) = get(app, "/livez", "/readyz", "/healthz")
        finally:
            app.close()
        assert live == 200
        assert (ready, health) == (503, 503)
        assert body["status"] == "unavailable" and body["database"] == "down"
        assert body["reason"] == "database unreachable"
        assert "hemmelig-passord" not in json.dumps(body) and str(tmp_path) not in json.dumps(body)


def test_schema_behind_the_newest_migration_is_not_ready(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    downgrade(engine, "0005")
    engine.dispose()
    app = App(Settings(database_url=sqlite_url))
    try:
        [(status, body)] = get(app, "/readyz")
    finally:
        app.close()
    assert status == 503 and body["migrations"] == "behind" and body["reason"] == "migrations behind"


def test_a_platform_whose_auth_fails_makes_the_service_degraded_with_the_reason(app: App) -> None:
    async def fine() -> PartHealth:
        return PartHealth(True)

    async def refused() -> PartHealth:
        return PartHealth(False, "Entra gave no token for the Bot Connector")

    async def broken() -> PartHealth:
        raise RuntimeError("https://login.example/tenant?client_secret=abc123456")

    [(status, body)] = get(app, "/readyz", checks={"slack": fine, "teams": refused, "email": broken})
    assert status == 200  # still ready: what does not need Teams is answered
    assert body["status"] == "degraded"
    assert body["platforms"] == {"email": "degraded", "slack": "ok", "teams": "degraded"}
    assert body["degraded"] == {"teams": "Entra gave no token for the Bot Connector",
                                "email": "check failed (RuntimeError)"}
    assert "abc123456" not in json.dumps(body)


def test_slack_auth_is_checked_with_auth_test_and_cached(slack: Slack) -> None:
    def ready() -> tuple[int, dict[str, Any]]:
        async def run() -> tuple[int, dict[str, Any]]:
            async with ClientSession() as client, client.get(slack.url + "/readyz") as response:
                return response.status, json.loads(await response.text())

        return slack.loop.run(run())

    status, body = ready()
    assert status == 200 and body["status"] == "ok" and body["platforms"] == {"slack": "ok"}
    slack.fake.errors["auth.test"] = "token_revoked"
    # Within the cache window Slack is not asked again: a probe every few seconds is not an API call each.
    assert ready()[1]["status"] == "ok"
    assert sum(1 for call in slack.fake.calls if call.method == "auth.test") == 1
    checks_of(slack.web_app).ttl = 0
    status, body = ready()
    assert status == 200 and body["status"] == "degraded"
    assert body["degraded"] == {"slack": "Slack auth.test: token_revoked"}
    assert slack.settings.slack_bot_token not in json.dumps(body)
    del slack.fake.errors["auth.test"]
    assert ready()[1]["status"] == "ok"


class _Entra(AccessTokenProviderBase):
    """Stands in for MSAL: what Entra answers is set per test (a token, nothing, or an error)."""

    answer: ClassVar[str | Exception] = "token"

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        assert resource_url == "https://api.botframework.com" and scopes == ["https://api.botframework.com/.default"]
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def get_token_credential(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError


def test_teams_auth_is_a_token_from_entra(app: App) -> None:
    from bot.teams import service as teams_service

    def ready() -> tuple[int, dict[str, Any]]:
        async def run() -> tuple[int, dict[str, Any]]:
            web_app = build_web_app(app, modules=())
            options = TeamsOptions(app_id=APP_ID, app_password="test-secret-7d1c", tenant_id=TENANT,
                                   token_provider=_Entra)
            teams_service.setup(web_app, app, options=options)
            server = TestServer(web_app)
            await server.start_server()
            try:
                async with ClientSession() as client, client.get(server.make_url("/readyz")) as response:
                    return response.status, json.loads(await response.text())
            finally:
                await server.close()

        return asyncio.run(run())

    _Entra.answer = "token"
    assert ready() == (200, {"status": "ok", "database": "ok", "migrations": "current", "platforms": {"teams": "ok"}})
    _Entra.answer = ""
    status, body = ready()
    assert status == 200 and body["degraded"] == {"teams": "Entra gave no token for the Bot Connector"}
    _Entra.answer = RuntimeError("AADSTS7000215: Invalid client secret provided test-secret-7d1c")
    status, body = ready()
    assert status == 200 and body["degraded"] == {"teams": "no token for the bot: RuntimeError"}
    assert "test-secret-7d1c" not in json.dumps(body)
