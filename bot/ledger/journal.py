"""Writes that record what happened to a message: stored bytes, outcome, review item, outbox
row and audit event. Keyword arguments only; nothing here commits."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.ledger.tables import AuditEvent, InboundMessage, OutboundMessage, ReviewItem


def add_inbound(session: Session, *, dedup_key: str, message_id: str, source: str, raw: bytes, from_addr: str, subject: str, now: datetime) -> InboundMessage:
    row = InboundMessage(dedup_key=dedup_key, message_id=message_id, source=source, raw=raw,
                         from_addr=from_addr[:998], subject=subject, received_at=now)
    session.add(row)
    session.flush()
    return row


def record_outcome(session: Session, *, inbound: InboundMessage, status: str, reasons: list[str], account_id: str | None,
                   evidence: list[dict[str, Any]], request: dict[str, Any], now: datetime, error: str = "") -> None:
    inbound.status = status
    inbound.reasons = ",".join(reasons)
    inbound.account_id = account_id
    inbound.evidence = json.dumps(evidence, ensure_ascii=False, default=str)
    inbound.request = json.dumps(request, ensure_ascii=False, default=str)
    inbound.decided_at = now
    inbound.error = error
    session.add(inbound)
    session.flush()


def open_review(session: Session, *, inbound_id: int, reasons: list[str], now: datetime) -> ReviewItem:
    item = ReviewItem(inbound_id=inbound_id, case_ref=case_reference(inbound_id), reasons=",".join(reasons), created_at=now)
    session.add(item)
    session.flush()
    return item


def case_reference(inbound_id: int) -> str:
    return f"ALC-{inbound_id:06d}"


def queue_outbound(session: Session, *, inbound_id: int | None, kind: str, to_addr: str, message_id: str, raw: bytes, now: datetime) -> OutboundMessage:
    row = OutboundMessage(inbound_id=inbound_id, kind=kind, to_addr=to_addr, message_id=message_id, raw=raw, created_at=now)
    session.add(row)
    session.flush()
    return row


def pending_outbound(session: Session, *, limit: int, now: datetime, after: int = 0) -> list[OutboundMessage]:
    """Replies due now (never tried, or their retry time has come), oldest first, ids above
    `after` (no locks: see claim_outbound)."""
    stmt = (select(OutboundMessage)
            .where(OutboundMessage.status == "pending", OutboundMessage.id > after,
                   or_(col(OutboundMessage.next_attempt_at).is_(None), col(OutboundMessage.next_attempt_at) <= now))
            .order_by(OutboundMessage.id).limit(limit))
    return list(session.exec(stmt).all())


def claim_outbound(session: Session, *, outbound_id: int) -> OutboundMessage | None:
    """Lock one pending reply for sending until this transaction ends (skipped when another
    worker holds it), so two workers never hand the same reply to the transport."""
    stmt = select(OutboundMessage).where(OutboundMessage.id == outbound_id, OutboundMessage.status == "pending")
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.exec(stmt).first()


def mark_sent(session: Session, *, outbound: OutboundMessage, now: datetime) -> None:
    outbound.status = "sent"
    outbound.sent_at = now
    outbound.attempts += 1
    outbound.next_attempt_at = None
    session.add(outbound)


def mark_failed(session: Session, *, outbound: OutboundMessage, error: str, retry_at: datetime | None) -> None:
    """Record a refused attempt: wait until `retry_at`, or (None) fail for good, visible to operations."""
    outbound.attempts += 1
    outbound.last_error = error[:2000]
    outbound.next_attempt_at = retry_at
    if retry_at is None:
        outbound.status = "failed"
    session.add(outbound)


def audit(session: Session, *, actor: str, action: str, inbound_id: int | None, detail: dict[str, Any], now: datetime) -> None:
    session.add(AuditEvent(at=now, actor=actor, action=action, inbound_id=inbound_id,
                           detail=json.dumps(detail, ensure_ascii=False, default=str)))
