"""Render the labelled corpus's sources (tests/corpus/protocols/*.src) into real files.

A source is a protocol written for these tests in a small markup, so one text can become any of
the formats people send: .docx (python-docx), .pdf (reportlab), .html as Word's "Save as web
page" (windows-1252, declared in a meta tag) or as an Outlook export (UTF-8), .txt, and .eml
(a plain-text or HTML body, or a short body with the protocol attached as .docx). Rendering is
deterministic, so the corpus is rebuilt identically at every test run and nothing binary is
committed.

Markup, one block per line:

    format: docx                  header lines until "---": format, language (nb/nn)
    language: nn
    ---
    # Oppfølging                  a heading
    - text                        a bullet item
    1. text                       a numbered item (Word numbering: the number is not in the text)
    | a | b // c |                a table row; " // " separates paragraphs inside a cell
    anything else                 a paragraph (a blank line separates paragraphs)
"""

from __future__ import annotations

import html
import io
import re
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

CORPUS = Path(__file__).parent / "protocols"
FORMATS = (
    "docx", "pdf", "html-word", "html-outlook", "txt", "eml-plain", "eml-html", "eml-attached",
)  # fmt: skip
EXTENSION = {
    "docx": ".docx", "pdf": ".pdf", "html-word": ".htm", "html-outlook": ".html", "txt": ".txt",
    "eml-plain": ".eml", "eml-html": ".eml", "eml-attached": ".eml",
}  # fmt: skip


@dataclass
class Block:
    kind: str  # "heading", "bullet", "number", "paragraph", "table"
    text: str = ""
    rows: list[list[list[str]]] = field(default_factory=list)


@dataclass
class Source:
    name: str
    format: str
    blocks: list[Block]
    language: str = "nb"  # "nb" (bokmål) or "nn" (nynorsk)

    @property
    def filename(self) -> str:
        return self.name + EXTENSION[self.format]


def parse(path: Path) -> Source:
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    fields = dict(line.split(":", 1) for line in head.splitlines() if ":" in line)
    fmt = fields["format"].strip()
    if fmt not in FORMATS:
        raise ValueError(f"{path.name}: unknown format {fmt}")
    blocks: list[Block] = []
    for line in body.splitlines():
        text = line.strip()
        if not text:
            continue
        if text.startswith("|"):
            cells = [cell.strip() for cell in text.strip("|").split("|")]
            row = [[part.strip() for part in cell.split("//") if part.strip()] for cell in cells]
            if blocks and blocks[-1].kind == "table":
                blocks[-1].rows.append(row)
            else:
                blocks.append(Block("table", rows=[row]))
        elif text.startswith("# "):
            blocks.append(Block("heading", text[2:].strip()))
        elif text.startswith("- "):
            blocks.append(Block("bullet", text[2:].strip()))
        elif re.match(r"^\d{1,2}\.\s", text) and not re.match(r"^\d{1,2}\.\s*\w+\s+\d{4}", text):
            blocks.append(Block("number", text.split(" ", 1)[1].strip()))
        else:
            blocks.append(Block("paragraph", text))
    return Source(path.stem, fmt, blocks, fields.get("language", "nb").strip())


def sources() -> list[Source]:
    return [parse(path) for path in sorted(CORPUS.glob("*.src"))]


# --- formats ---------------------------------------------------------------------------------------


def docx(source: Source) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for block in source.blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=2)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "number":
            document.add_paragraph(block.text, style="List Number")
        elif block.kind == "paragraph":
            document.add_paragraph(block.text)
        else:
            width = max(len(row) for row in block.rows)
            table = document.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for row in block.rows:
                cells = table.add_row().cells
                for cell, paragraphs in zip(cells, row, strict=False):
                    for index, text in enumerate(paragraphs):
                        if index == 0:
                            cell.paragraphs[0].text = text
                        else:
                            cell.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf(source: Source) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    story: list[object] = []
    number = 0
    for block in source.blocks:
        if block.kind != "number":
            number = 0
        if block.kind == "heading":
            story.append(Paragraph(html.escape(block.text), styles["Heading3"]))
        elif block.kind == "bullet":
            story.append(Paragraph("• " + html.escape(block.text), body))
        elif block.kind == "number":
            number += 1
            story.append(Paragraph(f"{number}. " + html.escape(block.text), body))
        elif block.kind == "paragraph":
            story.append(Paragraph(html.escape(block.text), body))
        else:
            width = max(len(row) for row in block.rows)
            data = [[[Paragraph(html.escape(p), body) for p in cell] for cell in row] for row in block.rows]
            table = Table(data, colWidths=[451.0 / width] * width, repeatRows=1)
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
            story += [Spacer(1, 6), table, Spacer(1, 6)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=source.name, invariant=1).build(story)
    return buffer.getvalue()


