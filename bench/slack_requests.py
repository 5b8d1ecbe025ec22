"""Signed Slack requests, built the way Slack sends them (HMAC-SHA256 over `v0:<timestamp>:<body>`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any

FORM = "application/x-www-form-urlencoded"


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}", "Content-Type": FORM}


def slash_command(text: str, *, user: str, response_url: str, trigger_id: str, channel: str = "CBENCH",
                  command: str = "/oppfølging") -> str:
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": "T0001", "team_domain": "testlag", "channel_id": channel,
        "channel_name": "oppfolging", "user_id": user, "user_name": user.lower(), "command": command,
        "text": text, "api_app_id": "A0001", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id,
    })


def button_click(command: str, *, item: int | None, user: str, response_url: str, trigger_id: str,
                 channel: str = "CBENCH") -> str:
    """A click on one of the bot's buttons in a private (ephemeral) answer."""
    value: dict[str, Any] = {"c": command}
    if item is not None:
        value["i"] = item
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001", "token": "legacy",
        "container": {"type": "message", "message_ts": "1790000000.000100", "channel_id": channel,
                      "is_ephemeral": True},
        "trigger_id": trigger_id, "team": {"id": "T0001", "domain": "testlag"},
        "channel": {"id": channel, "name": "oppfolging"},
        "response_url": response_url,
        "actions": [{"action_id": "oppf_btn_0", "block_id": "b0", "type": "button",
                     "value": json.dumps(value, ensure_ascii=False, separators=(",", ":")),
                     "text": {"type": "plain_text", "text": "Ferdig"}, "action_ts": "1790000000.000200"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
