"""The decision a partner relies on: amounts as asked, never more than is open or unallocated,
currencies that agree, the account's own rows only, and all-or-nothing per message."""
from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision

from bot.deciding.match import status_for
from bot.model import PARTNER_FIXABLE, Money, Reason, Status
from tests.unit.deciding.builders import (
    allocations, amount, assert_explained, contact, instruction, invoice, ledger, line, payment, request, run, sender,
)

G1, G2, G3 = "G000000001", "G000000002", "G000000003"
PY1, PY2 = "PY00000001", "PY00000002"
BOB = "bob@partner.example"


def ask(*lines, ids=(PY1,), **kw):
    """One instruction: payment `ids` onto `lines` (invoice numbers or lines)."""
    return instruction([line(x) if isinstance(x, str) else x for x in lines], ids, **kw)


ONE = [contact()]
CASES = [
    # -- amounts ------------------------------------------------------------------------------
    ("pay_less", request(ask(G1)), [invoice(G1, "1000.00"), payment(PY1, "600.00")],
     Status.APPLIED, [], [(PY1, G1, "600.00")]),
    ("pay_more", request(ask(G1)), [invoice(G1, "1000.00"), payment(PY1, "1500.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("pay_exact", request(ask(G1)), [invoice(G1, "1000.00"), payment(PY1, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("partly_open_invoice", request(ask(G1)), [invoice(G1, "250.00", amount="1000.00"), payment(PY1, "600.00")],
     Status.APPLIED, [], [(PY1, G1, "250.00")]),
    ("several_covered", request(ask(G1, G2)), [invoice(G1, "600.00"), invoice(G2, "400.00"), payment(PY1, "1200.00")],
     Status.APPLIED, [], [(PY1, G1, "600.00"), (PY1, G2, "400.00")]),
    ("several_not_covered", request(ask(G1, G2)), [invoice(G1, "600.00"), invoice(G2, "400.00"), payment(PY1, "900.00")],
     Status.REVIEW, [Reason.OVER_ALLOCATION], []),
    ("stated_as_written", request(ask(line(G1, "300.00"), line(G2, "200.00"))),
     [invoice(G1, "600.00"), invoice(G2, "400.00"), payment(PY1, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "300.00"), (PY1, G2, "200.00")]),
    ("stated_and_unstated", request(ask(line(G1, "300.00"), G2)),
     [invoice(G1, "600.00"), invoice(G2, "400.00"), payment(PY1, "700.00")],
     Status.APPLIED, [], [(PY1, G1, "300.00"), (PY1, G2, "400.00")]),
    ("stated_over_invoice_open", request(ask(line(G1, "700.00"))), [invoice(G1, "600.00"), payment(PY1, "1000.00")],
     Status.REVIEW, [Reason.OVER_ALLOCATION], []),
    ("stated_over_payment", request(ask(line(G1, "600.00"), line(G2, "400.00"))),
     [invoice(G1, "600.00"), invoice(G2, "400.00"), payment(PY1, "900.00")],
     Status.REVIEW, [Reason.OVER_ALLOCATION], []),
    ("stated_one_over_payment", request(ask(line(G1, "600.00"))), [invoice(G1, "1000.00"), payment(PY1, "500.00")],
     Status.REVIEW, [Reason.OVER_ALLOCATION], []),
    ("stated_zero", request(ask(line(G1, "0.00"))), [invoice(G1, "1000.00"), payment(PY1, "500.00")],
     Status.REVIEW, [Reason.AMOUNT_MISMATCH], []),
    ("same_invoice_twice_stated", request(ask(line(G1, "600.00"), line(G1, "500.00"))),
     [invoice(G1, "1000.00"), payment(PY1, "2000.00")], Status.REVIEW, [Reason.OVER_ALLOCATION], []),
    ("same_invoice_twice_unstated", request(ask(G1, G1)), [invoice(G1, "1000.00"), payment(PY1, "2000.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("jpy_whole_yen", request(ask(G1)), [invoice(G1, "150000", currency="JPY"), payment(PY1, "100000", currency="JPY")],
     Status.APPLIED, [], [(PY1, G1, "100000")]),
    ("jpy_stated_fraction", request(ask(line(G1, "1000.50"))),
     [invoice(G1, "150000", currency="JPY"), payment(PY1, "100000", currency="JPY")],
     Status.REVIEW, [Reason.AMOUNT_MISMATCH], []),
    # -- currencies ---------------------------------------------------------------------------
    ("invoice_vs_payment_currency", request(ask(G1)), [invoice(G1, "1000.00", currency="SEK"), payment(PY1, "1000.00")],
     Status.REVIEW, [Reason.CURRENCY_MISMATCH], []),
    ("stated_euro_on_sek", request(ask(line(G1, "500.00", "EUR", "€"))),
     [invoice(G1, "1000.00", currency="SEK"), payment(PY1, "1000.00", currency="SEK")],
     Status.REVIEW, [Reason.CURRENCY_MISMATCH], []),
    ("stated_kr_on_sek", request(ask(line(G1, "500.00", symbol="kr"))),
     [invoice(G1, "1000.00", currency="SEK"), payment(PY1, "1000.00", currency="SEK")],
     Status.APPLIED, [], [(PY1, G1, "500.00")]),
    ("stated_kr_on_dkk", request(ask(line(G1, "500.00", symbol="kr"))),
     [invoice(G1, "1000.00", currency="DKK"), payment(PY1, "1000.00", currency="DKK")],
     Status.APPLIED, [], [(PY1, G1, "500.00")]),
    ("stated_kr_on_eur", request(ask(line(G1, "500.00", symbol="kr"))),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00")], Status.REVIEW, [Reason.CURRENCY_MISMATCH], []),
    ("stated_dollar_on_eur", request(ask(line(G1, "500.00", symbol="$"))),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00")], Status.REVIEW, [Reason.CURRENCY_MISMATCH], []),
    # -- invoices -----------------------------------------------------------------------------
    ("invoice_closed", request(ask(G1)), [invoice(G1, "0.00", amount="1000.00"), payment(PY1, "1000.00")],
     Status.REVIEW, [Reason.INVOICE_CLOSED], []),
    ("invoice_unknown", request(ask(G1)), [payment(PY1, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_INVOICE], []),
    ("invoice_unknown_and_payment_unknown", request(ask(G1)), [],
     Status.NEEDS_INFO, [Reason.UNKNOWN_INVOICE, Reason.UNKNOWN_PAYMENT], []),
    ("no_invoice_named", request(ask()), [payment(PY1, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_INVOICE], []),
    ("malformed_invoice", request(ask(G1), malformed_invoices=["G00000001"]),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00")], Status.NEEDS_INFO, [Reason.UNKNOWN_INVOICE],
     [(PY1, G1, "1000.00")]),  # proposed for a person, not applied
    ("malformed_invoice_only", request(malformed_invoices=["G00000001"]), [payment(PY1, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_INVOICE], []),
    ("malformed_payment_only", request(malformed_payments=["PY123"]), [payment(PY1, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    ("no_request", request(), [payment(PY1, "1000.00")], Status.NEEDS_INFO, [Reason.NO_REQUEST_FOUND], []),
    ("question", request(is_question=True), [payment(PY1, "1000.00")],
     Status.NEEDS_INFO, [Reason.NO_REQUEST_FOUND], []),
    # -- the account's own rows, whatever the mail says ---------------------------------------
    ("invoice_of_other_account", request(ask(G1)), [invoice(G1, "1000.00", account="B9"), payment(PY1, "1000.00")],
     Status.REVIEW, [Reason.CROSS_ACCOUNT], []),
    ("payment_of_other_account", request(ask(G1)), [invoice(G1, "1000.00"), payment(PY1, "1000.00", account="B9")],
     Status.REVIEW, [Reason.CROSS_ACCOUNT], []),
    ("both_of_other_account", request(ask(G1)),
     [invoice(G1, "1000.00", account="B9"), payment(PY1, "1000.00", account="B9")],
     Status.REVIEW, [Reason.CROSS_ACCOUNT], []),
    ("other_account_where_only_sales", request(ask(G1)),
     [contact(account="B9", role="sales"), invoice(G1, "1000.00", account="B9"), payment(PY1, "1000.00", account="B9")],
     Status.REVIEW, [Reason.CROSS_ACCOUNT], []),
    ("two_accounts_rows_choose", request(ask(G1)),
     [contact(account="A2"), invoice(G1, "1000.00", account="A2"), payment(PY1, "1000.00", account="A2")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("two_accounts_rows_split", request(ask(G1)),
     [contact(account="A2"), invoice(G1, "1000.00", account="A1"), payment(PY1, "1000.00", account="A2")],
     Status.REVIEW, [Reason.AMBIGUOUS_ACCOUNT], []),
    ("two_accounts_nothing_named", request(ask(G1, ids=(), mentions_payment=True)),
     [contact(account="A2"), payment(PY1, "1000.00", account="A2")],
     Status.REVIEW, [Reason.AMBIGUOUS_ACCOUNT], []),
    ("two_accounts_two_instructions", request(ask(G1), ask(G2, ids=(PY2,))),
     [contact(account="A2"), invoice(G1, "100.00"), payment(PY1, "100.00"),
      invoice(G2, "100.00", account="A2"), payment(PY2, "100.00", account="A2")],
     Status.REVIEW, [Reason.AMBIGUOUS_ACCOUNT], [(PY1, G1, "100.00"), (PY2, G2, "100.00")]),
    # -- two instructions: all or nothing, one budget -----------------------------------------
    ("two_certain", request(ask(G1), ask(G2, ids=(PY2,))),
     [invoice(G1, "100.00"), invoice(G2, "200.00"), payment(PY1, "100.00"), payment(PY2, "200.00")],
     Status.APPLIED, [], [(PY1, G1, "100.00"), (PY2, G2, "200.00")]),
    ("second_unknown_invoice", request(ask(G1), ask(G2, ids=(PY2,))),
     [invoice(G1, "100.00"), payment(PY1, "100.00"), payment(PY2, "200.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_INVOICE], [(PY1, G1, "100.00")]),
    ("second_cross_account", request(ask(G1), ask(G2, ids=(PY2,))),
     [invoice(G1, "100.00"), invoice(G2, "200.00", account="B9"), payment(PY1, "100.00"), payment(PY2, "200.00")],
     Status.REVIEW, [Reason.CROSS_ACCOUNT], [(PY1, G1, "100.00")]),
    ("first_over_allocated", request(ask(line(G1, "150.00")), ask(G2, ids=(PY2,))),
     [invoice(G1, "100.00"), invoice(G2, "200.00"), payment(PY1, "100.00"), payment(PY2, "200.00")],
     Status.REVIEW, [Reason.OVER_ALLOCATION], [(PY2, G2, "200.00")]),
    ("shared_payment_within_budget", request(ask(line(G1, "600.00")), ask(line(G2, "400.00"))),
     [invoice(G1, "600.00"), invoice(G2, "400.00"), payment(PY1, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "600.00"), (PY1, G2, "400.00")]),
    ("shared_payment_over_budget", request(ask(line(G1, "600.00")), ask(line(G2, "500.00"))),
     [invoice(G1, "600.00"), invoice(G2, "500.00"), payment(PY1, "1000.00")],
     Status.REVIEW, [Reason.OVER_ALLOCATION], [(PY1, G1, "600.00")]),
    ("shared_payment_rest_to_second", request(ask(G1), ask(G2)),
     [invoice(G1, "600.00"), invoice(G2, "1000.00"), payment(PY1, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "600.00"), (PY1, G2, "400.00")]),
    ("shared_payment_used_up", request(ask(G1), ask(G2)),
     [invoice(G1, "1000.00"), invoice(G2, "1000.00"), payment(PY1, "1000.00")],
     Status.REVIEW, [Reason.PAYMENT_FULLY_ALLOCATED], [(PY1, G1, "1000.00")]),
    ("shared_invoice_used_up", request(ask(G1), ask(G1, ids=(PY2,))),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00"), payment(PY2, "500.00")],
     Status.REVIEW, [Reason.OVER_ALLOCATION], [(PY1, G1, "1000.00")]),
    ("shared_invoice_rest", request(ask(G1), ask(G1, ids=(PY2,))),
     [invoice(G1, "1000.00"), payment(PY1, "600.00"), payment(PY2, "500.00")],
     Status.APPLIED, [], [(PY1, G1, "600.00"), (PY2, G1, "400.00")]),
]


@pytest.mark.parametrize("req, rows, status, reasons, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decision(req, rows, status, reasons, expected):
    decision = run(req, ledger(*ONE, *rows))
    assert (decision.status, set(decision.reasons), allocations(decision)) == (status, set(reasons), expected)
    assert_explained(decision)
    for a in decision.allocations:  # money: Decimal, in the currency's minor unit, never zero
        assert isinstance(a.amount.amount, Decimal) and a.amount.amount > 0
        assert a.amount.amount.as_tuple().exponent == -get_currency_precision(a.amount.currency)


def test_applied_decision_names_the_account():
    decision = run(request(ask(G1)), ledger(contact(), invoice(G1, "10.00"), payment(PY1, "10.00")))
    assert (decision.status, decision.account_id) == (Status.APPLIED, "A1")


def test_same_inputs_same_decision():
    req, view = request(ask(G1), ask(G2)), ledger(contact(), invoice(G1, "600.00"), invoice(G2, "900.00"), payment(PY1, "1000.00"))
    assert run(req, view) == run(req, view)


def test_contact_of_one_account_never_moves_another():
    rows = [invoice(G1, "100.00", account="B9"), payment(PY1, "100.00", account="B9")]
    for who in (contact(), contact(BOB, account="B9", role="sales")):
        decision = run(request(ask(G1)), ledger(who, *rows), sender(who.email))
        assert decision.status is Status.REVIEW and decision.reasons
        assert_explained(decision)


@pytest.mark.parametrize("reason", list(Reason), ids=[r.value for r in Reason])
def test_status_for_one_reason(reason):
    fixable = {Reason.UNKNOWN_INVOICE, Reason.UNKNOWN_PAYMENT, Reason.NO_REQUEST_FOUND}
    assert PARTNER_FIXABLE == fixable
    assert status_for((reason,)) is (Status.NEEDS_INFO if reason in fixable else Status.REVIEW)


@pytest.mark.parametrize("reasons, status", [
    ((), Status.APPLIED),
    ((Reason.UNKNOWN_INVOICE, Reason.UNKNOWN_PAYMENT), Status.NEEDS_INFO),
    ((Reason.UNKNOWN_INVOICE, Reason.OVER_ALLOCATION), Status.REVIEW),
    ((Reason.NO_REQUEST_FOUND, Reason.UNKNOWN_SENDER), Status.REVIEW),
], ids=["none", "fixable_only", "fixable_and_not", "no_request_and_unknown_sender"])
def test_status_for_several(reasons, status):
    assert status_for(reasons) is status


@pytest.mark.parametrize("value, currency, expected", [
    ("1000.5", "EUR", Decimal("1000.50")),
    ("1000.005", "EUR", Decimal("1000.01")),
    ("1000.5", "JPY", Decimal("1001")),
    ("1000", "JPY", Decimal("1000")),
    ("1.0005", "BHD", Decimal("1.001")),
], ids=["eur_two_places", "eur_half_up", "jpy_half_up", "jpy_whole", "bhd_three_places"])
def test_money_is_quantised_to_the_minor_unit(value, currency, expected):
    money = Money(Decimal(value), currency)
    assert money.amount == expected and money.amount.as_tuple() == expected.as_tuple()


def test_money_never_mixes_currencies():
    with pytest.raises(ValueError):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "SEK")
