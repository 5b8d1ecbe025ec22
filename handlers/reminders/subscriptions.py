"""Where reminders go, and pausing them: abonner, avslutt-abonnement, abonnementer, oversiktskanal,
utsett-påminnelse.

A subscription ties the channel the command is typed in to a party: that party's reminders and
weekly digest then go to the channel instead of to its members' direct messages. In the local
terminal the channel is "console".
"""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from handlers.actions import lifecycle
from handlers.core import permissions
from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.clock import at_local, local_date
from handlers.core.context import Context
from handlers.core.errors import DateError, UserError
from handlers.core.registry import command
from handlers.core.replies import Reply, Section
from handlers.core.text import fold
from handlers.dates.format import format_date
from handlers.dates.parse import parse_date, parse_duration
from handlers.reminders.routing import OVERVIEW_SETTING
from storage.models import OPEN_STATUSES, Party, Setting, Subscription

CONSOLE_CHANNEL = "console"


def _channel(ctx: Context) -> tuple[str, str, str]:
    """(platform, channel id, channel name) of where the command was typed; refuses outside a channel."""
    channel = ctx.channel
    if not channel and ctx.actor.platform == "console":
        channel = CONSOLE_CHANNEL
    if not channel:
        raise UserError(t("reminders.sub.no_channel"))
    return ctx.actor.platform, channel, ctx.channel_name or channel


def _parties(ctx: Context, args: str) -> tuple[str, ...]:
    if not args.strip():
        raise UserError(t("reminders.sub.missing_party"))
    return lifecycle.resolve_parties(ctx, args)


@command("abonner")
def cmd_subscribe(ctx: Context, args: str) -> Reply:
    platform, channel, name = _channel(ctx)
    keys = _parties(ctx, args)
    for key in keys:
        permissions.require_party(ctx, "subscribe", key)
    added, already = [], []
    for key in keys:
        party = ctx.party_row(key)
        exists = ctx.session.scalar(
            select(Subscription.id).where(
                Subscription.platform == platform, Subscription.channel_id == channel, Subscription.party_id == party.id
            )
        )
        if exists:
            already.append(ctx.resolver.label(key))
            continue
        ctx.session.add(Subscription(platform=platform, channel_id=channel, channel_name=name, party_id=party.id,
                                     created_by_id=ctx.person.id, created_at=ctx.naive_now))
        audit(ctx, "subscription", f"{platform}:{channel}:{key}", "created", None,
              {"platform": platform, "channel": channel, "name": name, "party": key})
        added.append(ctx.resolver.label(key))
    ctx.session.flush()
    if not added:
        return Reply(lines=[t("reminders.sub.exists", party=", ".join(already))],
                     data={"channel": channel, "platform": platform, "subscribed": list(keys)})
    lines = [t("reminders.sub.added_hint")]
    if already:
        lines.insert(0, t("reminders.sub.exists", party=", ".join(already)))
    return Reply(title=t("reminders.sub.added", party=", ".join(added)), lines=lines, private=False,
                 data={"channel": channel, "platform": platform, "subscribed": list(keys)})


@command("avslutt-abonnement")
def cmd_unsubscribe(ctx: Context, args: str) -> Reply:
    platform, channel, _ = _channel(ctx)
    keys = _parties(ctx, args)
    for key in keys:
        permissions.require_party(ctx, "subscribe", key)
    removed, missing = [], []
    for key in keys:
        row = ctx.session.scalar(
            select(Subscription).join(Party, Party.id == Subscription.party_id).where(
                Subscription.platform == platform, Subscription.channel_id == channel, Party.key == key
            )
        )
        if row is None:
            missing.append(ctx.resolver.label(key))
            continue
        # The row goes; the audit event keeps what it was, who ended it and when.
        audit(ctx, "subscription", f"{platform}:{channel}:{key}", "removed",
              {"platform": platform, "channel": channel, "name": row.channel_name, "party": key}, None)
        ctx.session.delete(row)
        removed.append(ctx.resolver.label(key))
    ctx.session.flush()
    if not removed:
        raise UserError(t("reminders.sub.not_subscribed", party=", ".join(missing)))
    return Reply(title=t("reminders.sub.removed", party=", ".join(removed)), lines=[t("reminders.sub.removed_hint")],
                 private=False, data={"channel": channel, "platform": platform, "unsubscribed": list(keys)})


