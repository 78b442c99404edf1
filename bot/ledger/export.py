"""`requests export --format jsonl`: one record per stored message (DESIGN.md fields, and more)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session

from bot.ledger import store
from bot.ledger.tables import Allocation, OutboundMessage


def export_requests(session: Session) -> Iterator[dict[str, Any]]:
    """Records in arrival order; allocations are the ones actually written, as decimal strings."""
    for batch in store.iter_inbound(session):
        ids = [row.id for row in batch]
        allocations = store.rows_by_inbound(session, table=Allocation, inbound_ids=ids)
        replies = store.rows_by_inbound(session, table=OutboundMessage, inbound_ids=ids)
        for row in batch:
            yield {
                "id": row.id,
                "message_id": row.message_id,
                "from": row.from_addr,
                "subject": row.subject,
                "status": row.status,
                "reasons": [r for r in row.reasons.split(",") if r],
                "account_id": row.account_id,
                "received_at": row.received_at.isoformat() if row.received_at else None,
                "decided_at": row.decided_at.isoformat() if row.decided_at else None,
                "allocations": [
                    {"payment_id": a.payment_id, "invoice_number": a.invoice_number,
                     "amount": str(store.from_minor(a.amount_minor, a.currency).amount), "currency": a.currency}
                    for a in allocations.get(row.id, [])
                ],
                "replies": [{"kind": r.kind, "to": r.to_addr, "message_id": r.message_id, "status": r.status}
                            for r in replies.get(row.id, [])],
            }
