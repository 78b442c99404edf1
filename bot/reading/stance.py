"""What the writer says about their own instruction: withdrawn, or held back.

"Please do NOT allocate PY… to G…" names G… only to withdraw it, and "Don't apply it to G1,
apply it to G2 instead" asks for G2 alone: a clause that negates an allocation verb
withdraws the invoices it names, and so do the clauses after it until one turns ("but",
"instead", its own verb first, a statement of its own). So does a clause that denies an
invoice without a verb of allocating: a correction ("PY… is not for invoice G1, but for G2",
"…, ne G1", "不是G1"). A postponement ("not yet", "wait", "hold off"), a condition
("once we confirm", "unless", "if it has not been applied") or a doubt ("hmm, or was it G2?",
"let me double-check") means the mail does not ask for this allocation now: the whole request
is held for a person. Read from words (stance_words.py); where a rule is unsure it holds.
"""
from __future__ import annotations

import re
from functools import lru_cache

from bot.reading.identifiers import INVOICE_WORDS
from bot.reading.stance_words import (ALLOCATION_VERBS, ALREADY_WORDS, CONDITION_PATTERNS, CONDITION_WORDS,
                                      CONTRAST_WORDS, DOUBT_WORDS, IF_WORDS, NEGATED_VERB_PATTERNS,
                                      NEGATORS_AFTER_VERB, NEGATORS_BEFORE, NEGATORS_JA, NEGATORS_OF_A_NAMING,
                                      POSTPONE_WORDS, REMINDER_WORDS, YET_WORDS)
from bot.reading.words import STATUS_WORDS, UNALLOCATED_WORDS, word_regex

Range = tuple[int, int]

_START, _END = r"(?<![^\W\d_])", r"(?![^\W\d_])"
_TOKENS = r"(?:\s+\S+){{0,{n}}}?\s*"

# The stems of "allocate" itself, in every language: a sentence with one is about the allocation.
_ALLOCATION_STEMS = ("allocat", "appl", "assign", "koppla", "fördel", "alloker", "fordel", "zuordn", "zuweis",
                     "zugeordn", "verbuch", "affect", "imput", "asign", "aplic", "assegn", "abbin", "aloc",
                     "atribu", "toewij", "koppel", "toegewez", "afletter", "afgeletter", "gekoppel",
                     "verreken", "afboek", "afgeboek", "wegboek", "ingeboek", "verrechn", "przypis", "rozlicz", "přiřa", "zaúčt", "kohdist", "mahsup",
                     "eşleştir", "分配", "核销", "核銷", "充当", "消込", "割り当", "割当")


def _is_cjk(word: str) -> bool:
    return ord(word[0]) >= 0x2E80


def _alternatives(words: tuple[str, ...] | list[str]) -> str:
    escaped = (re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))
    # "别" is "don't", but not in "分别" (respectively), "特别", "区别", "个别"
    return "|".join(escaped).replace("别", "(?<![分特区區个個告类類级級识識辨差性])别") \
        .replace("別", "(?<![分特区區个個告类類级級识識辨差性])別") or "(?!)"


def _words(words: tuple[str, ...]) -> str:
    """Whole words (Latin) or anywhere (CJK), as one alternation."""
    latin = [w for w in words if not _is_cjk(w)]
    cjk = [w for w in words if _is_cjk(w)]
    glued = [w for w in latin if w[-1] in "'’"]  # "n'affectez": the negator is glued to the verb
    loose = [w for w in latin if w[-1] not in "'’"]
    parts = [rf"{_START}(?:{_alternatives(loose)}){_END}"]
    if glued:
        parts.append(rf"{_START}(?:{_alternatives(glued)})")
    if cjk:
        parts.append(rf"(?:{_alternatives(cjk)})")
    return "|".join(parts)


def _naming_negators() -> tuple[str, ...]:
    return tuple(w for w in NEGATORS_BEFORE if w != "mai") + NEGATORS_OF_A_NAMING  # "Mai" is also May


