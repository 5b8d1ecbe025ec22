"""Readers: each format's quirks, and unusable files refused with a Norwegian UserError."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import zipfile
from datetime import date

import pytest

from handlers.core.errors import UserError
from handlers.importing import readers as readers_module
from handlers.importing.extract import plan_import
from handlers.importing.readers import read_document
from handlers.parties.resolver import default_resolver
from tests.support.protocols import build
from tests.support.protocols.build import Protocol

# --- .txt (Word's tab-separated export with HTML cells) ------------------------------------------


def _txt(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\n".join(lines).encode(encoding)


def test_txt_rebuilds_rows_that_run_over_several_lines() -> None:
    data = _txt(
        "Møte i arbeidsutvalget 3. mars 2024",
        "",
        "Saker\tOppfølging",
        # the first cell runs over two lines before its tab
        "<p>1. Budsjett</p>",
        "<p>Innspill fra KS.</p>\t<p>KS følger opp.</p>",
        "",
        # the last cell runs on: an open <p> and an HTML line without a tab
        "<p>2. Rapport</p>\t<p>AU skriver utkast.",
        "Siva leser korrektur.</p>",
        "<p>Frist er satt.</p>",
        # a tab-less line with a case number starts the next row
        "<p>3. Eventuelt</p>",
        "\t<p>Ingen saker.</p>",
        "<p>4. Neste møte</p>\tfor\tmange\tfaner",
        "--\t--",
        "Neste møte: 2. juni 2024",
    )
    document = read_document(data, "p.txt")
    (table,) = document.tables
    assert table.rows == (
        ("Saker", "Oppfølging"),
        ("1. Budsjett\nInnspill fra KS.", "KS følger opp."),
        ("2. Rapport", "AU skriver utkast. Siva leser korrektur.\nFrist er satt."),
        ("3. Eventuelt", "Ingen saker."),
        ("4. Neste møte", "for mange faner"),
    )
    assert document.paragraphs == ["Møte i arbeidsutvalget 3. mars 2024", "Neste møte: 2. juni 2024"]
    assert document.blocks.index(table) == 1


def test_txt_keeps_literal_bullets_as_list_items() -> None:
    data = _txt("Saker\tOppfølging", '<p>1. Sak</p> <ul style="x"> • første • andre\t<p>AU følger opp.</p>')
    (table,) = read_document(data, "p.txt").tables
    assert table.rows[1][0] == "1. Sak\n• første\n• andre"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_txt_encodings_word_uses(encoding: str) -> None:
    data = _txt("Møte 3. mars 2024", "Saker\tOppfølging", "<p>1. Sak</p>\t<p>Møre og Romsdal følger opp.</p>", encoding=encoding)
    (table,) = read_document(data, "p.txt").tables
    assert table.rows[1] == ("1. Sak", "Møre og Romsdal følger opp.")


# --- .html ---------------------------------------------------------------------------------------


def test_html_cells_paragraphs_lists_colspan_and_nesting() -> None:
    page = """<html><head><title>ignored</title><style>td {color: red}</style>
    <script>var x = "<table>";</script></head><body>
    <h1>Dialogmøte Innlandet 10. april 2024</h1>
    <table>
      <tr><th>Sak<th>Beskrivelse<th>Oppfølging</tr>
      <tr><td>1<td>Kort sak<td><p>AU følger opp.</p><p>KS&nbsp;bidrar &amp; deltar.<br>Ny linje.</p>
      <tr><td colspan=2>Felles rad<td><ul><li>Siva sender notat.</li><li>IN svarer.</li></ul></td></tr>
      <tr><td>3</td><td><table><tr><td>indre</td><td>tabell</td></tr></table></td><td>Ingen.</td></tr>
    </table>
    <p>Neste møte: 4. november 2024</p></body></html>"""
    document = read_document(page.encode("utf-8"), "p.html")
    (table,) = document.tables
    assert table.rows == (
        ("Sak", "Beskrivelse", "Oppfølging"),
        ("1", "Kort sak", "AU følger opp.\nKS bidrar & deltar.\nNy linje."),
        ("Felles rad", "", "• Siva sender notat.\n• IN svarer."),
        ("3", "indre tabell", "Ingen."),
    )
    assert document.paragraphs == ["Dialogmøte Innlandet 10. april 2024", "Neste møte: 4. november 2024"]


# --- .docx ---------------------------------------------------------------------------------------


def test_docx_merged_cells_are_not_duplicated() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Møte i AU 5. februar 2024")
    table = document.add_table(rows=4, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Sak", "Oppfølging", "Frist"], strict=True):
        cell.text = text
    table.cell(1, 0).text = "1. Budsjett"
    table.cell(1, 1).text = "AU lager forslag."
    table.cell(1, 2).text = "uke 10"
    # the case cell spans two rows: its text must not repeat in the second row
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(2, 1).text = "KS kommenterer."
    # a follow-up spanning two columns (follow-up and deadline)
    table.cell(3, 0).text = "2. Eventuelt"
    merged = table.cell(3, 1).merge(table.cell(3, 2))
    merged.text = "Ingen oppfølging."
    document.add_paragraph("Referent: sekretariatet")
    buffer = io.BytesIO()
    document.save(buffer)

    result = read_document(buffer.getvalue(), "p.docx")
    (read,) = result.tables
    assert read.rows == (
        ("Sak", "Oppfølging", "Frist"),
        ("1. Budsjett", "AU lager forslag.", "uke 10"),
        ("", "KS kommenterer.", ""),
        ("2. Eventuelt", "Ingen oppfølging.", ""),
    )
    assert result.paragraphs == ["Møte i AU 5. februar 2024", "Referent: sekretariatet"]


# --- PDF -----------------------------------------------------------------------------------------


def _long_protocol(rows: int) -> Protocol:
    table = [[["Saker"], ["Oppfølging"]]]
    for number in range(1, rows + 1):
        table.append(
            [
                [f"{number}. Sak om tema nummer {number} med en beskrivelse som går over flere linjer i cellen."],
                [f"Siva lager notat {number} innen uke {12 + number % 30}."],
            ]
        )
    return Protocol(before=["Nasjonal samhandlingsmodell Oslo 14. mars 2024"], table=table, after=["Slutt på protokollen."])


@pytest.mark.parametrize("borders", [True, False], ids=["borders", "borderless"])
def test_pdf_table_over_several_pages(borders: bool) -> None:
    protocol = _long_protocol(40)
    document = read_document(build.pdf(protocol, borders=borders), "p.pdf")
    (table,) = document.tables
    assert table.rows[0] == ("Saker", "Oppfølging")  # the repeated header is not a row
    assert len(table.rows) == 41
    assert [row[1] for row in table.rows[1:]] == [f"Siva lager notat {n} innen uke {12 + n % 30}." for n in range(1, 41)]
    assert table.rows[7][0] == "7. Sak om tema nummer 7 med en beskrivelse som går over flere linjer i cellen."
    assert document.paragraphs[-1] == "Slutt på protokollen."
    assert document.notes  # the user is told the table was reconstructed


def test_pdf_plan_over_several_pages() -> None:
    plan = plan_import(build.pdf(_long_protocol(40)), "p.pdf", resolver=default_resolver())
    assert len(plan.actions) == 40
    assert plan.actions[39].case == "40"
    assert plan.actions[39].deadline == date(2024, 5, 31)  # Friday of week 22
    assert {a.parties for a in plan.actions} == {("siva",)}


@pytest.mark.parametrize("borders", [True, False], ids=["borders", "borderless"])
def test_pdf_long_protocol_gives_every_action(borders: bool) -> None:
    """Text, parties, deadline and case of every action, as the PDF reader gave them before it
    moved from pypdf to pdfplumber."""
    plan = plan_import(build.pdf(_long_protocol(40), borders=borders), "p.pdf", resolver=default_resolver())
    weeks = [12 + n % 30 for n in range(1, 41)]
    assert [(a.text, a.parties, a.deadline, a.deadline_text, a.case) for a in plan.actions] == [
        (f"Siva lager notat {n} innen uke {week}.", ("siva",), date.fromisocalendar(2024, week, 5), f"innen uke {week}", str(n))
        for n, week in enumerate(weeks, start=1)
    ]


def test_pdf_with_owner_password_only_is_read() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(build.pdf(_long_protocol(2)))))
    writer.encrypt(user_password="", owner_password="eier", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    plan = plan_import(buffer.getvalue(), "p.pdf", resolver=default_resolver())
    assert len(plan.actions) == 2


# --- unusable input ------------------------------------------------------------------------------


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(build.pdf(_long_protocol(2)))))
    writer.encrypt(user_password="hemmelig", owner_password="eier", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _scanned_pdf() -> bytes:
    """A page that is only a picture of text, as a scanner makes it."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).text((10, 10), "Saker  Oppfolging  1. AU folger opp", fill="black")
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawImage(ImageReader(image), 50, 500, width=400, height=200)
    page.save()
    return buffer.getvalue()


