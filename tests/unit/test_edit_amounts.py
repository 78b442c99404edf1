"""Amounts an operator types in the editor: the locale forms people write, Decimal, the
ambiguous refused with a clear message, blank rows ignored."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.model import InvoiceRow, Money, PaymentRow
from bot.review.validate import AmountError, EditLine, check_allocations, lines_from_form, normalised_lines, read_amount


@pytest.mark.parametrize(("typed", "value"), [
    ("450,50", "450.50"), ("1 234,56", "1234.56"), ("1.234,56", "1234.56"), ("1,234.56", "1234.56"),
    ("1234.56", "1234.56"), ("1\u202f234,56", "1234.56"), ("1,234,567.00", "1234567.00"), ("0,125", "0.125"),
])
def test_locale_amounts_are_read_as_decimals(typed, value):
    assert read_amount(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["1,234", "1.234"])
def test_a_lone_mark_before_three_digits_is_refused_without_a_locale(typed):
    with pytest.raises(AmountError, match="ambiguous"):
        read_amount(typed)


def test_the_locale_decides_the_three_digit_case():
    assert read_amount("1,234", locale="en") == Decimal("1234")
    assert read_amount("1.234", locale="de_DE") == Decimal("1234")
    assert read_amount("1,234", locale="de_DE") == Decimal("1.234")


@pytest.mark.parametrize("typed", ["abc", "-5", "1.2.3,4", "12,34,5", "1,2.5"])
def test_what_is_not_an_amount_is_refused(typed):
    with pytest.raises(AmountError, match="not an amount"):
        read_amount(typed)


def _ledger():
    eur = Money(Decimal("2000.00"), "EUR")
    pay = PaymentRow("PY00000001", "A1", date(2026, 1, 1), eur, eur, "", "Bluepeak")
    inv = InvoiceRow("G000000001", "A1", date(2026, 1, 1), date(2026, 2, 1), eur, eur)
    return {pay.payment_id: pay}, {inv.invoice_number: inv}


def test_a_blank_row_is_ignored_and_a_comma_amount_is_applied():
    payments, invoices = _ledger()
    form = {"payment_1": "PY00000001", "invoice_1": "G000000001", "amount_1": "1 234,56", "payment_2": " ", "amount_2": ""}
    lines = lines_from_form(form)
    assert lines == [EditLine("PY00000001", "G000000001", "1 234,56")]
    checked = check_allocations(normalised_lines(lines, locale="de_DE"), payments=payments, invoices=invoices,
                                request_account="A1")
    assert checked.ok and checked.allocations[0].amount == Money(Decimal("1234.56"), "EUR")


def test_an_ambiguous_amount_is_a_problem_not_a_guess():
    payments, invoices = _ledger()
    checked = check_allocations([EditLine("PY00000001", "G000000001", "1,234")], payments=payments, invoices=invoices,
                                request_account="A1")
    assert not checked.ok and "ambiguous" in checked.problems[0]
