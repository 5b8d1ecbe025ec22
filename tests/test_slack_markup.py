"""Slack's escaping and markup read back into what the person meant (bot/slack/markup.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.markup import plain_text, unescape

FIXTURES = Path(__file__).parent / "fixtures" / "slack"


def run(text: str, names: dict[str, str] | None = None) -> str:
    async def name_of(user: str) -> str:
        return (names or {}).get(user, "")

    return asyncio.run(plain_text(text, name_of))


def slack_escape(text: str) -> str:
    """What Slack does to a typed text (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("Møte med KS &amp; KDD om &lt;budsjett&gt; innen 15.06.2027", "Møte med KS & KDD om <budsjett> innen 15.06.2027"),
        ("&amp;lt; is how you write &lt;", "&lt; is how you write <"),
        ("spør <@U0OLA0001>", "spør @Ola Nordmann"),
        ("spør <@U0OLA0001|ola>", "spør @ola"),
        ("spør <@U0UKJENT1>", "spør @U0UKJENT1"),
        ("i <#C0STYRE01|styringsgruppe>", "i #styringsgruppe"),
        ("i <#C0STYRE01>", "i #C0STYRE01"),
        ("<!subteam^S0AU00001|@au> se her", "@au se her"),
        ("<!here> og <!channel>", "@here og @channel"),
        ("<!date^1780000000^{date_short}|15. juni 2026>", "15. juni 2026"),
        ("se <https://example.no/notat?a=1&amp;b=2|notatet>", "se notatet (https://example.no/notat?a=1&b=2)"),
        ("se <https://example.no/>", "se https://example.no/"),
        ("<https://example.no|https://example.no>", "https://example.no"),
        ("skriv til <mailto:kari@example.no|kari@example.no>", "skriv til kari@example.no"),
        ("a &lt; b &gt; c", "a < b > c"),
    ],
)
def test_markup_becomes_what_was_meant(sent: str, meant: str) -> None:
    assert run(sent, {"U0OLA0001": "Ola Nordmann"}) == meant


def test_the_documented_event_fixture() -> None:
    event = json.loads((FIXTURES / "app_mention_escaped.json").read_text(encoding="utf-8"))["event"]
    text = run(event["text"], {"U0OLA0001": "Ola Nordmann", "U0BOT0001": "Oppfølging"})
    assert text == (
        "@Oppfølging ny AU: Møte med KS & KDD om <budsjett> – se notatet (https://example.no/notat?a=1&b=2), "
        "spør @Ola Nordmann i #styringsgruppe innen 15.06.2027"
    )


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_typed_text_survives_slack_escaping(typed: str) -> None:
    """Whatever a person types, escaped by Slack and read back, is what they typed: typed angle
    brackets arrive as entities, so they can never be mistaken for markup."""
    assert unescape(slack_escape(typed)) == typed
    assert run(slack_escape(typed)) == typed
