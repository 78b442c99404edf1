"""find_dates: every way the sample partners write a payment date, and what is not a date."""
from __future__ import annotations

from datetime import date

import pytest

from bot.reading.dates import find_dates, month_names

SENT = date(2026, 10, 5)  # the Date header: a date without a year is the latest one not after it

DATES = [
    # text, month_first (the en-US habit), ISO date, span text
    ("2 oktober 2026", False, "2026-10-02", "2 oktober 2026"),
    ("2. oktober 2026", False, "2026-10-02", "2. oktober 2026"),
    ("den 2:a oktober", False, "2026-10-02", "2:a oktober"),
    ("2026年10月2日", False, "2026-10-02", "2026年10月2日"),
    ("2026年10月2日(金)", False, "2026-10-02", "2026年10月2日"),
    ("10月2日に", False, "2026-10-02", "10月2日"),
    ("October 2, 2026", False, "2026-10-02", "October 2, 2026"),
    ("Oct 2nd, 2026", False, "2026-10-02", "Oct 2nd, 2026"),
    ("Oct. 2, 2026", False, "2026-10-02", "Oct. 2, 2026"),
    ("2nd October 2026", False, "2026-10-02", "2nd October 2026"),
    ("2 Oct", False, "2026-10-02", "2 Oct"),
    ("02.10.2026", False, "2026-10-02", "02.10.2026"),
    ("am 2.10.26", False, "2026-10-02", "2.10.26"),
    ("10/02/2026", True, "2026-10-02", "10/02/2026"),
    ("02/10/2026", False, "2026-10-02", "02/10/2026"),
    ("10-02-2026", True, "2026-10-02", "10-02-2026"),
    ("02-10-2026", False, "2026-10-02", "02-10-2026"),
    ("02.10.2026", True, "2026-10-02", "02.10.2026"),  # dots are never month first
    ("13/10/2026", True, "2026-10-13", "13/10/2026"),  # only one reading exists
    ("2026-10-02", False, "2026-10-02", "2026-10-02"),
    ("2026/10/02", False, "2026-10-02", "2026/10/02"),
    ("2026.10.02", False, "2026-10-02", "2026.10.02"),
    ("2. Okt. 2026", False, "2026-10-02", "2. Okt. 2026"),
    ("le 2 octobre 2026", False, "2026-10-02", "2 octobre 2026"),
    ("1er octobre 2026", False, "2026-10-01", "1er octobre 2026"),
    ("2 de octubre de 2026", False, "2026-10-02", "2 de octubre de 2026"),
    ("2 ottobre", False, "2026-10-02", "2 ottobre"),
    ("2 de outubro de 2026", False, "2026-10-02", "2 de outubro de 2026"),
    ("2 oktober 2026", False, "2026-10-02", "2 oktober 2026"),
    ("2 października 2026 r.", False, "2026-10-02", "2 października 2026"),
    ("2 März 2026", False, "2026-03-02", "2 März 2026"),
    ("Zahlung vom 2. März 2026, Grüße", False, "2026-03-02", "2. März 2026"),
    ("2 mei 2026", False, "2026-05-02", "2 mei 2026"),
    ("2 sept. 2026", False, "2026-09-02", "2 sept. 2026"),
    ("30 December", False, "2025-12-30", "30 December"),  # not after the message was sent
    ("vom 3.10. über", False, "2026-10-03", "3.10."),  # de, fi, cs, pl, nb: "3.10." is a date, never 3.10
    ("Kohdistakaa 3.10. maksamamme", False, "2026-10-03", "3.10."),
    ("platba ze dne 3. října 2026", False, "2026-10-03", "3. října 2026"),  # cs and tr month names
    ("3 Ekim 2026 tarihli ödeme", False, "2026-10-03", "3 Ekim 2026"),
]


@pytest.mark.parametrize(("text", "month_first", "iso", "span"), DATES, ids=[f"{d[0]}|{d[1]}" for d in DATES])
def test_dates_as_written(text: str, month_first: bool, iso: str, span: str) -> None:
    [found] = find_dates(text, sent=SENT, month_first=month_first)
    assert (found.value.isoformat(), text[found.start : found.end]) == (iso, span)


NOT_DATES = [
    "1.234,56",
    "12.10.2026,50",
    "08-10-26",  # as likely a phone number
    "v1.10.26",
    "31.02.2026",
    "Tel 070-12 34 56",
    "Invoice G012345678 2026",
    "May 2026 invoice",
    "EUR 02.10.",  # money, beside its currency
    "02.10. EUR",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(text: str) -> None:
    assert find_dates(text, sent=SENT) == []


def test_without_a_year_and_without_a_sent_date_there_is_no_date() -> None:
    assert find_dates("2 oktober", sent=None) == []


def test_several_dates_in_text_order() -> None:
    text = "Invoice of 01.09.2026, paid on 2 October 2026"
    assert [f.value for f in find_dates(text, sent=SENT)] == [date(2026, 9, 1), date(2026, 10, 2)]


@pytest.mark.parametrize(("name", "month"), [("oktober", 10), ("octobre", 10), ("pazdziernika", 10), ("marz", 3), ("dec", 12), ("sept", 9)])
def test_month_names_are_folded(name: str, month: int) -> None:
    assert month_names()[name] == month
