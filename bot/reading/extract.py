"""A message's text -> the allocation instructions in it, each with the spans it came from.

The text is cut into units (lines, sentences within lines, and the pairs of a sentence that
names several payments each with its own invoices). Each unit is read for payment ids,
invoice numbers, amounts and dates. Units are grouped into one instruction per payment id
named (or one instruction when at most one is named). Within a unit, an amount written right
after an invoice ("G074900809 – 35075.71 GBP") or before the payment ("3 889,84 kr of payment
PY…") is what goes on that invoice; an amount written after the word payment ("our payment
of 41.849,86 EUR") is the payment's own amount, and so is any amount that fits no single
invoice: it is checked, never dropped. Questions are no instructions unless they ask us to
allocate ("Could you apply …?"); a date counts as the payment's only outside invoice rows.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.model import Amount, Instruction, InvoiceLine, Request, Span
from bot.reading.amount_lines import amounts_on_invoices
from bot.reading.amounts import find_amounts
from bot.reading.dates import find_dates, starts_with_month
from bot.reading.identifiers import FoundId, find_bare_invoice_numbers, find_ids, letter_prefix
from bot.reading.phrases import is_negated, is_polite_request, pair_cuts
from bot.reading.stance import hedge, is_about_allocation, is_status_question, withdrawn
from bot.reading.words import PAYMENT_WORDS, UNALLOCATED_WORDS, paid_regex, word_regex

_ABBREVIATIONS = {"ref", "réf", "nr", "no", "núm", "vgl", "ca", "inkl", "exkl", "bzw", "dvs", "etc", "tel", "id", "st"}


# Reply and forward prefixes in the languages allocbot reads ("Re:", "AW:", "SV:", "Fwd:", "返信:").
REPLY_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)*(?:re|aw|sv|vs|antw|ant|odp|r|ref|rif|res|fw|fwd|wg|tr|rv|vb|vl|enc|doorst|回复|答复|返信|転送)\s*(?:\[\d+\])?\s*[:：]",
    re.IGNORECASE,
)


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
    withdrawn: list[FoundId] = field(default_factory=list)  # named in a clause that says not to allocate
    withdrawn_payments: list[FoundId] = field(default_factory=list)
    negation: tuple[int, int] | None = None

    @property
    def is_question(self) -> bool:
        return self.text.rstrip().endswith(("?", "？"))

    def span(self, start: int, end: int) -> Span:
        return Span(self.start + start, self.start + end, self.text[start:end])


def _sentences(line: str) -> list[tuple[int, str]]:
    """Split a line into sentences, not at abbreviations like "ref." or "Nr.", nor after the day of
    a date ("am 11. Dezember", "den 2. December"); Japanese ones end at 。."""
    pieces, start = [], 0
    for m in re.finditer(r"[.!?](?=\s+[A-ZÀ-ÝÅÄÖ])|。|[!?](?=[\u3000-\u9fff])", line):
        # Only the word right before the stop matters; looking further back made a line of
        # "A. A. A. …" (every stop skipped) quadratic.
        word = re.search(r"(\w+)$", line[max(start, m.start() - 40) : m.start()]) if m.group() in ".!?" else None
        if word and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        if word and word.group(1).isdigit() and len(word.group(1)) <= 2 and starts_with_month(line, m.end()):
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
    inv_prefix = letter_prefix(invoice_pattern)
    pay_prefix = letter_prefix(payment_pattern)
    payments = find_ids(text, pattern=payment_pattern, prefix=pay_prefix)
    invoices = find_ids(text, pattern=invoice_pattern, prefix=inv_prefix)
    parts, unit.negation = withdrawn(text, [(f.start, f.end) for f in invoices])
    unit.withdrawn, unit.withdrawn_payments = [], []
    for found in payments:
        inside = any(a <= found.start < b for a, b in parts)
        (unit.withdrawn_payments if inside else unit.payments if found.valid else unit.malformed_payments).append(found)
    for found in invoices:
        if any(a <= found.start < b for a, b in parts):
            unit.withdrawn.append(found)
        elif not is_negated(text, found.start, found.end):
            (unit.invoices if found.valid else unit.malformed_invoices).append(found)
    taken = [(f.start, f.end) for f in payments + invoices]
    bare = [b for b in find_bare_invoice_numbers(_mask(text, taken)) if len(b.value) >= 6]
    unit.malformed_invoices.extend(bare)
    found_dates = find_dates(text, sent=sent, month_first=month_first)
    unit.dates = [d.value for d in found_dates]
    masked = _mask(text, taken + parts + [(d.start, d.end) for d in found_dates] + [(b.start, b.end) for b in bare])
    unit.amounts = [
        Amount(a.value, a.currency, unit.span(a.start, a.end), a.symbol) for a in find_amounts(masked) if a.value > 0
    ]
    marks = [m.start() for m in word_regex(PAYMENT_WORDS + UNALLOCATED_WORDS).finditer(text)]
    marks += [m.end() - len(m.group().split()[-1]) for m in paid_regex().finditer(text)]  # at "betaald"
    marks += [f.start for f in unit.payments + unit.withdrawn_payments]
    unit.payment_word_at = min(marks) if marks else None


def _split_pairs(unit: Unit, options: dict) -> list[Unit]:
    cuts = pair_cuts(unit.text, unit.payments, unit.invoices)
    if not cuts:
        return [unit]
    bounds = [0, *cuts, len(unit.text)]
    parts = [Unit(unit.start + a, unit.text[a:b], unit.in_subject) for a, b in zip(bounds, bounds[1:])]
    for part in parts:
        _read_unit(part, **options)
    return parts


def _units(subject: str, body_lines: list[str]) -> tuple[str, list[Unit]]:
    units, offset, lines = [], 0, [subject] + body_lines
    for index, line in enumerate(lines):
        for start, sentence in _sentences(line):
            units.append(Unit(offset + start, sentence, in_subject=index == 0))
        offset += len(line) + 1
    return "\n".join(lines), units


def _instruction(units: list[Unit], text: str) -> Instruction | None:
    lines: dict[str, InvoiceLine] = {}
    payment_amounts: list[Amount] = []
    payment_ids: list[str] = []
    for unit in units:
        per_invoice, payment = amounts_on_invoices(unit.text, unit.start, unit.amounts, unit.invoices,
                                                   pay_at=unit.payment_word_at, payments=unit.payments)
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
    # A date on an invoice's own line (a remittance row) is the invoice's date, not the payment's.
    dates = [d for u in units if u.payment_word_at is not None or not u.invoices for d in u.dates]
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
    """The instructions in a message; the subject counts only for what the body lacks, and
    never in a reply or forward, whose subject repeats an earlier (perhaps applied) request."""
    body_lines = [unicodedata.normalize("NFKC", line) for line in body.split("\n") + extra_lines]
    text, units = _units(unicodedata.normalize("NFKC", subject), body_lines)
    options = {"invoice_pattern": invoice_pattern, "payment_pattern": payment_pattern, "sent": sent, "month_first": month_first}
    for unit in units:
        _read_unit(unit, **options)
    units = [part for unit in units for part in _split_pairs(unit, options)]
    body_units = [u for u in units if not u.in_subject]
    subject_units = [u for u in units if u.in_subject]
    for u in subject_units:
        if any(b.invoices for b in body_units):
            u.invoices = []
        if any(b.payments for b in body_units):
            u.payments = []
        u.amounts, u.malformed_invoices, u.malformed_payments = [], [], []
    questions = [u for u in body_units if u.is_question and not is_polite_request(u.text)]
    asked = [u for u in body_units if not any(u is q for q in questions)]
    subject_counts = not REPLY_PREFIX.match(subject) and any(u.invoices or u.payments for u in subject_units)
    candidates = (subject_units if subject_counts else []) + asked
    if not any(u.payments for u in candidates):  # "Don't put PY1 on G1, put it on G2": still PY1
        for u in candidates:
            u.payments, u.withdrawn_payments = u.payments + u.withdrawn_payments, []
    instructions = tuple(i for i in (_instruction(g, text) for g in _groups(candidates)) if i is not None)
    questions = [u for u in questions if u.invoices or u.payments]
    hedges = _hedges((subject_units if subject_counts else []) + body_units, questions, instructions)
    withdrawn_ids = [u.span(f.start, f.end) for u in candidates for f in u.withdrawn]
    if questions and not any(i.lines for i in instructions):
        instructions = ()  # "Is G… paid? We sent PY… last week": context for a question, not an instruction
    elif withdrawn_ids and not any(i.lines for i in instructions):
        instructions = ()  # "Do not allocate PY… to G…": nothing is asked
        hedges += tuple(u.span(*u.negation) for u in candidates if u.negation)
    return Request(
        text=text,
        instructions=instructions,
        malformed_invoices=tuple(u.span(f.start, f.end) for u in asked for f in u.malformed_invoices),
        malformed_payments=tuple(u.span(f.start, f.end) for u in asked for f in u.malformed_payments),
        is_question=bool(questions) and not instructions and not hedges,
        hedges=hedges,
        withdrawn=tuple(withdrawn_ids),
    )


def _hedges(units: list[Unit], questions: list[Unit], instructions: tuple[Instruction, ...]) -> tuple[Span, ...]:
    """Where the writer puts off, conditions or doubts the allocation, and any question naming
    an id beside an instruction ("Apply PY… to G1. Or was it G2?") that is not one asking to be
    told something ("Can you also confirm that PY2 is on G2?"): each holds the request."""
    spans = []
    for unit in units:
        ids = unit.payments or unit.invoices or unit.withdrawn or unit.withdrawn_payments or unit.malformed_invoices
        about = bool(ids) or unit.payment_word_at is not None or is_about_allocation(unit.text)
        if found := hedge(unit.text, about_allocation=about):
            spans.append(unit.span(*found))
    if any(i.lines for i in instructions):
        spans += [q.span(0, len(q.text)) for q in questions if not is_status_question(q.text)]
    return tuple(spans)
