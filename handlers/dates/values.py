"""What a parsed deadline is: a date, or a reference to a meeting, and the meeting kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from handlers.core.errors import DateError

MEETING_KINDS = (
    "national-spring",
    "national-autumn",
    "regional-spring",
    "regional-autumn",
    "au",
    "steering-group",
    "other",
)

# Beyond this a year is far more likely a typo ("2207") than a real deadline.
MAX_YEARS_AHEAD = 10


@dataclass(frozen=True)
class MeetingRef:
    """A deadline tied to a meeting rather than a calendar date.

    `offset_days` places the deadline relative to the meeting: -14 is "to uker før vårmøtet", -1
    "dagen før", +3 "tre dager etter". It is kept in calendar days, so a moved meeting moves the
    deadline by exactly as much as the meeting moved.
    """

    kind: str | None  # one of MEETING_KINDS, or None for "the next meeting"
    year: int | None
    offset_days: int = 0

    def on(self, meeting_day: date | None) -> date | None:
        """The deadline when the meeting is held on `meeting_day` (None while it is unscheduled)."""
        return None if meeting_day is None else meeting_day + timedelta(days=self.offset_days)

    def to_json(self) -> dict[str, Any]:
        """How `Action.deadline_meeting` and import previews store the reference."""
        value: dict[str, Any] = {"kind": self.kind, "year": self.year}
        if self.offset_days:
            value["offset_days"] = self.offset_days
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> MeetingRef:
        year, offset = value.get("year"), value.get("offset_days")
        return cls(
            value.get("kind"),
            int(year) if isinstance(year, int) else None,
            int(offset) if isinstance(offset, int) else 0,
        )


@dataclass(frozen=True)
class DeadlineParse:
    date: date | None  # None only when `meeting` is set and not yet scheduled
    meeting: MeetingRef | None
    text: str  # the expression as written


MeetingLookup = Callable[[MeetingRef], date | None]


class _NotUnderstood(DateError):
    """The text is not a date expression at all (as opposed to a date expression that is wrong).

    `split_deadline` needs the difference: "til KDD" is ordinary Norwegian, while "til 31.02" is a
    deadline with a mistake the user should hear about.
    """


class DateQuestion(DateError):
    """An expression with more than one sensible reading: the user is asked rather than guessed for.

    `alternatives` are the dates offered, best reading first, each with a short label ("24. mars
    (uke 12)"); the chat layer shows one button per alternative that reruns the command with the
    chosen ISO date. `expression` is the part of the input the question is about, so that the
    command can be rebuilt with only that part replaced.
    """

    def __init__(self, message: str, alternatives: tuple[tuple[date, str], ...], expression: str) -> None:
        super().__init__(message)
        self.alternatives = alternatives
        self.expression = expression


class _PartlyUnderstood(_NotUnderstood):
    """Only the end of the text is a date expression ("to uker" + "før vårmøtet").

    A `_NotUnderstood`, so that `split_deadline` keeps looking for a phrase that parses as a whole;
    for anyone else it is a refusal that says which part was not understood.
    """
