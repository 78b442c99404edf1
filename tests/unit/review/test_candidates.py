"""Why each candidate payment and invoice was or was not chosen."""
from __future__ import annotations

from decimal import Decimal

from bot.model import Allocation, Amount, Evidence, Instruction, InvoiceLine, Money, Reason, Request, Span
from bot.review.candidates import (invoice_candidates, payment_candidates, proposal_misfits, request_currencies,
                                   rows_from_reading)
from tests.unit.review.test_validate import inv, pay


def request(text: str, *, payment_ids=(), lines=(), payment_amount=None) -> Request:
    return Request(text, (Instruction(tuple(lines), text, Span(0, len(text), text), tuple(payment_ids), payment_amount),))


def line(number: str, text: str, amount: str | None = None) -> InvoiceLine:
    at = text.find(number)
    stated = Amount(Decimal(amount), "USD", Span(0, 1, amount), "USD") if amount else None
    return InvoiceLine(number, Span(at, at + len(number), number), stated)


def by_key(rows):
    return {c.key: c for c in rows}


def test_payments_named_proposed_and_not():
    text = "Put PY1 on G1, ref BLUEPEAK 20261020"
    req = request(text, payment_ids=["PY1"], lines=[line("G1", text)])
    proposal = (Allocation("PY1", "G1", Money(Decimal("100"), "USD")),)
    rows = [pay("PY1", "100.00"), pay("PY2", "500.00"), pay("PY9", "900", "A2", "SEK"), pay("PY3", "10.00", left="0")]
    rows[1] = rows[1].__class__(**{**rows[1].__dict__, "reference": "BLUEPEAK 20261020"})
    evidence = (Evidence("payment_id", "payment PY1 named", Span(4, 7, "PY1"), ("PY1",)),)
    found = by_key(payment_candidates(req, evidence, proposal, account_id="A1", currencies={"USD"}, payments=rows))
    assert found["PY1"].chosen and found["PY1"].why[:2] == ("proposed: 100.00 USD", "named in the mail")
    assert found["PY1"].evidence == ("payment PY1 named",)
    assert "bank reference in the mail" in found["PY2"].why and not found["PY2"].chosen
    assert found["PY9"].why == ("other account (A2)", "different currency (SEK)")
    assert found["PY3"].why == ("fully allocated",)
    assert list(by_key(payment_candidates(req, evidence, proposal, account_id="A1", currencies={"USD"}, payments=rows)))[0] == "PY1"


def test_a_named_payment_missing_from_the_ledger_and_a_stated_amount_that_fits():
    req = request("PY7 and 500.00 USD", payment_ids=["PY7"],
                  payment_amount=Amount(Decimal("500.00"), "USD", Span(8, 18, "500.00 USD"), "USD"))
    found = by_key(payment_candidates(req, (), (), account_id="A1", currencies={"USD"}, payments=[pay("PY2", "500.00"), pay("PY1", "100")]))
    assert found["PY7"].why == ("named in the mail", "not in the ledger") and found["PY7"].account_id is None
    assert found["PY2"].why == ("amount fits",)
    assert found["PY1"].why == ("not mentioned in the mail",)


def test_invoices_named_with_amounts_closed_and_foreign():
    text = "G1 100.00, G2, G9, G5"
    req = request(text, lines=[line("G1", text, "100.00"), line("G2", text), line("G9", text), line("G5", text)])
    rows = [inv("G1", "100.00"), inv("G2", "250.00", open_="0"), inv("G9", "900", "A2", "SEK"), inv("G3", "10.00")]
    evidence = (Evidence("invoice", "invoice G9 belongs to another account", Span(15, 17, "G9"), ("G9",), Reason.CROSS_ACCOUNT),)
    found = by_key(invoice_candidates(req, evidence, (), account_id="A1", currencies={"USD"}, invoices=rows))
    assert found["G1"].why == ("named in the mail with 100.00", "amount fits")
    assert found["G2"].why == ("named in the mail", "nothing open")
    assert found["G9"].why == ("named in the mail", "other account (A2)", "different currency (SEK)")
    assert found["G9"].evidence == ("invoice G9 belongs to another account",)
    assert found["G5"].why == ("named in the mail", "not in the ledger")
    assert found["G3"].why == ("not mentioned in the mail",)


