"""find_amounts: money as partners write it, and the numbers that are never money."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.reading.amounts import currencies_of, find_amounts

MONEY = [
    # text, value, ISO code (None: the symbol leaves it open), symbol, the span's text
    ("1 234,56 kr", "1234.56", None, "kr", "1 234,56 kr"),
    ("1.234,56 €", "1234.56", "EUR", "€", "1.234,56 €"),
    ("€1,234.56", "1234.56", "EUR", "€", "€1,234.56"),
    ("123.456 ¥", "123456", None, "¥", "123.456 ¥"),
    ("123,456円", "123456", "JPY", "円", "123,456円"),
    ("CHF 1'234.50", "1234.50", "CHF", "CHF", "CHF 1'234.50"),
    ("CHF 1’234.50", "1234.50", "CHF", "CHF", "CHF 1’234.50"),
    ("Fr. 1'234.50", "1234.50", "CHF", "Fr.", "Fr. 1'234.50"),
    ("EUR 1.234,56", "1234.56", "EUR", "EUR", "EUR 1.234,56"),
    ("SEK1234.56", "1234.56", "SEK", "SEK", "SEK1234.56"),
    ("1234.56EUR", "1234.56", "EUR", "EUR", "1234.56EUR"),
    ("USD 1,234", "1234", "USD", "USD", "USD 1,234"),
    ("$1,234", "1234", None, "$", "$1,234"),
    ("US$ 1,000.00", "1000.00", "USD", "US$", "US$ 1,000.00"),
    ("£3,450.00", "3450.00", "GBP", "£", "£3,450.00"),
    ("R$ 1.234,56", "1234.56", "BRL", "R$", "R$ 1.234,56"),
    ("12,50 zł", "12.50", "PLN", "zł", "12,50 zł"),
    ("NOK 1 234,56", "1234.56", "NOK", "NOK", "NOK 1 234,56"),
    ("1 234 567,89 SEK", "1234567.89", "SEK", "SEK", "1 234 567,89 SEK"),
    ("1\u202f234\u00a0567,89\u00a0€", "1234567.89", "EUR", "€", "1\u202f234\u00a0567,89\u00a0€"),
    ("1.234.567 円", "1234567", "JPY", "円", "1.234.567 円"),
    ("1234.5 EUR", "1234.50", "EUR", "EUR", "1234.5 EUR"),
    ("1.234,- €", "1234", "EUR", "€", "1.234,- €"),
    ("€ 1.250,-", "1250", "EUR", "€", "€ 1.250"),
    ("1,234.56", "1234.56", None, "", "1,234.56"),
    ("1 234,56 eur", "1234.56", "EUR", "eur", "1 234,56 eur"),
    ("G012121212  1 234,56  SEK", "1234.56", "SEK", "SEK", "1 234,56  SEK"),
    ("2026年10月2日に123,456円を送金", "123456", "JPY", "円", "123,456円"),
]


@pytest.mark.parametrize(("text", "value", "currency", "symbol", "span"), MONEY, ids=[m[0] for m in MONEY])
def test_money_as_written(text: str, value: str, currency: str | None, symbol: str, span: str) -> None:
    [found] = find_amounts(text)
    assert (str(found.value), found.currency, found.symbol, text[found.start : found.end]) == (value, currency, symbol, span)
    assert found.value == Decimal(value)


NOT_MONEY = [
    "1.234",  # three digits after the mark group thousands: a count, not money
    "1,234.567 EUR",  # two different grouping marks: no way to tell
    "Tel. +46 8 123 45 67",
    "phone 08-123 45 67",
    "80331 München",
    "Invoice G012345678",
    "PY40028173",
    "2026-10-02",
    "12.5%",
    "Skonto 2,00 %",
    "-500,00 EUR",  # a credit, never read as a positive amount
    "VAT1234,56",
    "order 123456",
]


@pytest.mark.parametrize("text", NOT_MONEY)
def test_never_money(text: str) -> None:
    assert find_amounts(text) == []


def test_several_amounts_in_order() -> None:
    text = "G1 – £1,200.00 and G2 – £2,250.00, £3,450.00 in total"
    assert [str(a.value) for a in find_amounts(text)] == ["1200.00", "2250.00", "3450.00"]


@pytest.mark.parametrize(
    ("symbol", "codes"),
    [("EUR", {"EUR"}), ("€", {"EUR"}), ("kr", {"SEK", "NOK", "DKK", "ISK"}), ("$", {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}),
     ("円", {"JPY"}), ("eur", {"EUR"}), ("Sek", {"SEK"}), ("all", set()), ("ABC", set()), ("", set())],
)
def test_currencies_of(symbol: str, codes: set[str]) -> None:
    assert currencies_of(symbol) == codes
