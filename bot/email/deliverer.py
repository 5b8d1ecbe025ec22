"""The deliverer for platform "email": one message, one SMTP conversation, closed afterwards.

smtplib runs in a small thread pool of its own, so a slow mail server never holds up the threads
that serve chat and the database. What a failure means is
decided from the SMTP reply: a 5xx for the recipient is permanent (`code="mailbox"`); a 4xx, a
refused or dropped connection, a timeout or a TLS failure is transient, and the reminder engine
retries the claim with backoff. The engine owns the claim, so nothing is lost either way.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, tzinfo
from email.message import EmailMessage
from email.utils import make_msgid

from bot import delivery
from bot.config import Settings
from bot.delivery import DeliveryError, Destination
from bot.email.config import SmtpConfig, from_settings, valid_address
from bot.email.render import build_message
from handlers.core.replies import Reply

log = logging.getLogger(__name__)

PLATFORM = "email"
# SMTP conversations at the same time; mail servers limit connections per client, and more would
# only queue there.
SMTP_WORKERS = 4


class EmailDeliverer:
    def __init__(self, config: SmtpConfig, *, tz: tzinfo = UTC, clock: Callable[[], datetime] | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.tz = tz
        self.clock = clock or (lambda: datetime.now(UTC))
        # The system's trust store (SSL_CERT_FILE / SSL_CERT_DIR are honoured), with host name checks.
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._executor: ThreadPoolExecutor | None = None

    async def send(self, destination: Destination, reply: Reply) -> str:
        address = destination.address.strip()
        if destination.platform != PLATFORM or not valid_address(address):
            raise DeliveryError(f"not an e-mail address: {destination.address!r}", permanent=True, code="mailbox")
        message_id = make_msgid(domain=self.config.domain)
        message = build_message(reply, to=address, sender=self.config.from_header,
                                when=self.clock().astimezone(self.tz), message_id=message_id)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=SMTP_WORKERS, thread_name_prefix="smtp")
        # Set when the engine stops waiting (its send timeout): the thread then does not start the
        # DATA phase, so a message the engine counts as failed (and retries) is not also delivered.
        abandoned = threading.Event()
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._send, message, address, abandoned)
        except asyncio.CancelledError:
            abandoned.set()
            raise
        log.info("e-mail %s sent to %s", message_id, address)
        return message_id

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.implicit_tls:
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self.ssl_context)
        return smtplib.SMTP(c.host, c.port, timeout=c.timeout)

    def _send(self, message: EmailMessage, address: str, abandoned: threading.Event) -> None:
        c = self.config
        client: smtplib.SMTP | None = None
        try:
            client = self._connect()
            client.ehlo()
            if c.starttls:
                if not client.has_extn("starttls"):
                    # Never fall back to sending the password in clear; the operator must fix the server
                    # or the URL. Transient: once fixed, the retries deliver what waited.
                    raise DeliveryError(f"SMTP server {c.host}:{c.port} does not offer STARTTLS; the login is never "
                                        "sent unencrypted (use smtps:// or a server with STARTTLS)")
                client.starttls(context=self.ssl_context)
                client.ehlo()
            if c.username:
                assert c.password is not None
                client.login(c.username, c.password)
            if abandoned.is_set():
                raise DeliveryError("e-mail abandoned: the send took longer than the engine waits")
            client.send_message(message, from_addr=c.sender, to_addrs=[address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(address, (0, b""))
            raise _refused(address, code, text) from None
        except smtplib.SMTPSenderRefused as exc:
            raise DeliveryError(f"SMTP server refused the sender {exc.sender}: {exc.smtp_code} {_text(exc.smtp_error)}"
                                ) from None
        except smtplib.SMTPDataError as exc:
            # One recipient per message: a 5xx to the content is final for this message, a 4xx is not.
            raise DeliveryError(f"SMTP server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}",
                                permanent=500 <= exc.smtp_code < 600) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused ({exc.smtp_code} {_text(exc.smtp_error)}): check the user "
                                "and password in SMTP_URL") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"SMTP server lacks a needed extension: {exc}") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP server answered {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            # Refused or dropped connections, timeouts, TLS failures (ssl.SSLError is an OSError)
            raise DeliveryError(f"SMTP server {c.host}:{c.port} unreachable: {exc.__class__.__name__}: {exc}"
                                ) from None
        finally:
            if client is not None:
                _close(client)


def _refused(address: str, code: int, text: bytes | str) -> DeliveryError:
    if 500 <= code < 600:
        return DeliveryError(f"mailbox {address} refused: {code} {_text(text)}", permanent=True, code="mailbox")
    return DeliveryError(f"mailbox {address} temporarily refused: {code} {_text(text)}")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _close(client: smtplib.SMTP) -> None:
    """QUIT politely, then close the socket whatever happens: a failed QUIT after an accepted message
    must not turn a delivered message into a failed one (which would be sent again)."""
    try:
        if client.sock is not None:
            client.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        client.close()


def install(settings: Settings, *, ssl_context: ssl.SSLContext | None = None) -> EmailDeliverer | None:
    """Register the e-mail deliverer when SMTP_URL is set. Raises `EmailConfigError` when the
    configuration cannot work."""
    config = from_settings(settings)
    if config is None:
        return None
    deliverer = EmailDeliverer(config, tz=settings.timezone, ssl_context=ssl_context)
    delivery.register(PLATFORM, deliverer)
    return deliverer
