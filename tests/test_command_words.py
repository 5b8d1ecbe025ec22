"""The command language is one table (handlers/core/command_words.py); features supply handlers.

A command's module is imported the first time it is used, so these check that the table and the
handlers agree, and that a one-shot command loads only its own feature (docs/PERFORMANCE.md,
start-up). Nothing here measures time.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import handlers
from handlers.core import registry
from handlers.core.command_words import FORM_MODULES, TABLE, Entry
from handlers.core.text import fold

ROOT = Path(__file__).resolve().parent.parent


def _import_every_handler_module() -> None:
    """Every module under handlers/: a `@command` for a name the table lacks would raise here."""
    for info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(info.name)


def test_every_entry_has_its_handler_in_the_module_it_names() -> None:
    _import_every_handler_module()
    for entry in TABLE:
        handler = registry.COMMANDS[fold(entry.name)].handler
        assert handler.__module__ == entry.module, entry.name
        for word in entry.words:
            assert registry.COMMANDS[fold(word)].name == entry.name


def test_every_form_is_submitted_to_a_form_module() -> None:
    _import_every_handler_module()
    assert {"new_action", "new_meeting"} <= set(registry.FORMS)
    assert {submit.__module__ for submit in registry.FORMS.values()} == set(FORM_MODULES)


def test_a_handler_for_a_command_the_table_lacks_is_refused() -> None:
    with pytest.raises(RuntimeError, match="command_words"):
        registry.command("finnes-ikke")
    with pytest.raises(RuntimeError, match="command_words"):
        registry.command("list")  # an alias is no name: the handler is named by the first word

    def cmd_list(ctx, args):  # type: ignore[no-untyped-def]
        raise AssertionError

    with pytest.raises(RuntimeError, match=r"belongs to handlers\.actions\.commands"):
        registry.command("liste")(cmd_list)  # defined in this test module, not in the feature


def test_a_word_that_names_two_commands_is_refused() -> None:
    table = (Entry("liste", ("list",), None, "handlers.actions.commands"),
             Entry("vis", ("LIST",), None, "handlers.actions.commands"))
    with pytest.raises(RuntimeError, match="names both"):
        registry.index(table)


def test_the_help_lists_the_table_in_order() -> None:
    from handlers.core.catalog import t

    keys = registry.help_keys()
    assert keys == [entry.help_key for entry in TABLE if entry.help_key]
    assert len(keys) == len(TABLE) - 1  # every command but `hjelp` itself
    assert [t(key) for key in keys][:2] == [t("help.list"), t("help.mine")]


LOADED = """
import contextlib, io, json, sys
from bot.cli import main
url, text = sys.argv[1], sys.argv[2]
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["--database-url", url, "run", text])
from storage.models import Party
print(json.dumps({"code": code, "reply": out.getvalue(), "configured": Party.__mapper__.configured,
                  "modules": sorted(name for name in sys.modules if name.startswith("handlers."))}))
"""

FEATURES = sorted({entry.module for entry in TABLE} | set(FORM_MODULES) | {"handlers.meetings.questions"})


def _run(url: str, text: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-c", LOADED, url, text], cwd=ROOT, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_one_shot_command_loads_only_its_own_feature(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lazy.sqlite'}"
    subprocess.run([sys.executable, "-m", "bot.cli", "--database-url", url, "init"], cwd=ROOT, check=True,
                   capture_output=True)
    helped = _run(url, "/oppfølging hjelp")
    assert helped["code"] == 0 and "`liste" in helped["reply"] and "`dekning" in helped["reply"]
    assert sorted(set(helped["modules"]) & set(FEATURES)) == ["handlers.core.help"]
    # The registry is read in Core when nothing changed, and `hjelp` needs no mapped class either.
    assert helped["configured"] is False

    listed = _run(url, "/oppfølging liste AU")
    assert listed["code"] == 0 and "Oppfølgingspunkter" in listed["reply"]
    assert "handlers.actions.commands" in listed["modules"]
    assert "handlers.meetings.commands" not in listed["modules"]

    # Text that names no command may be a question; if it is none, the suggestions come from the
    # table, without loading the commands they name.
    typo = _run(url, "/oppfølging møtr")
    assert "Mente du `/oppfølging møter`?" in typo["reply"]
    assert sorted(set(typo["modules"]) & set(FEATURES)) == ["handlers.meetings.questions"]


SERVE = """
import json, sys
from bot.app import App
from bot.config import Settings
from bot.server import build_web_app

before = sorted(name for name in sys.modules if name.startswith("handlers."))
build_web_app(App(Settings(database_url=sys.argv[1])))
print(json.dumps({"before": before, "after": sorted(name for name in sys.modules if name.startswith("handlers."))}))
"""


def test_the_service_loads_every_feature_before_its_first_request(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    out = subprocess.run([sys.executable, "-c", SERVE, url], cwd=ROOT, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "handlers.meetings.questions" not in result["before"]  # the platform adapters do not import all
    assert sorted(set(FEATURES) - set(result["after"])) == []
