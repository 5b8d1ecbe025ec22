"""What bounds the service's resident memory besides its own code (docs/PERFORMANCE.md, memory):
each SQLite connection's page cache, and glibc's malloc arenas in `serve`. Measured by
`bench/memory.py`; here only that the settings take effect, and that an operator's own win."""

from __future__ import annotations

import ctypes.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.allocator import cap_arenas
from storage.db import SQLITE_CACHE_KIB, make_engine

ROOT = Path(__file__).resolve().parent.parent


def cache_size(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    finally:
        engine.dispose()


def test_every_sqlite_connection_has_a_bounded_page_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cache.sqlite'}"
    assert cache_size(url) == -SQLITE_CACHE_KIB == -512  # negative: KiB (SQLite's own default is -2000)
    monkeypatch.setenv("SQLITE_CACHE_KIB", "4096")
    assert cache_size(url) == -4096
    monkeypatch.setenv("SQLITE_CACHE_KIB", "many")  # unreadable: the default, not an error
    assert cache_size(url) == -512


def test_an_operators_arena_setting_wins() -> None:
    assert cap_arenas({"MALLOC_ARENA_MAX": "4"}) is False


@pytest.mark.skipif(not ctypes.util.find_library("c") or sys.platform != "linux", reason="glibc's mallopt is Linux's")
def test_serve_caps_the_malloc_arenas_before_its_threads_start(tmp_path: Path) -> None:
    # In a process of its own: the setting lasts for the process.
    script = """
import json, os, sys
os.environ.pop("MALLOC_ARENA_MAX", None)
import bot.cli.serve as serve
import bot.server as server
import bot.allocator as allocator
calls = []
real = allocator.cap_arenas
allocator.cap_arenas = lambda env: calls.append(real(env)) or calls[-1]
server.run = lambda app, **kw: calls.append("run")
from bot.cli import main
main(["--database-url", sys.argv[1], "serve", "--port", "9"])
print(json.dumps(calls))
"""
    url = f"sqlite:///{tmp_path / 'arena.sqlite'}"
    out = subprocess.run([sys.executable, "-c", script, url], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, "run"]
