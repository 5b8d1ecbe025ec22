"""Queries over actions that the chat and the reminder engine share.

Lists are paged and counted in SQL so that they stay fast with 100 000 actions: the database
sorts and counts, Python only formats one page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    NO_DEADLINE,
    OPEN_STATUSES,
    Action,
    ActionEvent,
    ActionParty,
    ActionTally,
    Comment,
    Party,
    PartyTally,
)


@dataclass(frozen=True)
class ActionFilter:
    statuses: Sequence[str] = OPEN_STATUSES
    party_keys: Sequence[str] | None = None  # any of these parties is responsible
    meeting_id: int | None = None
    overdue_on: date | None = None  # only deadlines before this date
    ids: Sequence[int] | None = None
    deadline_after: date | None = None  # only deadlines after this date
    deadline_until: date | None = None  # only deadlines on or before this date
    without_deadline: bool = False  # only actions without a deadline

    @property
    def ranged(self) -> bool:
        return self.overdue_on is not None or self.deadline_after is not None or self.deadline_until is not None \
            or self.without_deadline

    @property
    def by_status_and_party_only(self) -> bool:
        """Only statuses and parties narrow the list: its groups can be counted from the tally or
        from the parties' links (migration 0009), not from the actions."""
        return not self.ranged and self.meeting_id is None and self.ids is None


def _responsible(flt: ActionFilter) -> Select:  # type: ignore[type-arg]
    """The ids of the actions any of the filter's parties is responsible for (read from the
    (party_id, action_id) index, no table rows)."""
    assert flt.party_keys is not None
    return select(ActionParty.action_id).where(
        ActionParty.party_id.in_(select(Party.id).where(Party.key.in_(list(flt.party_keys))))
    )


def _filtered(stmt: Select, flt: ActionFilter, *, parties: str = "join",  # type: ignore[type-arg]
              status: ColumnElement[str] | None = None) -> Select:  # type: ignore[type-arg]
    """`stmt` restricted to `flt`. How the party filter is written depends on who asks:

    - "join": start from the parties' links (a whole list: digests, exports);
    - "in": `id IN (their links)`, so that a count reads the (status, deadline) index and only
      probes the links (counts);
    - "exists": a correlated EXISTS per action, so that a page walks the actions in list order
      and stops after one page (the planner then reads as many actions as one page needs).
    """
    stmt = stmt.where((Action.status if status is None else status).in_(list(flt.statuses)))
    if flt.party_keys is not None:
        if parties == "in":
            stmt = stmt.where(Action.id.in_(_responsible(flt)))
        elif parties == "exists":
            stmt = stmt.where(_responsible(flt).where(ActionParty.action_id == Action.id).exists())
        else:
            responsible = _responsible(flt).distinct().subquery("responsible")
            stmt = stmt.join_from(Action, responsible, responsible.c.action_id == Action.id)
    if flt.meeting_id is not None:
        stmt = stmt.where(Action.meeting_id == flt.meeting_id)
    if flt.overdue_on is not None:
        stmt = stmt.where(Action.deadline < flt.overdue_on)
    if flt.deadline_after is not None:
        stmt = stmt.where(Action.deadline > flt.deadline_after)
    if flt.deadline_until is not None:
        stmt = stmt.where(Action.deadline <= flt.deadline_until)
    if flt.without_deadline:
        stmt = stmt.where(Action.deadline.is_(None))
    if flt.ids is not None:
        stmt = stmt.where(Action.id.in_(list(flt.ids)))
    return stmt


def count_by(session: Session, flt: ActionFilter, groups: Mapping[str, ColumnElement[bool]]) -> dict[str, int]:
    """How many of the filtered actions meet each condition, in one pass (`COUNT(*) FILTER`)."""
    # On SQLite, rule the status index out (see list_actions) when parties narrow the list: probing
    # their actions by id is cheaper than reading every open action's index entry.
    sqlite = flt.party_keys is not None and session.get_bind().dialect.name == "sqlite"
    stmt = _filtered(select(*(func.count().filter(c) for c in groups.values())).select_from(Action), flt,
                     parties="in", status=Action.status.concat("") if sqlite else None)
    row = session.execute(stmt).one()
    return {name: int(n or 0) for name, n in zip(groups, row, strict=True)}


