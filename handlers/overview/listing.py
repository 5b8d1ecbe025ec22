"""What the overview shows: one page of actions, the chart per party and each meeting's follow-up.

Everything is counted and paged in SQL: a page costs one COUNT and one LIMIT query (plus loading
that page's parties), never a walk through the whole table, so 10 000 actions answer as fast as 100.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from handlers.core.catalog import t
from handlers.overview.filters import PAGE_SIZE, SORTS, OverviewQuery
from handlers.parties.resolver import PartyResolver
from storage import queries
from storage.models import OPEN_STATUSES, Action, ActionEvent, ActionParty, Meeting, Party


def related_keys(resolver: PartyResolver, key: str, today: date) -> list[str]:
    """A party's actions include those of the groups it belongs to, and a group's those of its members
    (as `liste PART` counts them)."""
    groups = [p.key for p in resolver.parties if p.kind == "group"]
    containing = [g for g in groups if key in resolver.expand(g, today)]
    return list(dict.fromkeys([key, *resolver.expand(key, today), *containing]))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(stmt: Select, query: OverviewQuery, resolver: PartyResolver, today: date, *,  # type: ignore[type-arg]
             walk: bool = False, unindexed_status: bool = False) -> Select:  # type: ignore[type-arg]
    """`stmt` restricted to the query's filters.

    `walk`: written for a page read in its sort order, which stops after one page: the party filter
    as a correlated EXISTS per action. `unindexed_status`: the status term as `status || ''`,
    SQLite's documented way to keep it off the (status, deadline) index (as `queries.list_actions`
    does), so that SQLite walks the list-order index instead of sorting every matching action.
    """
    if query.impossible:
        return stmt.where(False)
    status = Action.status.concat("") if unindexed_status else Action.status
    stmt = stmt.where(status.in_(list(query.statuses)))
    if query.party:
        responsible = select(ActionParty.action_id).where(ActionParty.party_id.in_(select(Party.id).where(
            Party.key.in_(related_keys(resolver, query.party, today)))))
        if walk:
            stmt = stmt.where(responsible.where(ActionParty.action_id == Action.id).exists())
        else:
            responsible = responsible.distinct().subquery("responsible")
            stmt = stmt.join_from(Action, responsible, responsible.c.action_id == Action.id)
    if query.meeting_id is not None:
        stmt = stmt.where(Action.meeting_id == query.meeting_id)
    if query.overdue:
        stmt = stmt.where(status.in_(list(OPEN_STATUSES)), Action.deadline < today)
    if query.due_before is not None:
        stmt = stmt.where(Action.deadline < query.due_before)
    if query.text:
        pattern = f"%{_escape_like(query.text.lower())}%"
        stmt = stmt.where(or_(func.lower(Action.text).like(pattern, escape="\\"),
                              func.lower(Action.case_ref).like(pattern, escape="\\")))
    return stmt


def _ordered(stmt: Select, query: OverviewQuery) -> Select:  # type: ignore[type-arg]
    column, descending = SORTS[query.sort]
    if column == "deadline":
        key = Action.deadline.desc() if descending else Action.deadline.asc()
        return stmt.order_by(Action.deadline.is_(None), key, Action.id)
    if column == "status":
        rank = case({"open": 0, "in_progress": 1, "done": 2, "cancelled": 3}, value=Action.status, else_=4)
        return stmt.order_by(rank.desc() if descending else rank, Action.id)
    if column == "updated":
        return stmt.order_by(Action.updated_at.desc() if descending else Action.updated_at, Action.id)
    return stmt.order_by(Action.id.desc() if descending else Action.id)


@dataclass(frozen=True)
class Page:
    actions: list[Action]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.actions else 0

    @property
    def last(self) -> int:
        return self.first + len(self.actions) - 1 if self.actions else 0


# Sorts an index gives in order (the list order, the primary key): a page walks it and stops. Not
# with a search: few actions match, and the walk would visit every action's row to find them.
WALKED_SORTS = ("frist", "nr", "-nr")


def count(session: Session, query: OverviewQuery, resolver: PartyResolver, today: date) -> int:
    """How many actions the filters select. When only statuses, a party, "overdue" and "due before"
    narrow the list this is a sum over the tallies (`queries.count_actions`), which does not grow
    with the table; a meeting or a search counts the actions."""
    if query.impossible or query.text or query.meeting_id is not None:
        return session.scalar(filtered(select(func.count()).select_from(Action), query, resolver, today)) or 0
    statuses = [s for s in query.statuses if s in OPEN_STATUSES] if query.overdue else list(query.statuses)
    before = min([d for d in (today if query.overdue else None, query.due_before) if d is not None], default=None)
    keys = related_keys(resolver, query.party, today) if query.party else None
    return queries.count_actions(session, statuses, party_keys=keys, before=before)


def page(session: Session, query: OverviewQuery, resolver: PartyResolver, today: date) -> Page:
    total = count(session, query, resolver, today)
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(query.page, pages)
    sqlite = session.get_bind().dialect.name == "sqlite"
    stmt = _ordered(filtered(select(Action), query, resolver, today, walk=True,
                             unindexed_status=sqlite and query.sort in WALKED_SORTS and not query.text), query)
    stmt = stmt.options(selectinload(Action.party_links), selectinload(Action.meeting))
    stmt = stmt.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return Page(actions=list(session.scalars(stmt)), total=total, page=number, pages=pages)


# Rows read per round trip when exporting: memory holds one batch, whatever the number of actions.
BATCH = 1000


def stream(session: Session, query: OverviewQuery, resolver: PartyResolver, today: date,
           *, batch: int | None = None) -> Iterator[Action]:
    """Every action the filters select, in the page's order, read `batch` rows at a time (exports)."""
    stmt = _ordered(filtered(select(Action), query, resolver, today), query)
    stmt = stmt.options(selectinload(Action.party_links), selectinload(Action.meeting))
    stmt = stmt.execution_options(yield_per=batch or BATCH)
    yield from session.scalars(stmt)


