"""Teams messages are answered 202 as soon as the SDK has accepted them (issue 19): the Bot
Connector does not wait for the handler, and the reply still reaches the conversation once.

No time is measured: the database is locked while the messages arrive, so an HTTP answer that
waited for the handler could not come back before the lock is released.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, func, select, text

from storage.models import Action
from tests.support.teams_harness import (
    OTHER_TENANT,
    TeamsHarness,
    message,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)

BURST = 10


def raw_post(h: TeamsHarness, activity: dict, token: str) -> int:  # type: ignore[type-arg]
    """POST without the harness waiting for the turn afterwards."""
    assert h.bot is not None
    request = urllib.request.Request(h.bot.url + "/api/messages", data=json.dumps(activity).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_messages_are_answered_before_their_turn_ends(teams: TeamsHarness, db_url: str) -> None:
    token = teams.idp.token(service_url=teams.service_url)
    locker = create_engine(db_url).connect()
    try:
        transaction = locker.begin()
        if db_url.startswith("postgresql"):
            locker.execute(text("LOCK TABLE actions, conversation_refs, people IN EXCLUSIVE MODE"))
        else:
            locker.execute(text("INSERT INTO settings (key, value) VALUES ('test-lock', '\"x\"')"))
        with ThreadPoolExecutor(BURST) as pool:
            statuses = list(pool.map(lambda n: raw_post(teams, message(teams, f"ny AU: Sak {n} fra Teams"), token),
                                     range(BURST)))
        assert statuses == [202] * BURST
        assert teams.connector.delivered == []  # nothing answered yet: the 202s did not wait for it
        transaction.commit()
    finally:
        locker.close()
    teams.settle()
    replies = [texts(card) for call in teams.connector.delivered for card in call.cards]
    assert len(replies) == BURST and all("Registrert som punkt" in r for r in replies)
    assert teams.app is not None
    with teams.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == BURST


def test_refusals_still_come_before_any_202(teams: TeamsHarness) -> None:
    """What the SDK or the tenant check refuses is refused in the HTTP answer, as before."""
    wrong_tenant = teams.idp.token(service_url=teams.service_url)
    activity = message(teams, "ny AU: Fra en annen organisasjon", tenant=OTHER_TENANT)
    raw_post(teams, activity, wrong_tenant)
    teams.settle()
    assert not any("Registrert" in texts(card) for call in teams.connector.delivered for card in call.cards)
    assert raw_post(teams, {"type": "message"}, wrong_tenant) == 400  # no conversation: unreadable
    assert teams.app is not None
    with teams.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
