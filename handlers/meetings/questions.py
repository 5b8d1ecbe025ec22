"""Questions about meetings in plain Norwegian ("Når er det nasjonale høstmøtet?").

The router sends here every text that is no command. Questions about a week or month ("er det noe
møte i uke 12", "hvilke møter er det neste uke") and yes/no questions about a day ("blir det
vårmøte 22. april?") are answered by `handlers.meetings.period_questions`; the rest here. A question is answered only when two things
are clear: what is asked (when, where, who convenes, which meetings in a month, what is due, the
theme, how often) and which meetings it is about (kind, county, year or month, "forrige"). The
meeting words are read by `handlers.meetings.parse_selector`, shared with `neste møte`. Anything
less certain — no meeting words, a question word we have no answer type for, a name that is
neither a county nor a known meeting place — gets a short help with examples, never a guess: a
wrong date is worse than no date.

Every reply carries `data` for tests and `--json`: the intent, the meeting it is about
(`meeting_id`, None when nothing matches) or the meetings listed (`meeting_ids`).
"""

from __future__ import annotations

from handlers.actions import views
from handlers.core.catalog import t
from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.core.errors import DateError
from handlers.core.registry import unknown_command
from handlers.core.replies import Reply, Section
from handlers.dates.format import format_date
from handlers.meetings import cycle, labels, period_questions, schedule, selectors
from handlers.parties.resolver import normalise
from storage.models import Meeting

# Cues, compared with folded words (ø → o, å → a, æ → ae).
_CONVENER_CUES = ("kalle", "kaller", "kalla", "innkall", "ansvar", "arrangerer", "arrangere", "arrangor",
                  "inviterer", "invitere", "holder", "inn")  # fmt: skip
_DUE_CUES = ("gjort", "ferdig", "frist", "forfall", "levere", "leveres", "rekke", "rekkes", "gjore", "klart",
             "klar", "oppgaver", "punkter", "oppfolging")  # fmt: skip
_THEME_CUES = ("tema", "temaet", "handler", "agenda", "agendaen", "innhold", "formal", "formalet")
_LIST_CUES = ("hvilke", "oversikt", "liste", "moteplan", "kalender")


def _intent(words: list[str]) -> str | None:
    text = " ".join(words)
    has = set(words)
    if "hvor" in has and "ofte" in has:
        return "rule"
    if "hvem" in has:
        return "convener" if any(w.startswith(_CONVENER_CUES) for w in words) else None
    if "hva" in has or "hvilke" in has or "hvilken" in has or "hvilket" in has:
        if any(w in _THEME_CUES for w in words) or "handler om" in text:
            return "theme"
        if any(w.startswith(_DUE_CUES) for w in words):
            return "due"
        if "hvilke" in has or ("hva" in has and any(w in ("moter", "motene") for w in words)):
            return "list"
        return None
    if any(w in _THEME_CUES for w in words):
        return "theme"
    if "hvor" in has:
        return "where"
    if any(w in _LIST_CUES for w in words):
        return "list"
    if {"hvordan", "hvorfor", "kan", "ma"} & has:
        return None
    return "when"


def _help(text: str, extra: list[str] | None = None) -> Reply:
    lines = [*(extra or []), t("questions.not_understood"), t("questions.examples")]
    return Reply(title=t("questions.help_title"), lines=lines,
                 data={"understood": False, "intent": None, "meeting_id": None, "question": text})


def answer(ctx: Context, text: str) -> Reply:
    """The answer to a question about meetings, or a short help (or the router's "unknown command")."""

    words = normalise(text).split()
    selector = selectors.parse_selector(ctx, text, places=selectors.known_places(ctx))
    question_word = bool(set(words) & {"nar", "hvor", "hvem", "hva", "hvilke", "hvilken", "hvilket"})
    if not selector.mentioned:
        if question_word or text.rstrip().endswith("?"):
            return _help(text)
        return unknown_command(text)
    if selector.unknown:
        return _help(text, [t("questions.unknown_name", name=selector.unknown[0])])
    special = _period_or_day(ctx, text, selector)
    if special is not None:
        return special
    intent = _intent(words)
    if intent is None:
        return _help(text)
    handler = {
        "when": _when,
        "where": _where,
        "convener": _convener,
        "list": _list,
        "due": _due,
        "theme": _theme,
        "rule": _rule,
    }[intent]
    reply = handler(ctx, selector)
    data = reply.data or {}
    data.setdefault("meeting_id", None)
    data.update({"understood": True, "intent": intent, "kinds": list(selector.kinds or []),
                 "county": selector.region})
    reply.data = data
    return reply