def _stems() -> str:
    latin = _alternatives([s for s in _ALLOCATION_STEMS if not _is_cjk(s)])
    return rf"{_START}(?:{latin})|{_alternatives([s for s in _ALLOCATION_STEMS if _is_cjk(s)])}"


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    verbs = _words(ALLOCATION_VERBS)
    cjk_verbs = _alternatives([w for w in ALLOCATION_VERBS if _is_cjk(w)])
    cjk_negators = _alternatives([w for w in NEGATORS_BEFORE if _is_cjk(w)])
    latin_negators = tuple(w for w in NEGATORS_BEFORE if not _is_cjk(w))
    flags = re.IGNORECASE
    return {
        "negator": re.compile(_words(latin_negators), flags),
        "verb_after": re.compile(rf"{_TOKENS.format(n=2)}(?:{verbs})", flags),
        "reminder": re.compile(rf"\s*(?:{_words(REMINDER_WORDS)})", flags),
        "verb_before": re.compile(rf"(?:{verbs}){_TOKENS.format(n=4)}(?:{_words(NEGATORS_AFTER_VERB)})", flags),
        "cjk": re.compile(rf"(?:{cjk_negators})[^。！？.!?]{{0,20}}?(?:{cjk_verbs})"
                          rf"|(?:{cjk_verbs})[^。！？.!?]{{0,8}}?(?:{_alternatives(NEGATORS_JA)})", flags),
        "state_after": re.compile(rf"\S*{_TOKENS.format(n=4)}(?P<word>(?:{_stems()})[^\W\d_]*)", flags),
        "yet_beside": re.compile(rf"\s+(?:{_words(YET_WORDS)})", flags),
        "yet_before": re.compile(rf"(?:{_words(YET_WORDS)})\s+$", flags),
        "word": re.compile(r"[^\W\d_]+"),
        "invoice_word": re.compile(rf"(?:{'|'.join(INVOICE_WORDS)})\w{{0,3}}", flags),
        "naming_negator": re.compile(_words(_naming_negators()), flags),
        # up to five words between a negator and the id it denies ("n'est pas pour la facture G1")
        "naming_gap": re.compile(r"(?:\s+[^\s\d]+){0,5}?[\s:#№-]*|[^\s\d。，,.;；!?！？]{0,12}", flags),
        "word_before": re.compile(r"[^\W\d_]\s*$"),
        "negated_verb": re.compile("|".join(rf"{_START}(?:{p}){_END}" for p in NEGATED_VERB_PATTERNS), flags),
        "any_negator": re.compile(rf"{_words(NEGATORS_BEFORE)}|{_alternatives(NEGATORS_JA)}"
                                  rf"|{'|'.join(NEGATED_VERB_PATTERNS)}", flags),
        "unallocated": word_regex(UNALLOCATED_WORDS),  # "nicht zugeordnete": at a word beginning
        "exclusion_gap": re.compile(rf"(?:\s+(?:{'|'.join(INVOICE_WORDS)}|[^\W\d_]{{1,3}})){{0,3}}[\s:#№-]*",
                                    flags),
        "contrast": re.compile(_words(CONTRAST_WORDS), flags),
        "verb": re.compile(verbs, flags),
        "doubt": re.compile(_words(DOUBT_WORDS), flags),
        "postpone": re.compile("|".join([_words(POSTPONE_WORDS), _words(CONDITION_WORDS), *CONDITION_PATTERNS]),
                               flags),
        "yet": re.compile(_words(YET_WORDS), flags),
        "if": re.compile(rf"(?:{_words(IF_WORDS)}){_TOKENS.format(n=6)}(?:{_words(ALREADY_WORDS)}"
                         rf"|{_words(NEGATORS_BEFORE)})", flags),
        "stem": re.compile(_stems(), flags),
        # "，" is "," after NFKC, often with no space after it in Chinese
        "clause": re.compile(rf"[,;:]\s|[,;:](?=[\u3000-\u9fff])|\s[–—-]\s|[，；：、]"
                             rf"|\s(?=(?:{_words(CONTRAST_WORDS)}))", flags),
    }


def _excludes_an_id(text: str, end: int, invoices: list[Range]) -> bool:
    """Whether the negator ending at `end` names an id to leave alone ("… and not G2", "nicht
    auf G2"): phrases.is_negated reads that one; it does not negate the verb."""
    gap = _patterns()["exclusion_gap"]
    return any(start >= end and gap.fullmatch(text, end, start) for start, _ in invoices)


def negation(clause: str, invoices: list[Range]) -> Range | None:
    """Where `clause` negates an allocation verb ("do not allocate", "Koppla inte", "nepřiřazujte",
    "atamayın", "不要分配", "充当しないで"), or None."""
    p = _patterns()
    for m in p["negator"].finditer(clause):
        if p["unallocated"].match(clause, m.start()) or _excludes_an_id(clause, m.end(), invoices):
            continue
        if p["reminder"].match(clause, m.end()):
            continue  # "don't forget to apply …" asks for it
        if after := p["verb_after"].match(clause, m.end()):
            return m.start(), after.end()
    for m in p["verb_before"].finditer(clause):
        last = clause.rfind(" ", m.start(), m.end()) + 1
        if not (p["unallocated"].match(clause, last) or _excludes_an_id(clause, m.end(), invoices)):
            return m.start(), m.end()
    found = [m for m in (*p["negated_verb"].finditer(clause), *p["cjk"].finditer(clause))
             if not p["unallocated"].match(clause, m.start())]  # "nepřiřazená platba": an unallocated payment
    return found[0].span() if found else None


