"""The follow-up report as an agenda-ready Word document, read back: A4 landscape, the header row
repeated on every page, nb-NO, the forum as author, a replaceable template (CLI and web)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm

from bot.cli import main
from tests.conftest import NOW, Bot
from tests.test_report import series  # noqa: F401  (fixture)

# The document's layout is no database behaviour: SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _write(bot: Bot, meeting: int, out: Path, *extra: str) -> int:
    return main(["--database-url", bot.app.settings.database_url, "report", "--meeting", str(meeting),
                 "--format", "docx", "--out", str(out), "--now", NOW.isoformat(), *extra])


def check_agenda_ready(data: bytes, title: str) -> Document:
    document = Document(io.BytesIO(data))
    for section in document.sections:
        assert section.orientation == WD_ORIENT.LANDSCAPE
        assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)  # A4
    assert document.tables, "the report has tables"
    for tbl in document.element.body.findall(qn("w:tbl")):
        first, *rest = tbl.findall(qn("w:tr"))
        header = first.find(f"{W}trPr/{W}tblHeader")
        assert header is not None and header.get(qn("w:val")) in ("true", "1", None)
        assert all(r.find(f"{W}trPr/{W}tblHeader") is None for r in rest)
    lang = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang is not None and lang.get(qn("w:val")) == "nb-NO"
    props = document.core_properties
    assert props.language == "nb-NO"
    assert props.author == "Nasjonal samhandlingsmodell" and props.last_modified_by == "Nasjonal samhandlingsmodell"
    assert props.title == title
    return document


@SQLITE_ONLY
def test_the_report_is_a4_landscape_with_repeating_header_and_norwegian(bot: Bot, series: dict[str, int],  # noqa: F811
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "rapport.docx"
    assert _write(bot, series["ns27"], out) == 0
    document = check_agenda_ready(out.read_bytes(), "Oppfølging fra forrige møte – Nasjonalt vårmøte 2027")
    assert len(document.tables) == 2
    assert "python-docx" not in out.read_bytes().decode("latin-1")


@SQLITE_ONLY
def test_a_replacement_template_is_used(bot: Bot, series: dict[str, int], tmp_path: Path) -> None:  # noqa: F811
    template = tmp_path / "mal.docx"
    letterhead = Document()
    letterhead.add_paragraph("KS – sekretariatet for Nasjonal samhandlingsmodell")
    letterhead.sections[0].page_width, letterhead.sections[0].page_height = Cm(21.59), Cm(27.94)  # US Letter
    letterhead.save(str(template))
    out = tmp_path / "rapport.docx"
    assert _write(bot, series["ns27"], out, "--template", str(template)) == 0
    document = check_agenda_ready(out.read_bytes(), "Oppfølging fra forrige møte – Nasjonalt vårmøte 2027")
    assert document.paragraphs[0].text == "KS – sekretariatet for Nasjonal samhandlingsmodell"


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04 broken"])
@SQLITE_ONLY
def test_a_broken_template_is_a_clear_answer(bot: Bot, series: dict[str, int], tmp_path: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    template = tmp_path / "mal.docx"
    template.write_bytes(content)
    out = tmp_path / "rapport.docx"
    assert _write(bot, series["ns27"], out, "--template", str(template)) != 0
    assert "Rapportmalen" in capsys.readouterr().out and not out.exists()


def test_the_default_template_ships_with_the_package() -> None:
    from handlers.meetings import report_docx

    document = Document(str(report_docx.DEFAULT_TEMPLATE))
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert document.core_properties.author == "Nasjonal samhandlingsmodell"
