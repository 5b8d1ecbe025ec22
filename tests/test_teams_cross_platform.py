"""One database, one history: an action made in Slack is handled from Teams, and the other way round.

Teams goes through the real /api/messages; the Slack side goes through `App.handle` with a Slack
actor, which is exactly what the Slack adapter calls.
"""

from __future__ import annotations

from handlers.core.context import Actor
from tests.support.teams_harness import (
    KARI,
    TeamsHarness,
    action_for,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)

SIRI = Actor("slack", "U0SIRI", "Siri i Innovasjon Norge")


def slack(h: TeamsHarness, text: str, who: Actor = SIRI):  # type: ignore[no-untyped-def]
    assert h.app is not None
    reply = h.app.handle(text, who)
    assert not reply.error, reply.lines
    return reply


def test_created_in_slack_then_listed_completed_and_commented_in_teams(teams: TeamsHarness) -> None:
    created = slack(teams, "/oppfølging ny Innovasjon Norge og Vestland: Felles søknad til EU-programmet innen 1. mars")
    action_id = created.data["action"]["id"]

    listing = teams.say("liste Vestland")[0]
    assert "Felles søknad til EU-programmet" in texts(listing)

    teams.say("medlem Vestland")
    assert "Kommentar lagt til" in texts(teams.say(f"kommenter {action_id} Søknaden er sendt til KDD")[0])
    response = teams.click(action_for(teams.say(f"vis {action_id}")[0], f"ferdig {action_id}"))
    assert "markert som ferdig" in texts(response.body["value"])

    shown = slack(teams, f"/oppfølging vis {action_id}")
    assert shown.data["action"]["status"] == "done"
    assert [(e["kind"], e["source"], e["by"]) for e in shown.data["history"]] == [
        ("created", "slack", SIRI.display_name),
        ("comment", "teams", KARI.name),
        ("status", "teams", KARI.name),
    ]


def test_created_in_teams_then_completed_and_commented_in_slack(teams: TeamsHarness) -> None:
    card = teams.say("ny Innovasjon Norge: Presentere oppfølgingen på høstmøtet innen 1. september")[0]
    assert "Registrert som punkt 1" in texts(card)

    slack(teams, "/oppfølging medlem Innovasjon Norge")
    assert [i.id for i in slack(teams, "/oppfølging mine").items] == [1]
    slack(teams, "/oppfølging kommenter 1 Presentasjonen er klar")
    slack(teams, "/oppfølging ferdig 1")

    history = texts(teams.say("vis 1")[0])
    assert "Status: ferdig" in history
    assert f"{KARI.name} (Teams): opprettet punktet" in history
    assert f"{SIRI.display_name} (Slack): kommenterte: «Presentasjonen er klar»" in history
    assert f"{SIRI.display_name} (Slack): endret status fra" in history
    # And the Teams list no longer shows it as open.
    assert "Presentere oppfølgingen" not in texts(teams.say("liste")[0])
