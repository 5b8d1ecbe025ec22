"""Text-based PDF protocols: rebuilding the follow-up table from where the text sits.

A PDF has no tables, only glyphs at positions and (usually) lines drawn as cell borders. The
reader therefore:

1. takes every run of text with its start and end x, its baseline y and font height, built from
   the positioned glyphs pdfplumber reports (with their real widths), and every long horizontal
   line drawn on the page (pdfplumber's lines, rectangles and paths);
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
from typing import TYPE_CHECKING, Any

from handlers.core.catalog import t
from handlers.core.errors import UserError
from handlers.importing.document import Document, build_document
from handlers.importing.headers import is_followup_header

if TYPE_CHECKING:
    from pdfplumber.page import Page

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

# Two glyphs on one baseline belong to one run unless the gap between them is wider than this
# many font heights (capped in points): wider than a word space, narrower than the padding
# between two table cells, so a run never spans two columns and a line of a cell stays one run
# (a run starting mid-line would count as a column edge in `_columns`).
_RUN_GAP = 0.5
_RUN_GAP_MAX = 6.0
# After a space glyph the gap may be wider: justified text stretches its spaces (word spacing),
# but not as wide as the gap that separates a table's header cells (see `_pieces`).
_RUN_GAP_AFTER_SPACE = 1.5
# A gap wider than this many font heights between two glyphs is a word space even when the
# PDF positions the words instead of drawing a space glyph; the same rule as in `_join`.
_SPACE_GAP = 0.15


def _baseline(char: dict[str, Any], page_height: float) -> float:
    """The glyph's baseline, measured up from the bottom of the page like the rules.

    pdfplumber gives the glyph's box (`bottom`, from the top of the page); the box reaches below
    the baseline by the font's descent, which is how far the box's raw lower edge `y0` lies under
    the text matrix's origin.
    """
    return page_height - (char["bottom"] + char["y0"] - char["matrix"][5])


def _page_runs(page: Page) -> list[_Run]:
    """Text runs with their real extents, built from pdfplumber's positioned glyphs.

    Glyphs come in drawing order; a run is a stretch of them on one baseline, each starting where
    the one before ends, so where a run *ends* is known exactly, which is what tells two columns
    apart. Rotated glyphs are left out (a documented limit).
    """
    runs: list[_Run] = []
    run: list[dict[str, Any]] = []
    height = page.height

    def flush() -> None:
        if run:
            made = _run(run, height)
            if made is not None:
                runs.append(made)
            run.clear()

    for char in page.chars:
        if not char["upright"] or char["matrix"][0] <= 0:
            continue
        if run:
            last = run[-1]
            size = max(char["size"], last["size"], 1.0)
            gap = char["x0"] - last["x1"]
            after_space = not last["text"].strip()
            widest = _RUN_GAP_AFTER_SPACE * size if after_space else min(_RUN_GAP * size, _RUN_GAP_MAX)
            same_line = abs(_baseline(char, height) - _baseline(last, height)) <= 0.1 * size
            # Tagged PDFs (Word's) mark each paragraph, so each cell, as content of its own.
            same_content = char.get("mcid") == last.get("mcid")
            if not same_line or not same_content or gap < -0.5 * size or gap > widest:
                flush()
        run.append(char)
    flush()
    return runs


def _run(chars: list[dict[str, Any]], page_height: float) -> _Run | None:
    """One run from its glyphs; spaces at either end do not count towards its extent."""
    # reportlab and some Word fonts put the bullet at code 127, which has no Unicode mapping.
    texts = ["•" if c["text"] in ("\x7f", "(cid:127)") else c["text"] for c in chars]
    inked = [i for i, text in enumerate(texts) if text.strip()]
    if not inked:
        return None
    first, last = inked[0], inked[-1]
    out = ""
    previous: dict[str, Any] | None = None
    for char, text in zip(chars[first : last + 1], texts[first : last + 1], strict=True):
        if not text.strip():
            out += " "
            continue
        gap = char["x0"] - previous["x1"] if previous is not None else 0.0
        if gap > _SPACE_GAP * max(char["size"], 1.0) and not out.endswith(" "):
            out += " "
        out += text
        previous = char
    size = max(c["size"] for c in chars[first : last + 1]) or 10.0
    start = chars[first]
    return _Run(start["x0"], chars[last]["x1"], _baseline(start, page_height), size, out.replace("\n", " "))


def _page_rules(page: Page) -> list[tuple[float, float, float]]:
    """Horizontal lines drawn on the page as (y, x_start, x_end), y measured up from the bottom.

    Cell borders come as stroked lines or paths, or as thin filled rectangles; Word draws one
    segment per cell, so collinear segments are merged into one rule before use.
    """
    height = page.height
    segments: list[tuple[float, float, float]] = []

    def horizontal(p: tuple[float, float], q: tuple[float, float]) -> None:
        # Points are (x, top) as pdfplumber gives them; a rule may be a hair off level.
        if abs(p[1] - q[1]) < 1.0 and abs(p[0] - q[0]) > 5:
            segments.append((height - (p[1] + q[1]) / 2, min(p[0], q[0]), max(p[0], q[0])))

    for path in (*page.lines, *page.curves):
        for p, q in pairwise(path["pts"]):
            horizontal(p, q)
    for rect in page.rects:
        x0, x1, top, bottom = rect["x0"], rect["x1"], rect["top"], rect["bottom"]
        if bottom - top <= 3:  # a thin bar is a drawn line
            middle = (top + bottom) / 2
            horizontal((x0, middle), (x1, middle))
        else:  # a box: its top and bottom edges (used when the box is stroked)
            horizontal((x0, top), (x1, top))
            horizontal((x0, bottom), (x1, bottom))
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


class _Complaints(logging.Handler):
    """Counts what pdfminer warns about instead of logging it.

    Its warnings about a damaged file are not the operator's business (the user gets a UserError
    if the file is unusable), but they tell a damaged file from a scanned one: both give no text.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _pdfminer_complaints() -> Iterator[_Complaints]:
    complaints = _Complaints()
    loggers = [logging.getLogger(name) for name in ("pdfminer", "pdfplumber")]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
        logger.propagate = False
        logger.addHandler(complaints)
    try:
        yield complaints
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(complaints)
            logger.setLevel(level)
            logger.propagate = propagate


