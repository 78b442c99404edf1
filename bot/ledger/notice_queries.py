"""What the proactive notice reads: accounts with old unallocated payments, their admins,
and which payments were noticed lately. Queries only; the caller owns the transaction."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.ledger.store import account_row, invoice_row, payment_row
from bot.ledger.tables import Account, AuditEvent, Contact, Invoice, Payment
from bot.model import AccountRow, ContactRow, InvoiceRow, PaymentRow

NOTICED = "payment_noticed"  # audit action: one event per payment listed in a notice


def accounts_with_old_unallocated(session: Session, *, received_on_or_before: date,
                                  batch: int = 500) -> Iterator[str]:
    """Account ids with a payment received on or before the date that still has money
    unallocated, in order, read a batch at a time."""
    after = ""
    while True:
        ids = session.exec(select(Payment.account_id).where(col(Payment.unallocated_minor) > 0,
                                                            col(Payment.received_date) <= received_on_or_before,
                                                            col(Payment.account_id) > after)
                           .distinct().order_by(col(Payment.account_id)).limit(batch)).all()
        yield from ids
        if len(ids) < batch:
            return
        after = ids[-1]


def account_slice(session: Session, *, account_id: str,
                  received_on_or_before: date) -> tuple[AccountRow | None, list[PaymentRow], list[InvoiceRow], list[ContactRow]]:
    """The account, its old unallocated payments, its open invoices and its contacts."""
    account = session.get(Account, account_id)
    payments = session.exec(select(Payment).where(Payment.account_id == account_id, col(Payment.unallocated_minor) > 0,
                                                  col(Payment.received_date) <= received_on_or_before)
                            .order_by(col(Payment.received_date), col(Payment.payment_id))).all()
    invoices = session.exec(select(Invoice).where(Invoice.account_id == account_id, col(Invoice.open_minor) > 0)).all()
    contacts = session.exec(select(Contact).where(Contact.account_id == account_id).order_by(col(Contact.email))).all()
    return (account_row(account) if account else None, [payment_row(p) for p in payments],
            [invoice_row(i) for i in invoices], [ContactRow(c.account_id, c.email, c.name, c.role) for c in contacts])


def noticed_since(session: Session, *, since: datetime) -> set[str]:
    """Payment ids listed in a notice at or after `since`."""
    rows = session.exec(select(AuditEvent.detail).where(AuditEvent.action == NOTICED, col(AuditEvent.at) >= since)).all()
    noticed = set()
    for detail in rows:
        try:
            noticed.add(str(json.loads(detail)["payment_id"]))
        except (ValueError, KeyError, TypeError):
            continue
    return noticed
