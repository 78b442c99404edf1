"""What a sentence does with the ids it names: asks politely, excludes one, or pairs several.

"Could you apply PY… to G…?" is a request although it ends in "?"; "to G1, not G2" names G2
to leave it alone; "PY1 to G1 and PY2 to G2" is two instructions in one sentence. Each is
read from words (words.py), so a new language is new words, not new code.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

from bot.reading.identifiers import INVOICE_WORDS
from bot.reading.words import (ALLOCATE_VERBS, NEGATIONS, NEGATIONS_AFTER, NEGATIONS_AFTER_WORD, REQUEST_OPENERS,
                                STATUS_WORDS, word_regex)


class Found(Protocol):
    start: int
    end: int


def _asks_at_the_end(opener: str) -> bool:
    """Japanese (kana) and Turkish ("… misiniz?") put the asking words after the verb."""
    return any("\u3040" <= ch <= "\u30ff" for ch in opener) or opener.lower() in ("misiniz", "mısınız")


def is_polite_request(text: str) -> bool:
    """A question that asks us to allocate ("Could you apply … ?"), not one about a state."""
    if word_regex(STATUS_WORDS).search(text):
        return False
    verbs = [m.start() for m in word_regex(ALLOCATE_VERBS).finditer(text)]
    for opener in word_regex(REQUEST_OPENERS).finditer(text):
        verb_first = _asks_at_the_end(opener.group())  # 充当していただけますか, atayabilir misiniz
        if any(v < opener.start() if verb_first else v > opener.start() for v in verbs):
            return True
    return False


@lru_cache(maxsize=1)
def _negated_before() -> re.Pattern[str]:
    negation = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(NEGATIONS, key=len, reverse=True))
    gap = "|".join(sorted(INVOICE_WORDS, key=len, reverse=True))
    # "not yet on G1", "noch nicht auf G1" say what has not happened yet: no exclusion.
    yet = r"(?P<yet>(?:still|noch|nog|ännu|fortfarande|endnu|enn|jeszcze|ainda|todavía|ancora|toujours)\s+)?"
    return re.compile(
        rf"(?<![^\W\d_]){yet}(?:{negation})(?!\s+(?:only|yet|encore|ancora|ainda|endnu|ännu)\b)"
        rf"(?:\s+(?:{gap}|[^\W\d_]{{1,3}})){{0,3}}[\s:#№-]*$",
        re.IGNORECASE,
    )


@lru_cache(maxsize=1)
def _negated_after() -> re.Pattern[str]:
    words = "|".join(NEGATIONS_AFTER_WORD)
    return re.compile(rf"\s*(?:[^\W\d_]+\s+){{0,2}}(?:{words})(?![^\W\d_])", re.IGNORECASE)


def is_negated(text: str, start: int, end: int) -> bool:
    """Whether the id at text[start:end] is named to be left alone ("… and not G2", "statt G2")."""
    before = _negated_before().search(text[max(0, start - 60) : start])
    after = text[end : end + 60]
    return bool(before and not before.group("yet")) or after.lstrip().startswith(NEGATIONS_AFTER) \
        or bool(_negated_after().match(after))


_CLAUSE_BREAK = re.compile(r"[,;、]|\s(?:and|und|och|og|et|y|e|en|i|oraz|sowie|samt|as well as)\s", re.IGNORECASE)


def pair_cuts(text: str, payments: list[Found], invoices: list[Found]) -> list[int]:
    """Where a sentence naming several payments, each with its own invoices ("payment A to
    G1, payment B to G2" or "G1 from payment A and G2 from payment B"), turns to its next pair:
    at the clause break between the pairs, else where the next pair's first id starts."""
    found = sorted([(f.start, "P", f) for f in payments] + [(f.start, "I", f) for f in invoices], key=lambda t: t[0])
    kinds = "".join(kind for _, kind, _ in found)
    if re.fullmatch(r"(?:PI+){2,}", kinds):
        turn, pick = ("I", "P"), -1  # the last break before the next payment: "… G1 (500 EUR), and PY2 …"
    elif re.fullmatch(r"(?:I+P){2,}", kinds):
        turn, pick = ("P", "I"), 0  # the first break after the payment: "… from PY1, G2 …"
    else:
        return []
    cuts = []
    for (_, before, prev), (_, kind, here) in zip(found, found[1:]):
        if (before, kind) == turn:
            breaks = [m.start() for m in _CLAUSE_BREAK.finditer(text, prev.end, here.start)]
            cuts.append(breaks[pick] if breaks else here.start)
    return cuts
