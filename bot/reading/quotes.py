"""Keep only what the sender wrote now: quoted replies, forwarded history and signature
lines out, so an old request quoted below a new one is never applied again.

mail-parser-reply finds the "On … wrote:" lines and header blocks it knows; forward markers
and header blocks in the other languages partners write are cut here first. (A forward whose
sender only hands it on is read after all, by forwards.py, which uses the same markers.)
"""
from __future__ import annotations

import re
from functools import lru_cache

from mailparser_reply import EmailReplyParser

from bot.reading.amounts import find_amounts

REPLY_LANGUAGES = ["en", "de", "fr", "es", "nl", "it", "pt", "sv", "da", "pl", "ja", "cs", "ko", "zh"]

# Signature lines: a label, then contact or company data. Their digits are never amounts,
# invoices or payment ids, whatever they look like. Labels that are also words ("BTW, …",
# "Mobile payment …") count only when a number-like value follows them.
_CONTACT_LABEL = (
    r"tel(?:efon|éfono|efono|ephone|éphone)?|tél|tfn|tlf|phone|mob(?:ile|il)?|cell|fax|handy|iban|bic|swift|"
    r"vat(?:\s*(?:no|nr|number|id|reg))?|moms(?:reg)?(?:\.?nr)?|ust-?id(?:nr)?|tva|nif|cif|p\.?\s*iva|btw|nip|kvk|"
    r"cvr(?:-nr)?|mwst|uid|tax\s*(?:no|id|number)|steuer-?nr|st\.?-?nr|org(?:anisation|anization)?\.?\s*(?:nr|no|number|nummer)|"
    r"organisationsnummer|reg(?:istration)?\.?\s*(?:no|nr|number)|company\s*(?:no|number|reg)|"
    r"account\s*id|kundnummer|customer\s*(?:no|number|id)|bankgiro|plusgiro"
)
_SIGNATURE_LINE = re.compile(
    rf"^\s*(?:(?:{_CONTACT_LABEL})\b[\s.:#/-]*(?:(?:no|nr|number|nummer|id)\b\.?)?[\s.:#/-]*(?=[+(\d]|(?-i:[A-Z]{{1,3}}[\s-]?\d|[A-Z]{{6}}))|"
    r"(?:share capital|capital social|capitale sociale|stammkapital|aktiekapital|aktienkapital|kapitał zakładowy)\b|"
    r"(?:www\.|https?://|e-?mail\b)|.*\bau capital (?:social )?de\b)",
    re.IGNORECASE,
)
# "80331 München", "D-20457 Hamburg", "411 03 Göteborg", "00-950 Warszawa", "1012 AB Amsterdam".
_POSTCODE_CITY = re.compile(
    r"^\s*(?:[A-Z]{1,2}-)?(?:\d{4,5}|\d{3} \d{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{4} ?[A-Z]{2}(?= ))\s+[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+){0,3}\s*$"
)
FORWARD_MARKERS = re.compile(
    r"^[ \t>]*-*\s*(?:forwarded message|original message|begin forwarded message|ursprüngliche nachricht|"
    r"weitergeleitete nachricht|anfang der weitergeleiteten nachricht|message transféré|message d'origine|"
    r"début du message (?:réexpédié|transféré)|mensaje reenviado|mensaje original|inicio del mensaje reenviado|"
    r"messaggio inoltrato|messaggio originale|inizio messaggio inoltrato|mensagem encaminhada|mensagem original|"
    r"início da mensagem (?:reencaminhada|encaminhada)|doorgestuurd bericht|oorspronkelijk bericht|"
    r"begin doorgestuurd bericht|vidarebefordrat (?:meddelande|brev)|ursprungligt meddelande|"
    r"videresendt (?:meddelelse|besked|melding)|oprindelig meddelelse|opprinnelig melding|välitetty viesti|"
    r"alkuperäinen viesti|wiadomość przekazana dalej|oryginalna wiadomość|"
    r"przekazana wiadomość|転送されたメッセージ|元のメッセージ)\s*:?\s*-*[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A client's header block ("From: Name <a@b>" then "Sent:", "Date:", "To:" or "Subject:", in the
# client's language) starts quoted history; the From line must hold an address, so a request
# written as "From: PY… / To: G…" is not taken for one.
FROM_LABELS = r"from|von|de|från|fra|van|da|od|差出人|送信者"
OTHER_LABELS = (
    r"sent|date|to|subject|cc|gesendet|datum|an|betreff|envoyé|objet|à|enviado(?: el)?|enviada em|para|asunto|"
    r"assunto|data|skickat|till|ämne|sendt|til|emne|dato|verzonden|aan|onderwerp|inviato|oggetto|a|wysłano|do|"
    r"temat|送信日時|宛先|件名|日付"
)
_SUBJECT_LABELS = r"subject|betreff|ämne|emne|objet|asunto|onderwerp|oggetto|temat|assunto|件名"
# A quoted message's header block: a From line with an address, then another label; or, as
# Outlook writes it without addresses ("From: Ann Admin / Sent: … / To: … / Subject: …", also
# in Japanese with "差出人：" and full-width colons), a From line and a Subject line within a
# few lines of it.
_HEADER_BLOCK = re.compile(
    rf"^[ \t>*]*(?:{FROM_LABELS})[ \t*]*[:：][^\n]*[@<][^\n]*\n(?:[^\n]*\n){{0,2}}?[ \t>*]*(?:{OTHER_LABELS})[ \t*]*[:：]"
    rf"|^[ \t>*]*(?:{FROM_LABELS})[ \t*]*[:：][^\n]*\n(?:[^\n]*\n){{1,3}}?[ \t>*]*(?:{_SUBJECT_LABELS})[ \t*]*[:：]",
    re.IGNORECASE | re.MULTILINE,
)


@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    return EmailReplyParser(languages=REPLY_LANGUAGES)


def latest_reply(text: str) -> str:
    """The newest part of a conversation, without the quoted and forwarded history."""
    cuts = [m.start() for m in (FORWARD_MARKERS.search(text), _HEADER_BLOCK.search(text)) if m]
    head = text[: min(cuts)] if cuts else text
    try:
        replies = _parser().read(head).replies
        top = replies[0].content if replies else head  # content keeps the signature block: tables often follow a greeting
    except Exception:  # noqa: BLE001 - the library must never stop a message from being read
        top = head
    if not top.strip():
        top = head
    return "\n".join(line for line in top.split("\n") if not line.lstrip().startswith(">"))


def has_quote(text: str) -> bool:
    """Whether the text quotes an earlier message ("> " lines, or an "On … wrote:" line)."""
    if any(line.lstrip().startswith(">") for line in text.split("\n")):
        return True
    try:
        return len(_parser().read(text).replies) > 1
    except Exception:  # noqa: BLE001 - the library must never stop a message from being read
        return True


def is_signature_line(line: str) -> bool:
    """Contact or company data; "1500 kr …" is an amount, not a postcode and a city."""
    return bool(_SIGNATURE_LINE.match(line) or (_POSTCODE_CITY.match(line) and not find_amounts(line)))


def without_signature_lines(text: str) -> str:
    """Blank out signature lines (keeping line count and offsets stable for evidence)."""
    return "\n".join("" if is_signature_line(line) else line for line in text.split("\n"))
