"""Recording changes to meetings, memberships, subscriptions, parties and settings.

Action changes go to the action's own history (`handlers.actions.record`); everything else that a
user can change is recorded here, so `oppfolging audit` can answer "who changed this, and when".
"""

from __future__ import annotations

from typing import Any

from handlers.core.context import Context
from storage.models import AuditEvent, Meeting


def audit(ctx: Context, entity: str, entity_id: object, change: str, old: Any = None, new: Any = None) -> None:
    ctx.session.add(
        AuditEvent(
            at=ctx.naive_now,
            actor_id=ctx.person.id,
            source=ctx.source,
            entity=entity,
            entity_id=str(entity_id),
            change=change,
            old_value=old,
            new_value=new,
        )
    )


def meeting_audit(meeting: Meeting) -> dict[str, Any]:
    """What a meeting looks like in the audit log (JSON-able; instants as naive UTC ISO strings)."""
    return {
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat() if meeting.starts_at else None,
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "all_day": bool(meeting.all_day),
        "place": meeting.place,
        "region": meeting.region,
        "status": meeting.status,
    }
