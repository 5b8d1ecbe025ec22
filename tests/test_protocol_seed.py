"""The real protocol in ../shared/seeds/004_*.txt (Word's text export) imports into 11 actions.

The seed text is read at run time and never copied into the repository; the test is skipped
where the seeds are not present.

Why 11 (the rule is in handlers/protocol/extract.py: an action is a sentence whose subject is a
party; a paragraph that commits nobody is information, reported but not imported):

  row 1   "Viktig å få lagt dette ut på partenes hjemmesider"   -> information: no subject at all;
          "partenes" is a possessive, the parties are not asked to do anything by name, so
          there is nobody to remind (reported as a warning, kept in plan.info)
  row 4   "FK og Virkemiddelapparatet må ha en dialog …"      -> fylkeskommunene + virkemiddelaktorene
          "AU for Nasjonal samhandlingsmodell følger opp."    -> au            (two commitments, two parties)
  row 5   "Nasjonal samhandlingsmodell er styringsgruppe …"  -> information (a copula states a fact)
          "AU … lager et forslag til vedtak …"                -> au
  row 6   "AU … arbeider videre med forslag organisering …"   -> au
          "AU … har ansvaret for oppfølging …"                -> au
          "Det er behov for … AU … arbeider videre …"         -> au (the need is kept as context)
  row 7   "… der KDD kommer tilbake med …"                    -> kdd
  orienteringssaker (numbered 5 again in the protocol)
          "Arbeidsgruppa arbeider videre …"                   -> ?Arbeidsgruppa (unknown, not guessed)
          "Fylkeskommunene Nordland, Innlandet og Møre- og Romsdal stiller …" -> the three counties
          "FK og KDD oppretter en programkomité …"            -> fylkeskommunene + kdd
  last row "AU Nasjonal samhandlingsmodell sender et brev til KDD …" -> au (KDD is the addressee)

2 + 1 + 3 + 1 + 3 + 1 = 11.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from handlers.importing.extract import ImportPlan, plan_import
from handlers.importing.readers import read_document
from handlers.parties.resolver import default_resolver

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
SEED = next(iter(sorted(SEEDS.glob("004_*.txt"))), None)

pytestmark = pytest.mark.skipif(SEED is None, reason="seed protocol 004 not available")


@pytest.fixture(scope="module")
def plan() -> ImportPlan:
    assert SEED is not None
    return plan_import(SEED.read_bytes(), SEED.name, resolver=default_resolver())


def test_rows_are_rebuilt_from_the_export() -> None:
    assert SEED is not None
    document = read_document(SEED.read_bytes(), SEED.name)
    (table,) = document.tables
    assert table.rows[0] == ("Saker", "Oppfølging")
    # Rows as the export writes them, continuation rows included (rows 4, 6 and the last case
    # run over two table rows each), and the closing "--" row dropped.
    assert len(table.rows) == 12
    starts = [row[0].split(" ", 1)[0] for row in table.rows[1:]]
    assert starts == ["1.", "2.", "3.", "4.", "•", "5.", "6.", "", "7.", "5.", "•"]
    # Paragraphs inside a cell stay separate lines.
    assert table.rows[7][1].count("\n") == 1
    assert document.paragraphs[0].startswith("Nasjonal samhandlingsmodell Frosta")


def test_meeting_line(plan: ImportPlan) -> None:
    meeting = plan.meeting
    assert meeting.title == "Nasjonal samhandlingsmodell"
    assert meeting.place == "Frosta"
    assert meeting.date == date(2023, 5, 11)  # the year is at the end of the line
    assert (meeting.start, meeting.end) == (time(8, 30), time(14, 0))
    assert (meeting.kind, meeting.region) == ("national-spring", None)
    assert plan.next_meeting is None


def test_eleven_actions_with_their_parties(plan: ImportPlan) -> None:
    got = [(a.case, a.parties, a.text.split(" ", 4)[:4]) for a in plan.actions]
    assert [(case, parties) for case, parties, _ in got] == [
        ("4", ("fylkeskommunene", "virkemiddelaktorene")),
        ("4", ("au",)),
        ("5", ("au",)),
        ("6", ("au",)),
        ("6", ("au",)),
        ("6", ("au",)),
        ("7", ("kdd",)),
        ("5", ("?Arbeidsgruppa",)),
        ("5", ("nordland", "innlandet", "more-og-romsdal")),
        ("5", ("fylkeskommunene", "kdd")),
        ("5", ("au",)),
    ]
    texts = [a.text for a in plan.actions]
    assert texts[0].startswith("FK og Virkemiddelapparatet må ha en dialog")
    assert texts[1] == "AU for Nasjonal samhandlingsmodell følger opp."
    assert texts[2].startswith("AU for Nasjonal samhandlingsmodell lager et forslag")
    # The need is context of the AU action, in front of it.
    assert texts[5].startswith("Det er behov for en sekretariatressurs")
    assert "AU for Nasjonal samhandlingsmodell arbeider videre med forslag til hvordan" in texts[5]
    assert "der KDD kommer tilbake med" in texts[6]
    assert texts[10].startswith("AU Nasjonal samhandlingsmodell sender et brev til KDD")


def test_information_is_reported_not_imported(plan: ImportPlan) -> None:
    assert [(i.case, i.text.split(" ", 3)[:3]) for i in plan.info] == [
        ("1", ["Viktig", "å", "få"]),
        ("5", ["Nasjonal", "samhandlingsmodell", "er"]),
    ]
    assert sum("ikke tatt med som oppfølgingspunkt" in w for w in plan.warnings) == 2
    # The protocol numbers two cases "5"; the user is told.
    assert "Saksnummer 5 brukes for flere saker i protokollen." in plan.warnings
    assert any("Arbeidsgruppa" in w for w in plan.warnings)


def test_relative_deadline_is_kept_as_text(plan: ImportPlan) -> None:
    deadlines = [(a.deadline, a.deadline_text) for a in plan.actions]
    assert deadlines[5] == (None, "legges fram for styringsgruppen")
    assert plan.actions[5].deadline_meeting is not None
    assert plan.actions[5].deadline_meeting.kind == "steering-group"
    assert all(d == (None, None) for i, d in enumerate(deadlines) if i != 5)


def test_reimport_gives_the_same_fingerprints(plan: ImportPlan) -> None:
    assert SEED is not None
    again = plan_import(SEED.read_bytes(), SEED.name, resolver=default_resolver())
    assert [a.fingerprint for a in again.actions] == [a.fingerprint for a in plan.actions]
    assert len({a.fingerprint for a in plan.actions}) == 11
