"""Queries and writes on the ledger tables. Every function takes keyword arguments and never
commits: the service owns the transaction, one message per transaction."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from bot.ledger import postings
from bot.ledger.tables import Account, Allocation, Contact, InboundMessage, Invoice, Payment
from bot.model import (
    AccountRow, Allocation as AllocationValue, ContactRow, InvoiceRow, LedgerView, Money, PaymentRow, Request, minor_unit,
    named_ids,
)


T = TypeVar("T")


class LedgerConflict(Exception):
    """An allocation would overdraw a payment or an invoice: the transaction must roll back."""


def to_minor(money: Money) -> int:
    return int((money.amount / minor_unit(money.currency)).to_integral_value())


def from_minor(minor: int, currency: str) -> Money:
    return Money(Decimal(minor) * minor_unit(currency), currency)


def account_row(a: Account) -> AccountRow:
    return AccountRow(a.account_id, a.name, a.locale, a.currency)


def invoice_row(i: Invoice) -> InvoiceRow:
    return InvoiceRow(i.invoice_number, i.account_id, i.issue_date, i.due_date, from_minor(i.amount_minor, i.currency), from_minor(i.open_minor, i.currency))


def payment_row(p: Payment) -> PaymentRow:
    return PaymentRow(p.payment_id, p.account_id, p.received_date, from_minor(p.amount_minor, p.currency), from_minor(p.unallocated_minor, p.currency), p.reference, p.payer_name)


def columns(table):
    """SELECT of a table's columns as plain rows (attribute access as on the model): building
    an ORM object per row profiled as a large share of deciding a message, and values need none."""
    return select(*table.__table__.columns)


def ledger_view(session: Session, *, sender: str, invoice_numbers: Iterable[str], payment_ids: Iterable[str]) -> LedgerView:
    """The rows one message can touch: the sender's contacts and accounts, every named row,
    and every payment of the sender's accounts that still has money unallocated."""
    contacts = session.exec(  # each contact with its account: one query for both
        select(Contact.account_id, Contact.email, Contact.name, Contact.role,
               Account.name.label("account_name"), Account.locale, Account.currency)
        .join(Account, col(Account.account_id) == col(Contact.account_id)).where(Contact.email == sender)
    ).all() if sender else []
    accounts = {c.account_id: AccountRow(c.account_id, c.account_name, c.locale, c.currency) for c in contacts}
    account_ids = sorted(accounts)
    invoice_numbers, payment_ids = sorted(set(invoice_numbers)), sorted(set(payment_ids))
    # no statement for what cannot match: an unknown sender naming nothing costs one query
    invoices = session.exec(columns(Invoice).where(col(Invoice.invoice_number).in_(invoice_numbers))).all() if invoice_numbers else []
    payments = session.exec(
        columns(Payment).where(
            or_(
                col(Payment.payment_id).in_(payment_ids),
                (col(Payment.account_id).in_(account_ids)) & (Payment.unallocated_minor > 0),
            )
        )
    ).all() if payment_ids or account_ids else []
    return LedgerView(
        contacts=tuple(ContactRow(c.account_id, c.email, c.name, c.role) for c in contacts),
        accounts=tuple(accounts[a] for a in account_ids),
        invoices=tuple(invoice_row(i) for i in invoices),
        payments=tuple(payment_row(p) for p in payments),
    )


def request_view(session: Session, *, sender: str, request: Request) -> LedgerView:
    """The ledger view for a request as read: every id it names, and the sender's accounts."""
    payment_ids, invoice_numbers = named_ids(request)
    return ledger_view(session, sender=sender, invoice_numbers=invoice_numbers, payment_ids=payment_ids)


def _spend(session: Session, table, key_clause, balance, currency: str, minor: int) -> bool:
    """Lower one balance by `minor` only if it has that much: check and write in one statement."""
    result = session.execute(
        update(table).where(key_clause, table.currency == currency, balance >= minor).values({balance: balance - minor})
    )
    return result.rowcount == 1


def apply_allocations(session: Session, *, allocations: Iterable[AllocationValue], inbound_id: int | None, actor: str,
                      now: datetime, reflected: bool = True) -> list[Allocation]:
    """Write allocations, lowering the payment's and invoice's balances in the same statement
    that checks them, so two writers can never both spend the same money; and their postings
    to the billing system, in the same transaction (`reflected`: the billing system is
    allocbot's own ledger, bot/posting/builtin.py)."""
    rows = []
    for a in allocations:
        minor = to_minor(a.amount)
        if minor <= 0:
            raise LedgerConflict(f"allocation of {a.amount} is not positive")
        if not _spend(session, Payment, Payment.payment_id == a.payment_id, Payment.unallocated_minor, a.amount.currency, minor):
            raise LedgerConflict(f"payment {a.payment_id} has less than {a.amount} unallocated")
        if not _spend(session, Invoice, Invoice.invoice_number == a.invoice_number, Invoice.open_minor, a.amount.currency, minor):
            raise LedgerConflict(f"invoice {a.invoice_number} has less than {a.amount} open")
        rows.append(Allocation(payment_id=a.payment_id, invoice_number=a.invoice_number, currency=a.amount.currency,
                               amount_minor=minor, inbound_id=inbound_id, created_at=now, created_by=actor))
        session.add(rows[-1])
    session.flush()
    postings.add_postings(session, allocations=rows, reflected=reflected, now=now)
    return rows


