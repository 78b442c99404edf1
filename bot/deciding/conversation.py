"""A partner's answer read together with the request it answers. Pure: text and ids in, text out.

When the bot asked for information (`needs_info`) and the partner answers in the same thread,
the answer alone ("it's G012345678") is no request, and the earlier request alone is not
complete. `completed_text` makes one request of the two only for a plain correction: the one
id the bot could not place, replaced by the one new id the answer names. The result is read
and decided like any message, so every check of the matcher still applies. Anything less
plain is never merged (see `completed_text`).

`cancel_span` finds "please cancel" in an answer that asks for nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import Span
from bot.reading.amounts import find_amounts
from bot.reading.identifiers import find_bare_invoice_numbers, find_ids, letter_prefix

CASE_REF = re.compile(r"\bALC-(\d{6,})\b", re.IGNORECASE)

# Asking to cancel, in the languages partners write in: an imperative or a request aimed at the
# request ("please cancel", "cancel this request", "bitte stornieren", "vänligen avbryt",
# "merci d'annuler", "por favor cancelar", "graag annuleren", "キャンセルして"), never a bare word:
# "that invoice was cancelled" is news, and a disclaimer's "please disregard this e-mail" is a footer.
_CANCEL = re.compile(
    r"\bplease\s+(?:cancel|withdraw)\b|\b(?:cancel|withdraw)\s+(?:this|the|my|our)\s+(?:allocation\s+)?request\b"
    r"|\bplease\s+disregard\s+(?:my|our)\s+(?:request|e-?mail|message|previous|last|earlier)\b|^\s*cancel\b"
    r"|\bbitte\s+(?:\w+\s+){0,3}?(?:stornieren|zurückziehen|abbrechen)\b|\bstornieren\s+sie\b"
    r"|\b(?:vänligen|var\s+snäll\s+och|kan\s+ni)\s+(?:\w+\s+){0,2}?(?:avbryt|annullera|makulera|återkalla)\w*|^\s*(?:avbryt|annullera|makulera)\b"
    r"|\bmerci\s+d'annuler\b|\bveuillez\s+annuler\b|\bannulez\b"
    r"|\bpor\s+favor,?\s+(?:cancel|anul)\w*|\b(?:cancele|anule)\b"
    r"|\b(?:graag|gelieve)\s+(?:\w+\s+){0,2}?annuleren\b|\bannuleer\b"
    r"|キャンセル(?:して|を|願|お願い)|取り?消(?:して|し願|しを)",
    re.IGNORECASE | re.MULTILINE,
)
_NEGATION = re.compile(
    r"(?<!\w)(?:not?|don'?t|do not|never|nicht|kein|ne|pas|nunca|niet|geen|inte|ej|aldrig)(?!\w)", re.IGNORECASE)
_NEGATED_AFTER = re.compile(r"^\s*(?:sie\s+)?(?:inte|ej|nicht|not|pas|niet|no)(?!\w)", re.IGNORECASE)
_FOOTER = re.compile(r"recipient|empfänger|mottagare|destinataire|destinatario|ontvanger|宛先", re.IGNORECASE)


@dataclass(frozen=True)
class Completion:
    """The earlier request completed by the answer: its subject and body, and what changed."""

    subject: str
    body: str
    replaced: tuple[tuple[str, str], ...]  # (what the earlier request said, what the answer says)
    appended: bool  # the answer's text was read after the earlier text


def case_refs(subject: str) -> tuple[int, ...]:
    """The inbound ids named by case references (ALC-000123) in a subject."""
    return tuple(int(m.group(1)) for m in CASE_REF.finditer(subject or ""))


CANCEL_WITHIN = 300  # characters: "cancel" further down is a disclaimer's "disregard this e-mail", not a request


def cancel_span(text: str) -> Span | None:
    """Where the answer asks to cancel, near its start, or None: also when it negates it, or
    when the sentence is a disclaimer's ("if you are not the intended recipient…")."""
    head = text[:CANCEL_WITHIN]
    for m in _CANCEL.finditer(head):
        sentence_start = max(head.rfind(".", 0, m.start()), head.rfind("\n", 0, m.start())) + 1
        sentence_end = min([i for i in (head.find(".", m.end()), head.find("\n", m.end())) if i >= 0] or [len(head)])
        before = head[max(sentence_start, m.start() - 40):m.end()]
        if _NEGATION.search(before) or _NEGATED_AFTER.match(head[m.end():]) or _FOOTER.search(head[sentence_start:sentence_end]):
            continue
        return Span(m.start(), m.end(), m.group(0))
    return None


