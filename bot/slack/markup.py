"""Slack's message markup read back into what the person meant.

Slack sends the text of messages, mentions and (escaped) slash commands with `&`, `<` and `>` as
HTML entities, and with its own markup for mentions, channels and links
(https://api.slack.com/reference/surfaces/formatting#escaping,
https://api.slack.com/reference/surfaces/formatting#retrieving-messages):

    <@U0123ABC>               a person        -> "@Kari Nordmann" (the name from users.info)
    <@U0123ABC|kari>          a person (slash commands with escaping on) -> "@kari"
    <#C0123ABC|styringsgruppe> a channel       -> "#styringsgruppe"
    <!subteam^S0123|@au>      a user group    -> "@au"
    <!here>, <!channel>       a broadcast     -> "@here", "@channel"
    <!date^1392734382^{date}|fallback>        -> "fallback"
    <https://example.no|Notat> a link         -> "Notat (https://example.no)"
    <mailto:kari@example.no|kari@example.no>  -> "kari@example.no"

What is stored is plain text: every platform (Slack, Teams, e-mail, the overview page) shows it
as the person wrote it, and each renderer escapes it for its own format.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

_TOKEN = re.compile(r"<([^<>\n]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))  # &amp; last: "&amp;lt;" is a literal "&lt;"

NameOf = Callable[[str], Awaitable[str]]


_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^<>]*)?>[\s,:]*")


def without_leading_mention(text: str) -> str:
    """An app mention starts with the bot's own mention: it addresses the bot, it is not content."""
    return _LEADING_MENTION.sub("", text, count=1)


def unescape(text: str) -> str:
    """Slack's three entities back to characters (nothing else is entity-encoded by Slack)."""
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


async def plain_text(text: str, name_of: NameOf | None = None) -> str:
    """`text` as Slack sent it -> the text the person meant. `name_of(user_id)` gives a person's
    display name (users.info); without it, or when it has none, the id is kept after the @."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(unescape(text[position : match.start()]))
        out.append(await _token(match.group(1), name_of))
        position = match.end()
    out.append(unescape(text[position:]))
    return "".join(out)


async def _token(inner: str, name_of: NameOf | None) -> str:
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        user = target[1:]
        if label:
            return "@" + label.lstrip("@")
        name = await name_of(user) if name_of is not None else ""
        return "@" + (name or user)
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return "@" + (label.lstrip("@") or target.removeprefix("!subteam^"))
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!"):
        return "@" + target[1:]
    url = unescape(target)
    if url.startswith("mailto:"):
        return label or url.removeprefix("mailto:")
    if not label or label == url:
        return url
    return f"{label} ({url})"
