"""What the queue shows of each item beside its reasons: the money it is about and the bot's
proposal in a few words, so obvious cases can be told apart without opening them.
Values to values: the route fetches the rows, this only words them."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.model import Allocation, Money, PaymentState, Request, named_ids

NO_PROPOSAL = "no proposal"


def _money(m: Money) -> str:
    return f"{m.amount} {m.currency}"


def amount_text(request: Request, payments: Mapping[str, PaymentState]) -> str:
    """The payments' amounts: the ledger's for payments it knows, else the amount as written."""
    payment_ids, _ = named_ids(request)
    out = [_money(payments[p].amount) for p in payment_ids if p in payments]
    if not out:
        for ins in request.instructions:
            if ins.payment_amount is not None:
                a = ins.payment_amount
                out.append(f"{a.value} {a.currency or a.symbol or ''}".strip())
    return ", ".join(dict.fromkeys(out)) or "—"


def proposal_text(allocations: Iterable[Allocation]) -> str:
    """e.g. "PY00000001 → G000000001 450.00 EUR"; several joined by "; "."""
    lines = [f"{a.payment_id} → {a.invoice_number} {_money(a.amount)}" for a in allocations]
    return "; ".join(lines) or NO_PROPOSAL


def used_up(request: Request, payments: Mapping[str, PaymentState]) -> tuple[str, ...]:
    """Named payments with nothing left to allocate: applying anything from them would fail."""
    payment_ids, _ = named_ids(request)
    return tuple(p for p in payment_ids if p in payments and payments[p].unallocated.amount == 0)


STATUS_WORDS: dict[str, str] = {
    "applied": "applied", "applied_after_review": "applied after review", "review": "held for review",
    "needs_info": "asked the partner", "ignored": "ignored (not a request)", "error": "could not be read",
    "cancelled": "withdrawn by the partner", "received": "not decided yet", "open": "open",
    "waiting": "waiting for the partner", "closed": "closed",
}


def status_words(status: str) -> str:
    """A request's or an item's status as the operator says it ("held for review", not `review`)."""
    return STATUS_WORDS.get(str(status), str(status).replace("_", " "))
