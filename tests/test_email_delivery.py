"""E-mail through a real SMTP server (aiosmtpd on 127.0.0.1): the deliverer's answers to what the
server says, TLS and logins, and the reminder engine sending, retrying and giving up through the
real command line (`oppfolging reminders run --now …`, `oppfolging digest`)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import delivery
from bot.cli import main
from bot.delivery import DeliveryError, Destination
from bot.email.config import parse
from bot.email.deliverer import EmailDeliverer
from handlers.core.replies import Button, Reply
from storage.db import transaction
from storage.models import Notification, Party, Subscription
from tests.support.fake_delivery import new_action
from tests.support.smtp_server import Certificate, SmtpServer, free_port, self_signed

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)
FROM = "oppfolging@example.no"
TO = "post@vestland.no"
REPLY = Reply(title="Påminnelse: frist i dag", lines=["Frist: onsdag 20. januar 2027"],
              buttons=[Button("Ferdig", "ferdig 12")])


@pytest.fixture(autouse=True)
def no_email_deliverer() -> Iterator[None]:
    """The registry is process-wide: the CLI registers the e-mail deliverer; take it away again."""
    before = delivery.DELIVERERS.get("email")
    yield
    if before is None:
        delivery.DELIVERERS.pop("email", None)
    else:
        delivery.DELIVERERS["email"] = before


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"))


def send(deliverer: EmailDeliverer, address: str = TO, reply: Reply = REPLY) -> str:
    return asyncio.run(deliverer.send(Destination("email", address, "user"), reply))


def all_closed(server: SmtpServer) -> bool:
    """The server saw every connection closed (it learns of a close asynchronously)."""
    deadline = time.monotonic() + 5
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.open_connections == 0


# --- the deliverer against the server -------------------------------------------------------------------


def test_a_message_is_delivered_and_the_connection_closed(smtp: SmtpServer) -> None:
    deliverer = EmailDeliverer(parse(smtp.url(), FROM))
    message_id = send(deliverer)
    [received] = smtp.messages
    assert received.mail_from == FROM and received.rcpt_tos == [TO] and not received.tls
    message = received.message
    assert message["Message-ID"] == message_id and message_id.endswith("@example.no>")
    assert message["Subject"] == "Påminnelse: frist i dag" and message["From"] == "Oppfølging <oppfolging@example.no>"
    assert "Ferdig: /oppfølging ferdig 12" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    send(deliverer)
    assert smtp.connections == 2 and all_closed(smtp)  # one connection per message, none left open


def test_a_5xx_for_the_recipient_is_permanent(smtp: SmtpServer) -> None:
    smtp.refuse_address("ukjent@vestland.no", "550 5.1.1 <ukjent@vestland.no>: Recipient address rejected")
    with pytest.raises(DeliveryError) as caught:
        send(EmailDeliverer(parse(smtp.url(), FROM)), "ukjent@vestland.no")
    assert caught.value.permanent and caught.value.code == "mailbox"
    assert "550" in str(caught.value) and smtp.messages == [] and all_closed(smtp)


def test_a_4xx_is_transient(smtp: SmtpServer) -> None:
    smtp.fail_transiently(TO, 1)
    deliverer = EmailDeliverer(parse(smtp.url(), FROM))
    with pytest.raises(DeliveryError) as caught:
        send(deliverer)
    assert not caught.value.permanent and caught.value.code is None and "451" in str(caught.value)
    send(deliverer)  # the server accepts it the second time
    assert len(smtp.received_by(TO)) == 1 and all_closed(smtp)


def test_an_unreachable_or_silent_server_is_transient() -> None:
    with pytest.raises(DeliveryError) as refused:
        send(EmailDeliverer(parse(f"smtp://127.0.0.1:{free_port()}", FROM)))
    assert not refused.value.permanent and "unreachable" in str(refused.value)
    # A server that accepts the connection and never greets: the timeout ends the attempt.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(DeliveryError) as silent:
            send(EmailDeliverer(parse(f"smtp://127.0.0.1:{port}?timeout=1", FROM)))
    assert not silent.value.permanent and "timed out" in str(silent.value)


def test_a_send_the_engine_stopped_waiting_for_is_not_completed_later(smtp: SmtpServer) -> None:
    """The engine's send timeout cancels the wait; the SMTP thread then stops before the message,
    so the retry the engine schedules is not a second copy."""
    smtp.ehlo_delay = 0.3
    deliverer = EmailDeliverer(parse(smtp.url(), FROM))

    async def impatient() -> None:
        await asyncio.wait_for(deliverer.send(Destination("email", TO, "user"), REPLY), 0.05)

    with pytest.raises(TimeoutError):
        asyncio.run(impatient())
    deadline = time.monotonic() + 5
    while not (smtp.connections == 1 and smtp.open_connections == 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert smtp.connections == 1 and smtp.open_connections == 0
    assert smtp.rcpt_attempts == [] and smtp.messages == []


def test_a_bad_address_is_refused_without_asking_the_server(smtp: SmtpServer) -> None:
    deliverer = EmailDeliverer(parse(smtp.url(), FROM))
    for address in ("ikke-en-adresse", "a@b.no\r\nBcc: x@y.no", "a@b.no, c@d.no"):
        with pytest.raises(DeliveryError) as caught:
            send(deliverer, address)
        assert caught.value.permanent and caught.value.code == "mailbox"
    assert smtp.connections == 0


def test_starttls_is_required_with_credentials(certificate: Certificate) -> None:
    credentials = ("ola", "hemmelig-passord")
    with SmtpServer(certificate=certificate, starttls=True, credentials=credentials) as server:
        deliverer = EmailDeliverer(parse(server.url(*credentials), FROM), ssl_context=certificate.client_context())
        assert deliverer.config.starttls
        send(deliverer)
        assert [(m.tls, m.login) for m in server.messages] == [(True, "ola")]
        assert [(login.tls, login.ok) for login in server.logins] == [(True, True)]
        # A certificate the client does not trust: nothing is sent, and it is tried again later.
        untrusting = EmailDeliverer(parse(server.url(*credentials), FROM))
        with pytest.raises(DeliveryError) as caught:
            send(untrusting)
        assert not caught.value.permanent and "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
        assert len(server.messages) == 1 and len(server.logins) == 1 and all_closed(server)
    # A server without STARTTLS that would accept a login in clear never gets the password.
    with SmtpServer(credentials=credentials) as clear:
        with pytest.raises(DeliveryError) as caught:
            send(EmailDeliverer(parse(clear.url(*credentials), FROM)))
        assert not caught.value.permanent and "does not offer STARTTLS" in str(caught.value)
        assert "hemmelig" not in str(caught.value)
        assert clear.logins == [] and clear.messages == [] and all_closed(clear)


def test_implicit_tls_and_a_refused_login(certificate: Certificate) -> None:
    with SmtpServer(certificate=certificate, implicit_tls=True, credentials=("ola", "riktig-passord")) as server:
        good = EmailDeliverer(parse(server.url("ola", "riktig-passord"), FROM), ssl_context=certificate.client_context())
        send(good)
        assert [(m.tls, m.login) for m in server.messages] == [(True, "ola")]
        bad = EmailDeliverer(parse(server.url("ola", "feil-passord"), FROM), ssl_context=certificate.client_context())
        with pytest.raises(DeliveryError) as caught:
            send(bad)
        assert not caught.value.permanent and "check the user and password in SMTP_URL" in str(caught.value)
        assert "feil-passord" not in str(caught.value)
        assert len(server.messages) == 1 and all_closed(server)


def test_a_slow_server_does_not_block_the_event_loop(smtp: SmtpServer) -> None:
    """smtplib runs in a thread: other coroutines go on while a message is being sent."""
    deliverer = EmailDeliverer(parse(smtp.url(), FROM))
    ticks: list[int] = []

    async def run() -> None:
        stop = threading.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(1)
                await asyncio.sleep(0)

        task = asyncio.ensure_future(ticker())
        await asyncio.gather(*(deliverer.send(Destination("email", f"p{n}@vestland.no", "user"), REPLY)
                               for n in range(3)))
        stop.set()
        await task

    asyncio.run(run())
    assert len(smtp.messages) == 3 and len(ticks) > 3


# --- the reminder engine through the command line ------------------------------------------------------


def cli(app, capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(["--database-url", app.settings.database_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def subscribe_email(app, party: str, address: str) -> None:  # type: ignore[no-untyped-def]
    """An e-mail destination for a party, the way the engine finds one (a subscription on platform
    "email"), for as long as the routing part does not create e-mail routes itself."""
    with transaction(app.sessions) as session:
        party_id = session.scalar(select(Party.id).where(Party.key == party))
        session.add(Subscription(platform="email", channel_id=address, channel_name=address, party_id=party_id,
                                 created_at=CREATED.replace(tzinfo=None)))


def notifications(app) -> list[Notification]:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        return list(session.scalars(select(Notification).where(Notification.platform == "email")
                                    .order_by(Notification.id)))


@pytest.fixture
def email_env(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    monkeypatch.setenv("SMTP_URL", smtp.url())
    monkeypatch.setenv("OPPFOLGING_EMAIL_FROM", f"Oppfølging <{FROM}>")
    return smtp


def test_the_sweep_sends_a_reminder_by_email_once(app, capsys, email_env: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    subscribe_email(app, "vestland", TO)
    action = new_action(app, "Vestland: Sende innspill til <KDD> & co innen 20.01.2027", now=CREATED)
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30", "--json")
    assert code == 0
    data = json.loads(out)
    [result] = data["results"]
    assert (result["platform"], result["destination"], result["status"]) == ("email", TO, "sent")
    [received] = email_env.received_by(TO)
    message = received.message
    assert result["message_id"] == message["Message-ID"]
    assert message["Subject"] == "Påminnelse: frist i dag"
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"#{action} Sende innspill til <KDD> & co" in plain and "Frist: onsdag 20. januar 2027" in plain
    assert f"Ferdig: /oppfølging ferdig {action}" in plain and f"/oppfølging utsett {action} <ny frist>" in plain
    assert "Sende innspill til &lt;KDD&gt; &amp; co" in html
    # Again the same day, and the next day: nothing doubled.
    cli(app, capsys, "reminders", "run", "--now", "2027-01-20T13:00")
    cli(app, capsys, "reminders", "run", "--now", "2027-01-21T09:30")
    assert len(email_env.received_by(TO)) == 1
    [row] = notifications(app)
    assert row.status == "sent" and row.message_id == message["Message-ID"]
    assert all_closed(email_env)


def test_a_4xx_is_retried_later_and_delivered_once(app, capsys, email_env: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    subscribe_email(app, "vestland", TO)
    new_action(app, "Vestland: Sende innspill innen 20.01.2027", now=CREATED)
    email_env.fail_transiently(TO, 2)
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30", "--json")
    assert code == 1
    [result] = json.loads(out)["results"]
    assert result["status"] == "failed" and "451" in result["error"] and result["next_attempt_at"]
    retry_at = datetime.fromisoformat(result["next_attempt_at"])
    # Before the backoff is over nothing is tried; when it is, the second 4xx pushes it further.
    cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30:30")
    assert email_env.rcpt_attempts == [TO]
    for _ in range(2):
        code, out, _ = cli(app, capsys, "reminders", "run", "--now", retry_at.astimezone(OSLO).isoformat(), "--json")
        results = json.loads(out)["results"]
        if results and results[0]["status"] == "sent":
            break
        retry_at = datetime.fromisoformat(results[0]["next_attempt_at"])
    assert code == 0 and results[0]["status"] == "sent"
    assert email_env.rcpt_attempts == [TO, TO, TO] and len(email_env.received_by(TO)) == 1
    cli(app, capsys, "reminders", "run", "--now", "2027-01-20T15:00")
    assert len(email_env.received_by(TO)) == 1
    [row] = notifications(app)
    assert row.status == "sent" and row.attempts == 3


def test_a_5xx_for_the_mailbox_is_given_up(app, capsys, email_env: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    subscribe_email(app, "vestland", "sluttet@vestland.no")
    new_action(app, "Vestland: Sende innspill innen 20.01.2027", now=CREATED)
    email_env.refuse_address("sluttet@vestland.no")
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30", "--json")
    assert code == 1
    [result] = json.loads(out)["results"]
    assert result["status"] == "failed" and result["next_attempt_at"] is None
    assert "mailbox sluttet@vestland.no refused: 550" in result["error"]
    cli(app, capsys, "reminders", "run", "--now", "2027-01-20T15:00")
    assert email_env.rcpt_attempts == ["sluttet@vestland.no"]  # not tried again
    [row] = notifications(app)
    assert row.status == "failed" and row.next_attempt_at is None


def test_the_digest_command_sends_the_overview_by_email(app, capsys, email_env: SmtpServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPPFOLGING_OVERVIEW_CHANNEL", "email:sekretariat@example.no")
    new_action(app, "Vestland: Sende innspill innen 06.01.2027", now=CREATED)
    code, out, _ = cli(app, capsys, "digest", "--now", "2027-01-11T08:00")
    assert code == 0 and "Sendt: 1." in out
    [received] = email_env.received_by("sekretariat@example.no")
    message = received.message
    assert message["Subject"] == "Oversikt for sekretariatet – uke 2"
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Åpne punkter: 1, av dem 1 forfalt." in plain
    assert message["Content-Language"] == "nb" and message["Auto-Submitted"] == "auto-generated"


def test_without_smtp_url_the_cli_leaves_email_to_the_service(app, capsys, monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.delenv("OPPFOLGING_EMAIL_FROM", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    subscribe_email(app, "vestland", TO)
    new_action(app, "Vestland: Sende innspill innen 20.01.2027", now=CREATED)
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30")
    assert code == 0 and "Meldinger til email som ikke kan sendes fra denne prosessen: 1." in out
    assert notifications(app) == []
