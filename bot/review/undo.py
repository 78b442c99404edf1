"""Undo: a billing admin reverses an allocation (the bot's or a person's) with a reason, from
the web UI. The same path as `allocbot allocations reverse` (bot/ledger/reversals.py): a
`reverse` posting to the billing system, audited with who and why; the money comes back when
the billing system shows the reversal (at once with the builtin one). One transaction, owned
here; a refusal writes nothing."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.bootstrap import App
from bot.ledger.reversals import ReversalError, reverse_allocation
from bot.ledger.tables import Allocation


@dataclass(frozen=True)
class Undone:
    ok: bool
    inbound_id: int | None = None
    message: str = ""
    status_code: int = 200


def undo_allocation(session: Session, app: App, *, allocation_id: int, actor: str, reason: str) -> Undone:
    """Reverse one allocation; says why not (404 unknown, 422 no reason, 409 already reversed)."""
    if session.in_transaction():
        session.rollback()
    allocation = session.get(Allocation, allocation_id)
    if allocation is None:
        return Undone(False, message=f"There is no allocation {allocation_id}.", status_code=404)
    inbound_id = allocation.inbound_id
    if not " ".join((reason or "").split()):
        session.rollback()
        return Undone(False, inbound_id, "Nothing was reversed: say why (the reason is audited).", 422)
    try:
        posting = reverse_allocation(session, allocation_id=allocation_id, actor=actor, reason=reason,
                                     now=app.clock(), reflected=app.billing.reflects_at_once)
    except ReversalError as exc:
        session.rollback()
        return Undone(False, inbound_id, f"Nothing was reversed: {exc}.", 409)
    except BaseException:
        session.rollback()
        raise
    state = posting.state
    session.commit()
    when = ("its money is back on the payment and the invoice" if state == "reflected"
            else "its money comes back when the billing system shows the reversal")
    return Undone(True, inbound_id, f"Allocation {allocation_id} reversed; {when}.")


__all__ = ["Undone", "undo_allocation"]
