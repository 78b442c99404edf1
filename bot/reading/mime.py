"""Bytes in, the parts of a message that matter out: headers, one body text, attachments.

Text parts are decoded with their declared charset when it decodes cleanly (charsets.py
says what happens when it does not): mislabelled mail is common and must still be read.
HTML becomes text with inscriptis, which keeps table rows on one line each (remittance
tables are tables), and stops where the client's quoted history starts.
"""
from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message

from inscriptis import get_text

from bot.reading.charsets import MAX_TEXT_BYTES, decode_text

MAX_PARTS = 200  # a message with more parts than this is read only this far


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    message_id: str
    subject: str
    from_header: str
    date: datetime | None
    in_reply_to: str
    references: tuple[str, ...]
    body: str
    attachments: tuple[Attachment, ...]


def parse_bytes(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def header(msg: Message, name: str) -> str:
    """A header as text; malformed headers come back as their raw string, never raise."""
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - any defect in a header must not stop reading
        value = None
    if value is None:
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None) if hasattr(msg, "raw_items") else None
        return str(raw or "").strip()
    return str(value).strip()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    text = decode_text(payload[:MAX_TEXT_BYTES], part.get_content_charset())
    params = {k.lower(): v.lower() for k, v in (part.get_params() or [])[1:]}
    if params.get("format") == "flowed":
        text = unflow(text, delsp=params.get("delsp") == "yes")
    return text


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join RFC 3676 soft line breaks (a line ending in a space continues)."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line.strip() and line != "-- ":
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


# Where mail clients start the quoted history in HTML: Gmail, Yahoo, Thunderbird and Apple
# Mail quote blocks, Outlook on the web's reply header. Without "> " markers in the text,
# this is the only trace of what is quoted.
_HTML_QUOTE_START = re.compile(
    r"<(?:div|blockquote)\b[^>]*?(?:\bclass=[\"']?[^\"'>]*\b(?:gmail_quote|yahoo_quoted|moz-cite-prefix)\b|"
    r"\bid=[\"']?(?:appendonsend|divRplyFwdMsg)\b|\btype=[\"']?cite\b)",
    re.IGNORECASE,
)


def html_to_text(html: str) -> str:
    """The HTML's text up to the quoted history; table rows stay one line each."""
    quote = _HTML_QUOTE_START.search(html)
    if quote:
        html = html[: quote.start()]
    try:
        return get_text(html)
    except Exception:  # noqa: BLE001 - broken HTML still has words in it
        return re.sub(r"<[^>]+>", " ", html)


def _walk(msg: Message) -> list[Message]:
    """The leaf parts in order. A message attached to the message (message/rfc822, a forward
    "as attachment") is one leaf: like quoted history, what it says is not read as a request."""
    parts: list[Message] = []
    stack = [msg]
    while stack and len(parts) < MAX_PARTS:
        part = stack.pop(0)
        if part.is_multipart() and (part is msg or part.get_content_maintype() != "message"):
            payload = part.get_payload()
            stack[:0] = payload if isinstance(payload, list) else []
        else:
            parts.append(part)
    return parts


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").lower()
    return disposition.startswith("attachment") or bool(part.get_filename()) and not part.get_content_type().startswith("text/html")


def read_mail(msg: Message) -> Mail:
    """The message's facts; the first text/plain wins, else the first text/html as text."""
    plain, html, attachments = None, None, []
    for part in _walk(msg):
        ctype = part.get_content_type()
        if _is_attachment(part):
            attachments.append(Attachment(part.get_filename() or "", ctype, part.get_payload(decode=True) or b""))
        elif ctype == "text/plain" and plain is None:
            plain = _part_text(part)
        elif ctype == "text/html" and html is None:
            html = _part_text(part)
    body = plain if plain and plain.strip() else html_to_text(html) if html else ""
    date = None
    try:
        date = email.utils.parsedate_to_datetime(header(msg, "Date")) if header(msg, "Date") else None
    except (TypeError, ValueError, IndexError):
        date = None
    return Mail(
        message_id=header(msg, "Message-ID"),
        subject=header(msg, "Subject"),
        from_header=header(msg, "From"),
        date=date,
        in_reply_to=header(msg, "In-Reply-To"),
        references=tuple(re.findall(r"<[^<>\s]+>", header(msg, "References"))),
        body=body.replace("\r\n", "\n"),
        attachments=tuple(attachments),
    )
