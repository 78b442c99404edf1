"""A never-raising view of a parsed message, for the machine-mail checks (classify.py and the
modules it asks: calendar.py, vacation.py, nondelivery.py, lists.py).

Headers are read via `raw_items()` and decoded here, because policy.default's header objects
can raise on malformed input, and one broken header must not hide the signals in the others.
Bodies are read only as far as the checks need (the opening of the first text part), with
undecodable bytes replaced, so a broken part costs a signal, never the cycle.

Only the message's own MIME tree is walked: an attached message (message/rfc822) is somebody
else's mail, e.g. a bounce a person forwards or an invitation they pass on.
"""
from __future__ import annotations

import binascii
import html
import quopri
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import getaddresses
from itertools import accumulate
from typing import Any, Callable

from bot.reading.folding import fold

MAX_PARTS = 200
_MAX_BODY_BYTES = 64 * 1024  # the opening of a body is all any check reads
_TAGS = re.compile(r"<(?:script|style)\b.*?</(?:script|style)\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAGS = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d|/table)\b[^>]*>", re.IGNORECASE)
# Reply and forward prefixes of the common clients: a person wrote on top of what follows them.
_TAGS_BEFORE = r"^\s*(?:\[[^\]]{1,40}\]\s*)*"
_COUNT_AND_COLON = r"\s*(?:\[\d+\])?\s*[:：]"
_REPLY = re.compile(fold(_TAGS_BEFORE + r"(?:re|aw|antw|sv|vs|odp|ynt|vá|回复|回覆|返信|答复)" + _COUNT_AND_COLON))
_FORWARD = re.compile(fold(_TAGS_BEFORE + r"(?:fwd?|wg|tr|rv|enc|doorst|pd|i|ilt|vl|vb|转发|轉寄|転送)"
                           + _COUNT_AND_COLON))


def header_text(value: Any) -> str:
    """A header value as readable text: RFC 2047 decoded, undecodable bytes replaced, unfolded."""
    text = str(value)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:
            pass
    return " ".join(text.split())


def raw_headers(part: Any) -> dict[str, list[str]]:
    """Header values by lower-case name, skipping any single header that cannot be read."""
    found: dict[str, list[str]] = {}
    try:
        items = list(part.raw_items())
    except Exception:
        return found
    for name, value in items:
        try:
            found.setdefault(str(name).strip().lower(), []).append(header_text(value))
        except Exception:
            continue
    return found


def token(value: str) -> str:
    """The leading keyword of a structured value: "auto-replied; x=y (vacation)" -> "auto-replied"."""
    return fold(re.split(r"[;(\s]", value.strip(), maxsplit=1)[0])


def content_type(part: Any) -> str:
    return token(raw_headers(part).get("content-type", ["text/plain"])[0]) or "text/plain"


def parameter(value: str, name: str) -> str:
    """One parameter of a structured header ("method" of a Content-Type), RFC 2231 form too."""
    pattern = rf"(?:^|;)\s*{name}\*?(?:\*\d+\*?)?\s*=\s*(?:\"([^\"]*)\"|([^;\s]*))"
    hit = re.search(pattern, value, re.IGNORECASE)
    if not hit:
        return ""
    found = hit.group(1) if hit.group(1) is not None else hit.group(2)
    return found.rpartition("''")[2] if "''" in found else found


def filename(part: Any) -> str:
    """The attachment name a part declares (Content-Disposition filename, else Content-Type name)."""
    headers = raw_headers(part)
    for field, name in (("content-disposition", "filename"), ("content-type", "name")):
        for value in headers.get(field, []):
            if found := parameter(value, name):
                return found
    return ""


def own_parts(msg: Any) -> list[Any]:
    """This message's own MIME tree, in order; attached messages are not entered."""
    found, stack = [], [msg]
    while stack and len(found) < MAX_PARTS:
        part = stack.pop()
        found.append(part)
        payload = part.get_payload() if content_type(part).startswith("multipart/") else None
        if isinstance(payload, list):
            stack.extend(reversed(payload))
    return found


