"""Which amount in a sentence goes on which invoice, and which is the payment's own.

"G1 – 500,00 EUR" and "G1 (500,00 EUR)" put the amount on the invoice before it; "6 000,00 EUR
to G1 and 4 000,00 EUR to G2", "6 000,00 Kč k faktuře G1 a 4 000,00 Kč k faktuře G2" and
"6.000,00 TL'yi G1 faturasına, 4.000,00 TL'yi G2 faturasına" put each amount on the invoice
written right after it, when amounts and invoices alternate to the end of the sentence. An
amount written after the word payment ("our payment of 41.849,86 EUR") is the payment's own,
and so is any amount that fits no single invoice: it is checked, never dropped.

A part of the payment goes on the first invoice named after it: an amount written right before
"of payment PY…" ("500,00 EUR of payment PY… to G1 and the rest to G2"), or after the payment
named as the source ("From payment PY…, please allocate 500 EUR to G1", "Van betaling PY… graag
€ 500 afletteren op G1") unless it stands right by the payment as its own ("Van de betaling van
€ 1.000 graag € 600 op G1": 1.000 is the payment's, 600 G1's). In prose an invoice may take its
amount after a preposition ("la facture G1 pour 500 €", "la factura G1 por 500 €").
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

from bot.model import Amount
from bot.reading.words import (AMOUNT_OF_WORDS, INVOICE_AMOUNT_LINKS, PART_OF_WORDS, PAYMENT_WORDS, SOURCE_WORDS,
                                word_regex)

# Between an invoice number and the amount that goes on it: "G1 – 500,00 EUR", "G1 (500,00 EUR)",
# "請求書G1に￥500,000" (Japanese: "on G1, ¥500,000").
_ADJACENT = re.compile(r"[\s:=(–—-]*|\s*[にへ]\s*")
# Between an amount and the invoice it goes on: " to ", " k faktuře ", "'yi ", "分配到发票", never a stop.
_LINK = re.compile(r"[^.!?。！？\n]{0,40}")


class Found(Protocol):
    start: int
    end: int
    value: str


def _either(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    article = r"(?:\s+[^\W\d_]{1,8}){0,2}"  # "of our", "von der", "sur le", "av vår"
    flags = re.IGNORECASE
    return {
        "part_of": re.compile(rf"\s*(?:{_either(PART_OF_WORDS)}){article}\s+$", flags),
        "source": re.compile(rf"(?<![^\W\d_])(?:{_either(SOURCE_WORDS)}){article}\s+$", flags),
        # "PY…, no valor de 3.400,00 €" is the payment's own amount; "PY…, 6 000 and 4 000 go to …" is not
        "own": re.compile(rf"[\s(:–—-]*(?:,?\s*(?:{_either(AMOUNT_OF_WORDS)})\s*)?", flags),
        "after_invoice": re.compile(rf"{_ADJACENT.pattern}|\s+(?:{_either(INVOICE_AMOUNT_LINKS)})\s+", flags),
        "id_after_word": re.compile(r"[\s:#-]*(?:nr\.?|no\.?|n°)?\s*"),
    }


def _mentions(text: str, payments: list[Found]) -> list[tuple[int, int]]:
    """Where the payment is named: its word with the id written after it ("betaling PY…"), or the id."""
    found = []
    ids = sorted(payments, key=lambda f: f.start)
    for m in word_regex(PAYMENT_WORDS).finditer(text):
        end = m.end() + len(re.match(r"[^\W\d_]*", text[m.end():]).group())  # the whole word
        gap = _patterns()["id_after_word"]
        follows = next((f for f in ids if f.start >= end and gap.fullmatch(text, end, f.start)), None)
        found.append((m.start(), follows.end if follows else end))
    found += [(f.start, f.end) for f in ids if not any(s <= f.start < e for s, e in found)]
    return sorted(found)


def _parts(text: str, start: int, amounts: list[Amount], invoices: list[Found],
           payments: list[Found]) -> dict[str, Amount]:
    """The amounts written as a part of the payment, each on the first invoice named after it."""
    p = _patterns()
    mentions = _mentions(text, payments)
    sources = [end for s, end in mentions if p["source"].search(text, 0, s)]
    parts: dict[str, Amount] = {}
    # after the source, only a lone amount is told apart ("From PY…, 6 000 and 4 000 go to G1 and G2" is not)
    after_source = [a for a in amounts if any(src <= a.span.start - start and not p["own"].fullmatch(
        text, src, a.span.start - start) for src in sources)]
    for amount in amounts:
        end = amount.span.end - start
        before = any(s >= end and p["part_of"].fullmatch(text, end, s) for s, _ in mentions)
        after = len(after_source) == 1 and after_source[0] is amount
        target = next((i for i in sorted(invoices, key=lambda i: i.start) if i.start >= end), None)
        between = [a for a in amounts if end <= a.span.start - start < (target.start if target else 0)]
        if (before or after) and target is not None and not between and target.value not in parts:
            parts[target.value] = amount
    return parts


def _amount_first(text: str, start: int, amounts: list[Amount], invoices: list[Found]) -> dict[str, Amount] | None:
    """Each of several invoices with the amount written right before it, when the sentence ends
    in amount, invoice, amount, invoice …; the amounts before that run are the payment's."""
    if len(invoices) < 2:
        return None
    items = sorted([(a.span.start - start, "A", a) for a in amounts] + [(i.start, "I", i) for i in invoices],
                   key=lambda item: item[0])
    kinds = "".join(kind for _, kind, _ in items)
    run = re.search(r"(?:AI)+$", kinds)
    if run is None or (len(kinds) - run.start()) // 2 != len(invoices):
        return None
    pairs = items[run.start():]
    for (_, _, invoice), (_, _, amount) in zip(pairs[1::2], pairs[2::2]):
        if _ADJACENT.fullmatch(text, invoice.end, amount.span.start - start):
            return None  # "covers G1 (€600.00) and G2": the amount after G1 is G1's
    lines = {}
    for (_, _, amount), (_, _, invoice) in zip(pairs[::2], pairs[1::2]):
        if invoice.value in lines or not _LINK.fullmatch(text, amount.span.end - start, invoice.start):
            return None
        lines[invoice.value] = amount
    return lines


