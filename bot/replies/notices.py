"""The proactive notice (off by default, `unallocated_notice`): each account's billing admins
get a list of its payments unallocated for more than `unallocated_notice_days`, with how to
ask for an allocation, at most once per payment per `unallocated_notice_period_days`.

One transaction per account: the outbox rows and one `payment_noticed` audit event per
payment listed. Each row's Message-ID is made from the day, the account and the recipient,
so a second worker (or a restart) running the job the same day queues nothing twice. A
recipient whose replies keep bouncing, or who had too many replies within the hour, is left
out (the same limits as replies, `reply_refusal`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.bootstrap import App
from bot.deciding.hints import payment_hints
from bot.ledger import journal
from bot.ledger.notice_queries import NOTICED, account_slice, accounts_with_old_unallocated, noticed_since
from bot.replies.compose import compose_reply, new_message_id
from bot.replies.queue import reply_refusal
from bot.replies.render import render_notice

log = logging.getLogger("allocbot.notices")


@dataclass
class NoticeReport:
    accounts: int = 0  # accounts that got a notice
    messages: int = 0  # outbox rows queued (one per recipient)
    payments: int = 0  # payments listed
    skipped: int = 0  # recipients left out by the reply limits


def queue_notices(app: App, *, now: datetime | None = None) -> NoticeReport:
    """Queue today's notices; each account in its own transaction."""
    settings, now = app.settings, now or app.clock()
    cutoff = now.date() - timedelta(days=settings.unallocated_notice_days)
    since = now - timedelta(days=settings.unallocated_notice_period_days)
    report = NoticeReport()
    with Session(app.engine) as session:
        account_ids = list(accounts_with_old_unallocated(session, received_on_or_before=cutoff))
        noticed = noticed_since(session, since=since)
    for account_id in account_ids:
        with Session(app.engine) as session:
            if _notice_account(session, app, account_id=account_id, cutoff=cutoff, noticed=noticed, now=now, report=report):
                session.commit()
    log.info("notices: %d accounts, %d messages, %d payments", report.accounts, report.messages, report.payments,
             extra={"event": "notices_queued", **report.__dict__})
    return report


def _notice_account(session: Session, app: App, *, account_id: str, cutoff: date, noticed: set[str], now: datetime,
                    report: NoticeReport) -> bool:
    settings = app.settings
    account, payments, invoices, contacts = account_slice(session, account_id=account_id, received_on_or_before=cutoff)
    payments = [p for p in payments if p.payment_id not in noticed]
    admins = [c for c in contacts if c.role in settings.allowed_roles and c.email]
    if account is None or not payments or not admins:
        return False
    hints = payment_hints(payments, invoices, invoice_pattern=settings.invoice_pattern)
    queued = 0
    for contact in admins:
        if reply_refusal(session, app, to_addr=contact.email, now=now) is not None:
            report.skipped += 1
            continue
        content = render_notice(account=account, payments=tuple(payments), hints=hints,
                                days=settings.unallocated_notice_days, mailbox=settings.from_address,
                                sender_name=contact.name, locale=account.locale or settings.default_locale,
                                templates_dir=app.templates / "email")
        message_id = new_message_id(settings.from_address, f"allocbot.notice.{now.date().isoformat()}.{account_id}.{contact.email}")
        raw = compose_reply(content, to_addr=contact.email, to_name=contact.name, from_addr=settings.from_address,
                            from_name=settings.from_name, in_reply_to="", references=(), message_id=message_id,
                            loop_header=settings.loop_header, date=now, auto_submitted="auto-generated")
        try:
            with session.begin_nested():
                journal.queue_outbound(session, inbound_id=None, kind="unallocated_notice", to_addr=contact.email,
                                       message_id=message_id, raw=raw, now=now)
        except IntegrityError:  # queued today already (another worker, or a restart)
            continue
        queued += 1
    if not queued:
        return False
    for p in payments:
        journal.audit(session, actor="allocbot", action=NOTICED, inbound_id=None, now=now,
                      detail={"payment_id": p.payment_id, "account_id": account_id, "unallocated": str(p.unallocated),
                              "hint": list(hints.get(p.payment_id, ())), "recipients": queued})
    report.accounts += 1
    report.messages += queued
    report.payments += len(payments)
    return True
