"""Reads and writes of postings (bot/posting/ for what they are). Keyword arguments, never a
commit: the allocation's transaction creates its postings, the delivery step owns the rest."""
from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, update
from sqlmodel import Session, col, select

from bot.ledger import journal
from bot.ledger.tables import Allocation, InboundMessage, Invoice, Payment, Posting, PostingBatch, ReviewItem
from bot.model import Reason, Status, minor_unit
from bot.posting.port import Answer, PostingOut
from bot.posting.states import Conflict, Event, State, next_state, open_states, reached


def new_key(kind: str, allocation_id: int) -> str:
    """Stable once stored; the random part keeps keys unique across database resets."""
    return f"{'alloc' if kind == 'allocate' else 'rev'}-{allocation_id}-{secrets.token_hex(8)}"


def add_postings(session: Session, *, allocations: Iterable[Allocation], reflected: bool, now: datetime) -> list[Posting]:
    """One posting per allocation, in the allocation's own transaction. `reflected`: the
    billing system is allocbot's own ledger, which shows the allocation as it commits."""
    rows = []
    for a in allocations:
        payment = session.get(Payment, a.payment_id)
        inbound = session.get(InboundMessage, a.inbound_id) if a.inbound_id else None
        row = Posting(key=new_key("allocate", a.id), kind="allocate", allocation_id=a.id, inbound_id=a.inbound_id,
                      account_id=payment.account_id if payment else "", payment_id=a.payment_id,
                      invoice_number=a.invoice_number, currency=a.currency, amount_minor=a.amount_minor,
                      message_id=inbound.message_id if inbound else "", created_at=now)
        if reflected:
            row.state, row.reflected_at, row.reflected_by = State.REFLECTED.value, now, "builtin"
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def posting_out(p: Posting) -> PostingOut:
    amount = p.amount_minor * minor_unit(p.currency)
    return PostingOut(p.key, p.kind, p.account_id, p.payment_id, p.invoice_number, amount, p.currency,
                      p.message_id, p.created_at)


def _free(now: datetime, ended: Collection[str] = ()):
    """Claimed by nobody, by a claim run out, or by a process known to have ended."""
    free = or_(col(Posting.claimed_until).is_(None), col(Posting.claimed_until) < now)
    return or_(free, col(Posting.claimed_by).in_(list(ended))) if ended else free


def live_claimers(session: Session, *, now: datetime) -> list[str]:
    """Who holds claims on postings not yet handed over that have not run out: the ones
    among them whose process has ended need not be waited for (see claim_due's `ended`)."""
    return list(session.exec(select(Posting.claimed_by).distinct().where(
        Posting.state == State.PENDING.value, col(Posting.handed_at).is_(None),
        col(Posting.claimed_until) >= now)).all())


def _claim(session: Session, *, ids: list[int], waiting: tuple, holder: str, until: datetime) -> list[Posting]:
    """Claim each posting with a conditional UPDATE that checks again what made it due: of
    two workers only one gets a row, and none gets one the other has handed over since."""
    claimed = []
    for posting_id in ids:
        result = session.execute(update(Posting).where(Posting.id == posting_id, *waiting)
                                 .values(claimed_by=holder, claimed_until=until))
        if result.rowcount == 1:
            claimed.append(posting_id)
    if not claimed:
        return []
    return list(session.exec(select(Posting).where(col(Posting.id).in_(claimed)).order_by(Posting.id)).all())


def claim_due(session: Session, *, holder: str, now: datetime, until: datetime, limit: int,
              ended: Collection[str] = ()) -> list[Posting]:
    """Due pending postings not yet handed over, claimed by nobody alive, oldest first. A
    batch that was numbered but never written (its run died) comes first and alone, so it is
    written again under its own number with the same postings. `ended`: claimers whose
    process has ended, whose claims are taken at once instead of after the claim window."""
    due = or_(col(Posting.next_attempt_at).is_(None), col(Posting.next_attempt_at) <= now)
    waiting = (Posting.state == State.PENDING.value, col(Posting.handed_at).is_(None), _free(now, ended), due)
    stale = session.exec(select(func.min(Posting.batch)).where(*waiting, col(Posting.batch).is_not(None))).one()
    if stale is not None:
        ids = session.exec(select(Posting.id).where(*waiting, Posting.batch == stale).order_by(Posting.id)).all()
    else:
        ids = session.exec(select(Posting.id).where(*waiting, col(Posting.batch).is_(None))
                           .order_by(Posting.id).limit(limit)).all()
    return _claim(session, ids=list(ids), waiting=waiting, holder=holder, until=until)


def numbered_batch(session: Session, *, postings: list[Posting], holder: str, now: datetime) -> int:
    """The batch number of these postings: the one a crashed run gave them, or a new one."""
    earlier = {p.batch for p in postings if p.batch is not None}
    if earlier:
        return min(earlier)
    batch = PostingBatch(created_at=now, holder=holder[:256])
    session.add(batch)
    session.flush()
    for p in postings:
        p.batch = batch.id
        session.add(p)
    session.flush()
    return batch.id


