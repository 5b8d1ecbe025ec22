"""Protocol files to tables and free text.

`read_document(data, filename)` turns the bytes of a .docx, .html/.htm, .txt or .pdf file into a
`Document`: paragraphs (str) and tables (rows of cell texts) in the order they appear. A cell's
paragraphs and list items are separate lines ("\\n"-joined), because the extractor uses paragraphs
to decide which sentences belong together. Nothing here knows what a protocol means; that is
`extract.py`'s job.

Anything that cannot be read raises `UserError` with a Norwegian message: the import is a user
upload, and a stack trace would tell them nothing.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from handlers.catalog import t
from handlers.errors import UserError
from handlers.protocol.headers import is_followup_header
from handlers.protocol.htmltext import fragment_lines, html_blocks, split_bullets

# A protocol is a few pages; anything far bigger is a mistake (or an attempt to exhaust memory).
MAX_BYTES = 20 * 1024 * 1024

EXTENSIONS = (".docx", ".html", ".htm", ".txt", ".pdf")


@dataclass(frozen=True)
class Table:
    """Rows of cell texts; every row has the same number of cells (padded with "")."""

    rows: tuple[tuple[str, ...], ...]

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)


@dataclass(frozen=True)
class Document:
    """What a reader found: paragraphs and tables in document order, plus reader notes.

    `notes` are warnings about the reading itself (e.g. that a PDF table was reconstructed from
    the text layout) that the import plan passes on to the user.
    """

    blocks: tuple[str | Table, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]

    @property
    def paragraphs(self) -> list[str]:
        return [block for block in self.blocks if isinstance(block, str)]


def _table(rows: list[list[str]]) -> Table:
    """A Table with rectangular rows and trimmed cells; all-empty rows are dropped."""
    cleaned = [[cell.strip() for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(_has_content(cell) for cell in row)]
    width = max((len(row) for row in cleaned), default=0)
    return Table(tuple(tuple(row + [""] * (width - len(row))) for row in cleaned))


_FILLER = re.compile(r"^[\s\-–—_.•*]*$")


def _has_content(cell: str) -> bool:
    # "--" placeholder rows (the .txt export ends its table with one) carry no information.
    return not _FILLER.match(cell)


def _document(blocks: list[str | list[list[str]]], notes: tuple[str, ...] = ()) -> Document:
    out: list[str | Table] = []
    for block in blocks:
        if isinstance(block, str):
            if block.strip():
                out.append(block.strip())
        else:
            table = _table(block)
            if table.rows:
                out.append(table)
    return Document(tuple(out), notes)


# ------------------------------------------------------------------------------------------------
# entry point


def read_document(data: bytes, filename: str) -> Document:
    """Read a protocol file; the extension of `filename` picks the reader."""
    name = PurePath(filename).name or filename
    ext = PurePath(filename).suffix.lower()
    if ext not in EXTENSIONS:
        raise UserError(t("import.unsupported", ext=ext or name))
    if not data:
        raise UserError(t("import.empty_file", name=name))
    if len(data) > MAX_BYTES:
        raise UserError(
            t("import.too_large", name=name, size=len(data) // (1024 * 1024), limit=MAX_BYTES // (1024 * 1024))
        )
    if ext == ".docx":
        return read_docx(data, name)
    if ext in (".html", ".htm"):
        return read_html(data, name)
    if ext == ".txt":
        return read_txt(data, name)
    from handlers.protocol.pdftext import read_pdf  # pypdf is only imported when needed

    return read_pdf(data, name)


# ------------------------------------------------------------------------------------------------
# text decoding (txt and html)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a text export to str; refuses binary data instead of returning mojibake.

    Word on Windows saves "plain text" as UTF-8 (with BOM), UTF-16 or Windows-1252 depending on
    the dialog choices, so all three are tried.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UserError(t("import.not_text", name=name)) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    # Binary input decodes "successfully" as cp1252; control characters and replacement
    # characters give it away.
    suspicious = len(_CONTROL.findall(text)) + text.count("\ufffd")
    if suspicious > max(3, len(text) // 200):
        raise UserError(t("import.not_text", name=name))
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")


# ------------------------------------------------------------------------------------------------
# .html / .htm


def read_html(data: bytes, name: str) -> Document:
    text = decode_text(data, name)
    try:
        blocks = html_blocks(text)
    except Exception as exc:  # html.parser is lenient; this only guards against the unexpected
        raise UserError(t("import.html_unreadable", name=name)) from exc
    return _document(blocks)


# ------------------------------------------------------------------------------------------------
# .txt (Word's plain-text export of a protocol whose cells hold HTML fragments)

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_CASE_START = re.compile(r"^\s*(?:<[^>]+>\s*)*(?:sak\s*)?\d+(?:[./]\d+)*\.?\s", re.IGNORECASE)


def _cell_text(raw: str) -> str:
    """One raw cell of the export (HTML fragment or plain text) as "\\n"-joined lines."""
    if _TAG.search(raw):
        return "\n".join(fragment_lines(raw))
    lines: list[str] = []
    for line in raw.split("\n"):
        lines.extend(split_bullets(line))
    return "\n".join(line for line in lines if line)


def _unbalanced(raw: str) -> bool:
    """Whether a cell's HTML has a paragraph or list item still open (so the text goes on)."""
    low = raw.lower()
    for tag in ("p", "li", "td"):
        opened = len(re.findall(rf"<{tag}[\s>]", low))
        if opened > low.count(f"</{tag}>"):
            return True
    return False


