"""A message's text -> the allocation instructions in it, each with the spans it came from.

The text is cut into units (lines, and sentences within lines). Each unit is read for
payment ids, invoice numbers, amounts and dates. Units are grouped into one instruction per
payment id named (or one instruction when at most one is named). Within a unit, an amount
written before the payment ("3 889,84 kr of payment PY…") or on an invoice's own line
("G074900809 – 35075.71 GBP") is what goes on that invoice; an amount written after the
word payment ("our payment of 41.849,86 EUR") is the payment's own amount.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from bot.model import Amount, Instruction, InvoiceLine, Request, Span
from bot.reading.amounts import find_amounts
from bot.reading.dates import find_dates
from bot.reading.identifiers import FoundId, find_bare_invoice_numbers, find_ids
from bot.reading.words import PAYMENT_WORDS, UNALLOCATED_WORDS

_ABBREVIATIONS = {"ref", "réf", "nr", "no", "núm", "vgl", "ca", "inkl", "exkl", "bzw", "dvs", "etc", "tel", "id", "st"}


@dataclass
class Unit:
    """A sentence or line of the request text, and what was read in it."""

    start: int
    text: str
    in_subject: bool = False
    payments: list[FoundId] = field(default_factory=list)
    invoices: list[FoundId] = field(default_factory=list)
    malformed_invoices: list[FoundId] = field(default_factory=list)
    malformed_payments: list[FoundId] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    payment_word_at: int | None = None

    @property
    def is_question(self) -> bool:
        return self.text.rstrip().endswith(("?", "？"))

    def span(self, start: int, end: int) -> Span:
        return Span(self.start + start, self.start + end, self.text[start:end])


@lru_cache(maxsize=1)
def _word_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives})", re.IGNORECASE)


def _sentences(line: str) -> list[tuple[int, str]]:
    """Split a line into sentences, not at abbreviations like "ref." or "Nr."."""
    pieces, start = [], 0
    for m in re.finditer(r"[.!?](?=\s+[A-ZÀ-ÝÅÄÖ])", line):
        word = re.search(r"(\w+)$", line[start : m.start()])
        if word and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        pieces.append((start, line[start : m.end()]))
        start = m.end()
    pieces.append((start, line[start:]))
    return [(s, t) for s, t in pieces if t.strip()]


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _read_unit(unit: Unit, *, invoice_pattern: str, payment_pattern: str, sent: date | None, month_first: bool) -> None:
    text = unit.text
    inv_prefix = re.match(r"^[A-Za-z]*", invoice_pattern).group(0)
    pay_prefix = re.match(r"^[A-Za-z]*", payment_pattern).group(0)
    for found in find_ids(text, pattern=payment_pattern, prefix=pay_prefix):
        (unit.payments if found.valid else unit.malformed_payments).append(found)
    for found in find_ids(text, pattern=invoice_pattern, prefix=inv_prefix):
        (unit.invoices if found.valid else unit.malformed_invoices).append(found)
    taken = [(f.start, f.end) for f in unit.payments + unit.invoices + unit.malformed_invoices + unit.malformed_payments]
    bare = [b for b in find_bare_invoice_numbers(_mask(text, taken)) if len(b.value) >= 6]
    unit.malformed_invoices.extend(bare)
    found_dates = find_dates(text, sent=sent, month_first=month_first)
    unit.dates = [d.value for d in found_dates]
    masked = _mask(text, taken + [(d.start, d.end) for d in found_dates] + [(b.start, b.end) for b in bare])
    unit.amounts = [
        Amount(a.value, a.currency, unit.span(a.start, a.end), a.symbol) for a in find_amounts(masked) if a.value > 0
    ]
    marks = [m.start() for m in _word_regex(PAYMENT_WORDS + UNALLOCATED_WORDS).finditer(text)]
    marks += [f.start for f in unit.payments]
    unit.payment_word_at = min(marks) if marks else None


def _units(subject: str, body_lines: list[str]) -> tuple[str, list[Unit]]:
    units, offset, lines = [], 0, [subject] + body_lines
    for index, line in enumerate(lines):
        for start, sentence in _sentences(line):
            units.append(Unit(offset + start, sentence, in_subject=index == 0))
        offset += len(line) + 1
    return "\n".join(lines), units


def _amounts_on_invoices(unit: Unit) -> tuple[dict[str, Amount], list[Amount]]:
    """Split a unit's amounts into per-invoice amounts and the payment's own amount(s)."""
    per_invoice: dict[str, Amount] = {}
    payment: list[Amount] = []
    pay_at = unit.payment_word_at
    invoices = unit.invoices
    for amount in unit.amounts:
        position = amount.span.start - unit.start
        if pay_at is not None and position > pay_at:
            payment.append(amount)
        elif len(invoices) == 1:
            per_invoice.setdefault(invoices[0].value, amount)
        elif len(invoices) > 1 and len(unit.amounts) == len(invoices):
            before = [i for i in invoices if i.start < position]
            if before:
                per_invoice.setdefault(before[-1].value, amount)
        elif not invoices and pay_at is not None:
            payment.append(amount)
    return per_invoice, payment


def _instruction(units: list[Unit], text: str) -> Instruction | None:
    lines: dict[str, InvoiceLine] = {}
    payment_amounts: list[Amount] = []
    payment_ids: list[str] = []
    for unit in units:
        per_invoice, payment = _amounts_on_invoices(unit)
        payment_amounts.extend(payment)
        for inv in unit.invoices:
            if inv.value not in lines or (lines[inv.value].amount is None and inv.value in per_invoice):
                lines[inv.value] = InvoiceLine(inv.value, unit.span(inv.start, inv.end), per_invoice.get(inv.value))
        payment_ids.extend(p.value for p in unit.payments if p.value not in payment_ids)
    mentions_payment = any(u.payment_word_at is not None for u in units)
    if not lines and not payment_ids:
        return None
    if not (payment_ids or payment_amounts or mentions_payment):
        return None
    dates = [d for u in units for d in u.dates]
    start, end = units[0].start, units[-1].start + len(units[-1].text)
    return Instruction(
        lines=tuple(lines.values()),
        text="\n".join(u.text for u in units),
        span=Span(start, end, text[start:end]),
        payment_ids=tuple(payment_ids),
        payment_amount=payment_amounts[0] if payment_amounts else None,
        paid_on=dates[0] if dates else None,
        mentions_payment=mentions_payment,
    )


def _groups(units: list[Unit]) -> list[list[Unit]]:
    """One group per payment id named; units before the first id join the first group."""
    distinct = {p.value for u in units for p in u.payments}
    if len(distinct) <= 1:
        return [units] if units else []
    groups: list[list[Unit]] = []
    leading: list[Unit] = []
    for unit in units:
        if unit.payments:
            groups.append(leading + [unit])
            leading = []
        elif groups:
            groups[-1].append(unit)
        else:
            leading.append(unit)
    return groups


def read_request(
    *,
    subject: str,
    body: str,
    extra_lines: list[str],
    invoice_pattern: str,
    payment_pattern: str,
    sent: date | None = None,
    month_first: bool = False,
) -> Request:
    """The instructions in a message; the subject counts only for what the body lacks."""
    body_lines = [unicodedata.normalize("NFKC", line) for line in body.split("\n") + extra_lines]
    text, units = _units(unicodedata.normalize("NFKC", subject), body_lines)
    for unit in units:
        _read_unit(unit, invoice_pattern=invoice_pattern, payment_pattern=payment_pattern, sent=sent, month_first=month_first)
    body_units = [u for u in units if not u.in_subject]
    subject_units = [u for u in units if u.in_subject]
    for u in subject_units:
        if any(b.invoices for b in body_units):
            u.invoices = []
        if any(b.payments for b in body_units):
            u.payments = []
        u.amounts, u.malformed_invoices, u.malformed_payments = [], [], []
    asked = [u for u in body_units if not u.is_question]
    candidates = (subject_units if any(u.invoices or u.payments for u in subject_units) else []) + asked
    instructions = tuple(i for i in (_instruction(g, text) for g in _groups(candidates)) if i is not None)
    questions = [u for u in body_units if u.is_question and (u.invoices or u.payments)]
    return Request(
        text=text,
        instructions=instructions,
        malformed_invoices=tuple(u.span(f.start, f.end) for u in asked for f in u.malformed_invoices),
        malformed_payments=tuple(u.span(f.start, f.end) for u in asked for f in u.malformed_payments),
        is_question=bool(questions) and not instructions,
    )
