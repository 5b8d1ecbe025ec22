"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, a free port, its own event loop thread.

It records every accepted message (parsed), every login and every connection, and answers what a
test chooses for an address: a 5xx ("no such mailbox") for good, or a 4xx a number of times before
accepting. TLS variants: implicit TLS (smtps) or STARTTLS, with a self-signed certificate made at
test time (`self_signed`); a login can be required, and whether it came over TLS is recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
import warnings
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class Login:
    user: str
    password: str
    tls: bool
    ok: bool


@dataclass
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """What a client that trusts this certificate uses (like SSL_CERT_FILE=cert does)."""
        return ssl.create_default_context(cafile=str(self.cert))


def self_signed(directory: Path, host: str = "127.0.0.1") -> Certificate:
    """A certificate for `host` (and localhost), valid for a day, made now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host)),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Certificate(cert_path, key_path)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_EHLO(self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        if self.server.ehlo_delay:
            await asyncio.sleep(self.server.ehlo_delay)  # a slow server, for the client's timeouts
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, smtp: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        s = self.server
        with s.lock:
            s.rcpt_attempts.append(address)
            if address in s.refuse:
                return s.refuse[address]
            if s.transient.get(address, 0) > 0:
                s.transient[address] -= 1
                return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        s = self.server
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        tls = s.implicit_tls or session.ssl is not None
        with s.lock:
            s.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                       bytes(envelope.original_content or b""), tls, login))
        return "250 Message accepted for delivery"


class _CountingSMTP(SMTP):
    """Counts open connections, so a test can prove that the client closed each one."""

    def __init__(self, server: SmtpServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._server = server

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None and self.transport is None:  # not the STARTTLS re-entry
            with self._server.lock:
                self._server.connections += 1
                self._server.open_connections += 1
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        with self._server.lock:
            self._server.open_connections -= 1
        super().connection_lost(error)


class SmtpServer:
    """`with SmtpServer() as smtp:` … `smtp.url` is `smtp://127.0.0.1:PORT` (plus scheme/credentials
    for the TLS variants: see `url_with`)."""

    def __init__(self, *, certificate: Certificate | None = None, implicit_tls: bool = False,
                 starttls: bool = False, credentials: tuple[str, str] | None = None) -> None:
        assert not (implicit_tls and starttls)
        assert certificate is not None or not (implicit_tls or starttls)
        self.certificate = certificate
        self.implicit_tls = implicit_tls
        self.starttls = starttls
        self.credentials = credentials
        self.host = "127.0.0.1"
        self.port = 0
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.logins: list[Login] = []
        self.rcpt_attempts: list[str] = []
        self.refuse: dict[str, str] = {}  # address -> the full reply, e.g. "550 5.1.1 No such user"
        self.transient: dict[str, int] = {}  # address -> how many more times to answer 451
        self.connections = 0
        self.open_connections = 0
        self.ehlo_delay = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-server", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    # -- what a test configures ----------------------------------------------------------------------

    def refuse_address(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        with self.lock:
            self.refuse[address] = reply

    def fail_transiently(self, address: str, times: int) -> None:
        with self.lock:
            self.transient[address] = times

    def url(self, user: str | None = None, password: str | None = None) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        login = f"{user}:{password}@" if user is not None else ""
        return f"{scheme}://{login}{self.host}:{self.port}"

    def received_by(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    # -- lifecycle -----------------------------------------------------------------------------------

    def _authenticate(self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = self.credentials is not None and (user, password) == self.credentials
        tls = self.implicit_tls or smtp._tls_protocol is not None
        with self.lock:
            self.logins.append(Login(user, password, tls, ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def _factory(self) -> SMTP:
        kwargs: dict[str, Any] = {
            "hostname": "smtp.test",
            "authenticator": self._authenticate,
            "auth_required": self.credentials is not None,
            "loop": self._loop,
        }
        if self.starttls:
            assert self.certificate is not None
            kwargs.update(tls_context=self.certificate.server_context(), require_starttls=True)
        else:
            # A server without STARTTLS that still offers AUTH in clear: the client must refuse to
            # log in there (checked through `logins`). With implicit TLS the whole socket is TLS.
            kwargs["auth_require_tls"] = False
        with warnings.catch_warnings():
            # aiosmtpd warns about AUTH without STARTTLS: exactly the server some tests need
            warnings.simplefilter("ignore", UserWarning)
            return _CountingSMTP(self, _Handler(self), **kwargs)

    def start(self) -> SmtpServer:
        self._thread.start()
        ssl_context = self.certificate.server_context() if self.implicit_tls and self.certificate else None

        async def serve() -> asyncio.base_events.Server:
            return await self._loop.create_server(self._factory, self.host, 0, ssl=ssl_context)

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    """A port nobody listens on (for "connection refused")."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

