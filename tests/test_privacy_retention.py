"""Retention: after OPPFOLGING_RETENTION_DAYS, request-dedup records and finished notifications lose
their content and keep their keys (so a retried request or a reminder is still never done twice);
anything still to be sent keeps what it will send."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import cli
from bot.app import App
from bot.config import Settings
from handlers.privacy.retention import purge
from handlers.reminders import claims
from storage.models import Notification, ProcessedRequest
from tests.conftest import NOW


def seed(app: App) -> None:
    old, recent = (NOW - timedelta(days=40)).replace(tzinfo=None), (NOW - timedelta(days=5)).replace(tzinfo=None)
    with app.sessions() as session:
        session.add_all([
            ProcessedRequest(key="slack:event:Ev0OLD", at=old, result={"text": "Kari skrev dette"}),
            ProcessedRequest(key="slack:event:Ev0NEW", at=recent, result={"text": "nytt"}),
        ])
        common = {"kind": "reminder", "platform": "slack", "destination": "C0FORUM", "party_key": "au"}
        session.add_all([
            Notification(key="old-sent", status="sent", claimed_at=old, sent_at=old,
                         payload={"text": "Påminnelse til Kari"}, error=None, **common),
            Notification(key="old-given-up", status="failed", claimed_at=old, next_attempt_at=None,
                         payload={"text": "x"}, error="channel_not_found", **common),
            Notification(key="old-retrying", status="failed", claimed_at=old, next_attempt_at=recent,
                         payload={"send_on": "2026-10-14"}, **common),
            Notification(key="old-waiting", status="waiting", claimed_at=old, payload={"stage": "due"},
                         **{**common, "platform": "none", "destination": "siva"}),
            Notification(key="recent-sent", status="sent", claimed_at=recent, sent_at=recent,
                         payload={"text": "ny"}, **common),
        ])
        session.commit()


def test_old_content_goes_and_keys_and_pending_messages_stay(app: App) -> None:
    seed(app)
    with app.sessions() as session:
        purged = purge(session, NOW, 30)
        session.commit()
    assert purged.to_json() == {"requests": 1, "notifications": 2}
    with app.sessions() as session:
        requests = {r.key: r.result for r in session.scalars(select(ProcessedRequest))}
        rows = {n.key: (n.payload, n.error, n.status) for n in session.scalars(select(Notification))}
        assert requests == {"slack:event:Ev0OLD": None, "slack:event:Ev0NEW": {"text": "nytt"}}
        assert rows["old-sent"] == ({}, None, "sent")
        assert rows["old-given-up"] == ({}, None, "failed")
        assert rows["old-retrying"][0] == {"send_on": "2026-10-14"}  # still to be sent
        assert rows["old-waiting"][0] == {"stage": "due"}  # waiting for a recipient
        assert rows["recent-sent"][0] == {"text": "ny"}
        # The key still claims: the same message cannot be claimed again.
        assert claims.existing(session, ["old-sent"]) == {"old-sent": "sent"}
        again = purge(session, NOW, 30)
    assert again.to_json() == {"requests": 0, "notifications": 0}


def test_cli_and_settings(app: App, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(app)
    assert cli.main(["--database-url", db_url, "retention", "--days", "30", "--json", "--now", "2026-11-23"]) == 0
    assert json.loads(capsys.readouterr().out) == {"days": 30, "requests": 1, "notifications": 2}
    assert Settings.from_env({}).retention_days == 180
    assert Settings.from_env({"OPPFOLGING_RETENTION_DAYS": "off"}).retention_days is None
    assert Settings.from_env({"OPPFOLGING_RETENTION_DAYS": "30"}).retention_days == 30


def test_a_bad_retention_setting_is_a_clear_error(db_url: str, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPPFOLGING_RETENTION_DAYS", "et halvt år")
    assert cli.main(["--database-url", db_url, "retention"]) == 2
    assert "OPPFOLGING_RETENTION_DAYS must be a number of days or off" in capsys.readouterr().err
