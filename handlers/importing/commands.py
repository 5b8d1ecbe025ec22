"""`/oppfølging importer bekreft|avbryt TOKEN`: confirming or cancelling a previewed import."""

from __future__ import annotations

from handlers.core import permissions
from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.registry import command
from handlers.core.replies import Reply
from handlers.core.text import fold


@command("importer")
def cmd_import(ctx: Context, args: str) -> Reply:
    # Imported here, not at the top: the readers and the extraction rules of every protocol format
    # take ~50 ms to load, which every process pays when the router registers this command.
    from handlers.importing.protocol_import import _pending, answer, result_reply, set_choice, store

    words = args.split()
    if len(words) == 2 and fold(words[0]) in ("bekreft", "confirm"):
        permissions.require(ctx, "import")
        pending = _pending(ctx, words[1])
        if pending.status != "pending":
            return Reply(lines=[t(f"importing.already_{pending.status}")])
        if pending.plan.get("unclear"):
            # The preview's question is unanswered: no meeting row could be written right.
            raise UserError(t("importing.answer_first"))
        result = store(ctx, pending.plan)
        pending.status = "imported"
        pending.plan = {k: v for k, v in pending.plan.items() if k != "source"}
        audit(ctx, "import", pending.token, "imported", None,
              {"file": pending.filename, "created": result.created, "existing": result.existing})
        return result_reply(result)
    if len(words) >= 4 and fold(words[0]) in ("valg", "choice"):
        # "importer valg TOKEN N slå-sammen|hopp-over|behold": a duplicate row's choice.
        return set_choice(ctx, words[1], words[2], " ".join(words[3:]))
    if len(words) >= 3 and fold(words[0]) in ("svar", "answer"):
        # "importer svar TOKEN type au" / "importer svar TOKEN fylke Møre og Romsdal": the preview's question.
        return answer(ctx, words[1], words[2], " ".join(words[3:]))
    if len(words) == 2 and fold(words[0]) in ("avbryt", "cancel"):
        # Only those who may import may throw away someone's preview (the button is in a shared message).
        permissions.require(ctx, "import")
        pending = _pending(ctx, words[1])
        if pending.status == "pending":
            pending.status = "cancelled"
            audit(ctx, "import", pending.token, "cancelled", "pending", {"file": pending.filename})
            return Reply(title=t("importing.cancelled"), lines=[t("importing.nothing_saved")])
        return Reply(lines=[t(f"importing.already_{pending.status}")])
    return Reply(title=t("importing.how_title"), lines=[t("importing.how")])
