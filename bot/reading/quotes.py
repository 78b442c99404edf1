"""Keep only what the sender wrote now: quoted replies, forwarded history and signature
lines out, so an old request quoted below a new one is never applied again."""
from __future__ import annotations

import re
from functools import lru_cache

from mailparser_reply import EmailReplyParser

REPLY_LANGUAGES = ["en", "de", "fr", "es", "nl", "it", "pt", "sv", "da", "pl", "ja", "cs", "ko", "zh"]

# Signature lines: a label, then contact or company data. Their digits are never amounts,
# invoices or payment ids, whatever they look like.
_SIGNATURE_LINE = re.compile(
    r"^\s*(?:tel(?:efon|éfono|efono|ephone)?|phone|mob(?:ile|il)?|cell|fax|handy|iban|bic|swift|"
    r"vat(?:\s*(?:no|nr|number|id))?|moms(?:reg)?(?:\.?nr)?|ust-?id(?:nr)?|tva|nif|cif|p\.?\s*iva|btw|nip|"
    r"org(?:anisation|anization)?\.?\s*(?:nr|no|number|nummer)\.?|reg(?:istration)?\.?\s*(?:no|nr|number)\.?|"
    r"company\s*(?:no|number|reg)|share capital|capital social|stammkapital|aktiekapital|"
    r"account\s*id|kundnummer|customer\s*(?:no|number|id)|bankgiro|plusgiro|www\.|https?://|e-?mail)\b.*$",
    re.IGNORECASE,
)
_POSTCODE_CITY = re.compile(r"^\s*(?:[A-Z]{1,2}-)?\d{4,5}\s+[A-Za-zÀ-ÿ][\w .'-]*$")
_FORWARD_MARKERS = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|original message|ursprüngliche nachricht|weitergeleitete nachricht|"
    r"message transféré|mensaje reenviado|messaggio inoltrato|mensagem encaminhada|doorgestuurd bericht|"
    r"vidarebefordrat meddelande|ursprungligt meddelande|videresendt meddelelse|oprindelig meddelelse)\s*-{2,})",
    re.IGNORECASE | re.MULTILINE,
)


@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    return EmailReplyParser(languages=REPLY_LANGUAGES)


def latest_reply(text: str) -> str:
    """The newest part of a conversation, without the quoted and forwarded history."""
    marker = _FORWARD_MARKERS.search(text)
    head = text[: marker.start()] if marker else text
    try:
        replies = _parser().read(head).replies
        top = replies[0].content if replies else head  # content keeps the signature block: tables often follow a greeting
    except Exception:  # noqa: BLE001 - the library must never stop a message from being read
        top = head
    if not top.strip():
        top = head
    return "\n".join(line for line in top.split("\n") if not line.lstrip().startswith(">"))


def is_signature_line(line: str) -> bool:
    return bool(_SIGNATURE_LINE.match(line) or _POSTCODE_CITY.match(line))


def without_signature_lines(text: str) -> str:
    """Blank out signature lines (keeping line count and offsets stable for evidence)."""
    return "\n".join("" if is_signature_line(line) else line for line in text.split("\n"))
