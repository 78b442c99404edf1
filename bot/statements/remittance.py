"""What remittance text names: invoice numbers and ISO 11649 RF creditor references.

Pure and cheap, so any part of the bot can call `remittance_hints` on a payment's
`reference` — the import uses it to find the paying account, the review page and the
confirmation to say "this payment's remittance names invoice G…". It never allocates.

An RF reference is `RF`, two check digits and 1–21 letters or digits, usually printed in
groups of four ("RF18 5390 0754 7034"), sometimes in lower case. Only references that pass
the mod-97 check count, returned in electronic form (`RF18539007547034`): a typo must not
point at somebody else's invoice. Invoice numbers are read as in partner mail
(`bot.reading.identifiers`: `G 023 559 800`, `g-023559800`); only those that fit the
configured pattern are returned.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.reading.identifiers import find_ids, letter_prefix
from bot.statements.checksums import compact, mod97_valid

_RF_SHAPE = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")
# Greedy over single spaces; trailing words that are not part of it are dropped afterwards.
_RF_LOOSE = re.compile(r"(?<![0-9A-Za-z])RF ?[0-9]{2}(?: ?[0-9A-Za-z]){1,21}(?![0-9A-Za-z])", re.IGNORECASE)


@dataclass(frozen=True)
class RemittanceHints:
    invoice_numbers: tuple[str, ...] = ()  # canonical, in the order written, each once
    creditor_refs: tuple[str, ...] = ()  # valid RF references, electronic form, each once

    def __bool__(self) -> bool:
        return bool(self.invoice_numbers or self.creditor_refs)


def creditor_ref(text: str) -> str | None:
    """`text` as one valid RF reference in electronic form, or None (bad shape or check digits)."""
    ref = compact(text)
    return ref if _RF_SHAPE.fullmatch(ref) and mod97_valid(ref) else None


def find_creditor_refs(text: str) -> tuple[str, ...]:
    """Every valid RF reference in free text, however it was spaced or cased."""
    found: list[str] = []
    for m in _RF_LOOSE.finditer(text):
        words = m.group(0).split(" ")
        for keep in range(len(words), 0, -1):  # the longest run of words that checks out
            if ref := creditor_ref("".join(words[:keep])):
                found.append(ref)
                break
    return tuple(dict.fromkeys(found))


def find_invoice_numbers(text: str, *, invoice_pattern: str) -> tuple[str, ...]:
    """Invoice numbers that fit the configured pattern, however they were spaced."""
    ids = find_ids(text, pattern=invoice_pattern, prefix=letter_prefix(invoice_pattern))
    return tuple(dict.fromkeys(found.value for found in ids if found.valid))


def remittance_hints(text: str, *, invoice_pattern: str) -> RemittanceHints:
    """The invoice numbers and RF creditor references a remittance text names; an RF reference
    built on an invoice number (`RF..G012345678`) names that invoice too."""
    refs = find_creditor_refs(text)
    compiled = re.compile(invoice_pattern)
    in_refs = [ref[4:] for ref in refs if compiled.fullmatch(ref[4:])]
    numbers = [*find_invoice_numbers(text, invoice_pattern=invoice_pattern), *in_refs]
    return RemittanceHints(tuple(dict.fromkeys(numbers)), refs)
