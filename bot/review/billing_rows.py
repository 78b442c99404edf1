"""The slice of an account's ledger the item page shows: a bounded number of its open
invoices and unallocated payments, the rows the decision turns on, and how many there are.

An account can have thousands of open invoices. Listing every one three times over (the
candidates, the billing view, the choices of each edit row) made the item page of such an
account megabytes big and took a third of a second to build (issue 7). The full lists are one
link away on the account's keyset-paged billing view. Rows a reviewer needs are always here,
however far down the lists they are: the rows the mail names, the bot proposed or its evidence
mentions (the caller reads those by key), the unallocated payments whose amount fits an
amount the mail states (how the bot itself finds a payment by amount), and the open invoices
the shown payments' remittances name (the hints). Read-only."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.ledger.store import account_row, invoice_row, payment_row
from bot.ledger.tables import Account, Allocation, Invoice, Payment
from bot.model import AccountRow, Amount, InvoiceRow, PaymentRow, minor_unit
from bot.statements.remittance import remittance_hints

ROWS_SHOWN = 50  # of each list; a page of the billing view holds 200


@dataclass(frozen=True)
class AccountSlice:
    account: AccountRow | None
    open_invoices: list[InvoiceRow] = field(default_factory=list)  # the first ROWS_SHOWN by due date, then number
    unallocated: list[PaymentRow] = field(default_factory=list)  # the first ROWS_SHOWN by received date, and the fitting ones
    recent: list[Allocation] = field(default_factory=list)
    open_invoice_count: int = 0
    unallocated_count: int = 0
    hinted: list[InvoiceRow] = field(default_factory=list)  # open invoices the shown payments' remittances name


def _minor_values(stated: Iterable[Amount], currencies: set[str]) -> dict[str, set[int]]:
    """currency -> the stated amounts that currency can count in minor units exactly."""
    out: dict[str, set[int]] = {}
    for amount in stated:
        for currency in {amount.currency} if amount.currency else currencies:
            minor = amount.value / minor_unit(currency)
            if minor == minor.to_integral_value() and abs(minor) < Decimal(2) ** 62:
                out.setdefault(currency, set()).add(int(minor))
    return out


def account_slice(session: Session, *, account_id: str, stated: Iterable[Amount], invoice_pattern: str,
                  limit: int = ROWS_SHOWN, recent: int = 20) -> AccountSlice:
    """What the item page shows of `account_id`; `stated` are the payment amounts the mail
    names. Each list is one bounded query, so the page costs the same for any account size."""
    account = session.get(Account, account_id)
    if account is None:
        return AccountSlice(None)
    open_rule = (Invoice.account_id == account_id, Invoice.open_minor > 0)
    unallocated_rule = (Payment.account_id == account_id, Payment.unallocated_minor > 0)
    invoices = session.exec(select(Invoice).where(*open_rule)
                            .order_by(Invoice.due_date, Invoice.invoice_number).limit(limit)).all()
    payments = list(session.exec(select(Payment).where(*unallocated_rule)
                                 .order_by(Payment.received_date, Payment.payment_id).limit(limit)).all())
    all_payments_shown = len(payments) < limit
    fits = [(col(Payment.currency) == c) & or_(col(Payment.amount_minor).in_(v), col(Payment.unallocated_minor).in_(v))
            for c, v in _minor_values(stated, {account.currency}).items()]
    if fits and not all_payments_shown:
        shown = {p.payment_id for p in payments}
        payments += [p for p in session.exec(select(Payment).where(*unallocated_rule, or_(*fits))
                                             .order_by(Payment.received_date, Payment.payment_id).limit(limit)).all()
                     if p.payment_id not in shown]
    named = {n for p in payments for n in remittance_hints(p.reference or "", invoice_pattern=invoice_pattern).invoice_numbers}
    named -= {i.invoice_number for i in invoices}
    hinted = session.exec(select(Invoice).where(*open_rule, col(Invoice.invoice_number).in_(sorted(named)))).all() if named else []
    allocations = session.exec(select(Allocation).join(Payment, col(Payment.payment_id) == col(Allocation.payment_id))
                               .where(Payment.account_id == account_id).order_by(col(Allocation.id).desc()).limit(recent)).all()
    count = lambda table, rule: session.exec(select(func.count()).select_from(table).where(*rule)).one()  # noqa: E731
    return AccountSlice(
        account=account_row(account), open_invoices=[invoice_row(i) for i in invoices],
        unallocated=[payment_row(p) for p in payments], recent=list(allocations),
        open_invoice_count=len(invoices) if len(invoices) < limit else count(Invoice, open_rule),
        unallocated_count=len(payments) if all_payments_shown else count(Payment, unallocated_rule),
        hinted=[invoice_row(i) for i in hinted])


__all__ = ["ROWS_SHOWN", "AccountSlice", "account_slice"]
