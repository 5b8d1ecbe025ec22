"""The follow-up report for a meeting's agenda: "Oppfølging fra forrige møte".

For a meeting M, the report lists every action recorded from the previous meeting of M's series
(any status), and the actions from earlier meetings of the series that are still open, each with
its status, responsible parties, deadline, history and comments. A series is the forum whose
protocols follow each other (`handlers.meetings.series_kinds`): the national spring and autumn
meetings together, each county's dialogue meetings, AU, the steering group.

The same `Report` value renders as a chat reply, as Markdown and as a Word document (python-docx,
a document library and no platform SDK, so it may live in `handlers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from handlers.actions.lifecycle import deadline_label
from handlers.core.catalog import t
from handlers.core.clock import as_utc, local_date
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.replies import Reply, Section
from handlers.dates.format import format_date
from handlers.meetings import labels, schedule, selectors
from storage import queries
from storage.models import OPEN_STATUSES, Action, ActionEvent, Meeting


@dataclass
class Row:
    id: int
    case: str
    text: str
    parties: list[str]
    party_keys: list[str]
    deadline: str
    status: str
    status_label: str
    meeting_id: int | None
    history: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "case": self.case, "text": self.text, "parties": self.party_keys,
                "deadline": self.deadline, "status": self.status, "meeting_id": self.meeting_id,
                "history": self.history, "comments": self.comments}


@dataclass
class Block:
    title: str
    meeting_id: int | None
    rows: list[Row]


@dataclass
class Report:
    meeting: Meeting
    title: str
    intro: str
    previous: list[Meeting]
    blocks: list[Block]

    @property
    def rows(self) -> list[Row]:
        return [row for block in self.blocks for row in block.rows]


def target_meeting(ctx: Context, args: str) -> Meeting:
    """The meeting a report is for: a number, words such as "høstmøtet" or "Vestland", or the next one."""
    text = args.strip()
    if text.lstrip("#").rstrip(".").isdigit():
        return schedule.load(ctx, schedule.parse_id(text))
    if not text:
        found = schedule.coming(ctx, limit=1)
        if not found:
            raise UserError(t("report.no_meeting"))
        return found[0]
    selector = selectors.parse_selector(ctx, text, places=selectors.known_places(ctx))
    if selector.unknown or (selector.kinds is None and selector.year is None and selector.place is None):
        raise UserError(t("meeting.bad_filter", text=text))
    meeting = selectors.find(ctx, selector)
    if meeting is None:
        subject = labels.subject(ctx, selector.kinds, selector.region, selector.year)
        raise UserError(t("meeting.none_scheduled", subject=labels.capital(subject)),
                        suggestions=labels.expectations(ctx, selector.kinds, selector.region))
    return meeting


def _history(ctx: Context, events: list[ActionEvent]) -> list[str]:
    lines = []
    for event in events:
        if event.kind in ("created", "comment"):
            continue
        if event.kind == "status":
            what = t("history.status", old=t(f"status.{event.old_value}"), new=t(f"status.{event.new_value}"))
        elif event.kind == "deadline":
            what = t("history.deadline", old=event.old_value, new=event.new_value)
        elif event.kind == "text":
            what = t("history.text", old=event.old_value)
        elif event.kind == "parties":
            what = t("history.parties", old=event.old_value, new=event.new_value)
        else:
            continue
        lines.append(t("report.history_line", date=format_date(local_date(event.at, ctx.tz)), what=what))
    return lines


def _row(ctx: Context, action: Action) -> Row:
    comments = [
        t("report.comment_line", date=format_date(local_date(c.at, ctx.tz)),
          who=c.author.label if c.author else t("history.unknown_person"), text=c.text)
        for c in queries.comments(ctx.session, action.id)
    ]
    return Row(
        id=action.id, case=action.case_ref, text=action.text,
        parties=[ctx.resolver.short_name(k) for k in action.party_keys], party_keys=list(action.party_keys),
        deadline=deadline_label(action), status=action.status, status_label=t(f"status.{action.status}"),
        meeting_id=action.meeting_id, history=_history(ctx, queries.history(ctx.session, action.id)),
        comments=comments,
    )


def _actions(ctx: Context, meeting_ids: list[int], *, open_only: bool) -> list[Action]:
    if not meeting_ids:
        return []
    stmt = select(Action).where(Action.meeting_id.in_(meeting_ids)).options(selectinload(Action.party_links))
    if open_only:
        stmt = stmt.where(Action.status.in_(list(OPEN_STATUSES)))
    rows = list(ctx.session.scalars(stmt))
    # Protocol order: by case number where there is one, then as registered.
    return sorted(rows, key=lambda a: (_case_key(a.case_ref), a.id))


def _case_key(case: str) -> tuple[int, str]:
    digits = "".join(ch for ch in case if ch.isdigit())
    return (int(digits[:9]) if digits else 10**9, case)


def build(ctx: Context, meeting: Meeting) -> Report:
    kinds, region = schedule.series_kinds(meeting)
    earlier = schedule.past(ctx, kinds=kinds, region=region, before=as_utc(meeting.starts_at).astimezone(UTC))
    title = t("report.title", meeting=meeting.title)
    intro = t("report.for_meeting", title=meeting.title, when=labels.when_label(ctx, meeting))
    if not earlier:
        return Report(meeting, title, intro, [], [])
    previous, older = earlier[0], earlier[1:]
    blocks = [Block(
        t("report.previous", title=previous.title, date=format_date(local_date(previous.starts_at, ctx.tz))),
        previous.id, [_row(ctx, a) for a in _actions(ctx, [previous.id], open_only=False)],
    )]
    carried = _actions(ctx, [m.id for m in older], open_only=True)
    if carried:
        blocks.append(Block(t("report.carried"), None, [_row(ctx, a) for a in carried]))
    return Report(meeting, title, intro, earlier, blocks)


def _counts(report: Report) -> str:
    rows = report.rows
    return t("report.counts", total=len(rows), done=sum(r.status == "done" for r in rows),
             open=sum(r.status in OPEN_STATUSES for r in rows), cancelled=sum(r.status == "cancelled" for r in rows))


def _row_line(row: Row) -> str:
    return t("report.line", id=row.id, text=row.text, parties=", ".join(row.parties), deadline=row.deadline,
             status=row.status_label)


def report_reply(ctx: Context, report: Report) -> Reply:
    reply = Reply(title=report.title, lines=[report.intro], data={
        "meeting_id": report.meeting.id,
        "previous_meeting_ids": [m.id for m in report.previous],
        "rows": [r.to_json() for r in report.rows],
    })
    if not report.previous:
        reply.lines.append(t("report.none_previous", title=report.meeting.title))
        return reply
    if not report.rows:
        reply.lines.append(t("report.no_actions"))
        return reply
    reply.lines.append(_counts(report))
    for block in report.blocks:
        section = Section(title=block.title)
        for row in block.rows:
            section.lines.append(_row_line(row))
            section.lines += [f"    {line}" for line in (*row.history, *row.comments)]
        reply.sections.append(section)
    return reply


def to_markdown(report: Report) -> str:
    out = [f"# {report.title}", "", report.intro, ""]
    if not report.previous:
        return "\n".join([*out, t("report.none_previous", title=report.meeting.title), ""])
    if not report.rows:
        return "\n".join([*out, t("report.no_actions"), ""])
    out += [_counts(report), ""]
    headers = [t(f"report.col.{c}") for c in ("id", "case", "action", "parties", "deadline", "status", "notes")]
    for block in report.blocks:
        out += [f"## {block.title}", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        for row in block.rows:
            cells = [str(row.id), row.case, row.text, ", ".join(row.parties), row.deadline, row.status_label,
                     "<br>".join([*row.history, *row.comments])]
            out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
        out.append("")
    return "\n".join(out)


def to_docx(ctx: Context, report: Report, *, template: str | None = None) -> bytes:
    """The report as an agenda-ready Word document (`handlers.meetings.report_docx`)."""
    from handlers.meetings import report_docx

    return report_docx.to_docx(ctx, report, _counts(report), template=template)
