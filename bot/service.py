"""One cycle: store new mail, decide every stored message (one transaction each), tell the
mailbox the outcomes, send the outbox.

Storing and deciding are separate transactions on purpose: a message is committed with
status `received` before anything is done with it, so a crash while deciding leaves it
waiting, never lost; the unique dedup key means a second delivery is never decided twice.
Storing lives in `intake/storing.py`, filing in `intake/filing.py`, posting in
`posting/delivery.py`, sending in `replies/sending.py`; deciding one message is
`handling/judge.py` (the stages) and `handling/record.py` (the one step that writes).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session

from bot.bootstrap import App
from bot.cycle import CycleReport, Guard
from bot.handling.judge import judge
from bot.handling.record import record
from bot.intake.filing import file_decided
from bot.intake.storing import dedup_key, intake
from bot.leasing import INTAKE_LEASE, ProcessLease
from bot.ledger import journal, store
from bot.ledger.tables import InboundMessage
from bot.model import Decision, Reason
from bot.posting.delivery import deliver_postings
from bot.posting.syncing import sync_if_due
from bot.retry import AttemptCap
from bot.replies.sending import send_outbox

__all__ = ["INTAKE_LEASE", "CycleReport", "Guard", "dedup_key", "decide_stored", "file_decided", "intake", "run_cycle", "send_outbox"]

log = logging.getLogger("allocbot.service")


def _decide_one(session: Session, app: App, row: InboundMessage) -> Decision:
    """The stages decide (bot/handling/judge.py); one step writes what they decided
    (bot/handling/record.py), all in the message's transaction."""
    return record(session, app, row, judge(session, app, row))


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
        text = _error_text(exc)
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


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:4000]}"[:4000].replace("\x00", "\\x00")  # PostgreSQL text holds no NUL


def _defer(app: App, inbound_id: int, exc: BaseException) -> bool:
    """Count a database failure against the message (an audit event `decide_deferred`); after
    `decide_attempts` of them hold it for review with the error (`database_error`). True when
    held. When the database is down even the count fails, so an outage uses up no attempts."""
    now, text, cap = app.clock(), _error_text(exc), AttemptCap(app.settings.decide_attempts)
    try:
        with Session(app.engine) as session:
            journal.audit(session, actor="allocbot", action="decide_deferred", inbound_id=inbound_id,
                          detail={"error": text[:2000]}, now=now)
            failures = journal.count_audits(session, inbound_id=inbound_id, action="decide_deferred")
            row = store.claim_inbound(session, inbound_id=inbound_id) if cap.exhausted(failures) else None
            if row is not None:
                reasons = [Reason.DATABASE_ERROR.value]
                journal.record_outcome(session, inbound=row, status="review", reasons=reasons, account_id=None,
                                       evidence=[{"kind": "database_error", "attempts": failures, "error": text}],
                                       request={}, now=now, error=text)
                journal.open_review(session, inbound_id=row.id, reasons=reasons, now=now)
                journal.audit(session, actor="allocbot", action="held_after_retries", inbound_id=row.id, now=now,
                              detail={"attempts": failures, "error": text[:2000]})
            session.commit()
    except Exception:  # noqa: BLE001 - the database is away: the message waits, uncounted
        row, failures = None, 0
    if row is not None:
        log.error("message %s: deciding failed on a database error %s times; held for review", inbound_id, failures,
                  extra={"event": "message_held", "inbound_id": inbound_id, "error": text})
        return True
    log.warning("message %s: the database failed while deciding it (%s); it is decided again next cycle",
                inbound_id, type(exc).__name__, extra={"event": "message_deferred", "inbound_id": inbound_id})
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
            if database_unavailable(exc):  # not the message's fault (so far): it waits for the next cycle
                report.decided["review" if _defer(app, inbound_id, exc) else "retry"] += 1
                report.note_decided()
                continue
            log.exception("message %s could not be decided", inbound_id, extra={"event": "message_error", "inbound_id": inbound_id})
            _record_error(app, inbound_id, exc)
            report.decided["error"] += 1
            report.note_decided()
            continue
        report.decided[decision.status.value] += 1
        report.note_decided()
        log.info("message %s %s", inbound_id, decision.status.value, extra={
            "event": "message_decided", "inbound_id": inbound_id, "message_id": message_id, "status": decision.status.value,
            "reasons": [r.value for r in decision.reasons], "account_id": decision.account_id,
            "allocations": len(decision.allocations), "ms": round((time.perf_counter() - started) * 1000, 1)})
    return True


def run_cycle(app: App, guard: Guard | None = None, *, holder: str | None = None,
              progress: Callable[[int], None] | None = None) -> CycleReport:
    """One scheduled cycle (`allocbot run --once`): read the billing system's ledger when it
    keeps one and a sync is due, fetch and store, decide, post to the billing system (and
    confirm what it shows), file, send.

    With a `holder`, the mailbox steps (store, file) run only under the intake lease, so a
    cycle next to a running worker never reads or moves mail at the same time as it (and one
    started after a crash takes the dead run's lease over at once); deciding and sending claim
    row by row and always run."""
    report, guard = CycleReport(progress=progress), guard or Guard()
    lease = ProcessLease(app, holder=holder) if holder else None
    try:
        ticket = lease.ticket if lease is not None and lease.take() else None
        mailbox_guard = replace(guard, lease=ticket) if ticket else guard
        if lease is not None and ticket is None:
            report.stopped = "another process holds the intake lease"
        else:
            sync_if_due(app, report)  # one process at a time reads the billing system's ledger
            intake(app, report, mailbox_guard)
        decide_stored(app, report, guard)
        presence = lease.presence if lease is not None else None
        deliver_postings(app, report, guard, presence=presence)
        if lease is None or ticket is not None:
            file_decided(app, report, mailbox_guard)
        send_outbox(app, report, guard, presence=presence)
    finally:
        if lease is not None:
            lease.close()
    return report
