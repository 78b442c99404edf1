"""Invoice numbers and payment ids, however they were typed.

`G 023 559 800`, `g-023559800`, `G０２３５５９８００` and `GO23559800` are all G023559800: the
configured prefix, then digits with spaces, hyphens or dots between them, an O typed for a
zero, any case. A token with the prefix whose digits do not fit the configured pattern (a
digit missing), or a bare number right after the word "invoice", is kept as *malformed*,
so the partner can be asked instead of the bot guessing.

A pattern may join several id formats with `|` at its top level (`PY\\d{8}|BK\\d{8}`: the billing
system's payments and the ones allocbot imported from bank statements): each format is found
by its own prefix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

INVOICE_WORDS = (
    "invoice", "invoices", "inv", "faktura", "fakturan", "fakturorna", "fakturaen", "fakturaer", "rechnung",
    "rechnungen", "rechnungsnummer", "facture", "factures", "factura", "facturas", "fattura", "fatture",
    "fatura", "faturas", "factuur", "facturen", "faktury", "fakturę", "fakturze", "請求書",
)


def letter_prefix(pattern: str) -> str:
    """The literal letters an identifier pattern starts with ("G" of `G\\d{9}`)."""
    return re.match(r"^[A-Za-z]*", pattern).group(0)


@dataclass(frozen=True)
class FoundId:
    value: str  # canonical form (prefix upper-case, digits only) — what the ledger is keyed by
    start: int
    end: int
    valid: bool


@lru_cache(maxsize=16)
def _loose(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![A-Za-z0-9])(?P<prefix>{re.escape(prefix)})[ \-–_.#:]{{0,2}}"
        r"(?P<body>[0-9Oo](?:[ \-.]?[0-9Oo])*)(?![A-Za-z0-9])",
        re.IGNORECASE,
    )


def _canonical(prefix: str, body: str) -> str:
    return prefix.upper() + re.sub(r"[ \-.]", "", body).replace("O", "0").replace("o", "0")


def id_formats(pattern: str) -> tuple[str, ...]:
    """The formats a pattern joins with `|` outside any group or class (itself when one)."""
    formats, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            formats.append(pattern[start:i])
            start = i + 1
        i += 1
    return (*formats, pattern[start:])


def find_ids(text: str, *, pattern: str, prefix: str | None = None) -> list[FoundId]:
    """Identifiers in any of the pattern's formats, canonicalised, in text order; `valid` when
    they fullmatch their format. `prefix` overrides the letters of a one-format pattern."""
    formats = id_formats(pattern)
    if len(formats) == 1:
        return _find_format(text, pattern=pattern, prefix=prefix or letter_prefix(pattern))
    found = [f for fmt in formats for f in _find_format(text, pattern=fmt, prefix=letter_prefix(fmt))]
    return sorted(found, key=lambda f: (f.start, -f.end))


def _find_format(text: str, *, pattern: str, prefix: str) -> list[FoundId]:
    compiled = re.compile(pattern)
    found = []
    for m in _loose(prefix).finditer(text):
        body = m.group("body")
        if not re.search(r"\d", body):
            continue
        # Trailing space-separated groups may be a following number: drop them until it fits.
        chunks = re.split(r"(?<=[0-9Oo]) (?=[0-9Oo])", body)
        for keep in range(len(chunks), 0, -1):
            candidate = " ".join(chunks[:keep])
            value = _canonical(prefix, candidate)
            if compiled.fullmatch(value):
                end = m.start("body") + len(candidate)
                found.append(FoundId(value, m.start(), end, True))
                break
        else:
            digits = re.sub(r"\D", "", _canonical("", body))
            if 5 <= len(digits) <= 14:
                found.append(FoundId(_canonical(prefix, body), m.start(), m.end(), False))
    return found


@lru_cache(maxsize=1)
def _bare_after_word() -> re.Pattern[str]:
    words = "|".join(sorted(INVOICE_WORDS, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w])(?:{words})\s*(?:no\.?|nr\.?|n°|#|number|nummer|numéro|número|numero)?\s*:?\s*"
        r"(?P<num>\d(?:[ \-]?\d){4,13})(?![\w.,]\d|\w)",
        re.IGNORECASE,
    )


def find_bare_invoice_numbers(text: str) -> list[FoundId]:
    """Numbers written right after an invoice word without the prefix: never guessed."""
    return [
        FoundId(re.sub(r"\D", "", m.group("num")), m.start("num"), m.end("num"), False)
        for m in _bare_after_word().finditer(text)
    ]
