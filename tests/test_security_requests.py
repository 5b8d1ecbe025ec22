"""The HTTP surface: size limits, unknown routes, replayed Slack requests, and secrets.

Signatures and tokens themselves are tested in test_slack_events.py (wrong signature, timestamps
older than five minutes, Slack's published example) and test_teams_auth.py (wrong key, audience,
issuer, expiry, tenant, service URL). Here: a 3 MB body is refused with 413 and changes nothing,
unknown routes get a plain 404, a replayed Slack request runs nothing, secrets come from the
environment or a file outside the repository, and a running service never writes them to its log.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import logsafety
from bot.config import SecretFileError, Settings
from storage.models import Action, Comment
from tests.conftest import ROOT
from tests.support.fake_slack import FakeSlack
from tests.support.slack_harness import LoopThread, Slack, loop_fixture, serve, sign  # noqa: F401
from tests.support.teams_harness import (
    APP_ID,
    TENANT,
    IdentityProvider,
    Server,
    TeamsHarness,
    message,
    teams_sqlite_fixture,  # noqa: F401
)
from tests.support.teams_harness import LoopThread as TeamsLoop

THREE_MB = 3 * 1024 * 1024


def http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
         method: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def count(app: Any, model: type) -> int:
    with app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def slack(loop_thread: LoopThread, sqlite_url: str) -> Iterator[Slack]:
    harness = Slack(loop_thread, sqlite_url)
    yield harness
    harness.close()


# --- size limits and routes ----------------------------------------------------------------------


def test_a_3_mb_body_gets_413_on_slack_events_and_changes_nothing(slack: Slack) -> None:
    text = "ny AU: " + "x" * THREE_MB
    body = urllib.parse.urlencode({"command": "/oppfølging", "text": text, "user_id": "U0KARI",
                                   "channel_id": "C0FORUM", "response_url": slack.fake.response_url()})
    status, answer = slack.post(body, "application/x-www-form-urlencoded")
    assert status == 413 and "Traceback" not in answer
    slack.settle()
    assert count(slack.app, Action) == 0 and slack.fake.calls == [] and slack.fake.responses == []


def test_a_3_mb_body_gets_413_on_api_messages_and_changes_nothing(teams_sqlite: TeamsHarness) -> None:
    activity = message(teams_sqlite, "ny AU: " + "x" * THREE_MB)
    raw = json.dumps(activity).encode()
    assert len(raw) > THREE_MB
    response = teams_sqlite.post(activity, raw=raw)
    assert response.status == 413, response
    # Without a token the body is never even read: 401.
    assert teams_sqlite.post(activity, raw=raw, token=None).status == 401
    assert count(teams_sqlite.app, Action) == 0 and teams_sqlite.connector.delivered == []


def test_unknown_routes_and_methods_get_a_plain_answer(slack: Slack) -> None:
    for method, path, expected in [("GET", "/", 404), ("GET", "/admin", 404), ("GET", "/../../etc/passwd", 404),
                                   ("POST", "/api/messages", 404),  # Teams is not configured here
                                   ("GET", "/slack/events", 405), ("DELETE", "/healthz", 405)]:
        status, body = http(slack.url + path, method=method, data=b"" if method == "POST" else None)
        assert status == expected, (method, path, status)
        assert "Traceback" not in body and "File \"" not in body and len(body) < 200


# --- replayed Slack requests ---------------------------------------------------------------------


def test_a_replayed_slack_request_runs_nothing_twice(slack: Slack) -> None:
    assert slack.command("ny AU: Skrive referat")[0] == 200
    slack.fake.wait_responses(1)
    fields = {"command": "/oppfølging", "text": "kommenter 1 Referatet er sendt", "user_id": "UADMIN",
              "user_name": "admin", "channel_id": "C0FORUM", "team_id": "T0001", "trigger_id": "7.7.replay",
              "response_url": slack.fake.response_url()}
    body = urllib.parse.urlencode(fields)
    headers = sign(slack.secret, body, slack.timestamp)
    assert slack.post(body, "application/x-www-form-urlencoded", headers=headers)[0] == 200
    slack.fake.wait_responses(2)
    # The same bytes again within the five minutes (what an eavesdropper could resend): acknowledged,
    # and nothing runs. A retry from Slack itself is a new request with a new timestamp.
    for _ in range(3):
        assert slack.post(body, "application/x-www-form-urlencoded", headers=headers)[0] == 200
    slack.settle()
    assert count(slack.app, Comment) == 1 and len(slack.fake.responses) == 2
    slack.now += timedelta(seconds=2)
    assert slack.post(body, "application/x-www-form-urlencoded")[0] == 200  # signed anew: a new request
    slack.fake.wait_responses(3)
    assert count(slack.app, Comment) == 2


# --- secrets -------------------------------------------------------------------------------------


def test_secrets_come_from_the_environment_or_a_file_outside_the_repository(tmp_path: Path) -> None:
    secret_file = tmp_path / "slack_bot_token"
    file_token = "xoxb-" + secrets.token_hex(8)
    secret_file.write_text(file_token + "\n")
    settings = Settings.from_env({"SLACK_BOT_TOKEN_FILE": str(secret_file), "TEAMS_APP_PASSWORD": "from-env"})
    assert settings.slack_bot_token == file_token and settings.teams_app_password == "from-env"
    # The environment wins over a file; a file in the repository is refused, as is a missing one.
    assert Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-env", "SLACK_BOT_TOKEN_FILE": str(secret_file)}) \
        .slack_bot_token == "xoxb-env"
    with pytest.raises(SecretFileError, match="outside the repository"):
        Settings.from_env({"SLACK_SIGNING_SECRET_FILE": str(ROOT / "README.md")})
    with pytest.raises(SecretFileError, match="cannot read"):
        Settings.from_env({"TEAMS_APP_PASSWORD_FILE": str(tmp_path / "missing")})
    result = subprocess.run([sys.executable, "-m", "bot.cli", "actions", "list"], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                                 "SLACK_SIGNING_SECRET_FILE": str(ROOT / "README.md")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "outside the repository" in result.stderr and "Traceback" not in result.stderr


def test_the_repository_never_tracks_a_secrets_file() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert ignored.returncode == 0, ".env must be ignored by git"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if Path(f).name in (".env", "secrets.env") or f.endswith((".pem", ".key"))]


def test_the_log_filter_masks_secrets_from_any_logger(caplog: pytest.LogCaptureFixture) -> None:
    secret = "xoxb-" + secrets.token_hex(12)
    logger = logging.getLogger("some.library")
    handler = logging.StreamHandler(stream := __import__("io").StringIO())
    logger.addHandler(handler)
    try:
        logsafety.install([secret, "short"], logger=logger)
        logger.warning("calling with token=%s", secret)
        try:
            raise RuntimeError(f"request failed: Authorization: Bearer {secret}")
        except RuntimeError:
            logger.exception("it failed")
        logger.warning("url postgresql://u:%s@db/x", secret)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert secret not in written and written.count("***") == 3 and "RuntimeError" in written
    settings = Settings(database_url="postgresql://u:pw-123456@h/d", slack_bot_token=secret,
                        slack_signing_secret=secret + "s", slack_app_token=secret + "a", teams_app_password=secret + "t")
    assert secret not in repr(settings) and "pw-123456" not in repr(settings)
    values = logsafety.secret_values({"SLACK_BOT_TOKEN": secret, "DATABASE_URL": "postgresql://u:pw-123456@h/d",
                                      "HOME": "/root", "PORT": "3978"})
    assert values == {secret, "pw-123456"}


@pytest.fixture
def running_service(tmp_path: Path, loop_thread: LoopThread) -> Iterator[dict[str, Any]]:
    """`oppfolging -v serve` (DEBUG logging) as a process, with every secret set, against fakes."""
    fake = FakeSlack()
    fake_runner, fake.url = loop_thread.run(serve(fake.web_app()))
    idp_loop = TeamsLoop()
    idp = IdentityProvider()
    idp_server = Server(idp_loop, idp.app())
    idp.url = idp_server.url
    values = {
        "SLACK_BOT_TOKEN": "xoxb-" + secrets.token_hex(16),
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "TEAMS_APP_PASSWORD": "teams~" + secrets.token_hex(16),
    }
    fake.bot_token = values["SLACK_BOT_TOKEN"]
    port = _free_port()
    log = tmp_path / "service.log"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}, **values,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "SLACK_API_URL": fake.url + "/api/",
           "TEAMS_APP_ID": APP_ID, "TEAMS_TENANT_ID": TENANT, "TEAMS_OPENID_METADATA_URL": idp.metadata_url,
           "OPPFOLGING_SCHEDULER": "off", "OPPFOLGING_ADMINS": "slack:U0KARI"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "-v", "serve", "--host", "127.0.0.1", "--port",
                             str(port)], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield {"url": url, "values": values, "log": log, "fake": fake, "idp": idp}
    finally:
        proc.terminate()
        proc.wait(20)
        loop_thread.run(fake_runner.cleanup())
        idp_server.stop()
        idp_loop.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)  # the process is still starting: poll for readiness, not for time
    raise AssertionError(log.read_text(errors="replace")[-3000:])


def test_a_running_service_never_logs_its_secrets(running_service: dict[str, Any]) -> None:
    url, values, fake, idp = (running_service[k] for k in ("url", "values", "fake", "idp"))
    form = "application/x-www-form-urlencoded"

    def slash(text: str, secret: str) -> int:
        body = urllib.parse.urlencode({"command": "/oppfølging", "text": text, "user_id": "U0KARI",
                                       "user_name": "kari", "channel_id": "C0FORUM", "team_id": "T0001",
                                       "trigger_id": secrets.token_hex(4), "response_url": fake.response_url()})
        return http(url + "/slack/events", body.encode(), {"Content-Type": form, **sign(secret, body, int(time.time()))})[0]

    assert slash("ny AU: Hemmelig arbeid innen 15. juni", values["SLACK_SIGNING_SECRET"]) == 200
    assert slash("liste", values["SLACK_SIGNING_SECRET"]) == 200
    assert slash(f"ny AU: {values['SLACK_BOT_TOKEN'][:8]}", "not-the-secret") == 401
    fake.wait_responses(2)
    activity = json.dumps({"type": "message", "text": "liste", "channelId": "msteams"}).encode()
    for token in (None, "not-a-jwt", idp.token(aud="someone-else"), idp.token(expires_in=-3600)):
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        assert http(url + "/api/messages", activity, headers)[0] == 401
    assert http(url + "/nowhere")[0] == 404
    logged = running_service["log"].read_text(errors="replace")
    assert "DEBUG" in logged and "Slack enabled" in logged  # the log was really written, at DEBUG level
    assert "configuration: Settings(" in logged
    for name, value in values.items():
        assert value not in logged, f"{name} appears in the service log"