def _encrypted(exc: BaseException) -> bool:
    """Whether opening failed for want of a password (pdfplumber wraps pdfminer's error)."""
    from pdfminer.pdfdocument import PDFEncryptionError

    causes = [*exc.args, exc.__cause__, exc.__context__]
    return any(isinstance(cause, PDFEncryptionError) for cause in causes)


def read_pdf(data: bytes, name: str) -> Document:
    with _pdfminer_complaints() as complaints:
        pages = _read_pages(data, name)
    if not any(lines for lines, _ in pages):
        # No text at all is a scan, unless pdfminer stumbled over the file on the way.
        raise UserError(t("import.pdf_unreadable" if complaints.count else "import.pdf_no_text", name=name))
    return _document(pages)


def _read_pages(data: bytes, name: str) -> list[tuple[list[_Line], list[tuple[float, float, float]]]]:
    """Lines and row borders of every page."""
    import pdfplumber  # imported here: it is heavy, and only a PDF upload needs it

    try:
        # PDFs with only an owner password (printing/copy restrictions) open with an empty user
        # password; anything else needs a password we do not have.
        pdf = pdfplumber.open(io.BytesIO(data), password="")
    except Exception as exc:  # damaged files fail in many ways: syntax, missing keys, bad streams …
        key = "import.pdf_encrypted" if _encrypted(exc) else "import.pdf_unreadable"
        raise UserError(t(key, name=name)) from exc
    pages: list[tuple[list[_Line], list[tuple[float, float, float]]]] = []
    try:
        with pdf:
            for number, page in enumerate(pdf.pages):
                pages.append((_lines(number, _page_runs(page)), _table_rules(_page_rules(page))))
                page.close()  # its parsed objects are not needed any more
    except Exception as exc:
        raise UserError(t("import.pdf_unreadable", name=name)) from exc
    return pages


def _document(pages: list[tuple[list[_Line], list[tuple[float, float, float]]]]) -> Document:
    """The follow-up table rebuilt from the pages' lines and borders; other text as paragraphs."""

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
    return build_document(blocks, notes)


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
