"""SMTP_URL and OPPFOLGING_EMAIL_FROM: where e-mail goes out, and from whom.

    smtps://user:password@host:465   implicit TLS (the default port is 465)
    smtp://user:password@host:587    STARTTLS, always: credentials are never sent unencrypted
    smtp://host:25                   plain SMTP to a relay that needs no login (a local relay, tests)

A configuration that cannot work is refused at start (`EmailConfigError`) with a message that says
what to change; it never shows the password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from bot.config import Settings
from handlers.core.catalog import t

DEFAULT_TIMEOUT = 30.0  # seconds per SMTP conversation; below the scheduler's SEND_TIMEOUT (60 s)
# One address: no spaces or control characters, one @, something on both sides. The server has the
# last word on whether the mailbox exists.
ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+\.[^\s@<>()\[\],;:\"\\]+$")


class EmailConfigError(ValueError):
    """SMTP_URL / OPPFOLGING_EMAIL_FROM cannot work; the message says what to change."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool  # smtps://
    sender: str  # the envelope and From address
    sender_name: str = ""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def starttls(self) -> bool:
        """STARTTLS is required (never optional) whenever credentials go over smtp://."""
        return not self.implicit_tls and self.username is not None

    @property
    def from_header(self) -> str:
        local, _, domain = self.sender.rpartition("@")
        return str(Address(self.sender_name, local, domain)) if self.sender_name else self.sender

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]


def valid_address(address: str) -> bool:
    return bool(ADDRESS.match(address))


def parse(url: str, sender: str | None) -> SmtpConfig:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # urlsplit's own message may quote the URL, password included
        raise EmailConfigError("SMTP_URL is not a valid URL; use smtps://user:password@host:465, "
                               "smtp://user:password@host:587 or smtp://host:25") from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise EmailConfigError(f"SMTP_URL must start with smtps:// (implicit TLS) or smtp:// (STARTTLS with a "
                               f"login, or a relay without one), not {scheme or '(nothing)'}://")
    if not parts.hostname:
        raise EmailConfigError("SMTP_URL names no host, e.g. smtps://user:password@smtp.example.no:465")
    if parts.path not in ("", "/"):
        raise EmailConfigError("SMTP_URL takes no path: smtps://user:password@host:465")
    query = parse_qs(parts.query)
    timeout = DEFAULT_TIMEOUT
    if query:
        unknown = sorted(set(query) - {"timeout"})
        if unknown:
            raise EmailConfigError(f"SMTP_URL: unknown option {', '.join(unknown)} (only ?timeout=SECONDS)")
        try:
            timeout = float(query["timeout"][-1])
        except ValueError:
            raise EmailConfigError("SMTP_URL: ?timeout= must be a number of seconds") from None
        if not 1 <= timeout <= 55:
            raise EmailConfigError("SMTP_URL: ?timeout= must be between 1 and 55 seconds")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None) or (username is not None and not password):
        raise EmailConfigError("SMTP_URL has a user name without a password (or the other way round); "
                               "give both, smtp://user:password@host:587, or neither for a relay")
    implicit = scheme == "smtps"
    if port is None:
        port = 465 if implicit else (587 if username else 25)
    if not implicit and username and port == 465:
        # Port 465 speaks TLS from the first byte; smtp:// would wait for a greeting that never comes.
        raise EmailConfigError("SMTP_URL: port 465 is implicit TLS; write smtps://…:465 (or smtp://…:587 for STARTTLS)")
    if not sender:
        raise EmailConfigError("OPPFOLGING_EMAIL_FROM is required when SMTP_URL is set: the address e-mail is sent "
                               "from, e.g. oppfolging@example.no or \"Oppfølging <oppfolging@example.no>\"")
    if "\n" in sender or "\r" in sender:
        raise EmailConfigError("OPPFOLGING_EMAIL_FROM must be one line")
    name, address = parseaddr(sender)
    if not valid_address(address) or not address.isascii():
        raise EmailConfigError(f"OPPFOLGING_EMAIL_FROM is not an e-mail address: {sender!r}")
    return SmtpConfig(host=parts.hostname, port=port, implicit_tls=implicit, sender=address,
                      sender_name=name or t("email.sender_name"), username=username, password=password,
                      timeout=timeout)


def from_settings(settings: Settings) -> SmtpConfig | None:
    """The e-mail configuration, or None when SMTP_URL is not set (e-mail is off)."""
    if not settings.smtp_url:
        if settings.email_from:
            raise EmailConfigError("OPPFOLGING_EMAIL_FROM is set but SMTP_URL is not: e-mail needs both")
        return None
    return parse(settings.smtp_url, settings.email_from)
