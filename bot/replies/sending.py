"""The outbox sender: hand each due reply to the transport, one fresh connection per batch.

Each reply is claimed (row lock / SKIP LOCKED on PostgreSQL) and marked in its own
transaction, and marked sent only after the server accepted it. A transient refusal (4xx,
no connection) schedules the next attempt by the retry plan and ends the batch: the server
is refusing for now. A permanent refusal (5xx), or a reply that has waited past the give-up
time, is failed and stays visible to operations."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from bot.bootstrap import App
from bot.cycle import CycleReport, Guard
from bot.ledger import journal
from bot.ledger.presence import Presence, ended_claimers
from bot.replies.outbox import DeliveryError, Transport
from bot.retry import Backoff, RetryPlan

log = logging.getLogger("allocbot.outbox")
BATCH = 50
# How long a sender may hold a claimed reply before another may take it again, in socket
# timeouts: one SMTP exchange is MAIL, RCPT, DATA and the content, each step bounded by the
# socket timeout, then the commit that marks the reply sent. A live sender is done well inside
# it; a reply whose sender died (SIGKILL, OOM, a lost host) goes out again after it: 3 minutes
# with the default 30 s timeout (it was a fixed 10 minutes, which held up a confirmation for
# 10 minutes after every crash in mid-send).
CLAIM_TIMEOUTS = 6


def claim_window(app: App) -> timedelta:
    return timedelta(seconds=CLAIM_TIMEOUTS * app.settings.socket_timeout_seconds)


@dataclass(frozen=True)
class Claim:
    """Who claims replies in this call, and the claimers known to have ended."""

    holder: str
    ended: list[str]


def retry_plan(app: App) -> RetryPlan:
    s = app.settings
    return RetryPlan(Backoff(base=s.retry_base_seconds, factor=2.0, cap=s.retry_cap_seconds, jitter=0.1),
                     give_up_after=timedelta(hours=s.retry_give_up_hours))


def send_outbox(app: App, report: CycleReport, guard: Guard | None = None, *, presence: Presence | None = None) -> None:
    """Send every reply that is due, batch by batch; each reply is tried at most once per call.
    With the process's `presence`, its holder claims, and a reply claimed by a process that has
    ended is sent at once instead of after the claim window."""
    guard, last = guard or Guard(), 0
    claim = Claim(presence.holder if presence else "", ended_claimers(app.engine, presence, journal.sending_claimers,
                                                                      now=app.clock()))
    while True:
        with Session(app.engine) as session:
            ids = [row.id for row in journal.pending_outbound(session, limit=BATCH, now=app.clock(), after=last,
                                                              ended=claim.ended)]
        if not ids:
            return
        last = ids[-1]
        try:
            with app.outbox.connection() as transport:
                if not _send_batch(app, transport, ids, report, guard, claim):
                    return
        except DeliveryError as exc:  # no connection or no login: each due reply backs off like a refusal
            log.warning("outbox not reachable: %s", exc, extra={"event": "outbox_unreachable", "outbox": app.outbox.name})
            for outbound_id in ids:
                _attempt(app, outbound_id, report, lambda row, exc=exc: _raise(exc), claim)
            return
        if (why := guard.reason_to_stop()):
            report.stopped = why
            return


def _send_batch(app: App, transport: Transport, ids: list[int], report: CycleReport, guard: Guard, claim: Claim) -> bool:
    """False when the batch ended early: the transport refused for now, or the job must stop."""
    for outbound_id in ids:
        outcome = _attempt(app, outbound_id, report,
                           lambda row: transport.send(row.raw, to=row.to_addr, message_id=row.message_id), claim)
        if outcome == "deferred" or guard.reason_to_stop():
            return False
    return True


def _attempt(app: App, outbound_id: int, report: CycleReport, send, claim: Claim) -> str:
    """Claim one reply (committed), hand it over outside any transaction, record the result.
    Returns "skipped" (not due any more), "sent", "deferred" or "failed"."""
    now = app.clock()
    with Session(app.engine, expire_on_commit=False) as session:  # the row is read after the commit
        row = journal.claim_outbound(session, outbound_id=outbound_id, now=now, until=now + claim_window(app),
                                     holder=claim.holder, ended=claim.ended)
        session.commit()
        if row is None:  # sent, deferred or claimed by another worker meanwhile
            return "skipped"
    try:
        send(row)
    except DeliveryError as exc:
        retry_at = None if exc.permanent else retry_plan(app).next_attempt(attempts=row.attempts + 1, queued_at=row.created_at, now=app.clock())
        with Session(app.engine) as session:
            journal.mark_failed(session, outbound=row, error=str(exc), retry_at=retry_at)
            _log_refusal(row, exc, retry_at)
            session.commit()
        if retry_at is None:
            report.failed += 1
            return "failed"
        report.deferred += 1
        return "deferred"
    with Session(app.engine) as session:  # the row, detached since the claim's commit, is re-added as it is
        journal.mark_sent(session, outbound=row, now=app.clock())
        facts = {"event": "reply_sent", "outbound_id": row.id, "message_id": row.message_id, "kind": row.kind,
                 "to": row.to_addr, "inbound_id": row.inbound_id, "attempts": row.attempts}
        session.commit()
    report.sent += 1
    log.info("reply sent", extra=facts)
    return "sent"


def _raise(exc: Exception) -> None:
    raise exc


def _log_refusal(row, exc: DeliveryError, retry_at) -> None:
    extra = {"event": "reply_failed" if retry_at is None else "reply_deferred", "outbound_id": row.id,
             "message_id": row.message_id, "kind": row.kind, "attempts": row.attempts, "error": str(exc),
             "retry_at": retry_at.isoformat() if retry_at else None}
    if retry_at is None:
        log.error("reply failed for good: %s", exc, extra=extra)
    else:
        log.warning("reply refused for now, retry at %s: %s", retry_at.isoformat(timespec="seconds"), exc, extra=extra)
