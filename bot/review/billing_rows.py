"""The slice of an account's ledger the item page shows: a bounded number of its open
invoices and unallocated payments, the rows the decision turns on, and how many there are.

An account can have thousands of open invoices. Listing every one three times over (the
candidates, the billing view, the choices of each edit row) made the item page of such an
account megabytes big and took a third of a second to build (issue 7). The full lists are one
link away on the account's keyset-paged billing view. Rows a reviewer needs are always here,
however far down the lists they are: the rows the mail names, the bot proposed or its evidence
mentions (the caller reads those by key; the bot's evidence names every payment an amount in
the mail fits), and the open invoices the shown payments' remittances name (the hints).
Read-only."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.ledger.store import account_row, invoice_row, payment_row
from bot.ledger.tables import Account, Allocation, Invoice, Payment
from bot.model import AccountRow, InvoiceRow, PaymentRow
from bot.statements.remittance import remittance_hints

ROWS_SHOWN = 50  # of each list; a page of the billing view holds 200


@dataclass(frozen=True)
class AccountSlice:
    account: AccountRow | None
    open_invoices: list[InvoiceRow] = field(default_factory=list)  # the first ROWS_SHOWN by due date, then number
    unallocated: list[PaymentRow] = field(default_factory=list)  # the first ROWS_SHOWN by received date, then id
    recent: list[Allocation] = field(default_factory=list)
    open_invoice_count: int = 0
    unallocated_count: int = 0
    hinted: list[InvoiceRow] = field(default_factory=list)  # open invoices the shown payments' remittances name


def account_slice(session: Session, *, account_id: str, invoice_pattern: str, limit: int = ROWS_SHOWN,
                  recent: int = 20) -> AccountSlice:
    """What the item page shows of `account_id`. Each list is one bounded query, so the page
    costs the same for any size of account."""
    account = session.get(Account, account_id)
    if account is None:
        return AccountSlice(None)
    open_rule = (Invoice.account_id == account_id, Invoice.open_minor > 0)
    unallocated_rule = (Payment.account_id == account_id, Payment.unallocated_minor > 0)
    invoices = session.exec(select(Invoice).where(*open_rule)
                            .order_by(Invoice.due_date, Invoice.invoice_number).limit(limit)).all()
    payments = session.exec(select(Payment).where(*unallocated_rule)
                            .order_by(Payment.received_date, Payment.payment_id).limit(limit)).all()
    named = {n for p in payments for n in remittance_hints(p.reference or "", invoice_pattern=invoice_pattern).invoice_numbers}
    named -= {i.invoice_number for i in invoices}
    hinted = session.exec(select(Invoice).where(*open_rule, col(Invoice.invoice_number).in_(sorted(named)))).all() if named else []
    allocations = session.exec(select(Allocation).join(Payment, col(Payment.payment_id) == col(Allocation.payment_id))
                               .where(Payment.account_id == account_id).order_by(col(Allocation.id).desc()).limit(recent)).all()

    def count(table, rule) -> int:  # only asked when a list is full: the page says "50 of N"
        return session.exec(select(func.count()).select_from(table).where(*rule)).one()
    return AccountSlice(
        account=account_row(account), open_invoices=[invoice_row(i) for i in invoices],
        unallocated=[payment_row(p) for p in payments], recent=list(allocations),
        open_invoice_count=len(invoices) if len(invoices) < limit else count(Invoice, open_rule),
        unallocated_count=len(payments) if len(payments) < limit else count(Payment, unallocated_rule),
        hinted=[invoice_row(i) for i in hinted])


__all__ = ["ROWS_SHOWN", "AccountSlice", "account_slice"]
