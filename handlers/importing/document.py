"""What every protocol reader returns: a `Document` of paragraphs and tables in document order.

The readers (`readers.py` for .docx/.html/.txt, `pdftext.py` for PDF) collect raw blocks (str
paragraphs and tables as rows of cell texts) and hand them to `build_document`, which trims them
and drops what carries no information. Kept apart from the readers so that each reader depends on
these types without depending on another reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


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


def build_document(blocks: list[str | list[list[str]]], notes: tuple[str, ...] = ()) -> Document:
    """A Document from a reader's raw blocks: blank paragraphs and empty tables are left out."""
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