# --- the chart per party -----------------------------------------------------------------------


@dataclass(frozen=True)
class PartyCounts:
    key: str
    name: str
    open: int
    overdue: int
    done_since: int


def last_meeting(session: Session, now: datetime) -> Meeting | None:
    """The latest meeting that has started (any series): "done since the last meeting" counts from it."""
    stmt = (select(Meeting).where(Meeting.status != "cancelled", Meeting.starts_at <= now.replace(tzinfo=None))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1))
    return session.scalar(stmt)


def party_counts(session: Session, resolver: PartyResolver, today: date, since: datetime | None,
                 *, meeting_id: int | None = None) -> list[PartyCounts]:
    """Per responsible party (as written on the actions): open, overdue, and done since `since`.

    For every action, open and overdue are sums over `party_tally` (0010), and "done since" reads the
    status changes since `since` (`ix_action_events_kind_at`) and their links: none of the three
    grows with the table. For one meeting, they are counted over that meeting's actions."""
    is_open = Action.status.in_(list(OPEN_STATUSES))
    finished = None
    if since is not None:
        finished = select(ActionEvent.action_id).where(
            ActionEvent.kind == "status", ActionEvent.new_value == "done",
            ActionEvent.at >= since.replace(tzinfo=None))
    done_rows: dict[str, int] = {}
    if meeting_id is None:
        tallied = queries.party_tally_counts(session, OPEN_STATUSES, today)
        open_rows = {k: n for k, (n, _) in tallied.items()}
        overdue_rows = {k: n for k, (_, n) in tallied.items() if n}
        if finished is not None:
            done_stmt = (select(Party.key, func.count()).select_from(ActionParty)
                         .join(Party, Party.id == ActionParty.party_id)
                         .where(ActionParty.status == "done", ActionParty.action_id.in_(finished))
                         .group_by(Party.key))
            done_rows = dict(session.execute(done_stmt).all())
    else:
        base = select(Party.key, func.count(func.distinct(Action.id))).select_from(Action).join(
            ActionParty, ActionParty.action_id == Action.id).join(Party, Party.id == ActionParty.party_id).where(
            Action.meeting_id == meeting_id)
        open_rows = dict(session.execute(base.where(is_open).group_by(Party.key)).all())
        overdue_rows = dict(session.execute(
            base.where(is_open, Action.deadline < today).group_by(Party.key)).all())
        if finished is not None:
            done_stmt = base.where(Action.status == "done", Action.id.in_(finished))
            done_rows = dict(session.execute(done_stmt.group_by(Party.key)).all())
    keys = sorted(set(open_rows) | set(done_rows), key=lambda k: (-open_rows.get(k, 0), resolver.short_name(k)))
    return [PartyCounts(key=k, name=resolver.short_name(k), open=int(open_rows.get(k, 0)),
                        overdue=int(overdue_rows.get(k, 0)), done_since=int(done_rows.get(k, 0))) for k in keys]


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: int
    width: int
    kind: str  # open, overdue, done


