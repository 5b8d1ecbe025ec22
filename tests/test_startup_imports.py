"""`oppfolging run` starts without loading any platform SDK or the service's libraries.

Every `oppfolging` command imports all CLI modules to build its parser, so one top-level import of
aiohttp, slack_bolt or the Agents SDK in a CLI module costs every command ~0.1–0.3 s (see
docs/PERFORMANCE.md, start-up). This checks what a cold `run` has imported; it measures no time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE_ONLY = ("aiohttp", "slack_bolt", "slack_sdk", "microsoft_agents", "msal", "apscheduler", "alembic")

INIT = """
import contextlib, io, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["--database-url", sys.argv[1], "init"])
"""

RUN = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["--database-url", sys.argv[1], "run", "/oppfølging hjelp"])
print(json.dumps({"code": code, "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_run_loads_no_platform_sdk(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'startup.sqlite'}"
    subprocess.run([sys.executable, "-c", INIT, url], cwd=ROOT, check=True)  # migrating may load Alembic
    out = subprocess.run([sys.executable, "-c", RUN, url], cwd=ROOT, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert sorted(set(result["modules"]) & set(SERVICE_ONLY)) == []
