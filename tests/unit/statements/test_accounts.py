"""Which account a credit belongs to: IBAN from bank_accounts.csv first, then invoice numbers
that all belong to one account, then an exact name; anything unclear stays unassigned."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.statements.accounts import LedgerKnows, choose_account, normal_name
from bot.statements.model import Credit
from bot.statements.remittance import remittance_hints

IBAN = "GB29NWBK60161331926819"
LEDGER = LedgerKnows(
    by_iban={IBAN: frozenset({"A1"}), "SE4550000000058398257466": frozenset({"A2", "A3"})},
    by_invoice={"G000000001": "A1", "G000000002": "A1", "G000000009": "A2", "G000000010": "A3"},
    by_name={"bluepeak cloud inc": frozenset({"A1"}), "nordvik akeri ab": frozenset({"A3"}),
             "twin holdings": frozenset({"A4", "A5"})},
)


def credit(reference: str = "", payer_name: str = "", payer_iban: str = "") -> Credit:
    return Credit(7, "ACCT|REF", date(2026, 10, 15), "EUR", Decimal("10.00"), reference, payer_name, payer_iban)


def chosen(c: Credit) -> tuple[str | None, str]:
    got = choose_account(c, remittance_hints(c.reference, invoice_pattern=r"G\d{9}"), LEDGER)
    return got.account_id, got.why


@pytest.mark.parametrize("c, account", [
    (credit(payer_iban=IBAN), "A1"),
    (credit("G000000009", "Nordvik Åkeri AB", IBAN), "A1"),  # the IBAN outranks invoices and name
    (credit("Invoice G000000001, G000000002"), "A1"),
    (credit("G000000001 and G999999999 (not ours)"), "A1"),  # unknown numbers do not count
    (credit("RF49 G000 0000 04 / G000000009", payer_name="x"), "A2"),
    (credit("Oct services", "NORDVIK ÅKERI AB."), "A3"),  # case, accents, punctuation
    (credit("", "Bluepeak Cloud Inc"), "A1"),
    (credit("G000000010", payer_iban="SE4550000000058398257466"), "A3"),  # shared IBAN, invoice decides
    (credit("", "Nordvik Akeri AB", "SE4550000000058398257466"), "A3"),  # shared IBAN, name decides
])
def test_the_account_is_found(c, account):
    assert chosen(c)[0] == account


@pytest.mark.parametrize("c, why", [
    (credit("G000000001 and G000000009"), "invoices of several accounts (A1, A2)"),
    (credit("", "Twin Holdings"), "several accounts are named 'Twin Holdings' (A4, A5)"),
    (credit("G000000001", payer_iban="SE4550000000058398257466"), "for several accounts (A2, A3)"),  # invoice of another account
    (credit("", "Bluepeak Cloud Inc", "SE4550000000058398257466"), "for several accounts (A2, A3)"),
    (credit("Payment for services", "Unknown Trading GmbH", "DE89370400440532013000"),
     "payer IBAN DE89370400440532013000 is not in bank_accounts.csv; no invoice number in the remittance; "
     "no account is named 'Unknown Trading GmbH'"),
    (credit("G999999999"), "no payer IBAN; invoices G999999999 are not in the ledger; no payer name"),
    (credit("Bluepeak Cloud"), "no payer name"),  # a name in the remittance is not the payer's name
])
def test_unclear_credits_stay_unassigned_with_the_reason(c, why):
    account, reason = chosen(c)
    assert account is None
    assert why in reason


def test_how_the_account_was_found_is_said():
    assert chosen(credit("Invoice G000000001"))[1] == "the remittance names its invoice G000000001"
    assert chosen(credit(payer_iban=IBAN))[1] == f"payer IBAN {IBAN} is in bank_accounts.csv"


@pytest.mark.parametrize("a, b", [("Bluepeak Cloud Inc.", "BLUEPEAK  CLOUD INC"), ("Nordvik Åkeri AB", "nordvik akeri ab"),
                                  ("Straße GmbH", "STRASSE GMBH"), ("Société Générale", "SOCIETE-GENERALE")])
def test_names_compare_without_case_accents_or_punctuation(a, b):
    assert normal_name(a) == normal_name(b)


def test_names_are_not_fuzzy():
    assert normal_name("Bluepeak Cloud") != normal_name("Bluepeak Cloud Inc")
