"""How a command is typed on each platform, and texts rewritten to show that way.

The catalogue writes commands the Slack way, marked as code: "Skriv `/oppfølging liste`". In Teams a
`/` opens Teams' own command menu, so a Teams user is shown what works there: `@Oppfølging liste`
in a channel or group chat (the bot only hears messages that mention it), plain `liste` in the 1:1
chat with the bot. Slack, the terminal and e-mail keep `/oppfølging liste`.

The rule lives here; adapters only say where a text is going (the actor's platform and, for Teams,
the kind of conversation: `Context.conversation_kind`, or a reminder's `Destination.kind`). Only
the marked command texts are rewritten, never what a user wrote.
"""

from __future__ import annotations

import re
from dataclasses import replace

from handlers.core.replies import Form, FormField, Reply, Section

SLASH = "/oppfølging"
MENTION = "@Oppfølging"
TEAMS = "teams"
PERSONAL = "personal"  # a Teams 1:1 chat with the bot
# A reminder sent to a person goes to their 1:1 chat (`Destination.kind`); anything else is a channel or group chat.
PERSONAL_KINDS = frozenset({PERSONAL, "user"})

# "`/oppfølging liste`" and a bare "`/oppfølging`": the catalogue's marked commands (also without ø).
_MARKED = re.compile(r"`/oppf(?:ø|o|oe)lging(?: +(?=[^`\s])|(?=`))")


def prefix(platform: str, kind: str = "") -> str:
    """What goes before a command word on this platform: "/oppfølging ", "@Oppfølging " or nothing."""
    if platform != TEAMS:
        return SLASH + " "
    return "" if kind in PERSONAL_KINDS else MENTION + " "


def command_text(command: str, platform: str, kind: str = "") -> str:
    """`command` ("liste AU") as a user types it here: `/oppfølging liste AU`, `@Oppfølging liste AU` or `liste AU`."""
    return prefix(platform, kind) + command.strip()


def text_for(text: str, platform: str, kind: str = "") -> str:
    """A catalogue text with its marked `/oppfølging …` commands shown the way this platform takes them."""
    if platform != TEAMS or "`/oppf" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        if match.group(0).endswith(" "):
            return "`" + prefix(platform, kind)
        return "`" + MENTION  # the bot itself, named without a command

    return _MARKED.sub(one, text)


def _section(section: Section, platform: str, kind: str) -> Section:
    return replace(section, title=text_for(section.title, platform, kind),
                   lines=[text_for(line, platform, kind) for line in section.lines])


def _field(f: FormField, platform: str, kind: str) -> FormField:
    return replace(f, hint=text_for(f.hint, platform, kind), placeholder=text_for(f.placeholder, platform, kind))


def _form(form: Form, platform: str, kind: str) -> Form:
    return replace(form, fields=[_field(f, platform, kind) for f in form.fields])


def reply_for(reply: Reply, platform: str, kind: str = "") -> Reply:
    """`reply` with every catalogue text showing commands the platform's way (action texts are left as typed)."""
    if platform != TEAMS:
        return reply
    return replace(
        reply,
        title=text_for(reply.title, platform, kind),
        lines=[text_for(line, platform, kind) for line in reply.lines],
        sections=[_section(s, platform, kind) for s in reply.sections],
        form=_form(reply.form, platform, kind) if reply.form is not None else None,
    )