def count_deadlines(session: Session, flt: ActionFilter,
                    groups_of: Callable[[ColumnElement[date]], Mapping[str, ColumnElement[bool]]]) -> dict[str, int]:
    """How many of the filtered actions meet each condition on their deadline, in one statement.

    `groups_of` builds the conditions from a deadline column. When only statuses and parties narrow
    the list they are range counts over the parties' links (`_link_count`); otherwise `count_by`
    over the actions.
    """
    if not (flt.by_status_and_party_only and flt.party_keys is not None):
        return count_by(session, flt, groups_of(Action.deadline))
    groups = groups_of(ActionParty.deadline)
    columns = [_link_count(flt, list(flt.statuses), condition).scalar_subquery() for condition in groups.values()]
    row = session.execute(select(*columns)).one()
    return {name: int(n or 0) for name, n in zip(groups, row, strict=True)}


def _link_count(flt: ActionFilter, statuses: list[str],
                condition: ColumnElement[bool] | None = None) -> Select:  # type: ignore[type-arg]
    """How many actions of the filter's parties have one of `statuses` and meet `condition`, counted
    over their links (`ix_action_parties_counts`: index entries only, since each link carries its
    action's status and deadline). An action two of the parties share is counted once."""
    assert flt.party_keys is not None
    keys = list(flt.party_keys)
    counted = func.count(ActionParty.action_id.distinct()) if len(keys) > 1 else func.count()
    stmt = select(counted).select_from(ActionParty).where(
        ActionParty.party_id.in_(select(Party.id).where(Party.key.in_(keys))), ActionParty.status.in_(statuses))
    return stmt if condition is None else stmt.where(condition)


def _ranges(day: ColumnElement[date], today: date, week_end: date, *,
            missing: date | None = None) -> dict[str, ColumnElement[bool]]:
    """The open groups as conditions on a deadline column; `missing` is the day that stands for
    "no deadline" where the column cannot be NULL (the tally)."""
    return {
        "overdue": day < today,
        "this_week": and_(day >= today, day <= week_end),
        "later": day > week_end if missing is None else and_(day > week_end, day < missing),
        "no_deadline": day.is_(None) if missing is None else day == missing,
    }


def bucket_counts(session: Session, flt: ActionFilter, today: date, week_end: date) -> dict[str, int]:
    """How many actions fall in each list group: overdue, this_week, later, no_deadline, closed.

    One statement whose cost does not follow the table when only statuses and parties narrow the
    list: without parties it sums `action_tally` (one row per status and deadline day); with them it
    range-counts the parties' links, which carry their action's status and deadline. Other filters
    (a meeting, a deadline range, ids) count the actions themselves on the (status, deadline) index.
    """
    open_statuses = [s for s in flt.statuses if s in OPEN_STATUSES]
    closed_statuses = [s for s in flt.statuses if s not in OPEN_STATUSES]
    names = [*(("overdue", "this_week", "later", "no_deadline") if open_statuses else ()),
             *(["closed"] if closed_statuses else [])]
    if not names:
        return {}
    if flt.by_status_and_party_only and flt.party_keys is None:
        row = _tally_counts(session, open_statuses, closed_statuses, today, week_end)
    elif flt.by_status_and_party_only:
        row = _link_counts(session, flt, open_statuses, closed_statuses, today, week_end)
    elif flt.party_keys is None:
        ranges = _ranges(Action.deadline, today, week_end)
        columns = [
            _filtered(select(func.count()).select_from(Action), replace(flt, statuses=open_statuses))
            .where(condition).scalar_subquery()
            for condition in (ranges.values() if open_statuses else ())
        ]
        if closed_statuses:
            columns.append(_filtered(select(func.count()).select_from(Action),
                                     replace(flt, statuses=closed_statuses)).scalar_subquery())
        row = tuple(session.execute(select(*columns)).one())
    else:
        is_open = Action.status.in_(list(OPEN_STATUSES))
        ranges = _ranges(Action.deadline, today, week_end)
        groups = {name: and_(is_open, condition) for name, condition in ranges.items()} if open_statuses else {}
        if closed_statuses:
            groups["closed"] = ~is_open
        row = tuple(count_by(session, flt, groups).values())
    return {name: int(n or 0) for name, n in zip(names, row, strict=True) if n}


