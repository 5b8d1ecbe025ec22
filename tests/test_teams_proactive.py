"""Proactive messages in Teams: stored conversation references, restarts, 1:1 chats, retries and errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.delivery import DeliveryError, Destination
from bot.teams.retry import RetryPolicy, retry_after
from handlers.core.replies import Reply, Section
from storage.models import ConversationRef, Person
from tests.conftest import NOW
from tests.support.teams_harness import (
    BOT,
    BOT_TOKEN,
    CHANNEL,
    KARI,
    OLA,
    PERSONAL,
    TENANT,
    TeamsHarness,
    base_activity,
    installed,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)

REMINDER = Reply(title="Påminnelse: frist om tre dager", lines=["Punkt 1 «Sende brev til KDD» har frist 26. november."])


def references(h: TeamsHarness) -> dict[str, ConversationRef]:
    assert h.app is not None
    with h.app.sessions() as session:
        return {r.conversation_id: r for r in session.scalars(select(ConversationRef))}


def restart(h: TeamsHarness) -> None:
    h.stop()
    h.connector.clear()
    h.start()


def test_install_in_a_channel_then_post_there_after_a_restart(teams: TeamsHarness) -> None:
    response = teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    assert response.status in (200, 202)
    assert "Hei! Jeg er Oppfølging" in texts(teams.connector.delivered[-1].cards[0])
    assert set(references(teams)) == {CHANNEL}

    restart(teams)
    message_id = teams.deliver(Destination("teams", CHANNEL), REMINDER)

    (post,) = teams.connector.delivered
    assert post.conversation_id == CHANNEL and post.activity_id is None  # a new post, not a thread reply
    assert post.authorization == f"Bearer {BOT_TOKEN}"
    assert message_id == post.answer_id
    assert "Påminnelse: frist om tre dager" in texts(post.cards[0])
    assert post.body["summary"] == "Påminnelse: frist om tre dager"
    assert post.body["from"]["id"] == BOT["id"]


def test_installation_update_stores_and_removal_forgets(teams: TeamsHarness) -> None:
    add = base_activity(teams, conversation=CHANNEL, kind="channel") | {"type": "installationUpdate", "action": "add"}
    teams.post(add)
    assert set(references(teams)) == {CHANNEL}
    remove = base_activity(teams, conversation=CHANNEL, kind="channel") | {"type": "installationUpdate",
                                                                           "action": "remove"}
    teams.post(remove)
    assert references(teams) == {}
    with pytest.raises(DeliveryError) as failed:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert failed.value.permanent


def test_removing_the_bot_from_a_chat_forgets_it(teams: TeamsHarness) -> None:
    teams.say("hjelp", conversation=CHANNEL, kind="channel")
    assert CHANNEL in references(teams)
    removed = base_activity(teams, conversation=CHANNEL, kind="channel") | {
        "type": "conversationUpdate", "membersRemoved": [{"id": BOT["id"]}]}
    teams.post(removed)
    assert CHANNEL not in references(teams)


def test_a_person_is_reached_in_their_personal_chat(teams: TeamsHarness) -> None:
    teams.say("hjelp", user=KARI)
    restart(teams)
    teams.deliver(Destination("teams", KARI.aad, kind="user"), REMINDER)
    (post,) = teams.connector.delivered
    assert post.conversation_id == PERSONAL
    assert post.body["recipient"]["aadObjectId"] == KARI.aad
    assert teams.connector.created == []


def test_a_personal_chat_is_opened_when_none_is_known(teams: TeamsHarness) -> None:
    teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    restart(teams)
    teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)
    (create,) = teams.connector.created
    assert create.body["members"] == [{"id": OLA.aad}]
    assert create.body["tenantId"] == TENANT and create.body["bot"]["id"] == BOT["id"]
    assert create.authorization == f"Bearer {BOT_TOKEN}"
    (post,) = teams.connector.delivered
    assert post.conversation_id.startswith("a:new-personal-")
    assert "Påminnelse" in texts(post.cards[0])

    refs = references(teams)
    assert refs[post.conversation_id].kind == "personal"
    assert teams.app is not None
    with teams.app.sessions() as session:
        person = session.get(Person, refs[post.conversation_id].person_id)
        assert person is not None and person.external_id == OLA.aad

    # The next time, and after a restart, the stored chat is used.
    restart(teams)
    teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)
    assert teams.connector.created == []
    assert teams.connector.delivered[-1].conversation_id == post.conversation_id


def test_unknown_destinations_are_permanent_errors(teams: TeamsHarness) -> None:
    with pytest.raises(DeliveryError) as no_conversation:
        teams.deliver(Destination("teams", "19:never-seen@thread.tacv2"), REMINDER)
    assert no_conversation.value.permanent
    with pytest.raises(DeliveryError) as nobody_known:
        teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)
    assert nobody_known.value.permanent
    assert teams.connector.calls == []


def test_a_long_reminder_is_split_and_the_first_id_returned(teams: TeamsHarness) -> None:
    teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    teams.connector.clear()
    digest = Reply(title="Ukens oversikt", sections=[Section(title="Åpne punkter", lines=[
        f"Punkt {n}: " + "en lang beskrivelse av hva som skal gjøres " * 30 for n in range(40)])])
    first = teams.deliver(Destination("teams", CHANNEL), digest)
    posts = teams.connector.delivered
    assert len(posts) >= 2
    assert first == posts[0].answer_id
    everything = "\n".join(texts(c) for p in posts for c in p.cards)
    assert all(f"Punkt {n}:" in everything for n in range(40))


# --- retries and throttling ----------------------------------------------------------------------


def channel_ready(h: TeamsHarness) -> None:
    h.post(installed(h, conversation=CHANNEL, kind="channel"))
    h.connector.clear()
    h.waits.clear()


def test_transient_errors_are_retried_with_backoff(teams: TeamsHarness) -> None:
    channel_ready(teams)
    teams.connector.fail_next(2, status=500)
    teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert [c.status for c in teams.connector.calls] == [500, 500, 200]
    assert teams.waits == [0.5, 1.0]
    assert len(teams.connector.delivered) == 1


def test_throttling_honours_retry_after(teams: TeamsHarness) -> None:
    channel_ready(teams)
    teams.connector.fail_next(1, status=429, retry_after="3")
    teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert [c.status for c in teams.connector.calls] == [429, 200]
    assert teams.waits == [3.0]


def test_a_message_past_the_documented_rate_waits_and_goes(teams: TeamsHarness) -> None:
    """The fake keeps Microsoft's limits (7 in 1 s per conversation) on its own clock, which here moves
    only with the deliverer's waits: seven messages at once go, the eighth is refused with 429 and
    sent after its Retry-After."""
    channel_ready(teams)
    teams.connector.clear()
    teams.connector.rate_limits = True
    teams.connector.clock = lambda: sum(teams.waits)
    for _ in range(8):
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert [c.status for c in teams.connector.calls] == [200] * 7 + [429, 200]
    assert teams.connector.limited == 1 and teams.waits == [1.0]
    assert len(teams.connector.delivered) == 8


def test_messages_share_kept_open_connections(teams: TeamsHarness) -> None:
    """The SDK makes a client per turn; the clients share one pool of connections, so messages sent
    one after another go over the same TCP (and, against Teams, TLS) connection."""
    channel_ready(teams)
    teams.connector.clear()
    for _ in range(4):
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert len(teams.connector.delivered) == 4
    assert len({call.connection for call in teams.connector.delivered}) == 1


def test_a_long_throttle_is_handed_back_to_the_caller(teams: TeamsHarness) -> None:
    channel_ready(teams)
    teams.connector.fail_next(1, status=429, retry_after="120")
    with pytest.raises(DeliveryError) as throttled:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert throttled.value.retry_after == 120 and not throttled.value.permanent
    assert teams.waits == [] and len(teams.connector.calls) == 1


def test_giving_up_after_repeated_failures(teams: TeamsHarness) -> None:
    channel_ready(teams)
    teams.connector.fail_next(4, status=503)
    with pytest.raises(DeliveryError) as failed:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert not failed.value.permanent and failed.value.retry_after is None
    assert len(teams.connector.calls) == 4 and teams.waits == [0.5, 1.0, 2.0]


def test_a_removed_bot_is_a_permanent_failure(teams: TeamsHarness) -> None:
    channel_ready(teams)
    teams.connector.fail_next(1, status=403)
    with pytest.raises(DeliveryError) as forbidden:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert forbidden.value.permanent and len(teams.connector.calls) == 1
    # Retired: the next reminder is not posted there again (not even from the deliverer's short-lived copy).
    with pytest.raises(DeliveryError) as again:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert again.value.permanent and len(teams.connector.calls) == 1


def test_a_round_reads_a_conversation_once_and_again_after_a_change(teams: TeamsHarness) -> None:
    teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    assert teams.app is not None
    reads: list[str] = []

    @event.listens_for(teams.app.engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "FROM conversation_refs" in statement:
            reads.append(statement)

    teams.connector.clear()
    for _ in range(3):
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert len(teams.connector.delivered) == 3
    assert len(reads) == 1  # one database read for the three messages of a round
    # The app is removed from the channel: the next reminder is refused, not posted from the copy.
    teams.post(base_activity(teams, conversation=CHANNEL, kind="channel")
               | {"type": "installationUpdate", "action": "remove"})
    with pytest.raises(DeliveryError) as failed:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert failed.value.permanent and len(teams.connector.delivered) == 3


def test_answers_to_users_are_retried_too(teams: TeamsHarness) -> None:
    teams.connector.fail_next(1, status=429, retry_after="1")
    cards = teams.say("hjelp")
    assert "Oppfølging – hjelp" in texts(cards[0])
    assert teams.waits == [1.0]


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after({"Retry-After": "7"}, NOW) == 7
    later = NOW + timedelta(seconds=90)
    assert retry_after({"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")}, NOW) == 90
    assert retry_after({"Retry-After": "Mon, 01 Jan 2001 00:00:00 GMT"}, NOW) == 0
    assert retry_after({"Retry-After": "soon"}, NOW) is None
    assert retry_after({}, NOW) is None
    assert [RetryPolicy().backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
