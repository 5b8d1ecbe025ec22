"""A `Reply` as JSON and back, so a claimed notification is sent exactly as it was planned.

The reply is stored in `Notification.payload` when the notification is claimed: a retry after a
crash or an outage sends the same message the dry run showed, not a re-rendering of later data.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from handlers.core.replies import ActionItem, Button, Reply, Section


def reply_to_json(reply: Reply) -> dict[str, Any]:
    if reply.form is not None:
        raise ValueError("a notification cannot open a form")
    data = asdict(reply)
    data.pop("form", None)
    data.pop("field_errors", None)
    for section in data["sections"]:
        for item in section["items"]:
            item["deadline"] = item["deadline"].isoformat() if item["deadline"] else None
    return data


def _button(data: dict[str, Any]) -> Button:
    return Button(**data)


def _item(data: dict[str, Any]) -> ActionItem:
    values = dict(data)
    values["deadline"] = date.fromisoformat(values["deadline"]) if values["deadline"] else None
    values["parties"] = tuple(values["parties"])
    values["party_keys"] = tuple(values["party_keys"])
    values["buttons"] = tuple(_button(b) for b in values["buttons"])
    return ActionItem(**values)


def reply_from_json(data: dict[str, Any]) -> Reply:
    return Reply(
        title=data.get("title", ""),
        lines=list(data.get("lines", [])),
        sections=[
            Section(title=s["title"], items=[_item(i) for i in s["items"]], lines=list(s["lines"]))
            for s in data.get("sections", [])
        ],
        buttons=[_button(b) for b in data.get("buttons", [])],
        error=bool(data.get("error", False)),
        private=bool(data.get("private", False)),
        data=data.get("data"),
    )
