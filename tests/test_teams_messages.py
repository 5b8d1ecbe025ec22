"""Typed commands in Teams, end to end: Activity JSON to /api/messages over HTTP, cards at a fake connector."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.teams import cards as card_renderer
from handlers.core.context import Actor
from storage.models import Action, ActionEvent, ConversationRef, Membership, Person, Subscription
from tests.support.teams_harness import (
    BOT_TOKEN,
    CHANNEL,
    GROUP,
    KARI,
    OLA,
    PERSONAL,
    TeamsHarness,
    color_of,
    message,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    text_of,
    texts,
)


def count(h: TeamsHarness, model) -> int:  # type: ignore[no-untyped-def]
    assert h.app is not None
    with h.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_commands_in_a_personal_chat(teams: TeamsHarness) -> None:
    created = teams.say("oppfølging ny AU: Sende brev til KDD om statssekretærmøte innen 15. juni")
    assert len(created) == 1
    body = texts(created[0])
    assert "Registrert som punkt 1" in body
    assert "Sende brev til KDD om statssekretærmøte" in body and "15. juni 2027" in body

    assert teams.app is not None
    with teams.app.sessions() as session:
        action = session.scalars(select(Action)).one()
        assert action.source == "teams"
        assert (action.created_by.platform, action.created_by.external_id) == ("teams", KARI.aad)
        assert action.created_by.display_name == "Kari Nordmann"

    for spelling in ("/oppfølging liste", "oppfølging liste", "liste", "/oppfolging list"):
        listed = texts(teams.say(spelling)[0])
        assert "Sende brev til KDD" in listed, spelling
        assert "Senere (1)" in listed, spelling

    # Every answer is a reply in the conversation, sent with the bot's own token.
    for call in teams.connector.calls:
        assert call.conversation_id == PERSONAL and call.activity_id
        assert call.authorization == f"Bearer {BOT_TOKEN}"


def test_a_channel_mention_is_stripped_and_the_channel_remembered(teams: TeamsHarness) -> None:
    thread = f"{CHANNEL};messageid=1700000000001"
    teams.say("ny Vestland: Lage oversikt over prosjektene", conversation=thread, kind="channel", mention=True)
    answer = teams.say("liste", conversation=thread, kind="channel", mention=True)
    assert "Lage oversikt over prosjektene" in texts(answer[0])
    # The answer goes into the thread it was asked in …
    assert teams.connector.delivered[-1].conversation_id == thread
    # … but the channel itself is what is remembered for later posts.
    assert teams.app is not None
    with teams.app.sessions() as session:
        ref = session.scalars(select(ConversationRef)).one()
    assert (ref.platform, ref.conversation_id, ref.kind, ref.person_id) == ("teams", CHANNEL, "channel", None)
    stored = ref.reference["conversation_reference"]
    assert stored["conversation"]["id"] == CHANNEL
    assert "activityId" not in stored and "user" not in stored
    assert stored["serviceUrl"] == teams.service_url


def test_group_chat_works_and_is_remembered(teams: TeamsHarness) -> None:
    answer = teams.say("hjelp", conversation=GROUP, kind="groupChat", mention=True)
    assert "Oppfølging – hjelp" in texts(answer[0])
    assert teams.app is not None
    with teams.app.sessions() as session:
        assert session.scalar(select(ConversationRef.kind).where(ConversationRef.conversation_id == GROUP)) == "groupChat"


def test_a_personal_chat_is_remembered_with_its_person(teams: TeamsHarness) -> None:
    teams.say("mine")
    assert teams.app is not None
    with teams.app.sessions() as session:
        ref = session.scalars(select(ConversationRef)).one()
        person = session.get(Person, ref.person_id)
        assert person is not None and (person.platform, person.external_id) == ("teams", KARI.aad)
    assert ref.kind == "personal" and ref.conversation_id == PERSONAL


@pytest.mark.parametrize(
    "text",
    ["hjelp", "parter", "liste alle", "mine", "vis 1", "når er neste høstmøte?", "lsite", "frist 1"],
)
def test_teams_reaches_the_same_handlers_as_every_adapter(teams: TeamsHarness, text: str) -> None:
    """Commands and questions in plain words give Teams exactly what the handlers answer anyone."""
    teams.say("ny KS: Kalle inn til høstmøtet innen 1. september")
    assert teams.app is not None
    # The same handlers, in the same kind of conversation (a 1:1 chat: commands are shown without a prefix).
    expected = teams.app.handle(text, Actor("teams", KARI.aad, KARI.name),
                                configure=lambda ctx: setattr(ctx, "conversation_kind", "personal"))
    got = teams.say(text)
    assert [texts(c) for c in got] == [texts(c) for c in card_renderer.render(expected, source=text)]


def test_membership_gives_a_teams_user_their_parties(teams: TeamsHarness) -> None:
    teams.say("ny Vestland: Svare på høring innen 1. mars")
    refused = texts(teams.say("ferdig 1")[0])
    assert "Bare medlemmer" in refused
    assert "Du er nå medlem av Vestland fylkeskommune" in texts(teams.say("medlem Vestland")[0])
    assert count(teams, Membership) == 1
    assert "Svare på høring" in texts(teams.say("mine")[0])
    assert "markert som ferdig" in texts(teams.say("ferdig 1")[0])
    assert teams.app is not None
    with teams.app.sessions() as session:
        person = session.scalars(select(Person).where(Person.external_id == KARI.aad)).one()
        assert person.platform == "teams"


def test_admins_are_named_by_their_entra_object_id(teams: TeamsHarness) -> None:
    teams.say("ny AU: Noe som ikke blir noe av")
    assert "administratorer" in texts(teams.say("avbryt 1")[0])
    assert "avbrutt" in texts(teams.say("avbryt 1 Ikke aktuelt", user=OLA)[0])


def test_bad_input_gets_a_norwegian_answer_and_changes_nothing(teams: TeamsHarness) -> None:
    answer = teams.say("ny AU: Sende brev innen 31.02.2027")
    assert count(teams, Action) == 0
    first = answer[0]["body"][0]
    assert color_of(first) == "Attention" and text_of(first).startswith("⚠")
    assert "Traceback" not in json.dumps(answer)

    empty = teams.say("")
    assert "Jeg fikk ingen tekst" in texts(empty[0])

    # A click on a card that is not ours (Action.Submit with foreign data) is explained, not run.
    foreign = message(teams, "")
    foreign["value"] = {"some": "thing"}
    before = len(teams.connector.delivered)
    assert teams.post(foreign).status in (200, 202)
    assert "kan ikke brukes" in texts(teams.connector.delivered[before].cards[0])
    assert count(teams, ActionEvent) == 0


def test_a_redelivered_message_creates_nothing_twice(teams: TeamsHarness) -> None:
    activity = message(teams, "ny AU: Skrive referat")
    assert teams.post(activity).status in (200, 202)
    assert teams.post(activity).status in (200, 202)
    assert count(teams, Action) == 1
    assert "Punkt 1 var allerede registrert" in texts(teams.connector.delivered[-1].cards[0])
    # The same activity id in another conversation is another message.
    other = dict(activity) | {"conversation": dict(activity["conversation"]) | {"id": GROUP, "conversationType": "groupChat"}}
    assert teams.post(other).status in (200, 202)
    assert count(teams, Action) == 2


def test_a_long_reply_becomes_several_cards_and_nothing_is_lost(teams: TeamsHarness) -> None:
    assert teams.app is not None
    admin = Actor("teams", OLA.aad, OLA.name)
    long_text = "Utrede og beskrive ordningen grundig " + "med mange detaljer og vedlegg " * 120
    for n in range(20):
        reply = teams.app.handle(f"ny AU: Sak {n:02d}. {long_text}", admin)
        assert not reply.error, reply.lines
    before = len(teams.connector.delivered)
    teams.say("liste")
    posts = teams.connector.delivered[before:]
    assert len(posts) >= 3
    for call in posts:
        assert len(json.dumps(call.body, ensure_ascii=False).encode()) < 28_000
    everything = "\n".join(texts(card) for call in posts for card in call.cards)
    for n in range(20):
        assert f"Sak {n:02d}." in everything
    assert everything.count("med mange detaljer og vedlegg") == 20 * 120
    assert f"del 2 av {len(posts)}" in texts(posts[1].cards[0])


def test_subscribing_a_teams_channel(teams: TeamsHarness) -> None:
    thread = f"{CHANNEL};messageid=1700000000002"
    answer = teams.say("abonner AU", conversation=thread, kind="channel", mention=True, user=OLA)
    assert teams.app is not None
    with teams.app.sessions() as session:
        sub = session.scalars(select(Subscription)).one()
    assert (sub.platform, sub.channel_id, sub.channel_name) == ("teams", CHANNEL, "Vestland"), texts(answer[0])
