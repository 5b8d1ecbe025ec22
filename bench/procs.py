"""Starting and stopping the processes a benchmark talks to: `oppfolging serve` and the bare bolt app."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT

SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = "xoxb-" + secrets.token_hex(8)
USER = "UBENCH"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "MICROSOFT_"))}
    env.update({
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url.rstrip("/") + "/api/",
        "OPPFOLGING_ADMINS": f"slack:{USER}",
    })
    env.update(extra)
    return env


class Process:
    """A child process listening on 127.0.0.1:`port`; its output goes to a log file."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int, *, health: str | None) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path(tempfile.mkstemp(prefix=f"oppf_{name}_", suffix=".log")[1])
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready(health)

    def _wait_ready(self, health: str | None, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                if health:
                    with urllib.request.urlopen(self.url + health, timeout=1) as resp:
                        if resp.status == 200:
                            return
                else:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not start within {timeout:.0f} s")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_mib(self) -> float:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        self.log_path.unlink(missing_ok=True)


def start_serve(database_url: str, api_url: str, **extra: str) -> Process:
    port = free_port()
    cmd = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Process("serve", cmd, service_env(database_url, api_url, **extra), port, health="/healthz")


def start_bare(api_url: str) -> Process:
    port = free_port()
    env = service_env("sqlite://", api_url)
    return Process("bare", [sys.executable, "-m", "bench.bare_slack", str(port)], env, port, health=None)
