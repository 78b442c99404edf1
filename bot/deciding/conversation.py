"""A partner's answer read together with the request it answers. Pure: text and ids in, text out.

When the bot asked for information (`needs_info`) and the partner answers in the same thread,
the answer alone ("it's G012345678") is no request, and the earlier request alone is not
complete. `completed_text` makes one request of the two the way a clerk would: the ids the
bot could not place are replaced, in order, by the new valid ids the answer names (same
count, same kind); anything else the answer says is read after the earlier text. The result
is read and decided like any message, so every check of the matcher still applies; a
correction that does not fit leaves the request incomplete, and it is asked again or held.

`cancel_span` finds "please cancel" in an answer that asks for nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import Span
from bot.reading.identifiers import find_bare_invoice_numbers, find_ids, letter_prefix

CASE_REF = re.compile(r"\bALC-(\d{6,})\b", re.IGNORECASE)

# "cancel", in the languages partners write in; a negation just before it ("don't cancel",
# "nicht stornieren", "inte avbryta") keeps the request.
_CANCEL = re.compile(
    r"(?<!\w)(cancel(?:l?ed|l?ing|lation)?|withdraw(?:n)?|disregard|storn(?:o|ieren|iert)|zurückziehen|abbrechen|"
    r"annul(?:er|ez|ler|lée?|é)|annuleren|annuleer|intrekken|cancelar|cancele|anular|anule|avbryt(?:a)?|annullera|"
    r"makulera|stryk|återkalla)(?!\w)|キャンセル|取り消し|取消",
    re.IGNORECASE,
)
_NEGATED_AFTER = re.compile(r"^\s*(?:sie\s+)?(?:inte|ej|nicht|not|pas|niet|no)(?!\w)", re.IGNORECASE)
_NEGATION = re.compile(
    r"(?<!\w)(?:not?|don'?t|do not|never|nicht|kein|ne|pas|no|nunca|niet|geen|inte|ej|aldrig)(?!\w)[^.!?\n]{0,20}$",
    re.IGNORECASE,
)


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
    """Where the answer asks to cancel, near its start, or None (also when it negates it)."""
    for m in _CANCEL.finditer(text[:CANCEL_WITHIN]):
        if not _NEGATION.search(text[max(0, m.start() - 40):m.start()]) and not _NEGATED_AFTER.match(text[m.end():]):
            return Span(m.start(), m.end(), m.group(0))
    return None


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
                   known_invoices: frozenset[str], known_payments: frozenset[str]) -> Completion:
    """The earlier request (`earlier_text`: its subject line, then its body, as read) with the
    answer's corrections. `known_*`: the ids of the earlier text that the ledger has."""
    text, replaced = earlier_text, []
    for pattern, known, bare in ((invoice_pattern, known_invoices, True), (payment_pattern, known_payments, False)):
        unplaced = _unplaced(text, pattern, known, bare=bare)
        new = _new_valid(answer_body, earlier_text, pattern)
        if unplaced and len(new) == len(unplaced):
            edits = sorted(((start, end, value) for (old, spans), value in zip(unplaced.items(), new) for start, end in spans),
                           reverse=True)
            for start, end, value in edits:
                text = text[:start] + value + text[end:]
            replaced += list(zip(unplaced, new))
    subject, _, body = text.partition("\n")
    appended = not replaced and bool(answer_body.strip())
    if appended:
        body = f"{body}\n{answer_body}" if body else answer_body
    return Completion(subject, body, tuple(replaced), appended)
