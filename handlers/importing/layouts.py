"""Where a protocol keeps its follow-up: the layout finder.

Protocols put their follow-up in many places. This module finds them all and turns each into
`Row`s of `Item`s (one item per follow-up paragraph, with the "Ansvar"/"Frist" values that belong
to it), so the extractor does not need to know the layout. Each `Row` says where it came from
(`source`) and each layout found is described in Norwegian (`Found.layouts`) for the preview.

The layouts, by family rather than by example:

* **Tables** whose header has a follow-up column (any name in `headers.py`: "Oppfølging",
  "Vedtak/oppfølging", "Tiltak" …) next to anything else the extractor understands, in any order
  and with any other columns around them ("Sak | Drøfting | Vedtak/oppfølging", "Tiltak | Hvem |
  Når").
* **Action tables** without a follow-up column: a text column and an "Ansvar" or "Frist" column
  ("Sak | Ansvar | Frist"); the text column is then the action.
* **Sections**: a heading naming follow-up ("Oppfølging", "Oppfølgingspunkter", "Vedtak",
  "Tiltak", "Konklusjon", nynorsk "Oppfylging" …, with or without a colon, numbered or not);
  the numbered or bulleted items under it, or the paragraphs under it until the next heading,
  are items. "Vedtak: AU sender …" on one line is a heading with its item.
* **Label blocks**: "Ansvar:"/"Ansvarlig:"/"Hvem:" and "Frist:"/"Når:" lines (or the same labels
  inside a paragraph) belong to the item just before them, wherever it stands; the item before
  is taken as follow-up even outside any section.

Case numbers come from "Sak 12/24 …", "12/24 …" or a numbered heading ("3. Budsjett") outside a
follow-up section. The same rules read the cells of tables that are not follow-up tables
("Sak | Referat" with "Vedtak: …" inside the cell).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.core.text import fold
from handlers.importing import headers
from handlers.importing.document import Document, Table
from handlers.importing.sentences import split_sentences


@dataclass
class Item:
    """One follow-up paragraph and the "Ansvar"/"Frist" values given for it ("" when none)."""

    text: str
    responsible: str = ""
    deadline: str = ""


@dataclass
class Row:
    case: str | None
    case_title: str | None
    new_case: bool  # the row starts a case (rather than continuing the one above)
    items: list[Item]
    source: str  # where in the document, in Norwegian ("tabell 1, rad 3")


@dataclass
class Found:
    rows: list[Row] = field(default_factory=list)
    layouts: list[str] = field(default_factory=list)  # one Norwegian line per layout found
    kinds: list[str] = field(default_factory=list)  # "table", "action-table", "section", "labels"
    first_block: int | None = None  # index of the first block holding follow-up

    def note(self, kind: str, text: str, block: int) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
        if text not in self.layouts:
            self.layouts.append(text)
        if self.first_block is None or block < self.first_block:
            self.first_block = block


# --- words -----------------------------------------------------------------------------------------

# Folded headings that open a follow-up section.
_SECTION_WORDS = (
    "oppfolgingspunkter", "oppfolgingspunkt", "videre oppfolging", "oppfolging", "oppfylgingspunkt",
    "oppfylging", "vedtak", "konklusjoner", "konklusjon", "beslutninger", "beslutning", "tiltak",
    "aksjonspunkter", "aksjonspunkt", "aksjoner", "oppgaver", "avtalt", "avtala", "dette ble avtalt",
    "dette vart avtalt", "neste steg", "vidare arbeid", "videre arbeid",
)  # fmt: skip
# Headings that end a section (and are never follow-up themselves).
_OTHER_HEADINGS = (
    "eventuelt", "neste mote", "til stede", "tilstede", "forfall", "referent", "saksliste",
    "dagsorden", "agenda", "drofting", "droftingar", "orientering", "bakgrunn", "innledning",
    "innleiing", "deltakere", "deltakarar", "moteleder", "motestad", "motested", "sted", "dato",
    "kopi", "vedlegg", "referat", "saksopplysninger", "innspill", "merknader", "status",
)  # fmt: skip
_LIST_MARK = re.compile(r"^\s*(?:[•\-–—*·▪‣o]\s+|\(?\d{1,2}[.)]\s+|\(?[a-zæøå][.)]\s+)")
_NUMBERED = re.compile(r"^\s*\(?\d{1,2}[.)]\s+")
_CASE_HEADING = re.compile(
    r"^\s*(?:(?:sak|saksnr\.?|sak\s+nr\.?)\s*(\d{1,4}(?:[/.]\d{1,4})*)|(\d{1,4}/\d{2,4}))\s*[.:)\-–]?\s*(.*)$",
    re.IGNORECASE,
)
_DATE_START = re.compile(r"^\s*\d{1,2}\.\s*(?:jan|feb|mar|apr|mai|jun|jul|aug|sep|okt|nov|des)", re.IGNORECASE)
_NUMBER_HEADING = re.compile(r"^\s*(\d{1,2})[.)]?\s+(\S.*)$")
_RESPONSIBLE_LABEL = r"(?:ansvarlig\s+part|ansvarlige|ansvarlig|ansvarleg|ansvar|hvem|kven|utføres\s+av)"
_DEADLINE_LABEL = r"(?:tidsfrist|frist|når|innen)"
_LABEL_LINE = re.compile(
    rf"^\s*(?:[•\-–*]\s*)?(?P<label>{_RESPONSIBLE_LABEL}|{_DEADLINE_LABEL})\s*[:–-]\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_INLINE_LABEL = re.compile(rf"(?:(?<=[.;,)])|(?<=\s))\s*(?P<label>{_RESPONSIBLE_LABEL}|{_DEADLINE_LABEL})\s*:\s*",
                           re.IGNORECASE)


def _is_responsible(label: str) -> bool:
    return re.fullmatch(_DEADLINE_LABEL, label.strip(), re.IGNORECASE) is None


def _strip_mark(text: str) -> str:
    return _LIST_MARK.sub("", text, count=1).strip()


def _heading(text: str) -> tuple[str, str] | None:
    """("followup"|"other", inline text after the colon) when `text` is a heading, else None."""
    body = re.sub(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)]?\s+)", "", text).strip()
    folded = fold(body).strip(" *_")
    for word in _SECTION_WORDS:
        if folded == word or folded == word + ":":
            return "followup", ""
        if folded.startswith(word) and re.match(r"\s*(?:/[\w ]+)?\s*:", folded[len(word) :]):
            colon = body.index(":")
            return "followup", body[colon + 1 :].strip()
    for word in _OTHER_HEADINGS:
        if folded == word or folded.startswith(word + ":") or folded == word + ":":
            return "other", ""
    return None


def _labels_inline(text: str) -> tuple[str, str, str]:
    """"Lage mal. Ansvar: KS. Frist: 1. mars" -> ("Lage mal.", "KS", "1. mars")."""
    matches = list(_INLINE_LABEL.finditer(text))
    if not matches:
        return text, "", ""
    body = text[: matches[0].start()].strip()
    responsible = deadline = ""
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end].strip().rstrip(".;,").strip()
        if _is_responsible(match.group("label")):
            responsible = responsible or value
        else:
            deadline = deadline or value
    return body, responsible, deadline


# --- tables ----------------------------------------------------------------------------------------

_HEADER_ROWS = 3  # a title row or two may sit above the header row


def _items_of(cell: str) -> list[Item]:
    """The follow-up paragraphs of one cell; label lines attach to the paragraph before them."""
    items: list[Item] = []
    shared_responsible = shared_deadline = ""
    for line in (line.strip() for line in cell.split("\n")):
        if not line:
            continue
        label = _LABEL_LINE.match(line)
        if label is not None:
            value = label.group("value").strip()
            target = items[-1] if items else None
            if _is_responsible(label.group("label")):
                if target is not None:
                    target.responsible = target.responsible or value
                else:
                    shared_responsible = value
            elif target is not None:
                target.deadline = target.deadline or value
            else:
                shared_deadline = value
            continue
        body, responsible, deadline = _labels_inline(line)
        items.append(Item(body or line, responsible, deadline))
    for item in items:
        item.responsible = item.responsible or shared_responsible
        item.deadline = item.deadline or shared_deadline
    return items


_CASE_NUMBER = re.compile(
    r"^\s*(?:sak(?:snr\.?|snummer)?\s*(?:nr\.?\s*)?)?(\d{1,4}(?:[./]\d{1,4})*)\.?(?=\s|$|[):,])",
    re.IGNORECASE,
)


def _title(text: str) -> str | None:
    text = " ".join(text.split()).strip(" .:-–")
    if not text:
        return None
    sentence = next(iter(split_sentences(text)), text)
    if len(sentence) > 80:
        sentence = sentence[:80].rsplit(" ", 1)[0] + " …"
    return sentence


def _column_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _pair(lines: list[str], count: int, index: int) -> str:
    """The "Ansvar"/"Frist" cell value for one of `count` paragraphs: with one line per paragraph
    the lines pair up (three tasks, three owners, three dates); otherwise the cell applies whole."""
    if len(lines) > 1 and len(lines) == count:
        return lines[index]
    return " ".join(lines)


def _table_rows(table: Table, number: int, header: int, roles: dict[str, int], previous: list[Row],
                *, action_table: bool) -> list[Row]:
    def cell(row: tuple[str, ...], role: str) -> str:
        index = roles.get(role)
        return row[index] if index is not None and index < len(row) else ""

    text_role = headers.FOLLOWUP
    if action_table:
        text_role = headers.DESCRIPTION if headers.DESCRIPTION in roles else headers.CASE
    rows: list[Row] = []
    case: str | None = previous[-1].case if previous else None
    title: str | None = previous[-1].case_title if previous else None
    for offset, row in enumerate(table.rows[header + 1 :], start=header + 2):
        case_text = cell(row, headers.CASE) or (cell(row, headers.DESCRIPTION) if headers.CASE not in roles else "")
        first = case_text.split("\n", 1)[0].strip()
        match = _CASE_NUMBER.match(first)
        continues = not first or first.startswith("•") or first[:1].islower()
        new_case = False
        if match is not None:
            case, new_case = match.group(1).rstrip("."), True
            title = _title(first[match.end() :]) or _title(cell(row, headers.DESCRIPTION))
        elif not continues:
            case, new_case = None, True
            title = _title(first)
        if new_case and title is None:
            title = _title(cell(row, headers.DESCRIPTION).split("\n", 1)[0])
        text = cell(row, text_role)
        if action_table and text_role == headers.CASE and match is not None:
            text = text.strip()[match.end() :].strip(" .:-–") if text.strip().startswith(first) else text
        items = _items_of(text)
        responsible = _column_lines(cell(row, headers.RESPONSIBLE))
        deadline = _column_lines(cell(row, headers.DEADLINE))
        for index, item in enumerate(items):
            item.responsible = item.responsible or _pair(responsible, len(items), index)
            item.deadline = item.deadline or _pair(deadline, len(items), index)
        rows.append(Row(case, title, new_case, items, f"tabell {number}, rad {offset}"))
    return rows


def _describe(table: Table, header: int, roles: dict[str, int], action_table: bool) -> str:
    names = " | ".join(c.replace("\n", " ") for c in table.rows[header] if c.strip())
    if action_table:
        column = headers.DESCRIPTION if headers.DESCRIPTION in roles else headers.CASE
        used = table.rows[header][roles[column]].replace("\n", " ")
        return f"tabell med kolonnene «{names}»: hver rad i «{used}» er et tiltak"
    used = table.rows[header][roles[headers.FOLLOWUP]].replace("\n", " ")
    return f"tabell med kolonnene «{names}»: oppfølging lest fra «{used}»"


# --- running text ----------------------------------------------------------------------------------


@dataclass
class _Scan:
    """The state of one pass over a run of paragraphs (the document's, or one table row's)."""

    where: str
    case: str | None = None
    title: str | None = None
    new_case: bool = False
    section: bool = False  # inside a follow-up section
    listed: bool = False  # the section's items are list items (a plain line then ends it)
    previous: str | None = None  # the last paragraph that is not an item yet
    previous_block: int = 0
    heading: str = ""
    last: Item | None = None
    rows: list[Row] = field(default_factory=list)


def _scan(paragraphs: list[tuple[int, str]], found: Found, where: str, *, case: str | None = None,
          title: str | None = None) -> list[Row]:
    """Items in running text: follow-up sections and "Ansvar:"/"Frist:" label blocks."""
    state = _Scan(where, case=case, title=title)

    def add(text: str, block: int, kind: str, how: str, responsible: str = "", deadline: str = "") -> None:
        body, inline_responsible, inline_deadline = _labels_inline(_strip_mark(text))
        item = Item(body, responsible or inline_responsible, deadline or inline_deadline)
        if not item.text:
            return
        state.rows.append(Row(state.case, state.title, state.new_case, [item], f"{where}: {how}"))
        state.new_case = False
        state.last = item
        found.note(kind, how, block)

    for block, raw in paragraphs:
        text = raw.strip()
        if not text:
            continue
        label = _LABEL_LINE.match(text)
        if label is not None:
            value = label.group("value").strip()
            if state.last is None and state.previous is not None:
                add(state.previous, state.previous_block, "labels", "punkt med «Ansvar:»/«Frist:»-linjer")
                state.previous = None
            if state.last is not None:
                found.note("labels", "punkt med «Ansvar:»/«Frist:»-linjer", block)
                if _is_responsible(label.group("label")):
                    state.last.responsible = state.last.responsible or value
                else:
                    state.last.deadline = state.last.deadline or value
            continue
        heading = _heading(text)
        case_heading = _CASE_HEADING.match(text)
        if case_heading is not None and heading is None and not _LIST_MARK.match(text):
            state.case = (case_heading.group(1) or case_heading.group(2)).rstrip(".")
            state.title = _title(case_heading.group(3) or "")
            state.new_case, state.section, state.last, state.previous = True, False, None, None
            continue
        if heading is not None:
            kind, inline = heading
            state.section = kind == "followup"
            state.listed = False
            state.last, state.previous = None, None
            if state.section:
                name = text.split(":", 1)[0].strip() if inline else text.strip().rstrip(":")
                state.previous = None
                state.heading = _strip_mark(name)
                if inline:
                    # "Vedtak: AU sender …" — "Ansvar:" lines after it still belong to it.
                    add(inline, block, "section", f"avsnitt under «{state.heading}»")
            continue
        is_list = _LIST_MARK.match(text) is not None
        if state.section:
            how = f"{'liste' if is_list else 'avsnitt'} under «{state.heading}»"
            if is_list:
                state.listed = True
                add(text, block, "section", how)
                continue
            if not state.listed:
                add(text, block, "section", how)
                continue
            state.section = False  # prose after the list: the section is over
        number = _NUMBER_HEADING.match(text)
        if number is not None and _DATE_START.match(text):
            number = None  # "12. mars 2024, Teams" is a date, not case 12
        if number is not None and not is_list_bullet(text) and len(text) <= 90 and not text.rstrip().endswith("."):
            # "3. Budsjett 2025" outside a section: a case heading, unless "Ansvar:" follows
            # (then `previous` turns it into an item).
            state.case, state.title, state.new_case = number.group(1), _title(number.group(2)), True
            state.last = None
            state.previous, state.previous_block = number.group(2), block
            continue
        state.last = None
        state.previous, state.previous_block = text, block
    return state.rows


def is_list_bullet(text: str) -> bool:
    return bool(re.match(r"^\s*[•\-–—*·▪‣]\s+", text))


# --- entry point -----------------------------------------------------------------------------------


def find_followup(document: Document) -> Found:
    """All follow-up in the document, tables first where they stand, in document order."""
    found = Found()
    paragraphs: list[tuple[int, str]] = []
    previous_rows: list[Row] = []
    table_number = 0
    for position, block in enumerate(document.blocks):
        if isinstance(block, str):
            paragraphs.append((position, block))
            continue
        table_number += 1
        header: tuple[int, dict[str, int], bool] | None = None
        for index, row in enumerate(block.rows[:_HEADER_ROWS]):
            if headers.is_followup_header(row):
                header = (index, headers.roles(row), False)
                break
            if headers.is_action_header(row):
                header = (index, headers.roles(row), True)
                break
        if header is not None:
            index, roles, action_table = header
            rows = _table_rows(block, table_number, index, roles, previous_rows, action_table=action_table)
            if any(row.items for row in rows):
                found.rows.extend(rows)
                previous_rows = rows
                found.note("action-table" if action_table else "table",
                           _describe(block, index, roles, action_table), position)
            continue
        # Any other table: read its cells as running text, case from the first cell.
        for offset, row in enumerate(block.rows, start=1):
            first = row[0].split("\n", 1)[0] if row else ""
            case_match = _CASE_NUMBER.match(first)
            lines = [(position, line) for cell in row[1:] for line in cell.split("\n")]
            found.rows.extend(
                _scan(lines, found, f"tabell {table_number}, rad {offset}",
                      case=case_match.group(1).rstrip(".") if case_match else None,
                      title=_title(first[case_match.end():]) if case_match else _title(first))
            )
    found.rows.extend(_scan(paragraphs, found, "teksten"))
    return found
