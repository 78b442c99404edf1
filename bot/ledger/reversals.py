"""An operator's reversal of an allocation (`allocbot allocations reverse`), posted to the
billing system as the allocation was: a `reverse` posting under a key of its own.

Its money comes back only when the billing system shows the reversal: at once with the
builtin billing system, else when the reversal posting is `reflected` (the webhook's answer,
or an export whose allocations.csv no longer lists the allocation's key). Until then the
money stays allocated, the safe side. A billing system that refuses the reversal leaves the
allocation standing; the refusal is audited and `postings list` shows it."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.ledger import journal
from bot.ledger.tables import Allocation, InboundMessage, Payment, Posting
from bot.model import minor_unit
from bot.posting.states import State

MAX_REASON = 2000


class ReversalError(Exception):
    """The reversal was refused; nothing was written."""


def reverse_allocation(session: Session, *, allocation_id: int, actor: str, reason: str, now: datetime,
                       reflected: bool) -> Posting:
    """The reversal's posting, written with its audit event; raises ReversalError naming why not."""
    from bot.ledger.postings import new_key, undo  # postings moves a reflected reversal's money back

    reason = " ".join((reason or "").split())[:MAX_REASON]
    if not reason:
        raise ReversalError("say why (--reason): the reversal is audited with it")
    allocation = session.get(Allocation, allocation_id)
    if allocation is None:
        raise ReversalError(f"there is no allocation {allocation_id}")
    if allocation.released_at is not None:
        raise ReversalError(f"allocation {allocation_id} moves no money any more ({allocation.release_reason})")
    earlier = session.exec(select(Posting).where(Posting.allocation_id == allocation_id, Posting.kind == "reverse",
                                                 Posting.state != State.REJECTED.value)).first()
    if earlier is not None:
        raise ReversalError(f"allocation {allocation_id} is being reversed already (posting {earlier.key}, {earlier.state})")
    payment = session.get(Payment, allocation.payment_id)
    inbound = session.get(InboundMessage, allocation.inbound_id) if allocation.inbound_id else None
    row = Posting(key=new_key("reverse", allocation_id), kind="reverse", allocation_id=allocation_id,
                  inbound_id=allocation.inbound_id, account_id=payment.account_id if payment else "",
                  payment_id=allocation.payment_id, invoice_number=allocation.invoice_number,
                  currency=allocation.currency, amount_minor=allocation.amount_minor,
                  message_id=inbound.message_id if inbound else "", created_at=now)
    if reflected:
        row.state, row.reflected_at, row.reflected_by = State.REFLECTED.value, now, "builtin"
    session.add(row)
    session.flush()
    journal.audit(session, actor=actor, action="allocation_reversed", inbound_id=allocation.inbound_id, now=now, detail={
        "allocation_id": allocation_id, "key": row.key, "reason": reason, "state": row.state,
        "payment_id": allocation.payment_id, "invoice_number": allocation.invoice_number,
        "amount": str(allocation.amount_minor * minor_unit(allocation.currency)), "currency": allocation.currency})
    if reflected:
        undo(session, posting=row, now=now, reason=f"reversed by {actor}: {reason}")
    return row
