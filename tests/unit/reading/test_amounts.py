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


# ---- amounts as mail clients leave them (issue 17, class 6) --------------------------------------

from bot.reading.parsing import parse_bytes  # noqa: E402
from bot.reading.read import read_message  # noqa: E402
from tests.unit.reading.remittance_files import mail  # noqa: E402

# A split of payment PY12345678 as partners write it, with two amounts in each locale's way:
# (sentence with {a} and {b} for the amounts, amount a, amount b, (value a, value b), currency)
SPLITS = [
    ("cs: Platbu PY12345678 prosím rozdělte: G012345678 {a}, G012345679 {b}.",
     "12\u00a0345,67\u00a0Kč", "1\u00a0000,00\u00a0Kč", ("12345.67", "1000.00"), "CZK"),
    ("cs: Platbu PY12345678 prosím rozdělte: G012345678 {a}, G012345679 {b}.",
     "12\u00a0345\u00a0Kč", "1\u00a0000\u00a0Kč", ("12345", "1000"), "CZK"),
    ("pt-BR: O pagamento PY12345678 deve ser dividido: G012345678 {a} e G012345679 {b}.",
     "R$\u00a012.345,67", "R$\u00a01.000,00", ("12345.67", "1000.00"), "BRL"),
    ("fi: Maksu PY12345678 jaetaan: G012345678 {a} ja G012345679 {b}.",
     "12\u00a0345,67\u00a0€", "1\u202f000,00\u00a0€", ("12345.67", "1000.00"), "EUR"),
    ("fi: Maksu PY12345678 jaetaan: G012345678 {a} ja G012345679 {b}.",
     "12\u00a0345,67\u00a0euroa", "1\u00a0000,00\u00a0euroa", ("12345.67", "1000.00"), "EUR"),
    ("fr: Le paiement PY12345678 est à répartir : G012345678 {a}, G012345679 {b}.",
     "44\u202f510,69\u00a0€", "1\u2009000,00\u00a0€", ("44510.69", "1000.00"), "EUR"),
    ("fr: Le paiement PY12345678 est à répartir : G012345678 {a}, G012345679 {b}.",
     "44\u2007510,69\u00a0€", "1\u200a000,00\u00a0€", ("44510.69", "1000.00"), "EUR"),
    ("it: Il pagamento PY12345678 va ripartito: G012345678 {a}, G012345679 {b}.",
     "1'234.56 EUR", "2'000.00 EUR", ("1234.56", "2000.00"), "EUR"),
    ("it: Il pagamento PY12345678 va ripartito: G012345678 {a}, G012345679 {b}.",
     "€ 1’234,56", "€ 2’000,00", ("1234.56", "2000.00"), "EUR"),
    ("de-CH: Die Zahlung PY12345678 bitte aufteilen: G012345678 {a}, G012345679 {b}.",
     "CHF 1´234.56", "CHF 2´000.00", ("1234.56", "2000.00"), "CHF"),
    ("zh: 付款PY12345678请分配：G012345678 {a}、G012345679 {b}。",
     "１２，３４５.６７元", "１，０００.００元", ("12345.67", "1000.00"), "CNY"),
    ("zh: 付款PY12345678请分配：G012345678 {a}、G012345679 {b}。",
     "12，345元", "1，000元", ("12345", "1000"), "CNY"),
    ("zh: 付款PY12345678请分配：G012345678 {a}，G012345679 {b}。",
     "人民币12,345.67", "RMB 1,000.00", ("12345.67", "1000.00"), "CNY"),
    ("ja: 入金PY12345678をG012345678 {a}、G012345679 {b}に充当してください。",
     "１２，３４５円", "１，０００円", ("12345", "1000"), "JPY"),
    ("tr: PY12345678 numaralı ödeme: G012345678 {a}, G012345679 {b}.",
     "12.345,67\u00a0TL", "1.000,00\u00a0₺", ("12345.67", "1000.00"), "TRY"),
]
# The same spaces as HTML writes them.
ENTITIES = {"\u00a0": "&nbsp;", "\u202f": "&#8239;", "\u2009": "&thinsp;", "\u2007": "&#8199;", "\u200a": "&#x200A;"}


