"""An Adaptive Cards validator: the official JSON schema of the version the bot declares, for every card it sends in tests.

The schema is Microsoft's own, vendored unchanged in tests/support/schemas/adaptive-card-1.5.json
(see tests/support/schemas/README.md for where it comes from). Two things are added here, each from
a documentation page:

- Teams' `msteams` property on a card (https://learn.microsoft.com/en-us/microsoftteams/platform/
  task-modules-and-cards/cards/cards-format#full-width-adaptive-card and #mention-support-within-
  adaptive-cards: `width: "Full"`, `entities` for mentions), which the schema's
  `additionalProperties: false` would refuse;
- what the renderers refuse although the schema allows it: an `Input.Choice` whose `value` or
  `title` is empty (the .NET and JavaScript renderers read "" as missing: `PropertyCantBeNull`),
  and a `,` in a choice value of a multi-select set (the schema's own note on `Input.Choice.value`).

Every card is checked where it leaves the bot: the fake Bot Connector (tests/support/fake_teams.py)
checks every activity posted or updated, and the Teams harness every HTTP answer (invoke responses,
message extension results). `adaptive_card_guard` (autouse, imported by tests/conftest.py) fails the
test in whose course a violation was seen.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "adaptive-card-1.5.json"
SCHEMA_VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

MSTEAMS = {
    "type": "object",
    "properties": {
        "width": {"enum": ["Full"]},
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"type": {"enum": ["mention"]}, "text": {"type": "string"},
                               "mentioned": {"type": "object", "required": ["id", "name"]}},
                "required": ["type", "text", "mentioned"],
            },
        },
    },
    "additionalProperties": False,
}


@cache
def validator() -> jsonschema.Draft6Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    schema = copy.deepcopy(schema)
    schema["definitions"]["AdaptiveCard"]["properties"]["msteams"] = MSTEAMS
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema)


def _version(value: Any) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(value).split("."))
    except ValueError:
        return (99,)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _walk(value, f"{path}/{n}")


def card_problems(card: Any) -> list[str]:
    """Every violation in one top-level card (empty: valid)."""
    if not isinstance(card, dict):
        return ["a card must be a JSON object"]
    problems: list[str] = []
    if card.get("type") != "AdaptiveCard":
        problems.append("type must be AdaptiveCard")
    if _version(card.get("version")) > _version(SCHEMA_VERSION):
        problems.append(f"version {card.get('version')!r} is newer than the schema checked ({SCHEMA_VERSION})")
    for error in validator().iter_errors(card):
        # anyOf over every element type: the deepest reason says more than "is not valid under any".
        best = jsonschema.exceptions.best_match([error])
        where = "/" + "/".join(str(p) for p in best.absolute_path)
        problems.append(f"{where}: {best.message[:300]}")
    for where, node in _walk(card):
        if node.get("type") == "Input.ChoiceSet":
            for n, choice in enumerate(node.get("choices") or []):
                if not isinstance(choice, dict):
                    continue
                for key in ("title", "value"):
                    if isinstance(choice.get(key), str) and not choice[key].strip():
                        problems.append(f"{where}/choices/{n}: empty {key} (renderers: PropertyCantBeNull)")
                if node.get("isMultiSelect") and "," in str(choice.get("value", "")):
                    problems.append(f"{where}/choices/{n}: a ',' in a multi-select value")
    return problems


def cards_in(payload: Any) -> list[dict[str, Any]]:
    """The Adaptive Cards anywhere in an activity or an invoke response."""
    found: list[dict[str, Any]] = []
    for _, node in _walk(payload):
        if node.get("contentType") == CONTENT_TYPE and "content" in node:
            found.append(node["content"])
        elif node.get("type") == CONTENT_TYPE and "value" in node:  # an invoke response's card
            found.append(node["value"])
    return found


def payload_problems(payload: Any) -> list[str]:
    return [f"card {n + 1}: {p}" for n, card in enumerate(cards_in(payload)) for p in card_problems(card)]


# --- failing the test --------------------------------------------------------------------------

VIOLATIONS: list[str] = []


def check(where: str, payload: Any) -> list[str]:
    """Check a payload the bot sent; violations are kept for `adaptive_card_guard` and returned."""
    problems = payload_problems(payload)
    VIOLATIONS.extend(f"{where}: {p}" for p in problems)
    return problems


@pytest.fixture(autouse=True)
def adaptive_card_guard() -> Iterator[None]:
    """Fails a test in whose course the bot sent Teams a card that breaks the Adaptive Cards schema."""
    VIOLATIONS.clear()
    yield
    found, VIOLATIONS[:] = list(VIOLATIONS), []
    if found:
        pytest.fail("the bot sent Teams invalid Adaptive Cards:\n" + "\n".join(found[:20]), pytrace=False)
