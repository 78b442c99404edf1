"""`billing show ACCOUNT`: the billing view as rich tables."""
from __future__ import annotations

from babel.numbers import format_decimal
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from bot.ledger import postings, store
from bot.posting.states import open_states


def _fmt(money, locale: str) -> str:
    return f"{format_decimal(money.amount, format='#,##0.00', locale=locale.replace('-', '_'))} {money.currency}"


def print_billing_view(session: Session, console: Console, *, account_id: str) -> bool:
    account, invoices, payments, allocations = store.billing_view(session, account_id=account_id)
    if account is None:
        return False
    locale = account.locale
    console.print(f"[bold]{account.name}[/bold] ({account.account_id}, {account.currency}, {locale})")
    table = Table(title="Open invoices")
    for column in ("invoice", "issued", "due", "amount", "open"):
        table.add_column(column, justify="right" if column in ("amount", "open") else "left")
    for i in invoices:
        table.add_row(i.invoice_number, str(i.issue_date), str(i.due_date), _fmt(i.amount, locale), _fmt(i.open_amount, locale))
    console.print(table)
    waiting = postings.awaiting(session, account_id=account_id)
    held: dict[str, int] = {}
    for w in waiting:
        held[w.payment_id] = held.get(w.payment_id, 0) + w.amount_minor
    listed = {p.payment_id for p in payments}
    payments = payments + store.payments_by_id(session, payment_ids=set(held) - listed)  # used up, not yet shown
    table = Table(title="Unallocated payments")
    for column in ("payment", "received", "reference", "amount", "unallocated", "awaiting billing system"):
        table.add_column(column, justify="left" if column in ("payment", "received", "reference") else "right")
    for p in payments:
        pending = _fmt(store.from_minor(held[p.payment_id], p.amount.currency), locale) if p.payment_id in held else ""
        table.add_row(p.payment_id, str(p.received_date), p.reference, _fmt(p.amount, locale), _fmt(p.unallocated, locale),
                      pending)
    console.print(table)
    if waiting:
        table = Table(title="Allocations the billing system does not show yet (their money is not allocatable)")
        for column in ("posting", "payment", "invoice", "amount", "state"):
            table.add_column(column, justify="right" if column == "amount" else "left")
        for w in waiting:
            state = w.state if w.state in open_states() else "not in the last export"
            table.add_row(w.key, w.payment_id, w.invoice_number, _fmt(store.from_minor(w.amount_minor, w.currency), locale),
                          state)
        console.print(table)
    table = Table(title="Recent allocations")
    released = any(a.released_at for a in allocations)  # the note column only when there is a note
    for column in ("id", "when", "payment", "invoice", "amount", "by", "request") + (("note",) if released else ()):
        table.add_column(column, justify="right" if column in ("id", "amount") else "left",
                         min_width=10 if column in ("payment", "invoice") else None)
    for a in allocations:
        note = (f"no longer moves money: {a.release_reason}",) if released and a.released_at else ("",) * released
        table.add_row(str(a.id), a.created_at.strftime("%Y-%m-%d %H:%M"), a.payment_id, a.invoice_number,
                      _fmt(store.from_minor(a.amount_minor, a.currency), locale), a.created_by, str(a.inbound_id or ""),
                      *note)
    console.print(table)
    return True
