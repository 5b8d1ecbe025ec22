"""HTML to blocks of text and tables, with nothing but the standard library.

Two callers: the .html reader (a whole document, often Word's "Save as web page") and the .txt
reader, whose table cells are HTML fragments. Both need the same thing: block elements (`<p>`,
`<li>`, `<br>`, …) become separate lines, because the extractor treats a paragraph as the unit
inside which a sentence gives context to the next one. List items keep a leading "• " so a reader
of the cell (and the extractor's continuation-row rule) can still tell a list from prose.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BULLET = "• "

# Elements whose start or end begins a new line of text.
_BLOCK = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "section", "article", "header", "footer", "hr", "address", "center",
    }
)  # fmt: skip
# Elements whose content is never text a reader sees.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "xml"})
# Literal bullets typed into the text (Word's text export writes "•" without any <li>).
_INLINE_BULLET = re.compile(r"\s*[•\u25cf\u25aa\u2023\u2043]\s*")
_SPACE = re.compile(r"\s+")
# Word's "Save as web page" writes a list item as a paragraph styled "mso-list" whose text starts
# with the bullet glyph of a symbol font: "·" (Symbol), "o" (Courier New), "§" or "Ø" (Wingdings).
_WORD_LIST_MARK = re.compile(r"^[·o§Ø▪\-–•]\s+")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def split_bullets(line: str) -> list[str]:
    """"Intro • one • two" -> ["Intro", "• one", "• two"]: literal bullets start list items."""
    parts = _INLINE_BULLET.split(line)
    out: list[str] = []
    if parts and parts[0].strip():
        out.append(_clean(parts[0]))
    out.extend(BULLET + _clean(part) for part in parts[1:] if part.strip())
    return out


class _Cell:
    __slots__ = ("lines", "span")

    def __init__(self, span: int) -> None:
        self.lines: list[str] = []
        self.span = span


class _Table:
    __slots__ = ("cell", "row", "rows")

    def __init__(self) -> None:
        self.rows: list[list[_Cell]] = []
        self.row: list[_Cell] | None = None
        self.cell: _Cell | None = None


class _BlockParser(HTMLParser):
    """Collects top-level paragraphs and tables in document order.

    Tables nested in a cell are flattened into that cell's lines (protocols use them for layout,
    not data). Implicitly closed `<td>`/`<tr>` (legal HTML) are handled by closing the open cell or
    row when the next one starts. `rowspan` is not modelled: the spanned rows simply have fewer
    cells, which the extractor tolerates.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str | list[list[str]]] = []
        self._tables: list[_Table] = []
        self._buffer: list[str] = []
        self._hidden = 0
        self._pending_bullet = False
        self._word_list = False  # the current paragraph is a Word list item (mso-list)

    # -- where text goes ---------------------------------------------------------------------------
    def _target(self) -> list[str] | None:
        """The line list that text belongs to now: the innermost open cell, or the document."""
        for table in reversed(self._tables):
            if table.cell is not None:
                return table.cell.lines
            # Text between cells (inside <tr> but outside <td>) is stray markup; drop it.
            return None
        return None

    def _flush(self) -> None:
        text = _clean("".join(self._buffer))
        self._buffer.clear()
        bullet, self._pending_bullet = self._pending_bullet, False
        word_list, self._word_list = self._word_list, False
        if not text:
            return
        if word_list and _WORD_LIST_MARK.match(text):
            text, bullet = _WORD_LIST_MARK.sub("", text), True
        lines = split_bullets(text)
        if bullet and lines and not lines[0].startswith(BULLET):
            lines[0] = BULLET + lines[0]
        target = self._target()
        if target is not None:
            target.extend(lines)
        elif not self._tables:
            self.blocks.extend(lines)

    # -- table bookkeeping -------------------------------------------------------------------------
    def _close_cell(self, table: _Table) -> None:
        self._flush()
        table.cell = None

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        if table.row is not None:
            table.rows.append(table.row)
            table.row = None

    def _start_table(self) -> None:
        self._flush()
        self._tables.append(_Table())

    def _end_table(self) -> None:
        if not self._tables:
            return
        table = self._tables.pop()
        self._close_row(table)
        rows: list[list[str]] = []
        for row in table.rows:
            cells: list[str] = []
            for cell in row:
                cells.append("\n".join(cell.lines))
                cells.extend([""] * (cell.span - 1))  # keep columns aligned under a colspan
            rows.append(cells)
        if self._tables:
            # A nested table: its text becomes lines of the enclosing cell, row by row.
            target = self._target()
            if target is not None:
                for cells in rows:
                    text = " ".join(c.replace("\n", " ") for c in cells if c)
                    if text:
                        target.append(text)
        else:
            self.blocks.append(rows)

    # -- HTMLParser callbacks ----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
            return
        if tag == "table":
            self._start_table()
        elif tag == "tr" and self._tables:
            table = self._tables[-1]
            self._close_row(table)
            table.row = []
        elif tag in ("td", "th") and self._tables:
            table = self._tables[-1]
            self._close_cell(table)
            if table.row is None:
                table.row = []
            span = 1
            for name, value in attrs:
                if name == "colspan" and value and value.strip().isdigit():
                    span = max(1, min(int(value.strip()), 50))
            table.cell = _Cell(span)
            table.row.append(table.cell)
        elif tag in _BLOCK:
            self._flush()
            if tag == "li":
                self._pending_bullet = True
            elif tag == "p" and "mso-list" in (dict(attrs).get("style") or ""):
                self._word_list = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            return
        if tag == "table":
            self._end_table()
        elif tag == "tr" and self._tables:
            self._close_row(self._tables[-1])
        elif tag in ("td", "th") and self._tables:
            self._close_cell(self._tables[-1])
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._buffer.append(data)

    def finish(self) -> list[str | list[list[str]]]:
        self.close()
        self._flush()
        while self._tables:
            self._end_table()
        return self.blocks


def html_blocks(markup: str) -> list[str | list[list[str]]]:
    """Paragraph lines and tables (rows of cell texts, lines joined by "\\n") in document order."""
    parser = _BlockParser()
    parser.feed(markup)
    return parser.finish()


def fragment_lines(fragment: str) -> list[str]:
    """The text lines of an HTML fragment such as one table cell of the .txt export."""
    lines: list[str] = []
    for block in html_blocks(fragment):
        if isinstance(block, str):
            lines.append(block)
        else:
            for row in block:
                text = " ".join(c.replace("\n", " ") for c in row if c)
                if text:
                    lines.append(text)
    return lines
