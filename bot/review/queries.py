"""Reads and the one guarded write of the review actions. Keyword arguments only; nothing
here commits: the action service (bot/review/actions.py) owns the transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.ledger.tables import Allocation, AuditEvent, OutboundMessage, Posting, ReviewItem

ACTIVE = ("open", "waiting")


def claim_item(session: Session, *, item_id: int, to_status: str, resolution: str, actor: str, now: datetime) -> str | None:
    """Move an item that is still open or waiting to `to_status`, in one conditional UPDATE
    per possible starting status; returns the status it had, or None when it had neither.

    This is the first statement of every action. The UPDATE takes the row's lock, so of two
    people acting at once the second waits, then finds the row changed and changes nothing
    (PostgreSQL re-checks the WHERE clause after the first commits; SQLite's write lock,
    taken at BEGIN IMMEDIATE, lets only one transaction in at a time)."""
    values: dict[str, object] = {"status": to_status}
    if to_status == "closed":
        values.update(resolution=resolution, closed_by=actor, closed_at=now)
    for before in ACTIVE:
        result = session.execute(update(ReviewItem).where(col(ReviewItem.id) == item_id, col(ReviewItem.status) == before)
                                 .values(**values).execution_options(synchronize_session=False))
        if result.rowcount == 1:
            return before
    return None


def audit_events(session: Session, *, inbound_id: int) -> list[AuditEvent]:
    """A message's audit events, oldest first."""
    return list(session.exec(select(AuditEvent).where(AuditEvent.inbound_id == inbound_id).order_by(col(AuditEvent.id))).all())


def last_event_id(session: Session, *, inbound_id: int) -> int:
    """The newest audit event of a message (0 for none): what a form saw when it was shown."""
    return session.exec(select(func.max(AuditEvent.id)).where(AuditEvent.inbound_id == inbound_id)).one() or 0


def last_person_event(session: Session, *, inbound_id: int) -> AuditEvent | None:
    """The latest thing a person (not the bot) did about a message."""
    stmt = (select(AuditEvent).where(AuditEvent.inbound_id == inbound_id, AuditEvent.actor != "allocbot")
            .order_by(col(AuditEvent.id).desc()).limit(1))
    return session.exec(stmt).first()


def replies_for(session: Session, *, inbound_id: int) -> list[OutboundMessage]:
    """The replies queued about a message, oldest first."""
    return list(session.exec(select(OutboundMessage).where(OutboundMessage.inbound_id == inbound_id)
                             .order_by(col(OutboundMessage.id))).all())


__all__ = ["ACTIVE", "allocated_since", "audit_events", "claim_item", "last_event_id", "last_person_event", "replies_for",
           "mark_waiting", "request_allocations", "reversing", "review_item_for", "waiting_since"]


def allocated_since(session: Session, *, pairs: list[tuple[str, str]], since: datetime) -> list[tuple[str, str, str]]:
    """(payment, invoice, by whom) of the given pairs allocated after `since`: money for the
    same request may have moved another way meanwhile (the partner's answer, applied)."""
    if not pairs:
        return []
    rows = session.exec(select(Allocation.payment_id, Allocation.invoice_number, Allocation.created_by)
                        .where(col(Allocation.payment_id).in_({p for p, _ in pairs}), col(Allocation.created_at) > since,
                               col(Allocation.released_at).is_(None))).all()
    wanted = set(pairs)
    return sorted({(p, i, who) for p, i, who in rows if (p, i) in wanted})


def request_allocations(session: Session, *, inbound_id: int) -> list[Allocation]:
    """The allocations a request caused (by the bot or a person acting on it), oldest first,
    released ones included: the request page shows what was undone too."""
    return list(session.exec(select(Allocation).where(Allocation.inbound_id == inbound_id)
                             .order_by(col(Allocation.id))).all())


def reversing(session: Session, *, allocation_ids: list[int]) -> dict[int, str]:
    """allocation id -> state of its reversal posting still in force (not rejected)."""
    if not allocation_ids:
        return {}
    rows = session.exec(select(Posting.allocation_id, Posting.state).where(
        col(Posting.allocation_id).in_(allocation_ids), Posting.kind == "reverse", Posting.state != "rejected")).all()
    return {a: s for a, s in rows}


def review_item_for(session: Session, *, inbound_id: int) -> ReviewItem | None:
    """The request's newest review item, if it was ever queued."""
    return session.exec(select(ReviewItem).where(ReviewItem.inbound_id == inbound_id)
                        .order_by(col(ReviewItem.id).desc()).limit(1)).first()


def mark_waiting(session: Session, *, item_id: int) -> bool:
    """An open item whose question went out to the partner now waits for the answer (issue 16):
    the queue and the dashboard count it as "waiting for the partner". An answer reopens or
    closes it through claim_item, which takes waiting items as it takes open ones."""
    result = session.execute(update(ReviewItem).where(col(ReviewItem.id) == item_id, col(ReviewItem.status) == "open")
                             .values(status="waiting").execution_options(synchronize_session=False))
    return result.rowcount == 1


def waiting_since(session: Session, *, inbound_id: int) -> datetime | None:
    """When the latest question about a request went out to the partner (its needs_info reply)."""
    return session.exec(select(func.max(OutboundMessage.created_at)).where(
        OutboundMessage.inbound_id == inbound_id, OutboundMessage.kind == "needs_info")).one()
