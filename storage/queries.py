"""Queries over actions that the chat and the reminder engine share.

Lists are paged and counted in SQL so that they stay fast with 100 000 actions: the database
sorts and counts, Python only formats one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import OPEN_STATUSES, Action, ActionEvent, ActionParty, Comment, Party


@dataclass(frozen=True)
class ActionFilter:
    statuses: Sequence[str] = OPEN_STATUSES
    party_keys: Sequence[str] | None = None  # any of these parties is responsible
    meeting_id: int | None = None
    overdue_on: date | None = None  # only deadlines before this date
    ids: Sequence[int] | None = None


def _filtered(stmt: Select, flt: ActionFilter) -> Select:  # type: ignore[type-arg]
    stmt = stmt.where(Action.status.in_(list(flt.statuses)))
    if flt.party_keys is not None:
        # Start from the few actions these parties are responsible for (index on action_parties
        # (party_id, action_id)), not from every open action with a correlated EXISTS: without
        # statistics SQLite would otherwise walk the whole status index (~50 ms at 100 000 actions).
        responsible = (
            select(ActionParty.action_id)
            .where(ActionParty.party_id.in_(select(Party.id).where(Party.key.in_(list(flt.party_keys)))))
            .distinct()
            .subquery("responsible")
        )
        stmt = stmt.join_from(Action, responsible, responsible.c.action_id == Action.id)
    if flt.meeting_id is not None:
        stmt = stmt.where(Action.meeting_id == flt.meeting_id)
    if flt.overdue_on is not None:
        stmt = stmt.where(Action.deadline < flt.overdue_on)
    if flt.ids is not None:
        stmt = stmt.where(Action.id.in_(list(flt.ids)))
    return stmt


def bucket_counts(session: Session, flt: ActionFilter, today: date, week_end: date) -> dict[str, int]:
    """How many actions fall in each list group: overdue, this_week, later, no_deadline, closed."""
    bucket = case(
        (Action.status.notin_(list(OPEN_STATUSES)), "closed"),
        (Action.deadline.is_(None), "no_deadline"),
        (Action.deadline < today, "overdue"),
        (Action.deadline <= week_end, "this_week"),
        else_="later",
    )
    stmt = _filtered(select(bucket.label("bucket"), func.count()), flt).group_by(bucket)
    return {name: count for name, count in session.execute(stmt)}


def list_actions(session: Session, flt: ActionFilter, *, offset: int = 0, limit: int | None = None) -> list[Action]:
    """Open before closed; then by deadline (none last), then id."""
    closed_last = case((Action.status.in_(list(OPEN_STATUSES)), 0), else_=1)
    stmt = _filtered(select(Action), flt).order_by(
        closed_last, Action.deadline.is_(None), Action.deadline, Action.id
    )
    stmt = stmt.options(selectinload(Action.party_links), selectinload(Action.meeting))
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
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