def test_the_request_currency():
    proposal = (Allocation("PY1", "G1", Money(Decimal("1"), "EUR")),)
    req = request("PY9 G9", payment_ids=["PY9"], lines=[line("G9", "PY9 G9")])
    rows_p, rows_i = [pay("PY9", "900", "A2", "SEK")], [inv("G9", "900", "A2", "SEK")]
    assert request_currencies(proposal, rows_p, rows_i, req, account_id="A1", account_currency="USD") == {"EUR"}
    assert request_currencies((), rows_p, rows_i, req, account_id="A1", account_currency="USD") == {"USD"}  # A2's rows do not count
    assert request_currencies((), rows_p, rows_i, req, account_id="A2", account_currency="SEK") == {"SEK"}
    assert request_currencies((), [], [], req, account_id=None, account_currency=None) == set()


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def misfits(proposal, payments, invoices, account_id="A1"):
    text = " ".join(a.payment_id + " " + a.invoice_number for a in proposal)
    req = request(text)
    kwargs = {"account_id": account_id, "currencies": {"USD"}}
    rows = [*payment_candidates(req, (), proposal, payments=payments, **kwargs),
            *invoice_candidates(req, (), proposal, invoices=invoices, **kwargs)]
    return proposal_misfits(rows, account_id=account_id)


def test_a_proposal_that_still_fits_has_no_misfits():
    proposal = (Allocation("PY1", "G1", usd("60")), Allocation("PY1", "G2", usd("40")))
    assert misfits(proposal, [pay("PY1", "100.00")], [inv("G1", "60.00"), inv("G2", "80.00")]) == ()


def test_money_that_moved_since_the_proposal_is_said_in_words_never_as_a_negative_balance():
    used_up = misfits((Allocation("PY1", "G1", usd("100")),), [pay("PY1", "100.00", left="0")], [inv("G1", "100.00")])
    assert used_up == ("Payment PY1 has no unallocated money left; the proposal puts 100.00 USD on it.",)
    # two rows on one payment: their total counts, not each alone
    short = misfits((Allocation("PY1", "G1", usd("60")), Allocation("PY1", "G2", usd("40"))),
                    [pay("PY1", "100.00", left="50.00")], [inv("G1", "60.00"), inv("G2", "80.00")])
    assert short == ("Payment PY1 has only 50.00 USD unallocated; the proposal puts 100.00 USD on it.",)
    paid = misfits((Allocation("PY1", "G1", usd("100")),), [pay("PY1", "100.00")], [inv("G1", "100.00", open_="0")])
    assert paid == ("Invoice G1 has nothing open any more; the proposal puts 100.00 USD on it.",)
    gone = misfits((Allocation("PY7", "G1", usd("100")),), [], [inv("G1", "100.00")])
    assert gone == ("Payment PY7 is no longer in the ledger.",)
    for line_ in (*used_up, *short, *paid, *gone):
        assert "-" not in line_.replace("no longer", "")


def test_a_row_on_another_account_or_in_another_currency_no_longer_fits():
    moved = misfits((Allocation("PY1", "G1", usd("100")),), [pay("PY1", "100.00", "A2")], [inv("G1", "100.00")])
    assert moved == ("Payment PY1 is on another account (A2).",)
    eur = misfits((Allocation("PY1", "G1", usd("100")),), [pay("PY1", "100.00")], [inv("G1", "100.00", currency="EUR")])
    assert eur == ("Invoice G1 is in EUR; the proposal is in USD.",)


def test_the_editor_starts_from_what_was_read_when_both_sides_are_still_open():
    text = "PY1 on G1 100.00 and G2; PY1 or PY2 on G3"
    first = Instruction((line("G1", text, "100.00"), line("G2", text), line("G7", text)), text, Span(0, 24, text[:24]),
                        ("PY1",))
    two_payments = Instruction((line("G3", text),), text, Span(25, 41, text[25:]), ("PY1", "PY2"))
    req = Request(text, (first, two_payments))
    rows = rows_from_reading(req, payments={"PY1", "PY2"}, invoices={"G1", "G2", "G3"})
    assert rows == [("PY1", "G1", "100.00"), ("PY1", "G2", "")]  # G7 is not open; which payment for G3 is unsaid
    assert rows_from_reading(req, payments={"PY2"}, invoices={"G1", "G2", "G3"}) == []  # PY1 has nothing left
