"""The exception queue as billing operations see it: review items joined to their message,
filtered, searched, counted per reason and paged by keyset (bot/ledger/keyset.py).
Reading only; nothing here writes or commits."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, func, literal, or_
from sqlmodel import Session, col, select

from bot.ledger.keyset import Cursor, Keyset, Page, fetch_page
from bot.ledger.store import from_minor
from bot.ledger.tables import AuditEvent, InboundMessage, Payment, ReviewItem
from bot.model import DECISION_ACTIONS, PaymentState

# What the status filter offers: "active" (open and waiting) is what needs someone.
ITEM_STATUSES: dict[str, tuple[str, ...] | None] = {
    "active": ("open", "waiting"), "open": ("open",), "waiting": ("waiting",), "closed": ("closed",), "all": None,
}
AGE_CHOICES = (1, 3, 7)  # "older than N days"


@dataclass(frozen=True)
class QueueFilter:
    status: str = "active"  # a key of ITEM_STATUSES
    reason: str = ""  # one reason code, or "" for any
    account: str = ""  # an account id, or "" for any
    older_than: int = 0  # days; 0 for any age
    q: str = ""  # invoice number, payment id, words of the subject, or sender
    oldest_first: bool = False
    assigned: str = ""  # "mine", "unassigned", or "" for anyone's
    me: str = ""  # the signed-in user's email, for "mine"


@dataclass(frozen=True)
class QueueRow:
    id: int  # the review item's id: /items/{id}
    case_ref: str
    created_at: datetime
    item_status: str  # open | waiting | closed
    request_status: str  # review | needs_info | error
    from_addr: str
    subject: str
    account_id: str | None
    reasons: tuple[str, ...]
    assigned_to: str = ""
    request_json: str = ""  # InboundMessage.request, for the amount column
    evidence_json: str = ""  # InboundMessage.evidence
    inbound_id: int = 0

    @property
    def cursor(self) -> Cursor:
        return Cursor(at=self.created_at, id=self.id)


_COLUMNS = (ReviewItem.id, ReviewItem.case_ref, ReviewItem.created_at, ReviewItem.status, InboundMessage.status,
            InboundMessage.from_addr, InboundMessage.subject, InboundMessage.account_id, ReviewItem.reasons,
            ReviewItem.assigned_to, InboundMessage.request, InboundMessage.evidence, ReviewItem.inbound_id)
_KEYS = Keyset(at=col(ReviewItem.created_at), id=col(ReviewItem.id), key=lambda row: Cursor(at=row[2], id=row[0]))


def queue_page(session: Session, *, filters: QueueFilter, now: datetime, size: int,
               after: Cursor | None = None, before: Cursor | None = None) -> Page[QueueRow]:
    """One page of the queue in the chosen order; `after`/`before` are the neighbouring pages' cursors."""
    stmt = _joined(select(*_COLUMNS)).where(*conditions(filters, now=now))
    page = fetch_page(session, stmt, keys=_KEYS, newest_first=not filters.oldest_first, size=size, after=after, before=before)
    return Page(rows=[_row(r) for r in page.rows], prev=page.prev, next=page.next)


def reason_counts(session: Session, *, filters: QueueFilter, now: datetime) -> dict[str, int]:
    """Items per reason code under every filter but the reason itself, most frequent first.
    One grouped query: the distinct reason lists are few, so they are split here."""
    stmt = (_joined(select(ReviewItem.reasons, func.count()))
            .where(*conditions(filters, now=now, with_reason=False)).group_by(ReviewItem.reasons))
    counts: Counter[str] = Counter()
    for reasons, n in session.exec(stmt).all():
        for code in split_reasons(reasons):
            counts[code] += n
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def oldest_open_item(session: Session) -> QueueRow | None:
    stmt = _joined(select(*_COLUMNS)).where(ReviewItem.status == "open").order_by(*_KEYS.order(ascending=True)).limit(1)
    row = session.exec(stmt).first()
    return _row(row) if row is not None else None


