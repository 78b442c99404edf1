"""Does a sender's domain only pretend to be an account's? Impersonation rarely uses the real
domain (its DMARC would fail): it registers one a tired reader takes for it, such as
`bluepeak-payments.example`, `b1uepeak.example`, `bluepeek.example` or `blueрeak.example`
with a Cyrillic р. Such mail comes from an unknown sender and is held anyway; the flag tells
the person who might approve it that the sender is probably not who the mail says.

Pure: domains in, a verdict out. The account's own domain and its subdomains are never
flagged (they are the account), and neither is a domain that shares no recognisable name.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.model import Evidence, Reason

# Letters and digits readers confuse, mapped to the ASCII letter they pass for.
_HOMOGLYPHS = str.maketrans({
    "0": "o", "1": "l", "3": "e", "5": "s", "7": "t", "|": "l",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ԁ": "d",
    "ѕ": "s", "ӏ": "l", "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ɡ": "g", "ı": "i",
})
_WORD_SEPARATORS = "-_."
MIN_NAME = 4  # shorter names ("ab.example") resemble too much to say anything


@dataclass(frozen=True)
class LookAlike:
    domain: str  # the sender's
    resembles: str  # the account's
    how: str  # why it looks the same, in a few words


def _skeleton(label: str) -> str:
    """The label as a reader sees it: homoglyphs folded, accents dropped, `rn` read as `m`."""
    folded = unicodedata.normalize("NFKC", label.lower()).translate(_HOMOGLYPHS)
    plain = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return plain.replace("rn", "m").replace("vv", "w")


def _name(domain: str) -> str:
    """The registrable name of a domain, without its top-level part (`bluepeak` of `bluepeak.example`)."""
    labels = [p for p in domain.lower().strip(".").split(".") if p]
    return labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent swaps (optimal string alignment)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def _is_own(sender: str, account: str) -> bool:
    return sender == account or sender.endswith("." + account)


def resemblance(sender_domain: str, account_domain: str) -> str | None:
    """How `sender_domain` passes for `account_domain`, or None when it is the account's own
    domain (or a subdomain of it) or does not resemble it."""
    sender, account = sender_domain.lower().strip("."), account_domain.lower().strip(".")
    if not sender or not account or _is_own(sender, account):
        return None
    theirs, ours = _name(sender), _name(account)
    if len(ours) < MIN_NAME or not theirs:
        return None
    if theirs == ours:
        return "the same name under another top-level domain"
    seen, real = _skeleton(theirs), _skeleton(ours)
    if seen == real:
        return "letters that look the same"
    words = [w for w in "".join(" " if c in _WORD_SEPARATORS else c for c in seen).split() if w]
    if real in words or (seen.startswith(real) or seen.endswith(real)) and len(seen) - len(real) >= 3:
        return "the name with words added"
    limit = 1 if len(real) < 8 else 2
    if _distance(seen, real) <= limit:
        return "the name with a letter changed"
    return None


def find_lookalike(sender_address: str, account_domains: Iterable[str]) -> LookAlike | None:
    """The first account domain the sender's domain passes for (the account's own domain never)."""
    domain = sender_address.rpartition("@")[2].lower()
    domains = {d.lower() for d in account_domains if d}
    if not domain or any(_is_own(domain, d) for d in domains):
        return None
    for known in sorted(domains):
        if (how := resemblance(domain, known)) is not None:
            return LookAlike(domain, known, how)
    return None


def lookalike_evidence(sender_address: str, domains: Mapping[str, tuple[str, ...]]) -> Evidence | None:
    """The evidence that flags a possible impersonation; `domains` maps each contact domain to
    the accounts whose contacts use it."""
    found = find_lookalike(sender_address, domains)
    if found is None:
        return None
    return Evidence("lookalike_sender", f"{found.domain} resembles {found.resembles} ({found.how}) of account(s) "
                    f"{', '.join(domains.get(found.resembles, ()))}: possibly impersonation",
                    rows=tuple(domains.get(found.resembles, ())), reason=Reason.LOOKALIKE_SENDER)


__all__ = ["LookAlike", "find_lookalike", "lookalike_evidence", "resemblance"]