def _docx_without_table() -> bytes:
    return build.docx(Protocol(before=["Møte 3. mars 2024"], table=[[["Tekst"]]]))


def _docx_other_table() -> bytes:
    return build.docx(Protocol(before=["Møte 3. mars 2024"], table=[[["Navn"], ["Rolle"]], [["Kari"], ["Leder"]]]))


def _docx_empty_table() -> bytes:
    return build.docx(Protocol(before=["Møte 3. mars 2024"], table=[[["Saker"], ["Oppfølging"]]]))


def _html_empty_rows() -> bytes:
    return build.html_page(Protocol(before=["Møte 3. mars 2024"], table=[[["Sak"], ["Oppfølging"]], [[], []], [["--"], ["--"]]]))


def _truncated_pdf() -> bytes:
    return build.pdf(_long_protocol(2))[:700]


def _zip_not_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return buffer.getvalue()


RANDOM = os.urandom(4096)

BAD_FILES = [
    ("encrypted.pdf", _encrypted_pdf, "passordbeskyttet"),
    ("blank.pdf", _blank_pdf, "inneholder ingen tekst"),
    ("scanned.pdf", _scanned_pdf, "inneholder ingen tekst"),
    ("random.pdf", lambda: RANDOM, "Klarte ikke å lese «random.pdf» som PDF"),
    ("truncated.pdf", _truncated_pdf, "«truncated.pdf»"),
    ("random.docx", lambda: RANDOM, "Klarte ikke å lese «random.docx» som et Word-dokument"),
    ("archive.docx", _zip_not_docx, "Word-dokument"),
    ("random.txt", lambda: RANDOM, "ser ikke ut til å være en tekstfil"),
    ("random.html", lambda: RANDOM, "Klarte ikke å avgjøre tegnsettet i «random.html»"),
    ("notes.txt", lambda: b"Bare litt tekst uten tabell.\n", "Fant ingen oppfølgingspunkter i «notes.txt»"),
    ("plain.docx", _docx_without_table, "Fant ingen tabell med kolonnen «Oppfølging»"),
    ("people.docx", _docx_other_table, "Tabellene i filen har disse overskriftene: «Navn | Rolle»"),
    ("empty.docx", _docx_empty_table, "Oppfølgingstabellen i «empty.docx» er tom"),
    ("empty.html", _html_empty_rows, "Oppfølgingstabellen i «empty.html» er tom"),
    ("protokoll.doc", lambda: b"\xd0\xcf\x11\xe0 old word", "Filtypen «.doc» støttes ikke"),
    ("protokoll", lambda: b"data", "Filtypen «protokoll» støttes ikke"),
    ("empty.pdf", lambda: b"", "Filen «empty.pdf» er tom"),
]


