"""Who may talk to /api/messages: tokens, configuration, anonymous development mode."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from bot import delivery
from bot.app import App
from bot.config import Settings
from bot.server import build_web_app
from bot.teams import service as teams_service
from bot.teams.options import TeamsConfigError, TeamsOptions
from storage.models import Action, ConversationRef
from tests.conftest import NOW
from tests.support.teams_harness import (
    APP_ID,
    OTHER_TENANT,
    TENANT,
    StaticTokenProvider,
    TeamsHarness,
    message,
    teams_sqlite_fixture,  # noqa: F401  (the `teams_sqlite` fixture)
    texts,
)


def nothing_happened(h: TeamsHarness) -> None:
    assert h.app is not None
    with h.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
        assert session.scalar(select(func.count()).select_from(ConversationRef)) == 0
    assert h.connector.calls == []


def test_a_correctly_signed_token_is_accepted(teams_sqlite: TeamsHarness) -> None:
    h = teams_sqlite
    response = h.post(message(h, "ny AU: Sende brev"), token=h.idp.token(service_url=h.service_url))
    assert response.status in (200, 202)
    assert "Registrert som punkt 1" in texts(h.connector.delivered[-1].cards[0])
    # The bot's own token is asked for the Bot Framework audience, as MSAL would be asked.
    assert ("https://api.botframework.com", ["https://api.botframework.com/.default"]) in StaticTokenProvider.requests


def test_tokens_from_our_own_tenant_are_accepted(teams_sqlite: TeamsHarness) -> None:
    h = teams_sqlite
    token = h.idp.token(iss=f"https://login.microsoftonline.com/{TENANT}/v2.0", tid=TENANT, ver="2.0",
                        azp="00000000-0000-0000-0000-0000000000ff")
    assert h.post(message(h, "ny AU: Sende brev"), token=token).status in (200, 202)
    assert len(h.connector.delivered) == 1


def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


BAD_TOKENS = {
    "no token": lambda h: None,
    "wrong audience": lambda h: h.idp.token(aud="22222222-3333-4444-5555-666666666666"),
    "expired": lambda h: h.idp.token(expires_in=-3600),
    "never expires": lambda h: h.idp.token(exp=None),
    "wrong issuer": lambda h: h.idp.token(iss="https://sts.example.org/"),
    "another tenant": lambda h: h.idp.token(iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0",
                                            tid=OTHER_TENANT),
    "tenant does not match issuer": lambda h: h.idp.token(iss=f"https://login.microsoftonline.com/{TENANT}/v2.0",
                                                          tid=OTHER_TENANT),
    "signed by someone else": lambda h: h.idp.token(key=other_key()),
    "not signed": lambda h: jwt.encode({"aud": APP_ID, "iss": "https://api.botframework.com", "exp": 4102444800},
                                       None, algorithm="none"),
    "not a token": lambda h: "abc.def.ghi",
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_a_request_without_a_valid_token_gets_401_and_changes_nothing(teams_sqlite: TeamsHarness, case: str) -> None:
    h = teams_sqlite
    response = h.post(message(h, "ny AU: Sende brev"), token=BAD_TOKENS[case](h))
    assert response.status == 401
    assert "Traceback" not in json.dumps(response.body)
    nothing_happened(h)


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "Bearer a b", "token"])
def test_malformed_authorization_headers_get_401(teams_sqlite: TeamsHarness, header: str) -> None:
    h = teams_sqlite
    import urllib.error
    import urllib.request

    assert h.bot is not None
    request = urllib.request.Request(h.bot.url + "/api/messages", method="POST",
                                     data=json.dumps(message(h, "ny AU: Sende brev")).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": header})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    nothing_happened(h)


def test_unreadable_bodies_are_refused(teams_sqlite: TeamsHarness) -> None:
    h = teams_sqlite
    assert h.post({}, raw=b"{not json").status == 400
    assert h.post({"type": "message"}).status == 400  # no conversation
    assert h.post({}, raw=b"[1, 2]").status == 400
    nothing_happened(h)


def test_activities_from_another_tenant_are_ignored(teams_sqlite: TeamsHarness) -> None:
    h = teams_sqlite
    activity = message(h, "ny AU: Sende brev", tenant=OTHER_TENANT)
    assert h.post(activity).status in (200, 202)
    nothing_happened(h)


def test_a_service_url_outside_microsoft_is_refused(sqlite_url: str) -> None:
    h = TeamsHarness(sqlite_url, NOW, check_service_url=True)
    try:
        response = h.post(message(h, "ny AU: Sende brev"))
        assert response.status == 401
        nothing_happened(h)
    finally:
        h.close()


def test_anonymous_development_mode_needs_no_token(sqlite_url: str) -> None:
    h = TeamsHarness(sqlite_url, NOW, anonymous=True)
    try:
        assert h.post(message(h, "ny AU: Sende brev"), token=None).status in (200, 202)
        (call,) = h.connector.delivered
        assert call.authorization is None
        assert "Registrert som punkt 1" in texts(call.cards[0])
    finally:
        h.close()


# --- configuration -------------------------------------------------------------------------------


@pytest.fixture
def plain_app(sqlite_url: str) -> Iterator[App]:
    app = App(Settings(database_url=sqlite_url))
    yield app
    app.close()


def teams_env(**values: str) -> dict[str, str]:
    return {"DATABASE_URL": "sqlite:///unused.sqlite", **values}


def test_credentials_come_from_the_environment() -> None:
    env = teams_env(TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD="s3cret", TEAMS_TENANT_ID=TENANT,
                    TEAMS_OPENID_METADATA_URL="https://login.example/meta")
    options = TeamsOptions.from_settings(Settings.from_env(env), env)
    assert options is not None
    assert (options.app_id, options.app_password, options.tenant_id) == (APP_ID, "s3cret", TENANT)
    assert options.check_service_url and not options.anonymous
    assert options.openid_metadata_url == "https://login.example/meta"
    assert "s3cret" not in repr(options)
    assert TeamsOptions.from_settings(Settings.from_env(teams_env()), {}) is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (teams_env(TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD="x", TEAMS_TENANT_ID=TENANT, TEAMS_ALLOW_ANONYMOUS="1"),
         "TEAMS_ALLOW_ANONYMOUS"),
        (teams_env(TEAMS_APP_PASSWORD="x", TEAMS_ALLOW_ANONYMOUS="1"), "TEAMS_ALLOW_ANONYMOUS"),
        (teams_env(TEAMS_APP_ID=APP_ID, TEAMS_TENANT_ID=TENANT), "TEAMS_APP_PASSWORD"),
        (teams_env(TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD="x"), "TEAMS_TENANT_ID"),
        (teams_env(TEAMS_APP_ID="oppfolging-bot", TEAMS_APP_PASSWORD="x", TEAMS_TENANT_ID=TENANT), "GUID"),
    ],
)
def test_a_configuration_that_cannot_work_stops_the_start(env: dict[str, str], expected: str, sqlite_url: str) -> None:
    settings = Settings.from_env(env | {"DATABASE_URL": sqlite_url})
    with pytest.raises(TeamsConfigError, match=expected):
        TeamsOptions.from_settings(settings, env)
    app = App(settings)
    try:
        with pytest.raises(SystemExit) as stopped:
            build_web_app(app, modules=(teams_service,))
        assert expected in str(stopped.value) and str(stopped.value).startswith("Microsoft Teams:")
    finally:
        app.close()


def test_without_teams_configuration_nothing_is_added(plain_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEAMS_APP_ID", "MICROSOFT_APP_ID", "TEAMS_APP_PASSWORD", "MICROSOFT_APP_PASSWORD",
                 "TEAMS_ALLOW_ANONYMOUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(delivery, "DELIVERERS", {})
    web_app = build_web_app(plain_app, modules=(teams_service,))
    assert "/api/messages" not in [r.resource.canonical for r in web_app.router.routes() if r.resource]
    assert teams_service.SERVICE_KEY not in web_app
    assert delivery.deliverer_for("teams") is None
