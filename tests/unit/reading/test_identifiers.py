"""find_ids and find_bare_invoice_numbers: identifiers however they were typed, never guessed."""
from __future__ import annotations

import unicodedata

import pytest

from bot.reading.identifiers import find_bare_invoice_numbers, find_ids

INVOICE = {"pattern": r"G\d{9}", "prefix": "G"}
PAYMENT = {"pattern": r"PY\d{8}", "prefix": "PY"}


def _ids(text: str, kind: dict) -> list[tuple[str, bool, str]]:
    text = unicodedata.normalize("NFKC", text)  # as extract.py reads every line
    return [(f.value, f.valid, text[f.start : f.end]) for f in find_ids(text, **kind)]


INVOICES = [
    ("G012345678", [("G012345678", True, "G012345678")]),
    ("G 012 345 678", [("G012345678", True, "G 012 345 678")]),
    ("G 0123 45678", [("G012345678", True, "G 0123 45678")]),
    ("g-012-345-678", [("G012345678", True, "g-012-345-678")]),
    ("G.012.345.678", [("G012345678", True, "G.012.345.678")]),
    ("G-012345678", [("G012345678", True, "G-012345678")]),
    ("G–012345678", [("G012345678", True, "G–012345678")]),
    ("G#012345678", [("G012345678", True, "G#012345678")]),
    ("G: 012345678", [("G012345678", True, "G: 012345678")]),
    ("GO12345678", [("G012345678", True, "GO12345678")]),
    ("G０１２３４５６７８", [("G012345678", True, "G012345678")]),
    ("Ｇ０１２３４５６７８", [("G012345678", True, "G012345678")]),
    ("Invoice #G012345678.", [("G012345678", True, "G012345678")]),
    ("(G012345678)", [("G012345678", True, "G012345678")]),
    ("請求書G012345678に", [("G012345678", True, "G012345678")]),
    ("G012345678/G012345679", [("G012345678", True, "G012345678"), ("G012345679", True, "G012345679")]),
    ("G012345678-G012345679", [("G012345678", True, "G012345678"), ("G012345679", True, "G012345679")]),
    ("G012345678, G012345679 och G012345680", [("G012345678", True, "G012345678"), ("G012345679", True, "G012345679"), ("G012345680", True, "G012345680")]),
    # a following number is not swallowed into a spaced id
    ("G012345678 1 234,56", [("G012345678", True, "G012345678")]),
    ("G 012 345 678 2026", [("G012345678", True, "G 012 345 678")]),
    # a digit missing or one too many: malformed, kept so the partner is asked
    ("G01234567", [("G01234567", False, "G01234567")]),
    ("G0123456789", [("G0123456789", False, "G0123456789")]),
    # not invoice numbers at all
    ("XG012345678", []),
    ("G012345678X", []),
    ("GB33 BUKB 2020 1555 5555 55", []),
    ("G2 4JR Glasgow", []),
    ("G1234", []),
]


@pytest.mark.parametrize(("text", "expected"), INVOICES, ids=[i[0] for i in INVOICES])
def test_invoice_numbers(text: str, expected: list) -> None:
    assert _ids(text, INVOICE) == expected


PAYMENTS = [
    ("PY40028173", [("PY40028173", True, "PY40028173")]),
    ("py 4002 8173", [("PY40028173", True, "py 4002 8173")]),
    ("PY-40028173", [("PY40028173", True, "PY-40028173")]),
    ("Payment ID: PY40028173", [("PY40028173", True, "PY40028173")]),
    ("PY 40028173 1.234,56", [("PY40028173", True, "PY 40028173")]),
    ("PY4002817", [("PY4002817", False, "PY4002817")]),
    ("COPY40028173", []),
    ("HAPPY 40028173", []),
]


@pytest.mark.parametrize(("text", "expected"), PAYMENTS, ids=[p[0] for p in PAYMENTS])
def test_payment_ids(text: str, expected: list) -> None:
    assert _ids(text, PAYMENT) == expected


BARE = [
    ("Invoice no. 012345678", [("012345678", "012345678")]),
    ("invoice 12345678", [("12345678", "12345678")]),
    ("invoice number: 012-345-678", [("012345678", "012-345-678")]),
    ("faktura nr 123 456 789", [("123456789", "123 456 789")]),
    ("Rechnung Nr. 12345", [("12345", "12345")]),
    ("factura n° 012345678", [("012345678", "012345678")]),
    ("fakturę 012345678", [("012345678", "012345678")]),
    ("請求書 012345678", [("012345678", "012345678")]),
    ("invoice 1234", []),
    ("invoice 2026", []),
    ("invoice dated 02.10.2026", []),
    ("invoice 12345678.90", []),
    ("payment 012345678", []),
]


@pytest.mark.parametrize(("text", "expected"), BARE, ids=[b[0] for b in BARE])
def test_bare_invoice_numbers(text: str, expected: list) -> None:
    found = find_bare_invoice_numbers(text)
    assert [(f.value, text[f.start : f.end]) for f in found] == expected
    assert not any(f.valid for f in found)