@pytest.mark.parametrize(("filename", "make", "message"), BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_unusable_files_raise_a_user_error(filename: str, make: object, message: str) -> None:
    data = make()  # type: ignore[operator]
    with pytest.raises(UserError) as caught:
        plan_import(data, filename, resolver=default_resolver(), meeting_date=date(2024, 3, 3))
    assert message in caught.value.message
    assert "Traceback" not in caught.value.message


def test_too_large_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers_module, "MAX_BYTES", 1024)
    with pytest.raises(UserError, match="for stor"):
        read_document(b"x" * 2048, "big.txt")


def test_missing_meeting_date_needs_an_override() -> None:
    protocol = Protocol(before=["Referat"], table=[[["Saker"], ["Oppfølging"]], [["1. Sak"], ["AU følger opp."]]])
    data = build.docx(protocol)
    with pytest.raises(UserError, match="Fant ikke møtedatoen"):
        plan_import(data, "p.docx", resolver=default_resolver())
    plan = plan_import(data, "p.docx", resolver=default_resolver(), meeting_date=date(2024, 9, 12))
    assert plan.meeting.to_json() == {
        "title": None,
        "kind": "national-autumn",
        "date": "2024-09-12",
        "start": None,
        "end": None,
        "place": None,
        "region": None,
    }
    assert plan.warnings[0] == "Fant ingen møteoverskrift med dato i protokollen; møtedatoen 2024-09-12 er brukt."
    assert [a.parties for a in plan.actions] == [("au",)]


