"""Dates as partners write them, in the languages allocbot reads.

Month names come from Babel (wide and abbreviated, format and stand-alone forms), so every
supported language is covered by the same patterns: day-month-year, month-day-year, and the
numeric forms (2026-10-02, 2026/10/02, 02.10.2026, 02-10-2026, 02/10/26, 2026年10月2日, and
"3.11." with a dot after the month, never beside a currency: "EUR 3.11." is money).
Numbers are read day first unless the sender's habit is month first (en-US), and never
against what they can mean (13/10/2026). A date without a year takes the latest year that
does not put it after the message was sent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel.dates import get_month_names

from bot.reading.folding import fold

LANGUAGES = ("en", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "pl", "nb", "fi", "cs", "tr")


@dataclass(frozen=True)
class FoundDate:
    value: date
    start: int
    end: int


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Every written form of every month (accents folded, trailing dot dropped) -> 1..12."""
    names: dict[str, int] = {}
    for lang in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, lang).items():
                    key = fold(name).rstrip(".")
                    if len(key) >= 3:
                        names.setdefault(key, number)
    names.setdefault("sept", 9)
    return names


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    months = "|".join(sorted((re.escape(n) for n in month_names()), key=len, reverse=True))
    return (
        re.compile(r"(?<![A-Za-z\d.,])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d|[.,]\d)"),
        re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
        re.compile(
            rf"(?<![\w])(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|e|:a|:e|\.)?\s*(?:de\s+|of\s+)?(?P<mn>{months})\.?(?![a-z])"
            rf"(?:,?\s*(?:de\s+)?(?P<y>\d{{4}}))?",
        ),
        re.compile(rf"(?<![\w])(?P<mn>{months})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?(?!\d)"),
        re.compile(r"(?<![A-Za-z\d.,])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?!\d|[.,]\d)"),
        # "vom 3.11.", "3.11. maksamamme": day and month with a dot after each, no year
        re.compile(r"(?<![A-Za-z\d.,$€£¥])(?P<d>\d{1,2})\.(?P<dm>\d{1,2})\.(?![\d,]|\.\d|\s*[A-Za-z]{3}\b|\s*[$€£¥])"),
    )


def starts_with_month(text: str, at: int) -> bool:
    """Whether the word at or after `at` (spaces skipped) is a month's name: "11. Dezember" is a day."""
    word = re.match(r"\s*([^\W\d_]+)", text[at : at + 40])
    return bool(word) and fold(word.group(1)).rstrip(".") in month_names()


_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥]|(?<![A-Za-z])[A-Z]{3})\s*$")


def _build(year: int | None, month: int, day: int, sent: date | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        if sent is None:
            return None
        candidate = date(sent.year, month, day)
        return candidate if candidate <= sent else date(sent.year - 1, month, day)
    except ValueError:
        return None


def find_dates(text: str, *, sent: date | None = None, month_first: bool = False) -> list[FoundDate]:
    """Dates in `text`; `month_first` reads 10/02/2026 as October 2nd (en-US habit)."""
    folded = fold(text)
    if len(folded) != len(text):  # "ß" folds to "ss": fold char by char, keeping the offsets
        folded = "".join(f if len(f := fold(c)) == 1 else c for c in text)
    names = month_names()
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _patterns():
        for m in pattern.finditer(folded):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            groups = m.groupdict()
            year = int(groups["y"]) if groups.get("y") else None
            if "mn" in groups and groups.get("mn"):
                month, day = names[groups["mn"].rstrip(".")], int(groups["d"])
            elif "a" in groups and groups.get("a"):
                if len(groups["y"]) == 2 and groups["sep"] == "-":
                    continue  # "08-10-26" is as likely a phone number as a date
                year = year + 2000 if year < 100 else year
                a, b = int(groups["a"]), int(groups["b"])
                month, day = (a, b) if month_first and groups["sep"] != "." else (b, a)
                if month > 12 >= day:  # 13/10/2026 can only be day first, whatever the habit
                    month, day = day, month
            elif groups.get("dm"):
                if _CURRENCY_BEFORE.search(text, max(0, m.start() - 5), m.start()):
                    continue  # "EUR 3.11." is money
                month, day = int(groups["dm"]), int(groups["d"])
            else:
                month, day = int(groups["m"]), int(groups["d"])
            value = _build(year, month, day, sent)
            if value is not None:
                found.append(FoundDate(value, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)
