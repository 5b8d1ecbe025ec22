"""Teams tab and meeting side panel: single sign-on with the Entra token TeamsJS gives the tab.

A fake Entra over real HTTPS publishes the tenant's signing keys (tests/fixtures/teams/entra_keys.json)
and signs tokens the way Entra does; the overview service checks them and answers with the person's
own overview link, the meeting's when the side panel's meeting is the one calendar meeting of the day
(or the one its title names). Every forged or misdirected token gets a Norwegian 401 and writes
nothing."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from bot.server import build_web_app
from bot.teams import tab_auth
from bot.teams.package import PackageSettings, build_manifest
from bot.web import service as overview_web
from storage.models import Person
from tests.conftest import NOW, Bot
from tests.support.fake_entra import FakeEntra
from tests.support.fake_graph import TestCertificate
from tests.support.web_server import running
from tests.test_meetings_commands import add_meeting

APP_ID = "6f0c3b9e-3a55-4c1e-9d4f-2b7a1e0c5d11"
TENANT = "8a1d2c3b-4e5f-4a6b-9c7d-0e1f2a3b4c5d"
HOST = "oppfolging.example.no"
RESOURCE = f"api://{HOST}/{APP_ID}"
KARI = "0b9a6f52-1c2d-4e3f-8a9b-5c6d7e8f9a0b"

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


class Loop:
    """An event loop in a thread for the fake Entra."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=20)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture
def entra(tmp_path: Path) -> Iterator[FakeEntra]:
    loop = Loop()
    fake = FakeEntra(TENANT, APP_ID, "unused-" + secrets.token_hex(8), "unused", TestCertificate(tmp_path))
    loop.run(fake.start())
    yield fake
    loop.run(fake.stop())
    loop.close()


@pytest.fixture
def tapp(db_url: str) -> Iterator[App]:
    settings = replace(Settings(database_url=db_url, admins=frozenset({"slack:UADMIN"})), public_host=f"https://{HOST}",
                       teams_app_id=APP_ID, teams_tenant_id=TENANT, secret_key=secrets.token_urlsafe(40))
    application = App(settings, clock=lambda: NOW)
    yield application
    application.close()


@pytest.fixture
def base_url(tapp: App, entra: FakeEntra) -> Iterator[str]:
    web_app = build_web_app(tapp, modules=(overview_web,))
    web_app[overview_web.TAB_SIGN_IN] = tab_auth.TabSignIn(app_id=APP_ID, tenant_id=TENANT, host=HOST,
                                                           authority_host=entra.url, ca_bundle=entra.ca_bundle)
    with running(web_app) as url:
        yield url


