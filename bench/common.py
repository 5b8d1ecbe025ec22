"""Shared helpers for the benchmarks: throwaway databases, a query counter, statistics, machine facts.

Benchmarks are not tests: nothing here asserts a time. Every database a benchmark creates is its
own (a SQLite file in a temporary directory, or `oppf_bench_<random>` on the PostgreSQL server)
and is dropped afterwards.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from storage.db import make_engine, normalize_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The moment every benchmark pretends it is: a Monday morning in Oslo.
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)


def pg_base_url() -> str | None:
    """The PostgreSQL server to create benchmark databases on (None: skip PostgreSQL)."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    if url.lower() in ("", "none", "off"):
        return None
    url = normalize_url(url)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return None
    return url


@contextmanager
def database(backend: str, *, label: str = "bench") -> Iterator[str]:
    """A fresh, empty database URL for one benchmark; removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"oppf_{label}_") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return
    base = pg_base_url()
    if base is None:
        raise RuntimeError("PostgreSQL is not reachable")
    name = f"oppf_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class QueryCounter:
    """Counts the SQL statements an engine executes (SQLAlchemy's `before_cursor_execute` event)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []
        self.keep = False
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        if self.keep:
            self.statements.append(statement)

    def reset(self) -> None:
        self.count = 0
        self.statements.clear()

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)


@dataclass
class Samples:
    """Durations in seconds."""

    values: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.values.append(seconds)

    def median_ms(self) -> float:
        return statistics.median(self.values) * 1000 if self.values else float("nan")

    def p99_ms(self) -> float:
        return percentile(self.values, 99) * 1000 if self.values else float("nan")

    def max_ms(self) -> float:
        return max(self.values) * 1000 if self.values else float("nan")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (with few samples the 99th percentile is the slowest one)."""
    ordered = sorted(values)
    rank = max(1, int(-(-pct * len(ordered) // 100)))
    return ordered[min(rank, len(ordered)) - 1]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def fmt_ms(value: float) -> str:
    if value != value:  # NaN
        return "–"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def count(n: int) -> str:
    """1 000, 10 000, 100 000."""
    return f"{n:,}".replace(",", " ")


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)


def seed_engine(url: str, n_actions: int, *, due_today: int = 0) -> Engine:
    """A migrated database with `n_actions` actions (bench/seed.py); returns its engine."""
    from bench.seed import seed

    engine = make_engine(url)
    seed(engine, n_actions, today=TODAY, due_today=due_today)
    return engine


def sizes(large: bool) -> list[int]:
    return [1_000, 10_000, 100_000] if large else [1_000, 10_000]


def backends() -> list[str]:
    return ["sqlite"] + (["postgresql"] if pg_base_url() else [])


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import sqlalchemy

    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": _cpu_name(),
        "cores": str(os.cpu_count()),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": _sqlite_version(),
    }
    try:
        import psutil

        info["memory"] = f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except ImportError:
        pass
    for name in ("aiohttp", "slack_bolt", "slack_sdk", "psycopg"):
        try:
            module = __import__(name)
            info[name] = getattr(module, "__version__", "") or _dist_version(name)
        except ImportError:
            continue
    base = pg_base_url()
    if base:
        engine = create_engine(base)
        with engine.connect() as conn:
            info["postgresql"] = conn.execute(text("SHOW server_version")).scalar() or ""
        engine.dispose()
    with suppress(OSError, subprocess.CalledProcessError):
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    return info


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name.replace("_", "-"))
    except PackageNotFoundError:
        return ""


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def with_baseline(rows: list[list[object]], medians: dict[tuple[str, int, str], str], backend: str,
                  smallest: int) -> list[list[object]]:
    """Each row with the same command's median at the smallest size of this run, and the ratio."""
    out = []
    for row in rows:
        base = medians.get((backend, smallest, str(row[0])), "")
        try:
            ratio = f"{float(str(row[1])) / float(base):.2f}×"
        except (ValueError, ZeroDivisionError):  # not measured ("–"), or too fast to tell
            ratio = "–"
        out.append([*row, base, ratio])
    return out
