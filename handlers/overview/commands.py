"""`/oppfølging oversikt`: a signed personal link to the overview page; `oversikt tilbakekall` (admins)
withdraws every link at once."""

from __future__ import annotations

from datetime import datetime

from handlers.core import permissions
from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.registry import command
from handlers.core.replies import Reply
from handlers.core.text import fold
from handlers.dates.format import format_datetime
from handlers.meetings import schedule
from handlers.overview import links
from handlers.overview.links import LinkRefused, LinkSettings
from handlers.overview.pages import meeting_label
from storage import people
from storage.models import Person

REVOKE_WORDS = ("tilbakekall", "tilbakekall alle", "trekk tilbake", "revoke", "revoke all")


def settings_of(ctx: Context) -> LinkSettings:
    return ctx.overview_links or LinkSettings()


@command("oversikt")
def cmd_overview(ctx: Context, args: str) -> Reply:
    words = fold(args)
    if words in REVOKE_WORDS:
        return revoke(ctx)
    meeting_id: int | None = None
    if words:
        parts = words.split()
        if parts[0] in ("mote", "meeting") and len(parts) == 2:
            meeting_id = schedule.load(ctx, schedule.parse_id(parts[1])).id
        else:
            raise UserError(t("overview.usage"))
    return link_reply(ctx, meeting_id=meeting_id)


def _holder(ctx: Context) -> Person:
    """The person the link is for, as stored now: `ctx.person` may be a row a read-only run rolled
    back (Slack Home shows a list first), and a link must never name an id that was not kept."""
    return people.get_or_create(ctx.session, ctx.actor.platform, ctx.actor.external_id, ctx.actor.display_name,
                                ctx.naive_now)


def link_reply(ctx: Context, *, meeting_id: int | None = None) -> Reply:
    settings = settings_of(ctx)
    if settings.base_url() is None:
        raise UserError(t("overview.no_public_host"))
    token, expires = links.issue(ctx.session, settings, _holder(ctx), ctx.now, meeting_id=meeting_id)
    try:
        url = links.url(settings, token)
    except LinkRefused as exc:
        raise UserError(exc.message) from None
    lines = [t("overview.link.line", url=url), t("overview.link.expires", when=format_datetime(expires, ctx.tz))]
    if meeting_id is not None:
        lines.append(t("overview.link.meeting", meeting=meeting_label(ctx, schedule.load(ctx, meeting_id))))
    return Reply(title=t("overview.link.title"), lines=lines, private=True,
                 data={"url": url, "expires": expires.isoformat(), "meeting": meeting_id})


def personal_link(ctx: Context) -> tuple[str, datetime] | None:
    """A fresh personal link and its expiry for places that show one without being asked (Slack's App
    Home); None when the overview is not set up (no PUBLIC_HOST)."""
    settings = settings_of(ctx)
    if settings.base_url() is None:
        return None
    token, expires = links.issue(ctx.session, settings, _holder(ctx), ctx.now)
    return links.url(settings, token), expires


def revoke(ctx: Context) -> Reply:
    permissions.require(ctx, "overview_revoke")
    old = links.generation(ctx.session)
    new = links.revoke_all(ctx.session)
    audit(ctx, "setting", links.GENERATION_SETTING, "changed", old, new)
    return Reply(lines=[t("overview.revoked")], private=False, data={"generation": new})
