"""The overview page (`/oversikt`) over real HTTP at several table sizes, on SQLite and PostgreSQL.

Issue 17 asks for an answer under 300 ms at 10 000 actions. Each request goes through aiohttp, the
link check, one read transaction and the Jinja2 rendering; `/livez` through the same server is the
baseline (what the HTTP stack alone costs in this run). `queries` counts SQL statements per request:
it stays the same as the table grows (one page is read, the rest is counted in SQL).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import replace

from aiohttp import ClientSession, web

from bench.common import (
    NOW,
    QueryCounter,
    Samples,
    backends,
    count,
    database,
    fmt_ms,
    log,
    seed_engine,
    sizes,
    table,
    with_baseline,
)
from bot.app import App
from bot.config import Settings
from bot.server import build_web_app
from bot.web import service as overview_web
from handlers.core.context import Actor

USER = Actor("slack", "UBENCH", "Bench Bruker")
REPEAT = 30
TIME_BUDGET = 15.0  # seconds per page and size

PAGES = [
    ("/livez (baseline)", "/livez", {}),
    ("/oversikt", "/oversikt", {}),
    ("/oversikt?part=AU", "/oversikt", {"part": "AU"}),
    ("/oversikt?forfalt=1", "/oversikt", {"forfalt": "1"}),
    ("/oversikt?side=5", "/oversikt", {"side": "5"}),
    ("/oversikt?q=brev", "/oversikt", {"q": "brev"}),
]


async def _measure(app: App, token: str) -> list[list[object]]:
    runner = web.AppRunner(build_web_app(app, modules=(overview_web,)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    counter = QueryCounter(app.engine)
    rows: list[list[object]] = []
    try:
        async with ClientSession() as client:
            for name, path, params in PAGES:
                query = {**params, "t": token} if path != "/livez" else {}
                samples = Samples()
                queries: list[int] = []
                async with client.get(base + path, params=query) as response:  # warm-up
                    if response.status != 200:
                        log(f"  {name}: HTTP {response.status}")
                    await response.read()
                deadline = time.perf_counter() + TIME_BUDGET
                for _ in range(REPEAT):
                    counter.reset()
                    start = time.perf_counter()
                    async with client.get(base + path, params=query) as response:
                        await response.read()
                    samples.add(time.perf_counter() - start)
                    queries.append(counter.count)
                    if time.perf_counter() > deadline:
                        break
                rows.append([name, fmt_ms(samples.median_ms()), fmt_ms(samples.p99_ms()), max(queries)])
    finally:
        counter.close()
        await runner.cleanup()
    return rows


def measure(url: str, n_actions: int) -> list[list[object]]:
    seed_engine(url, n_actions).dispose()
    settings = replace(Settings(database_url=url, admins=frozenset({f"slack:{USER.external_id}"})),
                       public_host="http://127.0.0.1", secret_key=secrets.token_urlsafe(40))
    app = App(settings, clock=lambda: NOW)
    try:
        reply = app.handle("/oppfølging oversikt", USER)
        token = str(reply.data["url"]).split("t=", 1)[1]
        return asyncio.run(_measure(app, token))
    finally:
        app.close()


def run(large: bool = False) -> str:
    out = [
        f"`GET` over real HTTP (aiohttp server and client in one process), {REPEAT} requests per page after one",
        "warm-up; times in ms. `/livez` is the same server without the page. *baseline*: the same page's",
        "median at the smallest size of this run; *ratio*: median / baseline.",
        "",
    ]
    smallest = sizes(large)[0]
    medians: dict[tuple[str, int, str], str] = {}
    for backend in backends():
        for n in sizes(large):
            log(f"overview: {backend}, {n} actions")
            with database(backend, label="ov") as url:
                rows = measure(url, n)
            medians.update({(backend, n, str(row[0])): str(row[1]) for row in rows})
            out.append(f"**{backend}, {count(n)} actions**")
            out.append("")
            out.append(table(["page", "median", "p99", "queries", f"median at {count(smallest)} (baseline)", "ratio"],
                             with_baseline(rows, medians, backend, smallest)))
            out.append("")
    return "\n".join(out)