def test_table_without_any_follow_up_gives_an_empty_plan_with_a_warning() -> None:
    protocol = Protocol(
        before=["Møte i AU 5. februar 2024"],
        table=[[["Saker"], ["Oppfølging"]], [["1. Sak"], []], [["2. Sak"], ["Tatt til orientering."]]],
    )
    plan = plan_import(build.docx(protocol), "p.docx", resolver=default_resolver())
    assert plan.actions == ()
    assert plan.meeting.kind == "au"
    assert plan.warnings[-1] == "Fant ingen oppfølgingspunkter med ansvarlig part i tabellen."


@pytest.mark.parametrize("filename", ["p.docx", "p.pdf", "p.html", "p.txt"])
def test_damaged_files_never_raise_anything_but_user_error(filename: str) -> None:
    """Mutated copies of a valid protocol: each either imports or fails with a UserError."""
    import random

    from tests.support.protocols.samples import TWO_COLUMNS

    render = {".docx": build.docx, ".pdf": build.pdf, ".html": build.html_page, ".txt": build.txt_export}
    original = render[filename[filename.rindex(".") :]](TWO_COLUMNS)
    rng = random.Random(filename)
    for _ in range(30):
        data = bytearray(original)
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            data = data[: rng.randrange(len(data))]
        with contextlib.suppress(UserError):  # a UserError is a correct answer; anything else fails
            plan_import(bytes(data), filename, resolver=default_resolver(), meeting_date=date(2024, 3, 3))


def test_txt_tabbed_lines_above_and_a_repeated_header() -> None:
    data = _txt(
        "Møte i arbeidsutvalget 3. mars 2024",
        "Til stede:\tKS, KDD og Siva",
        "Saker\tOppfølging",
        "<p>1. Budsjett</p>\t<p>KS følger opp.</p>",
        "Saker\tOppfølging",
        "<p>2. Rapport</p>\t<p>Siva skriver.</p>",
    )
    document = read_document(data, "p.txt")
    assert [t.rows for t in document.tables] == [
        (("Til stede:", "KS, KDD og Siva"),),
        (("Saker", "Oppfølging"), ("1. Budsjett", "KS følger opp."), ("2. Rapport", "Siva skriver.")),
    ]
    plan = plan_import(data, "p.txt", resolver=default_resolver())
    assert [(a.case, a.parties) for a in plan.actions] == [("1", ("ks",)), ("2", ("siva",))]


def test_word_html_list_paragraphs_become_list_items() -> None:
    page = """<table><tr><td><p class=MsoNormal>Saker</p></td><td><p>Oppfølging</p></td></tr>
    <tr><td><p style='mso-list:l1 level1 lfo2'><span>3.<span>&nbsp;&nbsp;</span></span>Budsjett</p>
    <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]><span
    style='font-family:Symbol'><span style='mso-list:Ignore'>·<span>&nbsp;&nbsp;&nbsp; </span></span></span><![endif]>Innspill</p>
    </td><td><p>AU følger opp.</p><!--[if gte mso 9]><xml><o:shapedefaults/></xml><![endif]--></td></tr></table>"""
    (table,) = read_document(page.encode(), "p.htm").tables
    assert table.rows[1] == ("3. Budsjett\n• Innspill", "AU følger opp.")


def test_a_table_split_in_two_is_read_as_one() -> None:
    first = Protocol(
        before=["Møte i AU 5. februar 2024"],
        table=[[["Saker"], ["Oppfølging"]], [["1. Budsjett"], ["KS følger opp."]], [["2. Rapport"], ["Siva skriver."]]],
    )
    import docx

    document = docx.Document(io.BytesIO(build.docx(first)))
    document.add_paragraph("(sideskift)")
    table = document.add_table(rows=3, cols=2)
    for row, texts in zip(table.rows, [("Saker", "Oppfølging"), ("", "KDD svarer."), ("3. Eventuelt", "IN melder inn.")], strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    plan = plan_import(buffer.getvalue(), "p.docx", resolver=default_resolver())
    assert [(a.case, a.parties) for a in plan.actions] == [
        ("1", ("ks",)),
        ("2", ("siva",)),
        ("2", ("kdd",)),  # the second part's first row continues case 2
        ("3", ("innovasjon-norge",)),
    ]


def test_pdf_reader_needs_no_pypdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader runs on pdfplumber alone; pypdf is only a test tool (encrypting fixtures)."""
    from tests.support.protocols.samples import TWO_COLUMNS, TWO_COLUMNS_PLAN

    monkeypatch.setitem(sys.modules, "pypdf", None)  # any import of pypdf now fails
    plan = plan_import(build.pdf(TWO_COLUMNS), "p.pdf", resolver=default_resolver())
    assert plan.to_json()["actions"] == TWO_COLUMNS_PLAN["actions"]
