"""Downloading a file a user shared with the bot, from an allowed host only and never more than a limit.

Both adapters use it: Slack's `url_private` (with the bot token) and Teams' pre-authenticated
SharePoint/OneDrive `downloadUrl` (with no credentials at all). The URL is parsed once, with the
same parser aiohttp requests it with, so the host that was checked is the host that is contacted;
a redirect is either refused or checked like the first URL, and credentials never follow it to
another origin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp
from yarl import URL

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10, sock_read=20)
CHUNK = 64 * 1024
MAX_REDIRECTS = 3

Reason = str  # "refused", "too_large", "denied", "gone", "failed"


class DownloadError(Exception):
    """The file could not be fetched; `reason` picks the message the user gets."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    content_type: str


Allowed = Callable[[URL], bool]


def parse(url: str) -> URL | None:
    """An absolute http(s) URL without user info, or None."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.user or parsed.password:
        return None
    return parsed


def origin(url: URL) -> tuple[str, str, int | None]:
    return (url.scheme, (url.host or "").lower(), url.port)


async def download(
    url: str, *, allowed: Allowed, limit: int, headers: Mapping[str, str] | None = None,
    follow_redirects: bool = False, timeout: aiohttp.ClientTimeout = TIMEOUT,
) -> Downloaded:
    """GET `url` and return at most `limit` bytes; raises `DownloadError`.

    `headers` (credentials) are sent only to the origin of `url`. A redirect is refused unless
    `follow_redirects`, and then each target must pass `allowed` too.
    """
    target = parse(url)
    if target is None or not allowed(target):
        raise DownloadError("refused", str(target.host if target else "")[:100])
    first = origin(target)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for _ in range(MAX_REDIRECTS + 1):
                sent = dict(headers or {}) if origin(target) == first else {}
                async with session.get(target, headers=sent, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        if not follow_redirects:
                            raise DownloadError("denied", f"redirect {response.status}")
                        location = response.headers.get("Location", "")
                        following = parse(str(target.join(URL(location)))) if location else None
                        if following is None or not allowed(following):
                            raise DownloadError("refused", "redirect to another host")
                        target = following
                        continue
                    return await _read(response, limit)
            raise DownloadError("failed", "too many redirects")
    except DownloadError:
        raise
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        log.warning("file download failed: %s", exc.__class__.__name__)
        raise DownloadError("failed", exc.__class__.__name__) from exc


async def _read(response: aiohttp.ClientResponse, limit: int) -> Downloaded:
    if response.status in (401, 403):
        raise DownloadError("denied", f"HTTP {response.status}")
    if response.status in (404, 410):
        raise DownloadError("gone", f"HTTP {response.status}")
    if response.status != 200:
        raise DownloadError("failed", f"HTTP {response.status}")
    if response.content_length is not None and response.content_length > limit:
        raise DownloadError("too_large", str(response.content_length))
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.content.iter_chunked(CHUNK):
        total += len(chunk)
        if total > limit:  # the header may be missing or wrong; the body decides
            raise DownloadError("too_large", f">{limit}")
        chunks.append(chunk)
    return Downloaded(b"".join(chunks), response.content_type or "")
