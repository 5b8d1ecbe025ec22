"""From a protocol file to an `ImportPlan`: the meeting and one action per commitment.

`plan_import` reads the file (`readers.read_document`), finds the follow-up table by what its
headers mean (`headers.py`), reads the meeting line (`meeting.py`) and turns each follow-up cell
into actions. It stores nothing: the plan is shown to the user (dry run, chat preview) and the
persistence layer stores it, using `PlannedAction.fingerprint` as a unique import key so that
importing the same protocol twice adds nothing.

How a follow-up cell becomes actions (one action per commitment):

* The cell is split into paragraphs (Word paragraphs, `<p>`, list items, PDF paragraph gaps) and
  each paragraph into sentences.
* A sentence whose subject is a party (`sentences.SubjectFinder`) is an action for that party.
* Other sentences in the same paragraph are context: those before the first action are put in
  front of it ("Det er behov for X. AU arbeider videre med …" is one action for AU whose text
  keeps the need), those after an action are appended to it ("… Frist er 1. juni.").
* A paragraph without any such sentence is *information*, not an action, when the row has no
  "Ansvar" column value: an action has to have someone to remind. It is kept in `ImportPlan.info`
  and listed in the warnings, so the user sees what was left out and can add it by hand.
  When the row does name someone in an "Ansvar" column, the paragraph is one action for them.
* A sentence's own subject wins over the "Ansvar" column; the column is for sentences that name
  nobody ("Utarbeide forslag til høringsinnspill").
* Deadlines: the first deadline expression in the action's sentences (`dates.split_deadline`),
  else the row's "Frist" column, parsed with `dates.parse_date(today=meeting date,
  allow_past=True, meetings=...)`. A deadline tied to a meeting that is not scheduled keeps its
  text and `deadline_meeting`, with no date. A deadline that cannot be read is kept as text with
  a warning.
* Case numbers come from the case column ("1.", "Sak 12/23", "4.1"). A row whose case cell is
  empty, a bullet list or starts in lower case continues the case above (Word protocols split a
  long case over several table rows).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date

from handlers.catalog import t
from handlers.dates import DeadlineParse, MeetingLookup, MeetingRef, parse_date, split_deadline
from handlers.errors import DateError, UserError
from handlers.parties import PartyResolver
from handlers.protocol import headers
from handlers.protocol.meeting import MeetingInfo, MeetingReader
from handlers.protocol.readers import Document, Table, read_document
from handlers.protocol.sentences import Commitment, SubjectFinder, split_sentences
from handlers.text import fold

__all__ = ["ImportPlan", "InfoItem", "MeetingInfo", "PlannedAction", "fingerprint", "plan_import"]


# ------------------------------------------------------------------------------------------------
# the plan


@dataclass(frozen=True)
class PlannedAction:
    """One follow-up action as the protocol states it.

    `parties` holds registry keys and unknown names as "?<name as written>". `deadline_meeting`
    is set when the deadline is a meeting ("til høstmøtet"), so the date can be filled in once
    that meeting is scheduled. `case_title` is the start of the case text, for display only.
    """

    text: str
    parties: tuple[str, ...]
    deadline: date | None
    deadline_text: str | None
    case: str | None
    fingerprint: str
    case_title: str | None = None
    deadline_meeting: MeetingRef | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "parties": list(self.parties),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "case": self.case,
        }


@dataclass(frozen=True)
class InfoItem:
    """A follow-up paragraph that commits nobody (kept so the user can see it was skipped)."""

    text: str
    case: str | None


@dataclass(frozen=True)
class ImportPlan:
    meeting: MeetingInfo
    next_meeting: MeetingInfo | None
    actions: tuple[PlannedAction, ...]
    info: tuple[InfoItem, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self, *, fingerprints: bool = False) -> dict[str, object]:
        """The machine-readable plan: meeting, next_meeting, actions, warnings.

        `fingerprints=True` adds each action's "fingerprint" (left out by default so the output
        matches the documented shape exactly).
        """
        actions: list[dict[str, object]] = []
        for action in self.actions:
            item = action.to_json()
            if fingerprints:
                item["fingerprint"] = action.fingerprint
            actions.append(item)
        return {
            "meeting": self.meeting.to_json(),
            "next_meeting": self.next_meeting.to_json() if self.next_meeting else None,
            "actions": actions,
            "warnings": list(self.warnings),
        }


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def fingerprint(text: str, case: str | None, meeting_date: date) -> str:
    """A stable key for one imported action: the same protocol gives the same keys again.

    Case, accents, punctuation and white space are ignored, so the .docx and the PDF of one
    protocol give the same keys, and a re-export with different line breaks does too.
    """
    key = "\x1f".join((_normal(text), _normal(case or ""), meeting_date.isoformat()))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------------------------------------
# finding the table

_HEADER_ROWS = 3  # a title row or two may sit above the header row


def _followup_tables(document: Document, name: str) -> list[tuple[Table, int, dict[str, int]]]:
    """Every table whose header (in its first rows) has a follow-up column, in document order.

    More than one happens when Word splits a long table (a page break or a paragraph typed in
    between); their rows are read as one table, so nothing after the split is lost.
    """
    tables = document.tables
    if not tables:
        raise UserError(t("import.no_tables", name=name))
    found: list[tuple[Table, int, dict[str, int]]] = []
    for table in tables:
        for index, row in enumerate(table.rows[:_HEADER_ROWS]):
            if headers.is_followup_header(row):
                found.append((table, index, headers.roles(row)))
                break
    if not found:
        seen = [" | ".join(c.replace("\n", " ") for c in table.rows[0] if c) for table in tables[:3] if table.rows]
        raise UserError(t("import.no_followup_table", name=name, headers="; ".join(f"«{s}»" for s in seen)))
    if not any(any(cell.strip() for cell in row) for table, index, _ in found for row in table.rows[index + 1 :]):
        raise UserError(t("import.empty_table", name=name))
    return found


# ------------------------------------------------------------------------------------------------
# rows

_CASE_NUMBER = re.compile(
    r"^\s*(?:sak(?:snr\.?|snummer)?\s*(?:nr\.?\s*)?)?(\d{1,4}(?:[./]\d{1,4})*)\.?(?=\s|$|[):,])",
    re.IGNORECASE,
)


@dataclass
class _Row:
    case: str | None
    case_title: str | None
    new_case: bool  # the row starts a case (rather than continuing the one above)
    paragraphs: list[str]
    responsible: list[str]  # lines of the "Ansvar" cell
    deadline: list[str]  # lines of the "Frist" cell

    def column(self, lines: list[str], paragraph: int) -> str:
        """The "Ansvar"/"Frist" value for one follow-up paragraph: with one line per paragraph
        the lines pair up (a row listing three tasks, three owners and three dates); otherwise
        the cell applies to all paragraphs as a whole."""
        if len(lines) > 1 and len(lines) == len(self.paragraphs):
            return lines[paragraph]
        return " ".join(lines)


def _title(text: str) -> str | None:
    text = " ".join(text.split()).strip(" .:-–")
    if not text:
        return None
    sentence = next(iter(split_sentences(text)), text)
    if len(sentence) > 80:
        sentence = sentence[:80].rsplit(" ", 1)[0] + " …"
    return sentence


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _rows(tables: list[tuple[Table, int, dict[str, int]]]) -> list[_Row]:
    rows: list[_Row] = []
    for table, header, roles in tables:
        rows.extend(_table_rows(table, header, roles, rows))
    return rows


def _table_rows(table: Table, header: int, roles: dict[str, int], previous: list[_Row]) -> list[_Row]:
    """The rows of one table; `previous` (rows of an earlier part of a split table) lets the
    first rows continue the last case."""

    def cell(row: tuple[str, ...], role: str) -> str:
        index = roles.get(role)
        return row[index] if index is not None and index < len(row) else ""

    rows: list[_Row] = []
    case: str | None = previous[-1].case if previous else None
    title: str | None = previous[-1].case_title if previous else None
    for row in table.rows[header + 1 :]:
        case_text = cell(row, headers.CASE) or (cell(row, headers.DESCRIPTION) if headers.CASE not in roles else "")
        first = case_text.split("\n", 1)[0].strip()
        number = _CASE_NUMBER.match(first)
        continues = not first or first.startswith("•") or first[:1].islower()
        new_case = False
        if number is not None:
            case, new_case = number.group(1).rstrip("."), True
            title = _title(first[number.end() :]) or _title(cell(row, headers.DESCRIPTION))
        elif not continues:
            case, new_case = None, True
            title = _title(first)
        description_title = _title(cell(row, headers.DESCRIPTION).split("\n", 1)[0])
        if new_case and title is None:
            title = description_title
        followup = cell(row, headers.FOLLOWUP)
        rows.append(
            _Row(
                case=case,
                case_title=title,
                new_case=new_case,
                paragraphs=[line for line in followup.split("\n") if line.strip()],
                responsible=_lines(cell(row, headers.RESPONSIBLE)),
                deadline=_lines(cell(row, headers.DEADLINE)),
            )
        )
    return rows


# ------------------------------------------------------------------------------------------------
# the planner


@dataclass
class _Planner:
    resolver: PartyResolver
    meeting: MeetingInfo
    meetings: MeetingLookup | None
    actions: list[PlannedAction] = field(default_factory=list)
    info: list[InfoItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        assert self.meeting.date is not None
        self.day: date = self.meeting.date
        self.county = self.meeting.region if self.meeting.kind and self.meeting.kind.startswith("regional") else None
        self.finder = SubjectFinder(self.resolver, on=self.day, county=self.county)
        self._fingerprints: set[str] = set()
        self._unknown_reported: set[tuple[str | None, str]] = set()

    @staticmethod
    def label(case: str | None) -> str:
        return case if case else t("import.no_case")

    # -- deadlines --------------------------------------------------------------------------------
    def deadline(self, expression: str, case: str | None) -> tuple[date | None, str, MeetingRef | None]:
        try:
            parsed: DeadlineParse = parse_date(expression, self.day, allow_past=True, meetings=self.meetings)
        except DateError as error:
            self.warn(
                t("import.warn_bad_deadline", case=self.label(case), text=expression, reason=error.message)
            )
            return None, expression, None
        return parsed.date, parsed.text, parsed.meeting

    def row_deadline(
        self, sentences: list[str], row: _Row, paragraph: int
    ) -> tuple[date | None, str | None, MeetingRef | None]:
        for sentence in sentences:
            _, expression = split_deadline(sentence)
            if expression:
                return self.deadline(expression, row.case)
        column = row.column(row.deadline, paragraph)
        if column:
            return self.deadline(column, row.case)
        return None, None, None

    # -- parties ----------------------------------------------------------------------------------
    def responsible(self, row: _Row, paragraph: int) -> Commitment | None:
        text = row.column(row.responsible, paragraph)
        if not text:
            return None
        resolution = self.resolver.resolve(text, on=self.day, county=self.county)
        if not resolution.keys and not resolution.unknown:
            return None
        return Commitment(resolution.keys, resolution.unknown)

    def report_unknown(self, names: tuple[str, ...], case: str | None) -> None:
        for name in names:
            if (case, name) in self._unknown_reported:
                continue
            self._unknown_reported.add((case, name))
            explanation = self.resolver.explain_unknown(name, on=self.day, county=self.county)
            self.warn(t("import.warn_unknown_party", case=self.label(case), explanation=explanation))

    # -- actions ----------------------------------------------------------------------------------
    def warn(self, text: str) -> None:
        if text not in self.warnings:  # one row's bad "Frist" would otherwise repeat per action
            self.warnings.append(text)

    def add(self, sentences: list[str], owner: Commitment, row: _Row, lead: int, paragraph: int) -> None:
        """One action from `sentences`; `lead` is the index of the committing sentence, which is
        searched first for a deadline (context sentences may mention other dates)."""
        text = " ".join(sentences)
        ordered = [sentences[lead], *sentences[lead + 1 :], *sentences[:lead]]
        deadline, deadline_text, meeting_ref = self.row_deadline(ordered, row, paragraph)
        key = fingerprint(text, row.case, self.day)
        if key in self._fingerprints:
            self.warnings.append(t("import.warn_duplicate_action", case=self.label(row.case), text=_short(text)))
            return
        self._fingerprints.add(key)
        self.report_unknown(owner.unknown, row.case)
        self.actions.append(
            PlannedAction(
                text=text,
                parties=owner.parties,
                deadline=deadline,
                deadline_text=deadline_text,
                case=row.case,
                fingerprint=key,
                case_title=row.case_title,
                deadline_meeting=meeting_ref,
            )
        )

    def paragraph(self, paragraph: str, row: _Row, number: int) -> None:
        sentences = split_sentences(paragraph)
        column_owner = self.responsible(row, number)
        if not sentences:
            return
        owners = [self.finder.commitment(sentence) for sentence in sentences]
        if not any(owners):
            if column_owner is not None:
                self.add(sentences, column_owner, row, 0, number)
            else:
                text = " ".join(sentences)
                self.info.append(InfoItem(text, row.case))
                self.warnings.append(t("import.warn_info", case=self.label(row.case), text=_short(text)))
            return
        # Group: leading context joins the first action; later non-committing sentences join the
        # action before them.
        groups: list[tuple[list[str], Commitment, int]] = []
        pending: list[str] = []
        for sentence, owner in zip(sentences, owners, strict=True):
            if owner is not None:
                groups.append(([*pending, sentence], owner, len(pending)))
                pending = []
            elif groups:
                groups[-1][0].append(sentence)
            else:
                pending.append(sentence)
        for group, owner, lead in groups:
            self.add(group, owner, row, lead, number)

    def rows(self, rows: list[_Row]) -> None:
        seen_cases: set[str] = set()
        reported: set[str] = set()
        for row in rows:
            if row.new_case and row.case:
                if row.case in seen_cases and row.case not in reported:
                    reported.add(row.case)
                    self.warnings.append(t("import.warn_duplicate_case", case=row.case))
                seen_cases.add(row.case)
            if not row.paragraphs:
                continue  # no follow-up: nothing to do for anyone
            for number, paragraph in enumerate(row.paragraphs):
                self.paragraph(paragraph, row, number)


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


# ------------------------------------------------------------------------------------------------
# entry point


def _region_key(region: str, resolver: PartyResolver, on: date) -> str:
    party = resolver.get(region)
    key = region if party is not None else resolver.lookup(region, on=on)
    party = resolver.get(key) if key else None
    if party is None or party.kind != "county" or not party.valid_on(on):
        raise UserError(t("import.unknown_region", region=region, date=on.isoformat()))
    assert key is not None
    return key


def plan_import(
    data: bytes,
    filename: str,
    *,
    resolver: PartyResolver,
    meeting_date: date | None = None,
    region: str | None = None,
    meetings: MeetingLookup | None = None,
) -> ImportPlan:
    """Read a protocol and plan its follow-up actions; raises UserError on unusable input.

    `meeting_date` and `region` (a county key or name) override what the protocol says; a
    protocol without a dated meeting line needs `meeting_date`. `meetings` resolves deadlines
    such as "til høstmøtet" to dates; it should answer relative to the meeting date.
    """
    document = read_document(data, filename)
    name = filename.rsplit("/", 1)[-1]
    tables = _followup_tables(document, name)

    position = document.blocks.index(tables[0][0])
    before = [block for block in document.blocks[:position] if isinstance(block, str)]
    reader = MeetingReader(resolver)
    warnings: list[str] = list(document.notes)

    found = reader.header(before)
    if found is None and meeting_date is None:
        raise UserError(t("import.no_meeting_date"))
    if found is None:
        assert meeting_date is not None
        warnings.append(t("import.warn_no_header", date=meeting_date.isoformat()))
        meeting = MeetingInfo(title=None, kind=reader.kind("", meeting_date, region=None), date=meeting_date)
    else:
        meeting = found
        if meeting_date is not None and meeting_date != found.date:
            assert found.date is not None
            warnings.append(t("import.warn_date_override", given=meeting_date.isoformat(), found=found.date.isoformat()))
            region_now = reader.county_in(found.title or "", meeting_date)
            meeting = replace(
                found,
                date=meeting_date,
                region=region_now,
                kind=reader.kind(found.title or "", meeting_date, region=region_now),
            )
    assert meeting.date is not None
    if region is not None:
        key = _region_key(region, resolver, meeting.date)
        season = reader.season(meeting.title or "", meeting.date)
        meeting = replace(meeting, region=key, kind=f"regional-{season}")

    planner = _Planner(resolver, meeting, meetings)
    planner.rows(_rows(tables))
    if not planner.actions:
        planner.warnings.append(t("import.warn_no_actions"))

    paragraphs = [block for block in document.blocks if isinstance(block, str)]
    next_meeting = reader.next_meeting(paragraphs, after=meeting.date, current=meeting)
    return ImportPlan(
        meeting=meeting,
        next_meeting=next_meeting,
        actions=tuple(planner.actions),
        info=tuple(planner.info),
        warnings=(*warnings, *planner.warnings),
    )