def names_any_id(text: str, *, invoice_pattern: str, payment_pattern: str) -> bool:
    """Whether the text names an invoice or payment, valid or not: then it is no bare cancel."""
    return bool(_ids(text, invoice_pattern) or _ids(text, payment_pattern) or find_bare_invoice_numbers(text))


def _ids(text: str, pattern: str) -> list[tuple[int, int, str, bool]]:
    return [(f.start, f.end, f.value, f.valid) for f in find_ids(text, pattern=pattern, prefix=letter_prefix(pattern))]


def _unplaced(text: str, pattern: str, known: frozenset[str], *, bare: bool) -> dict[str, list[tuple[int, int]]]:
    """The ids in `text` the ledger does not know (or that were not valid), in the order they
    first appear, each with every place it is written (subject and body may both name it)."""
    found = [(s, e, v) for s, e, v, valid in _ids(text, pattern) if not valid or v not in known]
    if bare:
        found += [(f.start, f.end, f.value) for f in find_bare_invoice_numbers(text)]
    places: dict[str, list[tuple[int, int]]] = {}
    for start, end, value in sorted(set(found)):
        places.setdefault(value, []).append((start, end))
    return places


def _new_valid(answer: str, earlier: str, pattern: str) -> list[str]:
    seen = {v for _, _, v, _ in _ids(earlier, pattern)}
    return list(dict.fromkeys(v for _, _, v, valid in _ids(answer, pattern) if valid and v not in seen))


def completed_text(earlier_text: str, answer_body: str, *, invoice_pattern: str, payment_pattern: str,
                   known_invoices: frozenset[str], known_payments: frozenset[str]) -> Completion | None:
    """The earlier request (`earlier_text`: its subject line, then its body, as read) completed
    by the answer, or None when the answer is not a plain correction a clerk would apply
    without asking. `known_*`: the ids of the earlier text that the ledger has.

    A correction: the earlier request has exactly one id the ledger does not know (or that was
    malformed), and the answer names exactly one new valid id of the same kind, nothing else
    new (no other id, no malformed one, no amount) and no negation ("it is not G…"). Then the
    one id is replaced wherever it was written. When the earlier request has no unplaced id
    (it named no invoice, say), the answer's text is read after it, in full. Anything else,
    two typos, an amount, another payment, a "not", is for the partner to restate or for a
    person: the caller then decides the answer on its own and leaves the earlier item open."""
    if _NEGATION.search(answer_body):
        return None
    unplaced = {pattern: _unplaced(earlier_text, pattern, known, bare=pattern == invoice_pattern)
                for pattern, known in ((invoice_pattern, known_invoices), (payment_pattern, known_payments))}
    new = {pattern: _new_valid(answer_body, earlier_text, pattern) for pattern in unplaced}
    if any(not valid for pattern in unplaced for _, _, _, valid in _ids(answer_body, pattern)):
        return None  # a malformed id in the answer: ask again rather than guess
    subject, _, body = earlier_text.partition("\n")
    wrong = [(pattern, old, spans) for pattern, places in unplaced.items() for old, spans in places.items()]
    if not wrong:
        if any(new.values()) or answer_body.strip():
            body = f"{body}\n{answer_body}" if body else answer_body
            return Completion(subject, body, (), True)
        return None
    if len(wrong) != 1 or find_amounts(answer_body) or find_bare_invoice_numbers(answer_body):
        return None  # two typos, or an answer that says more than the one id: never merged
    pattern, old, spans = wrong[0]
    other = next(p for p in unplaced if p != pattern)
    if len(new[pattern]) != 1 or new[other]:
        return None
    text = earlier_text
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + new[pattern][0] + text[end:]
    subject, _, body = text.partition("\n")
    return Completion(subject, body, ((old, new[pattern][0]),), False)
