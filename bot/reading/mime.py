"""Bytes in, the parts of a message that matter out: headers, one body text, attachments.

Text parts are decoded with their declared charset when it decodes cleanly (charsets.py
says what happens when it does not): mislabelled mail is common and must still be read.
HTML becomes text with inscriptis, which keeps table rows on one line each (remittance
tables are tables), and stops where the client's quoted history starts. What a person cannot
see in it (display:none, white on white, zero size ...) is removed first (visible_html.py).

Hostile mail (issue 5) is read within the limits of limits.py: the message was parsed by
`parsing.parse_bytes`, which never builds more than they allow; a part is decoded only as far
as the reader reads it; attachments are decoded only when asked for. `Mail.limits` says where
reading stopped short.
"""
from __future__ import annotations

import email
import email.message
import email.utils
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from inscriptis import get_text

from bot.reading.charsets import decode_text
from bot.reading.limits import MAX_PART_BYTES
from bot.reading.parsing import too_complex
from bot.reading.visible_html import visible_html

__all__ = ["Attachment", "Mail", "decode_text", "decoded_head", "header", "html_to_text", "read_mail", "unflow"]


class Attachment:
    """An attachment's name and type. Its bytes are decoded only when asked for: `head()` for
    the bounded prefix the reader reads, `data` for all of them (a download), decoded once."""

    __slots__ = ("filename", "content_type", "_data", "_part")

    def __init__(self, filename: str, content_type: str, data: bytes | None = None, *, part: Message | None = None):
        self.filename, self.content_type, self._data, self._part = filename, content_type, data, part

    @property
    def data(self) -> bytes:
        if self._data is None:
            try:
                self._data = (self._part.get_payload(decode=True) if self._part is not None else None) or b""
            except Exception:  # noqa: BLE001 - a broken transfer encoding is an empty download, not a crash
                self._data = b""
        return self._data

    def head(self, limit: int) -> tuple[bytes, bool]:
        """At most `limit` decoded bytes, and whether the attachment has more."""
        if self._data is not None or self._part is None:
            return self.data[:limit], len(self.data) > limit
        return decoded_head(self._part, limit)

    def surely_over(self, limit: int) -> bool:
        """Whether the transfer-encoded text is longer than any encoding of `limit` bytes (told
        without decoding anything)."""
        if self._data is not None or self._part is None:
            return len(self.data) > limit
        payload = getattr(self._part, "_payload", None)
        cte = str(self._part.get("content-transfer-encoding", "")).lower()
        # base64 takes 4 characters for 3 bytes plus line breaks; quoted-printable at most 3
        # per byte plus soft breaks; anything else 1, or 2 where LF became CRLF.
        most = limit * 1.4 if cte == "base64" else limit * 3.2 if cte == "quoted-printable" or "uu" in cte else limit * 2
        return isinstance(payload, str) and len(payload) > most + 1024

    def whole(self, limit: int) -> bytes | None:
        """All the decoded bytes when there are at most `limit` of them, else None; a text
        `surely_over` the limit is not decoded at all."""
        if self.surely_over(limit):
            return None
        data, more = self.head(limit)
        return None if more else data

    @property
    def message(self) -> Message | None:
        """The attached message of a message/rfc822 attachment (a forward "as attachment")."""
        payload = self._part.get_payload() if self._part is not None and self.content_type == "message/rfc822" else None
        return payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Attachment) and (self.filename, self.content_type, self.data) == (
            other.filename, other.content_type, other.data)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Attachment({self.filename!r}, {self.content_type!r})"


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
    limits: tuple[str, ...] = ()  # why the message was read only in part (or not at all): never applied
    # attachments that may carry the request but could not be read (a scanned PDF, one over its
    # size or page limit, a broken spreadsheet): one note each; the message is held, never guessed
    unreadable: tuple[str, ...] = ()
    # the From line of the forwarded message whose text was read as the request ("please handle
    # the below"); recorded for people, never used for authorisation (that is the outer From)
    forwarded_from: str = ""


