"""`manifest.yaml`: valid against Slack's published schema, and exactly what the service listens to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack import listeners
from tests.conftest import ROOT, SHARED

SCHEMA = SHARED / "schemas" / "slack-app-manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))


@pytest.mark.skipif(not SCHEMA.is_file(), reason="../shared/schemas is not present")
def test_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads(Path(SCHEMA).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(manifest)


def test_manifest_declares_what_the_service_uses(manifest: dict[str, Any]) -> None:
    features, settings = manifest["features"], manifest["settings"]
    commands = {c["command"]: c for c in features["slash_commands"]}
    assert set(commands) == set(listeners.COMMANDS) == {"/oppfølging", "/oppfolging"}
    assert all(c["usage_hint"] for c in commands.values())
    assert features["app_home"] == {"home_tab_enabled": True, "messages_tab_enabled": True,
                                    "messages_tab_read_only_enabled": False}
    assert features["bot_user"]["display_name"] == "Oppfølging"
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_home_opened", "app_mention", "message.im"}


def test_manifest_asks_only_for_the_scopes_needed(manifest: dict[str, Any]) -> None:
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted([
        "commands", "chat:write", "channels:join", "channels:read", "groups:read", "im:write", "im:history",
        "app_mentions:read", "users:read", "usergroups:read", "files:read", "users:read.email",
    ])
    assert "user" not in manifest["oauth_config"]["scopes"]