def _period_or_day(ctx: Context, text: str, selector: selectors.Selector) -> Reply | None:
    """"er det noe møte i uke 12", "hvilke møter er det neste måned", "blir det vårmøte 22. april?"."""
    try:
        period = period_questions.period_in(ctx, text)
    except DateError as error:
        return Reply(title="", lines=[error.message], data={"understood": True, "intent": "period", "meeting_id": None,
                                                            "answer": "no"})
    if period is not None:
        reply, intent = period_questions.answer_period(ctx, selector, period), "period"
    elif period_questions.is_yes_no(text) and (day := period_questions.asked_day(ctx, text)) is not None:
        reply, intent = period_questions.answer_day(ctx, selector, day), "day"
    else:
        return None
    data = reply.data or {}
    data.update({"understood": True, "intent": intent, "kinds": list(selector.kinds or []), "county": selector.region})
    reply.data = data
    return reply


# --- answers ---------------------------------------------------------------------------------------


def _subject(ctx: Context, selector: selectors.Selector) -> str:
    return labels.subject(ctx, selector.kinds, selector.region,
                            selector.year if selector.month is None else None)


def _found(ctx: Context, selector: selectors.Selector) -> Meeting | None:
    if selector.month is not None:
        # "møtet i januar": the meeting of that kind in that month.
        rows = schedule.in_period(ctx, year=selector.year or ctx.today.year, month=selector.month,
                                  kinds=selector.kinds, region=selector.region)
        return rows[0] if rows else None
    return selectors.find(ctx, selector)


def _missing(ctx: Context, selector: selectors.Selector) -> Reply:
    """Nothing matches: say so, and what the agreement expects."""
    subject = _subject(ctx, selector)
    if selector.previous and selector.year is None:
        lines = [t("questions.none_previous", subject_lower=subject)]
    elif selector.year is not None and (selector.year < ctx.today.year or selector.previous):
        lines = [t("questions.none_in_year", subject_lower=labels.subject(ctx, selector.kinds, selector.region),
                   year=selector.year)]
    else:
        lines = [t("meeting.none_scheduled", subject=labels.capital(subject))]
        lines += labels.expectations(ctx, selector.kinds, selector.region)
    return Reply(title="", lines=lines, data={"meeting_id": None})


def _is_past(ctx: Context, meeting: Meeting) -> bool:
    return schedule.has_ended(ctx, meeting)


def _with_meeting(ctx: Context, meeting: Meeting, first: str, *, extra: list[str] | None = None) -> Reply:
    lines = [first, *(extra or [])]
    return Reply(title="", lines=lines, data={"meeting_id": meeting.id, "meeting": labels.meeting_json(ctx, meeting)})


def _when(ctx: Context, selector: selectors.Selector) -> Reply:
    meeting = _found(ctx, selector)
    if meeting is None:
        return _missing(ctx, selector)
    key = "questions.when_past" if _is_past(ctx, meeting) else "questions.when"
    first = t(key, subject=meeting.title, when=labels.when_label(ctx, meeting))
    extra = []
    if meeting.place:
        extra.append(t("meeting.where_line", place=meeting.place))
    extra.append(t("meeting.convener_line", convener=_convener_name(ctx, meeting)))
    return _with_meeting(ctx, meeting, first, extra=extra)


def _where(ctx: Context, selector: selectors.Selector) -> Reply:
    meeting = _found(ctx, selector)
    if meeting is None:
        return _missing(ctx, selector)
    when = labels.when_label(ctx, meeting)
    if not meeting.place:
        first = t("questions.where_unknown", subject_lower=meeting.title, when=when)
    else:
        key = "questions.where_past" if _is_past(ctx, meeting) else "questions.where"
        first = t(key, subject=meeting.title, place=meeting.place, when=when)
    return _with_meeting(ctx, meeting, first)


