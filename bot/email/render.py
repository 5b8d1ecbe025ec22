"""A reply as a Norwegian e-mail: the same content as in chat, as plain text and as HTML.

E-mail has no buttons, so each button becomes the command it runs, written out
("Ferdig: /oppfølging ferdig 12"), to type to the bot in Slack or Teams. Every text from the
reply is escaped in the HTML part; `code` (backticks, as in chat) becomes <code>.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from handlers.core.catalog import t
from handlers.core.replies import ActionItem, Button, Reply

COMMAND = "/oppfølging"
_CODE = re.compile(r"`([^`\n]+)`")


def subject(reply: Reply) -> str:
    # A header is one line: a title with a line break must not add a header of its own.
    return " ".join(reply.title.split()) or t("email.subject_default")


def instruction(button: Button) -> str:
    """What the button does, as the command to type; commands in `backticks`, as in chat."""
    cmd = f"{COMMAND} {button.command}"
    if button.ask == "date":
        return t("email.action_date", label=button.label, command=f"`{cmd} {t('email.new_deadline')}`",
                 example=f"`{cmd} {t('email.deadline_example')}`")
    if button.ask == "text":
        return t("email.action_text", label=button.label, command=f"`{cmd} {t('email.text')}`")
    return t("email.action", label=button.label, command=f"`{cmd}`")


def _buttons(reply: Reply) -> list[Button]:
    """The reply's buttons, then its items' buttons, each command once."""
    seen: set[str] = set()
    found: list[Button] = []
    for button in [*reply.buttons, *(b for item in reply.items for b in item.buttons)]:
        if button.command not in seen:
            seen.add(button.command)
            found.append(button)
    return found


def _instructions(reply: Reply) -> tuple[str, list[str]]:
    """A heading and the commands that replace the buttons; for a list without buttons (a digest),
    one line saying how to close or postpone an item, with the first item's number."""
    buttons = _buttons(reply)
    if buttons:
        return t("email.actions_heading"), [instruction(b) for b in buttons]
    if reply.items:
        first = reply.items[0].id
        return t("email.items_hint", done=f"`{COMMAND} ferdig {first}`",
                 postpone=f"`{COMMAND} utsett {first} {t('email.new_deadline')}`"), []
    return "", []


def _meta(item: ActionItem) -> list[str]:
    meta = [", ".join(item.parties), item.deadline_label]
    if item.status != "open":
        meta.append(item.status_label)
    if item.meeting:
        meta.append(item.meeting)
    if item.case:
        meta.append(t("email.case", case=item.case))
    return [m for m in meta if m]


# --- plain text -----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return _CODE.sub(r"\1", text)


def render_text(reply: Reply) -> str:
    out: list[str] = []
    if reply.title:
        out += [reply.title, "=" * min(len(reply.title), 72), ""]
    out += [("⚠ " if reply.error and n == 0 else "") + _plain(line) for n, line in enumerate(reply.lines)]
    for section in reply.sections:
        out.append("")
        if section.title:
            out += [section.title, "-" * min(len(section.title), 72)]
        out += [_plain(line) for line in section.lines]
        for item in section.items:
            meta = " · ".join(_meta(item))
            if item.overdue:
                meta += f"  ⚠ {t('email.overdue')}"
            out += [f"#{item.id} {item.text}", f"   {meta}"]
    heading, steps = _instructions(reply)
    if heading:
        out += ["", _plain(heading)]
        out += [f"  - {_plain(step)}" for step in steps]
    out += ["", "-- ", t("email.footer")]
    # Collapse the blank lines an empty section leaves
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out).strip("\n"))
    return text + "\n"


# --- HTML -----------------------------------------------------------------------------------------


def _html(text: str) -> str:
    """Escaped text, with `code` spans as <code> (the backticks survive escaping unchanged)."""
    return _CODE.sub(r"<code>\1</code>", escape(text, quote=True))


def render_html(reply: Reply) -> str:
    body: list[str] = []
    if reply.title:
        body.append(f'<h1 style="font-size:20px;margin:0 0 12px">{_html(reply.title)}</h1>')
    for n, line in enumerate(reply.lines):
        prefix = "⚠ " if reply.error and n == 0 else ""
        body.append(f'<p style="margin:0 0 6px">{prefix}{_html(line)}</p>')
    for section in reply.sections:
        if section.title:
            body.append(f'<h2 style="font-size:16px;margin:18px 0 6px">{_html(section.title)}</h2>')
        for line in section.lines:
            body.append(f'<p style="margin:6px 0">{_html(line)}</p>')
        if section.items:
            body.append('<ul style="padding-left:18px;margin:6px 0">')
            for item in section.items:
                meta = _html(" · ".join(_meta(item)))
                if item.overdue:
                    meta += f' <strong style="color:#b00020">⚠ {_html(t("email.overdue"))}</strong>'
                body.append(f'<li style="margin:0 0 6px"><strong>#{item.id}</strong> {_html(item.text)}<br>'
                            f'<span style="color:#555">{meta}</span></li>')
            body.append("</ul>")
    heading, steps = _instructions(reply)
    if heading:
        body.append(f'<p style="margin:18px 0 6px">{_html(heading)}</p>')
        if steps:
            body.append('<ul style="padding-left:18px;margin:6px 0">')
            body += [f"<li>{_html(step)}</li>" for step in steps]
            body.append("</ul>")
    body.append(f'<hr style="border:none;border-top:1px solid #ddd;margin:18px 0 8px">'
                f'<p style="color:#777;font-size:12px;margin:0">{_html(t("email.footer"))}</p>')
    title = escape(subject(reply))
    return ('<!DOCTYPE html>\n<html lang="nb">\n<head><meta charset="utf-8"><title>'
            f"{title}</title></head>\n"
            '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;line-height:1.4">\n'
            + "\n".join(body) + "\n</body>\n</html>\n")


# --- the message ----------------------------------------------------------------------------------


def build_message(reply: Reply, *, to: str, sender: str, when: datetime, message_id: str) -> EmailMessage:
    """An RFC 5322 message with a text/plain and a text/html alternative (both UTF-8)."""
    message = EmailMessage()
    message["Subject"] = subject(reply)
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    # RFC 3834: no auto-replies (out-of-office) back to the bot
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(reply), subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(render_html(reply), subtype="html", charset="utf-8", cte="quoted-printable")
    # After the content: setting it clears every Content-* header
    message["Content-Language"] = "nb"
    return message
