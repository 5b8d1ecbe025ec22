"""The follow-up report as an agenda-ready Word document.

The document starts from a template (.docx) the secretariat can replace: its styles, header, footer
and any opening text (a logo, a letterhead) are kept, and the report is added after them. The
default template ships with the package (`templates/rapport.docx`, made by `make_default_template`).
Whatever the template says, the page is A4 (landscape: the table has seven columns), the table's
header row repeats on every page, the language is nb-NO and the forum is the author.
"""

from __future__ import annotations

import contextlib
import io
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handlers.core.catalog import t
from handlers.core.errors import UserError
from handlers.dates.format import format_date

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject

    from handlers.core.context import Context

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "rapport.docx"
AUTHOR = "Nasjonal samhandlingsmodell"
LANGUAGE = "nb-NO"
COLUMNS = ("id", "case", "action", "parties", "deadline", "status", "notes")
# Column widths in centimetres on a landscape A4 page with 2 cm margins (25.7 cm of text width).
WIDTHS_CM = (1.3, 1.5, 8.4, 3.6, 2.8, 2.2, 5.9)
# A table this wide (in columns) does not fit a portrait page.
WIDE_TABLE = 5


def _set_language(document: DocumentObject) -> None:
    """nb-NO as the default language of every run (docDefaults), so spelling and hyphenation are Norwegian."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    lang.set(qn("w:bidi"), "ar-SA")
    document.core_properties.language = LANGUAGE


def _set_page(document: DocumentObject, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    for section in document.sections:
        short, long = Cm(21.0), Cm(29.7)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2))


def _mark_rows(document: DocumentObject, tables: int) -> None:
    """On the last `tables` tables: the first row is Word's "Repeat as header row at the top of each
    page" (w:tblHeader) and no row breaks across pages (w:cantSplit). python-docx has no property for
    either, so they are set on the document's XML through its public `element`."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    found = document.element.body.findall(qn("w:tbl"))
    for table in found[len(found) - tables:] if tables else []:
        for index, row in enumerate(table.findall(qn("w:tr"))):
            properties = row.find(qn("w:trPr"))
            if properties is None:
                properties = OxmlElement("w:trPr")
                # trPr follows tblPrEx (if any) and precedes the cells (CT_Row's sequence).
                cells = row.find(qn("w:tc"))
                if cells is not None:
                    cells.addprevious(properties)
                else:
                    row.append(properties)
            properties.append(OxmlElement("w:cantSplit"))
            if index == 0:
                header = OxmlElement("w:tblHeader")
                header.set(qn("w:val"), "true")
                properties.append(header)


def make_default_template(path: Path = DEFAULT_TEMPLATE) -> None:
    """The template that ships with the package: python-docx's default styles, A4 landscape, nb-NO."""
    from docx import Document

    document = Document()
    _set_page(document, landscape=True)
    _set_language(document)
    properties = document.core_properties
    properties.author = properties.last_modified_by = AUTHOR
    properties.title = t("report.template_title")
    properties.comments = ""
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def load_template(template: str | Path | None) -> DocumentObject:
    from docx import Document

    path = Path(template) if template else DEFAULT_TEMPLATE
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is no .docx
        raise UserError(t("report.bad_template", path=str(path), reason=exc.__class__.__name__)) from None


def to_docx(ctx: Context, report: Any, counts: str, *, template: str | Path | None = None,
            generated: datetime | None = None) -> bytes:
    """`report` (a `handlers.meetings.report.Report`, which imports this module) as a Word document: a
    heading, the intro, `counts`, and one table per block."""
    from docx.shared import Cm

    document = load_template(template)
    headers = [t(f"report.col.{c}") for c in COLUMNS]
    _set_page(document, landscape=len(headers) > WIDE_TABLE)
    _set_language(document)
    properties = document.core_properties
    properties.title = report.title
    properties.author = properties.last_modified_by = AUTHOR
    properties.subject = report.intro
    moment = (generated or ctx.now).replace(tzinfo=None)
    properties.created = properties.modified = moment
    properties.revision = 1

    document.add_heading(report.title, level=1)
    document.add_paragraph(report.intro)
    if not report.previous:
        document.add_paragraph(t("report.none_previous", title=report.meeting.title))
    elif not report.rows:
        document.add_paragraph(t("report.no_actions"))
    else:
        document.add_paragraph(counts)
        for block in report.blocks:
            document.add_heading(block.title, level=2)
            table = document.add_table(rows=1, cols=len(headers))
            with contextlib.suppress(KeyError):  # a replaced template without Word's built-in table style
                table.style = "Table Grid"
            head = table.rows[0]
            for cell, header in zip(head.cells, headers, strict=True):
                cell.text = header
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in block.rows:
                added = table.add_row()
                values = [str(row.id), row.case, row.text, ", ".join(row.parties), row.deadline, row.status_label,
                          "\n".join([*row.history, *row.comments])]
                for cell, value in zip(added.cells, values, strict=True):
                    cell.text = value
            for column, width in zip(table.columns, WIDTHS_CM, strict=True):
                for cell in column.cells:
                    cell.width = Cm(width)
        _mark_rows(document, len(report.blocks))
    document.add_paragraph(t("report.generated", date=format_date(ctx.today)))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