def read_txt(data: bytes, name: str) -> Document:
    """Rebuild the tables of the tab-separated export.

    The export writes a table row as its cells separated by tabs and ends the row with a line
    break, but a line break inside a cell is written the same way, so rows have to be rebuilt:

    * A line with a tab outside any table starts a table; that first row is its header and fixes
      the number of columns.
    * A row is complete once it has (columns - 1) tabs; until then further lines belong to the
      cell being written.
    * After a complete row, a blank line ends it. A line without tabs continues the last cell when
      that cell still has an open `<p>`/`<li>` or the line itself is HTML, and starts the next row
      when it begins with a case number ("5. …"). A plain line without tabs ends the table: it is
      free text (e.g. "Neste møte: …" under the table).
    * A row with more tabs than columns keeps the surplus inside its last cell.
    * A follow-up header ("Saker<TAB>Oppfølging") met inside another tab-separated block starts
      a new table, so tabbed lines above the table ("Til stede:<TAB>…") do not swallow it.
    """
    text = decode_text(data, name)
    blocks: list[str | list[list[str]]] = []
    table: list[list[str]] | None = None
    width = 0
    raw: str | None = None  # the row being rebuilt, tabs included

    def finish_row() -> None:
        nonlocal raw
        if raw is not None and table is not None:
            parts = raw.split("\t")
            if len(parts) > width:
                parts = [*parts[: width - 1], " ".join(parts[width - 1 :])]
            table.append([_cell_text(part) for part in parts])
        raw = None

    def finish_table() -> None:
        nonlocal table
        finish_row()
        if table is not None:
            blocks.append(table)
        table = None

    def free_line(line: str) -> None:
        if _TAG.search(line):
            blocks.extend(fragment_lines(line))
        elif line.strip():
            blocks.append(" ".join(line.split()))

    for line in text.split("\n"):
        if table is None:
            if "\t" in line and line.replace("\t", "").strip():
                table = []
                width = line.count("\t") + 1
                raw = line
                finish_row()  # the header is one line by construction
            else:
                free_line(line)
            continue

        if "\t" in line and (raw is None or raw.count("\t") >= width - 1):
            cells = [_cell_text(part) for part in line.split("\t")]
            if table and is_followup_header(cells):
                if cells == table[0]:
                    finish_row()  # the header repeated (a table split over pages): not a row
                    continue
                if not is_followup_header(table[0]):
                    # A follow-up header inside another tab block ("Til stede:<TAB>…" lines
                    # above it): the real table starts here.
                    finish_table()
                    table, width, raw = [], line.count("\t") + 1, line
                    finish_row()
                    continue
        complete = raw is not None and raw.count("\t") >= width - 1
        if not line.strip():
            if complete:
                finish_row()
            elif raw is not None:
                raw += "\n"
            continue
        if raw is None:
            if "\t" not in line and not _TAG.search(line) and not _CASE_START.match(line):
                # Plain text right after a finished row: the table is over.
                finish_table()
                free_line(line)
                continue
            raw = line
            continue
        if not complete:
            raw += "\n" + line
            continue
        if "\t" in line or _CASE_START.match(line):
            finish_row()
            raw = line
        elif _unbalanced(raw) or _TAG.search(line):
            raw += "\n" + line
        else:
            finish_table()
            free_line(line)
    finish_table()
    return _document(blocks)


# ------------------------------------------------------------------------------------------------
# .docx