def next_item_id(session: Session, *, after_id: int | None, me: str) -> int | None:
    """The oldest open item after `after_id` (in arrival order) that is nobody's or mine; when
    nothing follows, the oldest such item before it, so working through the queue wraps round."""
    mine_or_free = or_(col(ReviewItem.assigned_to) == "", col(ReviewItem.assigned_to) == me)
    base = select(ReviewItem.id).where(ReviewItem.status == "open", mine_or_free)
    order = (col(ReviewItem.created_at).asc(), col(ReviewItem.id).asc())
    current = session.get(ReviewItem, after_id) if after_id else None
    if current is not None:
        later = or_(col(ReviewItem.created_at) > current.created_at,
                    (col(ReviewItem.created_at) == current.created_at) & (col(ReviewItem.id) > current.id))
        found = session.exec(base.where(later).order_by(*order).limit(1)).first()
        if found is not None:
            return found
        base = base.where(col(ReviewItem.id) != current.id)
    return session.exec(base.order_by(*order).limit(1)).first()


def decisions_of(session: Session, *, inbound_ids: list[int]) -> dict[int, list[AuditEvent]]:
    """The bot's decision events of these messages, oldest first, in one query (for a page)."""
    out: dict[int, list[AuditEvent]] = {i: [] for i in inbound_ids}
    if not inbound_ids:
        return out
    stmt = (select(AuditEvent).where(col(AuditEvent.inbound_id).in_(inbound_ids), AuditEvent.actor == "allocbot",
                                     col(AuditEvent.action).in_(sorted(DECISION_ACTIONS))).order_by(col(AuditEvent.id)))
    for event in session.exec(stmt).all():
        out[event.inbound_id].append(event)
    return out


def payment_states(session: Session, *, payment_ids: list[str]) -> dict[str, PaymentState]:
    """Amount and what is left of each known payment among these ids."""
    if not payment_ids:
        return {}
    rows = session.exec(select(Payment).where(col(Payment.payment_id).in_(sorted(set(payment_ids))))).all()
    return {p.payment_id: PaymentState(amount=from_minor(p.amount_minor, p.currency),
                                       unallocated=from_minor(p.unallocated_minor, p.currency)) for p in rows}


def item_status_counts(session: Session) -> dict[str, int]:
    """Review items by their own status (open, waiting, closed)."""
    return dict(session.exec(select(ReviewItem.status, func.count()).group_by(ReviewItem.status)).all())


def conditions(filters: QueueFilter, *, now: datetime, with_reason: bool = True) -> list[Any]:
    """WHERE clauses of a filter (on ReviewItem joined to InboundMessage)."""
    out: list[Any] = []
    statuses = ITEM_STATUSES.get(filters.status, ITEM_STATUSES["active"])
    if statuses is not None:
        out.append(col(ReviewItem.status).in_(statuses))
    if with_reason and filters.reason:
        out.append(has_reason(filters.reason))
    if filters.account:
        out.append(InboundMessage.account_id == filters.account)
    if filters.older_than > 0:
        out.append(col(ReviewItem.created_at) <= now - timedelta(days=filters.older_than))
    if filters.q:
        out.append(_search(filters.q))
    if filters.assigned == "mine":
        out.append(ReviewItem.assigned_to == filters.me)
    elif filters.assigned == "unassigned":
        out.append(ReviewItem.assigned_to == "")
    return out


def has_reason(code: str) -> Any:
    """The item's comma-separated reasons include exactly this code (not a longer one)."""
    padded = literal(",") + col(ReviewItem.reasons) + literal(",")
    return padded.like(f"%,{like_escape(code)},%", escape="\\")


def split_reasons(reasons: str) -> tuple[str, ...]:
    return tuple(code for code in (reasons or "").split(",") if code)


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(q: str) -> Any:
    """Case-insensitive: the sender, the subject, and what was read (invoice numbers, payment
    ids, the text) and found (ledger rows) as stored with the message."""
    if not q.strip():
        return false()
    pattern = f"%{like_escape(q.strip())}%"
    return or_(*(col(c).ilike(pattern, escape="\\") for c in (InboundMessage.from_addr, InboundMessage.subject,
                                                               InboundMessage.request, InboundMessage.evidence)))


def _joined(stmt: Any) -> Any:
    return stmt.select_from(ReviewItem).join(InboundMessage, col(InboundMessage.id) == col(ReviewItem.inbound_id))


def _row(r: Any) -> QueueRow:
    return QueueRow(id=r[0], case_ref=r[1], created_at=r[2], item_status=r[3], request_status=r[4], from_addr=r[5],
                    subject=r[6], account_id=r[7], reasons=split_reasons(r[8]), assigned_to=r[9] or "",
                    request_json=r[10] or "", evidence_json=r[11] or "", inbound_id=r[12])
