"""No aiohttp session is left to the garbage collector ("Unclosed client session", "Unclosed connector").

Opening a 1:1 chat (POST /v3/conversations) that the Bot Connector refuses (403 for a person
without the app, its documented error in tests/fixtures/teams/connector_errors.json) made the SDK
leave the connector client's session open; so did a message refused while the bot had no token.
Each test runs the path over HTTP against the fakes, collects garbage, and fails on any
unclosed-session warning or asyncio log line.
"""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from bot.delivery import DeliveryError, Destination
from handlers.core.replies import Reply
from storage.models import ConversationRef
from tests.support.teams_harness import (
    CHANNEL,
    KARI,
    OLA,
    TeamsHarness,
    installed,
    message,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
)
from tests.test_teams_entra import entra_teams_fixture  # noqa: F401  (the `entra_teams` fixture)

REMINDER = Reply(title="Påminnelse", lines=["Punkt 1 har frist i morgen."])


@contextmanager
def nothing_left_open(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG, logger="asyncio")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    unclosed = [str(w.message) for w in seen if "Unclosed" in str(w.message)]
    unclosed += [r.getMessage() for r in caplog.records if "Unclosed" in r.getMessage()]
    assert unclosed == []


def personal_chats(h: TeamsHarness) -> list[str]:
    assert h.app is not None
    with h.app.sessions() as session:
        return list(session.scalars(select(ConversationRef.conversation_id).where(ConversationRef.kind == "personal")))


def test_a_refused_new_1to1_chat_leaves_no_session_open(teams: TeamsHarness,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    teams.connector.clear()
    teams.connector.remove_app(KARI.aad)  # Kari does not have the app: the connector answers 403
    with nothing_left_open(caplog):
        for _ in range(3):
            with pytest.raises(DeliveryError) as refused:
                teams.deliver(Destination("teams", KARI.aad, kind="user"), REMINDER)
            assert refused.value.permanent
    assert [c.status for c in teams.connector.calls] == [403, 403, 403]
    assert teams.connector.delivered == [] and personal_chats(teams) == []


def test_an_opened_1to1_chat_leaves_no_session_open(teams: TeamsHarness, caplog: pytest.LogCaptureFixture) -> None:
    teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    teams.connector.clear()
    with nothing_left_open(caplog):
        teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)
    (created,) = teams.connector.created
    assert created.body["members"] == [{"id": OLA.aad}]
    (post,) = teams.connector.delivered
    assert personal_chats(teams) == [post.conversation_id]


def test_a_message_refused_without_a_token_leaves_no_session_open(
        entra_teams: tuple[TeamsHarness, object], caplog: pytest.LogCaptureFixture) -> None:
    teams, entra = entra_teams
    teams.loop.run(entra.stop())  # type: ignore[attr-defined]
    with nothing_left_open(caplog):
        response = teams.post(message(teams, "liste", user=OLA))
    assert response.status == 503
    assert teams.connector.calls == [] and personal_chats(teams) == []
