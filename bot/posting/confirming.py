"""Confirmations that wait for the billing system: a request applied while its postings were
not yet `confirm_when` (reflected, or delivered) owes its partner a confirmation
(`InboundMessage.confirm_due`); once every posting is there it is queued, with the figures
the ledger shows then. A rejected posting ends the debt (bot/ledger/postings.py `release`)."""
from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.bootstrap import App
from bot.cycle import CycleReport
from bot.ledger import journal, postings, store
from bot.ledger.tables import Allocation, InboundMessage, ReviewItem
from bot.model import Allocation as AllocationValue, Decision, Status
from bot.replies.queue import queue_reply
from bot.review.replying import read_original

log = logging.getLogger("allocbot.confirming")
BATCH = 200


def _allocations(session: Session, inbound_id: int) -> tuple[AllocationValue, ...]:
    rows = session.exec(select(Allocation).where(Allocation.inbound_id == inbound_id,
                                                 col(Allocation.released_at).is_(None)).order_by(Allocation.id)).all()
    return tuple(AllocationValue(a.payment_id, a.invoice_number, store.from_minor(a.amount_minor, a.currency)) for a in rows)


def _take(session: Session, inbound_id: int) -> bool:
    """Clear the debt with a conditional UPDATE: of two workers only one confirms."""
    result = session.execute(update(InboundMessage).where(InboundMessage.id == inbound_id, col(InboundMessage.confirm_due))
                             .values(confirm_due=False))
    return result.rowcount == 1


def confirm_one(app: App, inbound_id: int) -> bool:
    """Queue the confirmation of one request if its postings allow it now; True when queued."""
    with Session(app.engine) as session:
        if postings.confirmation_waits(session, inbound_id=inbound_id, confirm_when=app.settings.confirm_when):
            return False
        if not _take(session, inbound_id):
            return False
        inbound = session.get(InboundMessage, inbound_id)
        allocations = _allocations(session, inbound_id)
        if inbound is None or inbound.status != Status.APPLIED.value or not allocations:
            session.commit()
            return False
        original = read_original(app, inbound)
        item = session.exec(select(ReviewItem).where(ReviewItem.inbound_id == inbound_id)).first()
        decision = Decision(Status.APPLIED, (), inbound.account_id, allocations)
        queued = queue_reply(session, app, inbound=inbound, mail=original.mail, sender=original.sender,
                             decision=decision, case_ref=item.case_ref if item else None, now=app.clock())
        journal.audit(session, actor="allocbot", action="confirmation_released", inbound_id=inbound_id, now=app.clock(),
                      detail={"confirm_when": app.settings.confirm_when, "queued": queued is not None})
        session.commit()
        return queued is not None


def queue_due_confirmations(app: App, report: CycleReport) -> None:
    """Every owed confirmation whose postings now allow it; one transaction each."""
    last = 0
    while True:
        with Session(app.engine) as session:
            ids = list(session.exec(select(InboundMessage.id).where(col(InboundMessage.confirm_due),
                                                                    col(InboundMessage.id) > last)
                                    .order_by(InboundMessage.id).limit(BATCH)).all())
        if not ids:
            return
        last = ids[-1]
        for inbound_id in ids:
            try:
                if confirm_one(app, inbound_id):
                    report.confirmed += 1
            except Exception:  # noqa: BLE001 - one request must not stop the others; it stays owed
                log.exception("request %s: the confirmation could not be queued", inbound_id)
