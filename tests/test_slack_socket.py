"""Socket Mode: the service connects to the fake Slack's websocket when SLACK_APP_TOKEN is set, and handles envelopes."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from pathlib import Path

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.slack.service import SLACK_KEY
from tests.conftest import ROOT
from tests.support.fake_slack import FakeSlack
from tests.support.slack_harness import LoopThread, Slack, all_text, loop_fixture, serve  # noqa: F401


def test_serve_connects_in_socket_mode_and_answers_a_command(loop_thread: LoopThread, db_url: str) -> None:
    app_token = "xapp-test-" + secrets.token_hex(8)
    harness = Slack(loop_thread, db_url, app_token=app_token, signing=False)
    try:
        service = harness.web_app[SLACK_KEY]
        harness.fake.wait_for(lambda fake: fake.socket_connected)
        assert isinstance(service.socket_handler, AsyncSocketModeHandler)
        assert service.socket_handler.app is service.bolt
        assert harness.fake.of("apps.connections.open")[0].token == app_token
        # Without a signing secret there is no HTTP endpoint to forge requests against.
        assert "/slack/events" not in [r.canonical for r in harness.web_app.router.resources()]

        envelope = {
            "envelope_id": "env-0001", "type": "slash_commands", "accepts_response_payload": True,
            "payload": {
                "token": "legacy-unused", "team_id": "T0001", "channel_id": "C0FORUM", "channel_name": "samhandling",
                "user_id": "U0KARI", "user_name": "kari", "command": "/oppfølging",
                "text": "ny AU: Lage presentasjon til vårmøtet innen 1. mars", "api_app_id": "A0001",
                "response_url": harness.fake.response_url(), "trigger_id": "55.1.socket",
            },
        }
        loop_thread.run(harness.fake.send_envelope(envelope))
        harness.fake.wait_for(lambda fake: any(m.get("envelope_id") == "env-0001" for m in fake.socket_messages))
        answer = harness.fake.wait_responses(1)[0]
        assert answer["response_type"] == "in_channel"
        assert "Registrert som punkt 1" in all_text(answer["blocks"])

        event = {
            "envelope_id": "env-0002", "type": "events_api", "accepts_response_payload": False,
            "payload": {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001", "event_id": "Ev0SOCK",
                        "event": {"type": "app_home_opened", "user": "U0KARI", "tab": "home", "channel": "D0KARI"}},
        }
        loop_thread.run(harness.fake.send_envelope(event))
        published = harness.fake.wait_calls("views.publish")[0]
        assert published.params["user_id"] == "U0KARI"
    finally:
        harness.close()
    assert service.socket_handler.client.closed  # `serve` shutting down closes the connection


def test_the_oppfolging_serve_process_connects_in_socket_mode(loop_thread: LoopThread, tmp_path: Path) -> None:
    """The real `oppfolging serve` command, as `make run` starts it with two tokens in the environment."""
    fake = FakeSlack()
    runner, fake.url = loop_thread.run(serve(fake.web_app()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "TEAMS_", "MICROSOFT_"))}
    env.update({
        "SLACK_BOT_TOKEN": "xoxb-test-" + secrets.token_hex(8), "SLACK_APP_TOKEN": "xapp-test-" + secrets.token_hex(8),
        "SLACK_API_URL": fake.url + "/api/", "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}",
    })
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "oppfolging"), "serve", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        fake.wait_for(lambda f: f.socket_connected, timeout=30)
        envelope = {
            "envelope_id": "env-serve", "type": "slash_commands", "accepts_response_payload": True,
            "payload": {"team_id": "T0001", "channel_id": "C0FORUM", "user_id": "U0KARI", "user_name": "kari",
                        "command": "/oppfolging", "text": "hjelp", "response_url": fake.response_url(),
                        "trigger_id": "77.1.serve", "api_app_id": "A0001"},
        }
        loop_thread.run(fake.send_envelope(envelope))
        answer = fake.wait_responses(1, timeout=20)[0]
        assert "Oppfølging – hjelp" in all_text(answer["blocks"])
        # The envelope's ack is written after the answer; stopping before it arrives would cut it off.
        fake.wait_for(lambda f: any(m.get("envelope_id") == "env-serve" for m in f.socket_messages), timeout=20)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
        loop_thread.run(fake.close_sockets())
        loop_thread.run(runner.cleanup())
    assert b"Traceback" not in errors, errors.decode(errors="replace")
