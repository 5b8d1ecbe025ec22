"""The roster: who represents each party, from the secretariat's file (part, navn, e-post, rolle).

A party is an organisation; reminders must reach people. The roster names them. It is read from a
CSV file (UTF-8, with or without the BOM Excel writes; `;` as Norwegian Excel separates, or `,`) or
the first sheet of an XLSX file, checked row by row, and shown as a preview before anything is
stored. The rules:

- `part` is resolved with the party resolver and never guessed: an unknown name refuses its row.
- A file with any wrong row is refused as a whole, with one Norwegian sentence per wrong row, so a
  half-right roster is never stored.
- Only the parties named in the file are changed: their people missing from the file stop
  representing them (`removed_at`, kept for the history), a person who comes back is active again.
  A file for one party therefore never touches the others.
- Storing the same file twice changes nothing; every change is in the audit log (entity "roster").

Roster people are linked to chat users (`RosterEntry.person_id`) by e-mail, case-insensitively, in
`match`; it runs after every import and whenever a person's e-mail becomes known (`learn_email`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.text import clean_input, fold
from storage.models import Membership, Party, Person, RosterEntry

MAX_FILE = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_NAME = 200  # RosterEntry.name and .role are String(200)
MAX_EMAIL = 254  # the longest address SMTP can carry

# Header cells as people write them, folded and without punctuation or spaces -> the column.
HEADERS: dict[str, str] = {
    "part": "party", "parti": "party", "party": "party", "partner": "party",
    "navn": "name", "name": "name", "fulltnavn": "name", "fullname": "name",
    "epost": "email", "epostadresse": "email", "email": "email", "emailaddress": "email", "emailadresse": "email",
    "mail": "email", "mailadresse": "email",
    "rolle": "role", "role": "role", "funksjon": "role", "stilling": "role",
}
REQUIRED = ("party", "name", "email")
COLUMN_LABELS = {"party": "part", "name": "navn", "email": "e-post", "role": "rolle"}

# One address, nothing around it: a local part without spaces or brackets, a domain of at least two
# labels of letters, digits and hyphens (Norwegian letters allowed), a top-level domain of letters.
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"\\]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}")
_HEADER_CHARS = re.compile(r"[^a-z0-9]")


class RosterRefused(UserError):
    """The file cannot be stored; `errors` holds one Norwegian sentence per problem (per row)."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join([t("roster.refused", count=len(self.errors)), *self.errors]))


@dataclass(frozen=True)
class RosterRow:
    row: int  # as the spreadsheet numbers it: the header is row 1
    party: str  # party key
    name: str
    email: str  # lower case
    role: str = ""


@dataclass(frozen=True)
class Change:
    kind: str  # new, updated, restored, removed
    party: str
    email: str
    name: str
    role: str
    old_name: str | None = None
    old_role: str | None = None


@dataclass
class RosterPlan:
    parties: list[str]
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    matched: int = 0  # links to chat users made by the import (set when stored)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "parties": self.parties,
            "new": [asdict(c) for c in self.of("new")],
            "updated": [asdict(c) for c in self.of("updated")],
            "restored": [asdict(c) for c in self.of("restored")],
            "removed": [asdict(c) for c in self.of("removed")],
            "unchanged": self.unchanged,
            "matched": self.matched,
        }


# --- reading the file ----------------------------------------------------------------------------


def is_valid_email(text: str) -> bool:
    return len(text) <= MAX_EMAIL and _EMAIL.fullmatch(text) is not None


