"""`oppfolging actions export` and the export's memory: rows are streamed, so ten times the actions do
not need ten times the memory."""

from __future__ import annotations

import csv
import os
import tracemalloc
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.cli import main
from bot.config import Settings
from handlers.core.context import Actor, Context
from handlers.overview import export, filters, listing
from tests.conftest import NOW
from tests.test_overview_web import _bulk, create


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the export's queries run on both in test_overview_web
def test_cli_export_writes_xlsx_and_csv_with_filters(app: App, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    first = create(app, "Skrive notat om Missionssatsingen", ("au",), deadline=date(2026, 11, 1), case="3")
    second = create(app, "Invitere til fagdager", ("ks",), deadline=date(2027, 2, 1))
    create(app, "Sende ut protokollen", ("au",))
    url = app.settings.database_url
    out = tmp_path / "punkter.xlsx"
    assert main(["--database-url", url, "actions", "export", "--format", "xlsx", "--party", "AU", "--out", str(out),
                 "--now", NOW.isoformat()]) == 0
    assert "Skrev 2 punkter" in capsys.readouterr().out
    book = load_workbook(out)
    sheet = book["Punkter"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:M3"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == first and isinstance(rows[0][5], datetime) and rows[0][5].date() == date(2026, 11, 1)
    assert rows[1][5] is None and rows[1][6] == "uten frist"
    out_csv = tmp_path / "punkter.csv"
    assert main(["--database-url", url, "actions", "export", "--format", "csv", "--status", "all",
                 "--due-before", "2027-03-01", "--out", str(out_csv), "--now", NOW.isoformat()]) == 0
    with out_csv.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle, delimiter=";"))
    assert [int(r[0]) for r in table[1:]] == [first, second]
    # An unknown value: an empty file with a note on stderr, exit 0, never a traceback.
    assert main(["--database-url", url, "actions", "export", "--format", "csv", "--party", "Narnia",
                 "--out", str(out_csv)]) == 0
    captured = capsys.readouterr()
    assert "Kjenner ikke parten «Narnia»" in captured.err and "Skrev 0 punkter" in captured.out


def _peak(app: App, kind: str) -> int:
    with app.sessions() as session:
        ctx = Context(session=session, actor=Actor("console", "local"), now=NOW)
        query = filters.parse({"status": "alle"}, ctx.resolver, ctx.today)
        with open(os.devnull, "w", encoding="utf-8") as sink:
            export.write_csv(ctx, query, sink)  # warm: statement caches, the registry
            tracemalloc.start()
            done = export.write_csv(ctx, query, sink)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    assert done.count > 0
    return peak


def test_export_memory_stays_flat(sqlite_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Memory holds one batch of rows: with batches of 50, 2 500 actions need what 250 need. (The .xlsx
    writer adds openpyxl's shared-string table, which grows with the distinct texts, not the rows.)"""
    monkeypatch.setattr(listing, "BATCH", 50)
    app = App(Settings(database_url=sqlite_url), clock=lambda: NOW)
    try:
        _bulk(app, 250)
        small = _peak(app, "csv")
        _bulk(app, 2_250)
        large = _peak(app, "csv")
        assert large < small * 1.5, (small, large)  # ten times the rows, not ten times the memory
    finally:
        app.close()


def test_the_access_log_never_holds_a_link(caplog) -> None:  # type: ignore[no-untyped-def]
    """An overview link is a bearer token in `?t=`: the access log writes the path only."""
    import asyncio
    import logging

    from aiohttp import ClientSession, web

    from bot.web.access_log import PathOnlyAccessLogger

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def fetch() -> None:
        web_app = web.Application()
        web_app.router.add_get("/oversikt", page)
        # As `web.run_app(…, access_log_class=…)` in bot/server.py sets it up.
        runner = web.AppRunner(web_app, access_log_class=PathOnlyAccessLogger)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            port = runner.addresses[0][1]
            async with ClientSession() as client, \
                    client.get(f"http://127.0.0.1:{port}/oversikt?t=hemmelig.token") as response:
                assert response.status == 200
        finally:
            await runner.cleanup()

    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        asyncio.run(fetch())
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any('"GET /oversikt" 200' in line for line in lines), lines
    assert not any("hemmelig" in line for line in lines)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_overview_link_and_revoke(app: App, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PUBLIC_HOST", "oppfolging.example.no")
    url = app.settings.database_url
    assert main(["--database-url", url, "overview", "link", "--user", "slack:U0KARI"]) == 0
    out = capsys.readouterr().out
    assert "https://oppfolging.example.no/oversikt?t=" in out and "Lenken gjelder til" in out
    assert main(["--database-url", url, "overview", "revoke", "--user", "slack:U0KARI"]) == 1
    assert "Bare administratorer" in capsys.readouterr().out
    assert main(["--database-url", url, "overview", "revoke"]) == 0  # the local operator is an admin
    assert "ugyldige" in capsys.readouterr().out
