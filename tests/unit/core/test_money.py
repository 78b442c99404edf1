"""The one rounding rule: quantise to the currency's ISO 4217 minor unit, half up."""
from decimal import Decimal

import pytest

from bot.model import Money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("10.005", "EUR", "10.01"), ("10.004", "SEK", "10.00"), ("1234.5", "JPY", "1235"), ("1.2345", "BHD", "1.235"), ("7", "USD", "7.00")],
)
def test_amounts_are_quantised_to_the_minor_unit(amount, currency, expected):
    assert str(Money(Decimal(amount), currency).amount) == expected


def test_currencies_never_mix():
    with pytest.raises(ValueError):
        Money(Decimal("1"), "EUR") + Money(Decimal("1"), "SEK")


@pytest.mark.parametrize("code", ["eur", "EURO", "", "E1R"])
def test_a_currency_is_an_iso_code(code):
    with pytest.raises(ValueError):
        Money(Decimal("1"), code)


def test_money_compares_by_value_after_quantising():
    assert Money(Decimal("41849.860"), "EUR") == Money(Decimal("41849.86"), "EUR")
    assert Money(Decimal("2"), "EUR") > Money(Decimal("1.99"), "EUR")


def test_amounts_in_different_currencies_do_not_compare():
    with pytest.raises(ValueError):
        Money(Decimal("1"), "EUR") < Money(Decimal("2"), "SEK")
