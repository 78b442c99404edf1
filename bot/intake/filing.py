"""Filing: tell the mailbox each decided message's outcome (IMAP moves it to the outcome's
folder). Runs after the deciding transaction committed; `filed_at` records that it is done,
so a crash or a refusing server only delays filing to the next cycle, never skips it."""
from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.bootstrap import App
from bot.cycle import CycleReport, Guard
from bot.intake.mailbox import MailboxError
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
    """File every decided message not yet filed; one that fails is skipped (and tried again
    next cycle), so one odd message never holds up the rest; several failures in a row mean
    the server is away, and filing waits for the next cycle."""
    guard, last, failures = guard or Guard(), 0, 0
    while True:
        with Session(app.engine) as session:
            rows = unfiled(session, limit=app.settings.batch_size, after=last)
        if not rows:
            return
        filed: list[int] = []
        try:
            for inbound_id, source, status, message_id in rows:
                last = inbound_id
                if source:
                    if not _still_holding(app, guard):
                        report.stopped = "lease lost"
                        return
                    try:
                        app.mailbox.file(source, status, message_id=message_id)
                    except Exception as exc:  # noqa: BLE001 - a server refusal or an odd message: skip it, never stop
                        failures += 1
                        log.warning("not filed, tried again next cycle: %s", exc, exc_info=not isinstance(exc, MailboxError),
                                    extra={"event": "file_failed", "inbound_id": inbound_id})
                        if failures >= GIVE_UP_AFTER:
                            report.stopped = report.stopped or "mailbox refused filing"
                            return
                        continue
                    failures = 0
                filed.append(inbound_id)
                if (why := guard.reason_to_stop()):
                    report.stopped = why
                    return
        finally:
            _mark_filed(app, filed, report)
