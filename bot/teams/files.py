"""Protocol files sent to the bot in Teams: a message with a file attachment and "importer".

In a 1:1 chat (the app declares `supportsFiles`) Teams sends a file as an attachment of type
`application/vnd.microsoft.teams.file.download.info` whose `content.downloadUrl` is a short-lived,
pre-authenticated SharePoint/OneDrive link; some clients send the file inline with a `contentUrl`.
Either is fetched without any credentials and only from the allowed hosts (HTTPS on
`*.sharepoint.com` unless `TeamsOptions` says otherwise), so a payload cannot make the bot fetch
from anywhere it likes. Files shared in channels and group chats arrive only as `reference`s that
need Microsoft Graph; the user is told to send the file in a 1:1 chat instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from microsoft_agents.activity import Activity
from yarl import URL

from bot.download import Allowed, DownloadError, download
from bot.teams.options import TeamsOptions
from bot.teams.sending import reply_activities
from handlers.core.catalog import t
from handlers.core.replies import Reply, error_reply
from handlers.importing import upload
from handlers.importing.protocol_import import MAX_FILE

if TYPE_CHECKING:
    from microsoft_agents.hosting.core import TurnContext

    from bot.teams.incoming import Incoming
    from handlers.core.context import Context

log = logging.getLogger(__name__)

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
REFERENCE = "reference"
# Attachments that are the message itself (its HTML) or a card, never a file to read.
NOT_FILES = ("text/html", "application/vnd.microsoft.card.", "application/vnd.microsoft.teams.card.")
MAX_FILES = 5


class Service(Protocol):
    """What the file handlers use of `bot.teams.service.TeamsService`, which calls them with itself."""

    options: TeamsOptions

    async def handle(self, seen: Incoming, text: str, run: Callable[[Context], Reply] | None = None) -> Reply: ...


@dataclass(frozen=True)
class SharedFile:
    name: str
    url: str


@dataclass(frozen=True)
class Attached:
    files: list[SharedFile]
    referenced: bool  # a file Teams only links to (channels, group chats)

    def __bool__(self) -> bool:
        return bool(self.files) or self.referenced


def allowed_hosts(options: TeamsOptions) -> Allowed:
    def allowed(url: URL) -> bool:
        if not options.check_file_urls:
            return True
        host = (url.host or "").lower().rstrip(".")
        if url.scheme != "https" or url.port != 443:
            return False
        return any(host == suffix or host.endswith("." + suffix) for suffix in options.file_hosts)

    return allowed


def _content(attachment: Any) -> dict[str, Any]:
    content = attachment.content
    if isinstance(content, dict):
        return content
    if hasattr(content, "model_dump"):
        return content.model_dump(by_alias=True)
    return {}


def _name(raw: str | None, file_type: str | None) -> str:
    name = (raw or "protokoll").strip()[:200] or "protokoll"
    # The reader knows a format by its extension; Teams gives it separately when the name lacks one.
    if file_type and "." not in name:
        name = f"{name}.{file_type.strip('.')}"
    return name


def attached(activity: Activity) -> Attached:
    files: list[SharedFile] = []
    referenced = False
    for attachment in activity.attachments or []:
        kind = (attachment.content_type or "").lower()
        if kind == FILE_DOWNLOAD_INFO:
            content = _content(attachment)
            url = content.get("downloadUrl") or ""
            files.append(SharedFile(_name(attachment.name, content.get("fileType")), str(url)))
        elif kind == REFERENCE:
            referenced = True
        elif attachment.content_url and not kind.startswith(NOT_FILES):
            files.append(SharedFile(_name(attachment.name, None), attachment.content_url))
    return Attached(files, referenced)


def message_for(reason: str, name: str, size: str = "") -> Reply:
    if reason == "too_large":
        shown = f"{int(size) / (1024 * 1024):.1f}".replace(".", ",") if size.isdigit() else \
            f"> {MAX_FILE // (1024 * 1024)}"
        return error_reply(t("upload.too_large", name=name, size=shown, limit=MAX_FILE // (1024 * 1024)))
    key = {"refused": "upload.refused_host", "denied": "upload.teams_denied", "gone": "upload.teams_denied"}.get(
        reason, "upload.failed")
    return error_reply(t(key, name=name))


async def handle_upload(service: Service, context: TurnContext, seen: Incoming, text: str) -> bool:
    """Answer a message with files if it asks for an import; False leaves it to the ordinary command path."""
    found = attached(context.activity)
    if not found:
        return False
    wish = upload.intent(text)
    if wish.kind == "other":
        return False

    async def answer(reply: Reply) -> None:
        await context.send_activities(reply_activities(reply))

    if wish.kind == "ask":
        await answer(upload.ask_reply())
        return True
    allowed = await service.handle(seen, "", run=lambda ctx: upload.check(ctx, wish.target))
    if allowed.error:  # refused before anything is downloaded
        await answer(allowed)
        return True
    if not found.files:
        await answer(error_reply(t("upload.teams_reference")))
        return True
    for file in found.files[:MAX_FILES]:
        await answer(await preview_file(service, seen, file, wish.args, wish.target))
    if len(found.files) > MAX_FILES:
        await answer(Reply(lines=[t("upload.too_many", count=MAX_FILES)]))
    return True


async def preview_file(service: Service, seen: Incoming, file: SharedFile, args: str,
                       target: str = "protocol") -> Reply:
    try:
        # Pre-authenticated link: no credentials, and redirects only to allowed hosts.
        got = await download(file.url, allowed=allowed_hosts(service.options), limit=MAX_FILE, follow_redirects=True)
    except DownloadError as exc:
        log.warning("Teams file not downloaded: %s", exc)
        return message_for(exc.reason, file.name, exc.detail)
    data = got.data
    return await service.handle(seen, "importer", run=lambda ctx: upload.preview(ctx, args, data, file.name, target))
