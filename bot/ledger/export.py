"""`requests export --format jsonl`: one record per stored message (DESIGN.md fields, and more)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session

from bot.ledger import postings, store
from bot.ledger.tables import Allocation, OutboundMessage, Posting


def export_requests(session: Session) -> Iterator[dict[str, Any]]:
    """Records in arrival order; allocations are the ones actually written (a released one,
    refused by the billing system, moves no money and is left out), as decimal strings."""
    for batch in store.iter_inbound(session):
        ids = [row.id for row in batch]
        allocations = store.rows_by_inbound(session, table=Allocation, inbound_ids=ids)
        replies = store.rows_by_inbound(session, table=OutboundMessage, inbound_ids=ids)
        sent = store.rows_by_inbound(session, table=Posting, inbound_ids=ids)
        for row in batch:
            mine = sent.get(row.id, [])
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
                    for a in allocations.get(row.id, []) if a.released_at is None
                ],
                # "awaiting_billing": applied, not yet shown by the billing system (issue 13)
                "billing_status": postings.billing_status([p.state for p in mine]),
                "postings": [{"key": p.key, "kind": p.kind, "state": p.state, "reason": p.reason or None} for p in mine],
                "replies": [{"kind": r.kind, "to": r.to_addr, "message_id": r.message_id, "status": r.status}
                            for r in replies.get(row.id, [])],
            }
