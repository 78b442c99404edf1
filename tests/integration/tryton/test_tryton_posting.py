"""Postings done in a real Tryton database as its users do them: the invoice's amount to pay and
the payment's open credit fall by exactly the allocation, a full one leaves the invoice paid,
a key is never posted twice, a reversal undoes it, and what Tryton cannot do is refused."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.posting.port import Batch, PostingOut
from bot.tryton.entering import load_ledger
from bot.tryton.posting import TrytonBilling
from bot.tryton.reading import ledger_rows
from tests.integration.conftest import standard_ledger


def posting(key: str, payment: str, invoice: str, amount: str, *, kind: str = "allocate", currency: str = "USD",
            account: str = "A1") -> PostingOut:
    return PostingOut(key=key, kind=kind, account_id=account, payment_id=payment, invoice_number=invoice,
                      amount=Decimal(amount), currency=currency, message_id="<m@bluepeak.example>",
                      created_at=datetime(2026, 11, 2, tzinfo=UTC))


def post(billing: TrytonBilling, *postings: PostingOut) -> list[tuple[str, str]]:
    return [(a.outcome, a.reason) for a in billing.deliver(Batch(None, postings))]


def figures(url) -> dict[str, tuple[str, str]]:
    rows, _ = ledger_rows(url, payment_pattern=r"PY\d{8}")
    return {**{r["invoice_number"]: (r["amount"], r["open_amount"]) for r in rows["invoices"]},
            **{r["payment_id"]: (r["amount"], r["unallocated_amount"]) for r in rows["payments"]}}


@pytest.fixture
def billing(tryton_url, tmp_path) -> TrytonBilling:
    load_ledger(tryton_url, standard_ledger(tmp_path / "ledger"))
    return TrytonBilling(tryton_url)


def test_an_allocation_is_split_off_the_payment_and_pays_the_invoice_once(billing):
    url = billing.url
    before = figures(url)
    assert before["G000000002"] == ("250.00", "250.00") and before["PY00000002"] == ("500.00", "500.00")

    assert post(billing, posting("alloc-1-aa", "PY00000002", "G000000002", "250.00")) == [("reflected", "")]
    assert post(billing, posting("alloc-1-aa", "PY00000002", "G000000002", "250.00")) == [
        ("reflected", "already in Tryton")]

    after = figures(url)
    assert after["G000000002"] == ("250.00", "0.00") and after["PY00000002"] == ("500.00", "250.00")
    rows, _ = ledger_rows(url, payment_pattern=r"PY\d{8}")
    assert rows["allocations"] == [{"payment_id": "PY00000002", "invoice_number": "G000000002", "amount": "250.00",
                                    "currency": "USD", "reference": "alloc-1-aa"}]
    from bot.tryton.connection import transaction
    with transaction(url, readonly=True) as pool:
        [invoice] = pool.get("account.invoice").search([("number", "=", "G000000002")])
        assert invoice.state == "paid"
        assert len(pool.get("account.move").search([("description", "=", "alloc-1-aa")])) == 1


def test_a_part_of_an_invoice_and_then_its_rest_from_two_payments(billing):
    assert post(billing, posting("alloc-1-aa", "PY00000002", "G000000002", "100.00"),
                posting("alloc-2-bb", "PY00000002", "G000000002", "150.00")) == [("reflected", "")] * 2
    assert figures(billing.url)["G000000002"] == ("250.00", "0.00")
    assert figures(billing.url)["PY00000002"] == ("500.00", "250.00")


def test_a_reversal_gives_the_money_back_to_the_payment_and_reopens_the_invoice(billing):
    post(billing, posting("alloc-7-aa", "PY00000002", "G000000002", "250.00"))

    assert post(billing, posting("rev-7-cc", "PY00000002", "G000000002", "250.00", kind="reverse")) == [
        ("reflected", "")]

    after = figures(billing.url)
    assert after["G000000002"] == ("250.00", "250.00") and after["PY00000002"] == ("500.00", "500.00")
    assert ledger_rows(billing.url, payment_pattern=r"PY\d{8}")[0]["allocations"] == []


@pytest.mark.parametrize(("bad", "said"), [
    (posting("alloc-3-a", "PY00000002", "G000000404", "10.00"), "no customer invoice G000000404"),
    (posting("alloc-3-a", "PY00000002", "G000000001", "150.00"), "less than 150.00"),
    (posting("alloc-3-a", "PY00000001", "G000000002", "200.00"), "payment PY00000001 has 100.00 USD open"),
    (posting("alloc-3-a", "PY00000002", "G000000001", "10.00", currency="EUR"), "in USD, not EUR"),
    (posting("alloc-3-a", "PY00000009", "G000000009", "10.00", currency="SEK"), "not of account A1"),
])
def test_what_tryton_cannot_do_is_refused_with_its_reason_and_nothing_is_made(billing, bad, said):
    before = figures(billing.url)
    [(outcome, reason)] = post(billing, bad)
    assert outcome == "rejected" and said in reason
    assert figures(billing.url) == before


def test_an_invoice_paid_meanwhile_refuses_the_next_posting(billing):
    post(billing, posting("alloc-1-aa", "PY00000002", "G000000002", "250.00"))
    [(outcome, reason)] = post(billing, posting("alloc-2-bb", "PY00000002", "G000000002", "1.00"))
    assert outcome == "rejected" and "G000000002 is paid" in reason


def test_the_setting_builds_the_connector_and_a_bad_url_is_named(tryton_url):
    from bot.bootstrap import build_billing
    from bot.settings import SettingsError, load_settings

    url = f"tryton:///{tryton_url.database}?config={tryton_url.config}"
    billing = build_billing(load_settings(billing=url))
    assert isinstance(billing, TrytonBilling) and billing.check() is None
    with pytest.raises(SettingsError, match="names no trytond configuration"):
        build_billing(load_settings(billing="tryton:///books"))
    assert "no Tryton user 'nobody'" in TrytonBilling(f"{url}&user=nobody").check()


def test_a_closed_period_refuses_the_posting_with_tryton_s_message(billing):
    import datetime as dt

    from bot.tryton.connection import run

    def close_this_month(pool):
        Period = pool.get("account.period")
        company = pool.get("company.company").search([])[0]
        Period.close([Period(Period.find(company, date=dt.date.today()).id)])

    run(billing.url, close_this_month)
    before = figures(billing.url)
    [(outcome, reason)] = post(billing, posting("alloc-5-aa", "PY00000002", "G000000002", "250.00"))
    assert outcome == "rejected" and "you must reopen the period" in reason
    assert figures(billing.url) == before