def _html_body(source: Source, *, word: bool) -> str:
    parts: list[str] = []
    open_list: str | None = None
    for block in source.blocks:
        tag = {"bullet": "ul", "number": "ol"}.get(block.kind)
        if word and tag:
            # Word's web page: list items are paragraphs with a glyph, not <li>.
            glyph = "·" if tag == "ul" else ""
            mark = f"<span style='font-family:Symbol'>{glyph}<span>&nbsp;&nbsp;</span></span>" if glyph else ""
            parts.append(f"<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'>{mark}"
                         f"{html.escape(block.text)}</p>")
            continue
        if open_list and tag != open_list:
            parts.append(f"</{open_list}>")
            open_list = None
        if tag:
            if open_list is None:
                parts.append(f"<{tag}>")
                open_list = tag
            parts.append(f"<li>{html.escape(block.text)}</li>")
        elif block.kind == "heading":
            parts.append(f"<h2>{html.escape(block.text)}</h2>")
        elif block.kind == "paragraph":
            cls = " class=MsoNormal" if word else ""
            parts.append(f"<p{cls}>{html.escape(block.text)}</p>")
        else:
            rows = []
            for row in block.rows:
                cells = "".join("<td>" + "".join(f"<p>{html.escape(p)}</p>" for p in cell) + "</td>" for cell in row)
                rows.append(f"<tr>{cells}</tr>")
            parts.append("<table border=1>" + "".join(rows) + "</table>")
    if open_list:
        parts.append(f"</{open_list}>")
    return "\n".join(parts)


def html_word(source: Source) -> bytes:
    page = (
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\">\n<head>\n"
        "<meta http-equiv=Content-Type content=\"text/html; charset=windows-1252\">\n"
        "<meta name=Generator content=\"Microsoft Word 15 (filtered)\">\n"
        f"<title>{html.escape(source.name)}</title>\n</head>\n<body lang=NO-BOK>\n<div class=WordSection1>\n"
        f"{_html_body(source, word=True)}\n</div>\n</body>\n</html>\n"
    )
    return page.encode("cp1252")


def html_outlook(source: Source) -> bytes:
    page = (
        "<html><head><meta charset=\"utf-8\"><meta name=\"Generator\" content=\"Microsoft Outlook 16\">"
        f"</head><body><div class=\"WordSection1\">\n{_html_body(source, word=False)}\n</div></body></html>\n"
    )
    return page.encode("utf-8")


def _plain(source: Source, *, wrap: bool) -> str:
    lines: list[str] = []
    number = 0
    for block in source.blocks:
        number = number + 1 if block.kind == "number" else 0
        if block.kind == "table":
            lines.append("")
            for row in block.rows:
                lines.append("\t".join(" ".join(cell) for cell in row))
            lines.append("")
            continue
        prefix = {"bullet": "- ", "number": f"{number}. "}.get(block.kind, "")
        text = prefix + block.text
        if block.kind in ("heading", "paragraph"):
            lines.append("")
        if wrap:
            lines.extend(textwrap.wrap(text, 72, subsequent_indent="   " if prefix else "") or [""])
        else:
            lines.append(text)
    return "\n".join(lines).strip() + "\n"


def txt(source: Source) -> bytes:
    return _plain(source, wrap=False).encode("utf-8")


def _message(source: Source) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Sekretariatet <sekretariat@example.org>"
    message["To"] = "deltakere@example.org"
    message["Date"] = format_datetime(datetime(2024, 1, 8, 9, 30, tzinfo=UTC))
    message["Message-ID"] = f"<{source.name}@example.org>"
    return message


def eml(source: Source) -> bytes:
    first, rest = source.blocks[0], Source(source.name, source.format, source.blocks[1:])
    message = _message(source)
    message["Subject"] = "SV: " + first.text if source.format == "eml-plain" else first.text
    if source.format == "eml-plain":
        message.set_content("Hei alle,\n\nher er referatet fra møtet.\n\n" + _plain(rest, wrap=True))
    elif source.format == "eml-html":
        message.set_content(_plain(rest, wrap=True))
        message.add_alternative("<html><head><meta charset=\"utf-8\"></head><body>"
                                + _html_body(rest, word=False) + "</body></html>", subtype="html")
        # Prefer the HTML body in this variant: drop the plain part, as some clients send.
        message = _html_only(message, source)
    else:
        message.set_content("Hei,\n\nvedlagt er referatet fra møtet. Gi beskjed om feil innen en uke.\n\nHilsen sekretariatet\n")
        message.add_attachment(docx(source), maintype="application",
                               subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                               filename=source.name + ".docx")
    return bytes(message)


def _html_only(alternative: EmailMessage, source: Source) -> EmailMessage:
    html_part = alternative.get_body(preferencelist=("html",))
    assert html_part is not None
    message = _message(source)
    message["Subject"] = alternative["Subject"]
    message.set_content(html_part.get_content(), subtype="html")
    return message


def render(source: Source) -> bytes:
    if source.format == "docx":
        return docx(source)
    if source.format == "pdf":
        return pdf(source)
    if source.format == "html-word":
        return html_word(source)
    if source.format == "html-outlook":
        return html_outlook(source)
    if source.format == "txt":
        return txt(source)
    return eml(source)
