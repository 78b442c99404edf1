"""The one step that writes a verdict, inside the message's transaction: the allocations and
their postings (a ledger that moved since it was read holds the request instead), the
outcome, the review item, the conversation's earlier request, the audit event and the reply."""
from __future__ import annotations

import logging
from dataclasses import asdict, replace

from sqlmodel import Session

from bot import followups
from bot.bootstrap import App
from bot.handling.verdict import Verdict
from bot.ledger import journal, store
from bot.ledger.tables import InboundMessage
from bot.model import Decision, Reason, Status
from bot.replies.queue import note_bounce, queue_reply

log = logging.getLogger("allocbot.service")


def _applied(session: Session, app: App, row: InboundMessage, decision: Decision) -> Decision:
    """Write the allocations (and their postings); a conflict holds the request instead."""
    try:
        with session.begin_nested():
            store.apply_allocations(session, allocations=decision.allocations, inbound_id=row.id, actor="allocbot",
                                    now=app.clock(), reflected=app.billing.reflects_at_once)
    except store.LedgerConflict as exc:  # the ledger moved since we read it: a person decides
        log.warning("ledger conflict, held for review: %s", exc)
        return replace(decision, status=Status.REVIEW, reasons=decision.reasons + (Reason.OVER_ALLOCATION,))
    return decision


def record(session: Session, app: App, row: InboundMessage, verdict: Verdict) -> Decision:
    now, decision = app.clock(), verdict.decision
    reasons = [r.value for r in decision.reasons]
    if verdict.kind == "machine":
        if verdict.bounce is not None:
            note_bounce(session, app, inbound=row, msg=verdict.bounce, now=now)
        journal.record_outcome(session, inbound=row, status="ignored", reasons=reasons, account_id=None, request={},
                               evidence=[{"rule": "machine_mail", "detail": verdict.machine_evidence}], now=now)
        journal.audit(session, actor="allocbot", action="ignored", inbound_id=row.id, now=now,
                      detail={"reason": reasons[0], "evidence": verdict.machine_evidence})
        return decision
    if verdict.kind in ("unread", "flood"):  # held unread: no reply, nobody was verified
        journal.record_outcome(session, inbound=row, status=Status.REVIEW.value, reasons=reasons, account_id=None,
                               evidence=[asdict(e) for e in decision.evidence], request={}, now=now)
        case_ref = journal.open_review(session, inbound_id=row.id, reasons=reasons, now=now).case_ref
        journal.audit(session, actor="allocbot", action=Status.REVIEW.value, inbound_id=row.id, now=now,
                      detail={"reasons": reasons, "allocations": [], "case_ref": case_ref, **verdict.audit})
        return decision
    if decision.status is Status.APPLIED:
        decision = _applied(session, app, row, decision)
        reasons = [r.value for r in decision.reasons]
    journal.record_outcome(session, inbound=row, status=decision.status.value, reasons=reasons, account_id=decision.account_id,
                           evidence=[asdict(e) for e in decision.evidence], request=asdict(verdict.request), now=now)
    case_ref, item = None, None
    if decision.status in (Status.REVIEW, Status.NEEDS_INFO):
        item = journal.open_review(session, inbound_id=row.id, reasons=reasons, now=now)
        case_ref = item.case_ref
    if (answered := verdict.answered) is not None:
        followups.close_origin(session, answered=answered, decision=decision, inbound_id=row.id, now=now)
        if decision.status is Status.CANCELLED:
            case_ref = answered.item.case_ref
    journal.audit(session, actor="allocbot", action=decision.status.value, inbound_id=row.id, now=now,
                  detail={"reasons": reasons, "allocations": [asdict(a) for a in decision.allocations], "case_ref": case_ref})
    reply = queue_reply(session, app, inbound=row, mail=verdict.mail, sender=verdict.sender, decision=decision,
                        case_ref=case_ref, now=now)
    if item is not None and reply is not None and reply.kind == "needs_info":
        item.status = "waiting"  # the question is out: the item waits for the partner's answer
        session.add(item)
    return decision
