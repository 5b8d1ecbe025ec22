"""`oppfolging run` starts without loading any platform SDK or the service's libraries.

Every `oppfolging` command builds the whole parser, so one top-level import of aiohttp, slack_bolt
or the Agents SDK in a CLI module costs every command ~0.1–0.3 s (see docs/PERFORMANCE.md,
start-up). The same goes for the libraries only one command or one kind of upload needs (signed
links, Word and PDF readers, spreadsheets, iCalendar, templates, metrics, holidays): they load
inside the function that uses them. This checks what a cold process has imported; it measures no
time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE_ONLY = ("aiohttp", "slack_bolt", "slack_sdk", "microsoft_agents", "msal", "apscheduler", "alembic")
# Libraries that a few commands need, each loaded by the function that uses it.
HEAVY = (
    *SERVICE_ONLY,
    "jwt", "cryptography",  # overview links, Teams tokens
    "docx", "docxtpl", "openpyxl", "pdfplumber", "pdfminer", "pypdf",  # imports, exports, reports
    "icalendar",  # calendar import and feed
    "jinja2",  # the overview pages
    "prometheus_client",  # /metrics
    "holidays",  # the first date that needs to know the Norwegian public holidays
    "requests", "yaml",
)

INIT = """
import contextlib, io, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["--database-url", sys.argv[1], "init"])
"""

RUN = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["--database-url", sys.argv[1], "run", "/oppfølging hjelp"])
print(json.dumps({"code": code, "reply": out.getvalue(),
                  "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""

# Importing the command line and writing every command's help: argparse only, no command's code.
HELP = """
import argparse, json, sys
import bot.cli

def helps(parser):
    yield parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from helps(sub)

texts = list(helps(bot.cli.build_parser()))
print(json.dumps({"helps": len(texts), "text": "\\n".join(texts), "modules": sorted(sys.modules)}))
"""


def _last_json(proc: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_run_loads_no_platform_sdk(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'startup.sqlite'}"
    subprocess.run([sys.executable, "-c", INIT, url], cwd=ROOT, check=True)  # migrating may load Alembic
    out = subprocess.run([sys.executable, "-c", RUN, url], cwd=ROOT, check=True, capture_output=True, text=True)
    result = _last_json(out)
    assert result["code"] == 0
    assert "ny" in result["reply"] and "liste" in result["reply"]  # the help was answered, from every command
    assert sorted(set(result["modules"]) & set(SERVICE_ONLY)) == []
    assert sorted(set(result["modules"]) & set(HEAVY)) == []


def test_the_parser_is_built_without_any_command_code() -> None:
    out = subprocess.run([sys.executable, "-c", HELP], cwd=ROOT, check=True, capture_output=True, text=True)
    result = _last_json(out)
    loaded = set(result["modules"])
    assert sorted({name.split(".")[0] for name in loaded} & set(HEAVY)) == []
    # No use case, no database, no platform code: the command's module loads when it is chosen.
    assert sorted(name for name in loaded if name.split(".")[0] in ("handlers", "storage", "sqlalchemy")) == []
    assert "bot.app" not in loaded
    # ...and yet every command and option is in the help.
    assert result["helps"] >= 38
    for text in ("serve", "import", "teams-package", "--database-url", "--now", "--json", "healthcheck",
                 "retention", "roster", "digest", "overview"):
        assert text in result["text"]


def test_the_parser_offers_the_duplicate_choices_of_the_use_case() -> None:
    from bot.cli.importing import DUPLICATES
    from handlers.importing.duplicates import CHOICES

    assert DUPLICATES == CHOICES


HEALTHCHECK = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["healthcheck", "--url", "http://127.0.0.1:9/readyz", "--timeout", "0.2"])
print(json.dumps({"code": code, "said": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_healthcheck_reads_the_configuration_without_the_database_layer() -> None:
    """The container runs `oppfolging healthcheck` every 30 s: it asks /readyz and loads no model."""
    out = subprocess.run([sys.executable, "-c", HEALTHCHECK], cwd=ROOT, check=True, capture_output=True, text=True)
    result = _last_json(out)
    assert result["code"] == 1 and "no answer" in result["said"]  # nothing listens on port 9
    loaded = set(result["modules"])
    assert sorted(name for name in loaded if name.split(".")[0] in ("handlers", "storage", *HEAVY)) == []
    assert "sqlalchemy.orm" not in loaded and "bot.app" not in loaded


SERVE = """
import json, sys
from bot.app import App
from bot.config import Settings
from bot.server import build_web_app

anonymous = sys.argv[2] == "teams"
app = App(Settings(database_url=sys.argv[1], teams_anonymous=anonymous))
routes = sorted({getattr(r.resource, "canonical", "") for r in build_web_app(app).router.routes()})
print(json.dumps({"routes": routes, "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_serve_without_teams_starts_without_the_agents_sdk(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    without = _last_json(subprocess.run([sys.executable, "-c", SERVE, url, "-"], cwd=ROOT, check=True,
                                        capture_output=True, text=True))
    assert "/api/messages" not in without["routes"] and "/readyz" in without["routes"]
    later = ("microsoft_agents", "msal", "pydantic", "jwt", "cryptography", "requests", "icalendar", "jinja2",
             "docx", "openpyxl", "pdfplumber", "holidays")
    assert sorted(set(without["modules"]) & set(later)) == []
    # With a Teams setting (here the development mode without tokens) Teams is set up as before.
    with_teams = _last_json(subprocess.run([sys.executable, "-c", SERVE, url, "teams"], cwd=ROOT, check=True,
                                           capture_output=True, text=True))
    assert "/api/messages" in with_teams["routes"]
    assert "microsoft_agents" in with_teams["modules"]


# `oppfolging` pauses the cyclic collector while the process loads (docs/PERFORMANCE.md, start-up):
# the command itself runs with it, and a command that fails before loading leaves it running too.
CONSOLE = """
import contextlib, gc, io, json, sys
import bot.cli.core as core
import bot.server as server
seen = {}

def spy_reply(reply, as_json):
    seen["run"] = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
    return 0

def spy_run(app, *, host, port, web_app):
    seen["serve"] = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "routes": len(web_app.router.routes())}

core.print_reply = spy_reply
server.run = spy_run
from bot.cli import console
url = sys.argv[1]
before = gc.isenabled()
codes = []
for argv in (["run", "/oppfølging hjelp"], ["serve", "--port", "9"], ["no-such-command"]):
    sys.argv = ["oppfolging", "--database-url", url, *argv]
    gc.unfreeze()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            codes.append(console())
    except SystemExit as exc:
        codes.append(exc.code)
    seen.setdefault("after", []).append(gc.isenabled())
print(json.dumps({"before": before, "codes": codes, **seen}))
"""


def test_the_console_pauses_the_collector_only_while_loading(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'console.sqlite'}"
    subprocess.run([sys.executable, "-c", INIT, url], cwd=ROOT, check=True)
    result = _last_json(subprocess.run([sys.executable, "-c", CONSOLE, url], cwd=ROOT, check=True,
                                       capture_output=True, text=True))
    assert result["before"] is True
    assert result["codes"] == [0, 0, 2]
    # The command ran with the collector on, and what was loaded before it was set aside.
    assert result["run"]["enabled"] is True and result["run"]["frozen"] > 10_000
    assert result["serve"]["enabled"] is True and result["serve"]["frozen"] > 10_000
    assert result["serve"]["routes"] > 3  # the web service was built before the collector resumed
    assert result["after"] == [True, True, True]
