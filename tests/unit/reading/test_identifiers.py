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


# ---- characters nobody sees (issue 17, class 5) -----------------------------------------------

from bot.reading.parsing import parse_bytes  # noqa: E402
from bot.reading.read import read_message  # noqa: E402
from tests.unit.reading.remittance_files import mail  # noqa: E402

# What Outlook, web mailers and word processors leave between the characters people typed.
INVISIBLE = {
    "zero-width space": "\u200b", "zero-width non-joiner": "\u200c", "zero-width joiner": "\u200d",
    "word joiner": "\u2060", "byte-order mark": "\ufeff", "soft hyphen": "\u00ad", "Mongolian vowel separator": "\u180e",
    "left-to-right mark": "\u200e", "right-to-left mark": "\u200f", "left-to-right embedding": "\u202a",
    "first-strong isolate": "\u2068", "pop directional isolate": "\u2069",
}
HTML_INVISIBLE = {"&#8203;": "\u200b", "&zwnj;": "\u200c", "&zwj;": "\u200d", "&shy;": "\u00ad", "&#xFEFF;": "\ufeff",
                  "&lrm;": "\u200e", "&#8288;": "\u2060"}


def _read(body: str, *, subject: str = "Allocation", html: bool = False):
    raw = mail(sender="Ann <ann@bluepeak.example>", subject=subject, body=body)
    if html:
        raw = raw.replace(b"Content-Type: text/plain", b"Content-Type: text/html")
    return read_message(parse_bytes(raw), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")


def _evidence(request) -> list[tuple[str, str, str | None]]:
    """(payment, invoice, amount) as read, each span checked to point into the request text."""
    found = []
    for ins in request.instructions:
        for line in ins.lines:
            for span in (line.span, line.amount.span if line.amount else None):
                assert span is None or request.text[span.start:span.end] == span.text
            found.append((",".join(ins.payment_ids), line.span.text, line.amount.span.text if line.amount else None))
    return found


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_an_invisible_character_inside_ids_and_amounts_is_read_through(char: str) -> None:
    body = f"Hello,\n\nplease apply payment PY1234{char}5678 to invoice G0123{char}45678 - 1{char}234,56 EUR.\n\nAnn\n"
    _, request = _read(body)
    [ins] = request.instructions
    assert ins.payment_ids == ("PY12345678",)
    [line] = ins.lines
    assert (line.invoice_number, str(line.amount.value), line.amount.currency) == ("G012345678", "1234.56", "EUR")
    # the evidence shows the text as read: the normalised one, at its place in it
    assert _evidence(request) == [("PY12345678", "G012345678", "1234,56 EUR")]


@pytest.mark.parametrize("entity", HTML_INVISIBLE, ids=HTML_INVISIBLE.values())
def test_an_invisible_entity_in_html_mail_is_read_through(entity: str) -> None:
    body = (f"<html><body><p>Hello,</p><p>please apply payment PY1234{entity}5678 to invoice G0123{entity}45678 "
            f"(1{entity}234,56&nbsp;EUR).</p></body></html>")
    _, request = _read(body, html=True)
    assert [(i.payment_ids, line.invoice_number, str(line.amount.value)) for i in request.instructions
            for line in i.lines] == [(("PY12345678",), "G012345678", "1234.56")]


def test_a_soft_hyphen_never_leaves_only_the_tail_of_an_amount() -> None:
    """"1\u00ad234,56 EUR" is shown as 1234,56 EUR (or 1-234,56 at a line end): 234,56 was read."""
    _, request = _read("Please apply our payment PY12345678 of 1\u00ad234,56 EUR to G012345678.\n")
    [ins] = request.instructions
    assert (str(ins.payment_amount.value), ins.payment_amount.span.text) == ("1234.56", "1234,56 EUR")


def test_an_invisible_character_in_the_subject_is_read_through() -> None:
    _, request = _read("Please allocate it to invoice G012345678.\n", subject="Payment PY1234\u200b5678")
    [ins] = request.instructions
    assert (ins.payment_ids, [line.invoice_number for line in ins.lines]) == (("PY12345678",), ["G012345678"])
    assert request.text.startswith("Payment PY12345678\n")


def test_a_bidi_override_is_not_read_through() -> None:
    """U+202E shows the characters after it reversed: what is read would not be what was seen."""
    _, request = _read("Please apply payment PY12345678 to invoice G0123\u202e87654.\n")
    assert [line.invoice_number for i in request.instructions for line in i.lines] == []


ANY_PAYMENT = {"pattern": r"PY\d{8}|BK\d{8}"}


@pytest.mark.parametrize(("text", "expected"), [
    ("BK00000001 and PY00000002", [("BK00000001", True, "BK00000001"), ("PY00000002", True, "PY00000002")]),
    ("pay bk 0000 0001, then py-0000 0002", [("BK00000001", True, "bk 0000 0001"), ("PY00000002", True, "py-0000 0002")]),
    ("BK0000001 is short", [("BK0000001", False, "BK0000001")]),
    ("PYBK00000001 is neither", []),
])
def test_a_pattern_of_two_formats_finds_each_by_its_own_prefix(text, expected):
    """Bank-imported payments (BK…) are named in mail as the billing system's (PY…) are."""
    assert _ids(text, ANY_PAYMENT) == expected


def test_a_bar_inside_a_group_or_class_does_not_part_formats():
    from bot.reading.identifiers import id_formats
    assert id_formats(r"PY(?:\d{8}|X\d{7})") == (r"PY(?:\d{8}|X\d{7})",)
    assert id_formats(r"PY[|]\d{8}|BK\d{8}") == (r"PY[|]\d{8}", r"BK\d{8}")
