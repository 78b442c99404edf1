"""One cycle's posting step: read the billing system's acknowledgements, hand every due
posting over, record each answer, then queue the confirmations that may go out now.

Each batch is claimed (a conditional UPDATE per posting, so two workers never hand the same
posting over at once) and committed before the billing system sees it; each answer is
recorded in its own transaction as it comes. A crash in between leaves the claim to run out
(or to be taken at once, when the dead process's mark shows it has ended), and the posting is handed over again under the same key, which the billing system takes as the same
posting (webhook-id, or the batch file already written under its number). A billing system
that cannot take a posting now (down, 5xx) gets it again after the retry backoff; the
step stops for this cycle, and mail is read and decided meanwhile."""
from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from sqlmodel import Session

from bot.bootstrap import App
from bot.cycle import CycleReport, Guard
from bot.ledger import postings
from bot.ledger.presence import Presence, ended_claimers
from bot.ledger.tables import Posting
from bot.posting.confirming import queue_due_confirmations
from bot.posting.port import Answer, Batch, BillingError
from bot.retry import Backoff

log = logging.getLogger("allocbot.posting")
CLAIM_TIMEOUTS = 2  # a claim outlives a live delivery: per posting one exchange, bounded by the timeout


def claim_window(app: App, size: int) -> timedelta:
    """Long enough for a live run to hand over the whole batch; a dead run's postings are
    handed over again after it (90 s with the 30 s timeout)."""
    exchange = CLAIM_TIMEOUTS * app.settings.socket_timeout_seconds
    return timedelta(seconds=30 + exchange * (1 if app.billing.batched else size))  # a batch: one file write


def backoff(app: App) -> Backoff:
    s = app.settings
    return Backoff(base=s.retry_base_seconds, factor=2.0, cap=s.retry_cap_seconds, jitter=0.1)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def read_acknowledgements(app: App, report: CycleReport) -> None:
    """Record each acks file in one transaction, then move it aside; unreadable lines and
    unknown keys are listed (log and report) and skipped, the rest is recorded."""
    for ack_file in app.billing.acknowledgements():
        now = app.clock()
        problems = list(ack_file.problems)
        with Session(app.engine) as session:
            for ack in ack_file.acks:
                result = postings.record_ack(session, key=ack.key, status=ack.status, reason=ack.reason, now=now)
                if result == "unknown":
                    problems.append(f"{ack_file.path.name}: no posting has the key {ack.key!r}")
                elif result == "moved":
                    report.posted["accepted" if ack.status == "accepted" else "rejected"] += 1
            session.commit()
        app.billing.done_with(ack_file)
        for problem in problems:
            log.warning("acknowledgement skipped: %s", problem, extra={"event": "ack_skipped"})
        report.problems.extend(problems)


def _record(app: App, posting_id: int, answer: Answer, report: CycleReport) -> None:
    """Store one answer in its own transaction; the posting's claim ends with it."""
    now = app.clock()
    with Session(app.engine) as session:
        posting = session.get(Posting, posting_id)
        postings.record_answer(session, posting=posting, answer=answer, now=now,
                               retry_at=now + backoff(app).delay(posting.attempts + 1))
        session.commit()
    report.posted[answer.outcome] += 1


def _deliver_batch(app: App, holder: str, report: CycleReport, presence: Presence | None = None) -> bool:
    """Claim and hand over one batch, recording each answer as it comes. True while there may
    be more to hand over and the billing system takes postings (no `retry`)."""
    ended = ended_claimers(app.engine, presence, postings.live_claimers, now=app.clock())
    now, size = app.clock(), app.billing.batch_size
    with Session(app.engine) as session:
        claimed = postings.claim_due(session, holder=holder, now=now, until=now + claim_window(app, size), limit=size,
                                     ended=ended)
        if not claimed:
            return False
        seq = postings.numbered_batch(session, postings=claimed, holder=holder, now=now) if app.billing.batched else None
        batch = Batch(seq, tuple(postings.posting_out(p) for p in claimed))
        ids = {p.key: p.id for p in claimed}
        session.commit()
    answered, taking = set(), True
    try:
        for answer in app.billing.deliver(batch):
            if answer.key in ids and answer.key not in answered:
                answered.add(answer.key)
                _record(app, ids[answer.key], answer, report)
                taking = taking and answer.outcome != "retry"
    except BillingError as exc:
        log.warning("billing system %s: %s", app.billing.name, exc, extra={"event": "billing_unavailable"})
        for key in ids.keys() - answered:
            _record(app, ids[key], Answer(key, "retry", str(exc)), report)
        return False
    for key in ids.keys() - answered:  # a connector that said nothing about a posting: it waits
        _record(app, ids[key], Answer(key, "retry", "the billing system gave no answer for it"), report)
        taking = False
    return taking


def deliver_postings(app: App, report: CycleReport, guard: Guard | None = None, *, holder: str | None = None,
                     presence: Presence | None = None) -> None:
    """Acks, then due postings batch by batch until none is due or the billing system stops
    taking them, then the confirmations now allowed. Never raises: a failure here must not
    stop the worker, and what was not recorded is tried again next cycle. With the process's
    `presence`, its holder claims, and claims of processes that have ended are taken at once."""
    guard = guard or Guard()
    holder = presence.holder if presence is not None else holder or default_holder()
    try:
        read_acknowledgements(app, report)
        while not guard.reason_to_stop() and _deliver_batch(app, holder, report, presence):
            pass
        queue_due_confirmations(app, report)
    except Exception as exc:  # noqa: BLE001 - e.g. the database went away mid-step
        log.exception("posting step failed: %s", exc, extra={"event": "posting_step_failed"})
        report.problems.append(f"posting step failed: {type(exc).__name__}: {exc}")
