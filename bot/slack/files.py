"""Protocol files shared with the bot in Slack: a DM with a file, or a mention with a file, and "importer".

Slack sends the file's metadata in the event (`files`); when it is incomplete (Slack Connect, or
`file_access: check_file_info`) `files.info` fills it in. The file itself is fetched from its
`url_private` with the bot token as Bearer (scope `files:read`), but only from Slack's file host
(`https://files.slack.com`) or the configured Web API origin (`SLACK_API_URL`, a test's fake Slack
or a proxy in front of Slack): a token must never travel to a host named in a payload. The bytes go
to `handlers.upload.preview`, whose reply (the Importer/Avbryt preview) is posted like any answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from yarl import URL

from bot.download import Allowed, Downloaded, DownloadError, download, parse
from bot.download import origin as url_origin
from bot.slack.client import DEFAULT_API_URL, api_url
from bot.slack.origin import Origin, Service
from bot.slack.sending import post
from bot.slack.usergroups import API_ERRORS
from handlers.core.catalog import t
from handlers.core.replies import Reply, error_reply
from handlers.importing import upload
from handlers.importing.protocol_import import MAX_FILE

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

FILES_HOST = "files.slack.com"
MAX_FILES = 5  # per message; a preview each
GONE_MODES = frozenset({"tombstone", "hidden_by_limit"})
GONE_ERRORS = frozenset({"file_not_found", "file_deleted"})
DENIED_ERRORS = frozenset({"missing_scope", "not_allowed_token_type", "no_permission", "access_denied"})
HTML_TYPES = frozenset({"html", "htm"})


def allowed_hosts(settings: Settings) -> Allowed:
    """Slack's file host over HTTPS, and the configured Web API origin when it is not Slack's own."""
    custom = parse(api_url(settings)) if settings.slack_api_url and api_url(settings) != DEFAULT_API_URL else None

    def allowed(url: URL) -> bool:
        if url.scheme == "https" and (url.host or "").lower() == FILES_HOST and url.port == 443:
            return True
        return custom is not None and url_origin(url) == url_origin(custom)

    return allowed


def message_for(reason: str, name: str, size: int | None = None) -> Reply:
    """The Norwegian answer to a failed download."""
    if reason == "too_large":
        shown = f"{size / (1024 * 1024):.1f}".replace(".", ",") if size else f"> {MAX_FILE // (1024 * 1024)}"
        return error_reply(t("upload.too_large", name=name, size=shown, limit=MAX_FILE // (1024 * 1024)))
    key = {"refused": "upload.refused_host", "denied": "upload.slack_denied", "gone": "upload.gone"}.get(
        reason, "upload.failed")
    return error_reply(t(key, name=name))


def name_of(file: dict[str, Any]) -> str:
    return str(file.get("name") or file.get("title") or "protokoll")[:200]


async def file_info(service: Service, file: dict[str, Any]) -> dict[str, Any]:
    """The file's full metadata: the event's when it has a URL, else from `files.info`."""
    if file.get("mode") in GONE_MODES:
        raise DownloadError("gone", str(file.get("mode")))
    if (file.get("url_private_download") or file.get("url_private")) and file.get("file_access") != "check_file_info":
        return file
    if not file.get("id"):
        raise DownloadError("gone", "no file id")
    try:
        response = await service.client.files_info(file=str(file["id"]))
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        log.warning("files.info for %s failed: %s", file.get("id"), error)
        raise DownloadError("gone" if error in GONE_ERRORS else "denied" if error in DENIED_ERRORS else "failed",
                            error) from exc
    except API_ERRORS as exc:
        raise DownloadError("failed", exc.__class__.__name__) from exc
    info = response.get("file")
    if not isinstance(info, dict) or info.get("mode") in GONE_MODES:
        raise DownloadError("gone", "no file in files.info")
    return info


async def fetch(service: Service, file: dict[str, Any]) -> tuple[str, bytes]:
    """(name, bytes) of a shared file; raises `DownloadError`."""
    info = await file_info(service, file)
    size = info.get("size")
    if isinstance(size, int) and size > MAX_FILE:
        raise DownloadError("too_large", str(size))
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    settings = service.app.settings
    # No redirects: Slack answers a token without files:read by sending the browser to its login page.
    got: Downloaded = await download(url, allowed=allowed_hosts(settings), limit=MAX_FILE, follow_redirects=False,
                                     headers={"Authorization": f"Bearer {settings.slack_bot_token or ''}"})
    name = name_of(info)
    declared = str(info.get("filetype") or "").lower()
    if got.content_type == "text/html" and declared not in HTML_TYPES and not name.lower().endswith((".html", ".htm")):
        raise DownloadError("denied", "login page instead of the file")  # the same, answered with 200
    return name, got.data


async def handle_upload(service: Service, event: dict[str, Any], *, direct: bool) -> bool:
    """Answer a message with files if it asks for an import; False leaves it to the ordinary command path."""
    shared = [f for f in event.get("files") or [] if isinstance(f, dict)]
    if not shared:
        return False
    wish = upload.intent(str(event.get("text") or ""))
    if wish.kind == "other":
        return False
    where: Origin = Origin(str(event.get("user") or ""), "", event.get("channel"))
    thread_ts = event.get("thread_ts")

    async def answer(reply: Reply) -> None:
        # In a channel the preview and any refusal are for the uploader only, as for other private replies.
        private = (reply.private or reply.error) and not direct
        await post(service, where.channel, reply, private_to=where.user if private else None, thread_ts=thread_ts)

    if wish.kind == "ask":
        await answer(upload.ask_reply())
        return True
    allowed = await service.handle("", where, run=lambda ctx: upload.check(ctx, wish.target))
    if allowed.error:  # refused before anything is downloaded
        await answer(allowed)
        return True
    for file in shared[:MAX_FILES]:
        await answer(await preview_file(service, where, file, wish.args, wish.target))
    if len(shared) > MAX_FILES:
        await answer(Reply(lines=[t("upload.too_many", count=MAX_FILES)]))
    return True


async def preview_file(service: Service, where: Origin, file: dict[str, Any], args: str,
                       target: str = "protocol") -> Reply:
    name = name_of(file)
    try:
        name, data = await fetch(service, file)
    except DownloadError as exc:
        log.warning("Slack file %s not downloaded: %s", file.get("id"), exc)
        size = int(exc.detail) if exc.reason == "too_large" and exc.detail.isdigit() else None
        return message_for(exc.reason, name, size)
    return await service.handle("importer", where, run=lambda ctx: upload.preview(ctx, args, data, name, target))
