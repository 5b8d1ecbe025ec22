"""The roster (kontakter): reading CSV and XLSX, row errors, preview and confirm, history, matching, listing, CLI.

The files under tests/fixtures/roster/ are written for these tests, the way Norwegian Excel saves a
sheet ("CSV UTF-8": BOM, `;`, CRLF) and the way other tools do (`,`, no BOM).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from handlers.core.context import Actor, Context
from handlers.core.replies import Reply
from handlers.importing import upload
from handlers.parties import roster
from storage import people
from storage.models import AuditEvent, PendingImport, Person, RosterEntry
from tests.conftest import NOW, ROOT, Bot

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "roster"
ADMIN = Actor("slack", "UADMIN", "Admin")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def xlsx(rows: list[list[object]], *, first_sheet: str = "Kontakter", other: list[list[object]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = first_sheet
    for row in rows:
        sheet.append(row)
    if other is not None:
        extra = book.create_sheet("Annet")
        for row in other:
            extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(bot: Bot, data: bytes, name: str) -> list[roster.RosterRow] | Reply:
    out: list[roster.RosterRow] = []

    def run(ctx: Context) -> Reply:
        out.extend(roster.read(ctx, data, name))
        return Reply()

    reply = bot.app.handle("", ADMIN, now=bot.now, run=run)
    return reply if reply.error else out


def preview(bot: Bot, data: bytes, name: str, actor: Actor = ADMIN) -> Reply:
    return bot.app.handle("", actor, now=bot.now, run=lambda ctx: upload.preview(ctx, "", data, name, "roster"))


def active(bot: Bot) -> dict[tuple[str, str], tuple[str, str]]:
    """(party key, e-mail) -> (name, role) of everyone representing a party now."""
    with bot.app.sessions() as session:
        entries = session.scalars(select(RosterEntry).where(RosterEntry.removed_at.is_(None))).all()
        return {(e.party.key, e.email): (e.name, e.role) for e in entries}


def count(bot: Bot, model: type) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def confirm(bot: Bot, reply: Reply) -> Reply:
    assert [b.label for b in reply.buttons] == ["Importer", "Avbryt"], bot.text(reply)
    return bot.app.handle(reply.buttons[0].command, ADMIN, now=bot.now)


# --- reading -------------------------------------------------------------------------------------


def test_semicolon_csv_with_bom_crlf_quotes_and_blank_rows(bot: Bot) -> None:
    rows = read(bot, fixture("kontakter_semikolon.csv"), "kontakter.csv")
    assert isinstance(rows, list)
    assert [(r.row, r.party, r.name, r.email, r.role) for r in rows] == [
        (2, "nordland", "Kari Nordmann", "kari.nordmann@nfk.no", "Rådgiver"),
        (3, "nordland", "Per Olsen", "per.olsen@nfk.no", ""),
        (5, "kdd", "Hansen; Ola", "ola.hansen@kdd.dep.no", "Seniorrådgiver"),
    ]


def test_comma_csv_with_english_and_variant_headers(bot: Bot) -> None:
    rows = read(bot, fixture("kontakter_komma.csv"), "roster.csv")
    assert isinstance(rows, list)
    assert [(r.party, r.name, r.email, r.role) for r in rows] == [
        ("kdd", "Ola Hansen", "ola.hansen@kdd.dep.no", ""), ("vestland", "Siri Vik", "siri.vik@vlfk.no", "Fagleder")]


def test_xlsx_first_sheet_only(bot: Bot) -> None:
    data = xlsx([["Parti", "Fullt navn", "E-postadresse", "Funksjon"], ["AU", "Liv Lie", "Liv@Example.no", None],
                 [None, None, None, None], ["Innovasjon Norge", "Tor Dahl", "tor@in.no", "Rådgiver"]],
                other=[["part", "navn", "e-post"], ["Ukjent", "X", "x@y.no"]])
    rows = read(bot, data, "kontakter.xlsx")
    assert isinstance(rows, list)
    assert [(r.row, r.party, r.name, r.email, r.role) for r in rows] == [
        (2, "au", "Liv Lie", "liv@example.no", ""), (4, "innovasjon-norge", "Tor Dahl", "tor@in.no", "Rådgiver")]


@pytest.mark.parametrize(("data", "name", "expected"), [
    (b"navn;e-post\nKari;kari@nfk.no\n", "k.csv", "Fant ikke kolonnen «part»"),
    ("part;navn;e-post\nNordland;Kåre;kare@nfk.no\n".encode("cp1252"), "k.csv", "ikke UTF-8"),
    (b"", "k.csv", "Fila er tom"),
    (b"part;navn;e-post\n", "k.csv", "bare overskriftsraden"),
    (b"PK\x03\x04 not really a zip", "k.xlsx", "Kan ikke lese Excel-fila"),
    (b"\xd0\xcf\x11\xe0old excel", "k.xls", "(.xls)"),
])
def test_unreadable_files_are_refused_in_norwegian(bot: Bot, data: bytes, name: str, expected: str) -> None:
    reply = read(bot, data, name)
    assert isinstance(reply, Reply) and reply.error
    assert expected in bot.text(reply)


def test_every_row_error_is_listed_and_nothing_is_saved(bot: Bot) -> None:
    reply = preview(bot, fixture("kontakter_feil.csv"), "kontakter_feil.csv")
    assert reply.error and not reply.buttons
    text = bot.text(reply)
    assert "fila har 5 feil" in text
    assert "Rad 3: Finner ingen part som heter «Nordlandd». Mente du Nordland fylkeskommune?" in text
    assert "Rad 4: «anne.berg@nfk» er ikke en gyldig e-postadresse." in text
    assert "Rad 5: Mangler navn." in text
    assert "Rad 6: kari.nordmann@nfk.no står allerede for Nordland fylkeskommune i rad 2." in text
    assert "Rad 7: Mangler part." in text
    assert "Rad 2" not in text.replace("i rad 2", "")
    assert count(bot, RosterEntry) == 0 and count(bot, PendingImport) == 0


def test_a_name_that_is_a_list_of_parties_is_not_guessed(bot: Bot) -> None:
    reply = read(bot, b"part;navn;e-post\nFK og KDD;Kari;kari@nfk.no\n", "k.csv")
    assert isinstance(reply, Reply) and reply.error
    assert "Rad 2: Finner ingen part som heter «FK og KDD»" in bot.text(reply)


# --- preview, confirm, history -------------------------------------------------------------------


def test_preview_then_confirm_then_idempotent_then_changes_kept_in_history(bot: Bot) -> None:
    first = preview(bot, fixture("kontakter_semikolon.csv"), "kontakter.csv")
    assert not first.error, bot.text(first)
    assert "3 nye" in bot.text(first) and "Kari Nordmann <kari.nordmann@nfk.no> · Rådgiver" in bot.text(first)
    assert count(bot, RosterEntry) == 0  # a preview stores nothing but itself
    done = confirm(bot, first)
    assert not done.error and "Kontaktlista er oppdatert" in bot.text(done)
    assert active(bot) == {("nordland", "kari.nordmann@nfk.no"): ("Kari Nordmann", "Rådgiver"),
                           ("nordland", "per.olsen@nfk.no"): ("Per Olsen", ""),
                           ("kdd", "ola.hansen@kdd.dep.no"): ("Hansen; Ola", "Seniorrådgiver")}
    again = bot.app.handle(first.buttons[0].command, ADMIN, now=bot.now)
    assert "allerede lagret" in bot.text(again)

    # The same file again: nothing to confirm, nothing changes.
    audits = count(bot, AuditEvent)
    same = preview(bot, fixture("kontakter_semikolon.csv"), "kontakter.csv")
    assert not same.buttons and "Ingen endringer" in bot.text(same) and "3 uendret" in bot.text(same)
    assert count(bot, AuditEvent) == audits

    # A changed file: Kari's role, Per gone from Nordland, a new person; KDD is not in the file and is left alone.
    bot.now = NOW + timedelta(days=1)
    changed = b"part;navn;e-post;rolle\nNordland;Kari Nordmann;kari.nordmann@nfk.no;Fagleder\nNordland;Nils Ny;nils@nfk.no;\n"
    shown = preview(bot, changed, "kontakter2.csv")
    text = bot.text(shown)
    assert "1 ny, 1 endret, 0 tilbake, 1 slutter" in text
    assert "(før: Kari Nordmann · Rådgiver)" in text and "Slutter å representere parten (1)" in text
    confirm(bot, shown)
    assert active(bot) == {("nordland", "kari.nordmann@nfk.no"): ("Kari Nordmann", "Fagleder"),
                           ("nordland", "nils@nfk.no"): ("Nils Ny", ""),
                           ("kdd", "ola.hansen@kdd.dep.no"): ("Hansen; Ola", "Seniorrådgiver")}
    with bot.app.sessions() as session:
        per = session.scalars(select(RosterEntry).where(RosterEntry.email == "per.olsen@nfk.no")).one()
        assert per.removed_at == (NOW + timedelta(days=1)).replace(tzinfo=None)
        changes = session.execute(select(AuditEvent.entity_id, AuditEvent.change, AuditEvent.old_value,
                                         AuditEvent.new_value).where(AuditEvent.entity == "roster")
                                  .order_by(AuditEvent.id)).all()
    assert ("nordland:per.olsen@nfk.no", "removed", {"name": "Per Olsen", "role": ""}, None) in changes
    assert ("nordland:kari.nordmann@nfk.no", "updated", {"name": "Kari Nordmann", "role": "Rådgiver", "removed": False},
            {"name": "Kari Nordmann", "role": "Fagleder"}) in changes
    assert [c[1] for c in changes].count("created") == 4 and [c[1] for c in changes].count("imported") == 2

    # Per comes back: the same entry is active again.
    back = preview(bot, changed + b"Nordland;Per Olsen;Per.Olsen@nfk.no;\n", "kontakter3.csv")
    assert "1 tilbake" in bot.text(back)
    confirm(bot, back)
    with bot.app.sessions() as session:
        per = session.scalars(select(RosterEntry).where(RosterEntry.email == "per.olsen@nfk.no")).one()
        assert per.removed_at is None
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "roster", AuditEvent.change == "restored")) == 1


def test_cancel_and_only_admins(bot: Bot) -> None:
    kari = Actor("slack", "UKARI", "Kari")
    assert bot.app.handle("", kari, run=lambda ctx: upload.check(ctx, "roster")).error
    refused = preview(bot, fixture("kontakter_komma.csv"), "k.csv", kari)
    assert refused.error and "importere kontaktlista" in bot.text(refused)
    shown = preview(bot, fixture("kontakter_komma.csv"), "k.csv")
    assert bot.app.handle(shown.buttons[0].command, kari, now=bot.now).error  # a click is refused like a command
    assert bot.app.handle(shown.buttons[1].command, kari, now=bot.now).error
    cancelled = bot.app.handle(shown.buttons[1].command, ADMIN, now=bot.now)
    assert "avbrutt" in bot.text(cancelled)
    assert "avbrutt" in bot.text(bot.app.handle(shown.buttons[0].command, ADMIN, now=bot.now))
    assert count(bot, RosterEntry) == 0
    # A protocol preview's token is not a roster preview, and a roster preview's token is no protocol preview.
    assert "Fant ikke denne forhåndsvisningen" in bot.text(bot.say("kontakter bekreft 0123456789abcdef"))
    again = preview(bot, fixture("kontakter_komma.csv"), "k.csv")
    token = again.buttons[0].command.split()[-1]
    crossed = bot.app.handle(f"importer bekreft {token}", ADMIN, now=bot.now)
    assert crossed.error and "Fant ikke denne forhåndsvisningen" in bot.text(crossed)
    assert count(bot, RosterEntry) == 0


@pytest.mark.parametrize(("text", "kind", "target", "args"), [
    ("kontakter importer", "import", "roster", ""),
    ("/oppfølging Kontakter Import", "import", "roster", ""),
    ("<@UBOT> kontakter importer", "import", "roster", ""),
    ("kontakter", "other", "protocol", ""),
    ("kontakter Nordland", "other", "protocol", ""),
    ("importer", "import", "protocol", ""),
])
def test_upload_intent(text: str, kind: str, target: str, args: str) -> None:
    wish = upload.intent(text)
    assert (wish.kind, wish.target, wish.args) == (kind, target, args)


def test_import_without_file_explains_how(bot: Bot) -> None:
    reply = bot.say("kontakter importer")
    assert "Last opp kontaktlista" in bot.text(reply) and not reply.error
    assert bot.say("kontakter importer", "slack:UKARI").error


# --- matching and listing ------------------------------------------------------------------------


def test_matching_by_email_after_import_and_when_an_email_is_learned(bot: Bot) -> None:
    with bot.app.sessions.begin() as session:
        kari = people.get_or_create(session, "slack", "UKARI", "Kari", NOW.replace(tzinfo=None))
        kari.email = "KARI.Nordmann@nfk.no"  # the platform's spelling; matched case-insensitively
    confirm(bot, preview(bot, fixture("kontakter_semikolon.csv"), "k.csv"))
    with bot.app.sessions.begin() as session:
        links = {e.email: e.person_id for e in session.scalars(select(RosterEntry))}
        kari_id = session.scalars(select(Person.id).where(Person.external_id == "UKARI")).one()
        assert links == {"kari.nordmann@nfk.no": kari_id, "per.olsen@nfk.no": None, "ola.hansen@kdd.dep.no": None}
        assert roster.unmatched_emails(session, "slack") == ["ola.hansen@kdd.dep.no", "per.olsen@nfk.no"]
        per = people.get_or_create(session, "teams", "aad-per", "Per", NOW.replace(tzinfo=None))
        assert roster.learn_email(session, per, "not an address") == 0 and per.email is None
        assert roster.learn_email(session, per, "Per.Olsen@NFK.no") == 1
        assert per.email == "per.olsen@nfk.no"
        # A later Slack user with the same address does not take the link over.
        per_slack = people.get_or_create(session, "slack", "UPER", "Per", NOW.replace(tzinfo=None))
        assert roster.learn_email(session, per_slack, "per.olsen@nfk.no") == 0
        # Per's Teams address changes: the link moves to the Slack user who still has it.
        assert roster.learn_email(session, per, "per@annet.no") == 1
        entry = session.scalars(select(RosterEntry).where(RosterEntry.email == "per.olsen@nfk.no")).one()
        assert entry.person_id == per_slack.id


def test_kontakter_lists_roster_and_members(bot: Bot) -> None:
    assert "Ingen parter har kontakter" in bot.text(bot.say("kontakter"))
    bot.say("medlem Nordland", "slack:UMEMBER", name="Mona Medlem")
    with bot.app.sessions.begin() as session:
        kari = people.get_or_create(session, "teams", "aad-kari", "Kari", NOW.replace(tzinfo=None))
        kari.email = "kari.nordmann@nfk.no"
    confirm(bot, preview(bot, fixture("kontakter_semikolon.csv"), "k.csv"))
    overview = bot.say("kontakter", "slack:UANYONE")
    text = bot.text(overview)
    assert "Nordland fylkeskommune: 2 i kontaktlista (1 koblet til chat), 1 medlemmer" in text
    assert "Kommunal- og distriktsdepartementet: 1 i kontaktlista (0 koblet til chat), 0 medlemmer" in text
    one = bot.say("kontakter Nordland", "slack:UANYONE")
    text = bot.text(one)
    assert "Kari Nordmann <kari.nordmann@nfk.no> · Rådgiver – koblet til Teams" in text
    assert "Per Olsen <per.olsen@nfk.no> – ikke koblet til chat" in text
    assert "Mona Medlem – medlem (Slack)" in text
    assert one.data == {"parties": [{"party": "nordland", "roster": [
        {"name": "Kari Nordmann", "email": "kari.nordmann@nfk.no", "role": "Rådgiver", "person": "teams:aad-kari"},
        {"name": "Per Olsen", "email": "per.olsen@nfk.no", "role": "", "person": None}],
        "members": ["slack:UMEMBER"]}]}
    assert "Finner ingen part" in bot.text(bot.say("kontakter Nordlandd"))


# --- the command line ----------------------------------------------------------------------------


def oppfolging(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_dry_run_json_apply_and_refusal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    good = str(FIXTURES / "kontakter_semikolon.csv")
    dry = oppfolging("roster", "import", good, "--dry-run", "--json", db=db)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] is True and plan["parties"] == ["nordland", "kdd"] and len(plan["new"]) == 3
    applied = oppfolging("roster", "import", good, "--json", db=db)
    assert applied.returncode == 0, applied.stderr
    assert len(json.loads(applied.stdout)["new"]) == 3
    again = json.loads(oppfolging("roster", "import", good, "--json", db=db).stdout)
    assert (again["new"], again["updated"], again["removed"], again["unchanged"]) == ([], [], [], 3)
    text = oppfolging("roster", "import", good, "--dry-run", db=db)
    assert "Ingen endringer" in text.stdout

    refused = oppfolging("roster", "import", str(FIXTURES / "kontakter_feil.csv"), db=db)
    assert refused.returncode == 2 and refused.stdout == ""
    lines = refused.stderr.splitlines()
    assert lines[0].startswith("Kontaktlista er ikke lagret: fila har 5 feil")
    assert [line.split(":")[0] for line in lines[1:]] == ["Rad 3", "Rad 4", "Rad 5", "Rad 6", "Rad 7"]
    listed = oppfolging("run", "kontakter", db=db)
    assert "Nordland fylkeskommune: 2 i kontaktlista" in listed.stdout  # the refused file changed nothing
    assert oppfolging("roster", "import", str(tmp_path / "finnes-ikke.csv"), db=db).returncode == 2
    assert oppfolging("roster", "import", good, "--user", "slack:UKARI", db=db).returncode == 1
