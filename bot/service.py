"""One cycle: store new mail, decide every stored message (one transaction each), send the outbox.

Storing and deciding are separate transactions on purpose: a message is committed with
status `received` before anything is done with it, so a crash while deciding leaves it
waiting, never lost; the unique dedup key means a second delivery is never decided twice.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.bootstrap import App
from bot.deciding.match import decide
from bot.deciding.sender import identify_sender
from bot.intake.classify import classify
from bot.ledger import journal, store
from bot.ledger.tables import InboundMessage
from bot.model import Decision, Reason, Status
from bot.reading.mime import header, parse_bytes
from bot.reading.read import read_message
from bot.replies.outbox import DeliveryError
from bot.replies.queue import queue_reply

log = logging.getLogger("allocbot.service")


@dataclass
class CycleReport:
    stored: int = 0
    duplicates: int = 0
    decided: Counter = field(default_factory=Counter)
    sent: int = 0
    failed: int = 0


def dedup_key(raw: bytes) -> tuple[str, str]:
    """(key, Message-ID): the Message-ID when there is one, else a hash of the bytes.

    Only the message's own header section counts: a Message-ID line in the body (an attached
    or quoted message) is another mail's id, and taking it would drop this one as a duplicate."""
    head = re.split(rb"\r?\n\r?\n", raw[:65536], maxsplit=1)[0]
    match = re.search(rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^>\r\n]{1,900}>)", head, re.IGNORECASE | re.MULTILINE)
    if match:
        mid = match.group(1).decode("ascii", "replace")
        return f"mid:{mid.lower()}", mid
    return f"sha256:{hashlib.sha256(raw).hexdigest()}", ""


def _summary_headers(raw: bytes) -> tuple[str, str]:
    """From and Subject for listing; a message the parser chokes on is still stored."""
    try:
        msg = parse_bytes(raw)
        return header(msg, "From"), header(msg, "Subject")
    except Exception:  # noqa: BLE001 - e.g. RecursionError on absurdly nested MIME
        return "", ""


def intake(app: App, report: CycleReport) -> None:
    """Store every new message, a bounded batch at a time, until the mailbox has no more."""
    while _intake_batch(app, report):
        pass


def _intake_batch(app: App, report: CycleReport) -> int:
    count = 0
    for incoming in app.mailbox.fetch(app.settings.batch_size):
        count += 1
        key, mid = dedup_key(incoming.raw)
        now = app.clock()
        with Session(app.engine) as session:
            try:
                if store.inbound_by_key(session, dedup_key=key) is None:
                    from_addr, subject = _summary_headers(incoming.raw)
                    row = journal.add_inbound(session, dedup_key=key, message_id=mid, source=incoming.key, raw=incoming.raw,
                                              from_addr=from_addr, subject=subject, now=now)
                    journal.audit(session, actor="allocbot", action="stored", inbound_id=row.id, detail={"source": incoming.key}, now=now)
                    report.stored += 1
                else:
                    journal.audit(session, actor="allocbot", action="duplicate_delivery", inbound_id=None,
                                  detail={"message_id": mid, "source": incoming.key}, now=now)
                    report.duplicates += 1
                session.commit()
            except IntegrityError:  # another worker stored the same message a moment ago
                session.rollback()
                report.duplicates += 1
        app.mailbox.mark_done(incoming.key, "stored")
        log.info("stored message", extra={"source": incoming.key, "message_id": mid})
    return count


