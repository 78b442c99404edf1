"""The audit log as billing operations read it: events newest first, filtered, paged by
keyset, and the same events as CSV rows. Reading only; nothing here writes or commits."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import false, func
from sqlmodel import Session, col, select

from bot.ledger.journal import case_reference
from bot.ledger.keyset import Cursor, Keyset, Page, fetch_page
from bot.ledger.tables import AuditEvent, ReviewItem

CSV_COLUMNS = ("at", "actor", "action", "inbound_id", "case_ref", "detail")
_REF = re.compile(r"(?:ALC-)?(\d{1,18})", re.IGNORECASE)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # case-insensitive, exact
    action: str = ""  # exact
    ref: str = ""  # an inbound id ("42") or a case reference ("ALC-000042")
    since: date | None = None  # from 00:00 UTC of this day
    until: date | None = None  # to the end (24:00 UTC) of this day


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    inbound_id: int | None
    case_ref: str  # "" when the message has no review item
    item_id: int | None  # the review item: /items/{item_id}
    detail: str  # JSON


_KEYS = Keyset(at=col(AuditEvent.at), id=col(AuditEvent.id), key=lambda row: Cursor(at=row[0].at, id=row[0].id))


def audit_page(session: Session, *, filters: AuditFilter, size: int,
               after: Cursor | None = None, before: Cursor | None = None) -> Page[AuditRow]:
    page = fetch_page(session, _filtered(filters), keys=_KEYS, newest_first=True, size=size, after=after, before=before)
    return Page(rows=[_row(r) for r in page.rows], prev=page.prev, next=page.next)


def audit_rows(session: Session, *, filters: AuditFilter, batch: int = 1000) -> Iterator[AuditRow]:
    """Every matching event, newest first, read in batches (for the CSV export)."""
    stmt = _filtered(filters).order_by(*_KEYS.order(ascending=False)).execution_options(yield_per=batch)
    for r in session.exec(stmt):
        yield _row(r)


def csv_cells(row: AuditRow) -> list[str]:
    """One CSV line, in CSV_COLUMNS order, safe to open in a spreadsheet."""
    cells = [row.at.astimezone(UTC).isoformat(), row.actor, row.action,
             "" if row.inbound_id is None else str(row.inbound_id), row.case_ref, row.detail]
    return [neutralise(cell) for cell in cells]


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe, so it is shown as text."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def conditions(filters: AuditFilter) -> list[Any]:
    out: list[Any] = []
    if filters.actor:
        out.append(func.lower(col(AuditEvent.actor)) == filters.actor.lower())
    if filters.action:
        out.append(AuditEvent.action == filters.action)
    if filters.ref:
        out.append(_ref_condition(filters.ref))
    if filters.since:
        out.append(col(AuditEvent.at) >= datetime.combine(filters.since, time(0), tzinfo=UTC))
    if filters.until:
        out.append(col(AuditEvent.at) < datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=UTC))
    return out


def _ref_condition(ref: str) -> Any:
    """Events of one message: named by its inbound id or by its case reference."""
    match = _REF.fullmatch(ref.strip())
    if match is None:
        return false()
    number = int(match.group(1))
    if ref.strip().upper().startswith("ALC-"):
        return ReviewItem.case_ref == case_reference(number)
    return AuditEvent.inbound_id == number


def _filtered(filters: AuditFilter) -> Any:
    return (select(AuditEvent, ReviewItem.id, ReviewItem.case_ref)
            .select_from(AuditEvent)
            .outerjoin(ReviewItem, col(ReviewItem.inbound_id) == col(AuditEvent.inbound_id))
            .where(*conditions(filters)))


def _row(r: Any) -> AuditRow:
    event, item_id, case_ref = r
    return AuditRow(id=event.id, at=event.at, actor=event.actor, action=event.action, inbound_id=event.inbound_id,
                    case_ref=case_ref or "", item_id=item_id, detail=event.detail)
