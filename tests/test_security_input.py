"""Hostile input: stored as typed, rendered safely, never an error.

Very long texts (10 000 characters), control characters, Slack mrkdwn and Adaptive Card
injection, SQL-like strings, right-to-left and emoji text go through the real command path on a
real database, come back through `vis`, and through the Slack and Teams renderers. Property tests
(hypothesis) do the same for any text: the command parser, the date and party resolvers, and the
renderers (valid Block Kit within Slack's limits; an Adaptive Card whose text cannot create
elements, links or mentions).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from bot.slack import blocks as slack_blocks
from bot.teams import cards as teams_cards
from handlers import router
from handlers.actions import lifecycle
from handlers.core.context import Actor
from handlers.core.replies import ActionItem, Button, Reply, Section
from handlers.core.text import clean_input
from handlers.dates.parse import DateError, parse_date
from handlers.dates.sentence import split_deadline
from storage.models import Action, Comment
from storage.registry import REGISTRY
from tests.conftest import NOW, Bot

KARI = Actor("slack", "UKARI", "Kari")
TEN_THOUSAND = " ".join(f"ord{n}" for n in range(1700))[:10_000]

HOSTILE = [
    TEN_THOUSAND,
    "<!channel> <!here> <!everyone> hei <@U0123ABC> og <#C0123|generelt> <!subteam^S0123|@au>",
    "@channel @here @everyone se #generelt",
    "<https://evil.example/login|Logg inn her> og https://evil.example/x",
    "[Klikk her](https://evil.example/steal) **fet** _kursiv_ ~~borte~~ `kode`",
    '{"type": "Action.OpenUrl", "url": "https://evil.example"} ${jndi:ldap://x} {{DATE(2017-02-14T06:00:00Z)}}',
    "<at>Ola Nordmann</at> <script>alert(1)</script> &amp; &lt;",
    "Robert'); DROP TABLE actions; -- og 1 OR 1=1; DELETE FROM comments",
    "مرحبا بالعالم — עברית \u202eexe.txt\u202c blandet med norsk",
    "🎉 Feiring 👩‍👩‍👧‍👦 🇳🇴 med emoji \U0001f9d1\u200d\U0001f4bb",
    "Linje én\nLinje to\n\n- punkt\n1. nummer\n> sitat",
    "%s %d {0} {text} {id!r} %(name)s",
]

# What the bot keeps of each: control characters go, broken UTF-16 halves become U+FFFD.
CONTROL = "Tekst\x00 med\x1b[31m styre\x07tegn\x9b og\u0085 mer\ud800"
CONTROL_KEPT = "Tekst med[31m styretegn og mer\ufffd"


def say(app: App, text: str, actor: Actor = KARI) -> Reply:
    return app.handle(text, actor, now=NOW)


def stored(app: App, action_id: int) -> Action:
    with app.sessions() as session:
        row = session.get(Action, action_id)
        assert row is not None
        return row


# --- through the command path, on SQLite and PostgreSQL --------------------------------------------


def test_hostile_texts_are_stored_verbatim_and_shown_whole(bot: Bot) -> None:
    admin = Actor("slack", "UADMIN", "Admin")
    assert not say(bot.app, "medlem AU").error
    for text in HOSTILE:
        created = say(bot.app, f"/oppfølging ny AU: {text}")
        assert not created.error, (text[:60], created.lines)
        action_id = created.data["action"]["id"]
        assert stored(bot.app, action_id).text == text.strip()
        shown = say(bot.app, f"vis {action_id}")
        assert not shown.error and shown.items[0].text == text.strip()
        commented = say(bot.app, f"kommenter {action_id} {text}")
        assert not commented.error, commented.lines
        edited = say(bot.app, f"endre {action_id} {text} (endret)", admin)
        assert not edited.error, edited.lines
        assert_safe_everywhere(shown)
    with bot.app.sessions() as session:
        comments = session.scalars(select(Comment.text).order_by(Comment.id)).all()
    assert comments == [text.strip() for text in HOSTILE]


def test_control_characters_are_removed_and_nothing_else(bot: Bot) -> None:
    created = say(bot.app, f"ny AU: {CONTROL}")
    assert not created.error, created.lines
    assert stored(bot.app, created.data["action"]["id"]).text == CONTROL_KEPT


def test_forms_take_the_same_care(bot: Bot) -> None:
    """A form skips the command parser; its fields are cleaned (and limited) the same way."""
    def submit(values: dict[str, Any]) -> Reply:
        return bot.app.handle("", KARI, now=NOW, run=lambda ctx: router.submit_form(ctx, "new_action", values, {}))

    reply = submit({"text": CONTROL, "parties": ["au"], "case": "24/1\x00"})
    assert not reply.error, reply.lines
    row = stored(bot.app, reply.data["action"]["id"])
    assert (row.text, row.case_ref) == (CONTROL_KEPT, "24/1")
    too_long = submit({"text": "x" * (lifecycle.MAX_TEXT + 1), "parties": ["au"]})
    assert too_long.error and "text" in too_long.field_errors


def test_too_long_is_refused_with_a_reason_and_stores_nothing(bot: Bot) -> None:
    reply = say(bot.app, "ny AU: " + "x" * (lifecycle.MAX_TEXT + 1))
    assert reply.error and str(lifecycle.MAX_TEXT) in reply.lines[0].replace("\u00a0", "").replace(" ", "")
    with bot.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0


def test_a_long_text_is_shortened_in_lists_and_whole_in_vis(bot: Bot) -> None:
    created = say(bot.app, f"ny AU: {TEN_THOUSAND}")
    action_id = created.data["action"]["id"]
    listed = say(bot.app, "liste").items[0]
    assert len(listed.text) < 4200 and f"vis {action_id}" in listed.text
    assert say(bot.app, f"vis {action_id}").items[0].text == TEN_THOUSAND
    # …and whole across blocks and cards: Slack sections of at most 3000 characters, Teams cards under the limit.
    messages = slack_blocks.render(say(bot.app, f"vis {action_id}"))
    sections = [b for m in messages for b in m.blocks if b["type"] == "section"]
    assert squeeze("".join(unescape(b["text"]["text"]) for b in sections)).count(squeeze(TEN_THOUSAND)) == 1


def test_long_display_names_from_a_platform_are_kept_within_the_column(bot: Bot) -> None:
    reply = say(bot.app, "ny AU: Fra en med langt navn", Actor("teams", "oid-1", "Navn " * 60))
    assert not reply.error, reply.lines


# --- the renderers -------------------------------------------------------------------------------


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def squeeze(text: str) -> str:
    return "".join(text.split())


def walk(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out += walk(value)
    elif isinstance(node, list):
        for value in node:
            out += walk(value)
    return out


TEAMS_TYPES = {"AdaptiveCard", "RichTextBlock", "TextRun", "Container", "ActionSet", "Action.Execute",
               "Action.ShowCard", "Input.Date", "Input.Text"}


def assert_slack_safe(reply: Reply, user_texts: list[str]) -> None:
    messages = slack_blocks.render(reply)
    for message in messages:
        assert 0 < len(message.blocks) <= slack_blocks.MAX_MESSAGE_BLOCKS
        assert len(message.text) <= slack_blocks.MAX_FALLBACK_TEXT
        json.dumps(message.blocks)
        for element in walk(message.blocks):
            if element.get("type") == "mrkdwn":
                # No <…> syntax at all (user text cannot make a mention, channel link or link), and
                # verbatim, so Slack does not turn plain @here or a URL into one either.
                assert "<" not in element["text"] and ">" not in element["text"].replace("&gt;", "")
                assert element.get("verbatim") is True
                assert 0 < len(element["text"]) <= slack_blocks.MAX_SECTION_TEXT
            if element.get("type") == "header":
                assert len(element["text"]["text"]) <= slack_blocks.MAX_HEADER_TEXT
            if element.get("type") == "button":
                assert len(element["value"]) <= slack_blocks.MAX_BUTTON_VALUE
        assert "<" not in message.text
    shown = squeeze(unescape("".join(b["text"]["text"] for m in messages for b in m.blocks
                                     if b.get("type") == "section")))
    headers = squeeze("".join(b["text"]["text"] for m in messages for b in m.blocks if b.get("type") == "header"))
    for text in user_texts:
        assert squeeze(text) in shown or squeeze(text) in headers, text[:80]


def assert_teams_safe(reply: Reply, user_texts: list[str]) -> None:
    rendered = teams_cards.render(reply)
    runs: list[str] = []
    for card in rendered:
        raw = json.dumps(card, ensure_ascii=False)
        assert len(raw.encode("utf-8")) <= teams_cards.MAX_CARD_BYTES
        for element in walk(card):
            kind = element.get("type")
            if kind is None:
                continue  # data of an action, a style, …
            assert kind in TEAMS_TYPES, kind
            assert "selectAction" not in element and kind != "TextBlock"
            if kind == "TextRun":
                runs.append(element["text"])
            if kind == "Action.Execute":
                assert element["data"]["command"] in {b.command for b in reply.buttons} | {
                    b.command for i in reply.items for b in i.buttons}
    joined = squeeze("".join(runs))
    for text in user_texts:
        assert squeeze(text) in joined, text[:80]


def assert_safe_everywhere(reply: Reply) -> None:
    texts = [item.text for item in reply.items]
    assert_slack_safe(reply, texts)
    assert_teams_safe(reply, texts)


# Text as users can send it: anything but broken UTF-16 halves (the adapters' JSON readers and
# `clean_input` replace those before anything is stored or rendered).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)
mrkdwn_soup = st.lists(st.sampled_from(["<", ">", "&", "!channel", "@here", "<@U1>", "|", "*", "_", "`", "[",
                                        "](", "http://x.no", "\n", " ", "ø", "🎉", "\u202e", "&amp;", ";"]),
                       max_size=60).map("".join)
user_text = st.one_of(any_text, mrkdwn_soup, st.text(min_size=2900, max_size=7000))


def an_item(n: int, text: str) -> ActionItem:
    return ActionItem(id=n, text=text, parties=("AU",), party_keys=("au",), deadline=date(2027, 3, 1),
                      deadline_label="1. mars 2027", status="open", status_label="åpen",
                      buttons=(Button("Ferdig", f"ferdig {n}", style="primary"),
                               Button("Kommenter", f"kommenter {n}", ask="text", ask_label="Kommentar")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(user_text.filter(lambda s: s.strip()), min_size=1, max_size=4), title=mrkdwn_soup,
       line=any_text)
def test_any_stored_text_renders_safely_on_both_platforms(texts: list[str], title: str, line: str) -> None:
    reply = Reply(title=title, lines=[line], sections=[Section("Punkter", items=[an_item(n + 1, t)
                                                                              for n, t in enumerate(texts)])])
    assert_slack_safe(reply, texts + ([line] if line.strip() else []))
    assert_teams_safe(reply, texts + ([line] if line.strip() else []))


# --- the parsers ---------------------------------------------------------------------------------


_apps: dict[str, App] = {}


def _app(url: str) -> App:
    if url not in _apps:
        _apps[url] = App(Settings(database_url=url), clock=lambda: NOW)
    return _apps[url]


hostile_words = st.sampled_from([
    "ny", "AU:", "KDD", "og", "innen", "15.", "juni", "kommenter", "1", "vis", "ferdig", "<!channel>", "@here",
    "[x](http://e.no)", "'; DROP TABLE actions; --", "\u202e", "🎉", "\x00", "\x1b[2J", "\ud800", "%s", "{0}",
    "møte", "ny", "høstmøte", "21.", "oktober", "2027", "kl.", "10", "i", "Oslo", "gruppe", "medlem",
])
hostile_command = st.one_of(
    st.lists(hostile_words, max_size=12).map(" ".join),
    st.text(st.characters(), max_size=300),  # surrogates included: JSON can carry them
    st.builds(lambda t: f"ny AU: {t}", st.text(st.characters(), min_size=1, max_size=25_000)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(text=hostile_command)
def test_any_command_gets_an_answer_and_new_actions_keep_the_text(sqlite_url: str, text: str) -> None:
    app = _app(sqlite_url)
    reply = app.handle(text, Actor("slack", "UFUZZ", "Fuzz"), now=NOW)
    assert reply.title or reply.lines or reply.sections or reply.form
    assert not (reply.error and "noe gikk galt" in " ".join(reply.lines).lower()), (text[:80], reply.lines)
    if not reply.error and reply.data and reply.data.get("created"):
        body = clean_input(text).split(":", 1)[1]
        expected, _deadline = split_deadline(body.strip())
        assert stored(app, reply.data["action"]["id"]).text == expected.strip()


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=300), mrkdwn_soup,
                      st.lists(hostile_words, max_size=10).map(" ".join)), today=st.dates())
def test_dates_refuse_hostile_text_with_a_message_only(text: str, today: date) -> None:
    try:
        parse_date(text, today)
    except DateError as error:
        assert error.message and "Traceback" not in error.message
    rest, expression = split_deadline(text)
    assert isinstance(rest, str) and (expression is None or expression in text)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=300), mrkdwn_soup))
def test_parties_never_guess_hostile_names(text: str) -> None:
    from handlers.parties.resolver import PartyResolver

    resolver = PartyResolver(REGISTRY)
    resolution = resolver.resolve(text, on=date(2027, 1, 1))
    # Whatever is unknown is reported as written (a substring of the input), never mapped elsewhere.
    for name in resolution.unknown:
        assert squeeze(name) in squeeze(text)


@pytest.mark.timeout(120)
def test_huge_inputs_are_answered(bot: Bot) -> None:
    """A 25 000-character paste is refused (or parsed), whatever it holds. Catastrophic regex
    backtracking on such input would run for hours: the test's timeout catches that, without the
    test measuring how fast a normal answer is (which depends on the machine's load)."""
    for text in ["ny AU: " + "innen " * 4000, "ny " + "AU og " * 5000 + ": x", "vis " + "9" * 25_000,
                 "møte ny " + "høstmøte " * 3000, "ny AU: x innen " + "15. juni " * 3000]:
        reply = say(bot.app, text)
        assert reply.lines or reply.title
        assert not (reply.error and "noe gikk galt" in " ".join(reply.lines).lower()), (text[:60], reply.lines)


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "ny AU: halv \ud83d"])
def test_broken_utf16_is_stored_as_a_replacement_character(bot: Bot, text: str) -> None:
    reply = say(bot.app, text)
    assert not (reply.error and "noe gikk galt" in " ".join(reply.lines).lower())


def test_a_hostile_calendar_file_is_imported_cleanly_or_refused(bot: Bot) -> None:
    from handlers.meetings import ics_import
    from tests.test_calendar_import import calendar, event

    data = calendar(
        event("U" * 1000, "Høstmøte Nasjonal samhandlingsmodell \x00\x1b[2J", "20271021T100000", "20271021T150000",
              location="Gardermoen\x07 " + "lang " * 100),
        event("kort-uid", "Vårmøte Nasjonal samhandlingsmodell <!channel> [x](https://e.no)", "20270401T093000",
              location="مرحبا 🎉"),
    )
    reply = bot.app.handle("", Actor("console", "local"), now=NOW,
                           run=lambda ctx: ics_import.import_calendar(ctx, data).reply())
    assert not (reply.error and "noe gikk galt" in " ".join(reply.lines).lower()), reply.lines
    from storage.models import Meeting

    with bot.app.sessions() as session:
        for meeting in session.scalars(select(Meeting)):
            assert "\x00" not in meeting.title + meeting.place and "\x1b" not in meeting.title + meeting.place
