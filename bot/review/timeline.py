"""The conversation and audit trail of one request, in words: the mail, each reply, each audit
event, oldest first. Reasons read as their labels, actions and reply kinds as what happened
("held for review", "question to the partner"); the codes stay in the JSON a click away.
Read-only: nothing here writes or commits."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.ledger.tables import InboundMessage
from bot.review import queries
from bot.review.audit_sentences import VERBS, money
from bot.review.guidance import reason_label
from bot.review.queue_columns import STATUS_WORDS
from bot.review.replying import reply_text

REPLY_KINDS = {
    "confirmation": "confirmation", "needs_info": "question to the partner",
    "review_ack": "acknowledgement (held for review)", "pending_ack": "acknowledgement (awaiting billing)",
    "rejected": "rejection", "cancelled": "withdrawal confirmed", "digest": "digest",
    "unallocated_notice": "unallocated payment notice",
}
_TRAILING = re.compile(r" (?:on|for|of|to|in|about)$")  # "asked the partner about" as a title


@dataclass(frozen=True)
class Entry:
    """One line of the conversation: the mail, a reply, or an audit event."""

    at: datetime | None
    kind: str  # received | reply | event
    title: str
    who: str
    summary: str = ""
    body: str = ""


def event_title(action: str) -> str:
    """ "Held for review", "Approved": an audit action as a title; an unknown one in words."""
    words = STATUS_WORDS.get(action) or _TRAILING.sub("", VERBS.get(action, action.replace("_", " ")))
    return words[:1].upper() + words[1:]


def reply_title(kind: str) -> str:
    return "Reply: " + REPLY_KINDS.get(kind, kind.replace("_", " "))


def event_summary(action: str, detail: dict[str, Any]) -> str:
    """The allocations, reasons and notes an event carries, as a line."""
    allocations = detail.get("allocations") or []
    parts = []
    for a in allocations if isinstance(allocations, list) else ():
        if isinstance(a, dict):  # the bot's carry {amount: {amount, currency}}, a person's amount and currency
            amount = money(a.get("amount"), a.get("currency"))
            parts.append(f"{a.get('payment_id')} → {a.get('invoice_number')}: {amount}")
    words = [", ".join(parts)] if parts else []
    reasons = detail.get("reasons")
    if reasons and isinstance(reasons, list) and action in ("needs_info", "review", "applied"):
        words.append("why: " + ", ".join(reason_label(str(r)) for r in reasons))
    for key in ("reason", "note", "no_reply", "error"):
        if detail.get(key):
            words.append(f"{key.replace('_', ' ')}: {detail[key]}")
    return "; ".join(words)


def timeline(session: Session, inbound: InboundMessage) -> list[Entry]:
    entries = [Entry(inbound.received_at, "received", "Request received", inbound.from_addr, inbound.subject)]
    for reply in queries.replies_for(session, inbound_id=inbound.id):
        sent = f"sent {reply.sent_at:%Y-%m-%d %H:%M UTC}" if reply.sent_at else reply.status
        said = f"{sent}; {reply.last_error}" if reply.last_error else sent
        entries.append(Entry(reply.created_at, "reply", reply_title(reply.kind), reply.to_addr, said,
                             reply_text(reply.raw)))
    for event in queries.audit_events(session, inbound_id=inbound.id):
        try:
            detail = json.loads(event.detail or "{}")
        except ValueError:
            detail = {}
        detail = detail if isinstance(detail, dict) else {}
        entries.append(Entry(event.at, "event", event_title(event.action), event.actor,
                             event_summary(event.action, detail),
                             json.dumps(detail, indent=2, ensure_ascii=False, sort_keys=True)))
    order = {"received": 0, "event": 1, "reply": 2}
    return sorted(entries, key=lambda e: (e.at is None, e.at.replace(tzinfo=None) if e.at else datetime.min,
                                          order[e.kind]))


__all__ = ["Entry", "REPLY_KINDS", "event_summary", "event_title", "reply_title", "timeline"]
