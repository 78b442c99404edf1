"""The audit log in words: "admin@x (billing_admin) approved case ALC-000012: PY1 → G2 450.00 EUR",
so a reader need not decode JSON to know what happened; the JSON stays one click away.
Values to values: the route passes the event and the actor's role."""
from __future__ import annotations

import json
from typing import Any

VERBS = {
    "approved": "approved", "edited": "edited and applied", "rejected": "rejected", "dismissed": "dismissed",
    "asked": "asked the partner about", "undone": "reversed the allocation of", "claimed": "claimed",
    "assigned": "assigned", "released": "released", "applied": "applied", "review": "queued for review",
    "needs_info": "asked for information on", "error": "could not decide", "cancelled": "cancelled",
}
BOT = "allocbot"


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _allocations(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    parts = [f"{a.get('payment_id', '?')} → {a.get('invoice_number', '?')} "
             f"{a.get('amount', '?')} {a.get('currency', '')}".strip() for a in value if isinstance(a, dict)]
    return "; ".join(parts)


def sentence(*, actor: str, role: str, action: str, case_ref: str, inbound_id: int | None,
             detail: str) -> str:
    """One readable line for one audit event; unknown actions fall back to their code."""
    data = _detail(detail)
    who = "The bot" if actor == BOT else f"{actor} ({role})" if role else actor
    what = case_ref or data.get("case_ref") or (f"message #{inbound_id}" if inbound_id else "")
    verb = VERBS.get(action, action.replace("_", " "))
    line = f"{who} {verb} {'case ' + what if what.startswith('ALC') else what}".rstrip()
    if action == "assigned" and isinstance(data.get("assigned_to"), dict):
        line += f" to {data['assigned_to'].get('after', '')}"
    tail = _allocations(data.get("allocations"))
    if action == "rejected" and data.get("reason"):
        tail = f"“{data['reason']}”"
    elif action in ("review", "needs_info", "error") and data.get("reasons"):
        tail = ", ".join(str(r) for r in data["reasons"])
    return f"{line}: {tail}" if tail else line
