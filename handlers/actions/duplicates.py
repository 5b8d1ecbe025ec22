"""The duplicate guard of the new-action form: a form that would create an action very like an open
one of the same meeting and parties says so, offers to open that one, and saves only when the
person submits again with the explicit choice "Lagre likevel"."""

from __future__ import annotations

import difflib

from sqlalchemy import select

from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.replies import Button, Form, FormField, Option, Reply
from handlers.core.text import fold
from storage.models import OPEN_STATUSES, Action

SIMILAR = 0.85  # difflib ratio over folded text from which two actions are "very like" each other
DUPLICATE_FIELD = "duplicate"
SAVE_ANYWAY = "save"


def similar_open_action(ctx: Context, text: str, party_keys: tuple[str, ...], meeting_id: int | None) -> Action | None:
    """An open action of the same meeting and the same parties whose text is very like `text`."""
    if meeting_id is None:
        return None
    wanted = set(party_keys)
    folded = fold(text)
    best: tuple[float, Action] | None = None
    rows = ctx.session.scalars(select(Action).where(Action.meeting_id == meeting_id,
                                                    Action.status.in_(list(OPEN_STATUSES)))).all()
    for action in rows:
        if set(action.party_keys) != wanted:
            continue
        ratio = difflib.SequenceMatcher(None, folded, fold(action.text)).ratio()
        if ratio >= SIMILAR and (best is None or ratio > best[0]):
            best = (ratio, action)
    return best[1] if best else None


def duplicate_reply(ctx: Context, existing: Action, form: Form) -> Reply:
    """Says which open action it looks like, offers to open it, and shows the form again with the
    explicit choice that saves it anyway."""
    form.fields.append(FormField(DUPLICATE_FIELD, t("capture.duplicate.field"), kind="select",
                                 options=[Option(SAVE_ANYWAY, t("capture.duplicate.save_anyway"))],
                                 hint=t("capture.duplicate.hint", id=existing.id)))
    message = t("capture.duplicate.message", id=existing.id, text=_short(existing.text))
    return Reply(title=t("capture.duplicate.title"), lines=[message, t("capture.duplicate.choose", id=existing.id)],
                 error=True, form=form, field_errors={"text": message},
                 buttons=[Button(t("capture.duplicate.open", id=existing.id), f"vis {existing.id}")],
                 data={"duplicate_of": existing.id})


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " …"

