"""What the bot read and proposed for one message, read back from what it stored.

The deciding transaction keeps three records (bot/service.py): the request it read
(`InboundMessage.request`, the JSON of a `Request`), the evidence behind its reasons
(`InboundMessage.evidence`) and an audit event whose detail holds the proposed
`allocations`. This module turns them back into the model's values. Pure: strings and
plain objects in, values out; anything malformed reads as "nothing there", never raises.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bot.model import (
    DECISION_ACTIONS, Allocation, Amount, Evidence, Instruction, InvoiceLine, Money, Reason, Request, Span, named_ids,
)



class AuditLike(Protocol):
    actor: str
    action: str
    detail: str


@dataclass(frozen=True)
class Proposal:
    """The bot's decision as it recorded it: outcome, reasons and the allocations it proposed."""

    status: str = ""
    reasons: tuple[str, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    case_ref: str | None = None


def _json(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text or "")
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def _span(value: Any) -> Span | None:
    if not isinstance(value, dict):
        return None
    try:
        return Span(int(value["start"]), int(value["end"]), str(value.get("text", "")))
    except (KeyError, TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _amount(value: Any) -> Amount | None:
    if not isinstance(value, dict):
        return None
    number, span = _decimal(value.get("value")), _span(value.get("span"))
    if number is None or span is None:
        return None
    return Amount(number, value.get("currency") or None, span, str(value.get("symbol") or ""))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _line(value: Any) -> InvoiceLine | None:
    if not isinstance(value, dict) or not value.get("invoice_number"):
        return None
    span = _span(value.get("span")) or Span(0, 0, str(value["invoice_number"]))
    return InvoiceLine(str(value["invoice_number"]), span, _amount(value.get("amount")))


def _instruction(value: Any) -> Instruction | None:
    if not isinstance(value, dict):
        return None
    lines = tuple(line for v in value.get("lines") or () if (line := _line(v)))
    text = str(value.get("text") or "")
    return Instruction(lines=lines, text=text, span=_span(value.get("span")) or Span(0, 0, text),
                       payment_ids=tuple(str(p) for p in value.get("payment_ids") or ()),
                       payment_amount=_amount(value.get("payment_amount")), paid_on=_date(value.get("paid_on")),
                       mentions_payment=bool(value.get("mentions_payment")))


def parse_request(text: str | None) -> Request:
    """The stored `InboundMessage.request` as a Request (empty for ignored or unreadable mail)."""
    data = _json(text, {})
    return Request(
        text=str(data.get("text") or ""),
        instructions=tuple(ins for v in data.get("instructions") or () if (ins := _instruction(v))),
        malformed_invoices=tuple(s for v in data.get("malformed_invoices") or () if (s := _span(v))),
        malformed_payments=tuple(s for v in data.get("malformed_payments") or () if (s := _span(v))),
        is_question=bool(data.get("is_question")),
        hedges=tuple(s for v in data.get("hedges") or () if (s := _span(v))),
        withdrawn=tuple(s for v in data.get("withdrawn") or () if (s := _span(v))),
    )


def _reason(value: Any) -> Reason | None:
    try:
        return Reason(value) if value else None
    except ValueError:
        return None


def parse_evidence(text: str | None) -> tuple[Evidence, ...]:
    """The stored `InboundMessage.evidence` as Evidence values, in the order they were found."""
    out = []
    for value in _json(text, []):
        if isinstance(value, dict) and value.get("rule"):
            rows = value.get("rows") if isinstance(value.get("rows"), list) else []
            out.append(Evidence(str(value["rule"]), str(value.get("detail") or ""), _span(value.get("span")),
                                tuple(str(r) for r in rows), _reason(value.get("reason"))))
    return tuple(out)


def parse_allocations(values: Any) -> tuple[Allocation, ...]:
    """Allocations as the audit detail stores them: {payment_id, invoice_number, amount: {amount, currency}}."""
    out = []
    for value in values if isinstance(values, list) else ():
        try:
            money = value["amount"]
            out.append(Allocation(str(value["payment_id"]), str(value["invoice_number"]),
                                  Money(Decimal(str(money["amount"])), str(money["currency"]))))
        except (KeyError, TypeError, ValueError, InvalidOperation):
            continue
    return tuple(out)


def proposal_from(events: Iterable[AuditLike]) -> Proposal:
    """The bot's last decision among a message's audit events (oldest first)."""
    decided = [e for e in events if e.actor == "allocbot" and e.action in DECISION_ACTIONS]
    if not decided:
        return Proposal()
    last = decided[-1]
    detail = _json(last.detail, {})
    return Proposal(status=last.action, reasons=tuple(str(r) for r in detail.get("reasons") or ()),
                    allocations=parse_allocations(detail.get("allocations")), case_ref=detail.get("case_ref") or None)


def _payment_spans(text: str, ins: Instruction) -> list[Span]:
    """Where the instruction's payment ids stand in the text. The reader keeps the ids, not
    their spans; an id is found as written within the instruction's own span (one written
    another way, "py-0000 0001", is not marked rather than marked in the wrong place)."""
    found = []
    start, end = max(ins.span.start, 0), min(ins.span.end, len(text))
    for payment_id in ins.payment_ids:
        at = text.find(payment_id, start, end)
        while at >= 0:
            found.append(Span(at, at + len(payment_id), payment_id))
            at = text.find(payment_id, at + len(payment_id), end)
    return found


def request_spans(request: Request, evidence: Iterable[Evidence] = ()) -> list[Span]:
    """Every span something was read from: payment ids, invoice numbers, amounts, malformed ids,
    evidence."""
    spans: list[Span] = []
    for ins in request.instructions:
        spans.extend(_payment_spans(request.text, ins))
        spans.extend(line.span for line in ins.lines)
        spans.extend(line.amount.span for line in ins.lines if line.amount)
        if ins.payment_amount:
            spans.append(ins.payment_amount.span)
    spans.extend(request.malformed_invoices + request.malformed_payments)
    spans.extend(e.span for e in evidence if e.span and e.span.end - e.span.start <= 80)
    return spans


def marked_text(text: str, spans: Iterable[Span]) -> list[tuple[str, bool]]:
    """The request text cut into (piece, read-from-here) segments for highlighting; spans
    that do not match the text where they claim to be are left out, overlaps are merged."""
    ranges = sorted((s.start, s.end) for s in spans
                    if 0 <= s.start < s.end <= len(text) and text[s.start:s.end] == s.text)
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out


def evidence_for(key: str, evidence: Iterable[Evidence]) -> list[Evidence]:
    """The evidence that names a ledger row (payment id or invoice number)."""
    return [e for e in evidence if key in e.rows or (e.span is not None and e.span.text == key)]


def detail_json(text: str | None) -> dict[str, Any]:
    return _json(text, {})


__all__ = ["DECISION_ACTIONS", "Proposal", "detail_json", "evidence_for", "marked_text", "named_ids",
           "parse_allocations", "parse_evidence", "parse_request", "proposal_from", "request_spans"]
