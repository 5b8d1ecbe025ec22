"""Builders for test protocols: the same content as .docx, .html, .txt (Word's tab export) and PDF.

A protocol here is plain data: lines above the table, the table (rows of cells, a cell being a
list of paragraphs; a paragraph starting with "• " is a list item), and lines below it. Every
builder renders the same data, so a test can assert that all formats extract to the same plan.
All texts are written for these tests; none is copied from the seed protocols.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field

Cell = list[str]


@dataclass
class Protocol:
    before: list[str]
    table: list[list[Cell]]
    after: list[str] = field(default_factory=list)


def docx(protocol: Protocol) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for line in protocol.before:
        document.add_paragraph(line)
    width = max(len(row) for row in protocol.table)
    table = document.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    for row in protocol.table:
        cells = table.add_row().cells
        for cell, paragraphs in zip(cells, row, strict=False):
            first = True
            for text in paragraphs:
                bullet = text.startswith("• ")
                body = text[2:] if bullet else text
                if first:
                    paragraph = cell.paragraphs[0]
                    paragraph.text = body
                    if bullet:
                        paragraph.style = document.styles["List Bullet"]
                    first = False
                else:
                    cell.add_paragraph(body, style="List Bullet" if bullet else None)
    for line in protocol.after:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _html_cell(paragraphs: Cell, tag: str = "td") -> str:
    parts: list[str] = []
    items: list[str] = []
    for text in paragraphs:
        if text.startswith("• "):
            items.append(f"<li>{html.escape(text[2:])}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        parts.append(f"<p class=MsoNormal>{html.escape(text)}<o:p></o:p></p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return f"<{tag} valign=top>" + "\n".join(parts) + f"</{tag}>"


def html_page(protocol: Protocol) -> bytes:
    """Roughly what Word's "Save as web page" writes: MsoNormal paragraphs, a bordered table."""
    head = "<html><head><meta charset='utf-8'><title>protokoll.docx</title><style>p {margin:0}</style></head><body>"
    body = [f"<p class=MsoNormal><b>{html.escape(line)}</b></p>" for line in protocol.before]
    rows = []
    for number, row in enumerate(protocol.table):
        tag = "th" if number == 0 else "td"
        rows.append("<tr>" + "".join(_html_cell(cell, tag) for cell in row) + "</tr>")
    body.append("<table border=1 cellspacing=0>" + "\n".join(rows) + "</table>")
    body += [f"<p class=MsoNormal>{html.escape(line)}</p>" for line in protocol.after]
    return (head + "\n".join(body) + "</body></html>").encode("utf-8")


def txt_export(protocol: Protocol) -> bytes:
    """Word's plain-text export as in seed 004: cells are HTML fragments separated by a tab, the
    header row is plain, rows are separated by blank lines, and a long cell is broken over two
    lines (the export does that where a cell holds several blocks)."""
    lines = ["", *(x for line in protocol.before for x in (line, ""))]
    header, *rows = protocol.table
    lines.append("\t".join(" ".join(cell) for cell in header))
    for row in rows:
        cells = []
        for cell in row:
            fragments = []
            for text in cell:
                if text.startswith("• "):
                    fragments.append(f'<ul style="list-style-type: none"> • {html.escape(text[2:])} ')
                else:
                    fragments.append(f"<p>{html.escape(text)}</p>")
            # Break a cell with several blocks after its first one, inside the same cell.
            cells.append(fragments[0] + ("\n" + " ".join(fragments[1:]) if len(fragments) > 1 else "")
                         if fragments else "")
        lines.append("\t".join(cells))
        lines.append("")
    lines.append("--\t--" if len(header) == 2 else "\t".join("--" for _ in header))
    lines += protocol.after
    return "\n".join(lines).encode("utf-8")


def pdf(protocol: Protocol, *, borders: bool = True, widths: list[float] | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    body = styles["BodyText"]

    def flowables(cell: Cell) -> list[object]:
        out: list[object] = []
        for text in cell:
            if text.startswith("• "):
                out.append(
                    ListFlowable([ListItem(Paragraph(html.escape(text[2:]), body))], bulletType="bullet", start="•")
                )
            else:
                out.append(Paragraph(html.escape(text), body))
        return out

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title="Protokoll")
    story: list[object] = [Paragraph(html.escape(line), styles["Heading2"]) for line in protocol.before]
    story.append(Spacer(1, 12))
    data = [[flowables(cell) for cell in row] for row in protocol.table]
    width = max(len(row) for row in protocol.table)
    col_widths = widths or [451.0 / width] * width
    table = Table(data, colWidths=col_widths, repeatRows=1)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP")]
    if borders:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    table.setStyle(TableStyle(style))
    story.append(table)
    story.append(Spacer(1, 24))
    story += [Paragraph(html.escape(line), body) for line in protocol.after]
    document.build(story)
    return buffer.getvalue()
