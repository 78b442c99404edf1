"""Forwarded requests: an authorised contact forwards a colleague's request ("please handle the
below", "bitte erledigen", "kan ni ta hand om nedanstående"), and it is read as theirs.

Quoted and forwarded history is otherwise never read (quotes.py): a reply quoting an earlier
request must not apply it twice. So a forward is read only when all of this holds:
- the subject's outermost prefix is a forward's ("Fwd:", "FW:", "WG:", "TR:", "RV:", "VB:",
  "Doorst:", "転送:" …; "Re: Fwd:" is a reply) and the body has a forwarded-message separator
  right below the sender's own text (Gmail's "---------- Forwarded message ---------", Outlook's
  "-----Original Message-----" or "From: … Sent: … To: … Subject:" block, Apple Mail's "Begin
  forwarded message:", in the clients' languages), followed by the forwarded headers; "VS:" is
  a forward in Danish and Norwegian but a reply in Finnish, so it needs a separator that says
  "forwarded". Or the message carries exactly one attached message (message/rfc822), not an
  automatic one (Auto-Submitted).
- the sender's own text is a covering note: short, naming no invoice, payment id or amount
  (an instruction of their own always wins; the two are never added together into double
  instructions), not saying the forward is for information, done, or to wait ("FYI",
  "already", "zur Info", "redan", "nicht" …), and asking no question about it ("Can you
  check the below?").
- the forwarded message was not to or from the allocation mailbox (a mail domain or display
  name it shares with the outer message's recipients outside the sender's own domain): that
  one was read, or sent, by the bot already, and reading it again could apply it twice.
The forwarded text is then read as the request (its own quoted history cut as usual), with
its own subject, and its From line is kept in `Mail.forwarded_from`; who may move money is
still decided from the outer From alone.
"""
from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache

from bot.reading.amounts import find_amounts
from bot.reading.identifiers import find_bare_invoice_numbers, find_ids, letter_prefix
from bot.reading.mime import Attachment, header, read_mail
from bot.reading.quotes import FORWARD_MARKERS, FROM_LABELS, OTHER_LABELS, has_quote
from bot.reading.words import FORWARD_HOLD_WORDS, STATUS_WORDS, word_regex

MAX_NOTE_CHARS = 1_000
MAX_NOTE_LINES = 15

