"""`bot.download` over real HTTP: allowed hosts, redirects, credentials that never change origin, the size limit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiohttp import web
from yarl import URL

from bot.download import DownloadError, download, origin, parse
from tests.support.slack_harness import LoopThread, serve


class Site:
    """A small file host that records the Authorization header of every request."""

    def __init__(self, loop: LoopThread) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.redirect_to = ""
        app = web.Application()
        app.router.add_get("/file", self._file)
        app.router.add_get("/big", self._big)
        app.router.add_get("/moved", self._moved)
        app.router.add_get("/slow", self._slow)
        self.loop = loop
        self.runner, self.url = loop.run(serve(app))

    async def _file(self, request: web.Request) -> web.Response:
        self.seen.append((request.path, request.headers.get("Authorization")))
        return web.Response(body=b"innhold", content_type="application/octet-stream")

    async def _big(self, request: web.Request) -> web.StreamResponse:
        self.seen.append((request.path, request.headers.get("Authorization")))
        response = web.StreamResponse()  # chunked: no Content-Length to trust
        await response.prepare(request)
        for _ in range(64):
            await response.write(b"x" * 1024)
        await response.write_eof()
        return response

    async def _moved(self, request: web.Request) -> web.Response:
        self.seen.append((request.path, request.headers.get("Authorization")))
        raise web.HTTPFound(self.redirect_to)

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.Event().wait()  # never answers; the client's timeout ends it
        return web.Response()

    def close(self) -> None:
        self.loop.run(self.runner.cleanup())


@pytest.fixture(name="loop", scope="module")
def loop_fixture() -> Iterator[LoopThread]:
    loop = LoopThread()
    yield loop
    loop.stop()


@pytest.fixture
def sites(loop: LoopThread) -> Iterator[tuple[Site, Site]]:
    first, second = Site(loop), Site(loop)
    yield first, second
    first.close()
    second.close()


def only(*sites: Site):  # type: ignore[no-untyped-def]
    origins = {origin(URL(s.url)) for s in sites}
    return lambda url: origin(url) in origins


def test_parse_refuses_what_is_no_plain_http_url() -> None:
    assert parse("https://files.slack.com/a") is not None
    for bad in ("ftp://files.slack.com/a", "file:///etc/passwd", "https://user:pw@files.slack.com/a", "/relative",
                "https://", ""):
        assert parse(bad) is None, bad


def test_credentials_go_to_the_allowed_origin_only(loop: LoopThread, sites: tuple[Site, Site]) -> None:
    home, other = sites
    got = loop.run(download(home.url + "/file", allowed=only(home), limit=100, headers={"Authorization": "Bearer t"}))
    assert got.data == b"innhold" and home.seen == [("/file", "Bearer t")]

    with pytest.raises(DownloadError) as refused:
        loop.run(download(other.url + "/file", allowed=only(home), limit=100, headers={"Authorization": "Bearer t"}))
    assert refused.value.reason == "refused" and other.seen == []

    # A redirect is refused outright unless asked for; followed, it is checked and loses the credentials.
    home.redirect_to = other.url + "/file"
    with pytest.raises(DownloadError) as denied:
        loop.run(download(home.url + "/moved", allowed=only(home, other), limit=100, headers={"Authorization": "B"}))
    assert denied.value.reason == "denied" and other.seen == []
    with pytest.raises(DownloadError) as elsewhere:
        loop.run(download(home.url + "/moved", allowed=only(home), limit=100, follow_redirects=True))
    assert elsewhere.value.reason == "refused" and other.seen == []
    got = loop.run(download(home.url + "/moved", allowed=only(home, other), limit=100, follow_redirects=True,
                            headers={"Authorization": "Bearer t"}))
    assert got.data == b"innhold" and other.seen == [("/file", None)]


def test_the_limit_holds_without_a_content_length(loop: LoopThread, sites: tuple[Site, Site]) -> None:
    home, _ = sites
    with pytest.raises(DownloadError) as large:
        loop.run(download(home.url + "/big", allowed=only(home), limit=10_000))
    assert large.value.reason == "too_large"
    assert len(loop.run(download(home.url + "/big", allowed=only(home), limit=64 * 1024)).data) == 64 * 1024


def test_timeouts_and_unreachable_hosts_are_failures(loop: LoopThread, sites: tuple[Site, Site]) -> None:
    import aiohttp

    home, _ = sites
    with pytest.raises(DownloadError) as slow:
        loop.run(download(home.url + "/slow", allowed=only(home), limit=100,
                          timeout=aiohttp.ClientTimeout(total=0.3)))
    assert slow.value.reason == "failed"
    with pytest.raises(DownloadError) as missing:
        loop.run(download(home.url + "/nothing-here", allowed=only(home), limit=100))
    assert missing.value.reason == "gone"
    closed = Site(loop)
    url = closed.url
    closed.close()
    with pytest.raises(DownloadError) as down:
        loop.run(download(url + "/file", allowed=lambda u: True, limit=100))
    assert down.value.reason == "failed"
