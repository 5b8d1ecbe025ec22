"""The overview as files for the secretariat: Excel (one sheet per view) and CSV.

Rows are read from the database in batches (`listing.stream`) and written as they come: openpyxl's
write-only workbook and the csv module both keep one row in memory, so 100 000 actions export with
flat memory. Dates are written as dates, so Excel sorts and filters them as dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from handlers.actions.lifecycle import deadline_label
from handlers.core.catalog import t
from handlers.core.clock import local_datetime
from handlers.core.context import Context
from handlers.overview import listing
from handlers.overview.filters import OverviewQuery
from storage.models import OPEN_STATUSES, Action

ACTION_COLUMNS = ("id", "case", "text", "parties", "party_keys", "deadline", "deadline_text", "status", "overdue",
                  "meeting", "meeting_date", "created", "updated")
# Excel refuses cells longer than this; a longer text is cut with a mark (the page shows it whole).
EXCEL_CELL = 32_767
# A cell starting with one of these is read as a formula by Excel and LibreOffice (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Export:
    """How many actions went into a file, and the filter notes (unknown values) if any."""

    count: int
    notes: tuple[str, ...]


def headers() -> list[str]:
    return [t(f"overview.export.col.{c}") for c in ACTION_COLUMNS]


def action_row(ctx: Context, action: Action) -> list[Any]:
    keys = list(action.party_keys)
    meeting = action.meeting
    return [
        action.id,
        action.case_ref,
        action.text,
        ", ".join(ctx.resolver.short_name(k) for k in keys),
        ",".join(keys),
        action.deadline,
        action.deadline_text or (deadline_label(action) if not action.deadline else ""),
        t(f"status.{action.status}"),
        t("overview.export.yes") if (action.status in OPEN_STATUSES and action.deadline
                                      and action.deadline < ctx.today) else t("overview.export.no"),
        meeting.title if meeting else "",
        local_datetime(meeting.starts_at, ctx.tz).date() if meeting else None,
        local_datetime(action.created_at, ctx.tz).date(),
        local_datetime(action.updated_at, ctx.tz).date(),
    ]


def rows(ctx: Context, query: OverviewQuery) -> Iterator[list[Any]]:
    for action in listing.stream(ctx.session, query, ctx.resolver, ctx.today):
        yield action_row(ctx, action)


def _text_cell(value: Any) -> Any:
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            value = "'" + value
        if len(value) > EXCEL_CELL:
            value = value[: EXCEL_CELL - 1] + "…"
    return value


def write_csv(ctx: Context, query: OverviewQuery, out: IO[str]) -> Export:
    """Semicolon-separated, as Norwegian Excel opens CSV; dates as ISO."""
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    count = 0
    for row in rows(ctx, query):
        writer.writerow([v.isoformat() if isinstance(v, date | datetime) else _text_cell(v) for v in row])
        count += 1
    return Export(count, query.notes)


def csv_bytes(ctx: Context, query: OverviewQuery) -> bytes:
    buffer = io.StringIO()
    write_csv(ctx, query, buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(ctx: Context, query: OverviewQuery, out: IO[bytes] | str) -> Export:
    """Three sheets: the filtered actions, the per-party counts, each meeting's follow-up. Each has a
    frozen header row and an auto filter."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, columns: list[str], widths: list[int]):  # type: ignore[no-untyped-def]
        ws = workbook.create_sheet(title)
        ws.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        header = []
        for name in columns:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        return ws

    def cells(ws, values: list[Any]) -> list[Any]:  # type: ignore[no-untyped-def]
        out_cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=_text_cell(value))
            if isinstance(value, date):
                cell.number_format = "DD.MM.YYYY"
            out_cells.append(cell)
        return out_cells

    columns = headers()
    ws = sheet(t("overview.export.sheet.actions"), columns, [7, 8, 60, 30, 24, 12, 20, 11, 9, 40, 12, 12, 12])
    count = 0
    for row in rows(ctx, query):
        ws.append(cells(ws, row))
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"

    last = listing.last_meeting(ctx.session, ctx.now)
    counts = listing.party_counts(ctx.session, ctx.resolver, ctx.today, last.starts_at if last else None,
                                  meeting_id=query.meeting_id)
    party_columns = [t(f"overview.export.col.{c}") for c in ("party", "party_keys", "open", "overdue_count",
                                                               "done_since")]
    ws = sheet(t("overview.export.sheet.parties"), party_columns, [36, 20, 10, 10, 26])
    for item in counts:
        ws.append([item.name, item.key, item.open, item.overdue, item.done_since])
    ws.auto_filter.ref = f"A1:E{len(counts) + 1}"

    statuses = listing.meeting_statuses(ctx.session, ctx.today, limit=10_000, meeting_id=query.meeting_id)
    meeting_columns = [t(f"overview.export.col.{c}") for c in ("meeting", "meeting_date", "total", "open",
                                                                 "overdue_count", "done", "cancelled")]
    ws = sheet(t("overview.export.sheet.meetings"), meeting_columns, [44, 12, 10, 10, 10, 10, 10])
    for status in statuses:
        ws.append(cells(ws, [status.meeting.title, local_datetime(status.meeting.starts_at, ctx.tz).date(),
                             status.total, status.open, status.overdue, status.done, status.cancelled]))
    ws.auto_filter.ref = f"A1:G{len(statuses) + 1}"
    workbook.save(out)
    return Export(count, query.notes)