_TAGS = r"^\s*(?:\[[^\]]*\]\s*)*"
FORWARD_PREFIX = re.compile(_TAGS + r"(?:fwd?|wg|tr|rv|vb|vl|enc|doorst|vs|転送|转发)\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)
_AMBIGUOUS_PREFIX = re.compile(_TAGS + r"vs\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)
_SAYS_FORWARDED = re.compile(r"forward|weitergeleitet|transféré|réexpédié|reenviado|inoltrato|encaminhad|doorgestuurd|"
                             r"vidarebefordra|videresend|przekazan|転送", re.IGNORECASE)
_LABEL_LINE = re.compile(rf"^[ \t>*]*(?P<label>{FROM_LABELS}|{OTHER_LABELS})[ \t*]*[:：][ \t*]*(?P<value>.*)$", re.IGNORECASE)
_FROM = re.compile(rf"^(?:{FROM_LABELS})$", re.IGNORECASE)
_SUBJECT = re.compile(r"^(?:subject|betreff|objet|asunto|assunto|ämne|emne|onderwerp|oggetto|temat|aihe|件名)$", re.IGNORECASE)
_PEOPLE = re.compile(r"^(?:to|cc|an|à|para|till|til|aan|a|do|宛先)$", re.IGNORECASE)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Forwarded:
    """The forwarded message: its From line, subject, people (From, To, Cc), text and attachments."""

    from_line: str
    subject: str
    people: tuple[str, ...]
    text: str
    attachments: tuple[Attachment, ...] = ()
    limits: tuple[str, ...] = ()  # where an attached message was read only in part


def _headers(lines: list[str]) -> tuple[dict[str, str], list[str], int] | None:
    """The header block at the top of `lines` (blank lines before it skipped): its From and
    Subject, everyone it names, and where the forwarded text starts; None without a From and
    two more fields."""
    at = 0
    while at < len(lines) and not lines[at].strip():
        at += 1
    found: dict[str, str] = {}
    people: list[str] = []
    fields = 0
    last = ""
    while at < len(lines) and lines[at].strip():
        m = _LABEL_LINE.match(lines[at])
        if m:
            label, value = m.group("label").lower(), m.group("value").strip().strip("*").strip()
            fields += 1
            last = "from" if _FROM.match(label) else "subject" if _SUBJECT.match(label) else \
                "people" if _PEOPLE.match(label) else "other"
            if last in ("from", "subject"):
                found.setdefault(last, value)
            if last in ("from", "people"):
                people.append(value)
        elif last == "people":  # Outlook wraps a long To: line
            people.append(lines[at].strip())
        elif fields == 0:
            return None
        at += 1
    if "from" not in found or fields < 3:
        return None
    return found, people, at


def inline_forward(subject: str, body: str) -> Forwarded | None:
    """The message forwarded in the body, when the subject says forward and the first
    separator (a marker, or a From line) starts a forwarded message right below the sender's
    text. Only that first separator is tried: the work is linear in the body."""
    if not FORWARD_PREFIX.match(subject):
        return None
    ambiguous = bool(_AMBIGUOUS_PREFIX.match(subject))
    lines = body.split("\n")
    for index, line in enumerate(lines):
        marker = FORWARD_MARKERS.match(line)
        label = None if marker else _LABEL_LINE.match(line)
        if not marker and not (label and _FROM.match(label.group("label"))):
            continue
        if ambiguous and not (marker and _SAYS_FORWARDED.search(line)):
            return None
        start = index + 1 if marker else index
        block = _headers(lines[start:])
        if block is None or has_quote("\n".join(lines[:index])):
            return None  # no forwarded headers, or a reply's quoted history comes first
        found, people, end = block
        return Forwarded(found["from"], found.get("subject", ""), tuple(people), "\n".join(lines[start + end:]))
    return None


def attached_forward(attachments: tuple[Attachment, ...]) -> Forwarded | None:
    """The one message attached to the message, unless it was sent automatically."""
    messages = [m for a in attachments if (m := a.message) is not None]
    if len(messages) != 1:
        return None
    msg: Message = messages[0]
    if header(msg, "Auto-Submitted").lower() not in ("", "no"):
        return None
    inner = read_mail(msg)
    people = tuple(header(msg, name) for name in ("From", "To", "Cc") if header(msg, name))
    return Forwarded(inner.from_header, inner.subject, people, inner.body, inner.attachments,
                     tuple(f"the attached message: {note}" for note in inner.limits))


def is_covering_note(note: str, *, invoice_pattern: str, payment_pattern: str) -> bool:
    """The sender's own text only hands the forward on: short, no ids or amounts of its own,
    nothing saying it is for information, done, or to wait, and no question about it."""
    text = note.strip()
    if len(text) > MAX_NOTE_CHARS or len([line for line in text.split("\n") if line.strip()]) > MAX_NOTE_LINES:
        return False
    for pattern in (invoice_pattern, payment_pattern):
        if find_ids(text, pattern=pattern, prefix=letter_prefix(pattern)):
            return False
    if find_bare_invoice_numbers(text) or find_amounts(text) or _holds().search(text):
        return False
    questions = re.findall(r"[^.!?？\n]*[?？]", text)
    return not any(word_regex(STATUS_WORDS).search(q) for q in questions)


@lru_cache(maxsize=1)
def _holds() -> re.Pattern[str]:
    latin = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(FORWARD_HOLD_WORDS, key=len, reverse=True)
                     if ord(w[0]) < 0x2E80)
    cjk = "|".join(re.escape(w) for w in FORWARD_HOLD_WORDS if ord(w[0]) >= 0x2E80)
    return re.compile(rf"(?<![^\W\d_])(?:{latin})(?![^\W\d_])|{cjk}", re.IGNORECASE)


def _domains_and_names(values: tuple[str, ...] | list[str]) -> set[str]:
    """The mail domains ("@billing.example") and display names ("billing allocations") named."""
    found = set()
    for value in values:
        for piece in re.split(r"[;,]", value):
            found.update("@" + a.rpartition("@")[2].lower() for a in _ADDRESS.findall(piece))
            name = re.sub(r"\[mailto:[^\]]*\]|<[^>]*>|\([^)]*\)|" + _ADDRESS.pattern, " ", piece)
            name = " ".join(name.replace('"', " ").replace("'", " ").split()).casefold()
            if len(name) >= 3:
                found.add(name)
    return found


def to_the_mailbox(forward: Forwarded, *, sender: str, recipients: list[str]) -> bool:
    """Whether the forwarded message was to or from the domain (or display name) of one of the
    outer message's recipients outside the sender's own domain, the allocation mailbox's: then
    it is history the bot has already read, or written."""
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2].lower()
    outside = [r for r in recipients if not (domain and email.utils.parseaddr(r)[1].lower().endswith("@" + domain))]
    return bool(_domains_and_names(outside) & _domains_and_names(forward.people))


def recipients_of(msg: Message) -> list[str]:
    """The outer message's To and Cc, one entry each."""
    return [f"{name} <{address}>" if name else address
            for name, address in email.utils.getaddresses([header(msg, "To"), header(msg, "Cc")]) if address or name]