def _table(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """The file's non-empty rows as (row number, cells)."""
    if len(data) > MAX_FILE:
        raise RosterRefused([t("roster.too_large", limit=MAX_FILE // (1024 * 1024))])
    lower = filename.lower()
    if lower.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterRefused([t("roster.old_excel")])
    xlsx = lower.endswith(".xlsx") or data.startswith(b"PK\x03\x04")
    rows = _xlsx_rows(data) if xlsx else _csv_rows(data)
    return [(n, cells) for n, cells in rows if any(cells)]


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported when needed: most roster files are CSV
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, TypeError) as exc:
        raise RosterRefused([t("roster.bad_xlsx")]) from exc
    try:
        if not book.worksheets:
            raise RosterRefused([t("roster.empty")])
        rows = []
        for n, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if n > MAX_ROWS + 1:
                raise RosterRefused([t("roster.too_many", limit=MAX_ROWS)])
            rows.append((n, [_cell(v) for v in values]))
        return rows
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_input(str(value))


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Not guessed as Windows-1252: a wrong guess would store wrong names without a word.
        raise RosterRefused([t("roster.not_utf8")]) from exc
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count) if first else ";"
    rows = []
    try:
        for n, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if n > MAX_ROWS + 1:
                raise RosterRefused([t("roster.too_many", limit=MAX_ROWS)])
            rows.append((n, [clean_input(c) for c in cells]))
    except csv.Error as exc:
        raise RosterRefused([t("roster.bad_csv", error=str(exc))]) from exc
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = HEADERS.get(_HEADER_CHARS.sub("", fold(cell)))
        if column is not None and column not in columns:
            columns[column] = index
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in columns]
    if missing:
        raise RosterRefused([t("roster.missing_columns", columns=", ".join(f"«{m}»" for m in missing),
                               found=", ".join(f"«{h}»" for h in header if h) or "–")])
    return columns


def read(ctx: Context, data: bytes, filename: str) -> list[RosterRow]:
    """Every row of the file, checked; raises `RosterRefused` listing every wrong row."""
    table = _table(data, filename)
    if not table:
        raise RosterRefused([t("roster.empty")])
    header_row, header = table[0]
    columns = _columns(header)
    rows: list[RosterRow] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}

    def cell(cells: list[str], column: str) -> str:
        index = columns.get(column)
        return " ".join(cells[index].split()) if index is not None and index < len(cells) else ""

    for n, cells in table[1:]:
        party_text, name, email, role = (cell(cells, c) for c in ("party", "name", "email", "role"))
        wrong: list[str] = []
        key = None
        if not party_text:
            wrong.append(t("roster.row_no_party"))
        else:
            key = ctx.resolver.lookup(party_text, on=ctx.today)
            if key is None:
                wrong.append(ctx.resolver.explain_unknown(party_text, on=ctx.today))
        if not name:
            wrong.append(t("roster.row_no_name"))
        elif len(name) > MAX_NAME:
            wrong.append(t("roster.row_long", column="navn", max=MAX_NAME))
        if not email:
            wrong.append(t("roster.row_no_email"))
        elif not is_valid_email(email):
            wrong.append(t("roster.row_bad_email", email=email))
        if len(role) > MAX_NAME:
            wrong.append(t("roster.row_long", column="rolle", max=MAX_NAME))
        email = email.lower()
        if key is not None and email and not wrong:
            first = seen.get((key, email))
            if first is not None:
                wrong.append(t("roster.row_duplicate", email=email, party=ctx.resolver.name(key), first=first))
            else:
                seen[(key, email)] = n
        if wrong:
            errors.append(t("roster.row", row=n, problems=" ".join(wrong)))
        elif key is not None:
            rows.append(RosterRow(n, key, name, email, role))
    if errors:
        raise RosterRefused(errors)
    if not rows:
        raise RosterRefused([t("roster.no_rows", header=header_row)])
    return rows


# --- what changes, and storing it ----------------------------------------------------------------


def _current(ctx: Context, party_ids: Iterable[int]) -> dict[tuple[int, str], RosterEntry]:
    entries = ctx.session.scalars(select(RosterEntry).where(RosterEntry.party_id.in_(list(party_ids))))
    return {(e.party_id, e.email): e for e in entries}


def plan(ctx: Context, rows: Sequence[RosterRow]) -> RosterPlan:
    """What storing `rows` would change; nothing is written."""
    return _compare(ctx, rows, write=False)


def store(ctx: Context, rows: Sequence[RosterRow]) -> RosterPlan:
    """Store `rows` (in the caller's transaction), audit every change and link people by e-mail."""
    result = _compare(ctx, rows, write=True)
    result.matched = match(ctx.session)
    return result


def _compare(ctx: Context, rows: Sequence[RosterRow], *, write: bool) -> RosterPlan:
    keys = list(dict.fromkeys(r.party for r in rows))
    parties = {key: ctx.party_row(key) for key in keys}
    current = _current(ctx, (p.id for p in parties.values()))
    result = RosterPlan(parties=keys)
    wanted: set[tuple[int, str]] = set()
    for row in rows:
        party = parties[row.party]
        wanted.add((party.id, row.email))
        entry = current.get((party.id, row.email))
        if entry is None:
            result.changes.append(Change("new", row.party, row.email, row.name, row.role))
            if write:
                ctx.session.add(RosterEntry(party_id=party.id, name=row.name, email=row.email, role=row.role,
                                            created_at=ctx.naive_now, updated_at=ctx.naive_now))
                audit(ctx, "roster", f"{row.party}:{row.email}", "created", None, {"name": row.name, "role": row.role})
            continue
        same = entry.name == row.name and (entry.role or "") == row.role
        if entry.removed_at is None and same:
            result.unchanged += 1
            continue
        kind = "restored" if entry.removed_at is not None else "updated"
        result.changes.append(Change(kind, row.party, row.email, row.name, row.role, entry.name, entry.role or ""))
        if write:
            old = {"name": entry.name, "role": entry.role or "", "removed": entry.removed_at is not None}
            entry.name, entry.role, entry.removed_at, entry.updated_at = row.name, row.role, None, ctx.naive_now
            audit(ctx, "roster", f"{row.party}:{row.email}", kind, old, {"name": row.name, "role": row.role})
    key_of = {p.id: key for key, p in parties.items()}
    for (party_id, email), entry in sorted(current.items(), key=lambda item: (key_of[item[0][0]], item[0][1])):
        if entry.removed_at is not None or (party_id, email) in wanted:
            continue
        result.changes.append(Change("removed", key_of[party_id], email, entry.name, entry.role or ""))
        if write:
            entry.removed_at = entry.updated_at = ctx.naive_now
            audit(ctx, "roster", f"{key_of[party_id]}:{email}", "removed",
                  {"name": entry.name, "role": entry.role or ""}, None)
    if write:
        ctx.session.flush()
    return result


