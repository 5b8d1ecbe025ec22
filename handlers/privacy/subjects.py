"""Who a privacy request is about, what the bot holds that names them, and their pseudonyms.

A subject is written `PLATFORM:ID`: `slack:U0123ABC`, `teams:<Entra object id>`, `console:<name>`,
or `email:kari@example.no` for someone known only from the roster (or by e-mail). An erased
person's identifiers become pseudonyms: `slettet-<12 hex>` for a chat id and
`slettet-<12 hex>@slettet.invalid` for an address, an HMAC of the identifier under a random key kept
in the database (`settings`), so the same person always gets the same pseudonym (erasing twice
finds the first erasure) while the pseudonym alone does not say who it was.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from handlers.core.catalog import t
from handlers.core.errors import UserError
from storage.models import Person, RosterEntry, Setting

CHAT_PLATFORMS = ("slack", "teams", "console")
EMAIL = "email"
KEY_SETTING = "privacy.pseudonym_key"
PSEUDONYM_PREFIX = "slettet-"
ERASED_DOMAIN = "slettet.invalid"  # .invalid: never deliverable (RFC 2606)
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHAT_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,200}$")


@dataclass(frozen=True)
class Subject:
    platform: str
    external_id: str  # an e-mail address in lower case for `email`

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.external_id}"


def parse_subject(text: str) -> Subject:
    platform, sep, external = (text or "").strip().partition(":")
    platform, external = platform.strip().lower(), external.strip()
    if sep and platform == EMAIL and ADDRESS.match(external):
        return Subject(EMAIL, external.lower())
    if sep and platform in CHAT_PLATFORMS and CHAT_ID.match(external):
        return Subject(platform, external)
    raise UserError(t("privacy.bad_subject", subject=(text or "").strip()[:200]))


def pseudonym_key(session: Session) -> bytes:
    """The installation's pseudonym key (made on first use, kept in `settings`)."""
    row = session.get(Setting, KEY_SETTING)
    if row is None:
        row = Setting(key=KEY_SETTING, value=secrets.token_hex(32))
        session.add(row)
        session.flush()
    return bytes.fromhex(str(row.value))


def pseudonym(key: bytes, subject: Subject) -> str:
    """The erased form of a subject's id (an address for `email`)."""
    digest = hmac.new(key, subject.ref.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
    name = PSEUDONYM_PREFIX + digest
    return f"{name}@{ERASED_DOMAIN}" if subject.platform == EMAIL else name


def pseudonymous_ref(key: bytes, subject: Subject) -> str:
    return f"{subject.platform}:{pseudonym(key, subject)}"


@dataclass
class Found:
    """The rows that identify a subject: their chat accounts and roster entries, and every address."""

    subject: Subject
    people: list[Person] = field(default_factory=list)
    roster: list[RosterEntry] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not self.people and not self.roster


def find(session: Session, subject: Subject) -> Found:
    found = Found(subject)
    if subject.platform == EMAIL:
        found.people = list(session.scalars(
            select(Person).where(func.lower(Person.email) == subject.external_id).order_by(Person.id)))
        found.emails.add(subject.external_id)
    else:
        person = session.scalar(select(Person).where(Person.platform == subject.platform,
                                                     Person.external_id == subject.external_id))
        if person is not None:
            found.people = [person]
            if person.email:
                found.emails.add(person.email.lower())
    ids = [p.id for p in found.people]
    conditions = []
    if ids:
        conditions.append(RosterEntry.person_id.in_(ids))
    if found.emails:
        conditions.append(RosterEntry.email.in_(sorted(found.emails)))
    if conditions:
        found.roster = list(session.scalars(select(RosterEntry).where(or_(*conditions)).order_by(RosterEntry.id)))
    return found


def addresses(found: Found) -> set[str]:
    """Every string a destination or key may hold for this subject: chat ids and e-mail addresses."""
    return {p.external_id for p in found.people} | found.emails
