"""Evaluating labelled date and party rows: the entry point for tests and for `make accuracy`.

A row comes from tests/fixtures/language/*.json (see their "_columns"). `evaluate_date_row` and
`evaluate_party_row` run the real parser or resolver on one row and say what happened, as the
columns of docs/ACCURACY.md:

- found: something was recognised (a date, a meeting, a question, or a refusal that names the
  problem); a sentence whose deadline was not noticed at all is not found;
- right: the outcome is the labelled one (the date, the refusal, the question with its
  alternatives, or no deadline);
- refused: the parser refused with a reason (a `DateError` that is no question);
- asked: the parser asked a question (`DateQuestion`);
- silently_wrong: a date, meeting, party list or remaining text was produced that is not the
  labelled one, without a word. The suite fails on any such row.

`tally` sums evaluations per family. Dates are evaluated with today and the meeting calendar of
the row (or of its file), so a row is reproducible on any day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from handlers.core.errors import DateError
from handlers.dates.parse import parse_date
from handlers.dates.sentence import split_deadline
from handlers.dates.values import DateQuestion, MeetingRef
from handlers.parties.resolver import PartyResolver, default_resolver

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "language"
COLUMNS = ("rows", "found", "right", "refused", "asked", "silently_wrong")


@dataclass(frozen=True)
class Evaluation:
    family: str
    label: str  # the row's text, for messages
    found: bool
    right: bool
    refused: bool
    asked: bool
    silently_wrong: bool
    got: str  # what the parser produced, for messages


def load(name: str) -> dict[str, Any]:
    """A labelled table: "dates" or "parties"."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def evaluate_date_row(row: dict[str, Any], table: dict[str, Any] | None = None) -> Evaluation:
    """Parse one labelled date row; `table` gives the defaults (today, meetings) of its file."""
    defaults = table or {}
    today = _day(row.get("today") or defaults.get("today")) or date.today()
    calendar = {**defaults.get("meetings", {}), **row.get("meetings", {})}

    def lookup(ref: MeetingRef) -> date | None:
        return _day(calendar.get(ref.kind or ""))

    expect = row["expect"]
    label = row.get("text") or row.get("sentence") or ""
    rest: str | None = None
    expression: str | None = row.get("text")
    if "sentence" in row:
        rest, expression = split_deadline(row["sentence"])
        if expression is None:
            right = expect == "none"
            return Evaluation(row["family"], label, found=right, right=right, refused=False, asked=False,
                              silently_wrong=False, got="(ingen frist funnet)")
    assert expression is not None
    try:
        parsed = parse_date(expression, today, meetings=lookup)
    except DateQuestion as question:
        offered = [d.isoformat() for d, _ in question.alternatives]
        right = expect == "question" and offered == row.get("alternatives")
        return Evaluation(row["family"], label, found=True, right=right, refused=False, asked=True,
                          silently_wrong=False, got=f"spørsmål {offered}")
    except DateError as error:
        return Evaluation(row["family"], label, found=True, right=expect == "refused", refused=True, asked=False,
                          silently_wrong=False, got=f"avvist: {error.message}")
    got_date = parsed.date.isoformat() if parsed.date else None
    got_meeting = parsed.meeting.kind if parsed.meeting else None
    right = (
        expect == "date"
        and got_date == row.get("date")
        and got_meeting == row.get("meeting")
        and (rest is None or rest == row.get("rest"))
    )
    got = f"{got_date} {got_meeting or ''} rest={rest!r}".strip()
    # A deadline was produced: anything but the labelled one is a silent error.
    return Evaluation(row["family"], label, found=True, right=right, refused=False, asked=False,
                      silently_wrong=not right, got=got)


def evaluate_party_row(row: dict[str, Any], resolver: PartyResolver | None = None) -> Evaluation:
    resolver = resolver or default_resolver()
    found = resolver.resolve(row["text"], on=_day(row.get("on")), county=row.get("county"),
                             deadline=_day(row.get("deadline")))
    keys_right = list(found.keys) == row.get("keys", []) and list(found.unknown) == row.get("unknown", [])
    asked = bool(found.questions)
    right = keys_right and asked == bool(row.get("question"))
    # Unknown names are kept as written, so the user sees them: a refusal, not a silent error.
    wrong_keys = list(found.keys) != row.get("keys", [])
    return Evaluation(row["family"], row["text"], found=bool(found.keys or found.unknown), right=right,
                      refused=bool(found.unknown), asked=asked, silently_wrong=wrong_keys and not asked,
                      got=f"keys={list(found.keys)} unknown={list(found.unknown)} questions={list(found.questions)}")


def evaluate_table(name: str) -> list[Evaluation]:
    """Every row of a labelled table, evaluated."""
    table = load(name)
    if name == "parties":
        return [evaluate_party_row(row) for row in table["rows"]]
    return [evaluate_date_row(row, table) for row in table["rows"]]


def tally(evaluations: Iterable[Evaluation]) -> dict[str, dict[str, int]]:
    """Per family: rows, found, right, refused, asked, silently_wrong (the columns of ACCURACY.md)."""
    out: dict[str, dict[str, int]] = {}
    for ev in evaluations:
        counts = out.setdefault(ev.family, dict.fromkeys(COLUMNS, 0))
        counts["rows"] += 1
        for column in COLUMNS[1:]:
            counts[column] += int(getattr(ev, column))
    return out
