"""Text-based PDF protocols: rebuilding the follow-up table from where the text sits.

A PDF has no tables, only glyphs at positions and (usually) lines drawn as cell borders. The
reader therefore:

1. takes every run of text with its start and end x, its baseline y and font height, using the
   machinery of pypdf's layout mode (which knows the real glyph widths), and every long horizontal
   line drawn on the page;
2. groups runs into lines by baseline;
3. finds the table header: a line whose separate pieces are headers the extractor understands
   ("Saker", "Oppfølging", "Ansvar", …) including a follow-up column;
4. takes the column edges from the header, corrected by where body text actually starts (a
   centred header starts to the right of its column);
5. cuts rows at the horizontal borders when the table has them; a borderless table is cut where
   the first column starts a new case number ("3. …"), or, if it has no case numbers, at a
   vertical gap in the first column;
6. splits a cell into paragraphs where the gap between two lines is clearly larger than the line
   spacing.

Limits (documented for users in docs and in the warning attached to every PDF import):
scanned PDFs have no text and are refused; rotated text is skipped; a row that breaks over a page
becomes two rows (the second without a case number, which the extractor treats as a continuation
of the same case, but a sentence cut by the page break is cut in two); in a borderless table, free
text directly under the table can be taken for the last row's first column; multi-column page
layouts (text beside the table) are not supported; only the first follow-up table is rebuilt
(other text, including other tables, is returned as lines of free text).
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise

from handlers.catalog import t
from handlers.errors import UserError
from handlers.protocol.headers import is_followup_header
from handlers.protocol.readers import Document, _document

_CASE = re.compile(r"^\s*(?:sak\s*)?\d+(?:[./]\d+)*\.?(?:\s|$)", re.IGNORECASE)


@dataclass
class _Run:
    x0: float
    x1: float
    y: float
    height: float
    text: str


@dataclass
class _Line:
    page: int
    y: float
    height: float
    runs: list[_Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return _join(self.runs)


def _join(runs: list[_Run]) -> str:
    """Runs of one line (sorted by x) as text; a space where the glyphs leave a visible gap."""
    out = ""
    previous: _Run | None = None
    for run in sorted(runs, key=lambda r: r.x0):
        text = run.text
        if previous is not None and out and not out.endswith(" ") and not text.startswith(" "):
            gap = run.x0 - previous.x1
            if gap > 0.15 * max(run.height, 1.0):
                out += " "
        out += text
        previous = run
    return " ".join(out.split())


# ------------------------------------------------------------------------------------------------
# reading runs and borders


def _open(data: bytes, name: str):  # -> PdfReader (pypdf imported lazily)
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception as exc:  # PdfReadError, but also ValueError, KeyError … on damaged files
        raise UserError(t("import.pdf_unreadable", name=name)) from exc
    if reader.is_encrypted:
        # PDFs with only an owner password (printing/copy restrictions) open with an empty user
        # password; anything else needs a password we do not have.
        try:
            opened = reader.decrypt("")
        except Exception as exc:
            raise UserError(t("import.pdf_encrypted", name=name)) from exc
        if not opened:
            raise UserError(t("import.pdf_encrypted", name=name))
    return reader


def _page_runs(page) -> list[_Run]:
    """Text runs with exact extents, via pypdf's layout-mode helpers.

    Those helpers are private API (pypdf._text_extraction._layout_mode); they are the only part
    of pypdf that reports where a run of text *ends*, which is what tells two columns apart. If a
    future pypdf moves them, `_visitor_runs` takes over with estimated widths.
    """
    try:
        from pypdf._text_extraction import _layout_mode
        from pypdf.generic import ArrayObject, ContentStream, StreamObject
    except ImportError:  # pragma: no cover - depends on the pypdf version
        return _visitor_runs(page)
    contents = page.get("/Contents")
    if contents is None:
        return []
    contents = contents.get_object()
    if not isinstance(contents, ArrayObject | StreamObject):
        return []
    try:
        fonts = page._layout_mode_fonts()
        ops = iter(ContentStream(contents, page.pdf, "bytes").operations)
        groups = _layout_mode.text_show_operations(ops, fonts, True, None)
    except (AttributeError, TypeError):  # pragma: no cover - private API changed
        return _visitor_runs(page)
    runs: list[_Run] = []
    for group in groups:
        # reportlab and some Word fonts put the bullet at code 127, which pypdf returns as DEL.
        text = group["text"].replace("\n", " ").replace("\x7f", "•")
        if not text.strip():
            continue
        y = group["ty"] * group["flip_sort"]
        height = group["font_height"] or group["font_size"] or 10.0
        runs.append(_Run(group["tx"], group["displaced_tx"], y, abs(height), text))
    return runs


def _visitor_runs(page) -> list[_Run]:
    """Runs from pypdf's public visitor; the end of a run is estimated (half an em per char)."""
    runs: list[_Run] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        height = abs(size * (tm[3] or 1) * (cm[3] or 1)) or 10.0
        for number, part in enumerate(text.split("\n")):
            if part.strip():
                y_part = y - number * height * 1.2
                text = part.replace("\x7f", "•")
                runs.append(_Run(x, x + 0.5 * height * len(text), y_part, height, text))

    page.extract_text(visitor_text=visit)
    if runs:
        left = min(run.x0 for run in runs)
        for run in runs:
            run.x0 -= left
            run.x1 -= left
    return runs