def decoded_head(part: Message, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of a leaf part's decoded payload, and whether it has more. Only a
    bounded prefix of the transfer-encoded text is decoded (base64 and quoted-printable take at
    most 3 characters per byte, with line breaks), the library's own way."""
    payload = getattr(part, "_payload", None)  # get_payload() would copy the whole text first
    if not isinstance(payload, str):
        return b"", False
    cte = str(part.get("content-transfer-encoding", "")).lower()
    window = limit * 3 + 1024 if cte in ("base64", "quoted-printable") or "uu" in cte else limit
    text = payload[:window]
    if cte == "base64" and len(payload) > window:  # whole 4-character groups, or the library gives up
        text = re.sub(r"[^A-Za-z0-9+/]", "", text)
        text = text[: len(text) // 4 * 4]
    piece = email.message.Message()
    if cte:
        piece["Content-Transfer-Encoding"] = cte
    piece.set_payload(text)
    try:
        data = piece.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - a broken transfer encoding reads as nothing
        data = b""
    return data[:limit], len(payload) > window or len(data) > limit


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


def _whole_lines(data: bytes) -> bytes:
    """A cut-off text without its last, partial line (so no character is cut in half)."""
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    newline = (b"\n\x00" if data.startswith(b"\xff\xfe") else b"\x00\n") if utf16 else b"\n"
    end = data.rfind(newline)
    return data[: end + len(newline)] if end > 0 else data


def _part_text(part: Message) -> tuple[str, bool]:
    """A text part's text, at most MAX_PART_BYTES of it, and whether there was more."""
    payload, cut = decoded_head(part, MAX_PART_BYTES)
    if cut:
        payload = _whole_lines(payload)
    text = decode_text(payload, part.get_content_charset())
    params = {str(k).lower(): str(v).lower() for k, v in (part.get_params() or [])[1:]}
    if params.get("format") == "flowed":
        text = unflow(text, delsp=params.get("delsp") == "yes")
    return text, cut


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
    """The HTML's visible text up to the quoted history; table rows stay one line each. Text a
    reader cannot see is never read (issue 17): `visible_html` removes it first."""
    quote = _HTML_QUOTE_START.search(html)
    if quote:
        html = html[: quote.start()]
    html = visible_html(html)
    try:
        return get_text(html)
    except Exception:  # noqa: BLE001 - broken HTML still has words in it
        return re.sub(r"<[^>]+>", " ", html)


def _walk(msg: Message) -> list[Message]:
    """The leaf parts in order. A message attached to the message (message/rfc822, a forward
    "as attachment") is one leaf: like quoted history, what it says is not read as a request,
    unless the sender's own text only hands it on (forwards.py reads it, `Attachment.message`).
    The tree is as large as the parser allowed (`parse_bytes`), so the walk is bounded too."""
    parts: list[Message] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.is_multipart() and (part is msg or part.get_content_maintype() != "message"):
            payload = part.get_payload()
            stack.extend(reversed(payload) if isinstance(payload, list) else ())
        else:
            parts.append(part)
    return parts


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition") or "").lower()
    return disposition.startswith("attachment") or bool(part.get_filename()) and not part.get_content_type().startswith("text/html")


def _mail(msg: Message, body: str, attachments: tuple[Attachment, ...], limits: tuple[str, ...]) -> Mail:
    date = None
    try:
        date = email.utils.parsedate_to_datetime(header(msg, "Date")) if header(msg, "Date") else None
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    return Mail(
        message_id=header(msg, "Message-ID"),
        subject=header(msg, "Subject"),
        from_header=header(msg, "From"),
        date=date,
        in_reply_to=header(msg, "In-Reply-To"),
        references=tuple(re.findall(r"<[^<>\s]+>", header(msg, "References"))),
        body=body.replace("\r\n", "\n"),
        attachments=attachments,
        limits=limits,
    )


def read_mail(msg: Message) -> Mail:
    """The message's facts; the first text/plain wins, else the first text/html as text.

    A message parsed from its headers only (`too_complex`) has no body and no attachments. A
    text part longer than MAX_PART_BYTES is read that far, and `limits` says so, unless what
    follows is quoted HTML history, which is not read anyway."""
    if (why := too_complex(msg)) is not None:
        return _mail(msg, "", (), (f"not read: {why}",))
    plain, html, attachments, limits = None, None, [], []
    for part in _walk(msg):
        ctype = part.get_content_type()
        if _is_attachment(part):
            attachments.append(Attachment(part.get_filename() or "", ctype, part=part))
        elif ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and html is None:
            html = part
    body = ""
    if plain is not None:
        text, cut = _part_text(plain)
        if text.strip():
            body = text
            if cut:
                limits.append(f"the text part was read only to its first {MAX_PART_BYTES:,} bytes")
    if not body and html is not None:
        text, cut = _part_text(html)
        if cut and not _HTML_QUOTE_START.search(text):
            limits.append(f"the HTML part was read only to its first {MAX_PART_BYTES:,} bytes")
        body = html_to_text(text)
    return _mail(msg, body, tuple(attachments), tuple(limits))