def _tally_counts(session: Session, open_statuses: list[str], closed_statuses: list[str],
                  today: date, week_end: date) -> tuple[int, ...]:
    ranges = _ranges(ActionTally.day, today, week_end, missing=NO_DEADLINE)
    columns = [func.sum(ActionTally.n).filter(and_(ActionTally.status.in_(open_statuses), condition))
               for condition in (ranges.values() if open_statuses else ())]
    if closed_statuses:
        columns.append(func.sum(ActionTally.n).filter(ActionTally.status.in_(closed_statuses)))
    return tuple(session.execute(select(*columns)).one())


def _link_counts(session: Session, flt: ActionFilter, open_statuses: list[str], closed_statuses: list[str],
                 today: date, week_end: date) -> tuple[int, ...]:
    ranges = _ranges(ActionParty.deadline, today, week_end)
    columns = [_link_count(flt, open_statuses, condition).scalar_subquery()
               for condition in (ranges.values() if open_statuses else ())]
    if closed_statuses:
        columns.append(_link_count(flt, closed_statuses).scalar_subquery())
    return tuple(session.execute(select(*columns)).one())


def count_actions(session: Session, statuses: Sequence[str], *, party_keys: Sequence[str] | None = None,
                  before: date | None = None) -> int:
    """How many actions have one of `statuses` and, with `before`, a deadline before that day; with
    `party_keys`, only those any of these parties is responsible for.

    Counted without visiting the actions: without parties it sums `action_tally`, for one party
    `party_tally` (both one row per status and deadline day, whatever the number of actions); for
    several parties it counts their links (`_link_count`: index entries only), since an action two
    of them share is counted once.
    """
    if not statuses:
        return 0
    if party_keys is not None and len(party_keys) > 1:
        flt = ActionFilter(statuses=tuple(statuses), party_keys=party_keys)
        stmt = _link_count(flt, list(statuses), None if before is None else ActionParty.deadline < before)
        return int(session.scalar(stmt) or 0)
    if party_keys is not None:
        table, n, status, day = PartyTally, PartyTally.n, PartyTally.status, PartyTally.day
        where = [PartyTally.party_id == select(Party.id).where(Party.key == party_keys[0]).scalar_subquery()]
    else:
        table, n, status, day = ActionTally, ActionTally.n, ActionTally.status, ActionTally.day
        where = []
    stmt = select(func.sum(n)).select_from(table).where(*where, status.in_(list(statuses)))
    if before is not None:
        stmt = stmt.where(day < before, day != NO_DEADLINE)
    return int(session.scalar(stmt) or 0)


def party_tally_counts(session: Session, statuses: Sequence[str], before: date) -> dict[str, tuple[int, int]]:
    """Per party key: how many of its actions have one of `statuses`, and how many of those have a
    deadline before `before`. One statement over `party_tally` (0010): its cost follows the number of
    parties and deadline days, not of actions. Parties with none are left out."""
    in_range = and_(PartyTally.day < before, PartyTally.day != NO_DEADLINE)
    stmt = (
        select(Party.key, func.sum(PartyTally.n), func.sum(PartyTally.n).filter(in_range))
        .select_from(PartyTally)
        .join(Party, Party.id == PartyTally.party_id)
        .where(PartyTally.status.in_(list(statuses)))
        .group_by(Party.key)
    )
    return {key: (int(n or 0), int(m or 0)) for key, n, m in session.execute(stmt) if n}


