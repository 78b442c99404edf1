"""Writes that record what happened to a message: stored bytes, outcome, review item, outbox
row and audit event. Keyword arguments only; nothing here commits."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
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


def _due(now: datetime):
    """Pending and due (never tried, or its retry time has come), or claimed by a sender that
    has not finished within its claim (it crashed): that reply is tried again."""
    waiting = or_(col(OutboundMessage.next_attempt_at).is_(None), col(OutboundMessage.next_attempt_at) <= now)
    abandoned = col(OutboundMessage.next_attempt_at) <= now
    return or_((OutboundMessage.status == "pending") & waiting, (OutboundMessage.status == "sending") & abandoned)


def pending_outbound(session: Session, *, limit: int, now: datetime, after: int = 0) -> list[OutboundMessage]:
    """Replies due now, oldest first, ids above `after` (no locks: see claim_outbound)."""
    stmt = (select(OutboundMessage).where(_due(now), OutboundMessage.id > after)
            .order_by(OutboundMessage.id).limit(limit))
    return list(session.exec(stmt).all())


def claim_outbound(session: Session, *, outbound_id: int, now: datetime, until: datetime) -> OutboundMessage | None:
    """Take one due reply for sending until `until`, or None when it is not due any more (sent,
    deferred, or claimed by another worker meanwhile). The claim is a committed row state
    (`sending`), not a lock held while the server talks, so no transaction stays open during
    SMTP; a sender that dies leaves the claim to expire, and the reply is tried again."""
    claimed = session.execute(
        update(OutboundMessage).where(OutboundMessage.id == outbound_id, _due(now))
        .values(status="sending", next_attempt_at=until)
    ).rowcount
    return session.get(OutboundMessage, outbound_id) if claimed == 1 else None


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
    outbound.status = "failed" if retry_at is None else "pending"
    session.add(outbound)


def audit(session: Session, *, actor: str, action: str, inbound_id: int | None, detail: dict[str, Any], now: datetime) -> None:
    session.add(AuditEvent(at=now, actor=actor, action=action, inbound_id=inbound_id,
                           detail=json.dumps(detail, ensure_ascii=False, default=str)))
