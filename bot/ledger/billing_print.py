"""`billing show ACCOUNT`: the billing view as rich tables."""
from __future__ import annotations

from babel.numbers import format_decimal
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from bot.ledger import store


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
    table = Table(title="Unallocated payments")
    for column in ("payment", "received", "reference", "amount", "unallocated"):
        table.add_column(column, justify="right" if column in ("amount", "unallocated") else "left")
    for p in payments:
        table.add_row(p.payment_id, str(p.received_date), p.reference, _fmt(p.amount, locale), _fmt(p.unallocated, locale))
    console.print(table)
    table = Table(title="Recent allocations")
    for column in ("when", "payment", "invoice", "amount", "by", "request"):
        table.add_column(column, justify="right" if column == "amount" else "left")
    for a in allocations:
        table.add_row(a.created_at.strftime("%Y-%m-%d %H:%M"), a.payment_id, a.invoice_number,
                      _fmt(store.from_minor(a.amount_minor, a.currency), locale), a.created_by, str(a.inbound_id or ""))
    console.print(table)
    return True
