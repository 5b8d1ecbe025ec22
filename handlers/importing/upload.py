"""A protocol file uploaded in chat: is it meant for import, and its preview.

The adapters (Slack, Teams) see a message with a file and its text. This module decides what the
text asks for (`intent`), whether the user may import at all (`check`, asked before anything is
downloaded), and turns the downloaded bytes into the preview of `handlers.importing`, with the
optional meeting date and county typed after the command ("importer 15. oktober 2026 Vestland").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from handlers.core import permissions, registry
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import DateError, UserError
from handlers.core.replies import Reply
from handlers.core.text import clean_input, fold, strip_prefix
from handlers.dates.parse import parse_date
from handlers.importing import protocol_import
from handlers.importing.commands import cmd_import
from handlers.parties.commands import cmd_contacts, roster_preview

# "importer bekreft <token>" and "importer avbryt <token>" are clicks, never uploads.
_SUBCOMMANDS = frozenset({"bekreft", "confirm", "avbryt", "cancel", "valg", "choice"})
# "kontakter importer" with a file: the roster, previewed the same way.
_ROSTER_IMPORT = frozenset({"importer", "import"})
_DATE_WORDS = frozenset({"motedato", "dato", "date", "meeting-date"})
_REGION_WORDS = frozenset({"fylke", "region"})
_KIND_LABELS = frozenset({"type", "motetype", "kind"})
MAX_DATE_WORDS = 4  # "tirsdag 15. oktober 2026"


def parse_kind(args: str) -> str | None:
    """The meeting type typed after `importer` ("importer au", "importer type styringsgruppe")."""
    for word in args.split():
        if protocol_import.is_kind_word(word):
            return protocol_import.normal_kind(word)
    return None


@dataclass(frozen=True)
class UploadIntent:
    """What a message with a file asks for.

    `import`: preview the file (`args` as typed after the command); `ask`: a file without any
    words, so say how to import it; `other`: a command of its own, the file is not for us.
    `target` says what the file is: a protocol (`importer`) or the roster (`kontakter importer`).
    """

    kind: Literal["import", "ask", "other"]
    args: str = ""
    target: Literal["protocol", "roster"] = "protocol"


def intent(text: str) -> UploadIntent:
    body = strip_prefix(clean_input(text))
    if not body:
        return UploadIntent("ask")
    found, rest = registry.find(body)
    words = rest.split()
    if found is not None and found.handler is cmd_contacts:
        if words and fold(words[0]) in _ROSTER_IMPORT:
            return UploadIntent("import", " ".join(words[1:]), target="roster")
        return UploadIntent("other")
    if found is None or found.handler is not cmd_import:
        return UploadIntent("other")
    if words and fold(words[0]) in _SUBCOMMANDS:
        return UploadIntent("other")
    return UploadIntent("import", rest)


def ask_reply() -> Reply:
    return Reply(title=t("importing.how_title"), lines=[t("upload.ask")])


def check(ctx: Context, target: str = "protocol") -> Reply:
    """Refuses (raises `PermissionDenied`) unless the user may import; asked before any download."""
    permissions.require(ctx, "roster" if target == "roster" else "import")
    return Reply(lines=[t("upload.ok")])


def parse_args(ctx: Context, args: str) -> tuple[date | None, str | None]:
    """The meeting date and county typed after `importer`, each optional and in either order.

    A date is read from the front ("15.10.2026 Vestland") or after "møtedato"; a meeting type
    ("au", "styringsgruppe", "nasjonal", "regional") is taken by `parse_kind`; whatever is left
    is the county ("fylke Vestland" or just "Vestland"), checked by the protocol reader.
    """
    words = args.split()
    meeting_date: date | None = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = fold(words[i])
        if word in _DATE_WORDS:
            taken, meeting_date = _date_at(ctx, words, i + 1, required=True)
            i += 1 + taken
            continue
        if word in _REGION_WORDS or word in _KIND_LABELS or protocol_import.is_kind_word(words[i]):
            i += 1
            continue
        if meeting_date is None:
            taken, meeting_date = _date_at(ctx, words, i, required=False)
            if taken:
                i += taken
                continue
        rest.append(words[i])
        i += 1
    region = " ".join(rest).strip() or None
    return meeting_date, region


def _date_at(ctx: Context, words: list[str], start: int, *, required: bool) -> tuple[int, date | None]:
    """The longest run of words from `start` that is one calendar date: (words used, the date)."""
    for size in range(min(MAX_DATE_WORDS, len(words) - start), 0, -1):
        text = " ".join(words[start : start + size])
        try:
            parsed = parse_date(text, ctx.today, allow_past=True)
        except DateError:
            continue
        if parsed.date is not None and parsed.meeting is None:
            return size, parsed.date
    if required:
        shown = " ".join(words[start : start + 3]) or "–"
        raise UserError(t("upload.bad_date", text=shown))
    return 0, None


def preview(ctx: Context, args: str, data: bytes, filename: str, target: str = "protocol") -> Reply:
    """The import preview of an uploaded file (stores only the pending import, never actions)."""
    if target == "roster":
        return roster_preview(ctx, data, filename)
    permissions.require(ctx, "import")
    meeting_date, region = parse_args(ctx, args)
    return protocol_import.preview_reply(ctx, data, filename, meeting_date=meeting_date, region=region,
                                         kind=parse_kind(args))