def _move(session: Session, posting: Posting, event: Event, *, now: datetime, reason: str = "", by: str = "") -> str:
    """Apply an event: 'moved', 'repeat', or 'conflict' (audited; the posting stays as it is)."""
    try:
        state = next_state(posting.state, event)
    except Conflict as exc:
        posting.last_error = f"{exc}: {reason}"[:4000]
        session.add(posting)
        journal.audit(session, actor="billing", action="posting_conflict", inbound_id=posting.inbound_id, now=now,
                      detail={"key": posting.key, "state": posting.state, "event": event.value, "reason": reason})
        return "conflict"
    if state == posting.state:
        return "repeat"
    if state is State.REJECTED and posting.kind == "allocate":
        release(session, posting=posting, reason=reason or "refused by the billing system", now=now)
        return "moved"
    posting.state = state.value
    posting.delivered_at = posting.delivered_at or now
    if state is State.REJECTED:  # a refused reversal: the allocation stands
        posting.reason, posting.rejected_at = (reason or "refused by the billing system")[:4000], now
        journal.audit(session, actor="billing", action="reversal_rejected", inbound_id=posting.inbound_id, now=now,
                      detail={"key": posting.key, "allocation_id": posting.allocation_id, "reason": posting.reason})
    if state is State.REFLECTED:
        posting.reflected_at, posting.reflected_by = now, by or "billing"
        if posting.kind == "reverse":  # the billing system shows the allocation undone: its money comes back
            undo(session, posting=posting, now=now, reason=f"reversed ({posting.key})")
    session.add(posting)
    return "moved"


def record_answer(session: Session, *, posting: Posting, answer: Answer, now: datetime,
                  retry_at: datetime) -> None:
    """What the billing system said about one claimed posting; the claim ends here."""
    posting.claimed_by, posting.claimed_until = "", None
    posting.attempts += 1
    if answer.outcome == "handed":
        posting.handed_at, posting.last_error, posting.next_attempt_at = now, "", None
    elif answer.outcome == "retry":
        posting.last_error, posting.next_attempt_at = answer.reason[:4000], retry_at
    else:
        posting.last_error, posting.next_attempt_at = answer.reason[:4000] if answer.outcome != "rejected" else "", None
        event = {"delivered": Event.ACCEPTED, "reflected": Event.REFLECTED, "rejected": Event.REJECTED}[answer.outcome]
        _move(session, posting, event, now=now, reason=answer.reason, by="billing")
    session.add(posting)


def record_ack(session: Session, *, key: str, status: str, reason: str, now: datetime) -> str:
    """An acknowledgement from the billing system: 'moved', 'repeat', 'unknown' or 'conflict'."""
    posting = by_key(session, key=key)
    if posting is None:
        return "unknown"
    return _move(session, posting, Event.ACCEPTED if status == "accepted" else Event.REJECTED, now=now, reason=reason)


def reflect(session: Session, *, posting: Posting, now: datetime) -> str:
    """The billing system's export shows the posting (its key in allocations.csv)."""
    posting.in_export_at = now
    session.add(posting)
    return _move(session, posting, Event.REFLECTED, now=now, by="import")


def _give_back(session: Session, table, key_clause, balance, whole, minor: int) -> None:
    session.execute(update(table).where(key_clause).values(
        {balance: case((balance + minor > whole, whole), else_=balance + minor)}))


def undo(session: Session, *, posting: Posting, now: datetime, reason: str) -> bool:
    """Give an allocation's money back to its payment and invoice, once; False if it was."""
    allocation = session.get(Allocation, posting.allocation_id)
    if allocation is None or allocation.released_at is not None:
        return False
    allocation.released_at, allocation.release_reason = now, reason[:4000]
    session.add(allocation)
    _give_back(session, Payment, Payment.payment_id == posting.payment_id, Payment.unallocated_minor,
               Payment.amount_minor, posting.amount_minor)
    _give_back(session, Invoice, Invoice.invoice_number == posting.invoice_number, Invoice.open_minor,
               Invoice.amount_minor, posting.amount_minor)
    return True