def _nearest(element: object, tag: str) -> object | None:
    """The closest ancestor of `element` with `tag` (rows and cells may sit inside `w:sdt`)."""
    parent = element.getparent()  # type: ignore[attr-defined]
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def read_docx(data: bytes, name: str) -> Document:
    """Paragraphs and tables of the body, in order, through python-docx's XML objects.

    The XML is walked directly (rather than `Document.tables`) to keep the order of tables and
    paragraphs, to see content controls (`w:sdt`) that wrap tables, and to handle merged cells:
    a horizontally merged cell is emitted once and padded so columns stay aligned; the lower
    parts of a vertically merged cell are emitted empty, because python-docx would otherwise
    repeat the top cell's text in every row and the follow-up in it would be imported twice.

    Not read: page headers and footers, text boxes and shapes, comments, and text that exists
    only as tracked insertions; a meeting line kept in the page header therefore needs
    `meeting_date`. Old binary .doc files are refused by extension (UserError).
    """
    try:
        import docx
        from docx.oxml.ns import qn
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, KeyError, ValueError, PackageNotFoundError, lxml errors…
        raise UserError(t("import.docx_unreadable", name=name)) from exc

    body = document.element.body
    tag_p, tag_tbl, tag_sdt = qn("w:p"), qn("w:tbl"), qn("w:sdt")
    tag_tr, tag_tc, tag_content = qn("w:tr"), qn("w:tc"), qn("w:sdtContent")

    def paragraph_lines(p: object) -> list[str]:
        text = Paragraph(p, document).text  # type: ignore[arg-type]
        # A line break (Shift+Enter) inside a paragraph is a line of its own in the protocol.
        lines: list[str] = []
        for part in text.replace("\t", " ").split("\n"):
            lines.extend(split_bullets(part))
        if lines and _is_list_paragraph(p) and not lines[0].startswith("• "):
            lines[0] = "• " + lines[0]
        return lines

    def _is_list_paragraph(p: object) -> bool:
        """Numbering on the paragraph itself, or a list style ("List Bullet", "Listeavsnitt")."""
        ppr = p.find(qn("w:pPr"))  # type: ignore[attr-defined]
        if ppr is None:
            return False
        if ppr.find(qn("w:numPr")) is not None:
            return True
        style = ppr.find(qn("w:pStyle"))
        style_id = (style.get(qn("w:val")) or "") if style is not None else ""
        return style_id.lower().startswith(("listbullet", "listepunkt", "punktliste"))

    def element_lines(element: object) -> list[str]:
        """All text lines under a cell child: paragraphs, nested tables, content controls."""
        tag = element.tag  # type: ignore[attr-defined]
        if tag == tag_p:
            return paragraph_lines(element)
        lines: list[str] = []
        if tag == tag_tbl:
            for row in table_rows(element):
                text = " ".join(cell.replace("\n", " ") for cell in row if cell)
                if text:
                    lines.append(text)
        elif tag == tag_sdt:
            content = element.find(tag_content)  # type: ignore[attr-defined]
            for child in content if content is not None else ():
                lines.extend(element_lines(child))
        return lines

    def table_rows(tbl: object) -> list[list[str]]:
        rows: list[list[str]] = []
        for tr in tbl.iter(tag_tr):  # type: ignore[attr-defined]
            if _nearest(tr, tag_tbl) is not tbl:
                continue  # rows of nested tables are read by the nested table
            cells: list[str] = []
            for tc in tr.iter(tag_tc):
                if _nearest(tc, tag_tr) is not tr:
                    continue
                span = 1
                tcpr = tc.find(qn("w:tcPr"))
                if tcpr is not None:
                    grid = tcpr.find(qn("w:gridSpan"))
                    if grid is not None and (grid.get(qn("w:val")) or "").isdigit():
                        span = max(1, int(grid.get(qn("w:val"))))
                    vmerge = tcpr.find(qn("w:vMerge"))
                    if vmerge is not None and vmerge.get(qn("w:val")) in (None, "continue"):
                        cells.extend([""] * span)
                        continue
                lines: list[str] = []
                for child in tc:
                    lines.extend(element_lines(child))
                cells.append("\n".join(lines))
                cells.extend([""] * (span - 1))
            rows.append(cells)
        return rows

    blocks: list[str | list[list[str]]] = []

    def walk(container: object) -> None:
        for child in container:  # type: ignore[attr-defined]
            if child.tag == tag_p:
                blocks.extend(paragraph_lines(child))
            elif child.tag == tag_tbl:
                blocks.append(table_rows(child))
            elif child.tag == tag_sdt:
                content = child.find(tag_content)
                if content is not None:
                    walk(content)

    walk(body)
    return _document(blocks)
