"""From a protocol file to an `ImportPlan`: the meeting and one action per commitment.

`plan_import` reads the file (`readers.read_document`), finds the follow-up wherever it stands
(`layouts.py`: tables of any column set, lists under follow-up headings, Ansvar/Frist blocks),
reads the meeting from the header (`meeting_facts.py`) and turns each follow-up item into
actions, each with an explanation of where it stands and which words gave parties and deadline. It stores nothing: the plan is shown to the user (dry run, chat preview) and the
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
* Deadlines: the item's own "Frist" column or label, else the first deadline expression in the
  action's sentences (`dates.split_deadline`; refused when it is only the tail of a longer date
  phrase, and an "innen …" the splitter does not take is tried and refused visibly), parsed with `dates.parse_date(today=meeting date,
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

from handlers.core.catalog import t
from handlers.core.errors import DateError, UserError
from handlers.core.replies import action_json
from handlers.core.text import fold
from handlers.dates.parse import parse_date
from handlers.dates.sentence import split_deadline
from handlers.dates.values import DeadlineParse, MeetingLookup, MeetingRef
from handlers.importing import headers
from handlers.importing.document import Document
from handlers.importing.layouts import Item, Row, find_followup
from handlers.importing.meeting_facts import MeetingInfo, MeetingReader
from handlers.importing.readers import read_document
from handlers.importing.sentences import Commitment, SubjectFinder, split_sentences
from handlers.parties.resolver import PartyResolver

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
    # Why this is an action, where it stands, and which words gave the parties and the deadline.
    explanation: tuple[str, ...] = ()
    # "parsed", "meeting" (tied to a meeting not yet scheduled), "refused", "asked" or None.
    deadline_status: str | None = None

    def to_json(self) -> dict[str, object]:
        # The shape of every action in every output; not stored yet, so no id and no meeting.
        return action_json(id=None, text=self.text, parties=self.parties, deadline=self.deadline,
                           deadline_text=self.deadline_text, status="open", meeting=None, case=self.case)


@dataclass(frozen=True)
class InfoItem:
    """A follow-up paragraph that commits nobody (kept so the user can see it was skipped)."""

    text: str
    case: str | None
    reason: str = ""


@dataclass(frozen=True)
class ImportPlan:
    meeting: MeetingInfo
    next_meeting: MeetingInfo | None
    actions: tuple[PlannedAction, ...]
    info: tuple[InfoItem, ...] = ()
    warnings: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()  # where the follow-up was found, in Norwegian
    layout_kinds: tuple[str, ...] = ()  # "table", "action-table", "section", "labels"

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
# the planner


def _asked(error: DateError) -> bool:
    """Whether the date parser answered with a question rather than a refusal.

    The parser may offer choices ("Mente du 24. mars eller 31. mars?"); any error carrying them
    (`choices`/`options`) or ending in a question mark is a question back to the user.
    """
    if getattr(error, "choices", None) or getattr(error, "options", None):
        return True
    return error.message.rstrip().endswith("?")


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
    def deadline(self, expression: str, case: str | None) -> _Deadline:
        try:
            parsed: DeadlineParse = parse_date(expression, self.day, allow_past=True, meetings=self.meetings)
        except DateError as error:
            self.warn(
                t("import.warn_bad_deadline", case=self.label(case), text=expression, reason=error.message)
            )
            return _Deadline(None, expression, None, "asked" if _asked(error) else "refused", error.message)
        status = "meeting" if parsed.meeting is not None and parsed.date is None else "parsed"
        return _Deadline(parsed.date, parsed.text, parsed.meeting, status, "")

    def item_deadline(self, sentences: list[str], row: Row, item: Item) -> tuple[_Deadline | None, str]:
        """The deadline and where it was found: a "Frist" column or label first (it is stated as the
        deadline, while a phrase in the text may be something else: "lokaler til høstmøtet"),
        then the first deadline expression in the sentences."""
        if item.deadline:
            return self.deadline(item.deadline, row.case), t("import.why_deadline_column", words=item.deadline)
        for sentence in sentences:
            _, expression = split_deadline(sentence)
            if expression:
                partial = _partial(sentence, expression)
                if partial is not None:
                    return self.unclear(partial, row.case), t("import.why_deadline_text", words=partial)
                return self.deadline(expression, row.case), t("import.why_deadline_text", words=expression)
        for sentence in sentences:
            # "innen 5 virkedager" that the sentence splitter did not take: never save the
            # action as if it had no deadline; the user sets it.
            hint = _DEADLINE_HINT.search(sentence)
            if hint is not None:
                phrase = hint.group(0).strip(" .,;")
                return self.deadline(phrase, row.case), t("import.why_deadline_text", words=phrase)
        return None, ""

    def unclear(self, phrase: str, case: str | None) -> _Deadline:
        reason = t("import.deadline_partial", text=phrase)
        self.warn(t("import.warn_bad_deadline", case=self.label(case), text=phrase, reason=reason))
        return _Deadline(None, phrase, None, "refused", reason)

    # -- parties ----------------------------------------------------------------------------------
    def responsible(self, item: Item) -> Commitment | None:
        text = item.responsible
        if not text:
            return None
        resolution = self.resolver.resolve(text, on=self.day, county=self.county)
        if not resolution.keys and not resolution.unknown:
            return None
        return Commitment(resolution.keys, resolution.unknown, words=(text,), how="column")

    def on_deadline(self, owner: Commitment, deadline: date | None) -> Commitment:
        """A name unknown on the meeting's day may be a party that exists by the deadline (a new
        county named in December 2023 for an action due in 2024): read the unknown names again."""
        if deadline is None or not owner.unknown:
            return owner
        keys = list(owner.keys)
        unknown: list[str] = []
        for name in owner.unknown:
            again = self.resolver.resolve(name, on=self.day, county=self.county, deadline=deadline)
            if again.keys and not again.unknown and not again.questions:
                keys.extend(k for k in again.keys if k not in keys)
            else:
                unknown.append(name)
        return replace(owner, keys=tuple(keys), unknown=tuple(unknown))

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

    def add(self, sentences: list[str], owner: Commitment, row: Row, lead: int, item: Item) -> None:
        """One action from `sentences`; `lead` is the index of the committing sentence, which is
        searched first for a deadline (context sentences may mention other dates)."""
        text = " ".join(sentences)
        ordered = [sentences[lead], *sentences[lead + 1 :], *sentences[:lead]]
        found, deadline_why = self.item_deadline(ordered, row, item)
        key = fingerprint(text, row.case, self.day)
        if key in self._fingerprints:
            self.warnings.append(t("import.warn_duplicate_action", case=self.label(row.case), text=_short(text)))
            return
        self._fingerprints.add(key)
        owner = self.on_deadline(owner, found.date if found else None)
        self.report_unknown(owner.unknown, row.case)
        words = ", ".join(f"«{w}»" for w in owner.words) or "–"
        if owner.how == "column":
            why = t("import.why_action_column", words=words)
        else:
            why = t("import.why_action_subject", words=words, verb=owner.verb or "–")
        explanation = [t("import.why_where", where=row.source), why]
        if deadline_why:
            explanation.append(deadline_why)
        self.actions.append(
            PlannedAction(
                text=text,
                parties=owner.parties,
                deadline=found.date if found else None,
                deadline_text=found.text if found else None,
                case=row.case,
                fingerprint=key,
                case_title=row.case_title,
                deadline_meeting=found.meeting if found else None,
                explanation=tuple(explanation),
                deadline_status=found.status if found else None,
            )
        )

    def item(self, item: Item, row: Row) -> None:
        sentences = split_sentences(item.text)
        column_owner = self.responsible(item)
        if not sentences:
            return
        owners = [self.finder.commitment(sentence) for sentence in sentences]
        if not any(owners):
            if column_owner is not None:
                self.add(sentences, column_owner, row, 0, item)
            else:
                text = " ".join(sentences)
                self.info.append(InfoItem(text, row.case, t("import.why_not_action", where=row.source)))
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
            self.add(group, owner, row, lead, item)

    def rows(self, rows: list[Row]) -> None:
        seen_cases: set[str] = set()
        reported: set[str] = set()
        for row in rows:
            if row.new_case and row.case and row.source.startswith("tabell"):
                if row.case in seen_cases and row.case not in reported:
                    reported.add(row.case)
                    self.warnings.append(t("import.warn_duplicate_case", case=row.case))
                seen_cases.add(row.case)
            for item in row.items:
                self.item(item, row)


# Words that, right before a found deadline expression, show it was only part of one ("fredag
# om to uker", "dagen før høstmøtet", "to uker før vårmøtet", "første virkedag i mars").
_DATE_WORDS_BEFORE = re.compile(
    r"(?:mandag|tirsdag|tysdag|onsdag|torsdag|fredag|laurdag|lørdag|søndag|sundag|dagen|dager|dagar|"
    r"uke|uker|veke|veker|uka|veka|virkedag\w*|første|fyrste|siste|en|ei|ein|to|tre|fire|fem|seks|"
    r"åtte|ti|midten|slutten|utgangen|begynnelsen|starten)$",
    re.IGNORECASE,
)
_DEADLINE_HINT = re.compile(r"\b(?:innen|innan|senest|seinast|fristen\s+er|frist)\s+[^.;:]{2,60}", re.IGNORECASE)


def _partial(sentence: str, expression: str) -> str | None:
    """The whole phrase when `expression` is only the tail of a longer date phrase, else None."""
    at = sentence.find(expression)
    if at <= 0:
        return None
    before = sentence[:at].rstrip()
    words = before.split()
    if not words or not _DATE_WORDS_BEFORE.match(words[-1].strip(",")):
        return None
    return f"{words[-1]} {expression}"


@dataclass(frozen=True)
class _Deadline:
    date: date | None
    text: str
    meeting: MeetingRef | None
    status: str  # "parsed", "meeting" (tied to an unscheduled meeting), "refused", "asked"
    reason: str


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


def _header_lines(document: Document, before: int | None) -> list[str]:
    """The free text above the follow-up (or the first blocks when there is none): paragraphs,
    and the cells of small header tables ("Dato: | 12.03.2024") as one line per row."""
    lines: list[str] = []
    for block in document.blocks[: before if before is not None else len(document.blocks)]:
        if isinstance(block, str):
            lines.append(block)
        else:
            for row in block.rows[:8]:
                line = " ".join(cell.replace("\n", " ") for cell in row if cell.strip())
                if line:
                    lines.append(line)
    return lines[:40]


def _no_followup(document: Document, name: str) -> UserError:
    tables = document.tables
    if any(headers.is_followup_header(row) for table in tables for row in table.rows[:3]):
        return UserError(t("import.empty_table", name=name))
    if tables:
        seen = [" | ".join(c.replace("\n", " ") for c in table.rows[0] if c) for table in tables[:3] if table.rows]
        return UserError(t("import.no_followup_table", name=name, headers="; ".join(f"«{s}»" for s in seen)))
    return UserError(t("import.no_followup", name=name))


def plan_import(
    data: bytes,
    filename: str,
    *,
    resolver: PartyResolver,
    meeting_date: date | None = None,
    region: str | None = None,
    kind: str | None = None,
    meetings: MeetingLookup | None = None,
) -> ImportPlan:
    """Read a protocol and plan its follow-up actions; raises UserError on unusable input.

    `meeting_date`, `region` (a county key or name) and `kind` (a meeting kind such as "au")
    override what the protocol says; a protocol without a dated meeting line needs
    `meeting_date`. `meetings` resolves deadlines such as "til høstmøtet" to dates; it should
    answer relative to the meeting date.
    """
    document = read_document(data, filename)
    name = filename.rsplit("/", 1)[-1]
    found = find_followup(document)
    if not any(row.items for row in found.rows):
        raise _no_followup(document, name)

    reader = MeetingReader(resolver)
    warnings: list[str] = list(document.notes)
    header_lines = _header_lines(document, found.first_block)
    meeting = reader.read(header_lines, meeting_date=meeting_date, kind=kind, region=region,
                          region_key=lambda text, on: _region_key(text, resolver, on))
    if meeting is None:
        raise UserError(t("import.no_meeting_date"))
    if meeting_date is not None and meeting.found_date is None:
        warnings.append(t("import.warn_no_header", date=meeting_date.isoformat()))
    elif meeting_date is not None and meeting.found_date not in (None, meeting_date):
        assert meeting.found_date is not None
        warnings.append(
            t("import.warn_date_override", given=meeting_date.isoformat(), found=meeting.found_date.isoformat())
        )

    planner = _Planner(resolver, meeting, meetings)
    planner.rows(found.rows)
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
        layouts=tuple(found.layouts),
        layout_kinds=tuple(found.kinds),
    )