def _decide_one(session: Session, app: App, row: InboundMessage) -> Decision:
    settings, now = app.settings, app.clock()
    msg = parse_bytes(row.raw)
    machine = classify(msg, own_addresses=frozenset({settings.from_address}), loop_header=settings.loop_header)
    if machine is not None:
        decision = Decision(Status.IGNORED, (machine.reason,))
        journal.record_outcome(session, inbound=row, status="ignored", reasons=[machine.reason.value], account_id=None,
                               evidence=[{"rule": "machine_mail", "detail": machine.evidence}], request={}, now=now)
        journal.audit(session, actor="allocbot", action="ignored", inbound_id=row.id, detail={"reason": machine.reason.value, "evidence": machine.evidence}, now=now)
        return decision
    sender = identify_sender(header(msg, "From"), [str(v) for v in (msg.get_all("Authentication-Results") or [])],
                             trusted_authserv_id=settings.trusted_authserv_id)
    locale = store.sender_locale(session, sender=sender.address) or settings.default_locale
    mail, request = read_message(msg, invoice_pattern=settings.invoice_pattern, payment_pattern=settings.payment_pattern,
                                 month_first=locale.replace("_", "-").lower() == "en-us")
    view = store.ledger_view(session, sender=sender.address,
                             invoice_numbers=[line.invoice_number for ins in request.instructions for line in ins.lines],
                             payment_ids=[pid for ins in request.instructions for pid in ins.payment_ids])
    decision = decide(request, sender, view, allowed_roles=settings.allowed_roles)
    if decision.status is Status.APPLIED:
        try:
            with session.begin_nested():
                store.apply_allocations(session, allocations=decision.allocations, inbound_id=row.id, actor="allocbot", now=now)
        except store.LedgerConflict as exc:  # the ledger moved since we read it: a person decides
            decision = replace(decision, status=Status.REVIEW, reasons=decision.reasons + (Reason.OVER_ALLOCATION,))
            log.warning("ledger conflict, held for review: %s", exc)
    reasons = [r.value for r in decision.reasons]
    journal.record_outcome(session, inbound=row, status=decision.status.value, reasons=reasons, account_id=decision.account_id,
                           evidence=[asdict(e) for e in decision.evidence], request=asdict(request), now=now)
    case_ref = None
    if decision.status in (Status.REVIEW, Status.NEEDS_INFO):
        case_ref = journal.open_review(session, inbound_id=row.id, reasons=reasons, now=now).case_ref
    journal.audit(session, actor="allocbot", action=decision.status.value, inbound_id=row.id,
                  detail={"reasons": reasons, "allocations": [asdict(a) for a in decision.allocations], "case_ref": case_ref}, now=now)
    queue_reply(session, app, inbound=row, mail=mail, sender=sender, decision=decision, case_ref=case_ref, now=now)
    return decision


def _record_error(app: App, inbound_id: int, exc: Exception) -> None:
    now = app.clock()
    with Session(app.engine) as session:
        row = session.get(InboundMessage, inbound_id)
        if row is None or row.status != "received":
            return
        journal.record_outcome(session, inbound=row, status="error", reasons=[Reason.PARSE_ERROR.value], account_id=None,
                               evidence=[], request={}, now=now, error=f"{type(exc).__name__}: {exc}"[:4000])
        journal.open_review(session, inbound_id=row.id, reasons=[Reason.PARSE_ERROR.value], now=now)
        journal.audit(session, actor="allocbot", action="error", inbound_id=row.id, detail={"error": repr(exc)[:2000]}, now=now)
        session.commit()


def decide_stored(app: App, report: CycleReport) -> None:
    """Decide stored messages batch by batch until none is waiting."""
    seen: set[int] = set()
    while True:
        with Session(app.engine) as session:
            waiting = [i for i in store.received_ids(session, limit=app.settings.batch_size) if i not in seen]
        if not waiting:
            return
        seen.update(waiting)
        _decide_batch(app, report, waiting)


def _decide_batch(app: App, report: CycleReport, waiting: list[int]) -> None:
    for inbound_id in waiting:
        try:
            with Session(app.engine) as session:
                row = store.claim_inbound(session, inbound_id=inbound_id)
                if row is None:
                    continue
                decision = _decide_one(session, app, row)
                session.commit()
            report.decided[decision.status.value] += 1
            log.info("decided message %s: %s %s", inbound_id, decision.status.value, ",".join(decision.reasons))
        except Exception as exc:  # noqa: BLE001 - one bad message must never stop the cycle
            log.exception("message %s could not be decided", inbound_id)
            _record_error(app, inbound_id, exc)
            report.decided["error"] += 1


def send_outbox(app: App, report: CycleReport) -> None:
    """Try each pending reply at most once per cycle, each claimed and marked in its own transaction:
    the row lock is held while that one reply is handed over, never across a commit."""
    last = 0
    while True:
        with Session(app.engine) as session:
            ids = [row.id for row in journal.pending_outbound(session, limit=50, after=last)]
        if not ids:
            return
        last, transient = ids[-1], False
        for outbound_id in ids:
            with Session(app.engine) as session:
                row = journal.claim_outbound(session, outbound_id=outbound_id)
                if row is None:  # sent or claimed by another worker meanwhile
                    continue
                try:
                    app.outbox.send(row.raw, to=row.to_addr, message_id=row.message_id)
                except DeliveryError as exc:
                    journal.mark_failed(session, outbound=row, error=str(exc), permanent=exc.permanent)
                    transient = transient or not exc.permanent
                    report.failed += 1
                    log.warning("reply %s not sent: %s", row.message_id, exc)
                else:
                    journal.mark_sent(session, outbound=row, now=app.clock())
                    report.sent += 1
                    log.info("reply sent", extra={"message_id": row.message_id, "kind": row.kind})
                session.commit()
        if transient:
            return  # the transport is refusing for now: the rest waits for the next cycle


def run_cycle(app: App) -> CycleReport:
    report = CycleReport()
    intake(app, report)
    decide_stored(app, report)
    send_outbox(app, report)
    return report
