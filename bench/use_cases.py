"""Handler-level latency: the chat commands through `App.handle` (no HTTP, no platform), with the
number of SQL statements each one runs, at several table sizes on SQLite and PostgreSQL.

This isolates what the database and the use cases cost; `bench/chat_http.py` adds the HTTP stack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

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
from handlers.core.context import Actor

USER = Actor("slack", "UBENCH", "Bench Bruker")
REPEAT = 40
TIME_BUDGET = 20.0  # seconds per command and size, whatever REPEAT says


@dataclass
class Case:
    name: str
    command: Callable[[int], str]  # iteration -> chat input


def cases(n_actions: int) -> list[Case]:
    # Ids spread over the table so that repeated `vis`/`ferdig` do not hit one hot row.
    def some_id(i: int) -> int:
        return 1 + (i * 7919) % n_actions

    return [
        Case("liste", lambda i: "/oppfølging liste"),
        Case("liste AU", lambda i: "/oppfølging liste AU"),
        Case("liste forfalt", lambda i: "/oppfølging liste forfalt"),
        Case("liste side 5", lambda i: "/oppfølging liste side 5"),
        Case("mine", lambda i: "/oppfølging mine"),
        Case("vis N", lambda i: f"/oppfølging vis {some_id(i)}"),
        Case("ny …", lambda i: f"/oppfølging ny AU: Sende brev nummer {i} til KDD innen 15. juni 2027"),
        Case("ferdig N (button)", lambda i: f"ferdig {some_id(i + 1000)}"),
        Case("hjelp", lambda i: "/oppfølging hjelp"),
    ]


def measure(url: str, n_actions: int) -> list[list[object]]:
    engine = seed_engine(url, n_actions)
    engine.dispose()
    app = App(Settings(database_url=url, admins=frozenset({f"slack:{USER.external_id}"})), clock=lambda: NOW)
    app.handle("/oppfølging medlem AU", USER)  # so that `mine` has something to show
    counter = QueryCounter(app.engine)
    rows: list[list[object]] = []
    for case in cases(n_actions):
        samples = Samples()
        queries: list[int] = []
        app.handle(case.command(10_000), USER)  # warm caches and the connection pool
        deadline = time.perf_counter() + TIME_BUDGET
        for i in range(REPEAT):
            counter.reset()
            start = time.perf_counter()
            reply = app.handle(case.command(i), USER)
            samples.add(time.perf_counter() - start)
            queries.append(counter.count)
            if reply.error:
                log(f"  {case.name}: error reply {reply.title or reply.lines}")
            if time.perf_counter() > deadline:
                break
        rows.append([case.name, fmt_ms(samples.median_ms()), fmt_ms(samples.p99_ms()), max(queries)])
    counter.close()
    app.close()
    return rows


def run(large: bool = False) -> str:
    out = [
        "Each chat input through `App.handle` (parse, permissions, one transaction, reply value; no HTTP).",
        f"{REPEAT} runs per command after one warm-up; the 99th percentile of so few runs is the slowest one.",
        "`queries` is the number of SQL statements per request, counted with SQLAlchemy's",
        "`before_cursor_execute` event; it does not grow with the table. *baseline*: the same command's",
        "median at the smallest size of this run; *ratio*: median / baseline.",
        "",
    ]
    medians: dict[tuple[str, int, str], str] = {}
    smallest = sizes(large)[0]  # the baseline of each table's ratio
    for backend in backends():
        for n in sizes(large):
            log(f"use cases: {backend}, {n} actions")
            with database(backend, label="uc") as url:
                rows = measure(url, n)
            medians.update({(backend, n, str(row[0])): str(row[1]) for row in rows})
            out.append(f"**{backend}, {count(n)} actions** (times in ms)")
            out.append("")
            out.append(table(["command", "median", "p99", "queries", f"median at {count(smallest)} (baseline)",
                              "ratio"], with_baseline(rows, medians, backend, smallest)))
            out.append("")
    if large:
        out.extend(growth())
    return "\n".join(out)


LISTS = ("liste", "liste AU", "mine")
GROWTH_REPEAT = 60


def growth(small: int = 10_000, large: int = 100_000) -> list[str]:
    """The lists at `large` actions against `small` (issue 19: at most 1.5×), measured interleaved:
    both databases are open at once and each command runs on one, then the other, so that a change
    in the machine's load (it is shared) falls on both sizes alike."""
    rows = []
    for backend in backends():
        log(f"use cases: {backend}, lists at {large} against {small}, interleaved")
        with database(backend, label="ucs") as url_small, database(backend, label="ucl") as url_large:
            apps = []
            for url, n in ((url_small, small), (url_large, large)):
                seed_engine(url, n).dispose()
                app = App(Settings(database_url=url, admins=frozenset({f"slack:{USER.external_id}"})),
                          clock=lambda: NOW)
                app.handle("/oppfølging medlem AU", USER)
                apps.append(app)
            try:
                for name in LISTS:
                    text = f"/oppfølging {name}"
                    timed = (Samples(), Samples())
                    for app in apps:
                        app.handle(text, USER)  # warm caches and the connection pool
                    for _ in range(GROWTH_REPEAT):
                        for app, samples in zip(apps, timed, strict=True):
                            start = time.perf_counter()
                            app.handle(text, USER)
                            samples.add(time.perf_counter() - start)
                    base, measured = timed[0].median_ms(), timed[1].median_ms()
                    rows.append([backend, name, fmt_ms(base), fmt_ms(measured), f"{measured / base:.2f}×"])
            finally:
                for app in apps:
                    app.close()
    return [f"**Lists at {count(large)} actions against {count(small)}**, measured interleaved: both databases",
            f"open at once, each command {GROWTH_REPEAT} times on one and then the other (medians, ms; goal: at most 1.5×).",
            "", table(["backend", "command", f"{count(small)} (baseline)", count(large), "ratio"], rows), ""]
