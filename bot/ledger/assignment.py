"""Who works on a queue item: claiming and assigning write ReviewItem.assigned_to and audit it,
so the queue shows whose an item is and "next item" skips what another person holds.
Never commits; the route owns the transaction."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.ledger import journal
from bot.ledger.tables import ReviewItem


class AssignRefused(Exception):
    """The item is gone or closed, or the assignee can't act: said to the user, nothing written."""


def assign(session: Session, *, item_id: int, to: str, actor: str, now: datetime) -> ReviewItem:
    """Give the item to `to` ("" to release it). A closed item is refused: nobody works on it."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise AssignRefused("No such queue item.")
    if item.status == "closed":
        raise AssignRefused(f"{item.case_ref} is already closed; it can't be assigned.")
    before = item.assigned_to
    if before == to:
        return item
    item.assigned_to, item.assigned_at = to, (now if to else None)
    session.add(item)
    action = "released" if not to else ("claimed" if to == actor else "assigned")
    journal.audit(session, actor=actor, action=action, inbound_id=item.inbound_id, now=now,
                  detail={"case_ref": item.case_ref, "assigned_to": {"before": before, "after": to}})
    return item
