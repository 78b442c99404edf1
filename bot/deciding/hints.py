"""What a payment's bank remittance says about the invoices it may pay. Pure.

A bank transfer's remittance text often names an invoice ("Rechnung G012345678", or an RF
creditor reference built on the invoice number; `bot/statements/remittance.py`). That is a
hint for people and partners, never an instruction: unallocated payments stay unallocated
until somebody asks (DESIGN.md). The item page, the confirmation and the proactive notice
show it; nothing applies it.
"""
from __future__ import annotations

from collections.abc import Iterable

from bot.model import InvoiceRow, PaymentRow
from bot.statements.remittance import remittance_hints as read_remittance


def payment_hints(payments: Iterable[PaymentRow], open_invoices: Iterable[InvoiceRow], *,
                     invoice_pattern: str) -> dict[str, tuple[str, ...]]:
    """payment id -> the open invoices of the payment's own account that its remittance names
    (payments whose remittance names none are left out)."""
    open_by_number = {i.invoice_number: i for i in open_invoices if i.open_amount.amount > 0}
    hints = {}
    for p in payments:
        named = tuple(n for n in read_remittance(p.reference or "", invoice_pattern=invoice_pattern).invoice_numbers
                      if n in open_by_number and open_by_number[n].account_id == p.account_id)
        if named and p.unallocated.amount > 0:
            hints[p.payment_id] = named
    return hints
