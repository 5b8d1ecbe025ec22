"""Help and error texts show commands the way each platform takes them (handlers.core.command_text).

Teams: plain `liste` in the 1:1 chat, `@Oppfølging liste` in a channel or group chat (in Teams a `/`
opens Teams' own command menu); Slack and the terminal keep `/oppfølging liste`. Suggestions use
the Norwegian command words. Replies over HTTP to the fake Bot Connector, and a digest plus a
reminder to a Teams channel through the real reminder runner.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from handlers.core import command_text
from handlers.core.context import Actor
from handlers.core.replies import Form, FormField, Reply, Section, error_reply
from storage.models import Action, Notification
from tests.support.teams_harness import (
    BOT_TOKEN,
    CHANNEL,
    PERSONAL,
    TeamsHarness,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)
from tests.test_pacing_delivery import MONDAY, Connector, due_actions, teams_runner


@pytest.fixture
def pacing_teams(db_url: str) -> Iterator[TeamsHarness]:
    """The harness of tests/test_pacing_delivery.py: Monday morning, when the digest and reminders are due."""
    harness = TeamsHarness(db_url, MONDAY, connector=Connector(BOT_TOKEN))
    yield harness
    harness.close()


def test_command_text_per_platform() -> None:
    assert command_text.command_text("liste AU", "slack") == "/oppfølging liste AU"
    assert command_text.command_text("liste AU", "console") == "/oppfølging liste AU"
    assert command_text.command_text("liste AU", "teams", "personal") == "liste AU"
    assert command_text.command_text("liste AU", "teams", "user") == "liste AU"  # a reminder to a person's 1:1 chat
    assert command_text.command_text("liste AU", "teams", "channel") == "@Oppfølging liste AU"
    assert command_text.command_text("liste AU", "teams", "groupChat") == "@Oppfølging liste AU"


def test_only_marked_commands_are_rewritten() -> None:
    line = "Skriv `/oppfølging vis 3` eller `/oppfolging ferdig 3`; «/oppfølging» som tekst står."
    assert command_text.text_for(line, "teams", "personal") == \
        "Skriv `vis 3` eller `ferdig 3`; «/oppfølging» som tekst står."
    assert command_text.text_for(line, "teams", "channel") == \
        "Skriv `@Oppfølging vis 3` eller `@Oppfølging ferdig 3`; «/oppfølging» som tekst står."
    assert command_text.text_for(line, "slack") == line
    reply = Reply(title="`/oppfølging liste`", lines=["`/oppfølging hjelp`"],
                  sections=[Section("Tips", lines=["`/oppfølging mine`"])],
                  form=Form("f", "Skjema", "Lagre", [FormField("x", "X", hint="`/oppfølging ny`")]))
    shown = command_text.reply_for(reply, "teams", "channel")
    assert (shown.title, shown.lines, shown.sections[0].lines, shown.form.fields[0].hint) == (  # type: ignore[union-attr]
        "`@Oppfølging liste`", ["`@Oppfølging hjelp`"], ["`@Oppfølging mine`"], "`@Oppfølging ny`")
    assert command_text.reply_for(reply, "slack") is reply
    error = command_text.reply_for(error_reply("Feil.", ["`/oppfølging hjelp`"]), "teams", "personal")
    assert error.lines == ["Feil.", "`hjelp`"] and error.error


def no_slash(cards: list[dict]) -> str:
    shown = "\n".join(texts(c) for c in cards)
    assert "/oppfølging" not in shown and "/oppfolging" not in shown, shown
    return shown


def test_teams_1to1_shows_plain_commands_and_norwegian_suggestions(teams: TeamsHarness) -> None:
    help_text = no_slash(teams.say("hjelp"))
    assert "f.eks. liste" in help_text and "@Oppfølging" not in help_text
    # A typo of an English alias is answered with the Norwegian word.
    shown = no_slash(teams.say("calender"))
    assert "Mente du møter?" in shown and "calendar" not in shown
    assert "Skriv hjelp for å se hva jeg kan." in shown
    shown = no_slash(teams.say("vis 99"))
    assert "Skriv liste for å se numrene." in shown
    (call,) = teams.connector.delivered[-1:]
    assert call.conversation_id == PERSONAL
    assert teams.app is not None
    with teams.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0  # nothing was stored by these


def test_teams_channel_shows_mentions(teams: TeamsHarness) -> None:
    shown = no_slash(teams.say("hjelp", conversation=CHANNEL, kind="channel", mention=True))
    assert "Nevn meg med @Oppfølging" in shown and "@Oppfølging liste" in shown
    shown = no_slash(teams.say("lsite", conversation=CHANNEL, kind="channel", mention=True))
    assert "Mente du @Oppfølging liste?" in shown and "Skriv @Oppfølging hjelp" in shown
    assert teams.connector.delivered[-1].conversation_id == CHANNEL


def test_slack_and_the_terminal_keep_the_slash_command(teams: TeamsHarness) -> None:
    assert teams.app is not None
    for actor in (Actor("slack", "U1"), Actor("console", "local")):
        reply = teams.app.handle("lsite", actor)
        assert reply.lines[1:] == ["Mente du `/oppfølging liste`?", "Skriv `/oppfølging hjelp` for å se hva jeg kan."]
    help_reply = teams.app.handle("hjelp", Actor("slack", "U1"))
    assert "Skriv `/oppfølging` og en av kommandoene under." in help_reply.lines[0]


def test_a_digest_and_a_reminder_in_a_teams_channel_show_mentions(pacing_teams: TeamsHarness) -> None:
    teams = pacing_teams
    runner, _stamped, _clock = teams_runner(teams)
    assert teams.app is not None
    due_actions(teams.app, "vestland", 1, MONDAY.date())
    teams.loop.run(runner.tick(MONDAY), timeout=60)
    posts = teams.connector.delivered
    assert len(posts) == 2 and all(p.conversation_id == CHANNEL for p in posts)
    digest = no_slash(posts[0].cards)
    assert "@Oppfølging vis N" in digest and "@Oppfølging ferdig N" in digest  # the digest's footer
    no_slash(posts[1].cards)
    with teams.app.sessions() as session:
        stored = session.scalars(select(Notification.payload).order_by(Notification.id)).all()
        assert [s["category"] for s in stored] == ["digest", "reminder"]
        # What is stored stays platform-neutral; the Teams form is made when it is sent.
        assert any("/oppfølging" in str(s["reply"]) for s in stored)
        statuses = session.scalars(select(Notification.status)).all()
        assert statuses == ["sent", "sent"]
