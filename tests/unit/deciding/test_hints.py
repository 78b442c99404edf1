"""Remittance hints (bot/deciding/hints.py): which open invoice a payment's bank reference names."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.deciding.hints import payment_hints
from bot.model import InvoiceRow, Money, PaymentRow

INV = r"G\d{9}"


def pay(pid: str, reference: str, *, account: str = "A1", unallocated: str = "100.00") -> PaymentRow:
    return PaymentRow(pid, account, date(2026, 10, 15), Money(Decimal("100.00"), "EUR"), Money(Decimal(unallocated), "EUR"),
                      reference, "Payer")


def inv(number: str, *, account: str = "A1", open_amount: str = "100.00") -> InvoiceRow:
    return InvoiceRow(number, account, date(2026, 9, 1), date(2026, 10, 1), Money(Decimal("100.00"), "EUR"),
                      Money(Decimal(open_amount), "EUR"))


INVOICES = [inv("G000000001"), inv("G000000002", open_amount="0.00"), inv("G000000009", account="A2")]


def test_an_open_invoice_of_the_payments_account_named_in_its_reference_is_a_hint():
    assert payment_hints([pay("PY1", "Rechnung G000000001 Oktober")], INVOICES, invoice_pattern=INV) == {"PY1": ("G000000001",)}


def rf_reference(reference: str) -> str:
    """ISO 11649: RF, two check digits (98 - the reference + "RF00" as digits, mod 97), the reference."""
    digits = "".join(str(int(c, 36)) for c in reference + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{reference}"


def test_an_rf_reference_built_on_the_invoice_number_is_a_hint():
    assert rf_reference("539007547034") == "RF18539007547034"  # the standard's own example
    assert payment_hints([pay("PY1", rf_reference("G000000001"))], INVOICES, invoice_pattern=INV) == {"PY1": ("G000000001",)}


def test_no_hint_for_a_paid_invoice_another_accounts_invoice_or_a_spent_payment():
    payments = [pay("PY1", "G000000002"), pay("PY2", "G000000009"), pay("PY3", "G000000001", unallocated="0.00"),
                pay("PY4", "BLUEPEAK 20261020")]
    assert payment_hints(payments, INVOICES, invoice_pattern=INV) == {}
