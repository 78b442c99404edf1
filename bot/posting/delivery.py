"""One cycle's posting step: read the billing system's acknowledgements, hand every due
posting over, record each answer, then queue the confirmations that may go out now.

Each batch is claimed (a conditional UPDATE per posting, so two workers never hand the same
posting over at once) and committed before the billing system sees it; the answers are
recorded in one transaction after. A crash in between leaves the claim to run out, and the
posting is handed over again under the same key, which the billing system takes as the same
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
from bot.ledger.tables import Posting
from bot.posting.confirming import queue_due_confirmations
from bot.posting.port import Answer, Batch, BillingError
from bot.retry import Backoff

log = logging.getLogger("allocbot.posting")
BATCH = 100
CLAIM_TIMEOUTS = 6  # a claim outlives a live delivery: one HTTP exchange per posting, each bounded


def claim_window(app: App, size: int = BATCH) -> timedelta:
    return timedelta(seconds=CLAIM_TIMEOUTS * app.settings.socket_timeout_seconds + size)


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


def _record(app: App, claimed: dict[str, int], answers: list[Answer], report: CycleReport) -> bool:
    """Store the answers; True while the billing system takes postings (no `retry`)."""
    now, delays = app.clock(), backoff(app)
    answered = {a.key: a for a in answers}
    with Session(app.engine) as session:
        for key, posting_id in claimed.items():
            posting = session.get(Posting, posting_id)
            answer = answered.get(key) or Answer(key, "retry", "the billing system gave no answer for it")
            postings.record_answer(session, posting=posting, answer=answer, now=now,
                                   retry_at=now + delays.delay(posting.attempts + 1))
            report.posted[answer.outcome] += 1
        session.commit()
    return all(a.outcome != "retry" for a in answered.values()) and len(answered) >= len(claimed)


def _deliver_batch(app: App, holder: str) -> tuple[dict[str, int], list[Answer]] | None:
    now = app.clock()
    with Session(app.engine) as session:
        claimed = postings.claim_due(session, holder=holder, now=now, until=now + claim_window(app), limit=BATCH)
        if not claimed:
            return None
        seq = postings.numbered_batch(session, postings=claimed, holder=holder, now=now) if app.billing.batched else None
        batch = Batch(seq, tuple(postings.posting_out(p) for p in claimed))
        ids = {p.key: p.id for p in claimed}
        session.commit()
    try:
        answers = app.billing.deliver(batch)
    except BillingError as exc:
        log.warning("billing system %s: %s", app.billing.name, exc, extra={"event": "billing_unavailable"})
        answers = [Answer(p.key, "retry", str(exc)) for p in batch.postings]
    return ids, answers


def deliver_postings(app: App, report: CycleReport, guard: Guard | None = None, *, holder: str | None = None) -> None:
    """Acks, then due postings batch by batch until none is due or the billing system stops
    taking them, then the confirmations now allowed. Never raises: a failure here must not
    stop the worker, and what was not recorded is tried again next cycle."""
    guard, holder = guard or Guard(), holder or default_holder()
    try:
        read_acknowledgements(app, report)
        while not guard.reason_to_stop():
            handed = _deliver_batch(app, holder)
            if handed is None or not _record(app, *handed, report):
                break
        queue_due_confirmations(app, report)
    except Exception as exc:  # noqa: BLE001 - e.g. the database went away mid-step
        log.exception("posting step failed: %s", exc, extra={"event": "posting_step_failed"})
        report.problems.append(f"posting step failed: {type(exc).__name__}: {exc}")