@command("abonnementer")
def cmd_subscriptions(ctx: Context, args: str) -> Reply:
    platform, channel, _ = _channel(ctx)
    keys = list(
        ctx.session.scalars(
            select(Party.key).join(Subscription, Subscription.party_id == Party.id)
            .where(Subscription.platform == platform, Subscription.channel_id == channel)
            .order_by(Subscription.id)
        )
    )
    if not keys:
        return Reply(title=t("reminders.sub.list_title"), lines=[t("reminders.sub.none")], data={"parties": []})
    return Reply(
        title=t("reminders.sub.list_title"),
        sections=[Section(title="", lines=[f"{ctx.resolver.name(k)} (`{k}`)" for k in keys])],
        data={"parties": keys},
    )


@command("oversiktskanal")
def cmd_overview_channel(ctx: Context, args: str) -> Reply:
    word = fold(args)
    row = ctx.session.get(Setting, OVERVIEW_SETTING)
    current = row.value if row is not None and isinstance(row.value, dict) else None
    if word in ("vis", "show"):
        if not current:
            return Reply(lines=[t("reminders.overview_channel.none")])
        label = current.get("name") or current.get("channel")
        return Reply(lines=[t("reminders.overview_channel.current", channel=f"{current['platform']}:{label}")],
                     data={"overview_channel": current})
    permissions.require(ctx, "overview_channel")
    if word in ("av", "off", "fjern"):
        if row is not None:
            audit(ctx, "setting", OVERVIEW_SETTING, "removed", row.value, None)
            ctx.session.delete(row)
            ctx.session.flush()
        return Reply(title=t("reminders.overview_channel.cleared"), data={"overview_channel": None})
    platform, channel, name = _channel(ctx)
    value = {"platform": platform, "channel": channel, "name": name}
    audit(ctx, "setting", OVERVIEW_SETTING, "created" if row is None else "changed", current, value)
    if row is None:
        ctx.session.add(Setting(key=OVERVIEW_SETTING, value=value))
    else:
        row.value = value
    ctx.session.flush()
    return Reply(title=t("reminders.overview_channel.set"), private=False,
                 data={"overview_channel": value})


@command("utsett-påminnelse")
def cmd_snooze(ctx: Context, args: str) -> Reply:
    parts = args.split(None, 1)
    if not parts:
        raise UserError(t("actions.missing_id"), suggestions=(t("reminders.snooze.missing"),))
    action_id = lifecycle.parse_id(parts[0])
    rest = parts[1].strip() if len(parts) > 1 else ""
    if not rest:
        raise UserError(t("reminders.snooze.missing"))
    action = lifecycle.load(ctx, action_id)
    if action.status not in OPEN_STATUSES:
        raise UserError(t("reminders.snooze.not_open", id=action.id, status=t(f"status.{action.status}")))
    day = _snooze_day(ctx, rest)
    # Reminders resume on that day: the pause ends at local midnight, before the 09:00 sweep.
    action = lifecycle.snooze(ctx, action_id, at_local(day, time(0, 0), ctx.tz))
    reply = Reply(
        title=t("reminders.snooze.done", id=action.id, until=format_date(day), deadline=lifecycle.deadline_label(action)),
        private=False,
        data={"action": action.id, "snoozed_until": day.isoformat()},
    )
    return reply


def _snooze_day(ctx: Context, text: str):  # type: ignore[no-untyped-def]
    try:
        duration = parse_duration(text)
    except DateError:
        duration = None
    if duration is not None:
        day = local_date(ctx.now + duration, ctx.tz)
    else:
        expression = text[4:] if fold(text).startswith("til ") else text
        day = parse_date(expression, ctx.today).date
        if day is None:
            raise UserError(t("reminders.snooze.missing"))
    if day <= ctx.today:
        raise UserError(t("reminders.snooze.past", text=text))
    return day
