"""The audit log in words: "admin@x (billing_admin) approved case ALC-000012: PY1 → G2 450.00 EUR",
so a reader need not decode JSON to know what happened; the JSON stays one click away.
Every action the code records has its wording here; an action added later still reads as a
sentence (its code in words). Values to values: the route passes the event and the actor's role."""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.review.guidance import reason_label

VERBS = {
    "approved": "approved", "edited": "edited and applied", "rejected": "rejected", "dismissed": "dismissed",
    "asked": "asked the partner about", "undone": "reversed the allocation of", "claimed": "claimed",
    "assigned": "assigned", "released": "released", "applied": "applied", "review": "held for review",
    "needs_info": "asked the partner for information on", "error": "could not read",
    "cancelled": "closed as withdrawn by the partner", "ignored": "ignored", "stored": "stored",
    "duplicate_delivery": "skipped a second delivery of a mail already stored",
    "allocation_reversed": "reversed an allocation of", "decide_deferred": "will retry deciding",
    "held_after_retries": "gave up deciding and held for review", "confirmation_deferred":
    "held the confirmation until billing reflects", "confirmation_released": "released the confirmation for",
    "reply_suppressed": "sent no reply to", "bounce_traced": "traced a bounce of a reply to",
    "bounce_untraced": "received an untraceable bounce in",
    "reply_bounced": "saw the reply bounce for",
    "replies_stopped": "stopped replying after bounces, for",
    "payment_noticed": "listed an unallocated payment",
    "posting_conflict": "reported a conflicting posting state for",
    "reversal_rejected": "refused the reversal for",
    "billing_rejected": "refused a posting for", "posting_retry": "retried a posting for",
    "billing_discrepancy": "found a difference from allocbot's postings for",
    "item_completed": "closed", "item_superseded": "closed", "item_cancelled": "closed",
    "signed_in": "signed in", "signed_out": "signed out",
    "sign_in_failed": "failed to sign in", "sign_in_blocked": "was blocked from signing in",
    "sign_in_unlocked": "unlocked the sign-in of", "user_enabled": "enabled the account of",
    "user_disabled": "disabled the account of", "password_set": "set the password of",
}
BOT = "allocbot"
MACHINES = {BOT: "The bot", "billing": "The billing system", "ledger-import": "The ledger import",
            "operator": "An operator"}
AFTER = {"item_completed": " after the partner's answer",
         "item_superseded": " as a newer request replaced it",
         "item_cancelled": " as the partner withdrew it"}
_NO_SUBJECT = {"signed_in", "signed_out", "sign_in_failed", "sign_in_blocked", "payment_noticed"}


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def money(amount: Any, currency: Any = "") -> str:
    """ "41,849.86 EUR": an amount as people write it; a Money dict {amount, currency} too."""
    if isinstance(amount, dict):
        amount, currency = amount.get("amount", "?"), amount.get("currency", currency)
    try:
        text = f"{Decimal(str(amount)):,}"
    except (InvalidOperation, ValueError):
        text = str(amount)
    return f"{text} {currency or ''}".strip()


def _allocation(a: dict[str, Any]) -> str:
    amount = money(a.get("amount", "?"), a.get("currency"))
    return f"{a.get('payment_id', '?')} → {a.get('invoice_number', '?')} {amount}"


def _allocations(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    return "; ".join(_allocation(a) for a in value if isinstance(a, dict))


def _reasons(value: Any) -> str:
    codes = value if isinstance(value, list) else [value] if value else []
    return ", ".join(reason_label(str(r)) for r in codes)


def _quoted(text: Any) -> str:
    return f"“{text}”" if text else ""


def _tail(action: str, data: dict[str, Any]) -> str:
    """What the event was about, in words; empty when the subject says it all."""
    if action == "allocation_reversed":
        why = f", because {_quoted(data.get('reason'))}" if data.get("reason") else ""
        return f"{_allocation(data)}{why}"
    if action in ("rejected", "reversal_rejected", "posting_conflict", "bounce_untraced", "reply_bounced"):
        return _quoted(data.get("reason"))
    if action in ("review", "needs_info", "held_after_retries", "ignored", "cancelled"):
        parts = [_reasons(data.get("reasons") or data.get("reason")), _allocations(data.get("allocations"))]
        return "; ".join(p for p in parts if p)
    if action in ("error", "decide_deferred"):
        return str(data.get("error", ""))[:200]
    if action == "reply_suppressed":
        return _quoted(data.get("detail") or data.get("reason"))
    if action == "payment_noticed":
        return f"{data.get('payment_id', '?')} ({money(data.get('unallocated', '?'))} left) to its account"
    if action == "sign_in_blocked" and data.get("until"):
        return f"until {data['until']}"
    if action == "dismissed":
        return _quoted(data.get("note"))
    return _allocations(data.get("allocations"))


def _subject(action: str, data: dict[str, Any], case_ref: str, inbound_id: int | None) -> str:
    if action in _NO_SUBJECT:
        return ""
    if action in ("sign_in_unlocked", "user_enabled", "user_disabled", "password_set"):
        return str(data.get("email", "an account"))
    if action in ("reply_suppressed", "replies_stopped", "bounce_traced") and data.get("to"):
        return str(data["to"])
    if action == "bounce_traced":
        return ", ".join(str(r) for r in data.get("recipients") or []) or "a partner"
    ref = case_ref or data.get("case_ref") or ""
    if ref:
        return f"case {ref}"
    return f"message #{inbound_id}" if inbound_id else ""


def sentence(*, actor: str, role: str, action: str, case_ref: str, inbound_id: int | None,
             detail: str) -> str:
    """One readable line for one audit event; an unknown action reads as its code in words."""
    data = _detail(detail)
    who = MACHINES.get(actor) or (f"{actor} ({role})" if role else actor)
    verb = VERBS.get(action, action.replace("_", " "))
    line = f"{who} {verb} {_subject(action, data, case_ref, inbound_id)}".rstrip().rstrip(",")
    line += AFTER.get(action, "")
    if action == "assigned" and isinstance(data.get("assigned_to"), dict):
        line += f" to {data['assigned_to'].get('after') or 'nobody'}"
    tail = _tail(action, data)
    return f"{line}: {tail}" if tail else line