def post(base: str, body: Any, *, raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(base + "/oversikt/teams/innlogging", data=data,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def open_link(base: str, url: str) -> tuple[int, str]:
    """The link names the public host; the page is fetched from the test server with the same query."""
    parts = urllib.parse.urlsplit(url)
    assert parts.netloc == HOST and parts.path == "/oversikt"
    with urllib.request.urlopen(f"{base}{parts.path}?{parts.query}", timeout=20) as response:
        return response.status, response.read().decode()


def people(app: App) -> int:
    with app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_a_personal_tab_signs_the_teams_user_in_to_their_own_overview(
        tapp: App, base_url: str, entra: FakeEntra) -> None:
    bot = Bot(tapp, NOW)
    assert not bot.say("/oppfølging medlem AU", f"teams:{KARI}").error
    assert not bot.say("/oppfølging ny AU: Skrive notat om regionale fond innen 15. desember", "slack:UADMIN").error
    status, body = post(base_url, {"token": entra.id_token(oid=KARI, audience=RESOURCE), "meeting": False})
    assert status == 200 and body["meeting"] is None and body["choose"] is False
    claims = jwt.decode(urllib.parse.parse_qs(urllib.parse.urlsplit(body["url"]).query)["t"][0],
                        options={"verify_signature": False})
    with tapp.sessions() as session:
        kari = session.scalar(select(Person).where(Person.platform == "teams", Person.external_id == KARI))
        assert kari is not None and claims["sub"] == str(kari.id)  # the link is Kari's own, the same person
    page_status, page = open_link(base_url, body["url"])
    assert page_status == 200 and "Skrive notat om regionale fond" in page
    assert any(path.endswith("/discovery/v2.0/keys") for path, _ in entra.requests)


@SQLITE_ONLY
def test_the_side_panel_opens_the_meeting_of_the_day(tapp: App, base_url: str, entra: FakeEntra) -> None:
    bot = Bot(tapp, NOW)
    today = NOW.date()
    au = add_meeting(bot, "au", today, time(13), title="AU-møte desember")
    token = entra.id_token(oid=KARI, audience=RESOURCE)
    status, body = post(base_url, {"token": token, "meeting": True, "title": "Teams-møte"})
    assert status == 200 and body["meeting"] == au and body["choose"] is False
    assert open_link(base_url, body["url"])[0] == 200

    # Two meetings that day: the title decides; a title that fits neither leaves the choice to the person.
    spring = add_meeting(bot, "national-spring", today, time(9), title="Vårmøtet i Bodø")
    status, body = post(base_url, {"token": token, "meeting": True, "title": "Vårmøtet – Bodø"})
    assert status == 200 and body["meeting"] == spring
    status, body = post(base_url, {"token": token, "meeting": True, "title": "Ukentlig prat"})
    assert status == 200 and body["meeting"] is None and body["choose"] is True
    status, body = post(base_url, {"token": token, "meeting": True})
    assert status == 200 and body["meeting"] is None and body["choose"] is True
    # A meeting on another day is not today's meeting, whatever its title.
    add_meeting(bot, "au", date(2026, 11, 24), time(9), title="Ukentlig prat")
    status, body = post(base_url, {"token": token, "meeting": True, "title": "Ukentlig prat"})
    assert body["meeting"] is None


@SQLITE_ONLY
def test_forged_and_misdirected_tokens_are_refused_and_write_nothing(
        tapp: App, base_url: str, entra: FakeEntra) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_tenant = "11111111-2222-4333-8444-555555555555"
    refused = {
        "expired": entra.id_token(oid=KARI, audience=RESOURCE, lifetime=-600),
        "another app": entra.id_token(oid=KARI, audience=f"api://{HOST}/11111111-2222-4333-8444-555555555555"),
        "another tenant": entra.id_token(oid=KARI, audience=RESOURCE, tenant=other_tenant),
        "another issuer": entra.id_token(oid=KARI, audience=RESOURCE, issuer="https://evil.example/v2.0"),
        "a stranger's key, our kid": entra.id_token(oid=KARI, audience=RESOURCE, key=stranger),
        "a key Entra never published": entra.id_token(oid=KARI, audience=RESOURCE, key=stranger, kid="unknown"),
        "nobody named": entra.id_token(oid=KARI, audience=RESOURCE, drop=("oid",)),
        "no tenant": entra.id_token(oid=KARI, audience=RESOURCE, drop=("tid",)),
        "HS256 with the public key": jwt.encode({"aud": RESOURCE, "oid": KARI}, "x" * 40, algorithm="HS256"),
        "unsigned": jwt.encode({"aud": RESOURCE, "oid": KARI}, None, algorithm="none"),
        "garbage": "not.a.token",
        "empty": "",
    }
    before = people(tapp)
    for why, token in refused.items():
        status, body = post(base_url, {"token": token, "meeting": False})
        assert status == 401, why
        assert "Teams-innloggingen kunne ikke bekreftes" in body["feil"] and "url" not in body, why
    for bad in ({}, {"token": 12}, [1, 2]):
        assert post(base_url, bad)[0] == 400
    assert post(base_url, None, raw=b"{not json")[0] == 400
    assert people(tapp) == before


@SQLITE_ONLY
def test_without_teams_configured_the_tab_explains_and_signs_nobody_in(db_url: str, entra: FakeEntra) -> None:
    application = App(replace(Settings(database_url=db_url), public_host=f"https://{HOST}"), clock=lambda: NOW)
    try:
        with running(build_web_app(application, modules=(overview_web,))) as base:
            status, body = post(base, {"token": entra.id_token(oid=KARI, audience=RESOURCE)})
            assert status == 404 and "ikke satt opp" in body["feil"]
            with urllib.request.urlopen(base + "/oversikt/teams", timeout=20) as response:
                page = response.read().decode()
                assert "<script" not in page and "oversikt</code>" in page
    finally:
        application.close()


@SQLITE_ONLY
def test_the_tab_page_asks_teams_for_the_token_with_a_script_the_policy_allows(tapp: App, base_url: str) -> None:
    with urllib.request.urlopen(base_url + "/oversikt/teams?kontekst=mote", timeout=20) as response:
        page = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert "/oversikt/teams/innlogging.js" in page and "res.cdn.office.net" in page
    assert "script-src 'self' https://res.cdn.office.net" in policy and "connect-src 'self'" in policy
    with urllib.request.urlopen(base_url + "/oversikt/teams/innlogging.js", timeout=20) as response:
        script = response.read().decode()
    assert "getAuthToken" in script and "/oversikt/teams/innlogging" in script


def test_the_package_declares_the_sign_in_resource() -> None:
    manifest = build_manifest(PackageSettings(app_id=APP_ID, host=HOST, dev=True))
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": RESOURCE}