@dataclass(frozen=True)
class ChartRow:
    counts: PartyCounts
    y: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    rows: tuple[ChartRow, ...]
    width: int
    height: int
    label_width: int
    scale_max: int


def chart(counts: list[PartyCounts], *, width: int = 720, label_width: int = 200, row_height: int = 54,
          limit: int = 20) -> Chart:
    """Bar geometry for the SVG: three bars per party, on one scale, widths in pixels."""
    shown = counts[:limit]
    top = max([1, *(max(c.open, c.overdue, c.done_since) for c in shown)])
    span = width - label_width - 60
    rows = []
    for index, item in enumerate(shown):
        y = index * row_height + 8
        bars = tuple(
            Bar(label=label, value=value, x=label_width, width=round(span * value / top), kind=kind)
            for label, value, kind in ((t("overview.chart.open"), item.open, "open"),
                                       (t("overview.chart.overdue"), item.overdue, "overdue"),
                                       (t("overview.chart.done"), item.done_since, "done"))
        )
        rows.append(ChartRow(counts=item, y=y, bars=bars))
    return Chart(rows=tuple(rows), width=width, height=max(1, len(shown)) * row_height + 16,
                 label_width=label_width, scale_max=top)


# --- each meeting's follow-up -------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingStatus:
    meeting: Meeting
    total: int
    open: int
    overdue: int
    done: int
    cancelled: int

    @property
    def done_share(self) -> int:
        """Percent of the meeting's actions that are done (cancelled ones left out)."""
        counted = self.total - self.cancelled
        return round(100 * self.done / counted) if counted else 0


def meeting_statuses(session: Session, today: date, *, limit: int = 30,
                     meeting_id: int | None = None) -> list[MeetingStatus]:
    """The most recent meetings that have actions, with their counts (one grouped query)."""
    is_open = Action.status.in_(list(OPEN_STATUSES))
    # The `limit` latest meetings that have actions, found first (meetings by start, each probed for
    # one action), so that only their actions are counted, not every action that has a meeting.
    recent = (select(Meeting.id).where(select(Action.id).where(Action.meeting_id == Meeting.id).exists())
              .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit))
    if meeting_id is not None:
        recent = recent.where(Meeting.id == meeting_id)
    stmt = (
        select(
            Meeting,
            func.count(Action.id),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((and_(is_open, Action.deadline < today), 1), else_=0)),
            func.sum(case((Action.status == "done", 1), else_=0)),
            func.sum(case((Action.status == "cancelled", 1), else_=0)),
        )
        .join(Action, Action.meeting_id == Meeting.id)
        .where(Meeting.id.in_(recent.scalar_subquery()))
        .group_by(Meeting.id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    return [MeetingStatus(meeting=m, total=int(n), open=int(o or 0), overdue=int(d or 0), done=int(f or 0),
                          cancelled=int(c or 0)) for m, n, o, d, f, c in session.execute(stmt).all()]