def _page_rules(page) -> list[tuple[float, float, float]]:
    """Horizontal lines drawn on the page as (y, x_start, x_end) in page coordinates.

    Cell borders come as stroked paths (m … l S) or as thin filled rectangles (re f); Word draws
    one segment per cell, so collinear segments are merged into one rule before use.
    """
    from pypdf.generic import ArrayObject, ContentStream, StreamObject

    contents = page.get("/Contents")
    if contents is None:
        return []
    contents = contents.get_object()
    if not isinstance(contents, ArrayObject | StreamObject):
        return []
    try:
        operations = ContentStream(contents, page.pdf, "bytes").operations
    except Exception:
        return []
    ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack: list[tuple[float, ...]] = []
    point: tuple[float, float] | None = None
    segments: list[tuple[float, float, float]] = []

    def apply(x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    def horizontal(p: tuple[float, float], q: tuple[float, float]) -> None:
        if abs(p[1] - q[1]) < 1.0 and abs(p[0] - q[0]) > 5:
            segments.append(((p[1] + q[1]) / 2, min(p[0], q[0]), max(p[0], q[0])))

    for operands, operator in operations:
        try:
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q":
                ctm = stack.pop() if stack else ctm  # type: ignore[assignment]
            elif operator == b"cm" and len(operands) == 6:
                a2, b2, c2, d2, e2, f2 = (float(v) for v in operands)
                a, b, c, d, e, f = ctm
                ctm = (
                    a2 * a + b2 * c, a2 * b + b2 * d, c2 * a + d2 * c, c2 * b + d2 * d,
                    e2 * a + f2 * c + e, e2 * b + f2 * d + f,
                )  # fmt: skip
            elif operator == b"m" and len(operands) == 2:
                point = apply(float(operands[0]), float(operands[1]))
            elif operator == b"l" and len(operands) == 2 and point is not None:
                target = apply(float(operands[0]), float(operands[1]))
                horizontal(point, target)
                point = target
            elif operator == b"re" and len(operands) == 4:
                x, y, w, h = (float(v) for v in operands)
                if abs(h) <= 3:  # a thin bar is a drawn line
                    horizontal(apply(x, y + h / 2), apply(x + w, y + h / 2))
                else:  # a box: its top and bottom edges (used when the box is stroked)
                    horizontal(apply(x, y), apply(x + w, y))
                    horizontal(apply(x, y + h), apply(x + w, y + h))
        except (ValueError, TypeError):
            continue
    return _merge_rules(segments)


def _merge_rules(segments: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    merged: list[list[float]] = []
    for y, x0, x1 in sorted(segments, key=lambda s: (round(s[0]), s[1])):
        if merged and abs(merged[-1][0] - y) < 1.0 and x0 <= merged[-1][2] + 3:
            merged[-1][2] = max(merged[-1][2], x1)
        else:
            merged.append([y, x0, x1])
    return [(y, x0, x1) for y, x0, x1 in merged]


# ------------------------------------------------------------------------------------------------
# lines and the table


def _lines(page_number: int, runs: list[_Run]) -> list[_Line]:
    """Runs grouped into lines, top to bottom; runs whose baselines differ by less than a third
    of the font height are on one line."""
    lines: list[_Line] = []
    for run in sorted(runs, key=lambda r: (-r.y, r.x0)):
        if lines and abs(lines[-1].y - run.y) < 0.35 * max(run.height, lines[-1].height):
            lines[-1].runs.append(run)
        else:
            lines.append(_Line(page_number, run.y, run.height, [run]))
    for line in lines:
        line.runs.sort(key=lambda r: r.x0)
    return lines


def _pieces(line: _Line) -> list[list[_Run]]:
    """Runs of a line clustered into pieces separated by wide gaps (a header's cells)."""
    pieces: list[list[_Run]] = []
    for run in line.runs:
        if pieces and run.x0 - pieces[-1][-1].x1 < 1.5 * max(run.height, 1.0):
            pieces[-1].append(run)
        else:
            pieces.append([run])
    return pieces


def _header(lines: list[_Line]) -> tuple[int, list[list[_Run]]] | None:
    for index, line in enumerate(lines):
        pieces = _pieces(line)
        if len(pieces) >= 2 and is_followup_header([_join(piece) for piece in pieces]):
            return index, pieces
    return None


class _Columns:
    """Column left edges; a run belongs to the column whose edge is the last one at or left of
    its start (with a little tolerance for text nudged left by a centred layout)."""

    def __init__(self, edges: list[float]) -> None:
        self.edges = edges

    def index(self, x: float) -> int:
        column = 0
        for number, edge in enumerate(self.edges):
            if x >= edge - 2.0:
                column = number
        return column


def _columns(pieces: list[list[_Run]], body: list[_Line]) -> _Columns:
    starts = [piece[0].x0 for piece in pieces]
    ends = [piece[-1].x1 for piece in pieces]
    edges = [min(starts[0], min((r.x0 for line in body for r in line.runs), default=starts[0]))]
    counts = Counter(round(run.x0) for line in body for run in line.runs)
    for number in range(1, len(pieces)):
        # A body text edge between the previous header's end and this header's start, seen on
        # at least two lines, is where this column really begins (centred headers).
        candidates = [x for x, n in counts.items() if n >= 2 and ends[number - 1] + 1 < x <= starts[number] + 1]
        edges.append(float(min(candidates)) if candidates else starts[number])
    return _Columns(edges)


_BULLETS = ("•", "▪", "◦", "‣", "-", "–")


def _paragraphs(lines: list[tuple[float, float, str]]) -> str:
    """(y, height, text) lines of one cell, top to bottom, as paragraphs joined by "\\n".

    A new paragraph starts at a list bullet or where the gap to the line above is clearly more
    than the line spacing. The spacing is the smallest gap seen, but never more than 1.25 times
    the font height (a cell of two paragraphs has no ordinary line gap to measure).
    """
    if not lines:
        return ""
    gaps = [lines[i][0] - lines[i + 1][0] for i in range(len(lines) - 1)]
    out: list[str] = [lines[0][2]]
    for i in range(1, len(lines)):
        pitch = min([g for g in gaps if g > 0] + [1.25 * lines[i][1]])
        if gaps[i - 1] > 1.3 * pitch or lines[i][2].startswith(_BULLETS[:4]):
            out.append(lines[i][2])
        else:
            out[-1] = f"{out[-1]} {lines[i][2]}".strip()
    return "\n".join(out)


def _free_text(lines: list[_Line]) -> list[str]:
    """Lines outside the table as paragraphs: a line joins the one above when it follows at
    normal line spacing and the line above ran (nearly) to the right margin, i.e. was wrapped.
    Short lines stay apart, so "Til stede: …" under a one-line meeting title is not glued to it."""
    if not lines:
        return []
    right = max(run.x1 for line in lines for run in line.runs)
    out: list[str] = []
    previous: _Line | None = None
    for line in lines:
        text = line.text
        if not text:
            continue
        wrapped = (
            previous is not None
            and previous.page == line.page
            and 0 < previous.y - line.y <= 1.45 * max(line.height, previous.height)
            and max(run.x1 for run in previous.runs) >= 0.8 * right
            and not text.startswith(_BULLETS[:4])
        )
        if wrapped and out:
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(text)
        previous = line
    return out


def _cells(band: list[_Line], columns: _Columns) -> list[str]:
    per_column: list[list[tuple[float, float, str]]] = [[] for _ in columns.edges]
    for line in band:
        parts: dict[int, list[_Run]] = {}
        for run in line.runs:
            parts.setdefault(columns.index(run.x0), []).append(run)
        for column, runs in parts.items():
            text = _join(runs)
            if text:
                per_column[column].append((line.y, line.height, text))
    return [_paragraphs(lines) for lines in per_column]


def _table_rules(rules: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """The rules long enough to be row borders: at least 60 % of the page's longest rule, which
    keeps underlines and short separators out."""
    if not rules:
        return []
    longest = max(x1 - x0 for _, x0, x1 in rules)
    if longest < 60:
        return []
    kept = [rule for rule in rules if rule[2] - rule[1] >= 0.6 * longest]
    return sorted(kept, key=lambda rule: -rule[0])


def _extent(rules: list[tuple[float, float, float]]) -> tuple[float, float]:
    return min(r[1] for r in rules), max(r[2] for r in rules)


def _same_table(extent: tuple[float, float] | None, rules: list[tuple[float, float, float]]) -> bool:
    """Whether a later page's borders continue the table (same left and right edge)."""
    if extent is None or not rules:
        return False
    x0, x1 = _extent(rules)
    return abs(x0 - extent[0]) < 6 and abs(x1 - extent[1]) < 6


def _bands(lines: list[_Line], cuts: list[float]) -> list[list[_Line]]:
    """Lines between consecutive cut positions (cuts top to bottom)."""
    bands: list[list[_Line]] = []
    for upper, lower in pairwise(cuts):
        band = [line for line in lines if lower < line.y < upper]
        if band:
            bands.append(band)
    return bands


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs warnings and errors for every oddity of a damaged file; while reading an upload those
    are not the operator's business (the user gets a UserError if the file is unusable)."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_pdf(data: bytes, name: str) -> Document:
    with _quiet_pypdf():
        return _read_pdf(data, name)


def _read_pdf(data: bytes, name: str) -> Document:
    reader = _open(data, name)
    pages: list[tuple[list[_Line], list[tuple[float, float, float]]]] = []
    try:
        for number, page in enumerate(reader.pages):
            runs = _page_runs(page)
            pages.append((_lines(number, runs), _table_rules(_page_rules(page))))
    except UserError:
        raise
    except Exception as exc:
        raise UserError(t("import.pdf_unreadable", name=name)) from exc
    if not any(lines for lines, _ in pages):
        raise UserError(t("import.pdf_no_text", name=name))

    blocks: list[str | list[list[str]]] = []
    after: list[str] = []  # free text after the table starts (kept after it, in order)
    rows: list[list[str]] | None = None
    columns = _Columns([0.0])
    header_texts: list[str] = []
    extent: tuple[float, float] | None = None  # left/right edge of a bordered table
    ended = False

    for lines, rules in pages:
        if ended:
            after.extend(_free_text(lines))
            continue
        if rows is None:
            found = _header(lines)
            if found is None:
                blocks.extend(_free_text(lines))
                continue
            index, pieces = found
            blocks.extend(_free_text(lines[:index]))
            header = lines[index]
            header_texts = [_join(piece) for piece in pieces]
            rows = [header_texts]
            body = lines[index + 1 :]
            columns = _columns(pieces, body)
            below = [rule[0] for rule in rules if rule[0] < header.y]
            if below:
                extent = _extent(rules)
                # The first rule under the header is the header row's bottom border unless it is
                # far below (a header row without a border): then the body starts right away.
                cuts = below if header.y - below[0] < 2.5 * header.height else [header.y - 0.1, *below]
                region = [line for line in body if line.y > cuts[-1]]
                after.extend(_free_text([line for line in body if line.y <= cuts[-1]]))
                bands = _bands(region, cuts)
            else:
                region, rest = _borderless_region(body)
                bands = _borderless_bands(region, columns)
                after.extend(_free_text(rest))
                ended = bool(rest)
        elif extent is not None:
            if not _same_table(extent, rules):
                ended = True
                after.extend(_free_text(lines))
                continue
            cuts = [rule[0] for rule in rules]
            # Above the first border: a page header; below the last: a footer (or text after the
            # table, which the next page's borders will tell).
            after.extend(_free_text([line for line in lines if line.y >= cuts[0] or line.y <= cuts[-1]]))
            bands = _bands(lines, cuts)
        else:
            region, rest = _borderless_region(lines)
            bands = _borderless_bands(region, columns)
            after.extend(_free_text(rest))
            ended = bool(rest)
        for band in bands:
            cells = _cells(band, columns)
            if [cell.replace("\n", " ") for cell in cells] == header_texts:
                continue  # the header repeated on a new page
            rows.append(cells)

    notes: tuple[str, ...] = ()
    if rows is not None:
        blocks.append(rows)
        notes = (t("import.pdf_layout"),)
    blocks.extend(after)
    return _document(blocks, notes)


def _borderless_region(lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """Lines of a borderless table and the lines after it: the table ends after a vertical gap
    of more than three lines (text under a table is set off by more than a row's spacing)."""
    inside: list[_Line] = []
    for number, line in enumerate(lines):
        if inside and inside[-1].y - line.y > 3.5 * max(line.height, inside[-1].height):
            return inside, lines[number:]
        inside.append(line)
    return inside, []
def _borderless_bands(lines: list[_Line], columns: _Columns | None) -> list[list[_Line]]:
    """Rows of a table without borders.

    A row starts where the first column starts a case number ("3. …"), or where the first
    column and at least one other column start together, each after a gap larger than the line
    spacing (cells are top-aligned, so a row's cells begin on one line; a second paragraph inside
    a cell begins in that column only). A line with an empty first column continues the row above,
    which is also what the extractor does with such rows.
    """
    if columns is None or not lines:
        return [lines] if lines else []
    last_y: dict[int, float] = {}
    bands: list[list[_Line]] = []
    for line in lines:
        present: dict[int, list[_Run]] = {}
        for run in line.runs:
            present.setdefault(columns.index(run.x0), []).append(run)
        first = _join(present.get(0, []))
        fresh = all(
            column not in last_y or last_y[column] - line.y > 1.3 * 1.25 * line.height for column in present
        )
        starts = bool(first) and (bool(_CASE.match(first)) or (fresh and len(present) >= 2))
        if starts or not bands:
            bands.append([line])
        else:
            bands[-1].append(line)
        for column in present:
            last_y[column] = line.y
    return bands
