"""Slack end to end: App Home, mentions, direct messages, channel subscriptions and the signature check."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.slack.service import AppClock
from handlers.core.context import Actor
from storage.models import Action, Meeting
from tests.conftest import NOW
from tests.support.slack_harness import LoopThread, Slack, all_text, buttons, loop_fixture, slack_fixture  # noqa: F401

ADMIN = Actor("console", "local", "lokal operatør")
FIXTURES = Path(__file__).parent / "fixtures" / "slack"


def add(slack: Slack, text: str, *, now: datetime | None = None) -> int:
    reply = slack.app.handle(f"/oppfølging ny {text}", ADMIN, now=now)
    assert not reply.error, reply.lines
    return reply.data["action"]["id"]


def count_actions(slack: Slack) -> int:
    with slack.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def home_opened(slack: Slack, user: str = "U0KARI", tab: str = "home") -> tuple[int, str]:
    return slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab,
                        "event_ts": "1790000000.000100"})


# --- App Home --------------------------------------------------------------------------------------


def test_home_shows_my_actions_overdue_first_and_the_next_meetings(slack: Slack) -> None:
    later = add(slack, "AU: Lage budsjett innen 20. januar")
    overdue = add(slack, "AU: Sende referat innen 10.11.2026", now=NOW - timedelta(days=30))
    add(slack, "KDD: Ikke mitt ansvar innen 15. januar")
    with slack.app.sessions() as session:
        session.add(Meeting(kind="national-spring", title="Vårmøtet 2027", starts_at=datetime(2027, 3, 10, 9, 0),
                            place="Gardermoen", status="scheduled", created_at=NOW.replace(tzinfo=None),
                            updated_at=NOW.replace(tzinfo=None)))
        session.commit()
    slack.app.handle("/oppfølging medlem AU", Actor("slack", "U0KARI"))

    status, _ = home_opened(slack)
    assert status == 200
    call = slack.fake.wait_calls("views.publish")[0]
    assert call.params["user_id"] == "U0KARI"
    view = call.params["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert view["blocks"][0]["text"]["text"] == "Mine oppfølgingspunkter"
    text = all_text(view["blocks"])
    assert text.index(f"#{overdue}*") < text.index(f"#{later}*")
    assert "Ikke mitt ansvar" not in text
    assert "Neste møter" in text and "onsdag 10. mars 2027 kl. 10.00* – Vårmøtet 2027, Gardermoen" in text
    assert set(buttons(view["blocks"], later)) == {"Ferdig", "Utsett", "Kommenter", "Vis"}


def test_home_button_publishes_the_home_again(slack: Slack) -> None:
    action_id = add(slack, "AU: Lage budsjett innen 20. januar")
    slack.app.handle("/oppfølging medlem AU", Actor("slack", "U0KARI"))
    home_opened(slack)
    view = slack.fake.wait_calls("views.publish")[0].params["view"]
    slack.click(buttons(view["blocks"], action_id)["Ferdig"], home_view=view)
    again = slack.fake.wait_calls("views.publish", 2)[1].params["view"]
    text = all_text(again["blocks"])
    assert "Punkt 1 er markert som ferdig" in text and f"#{action_id}*" not in text
    assert slack.fake.responses == []


def test_the_messages_tab_publishes_nothing(slack: Slack) -> None:
    home_opened(slack, tab="messages")
    slack.settle()
    assert slack.fake.of("views.publish") == []


# --- mentions and direct messages --------------------------------------------------------------


def test_a_mention_reaches_the_handlers_and_answers_privately_or_in_the_channel(slack: Slack) -> None:
    slack.event({"type": "app_mention", "user": "U0KARI", "channel": "C0FORUM", "text": "<@UBOT> liste",
                 "ts": "1790000000.000200"})
    private = slack.fake.wait_calls("chat.postEphemeral")[0].params
    assert (private["channel"], private["user"]) == ("C0FORUM", "U0KARI")
    assert "Oppfølgingspunkter" in all_text(private["blocks"])

    mention = {"type": "app_mention", "user": "U0KARI", "channel": "C0FORUM", "thread_ts": "1790000000.000300",
               "text": "<@UBOT> ny AU: Sende program til deltakerne innen 1. februar", "ts": "1790000000.000400"}
    slack.event(mention, event_id="Ev0MENTION")
    public = slack.fake.wait_calls("chat.postMessage")[0].params
    assert public["channel"] == "C0FORUM" and public["thread_ts"] == "1790000000.000300"
    assert "Registrert som punkt 1" in public["text"]
    # Slack retries an event it thinks was lost (a new request, so a new timestamp and signature):
    # the action is not created twice, and the retry gets no second answer (tests/test_slack_retries.py).
    slack.now += timedelta(seconds=1)
    slack.event(mention, event_id="Ev0MENTION", retry=1)
    slack.settle()
    assert len(slack.fake.of("chat.postMessage")) == 1
    assert count_actions(slack) == 1


def _stored_texts(slack: Slack) -> list[str]:
    with slack.app.sessions() as session:
        return list(session.scalars(select(Action.text).order_by(Action.id)))


def test_escaped_mention_text_is_stored_as_the_person_meant_it(slack: Slack) -> None:
    """The app_mention fixture follows Slack's documented escaping: &amp;, &lt;, &gt;, mentions,
    channels and links arrive as markup and are stored as plain text, once, and shown unescaped."""
    fixture = json.loads((FIXTURES / "app_mention_escaped.json").read_text(encoding="utf-8"))
    slack.fake.names["U0OLA0001"] = "Ola Nordmann"
    event = {**fixture["event"], "text": fixture["event"]["text"].replace("<@U0BOT0001>", "<@UBOT>")}
    slack.event(event, event_id=fixture["event_id"])
    public = slack.fake.wait_calls("chat.postMessage")[0].params
    assert _stored_texts(slack) == [
        "Møte med KS & KDD om <budsjett> – se notatet (https://example.no/notat?a=1&b=2), "
        "spør @Ola Nordmann i #styringsgruppe"
    ]
    with slack.app.sessions() as session:
        action = session.scalars(select(Action)).one()
        assert action.deadline is not None and action.deadline.isoformat() == "2027-06-15"
    # Shown once escaped for Slack (so it reads "KS & KDD"), never twice ("&amp;amp;").
    shown = all_text(public["blocks"])
    assert "KS &amp; KDD om &lt;budsjett&gt;" in shown and "&amp;amp;" not in shown


def test_escaped_slash_command_text_is_stored_as_meant(slack: Slack) -> None:
    """Slash commands are escaped too; with escaping on, mentions come as <@U…|name>."""
    slack.command("ny AU: Budsjett for 2027 &amp; 2028 – ta med <@U0OLA0001|ola> og <#C0STYRE01|styret> innen 15.06.2027")
    answer = slack.fake.wait_responses(1)[0]
    assert "Registrert som punkt 1" in answer["text"]
    assert _stored_texts(slack) == ["Budsjett for 2027 & 2028 – ta med @ola og #styret"]


def test_a_direct_message_reaches_the_handlers(slack: Slack) -> None:
    slack.event({"type": "message", "channel_type": "im", "user": "U0KARI", "channel": "D0KARI",
                 "text": "hjelp", "ts": "1790000000.000500"})
    answer = slack.fake.wait_calls("chat.postMessage")[0].params
    assert answer["channel"] == "D0KARI"
    assert "Oppfølging – hjelp" in all_text(answer["blocks"])


def test_messages_that_are_not_commands_to_the_bot_are_ignored(slack: Slack) -> None:
    for event in (
        {"type": "message", "channel_type": "im", "user": "U0KARI", "channel": "D0KARI", "subtype": "message_changed",
         "text": "ny AU: Skal ikke lagres"},
        {"type": "message", "channel_type": "im", "bot_id": "BOTHER", "user": "U0OTHER", "channel": "D0KARI",
         "text": "ny AU: Skal ikke lagres"},
        {"type": "message", "channel_type": "im", "user": "UBOT", "channel": "D0KARI", "text": "ny AU: Skal ikke lagres"},
    ):
        assert slack.event(event)[0] == 200
    slack.settle()
    assert slack.fake.of("chat.postMessage") == [] and count_actions(slack) == 0


def test_ny_in_a_direct_message_offers_a_button_that_opens_the_form(slack: Slack) -> None:
    slack.event({"type": "message", "channel_type": "im", "user": "U0KARI", "channel": "D0KARI", "text": "ny"})
    message = slack.fake.wait_calls("chat.postMessage")[0].params
    open_button = buttons(message["blocks"])["Åpne skjema"]
    slack.click(open_button, channel="D0KARI", message={"text": message["text"], "blocks": message["blocks"]})
    view = slack.fake.opened_view()
    assert view["title"]["text"] == "Nytt oppfølgingspunkt"


# --- subscriptions (the commands live in handlers.subscription_commands) ------------------------


def test_subscriptions_use_the_slack_channel(slack: Slack) -> None:
    slack.app.handle("/oppfølging medlem AU", Actor("slack", "U0KARI"))
    slack.command("abonner AU", channel="C0AUKANAL", channel_name="au-kanalen")
    first = slack.fake.wait_responses(1)[0]
    assert not first["text"].startswith("⚠️"), first
    slack.command("abonnementer", channel="C0AUKANAL", channel_name="au-kanalen")
    listing = all_text(slack.fake.wait_responses(2)[1]["blocks"])
    assert "Arbeidsutvalget" in listing or "AU" in listing
    from storage.models import Subscription

    with slack.app.sessions() as session:
        rows = session.scalars(select(Subscription)).all()
        assert [(r.platform, r.channel_id, r.channel_name) for r in rows] == [("slack", "C0AUKANAL", "au-kanalen")]
    slack.command("avslutt-abonnement AU", channel="C0AUKANAL", channel_name="au-kanalen")
    slack.fake.wait_responses(3)
    with slack.app.sessions() as session:
        assert session.scalars(select(Subscription)).all() == []


# --- the signature check -----------------------------------------------------------------------


def new_action_body(slack: Slack) -> str:
    return urllib.parse.urlencode({
        "command": "/oppfølging", "text": "ny AU: Forfalsket forespørsel", "user_id": "U0EVIL", "user_name": "evil",
        "channel_id": "C0FORUM", "team_id": "T0001", "trigger_id": "1.1.evil", "response_url": slack.fake.response_url(),
    })


def test_a_wrong_signature_gets_401_and_changes_nothing(slack: Slack) -> None:
    body = new_action_body(slack)
    status, _ = slack.post(body, "application/x-www-form-urlencoded", secret="not-the-signing-secret")
    assert status == 401
    status, _ = slack.post(body, "application/x-www-form-urlencoded", headers={"X-Slack-Signature": "v0=00"})
    assert status == 401
    status, _ = slack.post(body, "application/x-www-form-urlencoded", headers={"X-Slack-Request-Timestamp": "soon"})
    assert status == 401
    slack.settle()
    assert count_actions(slack) == 0 and slack.fake.calls == []


def test_a_timestamp_older_than_five_minutes_gets_401(slack: Slack) -> None:
    body = new_action_body(slack)
    status, _ = slack.post(body, "application/x-www-form-urlencoded", timestamp=slack.timestamp - 301)
    assert status == 401
    # …while the same request signed now is accepted (and acknowledged at once).
    status, _ = slack.post(body, "application/x-www-form-urlencoded", timestamp=slack.timestamp - 10)
    assert status == 200
    slack.settle()
    assert count_actions(slack) == 1


# Slack's published example (docs: "Verifying requests from Slack").
EXAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EXAMPLE_TIMESTAMP = 1531420618
EXAMPLE_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_slacks_published_example_passes_the_check_at_its_time() -> None:
    verifier = SignatureVerifier(EXAMPLE_SECRET, clock=AppClock(lambda: float(EXAMPLE_TIMESTAMP + 30)))
    assert verifier.is_valid(EXAMPLE_BODY, str(EXAMPLE_TIMESTAMP), EXAMPLE_SIGNATURE)
    assert not verifier.is_valid(EXAMPLE_BODY.replace("foobar", "foobaz"), str(EXAMPLE_TIMESTAMP), EXAMPLE_SIGNATURE)
    later = SignatureVerifier(EXAMPLE_SECRET, clock=AppClock(lambda: float(EXAMPLE_TIMESTAMP + 301)))
    assert not later.is_valid(EXAMPLE_BODY, str(EXAMPLE_TIMESTAMP), EXAMPLE_SIGNATURE)


def test_slacks_published_example_is_accepted_by_the_service(loop_thread: LoopThread, db_url: str) -> None:
    harness = Slack(loop_thread, db_url, secret=EXAMPLE_SECRET,
                    now=datetime.fromtimestamp(EXAMPLE_TIMESTAMP, UTC))
    try:
        headers: dict[str, Any] = {"X-Slack-Request-Timestamp": str(EXAMPLE_TIMESTAMP),
                                   "X-Slack-Signature": EXAMPLE_SIGNATURE}
        status, _ = harness.post(EXAMPLE_BODY, "application/x-www-form-urlencoded", headers=headers)
        # Past the check; no listener for /webhook-collect, so bolt answers 404, not 401.
        assert status == 404
        status, _ = harness.post(EXAMPLE_BODY + "x", "application/x-www-form-urlencoded", headers=headers)
        assert status == 401
    finally:
        harness.close()


def test_the_events_url_verification_is_answered(slack: Slack) -> None:
    import json

    status, body = slack.post(json.dumps({"token": "legacy-unused", "challenge": "utfordring-123",
                                          "type": "url_verification"}), "application/json")
    assert status == 200 and "utfordring-123" in body


def test_a_signed_but_unreadable_body_is_refused_cleanly(slack: Slack) -> None:
    form = "application/x-www-form-urlencoded"
    assert slack.post("payload=%7Bbroken", form)[0] == 400
    assert slack.post("payload=%5B1%5D", form)[0] == 400
    assert slack.post("{broken", "application/json")[0] == 400
    assert count_actions(slack) == 0