def amounts_on_invoices(text: str, start: int, amounts: list[Amount], invoices: list[Found], *,
                        pay_at: int | None, payments: list[Found] = ()) -> tuple[dict[str, Amount], list[Amount]]:
    """A sentence's amounts split into per-invoice amounts and the payment's own amount(s).
    `start` is where the sentence starts in the request text (amount spans count from there);
    `payments` are the payment ids named in it."""
    if (lines := _amount_first(text, start, amounts, invoices)) is not None:
        return lines, [a for a in amounts if all(a is not b for b in lines.values())]
    per_invoice = _parts(text, start, amounts, invoices, list(payments))
    payment: list[Amount] = []
    for amount in (a for a in amounts if all(a is not b for b in per_invoice.values())):
        position = amount.span.start - start
        before = [i for i in invoices if i.end <= position]
        free = bool(before) and before[-1].value not in per_invoice
        # "G1 and G2: 1 000,00 EUR" is a total, not G2's amount: every earlier invoice has its own.
        listed = all(i.value in per_invoice for i in before[:-1])
        if free and listed and _patterns()["after_invoice"].fullmatch(text[before[-1].end : position]):
            per_invoice[before[-1].value] = amount
        elif pay_at is not None and position > pay_at:
            payment.append(amount)
        elif len(invoices) == 1 and not per_invoice:
            per_invoice[invoices[0].value] = amount
        elif len(invoices) > 1 and len(amounts) == len(invoices) and free:
            per_invoice[before[-1].value] = amount
        elif invoices or pay_at is not None:
            payment.append(amount)
    return per_invoice, payment
