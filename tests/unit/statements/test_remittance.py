"""Remittance hints: ISO 11649 RF creditor references (mod 97) and invoice numbers, and the
IBAN check that shares the arithmetic."""
from __future__ import annotations

import pytest

from bot.statements.checksums import normal_iban
from bot.statements.remittance import RemittanceHints, creditor_ref, find_creditor_refs, remittance_hints

G = r"G\d{9}"


@pytest.mark.parametrize("written", ["RF18539007547034", "RF18 5390 0754 7034", "rf18 5390 0754 7034", "Rf18539007547034",
                                     " RF18 5390\t0754 7034 "])
def test_a_valid_rf_reference_however_written(written):
    assert creditor_ref(written) == "RF18539007547034"


@pytest.mark.parametrize("written, why", [
    ("RF19539007547034", "check digits off by one"),
    ("RF18539007547043", "two digits swapped"),
    ("RF18", "no reference after the check digits"),
    ("RF1853900754703412345678901", "more than 21 characters after the check digits"),
    ("RF18-5390-0754-7034", "hyphens are not part of the format"),
    ("RX18539007547034", "not RF"),
])
def test_an_invalid_rf_reference_is_none(written, why):
    assert creditor_ref(written) is None, why


def test_the_longest_rf_reference_allowed_checks():
    body = "ABCDEFGHIJKLMNOPQRSTU"  # 21 characters
    for digits in range(2, 99):
        if creditor_ref(f"RF{digits:02d}{body}"):
            assert creditor_ref(f"RF{digits:02d}{body}") == f"RF{digits:02d}{body}"
            break
    else:
        pytest.fail("no check digits make a 21-character RF reference valid")


@pytest.mark.parametrize("text, refs", [
    ("Payment RF18 5390 0754 7034 thanks a lot", ("RF18539007547034",)),
    ("ref:rf18539007547034.", ("RF18539007547034",)),
    ("RF18 5390 0754 7034 and again RF18539007547034", ("RF18539007547034",)),
    ("RF19 5390 0754 7034 (a typo in the check digits)", ()),
    ("REF18 5390 0754 7034", ()),
    ("INVOICE G000000001", ()),
    ("XRF18539007547034", ()),
])
def test_rf_references_in_free_text(text, refs):
    assert find_creditor_refs(text) == refs


@pytest.mark.parametrize("text, numbers", [
    ("Invoice G000000001", ("G000000001",)),
    ("G 000 000 002 and g-000000003", ("G000000002", "G000000003")),
    ("G000000001, G000000001 again", ("G000000001",)),
    ("G00000001 is a digit short", ()),
    ("IBAN GB29NWBK60161331926819", ()),
    ("Payment for services", ()),
])
def test_invoice_numbers_in_remittance_text(text, numbers):
    assert remittance_hints(text, invoice_pattern=G).invoice_numbers == numbers


def test_the_configured_invoice_pattern_is_used():
    hints = remittance_hints("INV-123456 and G000000001", invoice_pattern=r"INV\d{6}")
    assert hints.invoice_numbers == ("INV123456",)


def test_an_rf_reference_built_on_an_invoice_number_names_the_invoice():
    hints = remittance_hints("RF49 G000 0000 04", invoice_pattern=G)
    assert hints == RemittanceHints(invoice_numbers=("G000000004",), creditor_refs=("RF49G000000004",))


def test_hints_are_false_when_nothing_is_named():
    assert not remittance_hints("Payment for services", invoice_pattern=G)
    assert remittance_hints("RF18 5390 0754 7034", invoice_pattern=G)


@pytest.mark.parametrize("written, iban", [
    ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
    ("de89370400440532013000", "DE89370400440532013000"),
    ("GB28NWBK60161331926819", None),  # check digits
    ("GB29NWBK6016133192681", None),  # a digit missing
    ("RF18539007547034", None),  # mod 97 holds, but it is not an IBAN
])
def test_ibans(written, iban):
    assert normal_iban(written) == iban