def _split_read(sentence: str, a: str, b: str, *, html: bool) -> list[tuple[str, str, str | None]]:
    text = sentence.split(": ", 1)[1].format(a=a, b=b)
    if html:
        for char, entity in ENTITIES.items():
            text = text.replace(char, entity)
        text = f"<html><body><p>Hello,</p><p>{text}</p><p>Regards,<br>Ann</p></body></html>"
    raw = mail(sender="Ann <ann@bluepeak.example>", subject="Payment", body=text if html else f"Hello,\n\n{text}\n\nAnn\n")
    if html:
        raw = raw.replace(b"Content-Type: text/plain", b"Content-Type: text/html")
    _, request = read_message(parse_bytes(raw), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    return [(line.invoice_number, str(line.amount.value) if line.amount else "", line.amount.currency if line.amount else None)
            for ins in request.instructions for line in ins.lines]


@pytest.mark.parametrize("html", [False, True], ids=["text", "html"])
@pytest.mark.parametrize(("sentence", "a", "b", "values", "currency"), SPLITS, ids=[f"{s[:5]}{a}" for s, a, *_ in SPLITS])
def test_a_split_is_read_with_its_amounts_in_every_locale(sentence: str, a: str, b: str, values: tuple[str, str],
                                                         currency: str, html: bool) -> None:
    assert _split_read(sentence, a, b, html=html) == [("G012345678", values[0], currency), ("G012345679", values[1], currency)]


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("12 345 Kč", "12345", "CZK"), ("12 345,- Kč", "12345", "CZK"), ("1 000 Ft", "1000", "HUF"),
    ("12,345元", "12345", "CNY"), ("¥12,345", "12345", None), ("人民币 12,345.00", "12345.00", "CNY"),
    ("12.345,67 TL", "12345.67", "TRY"), ("₺12.345,67", "12345.67", "TRY"), ("12 345,67 euroa", "12345.67", "EUR"),
    ("12 345 zł", "12345", "PLN"), ("₹1,23,456.00", None, None),
])
def test_currency_words_of_more_locales(text: str, value: str | None, currency: str | None) -> None:
    """A currency beside an amount makes it money without decimals, and says which money it is.
    (Indian lakh grouping is not one grouping throughout: not read, never a fragment.)"""
    found = find_amounts(text)
    assert [(str(f.value), f.currency) for f in found] == ([(value, currency)] if value else [])


def test_the_ideographic_comma_separates_amounts_never_groups_them() -> None:
    assert [str(a.value) for a in find_amounts("100.00元、200.00元")] == ["100.00", "200.00"]
    assert [str(a.value) for a in find_amounts("1、234.56元")] == ["234.56"]  # a list of 1 and 234.56, never 1234.56


# ---- whole or not at all (issue 15, item 4) ------------------------------------------------------

@pytest.mark.parametrize(("text", "values"), [
    ("44 510,69 €", ["44510.69"]), ("3 510,69 EUR", ["3510.69"]), ("1 234 567,89 SEK", ["1234567.89"]),
    ("1234 567,89 EUR", []),  # a group of four, then three: no grouping; "567,89" is a fragment
    ("44 51,69 €", []),  # "51,69" after a group of two: one amount mistyped, or two numbers?
    ("4711 12,50 EUR", ["12.50"]),  # a number of four digits, then an amount of two: two numbers
    ("2026-10-02 510,69 EUR", ["510.69"]), ("PY12345678 510,69 EUR", ["510.69"]),
    ("100,00 200,00 EUR", ["100.00", "200.00"]),
])
def test_an_amount_is_read_whole_or_not_at_all(text: str, values: list[str]) -> None:
    assert [str(a.value) for a in find_amounts(text)] == values


def _read_body(body: str):
    raw = mail(sender="Ann <ann@bluepeak.example>", subject="Payment", body=body)
    return read_message(parse_bytes(raw), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")


@pytest.mark.parametrize("amount", ["1234 567,89 EUR", "44 51,69 €", "1 234\u00a05678,90 EUR"])
def test_a_mail_with_an_amount_that_cannot_be_read_for_certain_is_held(amount: str) -> None:
    """No amount on the invoice would let the smaller of payment and invoice be applied: held."""
    mail_, request = _read_body(f"Hello,\n\nplease apply payment PY12345678 to invoice G012345678, {amount}.\n\nAnn\n")
    assert [line.amount for ins in request.instructions for line in ins.lines] == [None]
    assert len(mail_.unreadable) == 1 and "cannot be read for certain" in mail_.unreadable[0]


def test_a_mail_with_whole_amounts_is_not_held() -> None:
    mail_, request = _read_body("Please apply payment PY12345678 to G012345678 (44 510,69 €), dated 02.10.2026 "
                                "510,00 EUR was the other one.\n")
    assert mail_.unreadable == ()
