"""Protocol files to tables and free text.

`read_document(data, filename)` turns the bytes of a .docx, .html/.htm, .txt or .pdf file into a
`Document`: paragraphs (str) and tables (rows of cell texts) in the order they appear. A cell's
paragraphs and list items are separate lines ("\\n"-joined), because the extractor uses paragraphs
to decide which sentences belong together. Nothing here knows what a protocol means; that is
`extract.py`'s job. PDF has a reader of its own (`pdftext.py`); both build their result with
`document.build_document`.

Anything that cannot be read raises `UserError` with a Norwegian message: the import is a user
upload, and a stack trace would tell them nothing.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import io
import re
from email.message import EmailMessage
from pathlib import PurePath

from handlers.core.catalog import t
from handlers.core.errors import UserError
from handlers.importing.document import Document, build_document
from handlers.importing.headers import is_followup_header
from handlers.importing.htmltext import fragment_lines, html_blocks, split_bullets
from handlers.importing.pdftext import read_pdf

# A protocol is a few pages; anything far bigger is a mistake (or an attempt to exhaust memory).
MAX_BYTES = 20 * 1024 * 1024

EXTENSIONS = (".docx", ".html", ".htm", ".txt", ".pdf", ".eml")


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
    if ext == ".eml":
        return read_eml(data, name)
    return read_pdf(data, name)


# ------------------------------------------------------------------------------------------------
# text decoding (txt and html)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode_text(data: bytes, name: str, notes: list[str] | None = None) -> str:
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
            if notes is not None:
                # Plain text has no place to declare its charset: say which one was used.
                notes.append(t("import.read_as_cp1252", name=name))
    # Binary input decodes "successfully" as cp1252; control characters and replacement
    # characters give it away.
    suspicious = len(_CONTROL.findall(text)) + text.count("\ufffd")
    if suspicious > max(3, len(text) // 200):
        raise UserError(t("import.not_text", name=name))
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")


# ------------------------------------------------------------------------------------------------
# .html / .htm


# <meta charset="…"> or <meta http-equiv="Content-Type" content="text/html; charset=…">, in the
# first bytes (the HTML standard asks for it within the first 1024; Word puts it a little later).
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def html_charset(data: bytes, name: str, declared: str | None = None) -> str:
    """The character set of an HTML file, never guessed silently.

    In the order the HTML standard gives: a byte-order mark, the charset the transport declared
    (an e-mail part's Content-Type), then the `<meta>` declaration. Without any of them the file
    is read as UTF-8 only if it is valid UTF-8 (plain ASCII included); anything else is refused
    with a reason rather than decoded as Windows-1252 on a hunch.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    candidates = [declared] if declared else []
    match = _META_CHARSET.search(data[:8192])
    if match is not None:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for candidate in candidates:
        try:
            codec = codecs.lookup(candidate.strip())
        except LookupError:
            raise UserError(t("import.unknown_charset", name=name, charset=candidate)) from None
        # The HTML standard reads a declared ISO-8859-1 / ASCII as Windows-1252 (its superset).
        return "cp1252" if codec.name in ("latin-1", "iso8859-1", "ascii") else codec.name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(t("import.no_charset", name=name)) from None
    return "utf-8"


def read_html(data: bytes, name: str, *, declared: str | None = None) -> Document:
    charset = html_charset(data, name, declared)
    try:
        text = data.decode(charset)
    except UnicodeDecodeError:
        raise UserError(t("import.wrong_charset", name=name, charset=charset)) from None
    try:
        blocks = html_blocks(text)
    except Exception as exc:  # html.parser is lenient; this only guards against the unexpected
        raise UserError(t("import.html_unreadable", name=name)) from exc
    return build_document(blocks)


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
    notes: list[str] = []
    text = decode_text(data, name, notes)
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
    return build_document(blocks, tuple(notes))


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
        return style_id.lower().startswith(("listbullet", "listepunkt", "punktliste", "listnumber", "listenummer",
                                            "nummerertliste"))

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
    return build_document(blocks)


# ------------------------------------------------------------------------------------------------
# .eml (minutes sent by e-mail)

_WRAP_AT = 50  # mail clients wrap at 72–78 characters; a shorter line ended where the writer did
_STARTS_ITEM = re.compile(r"^\s*(?:[•\-–*·]\s|\(?\d{1,2}[.)]\s|[A-ZÆØÅa-zæøå ]{2,25}:|sak\s+\d)", re.IGNORECASE)


def _unwrap(text: str) -> list[str]:
    """A plain-text body as paragraphs: lines a mail client wrapped are joined again.

    A line continues the one before when that line was long (wrapped) and this one does not
    start a list item, a label ("Frist:") or a case. Quoted lines ("> …") of earlier messages
    are left out, and a blank line always ends a paragraph.
    """
    out: list[str] = []
    previous = ""
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if line.lstrip().startswith(">"):
            continue
        if not line.strip():
            previous = ""
            out.append("")
            continue
        if out and previous and len(previous) >= _WRAP_AT and not _STARTS_ITEM.match(line):
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line.strip())
        previous = line
    return [line for line in out if line]


def read_eml(data: bytes, name: str) -> Document:
    """An e-mail's subject, its body and any attached protocol, in that order.

    The subject is usually the meeting's title ("Referat fra møte i AU 12. mars"). The body is
    the text/plain part, else the text/html part (read with its declared charset). Attachments
    with a protocol extension are read with their own reader and follow the body: a body saying
    "se vedlagt referat" then adds nothing, and one that *is* the minutes is read as such.
    """
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; this only guards against the unexpected
        raise UserError(t("import.eml_unreadable", name=name)) from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise UserError(t("import.eml_unreadable", name=name))
    blocks: list[str | list[list[str]]] = []
    notes: list[str] = []
    subject = " ".join(str(message.get("subject", "")).split())
    subject = re.sub(r"^(?:(?:sv|vs|re|fw|fwd|aw)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    if subject:
        blocks.append(subject)
    body = message.get_body(preferencelist=("plain", "html"))
    payload = (body.get_payload(decode=True) or b"") if body is not None else b""
    if not payload.strip():
        body = None
    if body is not None:
        charset = body.get_content_charset()
        if body.get_content_type() == "text/html":
            document = read_html(payload, name, declared=charset)
            blocks.extend(block if isinstance(block, str) else [list(r) for r in block.rows] for block in document.blocks)
        else:
            if charset is None:
                text = decode_text(payload, name, notes)
            else:
                try:
                    text = payload.decode(charset)
                except (LookupError, UnicodeDecodeError):
                    raise UserError(t("import.wrong_charset", name=name, charset=charset)) from None
            for line in _unwrap(text):
                blocks.extend(split_bullets(line) if "•" in line else [line])
    attached = 0
    for part in message.iter_attachments():
        filename = part.get_filename() or ""
        if PurePath(filename).suffix.lower() not in EXTENSIONS or filename.lower().endswith(".eml"):
            continue
        payload = part.get_payload(decode=True) or b""
        document = read_document(payload, filename)
        attached += 1
        blocks.extend(block if isinstance(block, str) else [list(r) for r in block.rows] for block in document.blocks)
        notes.extend(document.notes)
    if body is None and not attached:
        raise UserError(t("import.eml_empty", name=name))
    return build_document(blocks, tuple(notes))