def _convener_name(ctx: Context, meeting: Meeting) -> str:
    if meeting.convener:
        return ctx.resolver.label(meeting.convener)
    return labels.convener_label(ctx, meeting.kind, meeting.region)


def _convener(ctx: Context, selector: selectors.Selector) -> Reply:
    meeting = _found(ctx, selector)
    kinds = selector.kinds
    if meeting is not None:
        first = t("questions.convener", convener=_convener_name(ctx, meeting), subject_lower=meeting.title)
        return _with_meeting(ctx, meeting, first, extra=[
            t("questions.convener_scheduled", when=labels.when_label(ctx, meeting))])
    # Nobody has scheduled it: the agreement still says who convenes.
    lines: list[str] = []
    for kind in kinds or cycle.NATIONAL_KINDS:
        who = labels.convener_label(ctx, kind, selector.region)
        lines.append(t("questions.convener", convener=labels.capital(who),
                       subject_lower=labels.subject(ctx, (kind,), selector.region)))
    lines.append(t("meeting.none_scheduled", subject=labels.capital(_subject(ctx, selector))))
    return Reply(title="", lines=lines, data={"meeting_id": None})


def _list(ctx: Context, selector: selectors.Selector) -> Reply:
    if selector.month is not None and selector.year is not None:
        rows = schedule.in_period(ctx, year=selector.year, month=selector.month, kinds=selector.kinds,
                                  region=selector.region)
        month = t(f"dates.month.{selector.month}")
        title = t("questions.month_title", month=month, year=selector.year)
        empty = t("questions.month_none", month=month, year=selector.year)
    elif selector.year is not None:
        rows = schedule.in_period(ctx, year=selector.year, kinds=selector.kinds, region=selector.region)
        title = t("meeting.subject.year", subject=t("questions.list_title"), year=selector.year)
        empty = t("meeting.list_empty")
    else:
        rows = schedule.coming(ctx, kinds=selector.kinds, region=selector.region, limit=20)
        title = t("questions.list_title")
        empty = t("meeting.list_empty")
    lines = [labels.list_line(ctx, m) for m in rows] or [empty]
    return Reply(title=title, lines=lines, data={"meeting_ids": [m.id for m in rows],
                                                 "meeting_id": rows[0].id if len(rows) == 1 else None})


def _due(ctx: Context, selector: selectors.Selector) -> Reply:
    meeting = _found(ctx, selector)
    if meeting is None:
        reply = _missing(ctx, selector)
        reply.lines.insert(0, t("questions.due_unscheduled", subject=labels.capital(_subject(ctx, selector))))
        reply.lines = reply.lines[:1] + reply.lines[2:]
        return reply
    due = schedule.due_before(ctx, meeting)
    day = format_date(local_date(meeting.starts_at, ctx.tz))
    reply = Reply(title=t("questions.due_title", subject_lower=meeting.title, date=day),
                  data={"meeting_id": meeting.id, "due": [a.id for a in due]})
    if not due:
        reply.lines.append(t("questions.due_none", subject_lower=meeting.title, date=day))
    else:
        reply.sections.append(Section(title="", items=views.items(ctx, due)))
    return reply


def _theme(ctx: Context, selector: selectors.Selector) -> Reply:
    meeting = _found(ctx, selector)
    kinds = [meeting.kind] if meeting is not None else list(selector.kinds or [])
    lines = []
    for kind in kinds or ["other"]:
        subject = labels.subject(ctx, (kind,), selector.region)
        theme = cycle.theme(kind)
        lines.append(t("questions.theme", subject_lower=subject, theme=theme) if theme
                     else t("questions.no_theme", subject_lower=subject))
    if meeting is not None:
        lines.append(t("meeting.when_line", when=labels.when_label(ctx, meeting)))
    return Reply(title="", lines=lines, data={"meeting_id": meeting.id if meeting else None})


def _rule(ctx: Context, selector: selectors.Selector) -> Reply:
    # How often and when: the agreement's own expectation for each kind asked about.
    lines = labels.expectations(ctx, selector.kinds or cycle.NATIONAL_KINDS, selector.region)
    return Reply(title="", lines=lines, data={"meeting_id": None})
