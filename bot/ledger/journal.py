"""Writes that record what happened to a message: stored bytes, outcome, review item, outbox
row and audit event. Keyword arguments only; nothing here commits."""
from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, update
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


def _due(now: datetime, ended: Collection[str] = ()):
    """Pending and due (never tried, or its retry time has come), or claimed by a sender that
    has not finished within its claim (it crashed) or whose process has ended (`ended`): that
    reply is tried again."""
    waiting = or_(col(OutboundMessage.next_attempt_at).is_(None), col(OutboundMessage.next_attempt_at) <= now)
    abandoned = col(OutboundMessage.next_attempt_at) <= now
    if ended:
        abandoned = or_(abandoned, col(OutboundMessage.claimed_by).in_(list(ended)))
    return or_((OutboundMessage.status == "pending") & waiting, (OutboundMessage.status == "sending") & abandoned)


def pending_outbound(session: Session, *, limit: int, now: datetime, after: int = 0,
                     ended: Collection[str] = ()) -> list[OutboundMessage]:
    """Replies due now, oldest first, ids above `after` (no locks: see claim_outbound)."""
    stmt = (select(OutboundMessage).where(_due(now, ended), OutboundMessage.id > after)
            .order_by(OutboundMessage.id).limit(limit))
    return list(session.exec(stmt).all())


def sending_claimers(session: Session, *, now: datetime) -> list[str]:
    """Who holds claims on replies being sent that have not run out (see _due's `ended`)."""
    return list(session.exec(select(OutboundMessage.claimed_by).distinct().where(
        OutboundMessage.status == "sending", col(OutboundMessage.next_attempt_at) > now)).all())


def claim_outbound(session: Session, *, outbound_id: int, now: datetime, until: datetime, holder: str = "",
                   ended: Collection[str] = ()) -> OutboundMessage | None:
    """Take one due reply for sending until `until`, or None when it is not due any more (sent,
    deferred, or claimed by another worker meanwhile). The claim is a committed row state
    (`sending`, by `holder`), not a lock held while the server talks, so no transaction stays
    open during SMTP; a sender that dies leaves the claim to expire (or to be taken at once
    when its process is known to have ended), and the reply is tried again."""
    return session.scalars(
        update(OutboundMessage).where(OutboundMessage.id == outbound_id, _due(now, ended))
        .values(status="sending", next_attempt_at=until, claimed_by=holder[:256]).returning(OutboundMessage)
        .execution_options(synchronize_session=False)
    ).one_or_none()


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
    """One audit event, written at once: nothing reads it back in the transaction, so it needs
    no ORM object (the unit of work profiled as a visible share of every message)."""
    session.execute(insert(AuditEvent).values(at=now, actor=actor, action=action, inbound_id=inbound_id,
                                              detail=json.dumps(detail, ensure_ascii=False, default=str)))


# ---- limits against floods and bounces (issue 5): counts over indexed columns -------------

def _count(session: Session, *, rows, at_most: int | None) -> int:
    """count(*) of a SELECT, reading no more than `at_most` rows when given (a limit check
    needs no more, and under a flood the full count grows with every message)."""
    if at_most is not None:
        rows = rows.limit(at_most)
    return int(session.exec(select(func.count()).select_from(rows.subquery())).one())


def count_earlier_requests(session: Session, *, sender_addr: str, since: datetime, before_id: int,
                           at_most: int | None = None) -> int:
    """Messages from `sender_addr` stored at or after `since` and before message `before_id`,
    machine mail (`ignored`) not counted (index ix_inbound_sender_received); at most `at_most`."""
    rows = select(InboundMessage.id).where(InboundMessage.sender_addr == sender_addr,
                                           col(InboundMessage.received_at) >= since,
                                           col(InboundMessage.id) < before_id, InboundMessage.status != "ignored")
    return _count(session, rows=rows, at_most=at_most)


def count_audits(session: Session, *, inbound_id: int, action: str) -> int:
    """Audit events `action` of one message (index on auditevent.inbound_id): e.g. how often
    deciding it failed on a database error."""
    rows = select(AuditEvent.id).where(AuditEvent.inbound_id == inbound_id, AuditEvent.action == action)
    return _count(session, rows=rows, at_most=None)


def count_replies_to(session: Session, *, to_addr: str, since: datetime, at_most: int | None = None) -> int:
    """Outbox rows to `to_addr` created at or after `since`, any kind and status (index
    ix_outbound_to_created); at most `at_most`."""
    rows = select(OutboundMessage.id).where(OutboundMessage.to_addr == to_addr, col(OutboundMessage.created_at) >= since)
    return _count(session, rows=rows, at_most=at_most)


def recent_reply_statuses(session: Session, *, to_addr: str, statuses: tuple[str, ...], limit: int) -> list[str]:
    """The statuses of the newest `limit` outbox rows to `to_addr` whose status is one of
    `statuses`, newest first."""
    stmt = (select(OutboundMessage.status)
            .where(OutboundMessage.to_addr == to_addr, col(OutboundMessage.status).in_(statuses))
            .order_by(col(OutboundMessage.created_at).desc(), col(OutboundMessage.id).desc()).limit(limit))
    return list(session.exec(stmt).all())


def mark_bounced(session: Session, *, message_ids: list[str], reason: str, now: datetime) -> list[OutboundMessage]:
    """Mark the outbox rows with these Message-IDs `bounced` with the bounce's reason; returns
    the rows newly marked (a row already bounced is left as it was)."""
    if not message_ids:
        return []
    rows = session.exec(select(OutboundMessage).where(col(OutboundMessage.message_id).in_(message_ids),
                                                      OutboundMessage.status != "bounced")
                        .order_by(OutboundMessage.id)).all()
    for row in rows:
        row.status = "bounced"
        row.bounced_at = now
        row.bounce_reason = reason[:2000]
        row.next_attempt_at = None
        session.add(row)
    session.flush()
    return list(rows)