def release(session: Session, *, posting: Posting, reason: str, now: datetime) -> None:
    """The billing system refused the posting: its money goes back to the payment and the
    invoice, the request goes to the exception queue with the reason, and no confirmation is
    owed for it."""
    posting.state, posting.reason, posting.rejected_at = State.REJECTED.value, reason[:4000], now
    posting.claimed_by, posting.claimed_until = "", None
    session.add(posting)
    undo(session, posting=posting, now=now, reason=reason)
    inbound = session.get(InboundMessage, posting.inbound_id) if posting.inbound_id else None
    case_ref = hold_for_review(session, inbound=inbound, reason=Reason.BILLING_REJECTED, now=now) if inbound else None
    journal.audit(session, actor="billing", action="billing_rejected", inbound_id=posting.inbound_id, now=now,
                  detail={"key": posting.key, "reason": reason, "case_ref": case_ref, "allocations": [{
                      "payment_id": posting.payment_id, "invoice_number": posting.invoice_number,
                      "amount": str(posting.amount_minor * minor_unit(posting.currency)), "currency": posting.currency}]})
    session.flush()


def hold_for_review(session: Session, *, inbound: InboundMessage, reason: Reason, now: datetime) -> str:
    """Put a decided request (back) in the exception queue with `reason`: its item reopens."""
    reasons = [r for r in (inbound.reasons or "").split(",") if r]
    if reason.value not in reasons:
        reasons.append(reason.value)
    inbound.reasons, inbound.confirm_due = ",".join(reasons), False
    if inbound.status == Status.APPLIED.value:
        inbound.status = Status.REVIEW.value
    session.add(inbound)
    item = session.exec(select(ReviewItem).where(ReviewItem.inbound_id == inbound.id)).first()
    if item is None:
        return journal.open_review(session, inbound_id=inbound.id, reasons=reasons, now=now).case_ref
    item.status, item.resolution, item.closed_at, item.closed_by = "open", "", None, ""
    item.reasons = ",".join(reasons)
    session.add(item)
    return item.case_ref


def by_key(session: Session, *, key: str) -> Posting | None:
    return session.exec(select(Posting).where(Posting.key == key)).first()


def requeue(session: Session, *, key: str, now: datetime) -> Posting | None:
    """`postings retry KEY`: a pending posting is tried at once (a written batch is written
    again only if its file is gone: handed postings are handed over anew)."""
    posting = by_key(session, key=key)
    if posting is None or posting.state != State.PENDING.value:
        return posting
    posting.next_attempt_at, posting.claimed_by, posting.claimed_until = None, "", None
    posting.handed_at = None
    session.add(posting)
    journal.audit(session, actor="operator", action="posting_retry", inbound_id=posting.inbound_id, now=now,
                  detail={"key": key})
    return posting


def listing(session: Session, *, state: str | None = None, limit: int = 1000) -> list[Posting]:
    stmt = select(Posting).order_by(col(Posting.id).desc()).limit(limit)
    if state:
        stmt = stmt.where(Posting.state == state)
    return list(session.exec(stmt).all())


def counts(session: Session) -> Counter[str]:
    return Counter(dict(session.exec(select(Posting.state, func.count()).group_by(Posting.state)).all()))


def overdue(session: Session, *, now: datetime, after: timedelta, limit: int = 20) -> tuple[int, list[Posting]]:
    """Postings not reflected `after` their creation: how many, and the oldest few."""
    where = (col(Posting.state).in_(open_states()), col(Posting.created_at) <= now - after)
    total = int(session.exec(select(func.count()).select_from(Posting).where(*where)).one())
    rows = session.exec(select(Posting).where(*where).order_by(Posting.created_at).limit(limit)).all() if total and limit else []
    return total, list(rows)


def states_by_inbound(session: Session, *, inbound_ids: list[int]) -> dict[int, list[str]]:
    rows = session.exec(select(Posting.inbound_id, Posting.state).where(col(Posting.inbound_id).in_(inbound_ids))).all()
    out: dict[int, list[str]] = {}
    for inbound_id, state in rows:
        out.setdefault(inbound_id, []).append(state)
    return out


def confirmation_waits(session: Session, *, inbound_id: int, confirm_when: str) -> bool:
    """Whether a request's confirmation must wait: one of its postings has not reached
    `confirm_when` yet (with the builtin billing system every posting is reflected at once)."""
    rows = session.exec(select(Posting.state).where(Posting.inbound_id == inbound_id)).all()
    return any(not reached(state, confirm_when) for state in rows)


def awaiting(session: Session, *, account_id: str) -> list[Posting]:
    """An account's postings whose money the billing system has not shown yet: not yet
    delivered or reflected, or held back by the last import because its export lacked them."""
    rows = session.exec(select(Posting).join(Allocation, col(Allocation.id) == col(Posting.allocation_id))
                        .where(Posting.account_id == account_id, col(Allocation.released_at).is_(None),
                               or_(col(Posting.state).in_(open_states()), col(Posting.held_back_at).is_not(None)))
                        .order_by(Posting.id)).all()
    return list(rows)


def billing_status(states: list[str]) -> str | None:
    """A request's standing with the billing system, from its postings' states (None: none)."""
    if not states:
        return None
    if State.REJECTED.value in states:
        return "rejected"
    if all(s == State.REFLECTED.value for s in states):
        return "reflected"
    return "awaiting_billing"
