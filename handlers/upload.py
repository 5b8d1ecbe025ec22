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

from handlers import commands, importing, permissions
from handlers.catalog import t
from handlers.context import Context
from handlers.dates import parse_date
from handlers.errors import DateError, UserError
from handlers.replies import Reply
from handlers.router import strip_prefix
from handlers.text import clean_input, fold

# "importer bekreft <token>" and "importer avbryt <token>" are clicks, never uploads.
_SUBCOMMANDS = frozenset({"bekreft", "confirm", "avbryt", "cancel"})
_DATE_WORDS = frozenset({"motedato", "dato", "date", "meeting-date"})
_REGION_WORDS = frozenset({"fylke", "region"})
MAX_DATE_WORDS = 4  # "tirsdag 15. oktober 2026"


@dataclass(frozen=True)
class UploadIntent:
    """What a message with a file asks for.

    `import`: preview the file (`args` as typed after the command); `ask`: a file without any
    words, so say how to import it; `other`: a command of its own, the file is not for us.
    """

    kind: Literal["import", "ask", "other"]
    args: str = ""


def intent(text: str) -> UploadIntent:
    body = strip_prefix(clean_input(text))
    if not body:
        return UploadIntent("ask")
    found, rest = commands.find(body)
    if found is None or found.handler is not importing.cmd_import:
        return UploadIntent("other")
    words = rest.split()
    if words and fold(words[0]) in _SUBCOMMANDS:
        return UploadIntent("other")
    return UploadIntent("import", rest)


def ask_reply() -> Reply:
    return Reply(title=t("importing.how_title"), lines=[t("upload.ask")])


def check(ctx: Context) -> Reply:
    """Refuses (raises `PermissionDenied`) unless the user may import; asked before any download."""
    permissions.require(ctx, "import")
    return Reply(lines=[t("upload.ok")])


def parse_args(ctx: Context, args: str) -> tuple[date | None, str | None]:
    """The meeting date and county typed after `importer`, each optional and in either order.

    A date is read from the front ("15.10.2026 Vestland") or after "møtedato"; whatever is left is
    the county ("fylke Vestland" or just "Vestland"), checked by the protocol reader.
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
        if word in _REGION_WORDS:
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


def preview(ctx: Context, args: str, data: bytes, filename: str) -> Reply:
    """The import preview of an uploaded file (stores only the pending import, never actions)."""
    permissions.require(ctx, "import")
    meeting_date, region = parse_args(ctx, args)
    return importing.preview_reply(ctx, data, filename, meeting_date=meeting_date, region=region)