def list_actions(session: Session, flt: ActionFilter, *, offset: int = 0, limit: int | None = None) -> list[Action]:
    """Open before closed; then by deadline (none last), then id.

    A page (`limit`) of open actions is read in index order (`ix_actions_list_order`, or for one
    party `ix_action_parties_list_order`), so it costs one page whatever the table holds; a whole
    list, or one that mixes closed actions, is sorted.
    """
    only_open = all(s in OPEN_STATUSES for s in flt.statuses)
    paged = limit is not None and only_open
    if paged and flt.by_status_and_party_only and flt.party_keys is not None and len(flt.party_keys) == 1:
        return _party_page(session, flt, offset, limit or 0)
    # A page of one deadline range (a digest section) is found through the (status, deadline)
    # index instead: walking the list order would first pass every earlier deadline.
    walk_order = paged and not flt.ranged and session.get_bind().dialect.name == "sqlite"
    # SQLite has no statistics here and would pick the (status, deadline) index and then sort every
    # open action; `status || ''` is its documented way to rule an index out for one term, which
    # leaves the list-order index. PostgreSQL's planner chooses by its statistics.
    stmt = _filtered(select(Action), flt, parties=("in" if flt.ranged else "exists") if paged else "join",
                     status=Action.status.concat("") if walk_order else None)
    order = [Action.deadline.is_(None), Action.deadline, Action.id]
    if not only_open:
        order.insert(0, case((Action.status.in_(list(OPEN_STATUSES)), 0), else_=1))
    stmt = stmt.order_by(*order)
    stmt = stmt.options(selectinload(Action.party_links), selectinload(Action.meeting))
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def _party_page(session: Session, flt: ActionFilter, offset: int, limit: int) -> list[Action]:
    """One page of one party's open actions, read from the front of its links in list order (the
    links carry their action's status and deadline), then those actions."""
    assert flt.party_keys is not None
    # `status || ''` on SQLite as in list_actions: it would otherwise range over the counting index
    # (party, status, deadline) and sort the party's every link.
    status = ActionParty.status.concat("") if session.get_bind().dialect.name == "sqlite" else ActionParty.status
    page = (
        select(ActionParty.action_id)
        .where(ActionParty.party_id == select(Party.id).where(Party.key == flt.party_keys[0]).scalar_subquery(),
               status.in_(list(flt.statuses)))
        .order_by(ActionParty.deadline.is_(None), ActionParty.deadline, ActionParty.action_id)
        .offset(offset)
        .limit(limit)
    )
    stmt = (
        select(Action)
        .where(Action.id.in_(page.scalar_subquery()))
        .order_by(Action.deadline.is_(None), Action.deadline, Action.id)
        .options(selectinload(Action.party_links), selectinload(Action.meeting))
    )
    return list(session.scalars(stmt))


def get_action(session: Session, action_id: int, *, for_update: bool = False) -> Action | None:
    stmt = select(Action).where(Action.id == action_id).options(
        selectinload(Action.party_links), selectinload(Action.meeting)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def history(session: Session, action_id: int) -> list[ActionEvent]:
    stmt = (
        select(ActionEvent)
        .where(ActionEvent.action_id == action_id)
        .options(selectinload(ActionEvent.actor))
        .order_by(ActionEvent.at, ActionEvent.id)
    )
    return list(session.scalars(stmt))


def comments(session: Session, action_id: int) -> list[Comment]:
    stmt = (
        select(Comment)
        .where(Comment.action_id == action_id)
        .options(selectinload(Comment.author))
        .order_by(Comment.at, Comment.id)
    )
    return list(session.scalars(stmt))


def parties_by_key(session: Session, keys: Sequence[str]) -> dict[str, Party]:
    rows = session.scalars(select(Party).where(Party.key.in_(list(keys))))
    return {row.key: row for row in rows}