def denial(clause: str, invoices: list[Range]) -> Range | None:
    """Where `clause` says an invoice is not the one, with or without a verb of allocating ("the
    payment is not for invoice G1", "skal ikke placeres på G1", "…, ne G2", "不是G2"), or None.
    A negator that describes the payment's state ("not yet allocated") or an allocation that
    did not happen ("has not been applied to G1") denies nothing; "Invoice No G1" is a number."""
    p = _patterns()
    for m in p["naming_negator"].finditer(clause):
        if p["unallocated"].match(clause, m.start()) or p["reminder"].match(clause, m.end()):
            continue
        if clause[m.start() - 1 : m.start()] == "-" or _is_not_yet(clause, m):
            continue  # "apliquem-no": a pronoun glued to the verb; "not yet on G1": a state
        if any(start < m.start() for start, _ in invoices):
            continue  # "G1 and not G2": phrases.is_negated leaves G2 alone, G1 stays asked for
        for start, _ in invoices:
            gap = clause[m.end():start]
            if not p["naming_gap"].fullmatch(gap) or p["stem"].search(gap):
                continue
            if m.group().lower() == "no" and not gap.strip() and p["word_before"].search(clause, 0, m.start()):
                continue
            return m.start(), m.end()
    return None


def _is_not_yet(text: str, negator: re.Match[str]) -> bool:
    p = _patterns()
    return bool(p["yet_beside"].match(text, negator.end()) or p["yet_before"].search(text, 0, negator.start()))


def clauses(text: str) -> list[Range]:
    """The clauses of a sentence: cut at commas, semicolons, dashes and before "but"."""
    bounds = [0] + [m.end() if m.group().strip() else m.start() for m in _patterns()["clause"].finditer(text)]
    bounds.append(len(text))
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]


def withdrawn(text: str, invoices: list[Range]) -> tuple[list[Range], Range | None]:
    """The parts of a sentence whose ids are withdrawn, and the negation that withdrew them: a
    negating clause and the clauses after it that do not turn to another allocation."""
    p = _patterns()
    parts: list[Range] = []
    first: Range | None = None
    negated = False
    for start, end in clauses(text):
        clause = text[start:end]
        local = [(s - start, e - start) for s, e in invoices if start <= s < end]
        cue = negation(clause, local) or denial(clause, local)
        if cue:
            negated, first = True, first or (start + cue[0], start + cue[1])
        elif negated and _turns(clause, local):
            negated = False
        if negated:
            parts.append((start, end))
    return parts, first


def _turns(clause: str, invoices: list[Range]) -> bool:
    """Whether a clause after a withdrawn one says something of its own ("…, but to G2", "apply
    it to G2", "it belongs to G2") rather than going on with the list withdrawn ("…, G2 or G3",
    "…, G2 oder G3 buchen", "…, G2 or any other invoice")."""
    p = _patterns()
    if p["contrast"].search(clause):
        return True
    first_id = min((s for s, _ in invoices), default=len(clause))
    if (verb := p["verb"].search(clause)) and verb.start() < first_id:
        return True
    words = [w for w in p["word"].findall(clause, 0, first_id)
             if len(w) > 4 and not (p["invoice_word"].fullmatch(w) or p["stem"].match(w))]
    return bool(words)  # a statement of its own before the id: "it belongs to G2", "corresponde a G2"


def is_status_question(text: str) -> bool:
    """A question asking to be told something ("Can you confirm that …?"), not offering another id."""
    return bool(word_regex(STATUS_WORDS).search(text))


def is_about_allocation(text: str) -> bool:
    """Whether a sentence speaks of allocating ("allocate", "zuordnen", "přiřadit", "分配")."""
    return bool(_patterns()["stem"].search(text))


def hedge(text: str, *, about_allocation: bool) -> Range | None:
    """Where a sentence doubts, puts off or conditions the allocation, or None. "If … not" and
    "not yet" count only in a sentence about the allocation: "let me know if you have not
    received it" and "I have not heard back yet" ask for nothing."""
    p = _patterns()
    if found := p["doubt"].search(text) or p["postpone"].search(text):
        return found.span()  # "Please wait with this until we confirm": "this" is the allocation
    if not about_allocation:
        return None
    if found := p["if"].search(text):
        return found.span()
    yet = p["yet"].search(text)
    negators = [m for m in p["any_negator"].finditer(text)
                if not (p["unallocated"].match(text, m.start()) or _states(text, m.end()))]
    return yet.span() if yet and negators else None  # "noch nicht zugeordnet" is a state, not a delay


def _states(text: str, end: int) -> bool:
    """Whether the negator ending at `end` tells what has not happened ("n'a pas encore été
    affecté", "has not yet been applied"): a word of allocating follows that is no verb asking
    ("zuordnen", "afboeken": the verb itself, put off)."""
    p = _patterns()
    state = p["state_after"].match(text, end)
    if state is None or p["verb_after"].match(text, end):
        return False
    # "noch nicht der Rechnung G1 zuordnen" asks to wait; "noch nicht zugeordnet" tells a state
    return state.group("word").lower() not in _asking_words()


@lru_cache(maxsize=1)
def _asking_words() -> frozenset[str]:
    return frozenset(w.lower() for w in ALLOCATION_VERBS if " " not in w)