# --- linking roster people to chat users ---------------------------------------------------------


def match(session: Session, *, emails: Iterable[str] | None = None) -> int:
    """Link active roster entries to the person with the same e-mail; returns how many links changed.

    With `emails`, only entries with those addresses are looked at. An existing link is kept while
    its person still has the address (so a Slack link does not flip to a Teams user); otherwise the
    earliest person with the address is taken, and an entry whose person lost it is unlinked.
    """
    query = select(RosterEntry).where(RosterEntry.removed_at.is_(None))
    wanted: set[str] | None = None
    if emails is not None:
        wanted = {e.lower() for e in emails if e}
        if not wanted:
            return 0
        query = query.where(RosterEntry.email.in_(wanted))
    entries = session.scalars(query).all()
    if not entries:
        return 0
    lower = func.lower(Person.email)
    people_query = select(Person.id, lower).where(Person.email.is_not(None)).order_by(Person.id)
    if wanted is not None:
        people_query = people_query.where(lower.in_(wanted))
    by_email: dict[str, list[int]] = {}
    for person_id, email in session.execute(people_query):
        by_email.setdefault(email, []).append(person_id)
    changed = 0
    for entry in entries:
        candidates = by_email.get(entry.email, [])
        target = entry.person_id if entry.person_id in candidates else (candidates[0] if candidates else None)
        if entry.person_id != target:
            entry.person_id = target
            changed += 1
    if changed:
        session.flush()
    return changed


def learn_email(session: Session, person: Person, email: str) -> int:
    """`person`'s e-mail as the platform says it; links roster entries with it. A malformed address
    is not stored (it could only match wrongly). Returns how many links changed."""
    address = email.strip().lower()
    if not is_valid_email(address):
        return 0
    old = (person.email or "").lower()
    if old == address and person.email == address:
        return match(session, emails=[address])
    person.email = address
    session.flush()
    return match(session, emails=[address, old] if old else [address])


def unmatched_emails(session: Session, platform: str) -> list[str]:
    """Active roster addresses that no person on `platform` has yet (for looking them up there)."""
    known = select(func.lower(Person.email)).where(Person.platform == platform, Person.email.is_not(None))
    rows = session.scalars(select(RosterEntry.email).where(RosterEntry.removed_at.is_(None),
                                                           RosterEntry.email.not_in(known))
                           .distinct().order_by(RosterEntry.email))
    return list(rows)


# --- showing it ----------------------------------------------------------------------------------


def entries_of(session: Session, party: Party) -> list[RosterEntry]:
    return list(session.scalars(select(RosterEntry).where(RosterEntry.party_id == party.id,
                                                          RosterEntry.removed_at.is_(None))
                                .order_by(RosterEntry.name, RosterEntry.email)))


def members_of(session: Session, party: Party) -> list[Person]:
    return list(session.scalars(select(Person).join(Membership, Membership.person_id == Person.id)
                                .where(Membership.party_id == party.id).order_by(Person.display_name, Person.id)))


def counts(session: Session) -> dict[int, tuple[int, int, int]]:
    """party id -> (active roster entries, of them linked to a chat user, members)."""
    result: dict[int, list[int]] = {}
    for party_id, total, linked in session.execute(
        select(RosterEntry.party_id, func.count(RosterEntry.id), func.count(RosterEntry.person_id))
        .where(RosterEntry.removed_at.is_(None)).group_by(RosterEntry.party_id)
    ):
        result.setdefault(party_id, [0, 0, 0])[:2] = [total, linked]
    for party_id, members in session.execute(
        select(Membership.party_id, func.count(Membership.id)).group_by(Membership.party_id)
    ):
        result.setdefault(party_id, [0, 0, 0])[2] = members
    return {k: (v[0], v[1], v[2]) for k, v in result.items()}
