"""Which amount in a sentence goes on which invoice, and which is the payment's own.

"G1 – 500,00 EUR" and "G1 (500,00 EUR)" put the amount on the invoice before it; "6 000,00 EUR
to G1 and 4 000,00 EUR to G2", "6 000,00 Kč k faktuře G1 a 4 000,00 Kč k faktuře G2" and
"6.000,00 TL'yi G1 faturasına, 4.000,00 TL'yi G2 faturasına" put each amount on the invoice
written right after it, when amounts and invoices alternate to the end of the sentence. An
amount written after the word payment ("our payment of 41.849,86 EUR") is the payment's own,
and so is any amount that fits no single invoice: it is checked, never dropped.
"""
from __future__ import annotations

import re
from typing import Protocol

from bot.model import Amount

# Between an invoice number and the amount that goes on it: "G1 – 500,00 EUR", "G1 (500,00 EUR)",
# "請求書G1に￥500,000" (Japanese: "on G1, ¥500,000").
_ADJACENT = re.compile(r"[\s:=(–—-]*|\s*[にへ]\s*")
# Between an amount and the invoice it goes on: " to ", " k faktuře ", "'yi ", "分配到发票", never a stop.
_LINK = re.compile(r"[^.!?。！？\n]{0,40}")


class Found(Protocol):
    start: int
    end: int
    value: str


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
                        pay_at: int | None) -> tuple[dict[str, Amount], list[Amount]]:
    """A sentence's amounts split into per-invoice amounts and the payment's own amount(s).
    `start` is where the sentence starts in the request text (amount spans count from there)."""
    if (lines := _amount_first(text, start, amounts, invoices)) is not None:
        return lines, [a for a in amounts if all(a is not b for b in lines.values())]
    per_invoice: dict[str, Amount] = {}
    payment: list[Amount] = []
    for amount in amounts:
        position = amount.span.start - start
        before = [i for i in invoices if i.end <= position]
        free = bool(before) and before[-1].value not in per_invoice
        # "G1 and G2: 1 000,00 EUR" is a total, not G2's amount: every earlier invoice has its own.
        listed = all(i.value in per_invoice for i in before[:-1])
        if free and listed and _ADJACENT.fullmatch(text[before[-1].end : position]):
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