def _opening_bytes(part: Any, limit: int) -> bytes | None:
    """The first `limit` decoded bytes of a leaf part, decoding only as much of the transfer
    encoding as that needs: a 30 MB attachment is never decoded whole to sniff its start."""
    try:
        raw = part.get_payload()
    except Exception:
        return None
    if not isinstance(raw, str):
        return None
    encoding = token(raw_headers(part).get("content-transfer-encoding", ["7bit"])[0])
    if encoding == "base64":
        chars = "".join(raw[: limit * 2].split())
        return binascii.a2b_base64(chars[: len(chars) // 4 * 4] or "")[:limit]
    if encoding == "quoted-printable":
        return quopri.decodestring(raw[: limit * 3].encode("ascii", "replace"))[:limit]
    try:
        return raw[:limit].encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return raw[:limit].encode("utf-8", "surrogateescape")


def part_text(part: Any, limit: int = _MAX_BODY_BYTES) -> str:
    """The decoded text of a leaf part (its first `limit` bytes), in its declared charset or UTF-8."""
    try:
        payload = _opening_bytes(part, limit)
    except (binascii.Error, ValueError):
        payload = None
    if payload is None:
        return ""
    charset = parameter(raw_headers(part).get("content-type", [""])[0], "charset") or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except (LookupError, ValueError):
        return payload.decode("utf-8", "replace")


def html_text(markup: str) -> str:
    """Enough of an HTML body's text to find phrases in: tags dropped, entities resolved."""
    return html.unescape(_TAGS.sub(" ", _BLOCK_TAGS.sub("\n", markup)))


def _is_attachment(part: Any) -> bool:
    disposition = raw_headers(part).get("content-disposition", [""])[0]
    return token(disposition) == "attachment" or bool(filename(part))


def body_text(msg: Any) -> str:
    """The text a reader sees first: the first text/plain body part, else the first text/html one."""
    parts = [p for p in own_parts(msg) if not content_type(p).startswith("multipart/")]
    plain = next((p for p in parts if content_type(p) == "text/plain" and not _is_attachment(p)), None)
    if plain is not None:
        return part_text(plain)
    markup = next((p for p in parts if content_type(p) == "text/html" and not _is_attachment(p)), None)
    return html_text(part_text(markup)) if markup is not None else ""


def leading(phrases: str, *, needs_separator: bool) -> re.Pattern[str]:
    """A subject-start pattern: optional gateway tags, optional bracket, then one phrase (folded)."""
    tail = r"\s*(?:[:\]】)]|$)" if needs_separator else r"\b"
    return re.compile(rf"^(?:\[[^\]]{{1,40}}\]\s*)*[\[【(]?\s*(?:{fold(phrases)}){tail}")


def as_written(text: str, folded_match: str, limit: int = 80) -> str:
    """The words of a match found in `fold(text)` as `text` writes them (case, accents, ß), on one line."""
    pieces = [fold(c) for c in text]
    ends = list(accumulate(len(p) for p in pieces))
    words = folded_match.split()
    hit = re.search(r"\s+".join(map(re.escape, words)), "".join(pieces)) if words else None
    if hit is None:
        return " ".join(folded_match.split())[:limit]
    first, last = bisect_right(ends, hit.start()), bisect_left(ends, hit.end())
    return " ".join(text[first:last + 1].split())[:limit]


def is_forward(subject: str) -> bool:
    """The subject starts "Fwd:" or a translation (WG, TR, RV, Doorst, VB, 転送…): a person passes mail on."""
    return bool(_FORWARD.search(fold(subject)))


def is_reply_or_forward(subject: str) -> bool:
    """The subject starts "Re:"/"Fwd:" or a translation: a person wrote on top of what follows."""
    return is_forward(subject) or bool(_REPLY.search(fold(subject)))


@dataclass(frozen=True)
class Mail:
    """The parsed message and its decoded headers, plus what the checks are told about us."""

    msg: Any
    headers: dict[str, list[str]]
    own_addresses: frozenset[str]
    loop_header: str

    def values(self, name: str) -> list[str]:
        return self.headers.get(name.lower(), [])

    def first(self, name: str) -> str:
        return next(iter(self.values(name)), "")

    @property
    def subject(self) -> str:
        return self.first("subject")

    def addresses(self, *names: str) -> list[tuple[str, str]]:
        """(display name, lower-case addr-spec) pairs of the named headers."""
        pairs = getaddresses([v for n in names for v in self.values(n)])
        return [(name, addr.strip().lower()) for name, addr in pairs if addr]

    def header(self, names: tuple[str, ...], accept: Callable[[str], bool] = lambda _: True) -> str | None:
        """"Name: value" of the first named header whose leading keyword is accepted."""
        for name in names:
            value = next((v for v in self.values(name) if accept(token(v))), None)
            if value is not None:
                return f"{name.title()}: {value}"
        return None
