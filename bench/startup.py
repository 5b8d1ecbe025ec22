"""Start-up: `oppfolging run "/oppfølging hjelp"` from a cold process, and `oppfolging serve` until
`/healthz` answers. Also which imports dominate (`python -X importtime`) and whether any platform
SDK is loaded on the `run` path (it should not be: they belong to `serve`)."""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, fmt_ms, log, table

RUNS = 7
PLATFORM_MODULES = ("aiohttp", "slack_bolt", "slack_sdk", "microsoft_agents", "msal", "apscheduler", "alembic")
HELP = "/oppfølging hjelp"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "MICROSOFT_"))}
    env["DATABASE_URL"] = url
    # Any non-empty value (also "0") stops Python from writing bytecode; an installed package has its
    # .pyc files (pip compiles them), so `run` compiles them once before measuring.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_bytecode(env: dict[str, str]) -> None:
    """The .pyc files of the project, as pip writes them on install: a cold start reads, not compiles."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "bot", "handlers", "storage"], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)


def _oppfolging() -> list[str]:
    return [sys.executable, "-m", "bot.cli"]


@dataclass
class Runs:
    wall: list[float]  # seconds from start to exit
    # CPU seconds (user + system) of the same runs: on a shared machine a neighbour's load stretches
    # the wall time much more than the CPU time, so this shows what the command itself costs.
    cpu: list[float]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_runs(cmd: list[str], env: dict[str, str], runs: int = RUNS) -> Runs:
    result = Runs([], [])
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), _children_cpu()
        subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        result.wall.append(time.perf_counter() - start)
        result.cpu.append(_children_cpu() - cpu_start)
    return result


def import_profile(env: dict[str, str]) -> tuple[list[tuple[str, float]], list[str], float]:
    """Top-level imports by cumulative time (ms), platform modules loaded, total import time (ms)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", "run", HELP],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )
    top: list[tuple[str, float]] = []
    loaded: set[str] = set()
    total = 0.0
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)", line)
        if not m:
            continue
        name = m.group(4)
        total += int(m.group(1)) / 1000
        if len(m.group(3)) == 1:
            top.append((name, int(m.group(2)) / 1000))
        root = name.split(".")[0]
        if root in PLATFORM_MODULES:
            loaded.add(root)
    top.sort(key=lambda item: -item[1])
    return top[:8], sorted(loaded), total


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(cmd: list[str], env: dict[str, str], path: str, port: int) -> float:
    """Seconds from starting `cmd` until `path` answers (200 for /healthz; any HTTP answer otherwise)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 30:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - start
            except urllib.error.HTTPError:
                if path != "/healthz":
                    return time.perf_counter() - start  # listening: the bare app has no health route
            except OSError:
                time.sleep(0.01)
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(10)


def serve_ready(url: str) -> float:
    """Seconds from starting `oppfolging serve` until /healthz answers 200."""
    port = _free_port()
    return _ready([*_oppfolging(), "serve", "--host", "127.0.0.1", "--port", str(port)], _env(url), "/healthz", port)


def bare_ready(url: str) -> float:
    """The baseline for `serve`: the bare slack-bolt app of the chat benchmark until it answers HTTP."""
    from bench.procs import service_env

    port = _free_port()
    env = service_env("sqlite://", "http://127.0.0.1:9/")
    return _ready([sys.executable, "-m", "bench.bare_slack", str(port)], env, "/slack/events", port)


def run(large: bool = False) -> str:
    with tempfile.TemporaryDirectory(prefix="oppf_startup_") as tmp:
        url = f"sqlite:///{Path(tmp) / 'startup.sqlite'}"
        env = _env(url)
        compile_bytecode(env)
        subprocess.run([*_oppfolging(), "init"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        log("start-up: cold processes")
        python_only = cold_runs([sys.executable, "-c", "pass"], env)
        importing = cold_runs([sys.executable, "-c", "import bot.cli"], env)
        # The database layer alone, loaded as `oppfolging` loads it (collector paused, then what was
        # loaded frozen; without the freeze the collection at exit alone costs ~0.1 s): what any
        # command that touches the database pays before it does anything of its own.
        orm = cold_runs([sys.executable, "-c", "import gc; gc.disable(); import sqlalchemy.orm; gc.freeze()"], env)
        run_help = cold_runs([*_oppfolging(), "run", HELP], env)
        run_list = cold_runs([*_oppfolging(), "run", "/oppfølging liste"], env)
        top, loaded, total = import_profile(env)
        ready = [serve_ready(url) for _ in range(3)]
        bare = [bare_ready(url) for _ in range(3)]
    interpreter = statistics.median(python_only.wall)
    bare_median = statistics.median(bare)

    def row(name: str, times: list[float], baseline: float, goal: str, cpu: list[float] | None = None) -> list[str]:
        median = statistics.median(times)
        return [name, fmt_ms(median * 1000), fmt_ms(max(times) * 1000),
                fmt_ms(statistics.median(cpu) * 1000) if cpu else "", fmt_ms(baseline * 1000),
                f"{median / baseline:.1f}×", goal]

    rows = [
        ["`python -c pass` (interpreter alone)", fmt_ms(interpreter * 1000), fmt_ms(max(python_only.wall) * 1000),
         fmt_ms(statistics.median(python_only.cpu) * 1000), "", "", ""],
        row("`python -c 'import bot.cli'`", importing.wall, interpreter, "", importing.cpu),
        row("`import sqlalchemy.orm` alone, as `oppfolging` loads it", orm.wall, interpreter, "", orm.cpu),
        row(f'`oppfolging run "{HELP}"`', run_help.wall, interpreter, "< 500", run_help.cpu),
        row('`oppfolging run "/oppfølging liste"` (demo-free database)', run_list.wall, interpreter, "", run_list.cpu),
        ["bare slack-bolt app until it answers HTTP", fmt_ms(bare_median * 1000), fmt_ms(max(bare) * 1000), "", "",
         "", ""],
        row("`oppfolging serve` until `/healthz` answers", ready, bare_median, "< 1000"),
    ]
    out = [
        f"Cold processes on a migrated SQLite database, {RUNS} runs each (3 for `serve` and the bare app);",
        "times in ms. *baseline*: the interpreter alone for the commands, the bare slack-bolt app of the chat",
        "benchmark (aiohttp and slack-bolt, nothing else) for `serve`; *ratio*: median / baseline; *goal*:",
        "issue 19's, in ms. `import sqlalchemy.orm` is what every command that uses the database pays",
        "first. *CPU median*: user + system CPU time of the same runs (from the kernel's account",
        "of the children); on this virtual machine the host's load stretches it as it does the wall time;",
        "its being equal to the wall time shows that the commands wait for nothing.",
        "",
        table(["command", "median", "slowest", "CPU median", "baseline", "ratio", "goal"], rows),
        "",
        f"`python -X importtime` of the `run` path: {total:.0f} ms of imports in all (importtime itself adds",
        "overhead). The biggest top-level imports, cumulative:",
        "",
        table(["module", "ms"], [[f"`{name}`", f"{ms:.0f}"] for name, ms in top]),
        "",
        "Platform SDKs and service-only libraries loaded on the `run` path: "
        + (", ".join(f"`{m}`" for m in loaded) if loaded else "none")
        + f" (checked: {', '.join(f'`{m}`' for m in PLATFORM_MODULES)}).",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(run())
