"""Signed personal links to the overview (JWT, HS256).

A link names one person and expires (12 hours unless configured). Revoking is one counter in the
database (`overview.link_generation`): every link carries the generation it was made in, and a
link from an older generation is refused, so an admin withdraws every link at once without a list
of them. The key comes from the configuration; without one a key is generated once and kept in the
database, so that every replica and the command line sign and check with the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.core.catalog import t
from handlers.core.clock import as_utc
from storage.models import Person, Setting

DEFAULT_TTL = timedelta(hours=12)
GENERATION_SETTING = "overview.link_generation"
KEY_SETTING = "overview.signing_key"
AUDIENCE = "oppfolging-oversikt"
ISSUER = "oppfolging"
ALGORITHM = "HS256"
# RFC 7518 §3.2: an HS256 key shorter than the hash (32 bytes) weakens it; a configured key must be longer.
MIN_KEY_LENGTH = 32


@dataclass(frozen=True)
class LinkSettings:
    """What the bot's configuration says about overview links."""

    public_host: str | None = None
    ttl: timedelta = DEFAULT_TTL
    # From OPPFOLGING_SECRET_KEY(_FILE); None means the key generated once and kept in the database.
    secret: str | None = None

    def base_url(self) -> str | None:
        """`https://PUBLIC_HOST`; a value with a scheme (a local `http://127.0.0.1:3978`) is kept as written."""
        if not self.public_host:
            return None
        host = self.public_host.strip().rstrip("/")
        return host if "://" in host else f"https://{host}"


class LinkRefused(Exception):
    """A link that opens nothing: `status` is 401 (no, broken or expired link) or 403 (revoked)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Grant:
    """What a verified link lets its holder see."""

    person_id: int
    generation: int
    expires: datetime
    link_id: str
    # A link made for one meeting (the Teams meeting side panel) shows only that meeting's actions.
    meeting_id: int | None = None


def _setting(session: Session, key: str) -> Setting | None:
    return session.get(Setting, key)


def generation(session: Session) -> int:
    row = _setting(session, GENERATION_SETTING)
    return int(row.value) if row is not None and isinstance(row.value, int) else 0


def revoke_all(session: Session) -> int:
    """Every link made so far stops working; returns the new generation."""
    row = _setting(session, GENERATION_SETTING)
    if row is None:
        row = Setting(key=GENERATION_SETTING, value=0)
        session.add(row)
    row.value = (int(row.value) if isinstance(row.value, int) else 0) + 1
    session.flush()
    return int(row.value)


def signing_key(session: Session, settings: LinkSettings) -> str:
    if settings.secret:
        return settings.secret
    row = _setting(session, KEY_SETTING)
    if row is not None and isinstance(row.value, str) and row.value:
        return row.value
    # Two replicas may make the first link at once: the primary key lets one key win, the other re-reads it.
    try:
        with session.begin_nested():
            session.add(Setting(key=KEY_SETTING, value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass
    row = _setting(session, KEY_SETTING)
    assert row is not None and isinstance(row.value, str)
    return row.value


def stored_key(session: Session, settings: LinkSettings) -> str | None:
    """The key for checking a link, without creating one (checking never writes)."""
    if settings.secret:
        return settings.secret
    row = _setting(session, KEY_SETTING)
    return row.value if row is not None and isinstance(row.value, str) and row.value else None


def issue(session: Session, settings: LinkSettings, person: Person, now: datetime, *,
          meeting_id: int | None = None) -> tuple[str, datetime]:
    """A signed token for `person` and when it expires."""
    issued = as_utc(now).replace(microsecond=0)
    expires = issued + settings.ttl
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": str(person.id), "gen": generation(session),
        "iat": int(issued.timestamp()), "exp": int(expires.timestamp()), "jti": secrets.token_urlsafe(12),
    }
    if meeting_id is not None:
        claims["mtg"] = meeting_id
    import jwt  # here, not at the top: pyjwt loads cryptography (~0.1 s), and the config imports this module

    return jwt.encode(claims, signing_key(session, settings), algorithm=ALGORITHM), expires


def url(settings: LinkSettings, token: str, path: str = "/oversikt") -> str:
    base = settings.base_url()
    if base is None:
        raise LinkRefused(503, t("overview.no_public_host"))
    return f"{base}{path}?t={token}"


def verify(session: Session, settings: LinkSettings, token: str | None, now: datetime) -> Grant:
    """The grant in `token`, or `LinkRefused` saying why not (in Norwegian). Never writes."""
    if not token:
        raise LinkRefused(401, t("overview.refused.missing"))
    key = stored_key(session, settings)
    if key is None:
        raise LinkRefused(401, t("overview.refused.invalid"))
    import jwt  # here, not at the top: see issue()

    try:
        # The expiry is checked below against the injected clock, not the wall clock pyjwt would read.
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                            options={"verify_exp": False, "verify_iat": False,
                                     "require": ["exp", "iat", "sub", "aud", "iss", "jti"]})
    except jwt.PyJWTError:
        raise LinkRefused(401, t("overview.refused.invalid")) from None
    try:
        person_id = int(claims["sub"])
        gen = int(claims.get("gen", -1))
        expires = datetime.fromtimestamp(int(claims["exp"]), tz=as_utc(now).tzinfo)
        meeting = claims.get("mtg")
        meeting_id = int(meeting) if meeting is not None else None
    except (TypeError, ValueError, OverflowError, OSError):
        raise LinkRefused(401, t("overview.refused.invalid")) from None
    if as_utc(now) >= expires:
        raise LinkRefused(401, t("overview.refused.expired"))
    if gen != generation(session):
        raise LinkRefused(403, t("overview.refused.revoked"))
    if session.get(Person, person_id) is None:
        raise LinkRefused(403, t("overview.refused.unknown_person"))
    return Grant(person_id=person_id, generation=gen, expires=expires, link_id=str(claims["jti"]),
                 meeting_id=meeting_id)


def csrf_token(session: Session, settings: LinkSettings, grant: Grant, action_id: int) -> str:
    """The value a "Ferdig" form must send back: bound to this link and this action."""
    key = stored_key(session, settings) or ""
    message = f"ferdig|{grant.link_id}|{action_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def csrf_ok(session: Session, settings: LinkSettings, grant: Grant, action_id: int, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(session, settings, grant, action_id), sent or "")
