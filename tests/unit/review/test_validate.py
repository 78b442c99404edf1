"""The ledger checks a person's allocations pass: the same as the bot's own."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.model import Allocation, InvoiceRow, Money, PaymentRow
from bot.review.validate import EditLine, check_allocations, decimal_mark, lines_from_form, parse_amount


def pay(pid: str, amount: str, account: str = "A1", currency: str = "USD", left: str | None = None) -> PaymentRow:
    return PaymentRow(pid, account, date(2026, 10, 1), Money(Decimal(amount), currency), Money(Decimal(left or amount), currency), "", "")


def inv(number: str, amount: str, account: str = "A1", currency: str = "USD", open_: str | None = None) -> InvoiceRow:
    return InvoiceRow(number, account, date(2026, 9, 1), date(2026, 10, 1), Money(Decimal(amount), currency),
                      Money(Decimal(open_ or amount), currency))


PAYMENTS = {p.payment_id: p for p in (pay("PY1", "100.00"), pay("PY2", "500.00"), pay("PY9", "900", "A2", "SEK"),
                                      pay("PYJ", "1000", currency="JPY"))}
INVOICES = {i.invoice_number: i for i in (inv("G1", "100.00"), inv("G2", "250.00", open_="80.00"), inv("G9", "900", "A2", "SEK"),
                                          inv("GE", "50.00", currency="EUR"), inv("GJ", "5000", currency="JPY"))}


def check(*rows: tuple[str, str, str], account: str | None = "A1", sender_accounts: tuple[str, ...] = ()):
    return check_allocations([EditLine(*r) for r in rows], payments=PAYMENTS, invoices=INVOICES,
                             request_account=account, sender_accounts=sender_accounts)


def test_a_valid_edit_gives_the_allocations():
    result = check(("PY2", "G1", "100.00"), ("PY2", "G2", "80"))
    assert result.ok and result.account_id == "A1"
    assert result.allocations == (Allocation("PY2", "G1", Money(Decimal("100"), "USD")), Allocation("PY2", "G2", Money(Decimal("80"), "USD")))


def test_rows_for_the_same_payment_and_invoice_are_added_together():
    result = check(("PY2", "G1", "60"), ("PY2", "G1", "40"))
    assert result.allocations == (Allocation("PY2", "G1", Money(Decimal("100"), "USD")),)


@pytest.mark.parametrize("rows, problem", [
    ((("PY1", "G2", "80.01"),), "invoice G2 has 80.00 USD open; these rows put 80.01 USD on it"),
    ((("PY1", "G1", "60"), ("PY1", "G2", "41")), "payment PY1 has 100.00 USD unallocated; these rows put 101.00 USD on it"),
    ((("PY1", "G1", "60"), ("PY2", "G1", "41")), "invoice G1 has 100.00 USD open; these rows put 101.00 USD on it"),
    ((("PY9", "G1", "10"),), "payment PY9 belongs to account A2, not to the request's account A1"),
    ((("PY1", "G9", "10"),), "invoice G9 belongs to account A2"),
    ((("PY1", "GE", "10"),), "invoice GE is in EUR, payment PY1 in USD"),
    ((("PY1", "G1", "0.001"),), "finer than the smallest unit of USD"),
    ((("PYJ", "GJ", "10.5"),), "finer than the smallest unit of JPY"),
    ((("PY1", "G1", "0.00"),), "more than zero"),
    ((("PY1", "G1", "-5"),), "-5 is not an amount"),
    ((("PY1", "G1", "1.2.3"),), "1.2.3 is not an amount"),
    ((("PYX", "G1", "1"),), "payment PYX is not in the ledger"),
    ((), "choose at least one"),
])
def test_edits_the_ledger_checks_refuse(rows, problem):
    result = check(*rows)
    assert not result.ok and result.allocations == ()
    assert any(problem in p for p in result.problems), result.problems


def test_without_a_request_account_all_rows_must_share_one():
    assert check(("PY1", "G1", "10"), account=None).account_id == "A1"
    mixed = check(("PY1", "G1", "10"), ("PY9", "G9", "10"), account=None)
    assert not mixed.ok and "several accounts" in mixed.problems[0]


def test_the_sender_must_be_an_authorised_contact_of_the_account_when_known():
    assert check(("PY1", "G1", "10"), sender_accounts=("A1",)).ok
    refused = check(("PY1", "G1", "10"), sender_accounts=("A2",))
    assert not refused.ok and "not an authorised contact of account A1" in refused.problems[0]


def test_amounts_are_read_strictly():
    assert parse_amount(" 1 234.50 ") == Decimal("1234.50")
    assert parse_amount("100") == Decimal("100")
    assert parse_amount("1,234.50") == parse_amount("1.234,50") == Decimal("1234.50")  # both marks: unambiguous
    assert parse_amount("1,5") == Decimal("1.5")  # a decimal comma
    for bad in ("", "1.2.3", "€5", "1e3", "NaN", "-1", ".5"):
        assert parse_amount(bad) is None, bad


def test_form_rows_skip_what_was_left_empty():
    form = {"payment_1": "PY1", "invoice_1": "G1", "amount_1": " 5 ", "payment_3": "", "amount_4": "7"}
    assert lines_from_form(form) == [EditLine("PY1", "G1", "5"), EditLine("", "", "7")]


@pytest.mark.parametrize("row, problem", [
    (("PY1", "", "1"), "row 2 has a payment but no invoice"),
    (("PY1", "", ""), "row 2 has a payment but no invoice"),
    (("", "G1", "1"), "row 2 has an invoice but no payment"),
    (("", "", "1"), "row 2 has an amount but no payment or invoice"),
])
def test_a_half_filled_row_is_told_what_it_lacks(row, problem):
    result = check(("PY2", "G1", "10"), row)
    assert not result.ok and result.problems == (problem,)


def test_a_half_filled_row_still_names_an_unknown_id_and_an_unreadable_amount():
    result = check(("PYX", "", "1.2.3"))
    assert result.problems == ("row 1 has a payment but no invoice", "row 1: payment PYX is not in the ledger",
                               "row 1: 1.2.3 is not an amount; write it like 1234.56")


def test_a_wholly_blank_row_is_ignored():
    form = {"payment_1": "PY1", "invoice_1": "G1", "amount_1": "10",
            "payment_2": " ", "invoice_2": "", "amount_2": ""}
    assert check(*(tuple(vars(line).values()) for line in lines_from_form(form))).ok


@pytest.mark.parametrize("locale, mark", [("en", "."), ("sv-SE", ","), ("de_DE", ","), (None, None), ("", None),
                                          ("xx-nope", None)])
def test_the_decimal_mark_the_editor_is_handed_is_the_one_amounts_are_read_by(locale, mark):
    assert decimal_mark(locale) == mark
    if mark:  # "1,234" is a fraction where "," is the decimal mark, else a thousand
        assert parse_amount("1,234", locale=locale) == (Decimal("1.234") if mark == "," else Decimal("1234"))
    else:
        assert parse_amount("1,234", locale=locale) is None