def repeated_allocations(session: Session, *, sender_addr: str, allocations: Iterable[AllocationValue],
                         since: datetime) -> list[AllocationValue]:
    """The allocations (same payment, invoice and amount) that a message from the same sender
    already made at or after `since`: the same request, mailed again under a new Message-ID."""
    allocations = list(allocations)
    if not sender_addr or not allocations:
        return []
    rows = session.exec(select(Allocation.payment_id, Allocation.invoice_number, Allocation.amount_minor)
                        .join(InboundMessage, col(Allocation.inbound_id) == col(InboundMessage.id))
                        .where(InboundMessage.sender_addr == sender_addr, col(Allocation.created_at) >= since,
                               col(Allocation.released_at).is_(None),
                               col(Allocation.payment_id).in_(sorted({a.payment_id for a in allocations})))).all()
    done = {tuple(r) for r in rows}
    return [a for a in allocations if (a.payment_id, a.invoice_number, to_minor(a.amount)) in done]


def billing_view(session: Session, *, account_id: str, recent: int = 20) -> tuple[AccountRow | None, list[InvoiceRow], list[PaymentRow], list[Allocation]]:
    """An account's open invoices, its payments with money unallocated, its latest `recent`
    allocations (none read when 0)."""
    account = session.exec(columns(Account).where(Account.account_id == account_id)).first()
    if account is None:
        return None, [], [], []
    invoices = session.exec(columns(Invoice).where(Invoice.account_id == account_id, Invoice.open_minor > 0).order_by(Invoice.due_date, Invoice.invoice_number)).all()
    payments = session.exec(columns(Payment).where(Payment.account_id == account_id, Payment.unallocated_minor > 0).order_by(Payment.received_date, Payment.payment_id)).all()
    allocations = [] if recent <= 0 else session.exec(
        select(Allocation).join(Payment, Payment.payment_id == Allocation.payment_id)
        .where(Payment.account_id == account_id).order_by(col(Allocation.id).desc()).limit(recent)
    ).all()
    return account_row(account), [invoice_row(i) for i in invoices], [payment_row(p) for p in payments], list(allocations)


def payments_by_id(session: Session, *, payment_ids: Iterable[str]) -> list[PaymentRow]:
    rows = session.exec(columns(Payment).where(col(Payment.payment_id).in_(sorted(set(payment_ids))))).all()
    return [payment_row(p) for p in rows]


def inbound_by_key(session: Session, *, dedup_key: str) -> InboundMessage | None:
    return session.exec(select(InboundMessage).where(InboundMessage.dedup_key == dedup_key)).first()


def received_ids(session: Session, *, limit: int) -> list[int]:
    """Stored messages still waiting to be decided, oldest first."""
    stmt = select(InboundMessage.id).where(InboundMessage.status == "received").order_by(InboundMessage.id).limit(limit)
    return list(session.exec(stmt).all())


def claim_inbound(session: Session, *, inbound_id: int) -> InboundMessage | None:
    """Lock one waiting message for deciding (skipped when another worker holds it).

    SQLite has no row locks, and pysqlite only opens a transaction at the first write, so
    a later SAVEPOINT would start (and its RELEASE commit) the transaction on its own. A
    no-op UPDATE first opens the transaction and takes the write lock: a second worker waits,
    then finds the message decided; the savepoint around the allocations stays nested."""
    waiting = (InboundMessage.id == inbound_id, InboundMessage.status == "received")
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":  # the no-op UPDATE returns the row: one statement
        return session.scalars(update(InboundMessage).where(*waiting).values(status="received")
                               .returning(InboundMessage).execution_options(synchronize_session=False)).one_or_none()
    stmt = select(InboundMessage).where(*waiting)
    if dialect == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.exec(stmt).first()


def rows_by_inbound(session: Session, *, table: type[T], inbound_ids: list[int]) -> dict[int, list[T]]:
    """Rows of a table that point at messages (allocations, replies), grouped by message."""
    rows = session.exec(select(table).where(col(table.inbound_id).in_(inbound_ids)).order_by(table.id)).all()
    grouped: dict[int, list[T]] = {}
    for row in rows:
        grouped.setdefault(row.inbound_id, []).append(row)
    return grouped


def iter_inbound(session: Session, *, batch: int = 500) -> Iterator[list[InboundMessage]]:
    """All stored messages in id order, a batch at a time (exports stay flat in memory)."""
    last = 0
    while True:
        rows = session.exec(select(InboundMessage).where(InboundMessage.id > last).order_by(InboundMessage.id).limit(batch)).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id


def status_counts(session: Session) -> dict[str, int]:
    return dict(session.exec(select(InboundMessage.status, func.count()).group_by(InboundMessage.status)).all())


def sender_locale(session: Session, *, sender: str) -> str | None:
    """The locale of the sender's account, to read dates the way that account writes them."""
    if not sender:
        return None
    stmt = select(Account.locale).join(Contact, Contact.account_id == Account.account_id).where(Contact.email == sender)
    return session.exec(stmt).first()
