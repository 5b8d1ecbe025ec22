"""The overview's filters, read from the page's query string.

An unknown or odd value never fails the page: it gives an empty result and a note saying which
value was not understood, so a hand-edited or stale address is answered, not refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from handlers.core.catalog import t
from handlers.core.text import clean_input
from handlers.parties.resolver import PartyResolver
from storage.models import ACTION_STATUSES, OPEN_STATUSES

# status value in the address → statuses it means
STATUS_CHOICES: dict[str, tuple[str, ...]] = {
    "apne": OPEN_STATUSES,
    "alle": ACTION_STATUSES,
    "open": ("open",),
    "in_progress": ("in_progress",),
    "done": ("done",),
    "cancelled": ("cancelled",),
}
DEFAULT_STATUS = "apne"
# sort value → (column, descending); the table's headers link to these
SORTS: dict[str, tuple[str, bool]] = {
    "frist": ("deadline", False),
    "-frist": ("deadline", True),
    "nr": ("id", False),
    "-nr": ("id", True),
    "status": ("status", False),
    "-status": ("status", True),
    "endret": ("updated", True),
    "-endret": ("updated", False),
}
DEFAULT_SORT = "frist"
PAGE_SIZE = 50
MAX_TEXT = 200
MAX_PAGE = 100_000


@dataclass(frozen=True)
class OverviewQuery:
    meeting_id: int | None = None
    party: str | None = None
    status: str = DEFAULT_STATUS
    overdue: bool = False
    due_before: date | None = None
    text: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    # Values that were not understood: the result is empty and the page says why.
    notes: tuple[str, ...] = field(default=())

    @property
    def statuses(self) -> tuple[str, ...]:
        return STATUS_CHOICES[self.status]

    @property
    def impossible(self) -> bool:
        return bool(self.notes)

    def params(self, **changes: object) -> dict[str, str]:
        """The query string for this view (with `changes`), defaults left out; for links and forms."""
        view = replace(self, **changes)  # type: ignore[arg-type]
        out: dict[str, str] = {}
        if view.meeting_id is not None:
            out["mote"] = str(view.meeting_id)
        if view.party:
            out["part"] = view.party
        if view.status != DEFAULT_STATUS:
            out["status"] = view.status
        if view.overdue:
            out["forfalt"] = "1"
        if view.due_before:
            out["frist_for"] = view.due_before.isoformat()
        if view.text:
            out["q"] = view.text
        if view.sort != DEFAULT_SORT:
            out["sorter"] = view.sort
        if view.page != 1:
            out["side"] = str(view.page)
        return out


def parse(params: Mapping[str, str], resolver: PartyResolver, today: date,
          *, meeting_scope: int | None = None) -> OverviewQuery:
    notes: list[str] = []

    def value(name: str) -> str:
        return (params.get(name) or "").strip()

    meeting_id: int | None = None
    raw = value("mote")
    if raw:
        if raw.isdigit() and len(raw) < 10:
            meeting_id = int(raw)
        else:
            notes.append(t("overview.note.meeting", value=raw[:40]))
    if meeting_scope is not None:
        # A link made for one meeting shows that meeting, whatever the address says.
        meeting_id = meeting_scope
    party: str | None = None
    raw = value("part")
    if raw:
        if resolver.get(raw) is not None:
            party = raw
        else:
            found = resolver.lookup(raw, on=today)
            if found:
                party = found
            else:
                notes.append(t("overview.note.party", value=raw[:40]))
    status = value("status") or DEFAULT_STATUS
    if status not in STATUS_CHOICES:
        notes.append(t("overview.note.status", value=status[:40]))
        status = DEFAULT_STATUS
    overdue = value("forfalt") in ("1", "ja", "on", "true")
    if value("forfalt") and not overdue and value("forfalt") not in ("0", "nei", "off", "false"):
        notes.append(t("overview.note.overdue", value=value("forfalt")[:40]))
    due_before: date | None = None
    raw = value("frist_for")
    if raw:
        try:
            due_before = date.fromisoformat(raw)
        except ValueError:
            notes.append(t("overview.note.date", value=raw[:40]))
    sort = value("sorter") or DEFAULT_SORT
    if sort not in SORTS:
        notes.append(t("overview.note.sort", value=sort[:40]))
        sort = DEFAULT_SORT
    page = 1
    raw = value("side")
    if raw:
        if raw.isdigit() and 1 <= int(raw[:7]) <= MAX_PAGE:
            page = int(raw)
        else:
            notes.append(t("overview.note.page", value=raw[:40]))
    return OverviewQuery(meeting_id=meeting_id, party=party, status=status, overdue=overdue, due_before=due_before,
                         text=clean_input(value("q"))[:MAX_TEXT], sort=sort, page=page, notes=tuple(notes))
