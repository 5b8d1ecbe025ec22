"""The reply value every use case returns; adapters render it (terminal text, Block Kit, Adaptive Cards).

Buttons carry the command text they run (e.g. ``"ferdig 12"``), so a click is just another command
through the same dispatcher, with the same permission checks and history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Button:
    label: str
    command: str
    style: str | None = None  # "primary" or "danger"
    # A button that needs one more value first opens a small form: "date" (postpone, deadline)
    # or "text" (comment). The value is appended to `command` when the form is submitted.
    ask: str | None = None
    ask_label: str = ""


def action_json(
    *,
    id: int | None,
    text: str,
    parties: tuple[str, ...] | list[str],
    deadline: date | None,
    deadline_text: str | None,
    status: str,
    meeting: int | None,
    case: str | None,
) -> dict[str, Any]:
    """The one machine-readable shape of an action: `actions list --json`, `run --json` replies,
    reminder payloads and the import preview (where `id` and `meeting` are None until it is stored).
    `parties` are registry keys, unknown names as "?<name as written>"."""
    return {
        "id": id,
        "text": text,
        "parties": list(parties),
        "deadline": deadline.isoformat() if deadline else None,
        "deadline_text": deadline_text or None,
        "status": status,
        "meeting": meeting,
        "case": case or None,
    }


@dataclass(frozen=True)
class ActionItem:
    id: int
    text: str
    parties: tuple[str, ...]
    party_keys: tuple[str, ...]
    deadline: date | None
    deadline_label: str
    status: str
    status_label: str
    meeting: str | None = None
    case: str = ""
    overdue: bool = False
    buttons: tuple[Button, ...] = ()
    meeting_id: int | None = None
    deadline_text: str = ""

    def to_json(self) -> dict[str, Any]:
        return action_json(id=self.id, text=self.text, parties=self.party_keys, deadline=self.deadline,
                           deadline_text=self.deadline_text, status=self.status, meeting=self.meeting_id,
                           case=self.case)


@dataclass
class Section:
    title: str
    items: list[ActionItem] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass
class FormField:
    name: str
    label: str
    kind: str = "text"  # text, multiline, date, parties, select
    required: bool = False
    value: str | list[str] | None = None
    options: list[Option] = field(default_factory=list)
    hint: str = ""
    placeholder: str = ""
    max_length: int | None = None


@dataclass
class Form:
    """A form the adapter opens (Slack modal, Teams card with inputs).

    `id` names the submit handler in `handlers.core.registry.FORMS` (`@form`); `context` is passed back with
    the submitted values (e.g. the id of the action being postponed).
    """

    id: str
    title: str
    submit_label: str
    fields: list[FormField]
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    title: str = ""
    lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    error: bool = False
    form: Form | None = None
    # Visible only to the person who asked (Slack ephemeral); lists and errors are, changes are not.
    private: bool = True
    data: dict[str, Any] | None = None
    # Field errors of a submitted form: {field name: Norwegian message}.
    field_errors: dict[str, str] = field(default_factory=dict)

    @property
    def items(self) -> list[ActionItem]:
        return [item for section in self.sections for item in section.items]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "lines": self.lines,
            "error": self.error,
            "sections": [
                {"title": s.title, "lines": s.lines, "items": [i.to_json() for i in s.items]}
                for s in self.sections
            ],
        }
        if self.field_errors:
            out["field_errors"] = self.field_errors
        if self.data is not None:
            out["data"] = self.data
        return out


def error_reply(message: str, suggestions: tuple[str, ...] | list[str] = ()) -> Reply:
    lines = [message]
    lines.extend(suggestions)
    return Reply(lines=lines, error=True)
