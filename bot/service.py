"""One cycle: store new mail, decide every stored message (one transaction each), tell the
mailbox the outcomes, send the outbox.

Storing and deciding are separate transactions on purpose: a message is committed with
status `received` before anything is done with it, so a crash while deciding leaves it
waiting, never lost; the unique dedup key means a second delivery is never decided twice.
Storing lives in `intake/storing.py`, filing in `intake/filing.py`, sending in
`replies/sending.py`; deciding one message is here.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session

from bot import followups
from bot.bootstrap import App
from bot.cycle import CycleReport, Guard, LeaseTicket
from bot.deciding.match import decide
from bot.deciding.sender import sender_of
from bot.intake.classify import classify
from bot.intake.filing import file_decided
from bot.intake.storing import dedup_key, intake
from bot.ledger import journal, store
from bot.ledger.leases import acquire_lease, release_lease
from bot.ledger.tables import InboundMessage
from bot.posting.delivery import deliver_postings
from bot.model import Decision, Evidence, Reason, Status
from bot.reading.limits import MAX_LINES
from bot.reading.parsing import parse_bytes, too_complex
from bot.reading.read import read_message
from bot.replies.queue import hold_if_flooding, note_bounce, queue_reply
from bot.replies.sending import send_outbox

__all__ = ["CycleReport", "Guard", "dedup_key", "decide_stored", "file_decided", "intake", "run_cycle", "send_outbox"]

log = logging.getLogger("allocbot.service")
INTAKE_LEASE = "intake"  # one process reads (and moves mail in) the mailbox at a time
# The same allocation (payment, invoice, amount) asked for again by the same sender within this
# time is held as `duplicate`: the same request mailed twice under two Message-IDs.
DUPLICATE_WINDOW = timedelta(days=30)


def _hold_unread(session: Session, row: InboundMessage, *, reason: Reason, detail: str, now: datetime) -> Decision:
    """Hold a message the bot did not read for review. No reply: nobody was verified."""
    evidence = Evidence("message_limits", detail, reason=reason)
    reasons = [reason.value]
    journal.record_outcome(session, inbound=row, status=Status.REVIEW.value, reasons=reasons, account_id=None,
                           evidence=[asdict(evidence)], request={}, now=now)
    case_ref = journal.open_review(session, inbound_id=row.id, reasons=reasons, now=now).case_ref
    journal.audit(session, actor="allocbot", action=Status.REVIEW.value, inbound_id=row.id, now=now,
                  detail={"reasons": reasons, "allocations": [], "case_ref": case_ref, "limit": detail})
    return Decision(Status.REVIEW, (reason,), evidence=(evidence,))


def _held(decision: Decision, reason: Reason, rule: str, notes: tuple[str, ...]) -> Decision:
    """Held for a person, whatever was decided: the message was read only in part
    (MESSAGE_TOO_COMPLEX), has a remittance attachment the bot could not read
    (UNREADABLE_ATTACHMENT), repeats allocations its sender already had made (DUPLICATE), or
    its request came in a forward (FORWARDED_REQUEST: the same
    request may have reached the mailbox already, by Bcc, an alias or an inbox rule, and a
    forward cannot show it). What it proposed stays as the proposal; nothing is asked."""
    evidence = tuple(Evidence(rule, note, reason=reason) for note in notes)
    return replace(decision, status=Status.REVIEW, reasons=decision.reasons + (reason,), evidence=decision.evidence + evidence)


def _decide_one(session: Session, app: App, row: InboundMessage) -> Decision:
    settings, now = app.settings, app.clock()
    # Limits against hostile mail (issue 5, bot/reading/limits.py): too large is not parsed at
    # all; too many or too deep MIME parts, or an overlong header field, are parsed from the
    # header section only (enough to tell machine mail), then held unread.
    size_limit = int(settings.max_message_mb * 1024 * 1024)
    if len(row.raw) > size_limit:
        return _hold_unread(session, row, reason=Reason.MESSAGE_TOO_LARGE, now=now,
                            detail=f"not read: {len(row.raw):,} bytes, more than max_message_mb = {settings.max_message_mb:g} "
                                   f"({size_limit:,} bytes)")
    msg = parse_bytes(row.raw, max_parts=settings.max_mime_parts, max_depth=settings.max_mime_depth,
                      max_lines=max(MAX_LINES, size_limit // 26))
    machine = classify(msg, own_addresses=frozenset({settings.from_address}), loop_header=settings.loop_header)
    if machine is not None:
        if machine.reason is Reason.BOUNCE:  # mark the reply it returns `bounced` (issue 5)
            note_bounce(session, app, inbound=row, msg=msg, now=now)
        decision = Decision(Status.IGNORED, (machine.reason,))
        journal.record_outcome(session, inbound=row, status="ignored", reasons=[machine.reason.value], account_id=None,
                               evidence=[{"rule": "machine_mail", "detail": machine.evidence}], request={}, now=now)
        journal.audit(session, actor="allocbot", action="ignored", inbound_id=row.id, detail={"reason": machine.reason.value, "evidence": machine.evidence}, now=now)
        return decision
    if (held := hold_if_flooding(session, app, inbound=row, now=now)) is not None:  # per-sender limit (issue 5)
        return held
    if (why := too_complex(msg)) is not None:
        return _hold_unread(session, row, reason=Reason.MESSAGE_TOO_COMPLEX, detail=f"not read: {why}", now=now)
    sender = sender_of(msg, trusted_authserv_id=settings.trusted_authserv_id)  # the headers as received
    locale = store.sender_locale(session, sender=sender.address) or settings.default_locale
    mail, request = read_message(msg, invoice_pattern=settings.invoice_pattern, payment_pattern=settings.payment_pattern,
                                 month_first=locale.replace("_", "-").lower() == "en-us",
                                 max_attachment_bytes=int(settings.max_attachment_mb * 1024 * 1024),
                                 max_attachment_pages=settings.max_attachment_pages)
    view = store.request_view(session, sender=sender.address, request=request)
    decision = decide(request, sender, view, allowed_roles=settings.allowed_roles)
    answered = None
    if mail.limits:
        decision = _held(decision, Reason.MESSAGE_TOO_COMPLEX, "message_limits", mail.limits)
    elif mail.unreadable:
        decision = _held(decision, Reason.UNREADABLE_ATTACHMENT, "attachment", mail.unreadable)
    elif mail.forwarded_from:  # the forwarder's request, read and proposed; a person approves it (see _held)
        note = f"forwarded message from {mail.forwarded_from}, read as {sender.address or 'the sender'}'s request"
        decision = (_held(decision, Reason.FORWARDED_REQUEST, "forwarded", (note,)) if decision.status is Status.APPLIED
                    else replace(decision, evidence=(Evidence("forwarded", note), *decision.evidence)))
    elif (answered := followups.answer(session, app, row=row, mail=mail, sender=sender, request=request,
                                       decision=decision, view=view)) is not None:
        request, decision = answered.request, answered.decision  # an answer to an open request of the thread
    if decision.status is Status.APPLIED and (again := store.repeated_allocations(
            session, sender_addr=row.sender_addr or "", allocations=decision.allocations, since=now - DUPLICATE_WINDOW)):
        decision = _held(decision, Reason.DUPLICATE, "duplicate", tuple(
            f"{a.payment_id} → {a.invoice_number}: {a.amount} was already allocated at this sender's request" for a in again))
    if decision.status is Status.APPLIED:
        try:
            with session.begin_nested():
                store.apply_allocations(session, allocations=decision.allocations, inbound_id=row.id, actor="allocbot", now=now,
                                        reflected=app.billing.reflects_at_once)
        except store.LedgerConflict as exc:  # the ledger moved since we read it: a person decides
            decision = replace(decision, status=Status.REVIEW, reasons=decision.reasons + (Reason.OVER_ALLOCATION,))
            log.warning("ledger conflict, held for review: %s", exc)
    reasons = [r.value for r in decision.reasons]
    journal.record_outcome(session, inbound=row, status=decision.status.value, reasons=reasons, account_id=decision.account_id,
                           evidence=[asdict(e) for e in decision.evidence], request=asdict(request), now=now)
    case_ref = None
    if decision.status in (Status.REVIEW, Status.NEEDS_INFO):
        case_ref = journal.open_review(session, inbound_id=row.id, reasons=reasons, now=now).case_ref
    if answered is not None:
        followups.close_origin(session, answered=answered, decision=decision, inbound_id=row.id, now=now)
        if decision.status is Status.CANCELLED:
            case_ref = answered.item.case_ref
    journal.audit(session, actor="allocbot", action=decision.status.value, inbound_id=row.id,
                  detail={"reasons": reasons, "allocations": [asdict(a) for a in decision.allocations], "case_ref": case_ref}, now=now)
    queue_reply(session, app, inbound=row, mail=mail, sender=sender, decision=decision, case_ref=case_ref, now=now)
    return decision


def database_unavailable(exc: BaseException) -> bool:
    """True when deciding failed because the database went away or was busy (a dropped
    connection, a server restart, SQLite's lock wait running out), not because of the message:
    such a message is left `received` and decided again, never stored as a parse error."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)))


def _record_error(app: App, inbound_id: int, exc: BaseException) -> bool:
    """Store the message as `error` with a review item; False when even that failed (the
    message then stays waiting for the next cycle, and the cycle goes on)."""
    now = app.clock()
    try:
        text = f"{type(exc).__name__}: {str(exc)[:4000]}"[:4000].replace("\x00", "\\x00")  # PostgreSQL text holds no NUL
        with Session(app.engine) as session:
            row = session.get(InboundMessage, inbound_id)
            if row is None or row.status != "received":
                return True
            journal.record_outcome(session, inbound=row, status="error", reasons=[Reason.PARSE_ERROR.value], account_id=None,
                                   evidence=[], request={}, now=now, error=text)
            journal.open_review(session, inbound_id=row.id, reasons=[Reason.PARSE_ERROR.value], now=now)
            journal.audit(session, actor="allocbot", action="error", inbound_id=row.id, detail={"error": text[:2000]}, now=now)
            session.commit()
        return True
    except Exception:  # noqa: BLE001 - e.g. the database went away: never let one message stop the cycle
        log.exception("message %s: the error could not be recorded", inbound_id,
                      extra={"event": "message_error_unrecorded", "inbound_id": inbound_id})
        return False


def decide_stored(app: App, report: CycleReport, guard: Guard | None = None) -> None:
    """Decide stored messages batch by batch until none is waiting (or the guard says stop)."""
    guard, seen = guard or Guard(), set()
    while True:
        with Session(app.engine) as session:
            waiting = [i for i in store.received_ids(session, limit=app.settings.batch_size) if i not in seen]
        if not waiting:
            return
        seen.update(waiting)
        if not _decide_batch(app, report, waiting, guard):
            return


def _decide_batch(app: App, report: CycleReport, waiting: list[int], guard: Guard) -> bool:
    for inbound_id in waiting:
        if (why := guard.reason_to_stop()):
            report.stopped = why
            return False
        started = time.perf_counter()
        try:
            with Session(app.engine) as session:
                row = store.claim_inbound(session, inbound_id=inbound_id)
                if row is None:
                    continue
                message_id = row.message_id
                decision = _decide_one(session, app, row)
                session.commit()
        except Exception as exc:  # noqa: BLE001 - one bad message must never stop the cycle
            if database_unavailable(exc):  # not the message's fault: it stays waiting for the next cycle
                log.warning("message %s: the database failed while deciding it (%s); it is decided again next cycle",
                            inbound_id, type(exc).__name__, extra={"event": "message_deferred", "inbound_id": inbound_id})
                report.decided["retry"] += 1  # left waiting
                continue
            log.exception("message %s could not be decided", inbound_id, extra={"event": "message_error", "inbound_id": inbound_id})
            _record_error(app, inbound_id, exc)
            report.decided["error"] += 1
            continue
        report.decided[decision.status.value] += 1
        log.info("message %s %s", inbound_id, decision.status.value, extra={
            "event": "message_decided", "inbound_id": inbound_id, "message_id": message_id, "status": decision.status.value,
            "reasons": [r.value for r in decision.reasons], "account_id": decision.account_id,
            "allocations": len(decision.allocations), "ms": round((time.perf_counter() - started) * 1000, 1)})
    return True


def take_intake_lease(app: App, *, holder: str) -> LeaseTicket | None:
    """The mailbox lease for `holder`, or None while another process reads the mailbox."""
    ticket = LeaseTicket(INTAKE_LEASE, holder, timedelta(seconds=app.settings.lease_seconds))
    with Session(app.engine) as session:
        held = acquire_lease(session, name=ticket.name, holder=holder, now=app.clock(), ttl=ticket.ttl)
        session.commit()
    return ticket if held else None


def run_cycle(app: App, guard: Guard | None = None, *, holder: str | None = None) -> CycleReport:
    """One scheduled cycle (`allocbot run --once`): fetch and store, decide, post to the
    billing system (and confirm what it shows), file, send.

    With a `holder`, the mailbox steps (store, file) run only under the intake lease, so a
    cycle next to a running worker never reads or moves mail at the same time as it; deciding
    and sending claim row by row and always run."""
    report, guard = CycleReport(), guard or Guard()
    ticket = take_intake_lease(app, holder=holder) if holder else None
    mailbox_guard = replace(guard, lease=ticket) if ticket else guard
    if holder and ticket is None:
        report.stopped = "another process holds the intake lease"
    else:
        intake(app, report, mailbox_guard)
    decide_stored(app, report, guard)
    deliver_postings(app, report, guard)
    if not (holder and ticket is None):
        file_decided(app, report, mailbox_guard)
    send_outbox(app, report, guard)
    if ticket:
        with Session(app.engine) as session:
            release_lease(session, name=ticket.name, holder=holder, now=app.clock())
            session.commit()
    return report
