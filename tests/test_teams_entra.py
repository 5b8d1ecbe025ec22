"""When Microsoft Entra gives the bot no token: answers where possible, 503 where not, /healthz degraded, one log line.

The bot's real token path (msal, `bot.teams.tokens`) talks over HTTPS to a fake Entra
(tests/support/fake_entra.py) that answers as documented (tests/fixtures/teams/entra_token.json:
400 invalid_client AADSTS7000222 for an expired client secret) or is not listening at all.
Activities are the documented payloads in tests/fixtures/teams/ (message_personal.json,
adaptiveCard_action.json).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.delivery import DeliveryError, Destination
from handlers.core.replies import Reply
from storage.models import Action, ConversationRef
from tests.conftest import NOW
from tests.support.fake_entra import FakeEntra
from tests.support.fake_graph import TestCertificate
from tests.support.teams_harness import (
    APP_ID,
    BOT_TOKEN,
    OLA,
    PERSONAL,
    TENANT,
    LoopThread,
    TeamsHarness,
    base_activity,
    texts,
)

FIXTURES = Path(__file__).parent / "fixtures" / "teams"
INVOKE_CARD = "application/vnd.microsoft.card.adaptive"


def documented(name: str, h: TeamsHarness, **changes: Any) -> dict[str, Any]:
    """A documented payload (without its `_source` note) on top of the harness's sender and conversation."""
    payload = {k: v for k, v in json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")).items()
               if not k.startswith("_")}
    return base_activity(h, user=OLA) | copy.deepcopy(payload) | changes


@pytest.fixture(name="entra_teams")
def entra_teams_fixture(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[TeamsHarness, FakeEntra]]:
    loop = LoopThread()
    entra = FakeEntra(TENANT, APP_ID, "test-secret", BOT_TOKEN, TestCertificate(tmp_path))
    loop.run(entra.start())
    harness = TeamsHarness(sqlite_url, NOW, loop=loop, entra=entra)
    yield harness, entra
    loop.run(entra.stop())
    harness.close()


def stored(h: TeamsHarness) -> tuple[int, int]:
    """(actions, conversation references) in the database."""
    assert h.app is not None
    with h.app.sessions() as session:
        return (session.scalar(select(func.count()).select_from(Action)) or 0,
                session.scalar(select(func.count()).select_from(ConversationRef)) or 0)


def health_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.health"]


def refused_while_degraded(h: TeamsHarness, reason_part: str) -> None:
    """A message needs a post: refused with 503 before it runs; /healthz says why."""
    response = h.post(documented("message_personal", h, text="ny AU: Sende brev til KDD innen 15. juni"))
    assert response.status == 503 and response.headers.get("Retry-After") == "60"
    assert h.connector.calls == []
    assert stored(h) == (0, 0)  # nothing done that the person would not hear about
    health = h.get("/healthz")
    assert health.status == 200
    assert health.body["status"] == "degraded" and health.body["database"] == "ok"
    assert reason_part in health.body["degraded"]["teams"]


def click_answered_in_band(h: TeamsHarness) -> None:
    """A click is answered in the HTTP response, which needs no token; nothing is posted."""
    response = h.post(documented("adaptiveCard_action", h, replyToId="msg-card"))
    assert response.status == 200
    assert response.body["statusCode"] == 200 and response.body["type"] == INVOKE_CARD
    assert "oppfølgingspunkter" in texts(response.body["value"]).lower()
    assert h.connector.calls == []
    assert stored(h) == (0, 1)  # the chat is remembered for later reminders


def works_again(h: TeamsHarness, entra: FakeEntra) -> None:
    cards = h.say("ny AU: Sende brev til KDD innen 15. juni", user=OLA)
    assert "Sende brev til KDD" in texts(cards[0])
    (post,) = h.connector.delivered
    assert post.conversation_id == PERSONAL and post.authorization == f"Bearer {BOT_TOKEN}"
    assert stored(h) == (1, 1)
    assert h.get("/healthz").body == {"status": "ok", "database": "ok", "migrations": "current",
                                      "platforms": {"teams": "ok"}}
    assert entra.token_requests()[-1] == 200


def test_an_expired_client_secret_degrades_the_bot_until_it_is_renewed(
        entra_teams: tuple[TeamsHarness, FakeEntra], caplog: pytest.LogCaptureFixture) -> None:
    teams, entra = entra_teams
    caplog.set_level(logging.INFO)
    entra.refuse("expired_secret")

    refused_while_degraded(teams, "AADSTS7000222")
    reason = teams.get("/healthz").body["degraded"]["teams"]
    assert "expired" in reason and "TEAMS_APP_PASSWORD" in reason and "test-secret" not in reason
    refused_while_degraded(teams, "AADSTS7000222")
    click_answered_in_band(teams)
    assert 400 in entra.token_requests()
    # One line for the whole outage, however many requests met it; no traceback anywhere.
    assert len(health_lines(caplog)) == 1 and "degraded" in health_lines(caplog)[0]
    assert not [r for r in caplog.records if r.exc_info or (r.levelno >= logging.ERROR and r.name != "bot.health")]

    # msal does not ask Entra again for the same refused request within a minute, and an expired secret
    # stays expired: the operator sets a new TEAMS_APP_PASSWORD and restarts, which starts healthy.
    entra.refuse(None)
    teams.stop()
    teams.start()
    works_again(teams, entra)
    assert len(health_lines(caplog)) == 1


def test_an_unreachable_login_endpoint_degrades_the_bot_until_it_answers(
        entra_teams: tuple[TeamsHarness, FakeEntra], caplog: pytest.LogCaptureFixture) -> None:
    teams, entra = entra_teams
    caplog.set_level(logging.INFO)
    teams.loop.run(entra.stop())

    refused_while_degraded(teams, "unreachable")
    click_answered_in_band(teams)
    # A reminder meanwhile is a transient failure: the engine keeps it and tries again later.
    with pytest.raises(DeliveryError) as failed:
        teams.deliver(Destination("teams", PERSONAL), Reply(title="Påminnelse"))
    assert not failed.value.permanent and "unreachable" in str(failed.value)
    assert teams.connector.calls == []
    assert len(health_lines(caplog)) == 1

    teams.loop.run(entra.start())
    works_again(teams, entra)
    assert health_lines(caplog)[1:] == ["teams: working again"]
