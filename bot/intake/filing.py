"""Filing: tell the mailbox each decided message's outcome (IMAP moves it to the outcome's
folder). Runs after the deciding transaction committed; `filed_at` records that it is done,
so a crash or a refusing server only delays filing to the next cycle, never skips it."""
from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.bootstrap import App
from bot.cycle import CycleReport, Guard
from bot.intake.mailbox import Filing, FilingResult, MailboxError
from bot.ledger.leases import renew_lease
from bot.ledger.tables import InboundMessage

log = logging.getLogger("allocbot.filing")


def unfiled(session: Session, *, limit: int, after: int = 0) -> list[tuple[int, str, str, str]]:
    """(id, source, status, message_id) of decided messages the mailbox has not been told about."""
    stmt = (select(InboundMessage.id, InboundMessage.source, InboundMessage.status, InboundMessage.message_id)
            .where(col(InboundMessage.filed_at).is_(None), InboundMessage.status != "received", col(InboundMessage.id) > after)
            .order_by(col(InboundMessage.id)).limit(limit))
    return [tuple(row) for row in session.exec(stmt).all()]  # type: ignore[misc]


GIVE_UP_AFTER = 3  # consecutive failures: the server is down, not just one message odd


def _still_holding(app: App, guard: Guard) -> bool:
    """Renew the intake lease, when due, before moving mail: only its holder moves messages."""
    now = app.clock()
    if not guard.lease_due(now):
        return True
    with Session(app.engine) as session:
        held = renew_lease(session, name=guard.lease.name, holder=guard.lease.holder, now=now, ttl=guard.lease.ttl)
        session.commit()
    if held:
        guard.lease_renewed_at = now
    return held


def _mark_filed(app: App, inbound_ids: list[int], report: CycleReport) -> None:
    """One write for a batch: a crash before it only means the mailbox is told again next
    cycle, which every adapter takes as done (the message is no longer where it was)."""
    if not inbound_ids:
        return
    with Session(app.engine) as session:
        session.execute(update(InboundMessage).where(col(InboundMessage.id).in_(inbound_ids)).values(filed_at=app.clock()))
        session.commit()
    report.filed += len(inbound_ids)


def file_decided(app: App, report: CycleReport, guard: Guard | None = None) -> None:
    """File every decided message not yet filed, a batch at a time (IMAP moves a batch with
    one command per folder); one that fails is skipped (and tried again next cycle), so one
    odd message never holds up the rest; several failures in a row mean the server is away,
    and filing waits for the next cycle."""
    guard, last = guard or Guard(), 0
    while True:
        with Session(app.engine) as session:
            rows = unfiled(session, limit=app.settings.batch_size, after=last)
        if not rows:
            return
        last = rows[-1][0]
        filings = {source: Filing(source, status, message_id) for _id, source, status, message_id in rows if source}
        if filings and not _still_holding(app, guard):
            report.stopped = "lease lost"
            return
        result = app.mailbox.file_many(list(filings.values()), give_up_after=GIVE_UP_AFTER) if filings else FilingResult()
        for filing, exc in result.failed:
            log.warning("not filed, tried again next cycle: %s", exc, exc_info=not isinstance(exc, MailboxError),
                        extra={"event": "file_failed", "key": filing.key})
        done = set(result.filed)
        _mark_filed(app, [inbound_id for inbound_id, source, *_ in rows if not source or source in done], report)
        if result.gave_up:
            report.stopped = report.stopped or "mailbox refused filing"
            return
        if (why := guard.reason_to_stop()):
            report.stopped = why
            return
