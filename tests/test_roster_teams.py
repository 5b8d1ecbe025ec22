"""The roster in Teams, over real HTTP: e-mail addresses learned from conversation members link roster people.

The members the fake Bot Connector returns are tests/fixtures/roster/teams_conversation_members.json,
shaped as the page named in its `_source` documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.teams import members
from handlers.core.context import Actor
from storage.models import Person, RosterEntry
from tests.conftest import NOW, Bot
from tests.support.teams_harness import CHANNEL, KARI, PERSONAL, TeamsHarness
from tests.test_roster import FIXTURES, preview

MEMBERS: list[dict[str, Any]] = json.loads((FIXTURES / "teams_conversation_members.json").read_text("utf-8"))["members"]


@pytest.fixture(name="teams")
def teams_fixture(db_url: str) -> Iterator[TeamsHarness]:
    harness = TeamsHarness(db_url, NOW)
    yield harness
    harness.close()


def learner(h: TeamsHarness, clock: list[float]) -> members.MemberEmails:
    assert h.app is not None
    return members.attach(h.service, h.app, clock=lambda: clock[0])


def import_roster(h: TeamsHarness) -> None:
    assert h.app is not None
    operator = Actor("console", "local", "lokal operatør")  # an admin
    shown = preview(Bot(h.app, NOW), (FIXTURES / "kontakter_semikolon.csv").read_bytes(), "kontakter.csv", operator)
    assert not h.app.handle(shown.buttons[0].command, operator, now=NOW).error


def links(h: TeamsHarness) -> dict[str, str | None]:
    assert h.app is not None
    with h.app.sessions() as session:
        return {e.email: (f"{e.person.platform}:{e.person.external_id}" if e.person else None)
                for e in session.scalars(select(RosterEntry))}


def member_calls(h: TeamsHarness) -> list[str]:
    return [c.path for c in h.connector.calls if c.path.endswith("/members")]


def test_members_of_the_conversation_link_roster_people(teams: TeamsHarness) -> None:
    import_roster(teams)
    clock = [0.0]
    learner(teams, clock)
    teams.connector.members[CHANNEL] = MEMBERS
    cards = teams.say("kontakter Nordland", conversation=CHANNEL + ";messageid=1790000000001", kind="channel")
    assert cards  # the answer came, with the members read before it
    assert member_calls(teams) == [f"/v3/conversations/{CHANNEL}/members"]
    call = next(c for c in teams.connector.calls if c.path.endswith("/members"))
    assert call.authorization == "Bearer bot-token-from-the-fake-provider"
    assert links(teams) == {"kari.nordmann@nfk.no": f"teams:{KARI.aad}",
                            "per.olsen@nfk.no": "teams:0000cccc-0000-0000-0000-00000000000c",
                            "ola.hansen@kdd.dep.no": None}
    assert teams.app is not None
    with teams.app.sessions() as session:
        stored = {p.external_id: p.email for p in session.scalars(select(Person).where(Person.platform == "teams"))}
    # The guest's rewritten principal name is no address; their Person is not made up from it.
    assert stored == {KARI.aad: "kari.nordmann@nfk.no", "0000cccc-0000-0000-0000-00000000000c": "per.olsen@nfk.no"}
    # Kari's address is known now: her next message reads nothing.
    teams.say("kontakter", conversation=CHANNEL, kind="channel")
    assert len(member_calls(teams)) == 1


def test_a_failing_members_call_never_stops_the_answer(teams: TeamsHarness) -> None:
    learner(teams, [0.0])
    # No members known for this chat: the fake answers 404, as the connector does for a chat the bot is not in.
    cards = teams.say("hjelp", conversation=PERSONAL)
    assert cards and member_calls(teams) == [f"/v3/conversations/{PERSONAL}/members"]
    # Asked again only after `refresh`.
    teams.say("hjelp", conversation=PERSONAL)
    assert len(member_calls(teams)) == 1
