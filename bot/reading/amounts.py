"""Money as people write it: `1 234,56 kr`, `1.234,56 €`, `€1,234.56`, `123.456 ¥`, `123,456円`.

The separator rule needs no locale: the last `.` or `,` followed by one or two digits is
the decimal mark; every other `.`, `,`, space or apostrophe between groups of three digits
groups thousands. A bare number only counts as money with a currency beside it or with
decimals (two digits after the mark), so phone numbers and postcodes are never amounts.

An amount is read whole or not at all (issue 15: 44 510,69 EUR was once applied as 510,69).
Digits one space after a free-standing number ("44 510,69", "1234 567,89") join it when the
groups say so (one to three digits, then groups of exactly three); when they do not, and the
number before is a group of one to three digits or the amount's own integer part is one of
exactly three, it is the tail of an amount written wrongly or of two numbers no one can tell
apart: it is not money, and `unclear_amounts` names it so that the message is held. A number
glued to letters or to `.,'’/:+-` before the space (an id, a date, a time) is no such head.
`splits_amount` says the same of two table cells ("44" | "510,69 €").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import list_currencies

# Symbols (and words) that stand for a currency, with every ISO code they can mean.
SYMBOLS: dict[str, frozenset[str]] = {
    "€": frozenset({"EUR"}),
    "euro": frozenset({"EUR"}),
    "euros": frozenset({"EUR"}),
    "us$": frozenset({"USD"}),
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "円": frozenset({"JPY"}),
    "kr": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "kr.": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "zł": frozenset({"PLN"}),
    "zl": frozenset({"PLN"}),
    "r$": frozenset({"BRL"}),
    "fr.": frozenset({"CHF"}),
    "chf": frozenset({"CHF"}),
    "kč": frozenset({"CZK"}),
    "kc": frozenset({"CZK"}),
    "euroa": frozenset({"EUR"}),  # Finnish ("12 345,67 euroa")
    "元": frozenset({"CNY"}),
    "人民币": frozenset({"CNY"}),
    "人民幣": frozenset({"CNY"}),
    "rmb": frozenset({"CNY"}),
    "₺": frozenset({"TRY"}),
    "₹": frozenset({"INR"}),
    "₩": frozenset({"KRW"}),
}
# Symbols that are words in another case ("tl", "ft" are abbreviations too): only as written here.
CASED_SYMBOLS: dict[str, frozenset[str]] = {"TL": frozenset({"TRY"}), "Ft": frozenset({"HUF"})}
# The codes partners also type in lower case ("1234,56 eur"); other codes only in capitals,
# as "all", "top" and "try" are words too.
SYMBOLS.update({code.lower(): frozenset({code})
                for code in ("EUR", "USD", "GBP", "SEK", "NOK", "DKK", "PLN", "JPY", "CZK", "CNY", "HUF")})

_GROUP = r"[ .,'’]"  # after _SPACES are made plain spaces
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
# Not glued to a word or another number; Japanese writes amounts right after kana ("に123,456円").
_NOT_GLUED = r"(?<![^\W\u3040-\u30ff\u3400-\u9fff]|[.,'’-])"
# One grouping character throughout ("1,234.567" is no amount); ",-" is German for ",00".
_DIGITS = (
    rf"(?P<int>\d{{1,3}}(?P<group>{_GROUP})\d{{3}}(?:(?P=group)\d{{3}})*|\d+)"
    r"(?:(?P<mark>[.,])(?P<dec>\d{1,2})|[.,][-–—]{1,2})?(?!\d|[.,]\d|\s?%)"
)
_NUMBER = _NOT_GLUED + _DIGITS
_GAP = r"[ \t\u00a0\u202f]{0,12}"  # a table's currency column stands apart from the amount column
_SYMBOL_WORDS = "|".join(sorted((re.escape(s) for s in SYMBOLS), key=len, reverse=True))
_CASED_WORDS = "|".join(re.escape(s) for s in CASED_SYMBOLS)


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    return frozenset(list_currencies())


@lru_cache(maxsize=1)
def _amount_regex() -> re.Pattern[str]:
    codes = "|".join(sorted(_iso_codes()))
    cur = rf"(?:(?<![A-Za-z])(?-i:{codes}|{_CASED_WORDS})(?![A-Za-z])|{_SYMBOL_WORDS})"
    return re.compile(
        rf"(?:(?P<pre>{cur})\s?|{_NOT_GLUED}){_DIGITS}(?:{_GAP}(?P<post>{cur})(?![A-Za-z]))?",
        re.IGNORECASE,
    )


@dataclass(frozen=True)
class FoundAmount:
    value: Decimal
    currency: str | None  # ISO code when the text leaves no doubt
    symbol: str  # as written ("kr", "$", "EUR", "")
    start: int
    end: int


def currencies_of(symbol: str) -> frozenset[str]:
    """The ISO codes a written currency symbol or code can mean (empty: not a currency)."""
    if not symbol:
        return frozenset()
    if symbol in CASED_SYMBOLS:
        return CASED_SYMBOLS[symbol]
    if symbol.upper() in _iso_codes() and symbol.isupper():
        return frozenset({symbol.upper()})
    return SYMBOLS.get(symbol.lower(), frozenset())


def parse_number(int_part: str, dec_part: str | None) -> Decimal:
    digits = re.sub(r"\D", "", int_part)
    return Decimal(f"{digits}.{dec_part}") if dec_part else Decimal(digits)


# A number standing on its own right before one space: the head an amount after it may belong to.
_HEAD = re.compile(r"(?:^|(?<=[^\w.,'’/:+\-]))(?P<head>\d+) $")


def _head_of(text: str, start: int, int_part: str) -> str | None:
    """The free-standing number one space before the amount whose digits start at `start`, when
    the amount may be its tail (see the module's docstring), else None."""
    if start < 2 or text[start - 1] != " ":
        return None
    m = _HEAD.search(text[max(0, start - 40) : start])
    if m is None:
        return None
    head = m.group("head")
    return head if len(head) <= 3 or re.fullmatch(r"\d{3}", int_part) else None


def _matches(text: str) -> list[tuple[re.Match[str], str | None]]:
    """Each amount-like match, with the number it may be the tail of (or None)."""
    text = text.translate(_SPACES)
    return [(m, _head_of(text, m.start("int"), m.group("int")) if not m.group("pre") else None)
            for m in _amount_regex().finditer(text)]


def find_amounts(text: str) -> list[FoundAmount]:
    """Every amount in `text` that is certainly money (currency beside it, or decimals), each
    read whole (never the tail of a longer number)."""
    return [found for found, head in _scan(text) if head is None]


def unclear_amounts(text: str) -> list[str]:
    """The amounts in `text` that cannot be read for certain ("1234 567,89 EUR": one amount
    grouped wrongly, or two numbers?), as written: they hold the message, never read in part."""
    plain = text.translate(_SPACES)
    return [f"{head} {plain[found.start : found.end]}" for found, head in _scan(text) if head is not None]


def _scan(text: str) -> list[tuple[FoundAmount, str | None]]:
    found = []
    for m, head in _matches(text):
        pre, post = m.group("pre") or "", m.group("post") or ""
        symbol = pre if currencies_of(pre) else post if currencies_of(post) else ""
        codes = currencies_of(symbol)
        dec = m.group("dec")
        if dec is not None and len(dec) == 1:
            dec += "0"
        if not codes and not (dec and len(dec) == 2):
            continue
        start = m.start() if pre and symbol == pre else m.start("int")
        end = m.end() if post and symbol == post else m.end("dec") if dec else m.end("int")
        currency = next(iter(codes)) if len(codes) == 1 else None
        amount = FoundAmount(value=parse_number(m.group("int"), dec), currency=currency, symbol=symbol,
                             start=start, end=end)
        found.append((amount, head))
    return found


def find_numbers(text: str) -> list[tuple[Decimal, int, int]]:
    """Plain numbers with decimals, for table cells where the currency is in the header."""
    plain = text.translate(_SPACES)
    return [
        (parse_number(m.group("int"), m.group("dec")), m.start(), m.end())
        for m in re.finditer(_NUMBER, plain)
        if (m.group("dec") or re.search(_GROUP, m.group("int")))
        and _head_of(plain, m.start(), m.group("int")) is None
    ]


_LEFT_CELL = re.compile(r"[^\d\s]{0,3}\s?\d{1,3}")
_RIGHT_CELL = re.compile(r"\d{3}(?:[ .,'’]\d{3})*(?:[.,]\d{1,2}|[.,][-–])?(?!\d)")


def splits_amount(left: str, right: str) -> bool:
    """Whether two neighbouring cells may be one amount cut in two ("44" | "510,69 €", "€ 1" |
    "250.00"): a group of one to three digits, then money starting with a group of three that
    joins it as one number."""
    left, right = left.strip().translate(_SPACES), right.strip().translate(_SPACES)
    if not _LEFT_CELL.fullmatch(left) or not _RIGHT_CELL.match(right):
        return False
    if not (find_amounts(right) or find_numbers(right)):
        return False
    joined = f"{left} {right}"
    return any(start <= len(left) - 1 < len(left) + 1 < end for _, start, end in find_numbers(joined)) or any(
        a.start <= len(left) - 1 and a.end > len(left) + 1 for a in find_amounts(joined))
