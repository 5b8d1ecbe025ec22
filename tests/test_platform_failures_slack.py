"""Slack channels the bot cannot post in are acted on, not just logged (issue 13).

Over real HTTP against the fake Slack, which answers as Slack's documentation says: `not_in_channel`
for a public channel the bot is not in, `channel_not_found` for a private one (a bot cannot see it),
`is_archived`, and `conversations.join` only for public channels.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery import DeliveryError, Destination
from bot.slack.client import web_client
from bot.slack.delivery import SlackDeliverer
from handlers.core.context import Actor
from handlers.core.replies import Reply
from handlers.reminders import channel_state
from storage.db import transaction
from storage.models import Subscription
from tests.conftest import NOW
from tests.support.fake_slack import FakeSlack
from tests.support.slack_harness import LoopThread, Slack, all_text, loop_fixture, serve, slack_fixture  # noqa: F401

REMINDER = Reply(title="Påminnelse", lines=["Husk å sende innspill innen fredag"], private=False)


class Deliverer:
    """The Slack deliverer alone, against its own fake Slack."""

    def __init__(self, loop: LoopThread) -> None:
        self.loop = loop
        self.fake = FakeSlack()
        self.runner, self.fake.url = loop.run(serve(self.fake.web_app()))

        async def no_sleep(seconds: float) -> None:
            pass

        settings = Settings(slack_bot_token="xoxb-" + secrets.token_hex(8), slack_api_url=self.fake.url + "/api/")
        self.deliverer = SlackDeliverer(web_client(settings, sleep=no_sleep))

    def send(self, destination: Destination, reply: Reply = REMINDER) -> str:
        return self.loop.run(self.deliverer.send(destination, reply))

    def methods(self) -> list[tuple[str, str]]:
        return [(c.method, str(c.result.get("error") or "ok")) for c in self.fake.calls]


@pytest.fixture
def deliverer(loop_thread: LoopThread) -> Iterator[Deliverer]:
    harness = Deliverer(loop_thread)
    yield harness
    loop_thread.run(harness.runner.cleanup())


# --- delivery ------------------------------------------------------------------------------------


def test_a_public_channel_the_bot_is_not_in_is_joined_and_the_reminder_delivered(deliverer: Deliverer) -> None:
    deliverer.fake.add_channel("C0PUB", "samhandling")
    message_id = deliverer.send(Destination("slack", "C0PUB"))
    assert deliverer.methods() == [("chat.postMessage", "not_in_channel"), ("conversations.join", "ok"),
                                   ("chat.postMessage", "ok")]
    assert message_id == f"C0PUB:{deliverer.fake.calls[-1].result['ts']}"
    assert deliverer.fake.channels["C0PUB"].member
    # Once in, the next reminder goes straight there.
    deliverer.send(Destination("slack", "C0PUB"))
    assert [m for m, _ in deliverer.methods()[3:]] == ["chat.postMessage"]


def test_a_private_channel_the_bot_is_not_in_is_a_permanent_failure_with_its_code(deliverer: Deliverer) -> None:
    deliverer.fake.add_channel("C0PRIV", "au-intern", private=True)
    with pytest.raises(DeliveryError) as failed:
        deliverer.send(Destination("slack", "C0PRIV"))
    assert failed.value.permanent and failed.value.code == "channel_not_found"
    # Joining is not even tried: Slack named no channel the bot could join.
    assert deliverer.methods() == [("chat.postMessage", "channel_not_found")]


def test_a_public_channel_the_bot_may_not_join_is_a_permanent_not_in_channel(deliverer: Deliverer) -> None:
    # An installation from before channels:join was added to the manifest.
    deliverer.fake.add_channel("C0PUB", "samhandling")
    deliverer.fake.errors["conversations.join"] = "missing_scope"
    with pytest.raises(DeliveryError) as failed:
        deliverer.send(Destination("slack", "C0PUB"))
    assert failed.value.permanent and failed.value.code == "not_in_channel"
    assert deliverer.methods() == [("chat.postMessage", "not_in_channel"), ("conversations.join", "missing_scope")]


def test_a_channel_that_still_refuses_after_joining_is_not_joined_again(deliverer: Deliverer) -> None:
    deliverer.fake.add_channel("C0PUB", "samhandling")
    deliverer.fake.errors["chat.postMessage"] = "not_in_channel"  # e.g. removed again at once
    with pytest.raises(DeliveryError) as failed:
        deliverer.send(Destination("slack", "C0PUB"))
    assert failed.value.code == "not_in_channel" and failed.value.permanent
    assert [m for m, _ in deliverer.methods()] == ["chat.postMessage", "conversations.join", "chat.postMessage"]


def test_archived_and_deleted_channels_are_named(deliverer: Deliverer) -> None:
    deliverer.fake.add_channel("C0OLD", "gammel", member=True, archived=True)
    deliverer.fake.add_channel("C0GONE", "borte", member=True)
    deliverer.fake.delete_channel("C0GONE")
    with pytest.raises(DeliveryError) as archived:
        deliverer.send(Destination("slack", "C0OLD"))
    with pytest.raises(DeliveryError) as gone:
        deliverer.send(Destination("slack", "C0GONE"))
    assert (archived.value.permanent, archived.value.code) == (True, "is_archived")
    assert (gone.value.permanent, gone.value.code) == (True, "channel_not_found")
    assert "conversations.join" not in [m for m, _ in deliverer.methods()]


def test_rate_limits_and_server_errors_stay_transient_without_a_code(deliverer: Deliverer) -> None:
    deliverer.fake.fail_next("chat.postMessage", status=429, retry_after=90, times=10)
    with pytest.raises(DeliveryError) as limited:
        deliverer.send(Destination("slack", "C0AU"))
    assert (limited.value.permanent, limited.value.retry_after, limited.value.code) == (False, 90, None)
    deliverer.fake._failures.clear()
    deliverer.fake.fail_next("chat.postMessage", status=500, times=10)
    with pytest.raises(DeliveryError) as broken:
        deliverer.send(Destination("slack", "C0AU"))
    assert (broken.value.permanent, broken.value.code) == (False, None)


# --- the person who subscribed a broken channel is told ------------------------------------------


def test_the_subscriber_of_a_broken_channel_gets_a_direct_message_once(deliverer: Deliverer, app) -> None:  # type: ignore[no-untyped-def]
    app.handle("/oppfølging abonner AU", Actor("slack", "UADMIN"), configure=_in_channel("C0PRIV", "au-intern"))
    naive = NOW.replace(tzinfo=None)
    with transaction(app.sessions) as session:
        notices = channel_state.mark_broken(session, "slack", "C0PRIV", "channel_not_found", NOW)
    # The engine claims each notice as a direct message to the subscriber (handlers.reminders.failures);
    # sent through the real Slack deliverer it opens the DM and posts there.
    (notice,) = notices
    assert (notice.platform, notice.person) == ("slack", "UADMIN")
    deliverer.loop.run(deliverer.deliverer.send(Destination("slack", notice.person, "user"), notice.reply))
    assert deliverer.fake.of("conversations.open")[0].params["users"] == "UADMIN"
    (dm,) = deliverer.fake.of("chat.postMessage")
    assert dm.params["channel"] == "DUADMIN"
    text = all_text(dm.params["blocks"])
    assert "au-intern" in text and "`/invite @Oppfølging`" in text and "Arbeidsutvalget" in text
    with app.sessions() as session:
        (row,) = session.scalars(select(Subscription)).all()
        assert row.broken_at == naive and row.broken_reason == "channel_not_found"

    # A second failure keeps the first time and tells nobody again.
    with transaction(app.sessions) as session:
        assert channel_state.mark_broken(session, "slack", "C0PRIV", "channel_not_found",
                                         NOW + timedelta(days=1)) == []
    with app.sessions() as session:
        assert session.scalars(select(Subscription)).one().broken_at == naive


def _in_channel(channel: str, name: str):  # type: ignore[no-untyped-def]
    def configure(ctx) -> None:  # type: ignore[no-untyped-def]
        ctx.channel, ctx.channel_name = channel, name

    return configure


# --- the check when a channel subscribes ---------------------------------------------------------


def subscription(slack: Slack, channel: str) -> Subscription | None:
    with slack.app.sessions() as session:
        return session.scalar(select(Subscription).where(Subscription.channel_id == channel))


def answer(slack: Slack, count: int) -> str:
    body = slack.fake.wait_responses(count)[count - 1]
    return all_text(body.get("blocks") or []) + "\n" + body.get("text", "")


def test_subscribing_a_public_channel_the_bot_is_not_in_joins_it(slack: Slack) -> None:
    slack.fake.add_channel("C0PUB", "samhandling")
    slack.command("abonner AU", user="UADMIN", channel="C0PUB", channel_name="samhandling")
    text = answer(slack, 1)
    assert "Jeg har blitt med i kanalen" in text
    assert slack.fake.of("conversations.join")[0].params["channel"] == "C0PUB"
    row = subscription(slack, "C0PUB")
    assert row is not None and row.broken_at is None


def test_subscribing_a_private_channel_the_bot_is_not_in_says_to_invite_it(slack: Slack) -> None:
    slack.fake.add_channel("C0PRIV", "au-intern", private=True)
    slack.command("abonner AU", user="UADMIN", channel="C0PRIV", channel_name="au-intern")
    text = answer(slack, 1)
    assert "`/invite @Oppfølging`" in text and "/oppfølging abonner au" in text
    assert slack.fake.of("conversations.join") == []  # a private channel cannot be joined, only invited to
    row = subscription(slack, "C0PRIV")
    assert row is not None and row.broken_at == slack.now.replace(tzinfo=None)
    assert row.broken_reason == "not_in_channel"

    # Invited, the command typed again: the check succeeds and the mark is gone.
    slack.fake.invite_bot("C0PRIV")
    slack.command("abonner AU", user="UADMIN", channel="C0PRIV", channel_name="au-intern")
    again = answer(slack, 2)
    assert "abonnerer allerede" in again and "påminnelsene kommer hit igjen" in again
    row = subscription(slack, "C0PRIV")
    assert row is not None and row.broken_at is None and row.broken_reason is None


def test_subscribing_an_archived_channel_is_refused_and_stores_nothing(slack: Slack) -> None:
    slack.fake.add_channel("C0OLD", "gammel", member=True, archived=True)
    slack.command("abonner AU", user="UADMIN", channel="C0OLD", channel_name="gammel")
    text = answer(slack, 1)
    assert "arkivert" in text and "Ingenting er endret" in text
    assert subscription(slack, "C0OLD") is None
    assert slack.fake.of("conversations.join") == []


def test_subscribing_where_the_bot_already_is_adds_nothing_to_the_reply(slack: Slack) -> None:
    slack.fake.add_channel("C0AU", "au-kanalen", member=True)
    slack.command("abonner AU", user="UADMIN", channel="C0AU", channel_name="au-kanalen")
    text = answer(slack, 1)
    assert "invite" not in text and "blitt med" not in text
    assert [c.method for c in slack.fake.calls if c.method.startswith("conversations.")] == ["conversations.info"]
    row = subscription(slack, "C0AU")
    assert row is not None and row.broken_at is None


def test_a_failed_subscription_command_checks_nothing_further(slack: Slack) -> None:
    slack.fake.add_channel("C0PUB", "samhandling")
    slack.command("abonner Vestlandet", user="UADMIN", channel="C0PUB", channel_name="samhandling")
    assert "⚠️" in answer(slack, 1)
    assert slack.fake.of("conversations.join") == []
    assert not slack.fake.channels["C0PUB"].member
