"""The protocol reader on layouts other than a "Saker | Oppfølging" table, on .eml and charsets,
on meeting facts read from the title, and on the explanations the preview shows."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from handlers.core.errors import UserError
from handlers.importing.extract import ImportPlan, plan_import
from handlers.parties.resolver import default_resolver
from tests.corpus.render import Block, Source, docx, html_word, render


def _plan(text: str, fmt: str = "txt", **kwargs: object) -> ImportPlan:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    blocks: list[Block] = []
    for line in lines:
        if line.startswith("|"):
            row = [[p.strip() for p in c.split("//") if p.strip()] for c in line.strip("|").split("|")]
            if blocks and blocks[-1].kind == "table":
                blocks[-1].rows.append(row)
            else:
                blocks.append(Block("table", rows=[row]))
        elif line.startswith("- "):
            blocks.append(Block("bullet", line[2:]))
        elif line.startswith("# "):
            blocks.append(Block("heading", line[2:]))
        else:
            blocks.append(Block("paragraph", line))
    source = Source("p", fmt, blocks)
    return plan_import(render(source), source.filename, resolver=default_resolver(), **kwargs)  # type: ignore[arg-type]


def _summary(plan: ImportPlan) -> list[tuple[tuple[str, ...], str | None]]:
    return [(a.parties, a.deadline.isoformat() if a.deadline else a.deadline_status) for a in plan.actions]


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html-word", "html-outlook", "txt", "eml-plain", "eml-attached"])
def test_bullets_under_a_followup_heading(fmt: str) -> None:
    plan = _plan("""
        Referat fra møte i AU 12. mars 2024
        Oppfølgingspunkter:
        - KS sender invitasjonen innen 22. mars 2024.
        - Siva lager en oversikt over næringshagene innen 5. april 2024.
        Neste møte: 9. april 2024
    """, fmt)
    assert _summary(plan) == [(("ks",), "2024-03-22"), (("siva",), "2024-04-05")]
    assert plan.layout_kinds == ("section",)
    assert plan.meeting.kind == "au"
    assert plan.next_meeting is not None and plan.next_meeting.date == date(2024, 4, 9)


def test_ansvar_and_frist_lines_after_an_item() -> None:
    plan = _plan("""
        Styringsgruppemøte 5. februar 2024
        1. Utarbeide mandat for arbeidsgruppen
        Ansvar: Innovasjon Norge
        Frist: 1. mars 2024
        2. Sende deltakerliste
        Ansvarlig: AU
        Frist: 15. februar 2024
    """, "docx")
    assert _summary(plan) == [(("innovasjon-norge",), "2024-03-01"), (("au",), "2024-02-15")]
    assert "labels" in plan.layout_kinds
    assert plan.meeting.kind == "steering-group"


def test_inline_labels_in_one_paragraph() -> None:
    plan = _plan("""
        Dialogmøte Agder fylkeskommune, Arendal 4. april 2024
        Vedtak:
        - Lage en oversikt over fond. Ansvar: Agder fylkeskommune. Frist: 30. april 2024.
    """)
    assert _summary(plan) == [(("agder",), "2024-04-30")]
    assert plan.actions[0].text == "Lage en oversikt over fond."


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("| Sak | Drøfting | Vedtak/oppfølging |", "| 1. Plan | Drøftet. | KS sender planen innen 1. mai 2024. |"),
        ("| Tiltak | Hvem | Når |", "| Sende planen | KS | 1. mai 2024 |"),
        ("| Sak | Ansvar | Frist |", "| 1. Sende planen til partene | KS | 1. mai 2024 |"),
        ("| Nr. | Oppgave | Ansvarlig | Tidsfrist |", "| 1 | Sende planen | KS | 1. mai 2024 |"),
    ],
)
def test_tables_of_any_column_layout(header: str, row: str) -> None:
    plan = _plan(f"Vårmøte Nasjonal samhandlingsmodell, Hamar 18. april 2024\n{header}\n{row}", "docx")
    assert _summary(plan) == [(("ks",), "2024-05-01")]
    assert "planen" in plan.actions[0].text


def test_a_row_that_commits_nobody_is_explained() -> None:
    plan = _plan("""
        Vårmøte Nasjonal samhandlingsmodell, Hamar 18. april 2024
        | Saker | Oppfølging |
        | 1. Status | Saken ble tatt til orientering. // KS sender referatet innen 26. april 2024. |
    """, "docx")
    assert len(plan.actions) == 1
    why = plan.actions[0].explanation
    assert why[0].startswith("fra tabell 1, rad 2")
    assert why[1] == "part «KS» er subjekt for «sender»"
    assert why[2] == "frist fra «innen 26. april 2024»"
    assert plan.info[0].text == "Saken ble tatt til orientering."
    assert "ingen part forplikter seg" in plan.info[0].reason


def test_a_partly_understood_deadline_is_refused_not_shortened() -> None:
    """"om 10 dager" alone is a date, but "fredag om 10 dager" names no one day: the whole phrase is
    refused rather than saved from its tail."""
    plan = _plan("""
        Referat fra møte i AU 6. mars 2024
        Tiltak:
        - AU sender utkastet fredag om 10 dager.
    """)
    action = plan.actions[0]
    assert action.deadline is None and action.deadline_status == "refused"
    assert any("fredag om 10 dager" in w for w in plan.warnings), plan.warnings


def test_a_weekday_some_weeks_ahead_is_understood_whole() -> None:
    plan = _plan("""
        Referat fra møte i AU 6. mars 2024
        Tiltak:
        - AU sender utkastet fredag om to uker.
    """)
    action = plan.actions[0]
    # The Friday of the ISO week two weeks after the meeting's week (week 10 -> week 12).
    assert action.deadline is not None and action.deadline.isoformat() == "2024-03-22"
    assert action.deadline_status == "parsed"


@pytest.mark.parametrize(
    ("title", "kind", "region"),
    [
        ("Administrativt dialogmøte mellom Agder fylkeskommune og virkemiddelaktørene, Kristiansand 9. april 2024",
         "regional-spring", "agder"),
        ("Protokoll fra høstmøte Bergen 10. oktober 2023", "national-autumn", None),
        ("Referat fra møte i AU 12. mars 2024", "au", None),
        ("Haustmøte i Nasjonal samhandlingsmodell, Ålesund 14. november 2023", "national-autumn", None),
        ("Dialogmøte Akershus, Oslo 12. desember 2023", "regional-autumn", "akershus"),
    ],
)
def test_meeting_kind_and_county_from_the_title(title: str, kind: str, region: str | None) -> None:
    plan = _plan(f"{title}\nTil stede: Vestland fylkeskommune, Nordland fylkeskommune\nOppfølging:\n- KS sender referatet.")
    assert (plan.meeting.kind, plan.meeting.region) == (kind, region)
    assert plan.meeting.unclear == ()


def test_an_unclear_kind_is_asked_and_can_be_given() -> None:
    text = "Møte 12. mars 2024\nOppfølging:\n- KS sender referatet."
    plan = _plan(text)
    assert plan.meeting.unclear == ("kind",)
    given = _plan(text, kind="au")
    assert (given.meeting.kind, given.meeting.unclear) == ("au", ())
    regional = _plan("Dialogmøte 12. mars 2024\nOppfølging:\n- KS sender referatet.")
    assert regional.meeting.unclear == ("region",)
    assert _plan("Dialogmøte 12. mars 2024\nOppfølging:\n- KS sender referatet.", region="Agder").meeting.region == "agder"


def test_nynorsk_sentences() -> None:
    plan = _plan("""
        Haustmøte i Nasjonal samhandlingsmodell, Ålesund 14. november 2023
        Vedtak:
        - Det vart semje om at AU skal lage eit forslag innan 15. januar 2024.
    """)
    assert _summary(plan) == [(("au",), "2024-01-15")]


# --- files ----------------------------------------------------------------------------------------

_SIMPLE = Source("p", "html-word", [Block("paragraph", "Referat fra møte i AU 12. mars 2024"),
                                    Block("heading", "Oppfølging"),
                                    Block("bullet", "KS sender søknaden om støtte til Østfold innen 22. mars 2024.")])


def test_word_html_in_windows_1252_honours_its_meta_charset() -> None:
    data = html_word(_SIMPLE)
    assert b"\xf8" in data  # ø in windows-1252
    plan = plan_import(data, "p.htm", resolver=default_resolver())
    assert plan.actions[0].text == "KS sender søknaden om støtte til Østfold innen 22. mars 2024."


def test_html_without_a_charset_is_read_only_when_it_is_utf8() -> None:
    data = html_word(_SIMPLE).replace(b'<meta http-equiv=Content-Type content="text/html; charset=windows-1252">', b"")
    with pytest.raises(UserError, match="Klarte ikke å avgjøre tegnsettet"):
        plan_import(data, "p.htm", resolver=default_resolver())
    utf8 = data.decode("cp1252").encode("utf-8")
    assert plan_import(utf8, "p.htm", resolver=default_resolver()).actions[0].parties == ("ks",)
    bom = b"\xef\xbb\xbf" + utf8
    assert plan_import(bom, "p.htm", resolver=default_resolver()).actions[0].parties == ("ks",)
    unknown = html_word(_SIMPLE).replace(b"windows-1252", b"x-nonsense")
    with pytest.raises(UserError, match="x-nonsense"):
        plan_import(unknown, "p.htm", resolver=default_resolver())


def test_eml_body_and_protocol_attachment() -> None:
    message = EmailMessage()
    message["Subject"] = "VS: Referat fra møte i AU 12. mars 2024"
    message.set_content("Hei,\n\nse vedlegg.\n\n> Gammel tekst: KS sender noe innen 1. mai 2024.\n")
    message.add_attachment(docx(Source("a", "docx", _SIMPLE.blocks[1:])), maintype="application",
                           subtype="octet-stream", filename="referat.docx")
    plan = plan_import(bytes(message), "referat.eml", resolver=default_resolver())
    assert plan.meeting.kind == "au" and plan.meeting.date == date(2024, 3, 12)
    assert _summary(plan) == [(("ks",), "2024-03-22")]


def test_eml_without_any_body_is_refused() -> None:
    message = EmailMessage()
    message["Subject"] = "Tom"
    with pytest.raises(UserError, match="verken tekst eller en protokoll"):
        plan_import(bytes(message), "tom.eml", resolver=default_resolver())


def test_a_date_line_is_not_a_case_heading() -> None:
    plan = _plan("""
        Referat fra møte i AU
        12. mars 2024, Teams
        Utarbeide notat om kapitaltilgang
        Ansvar: KS
        Frist: 1. april 2024
    """, "docx")
    assert [(a.case, a.parties) for a in plan.actions] == [(None, ("ks",))]
    assert plan.meeting.date == date(2024, 3, 12)


def test_a_determiner_before_a_known_party_is_part_of_the_subject() -> None:
    plan = _plan("""
        Vårmøte Nasjonal samhandlingsmodell, Hamar 18. april 2024
        Oppfølging:
        - De tidligere Viken-fylkene melder inn kontaktpersoner innen 17. mai 2024.
        - Dei tidlegare Viken-fylka sender oversikta innan 24. mai 2024.
        - De sender brev til alle innen 31. mai 2024.
    """)
    assert [(a.parties, a.deadline.isoformat() if a.deadline else None) for a in plan.actions[:2]] == [
        (("akershus", "buskerud", "ostfold"), "2024-05-17"),
        (("akershus", "buskerud", "ostfold"), "2024-05-24"),
    ]
    # "De" alone names nobody: that sentence commits no party and is not guessed onto one.
    assert all("brev til alle" not in a.text for a in plan.actions)


def test_a_county_named_before_the_reform_counts_when_it_exists_by_the_deadline() -> None:
    plan = _plan("""
        Dialogmøte Viken fylkeskommune 12. desember 2023
        Oppfølging:
        - Akershus fylkeskommune etablerer regionalt partnerskap innen 31. januar 2024.
    """)
    (action,) = plan.actions
    assert action.parties == ("akershus",) and action.deadline is not None
