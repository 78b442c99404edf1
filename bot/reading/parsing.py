"""Bytes to a parsed message, within the limits of limits.py (issue 5: hostile mail).

`parse_bytes` never builds more MIME parts, deeper nesting, more header fields or longer
header fields than allowed, never holds a second copy of the message, and never raises:
past a limit, the message is parsed from its header section only and carries a
`MessageTooComplex` defect (`too_complex` says why), enough to tell machine mail and to hold
the rest for a person.
"""
from __future__ import annotations

import email
import email.errors
import email.message
import email.policy
import functools
import re
from email.headerregistry import HeaderRegistry
from email.feedparser import BytesFeedParser
from email.message import EmailMessage, Message

from bot.reading.limits import MAX_DEPTH, MAX_HEADER_CHARS, MAX_HEADER_FIELDS, MAX_LINES, MAX_PARTS

__all__ = ["MessageTooComplex", "POLICY", "parse_bytes", "parse_headers", "too_complex"]

_CHUNK = 65_536  # bytes fed to the parser at a time: it never holds a second copy of the whole message


class _RememberingHeaders(HeaderRegistry):
    """policy.default's header classes, but a field read again is not parsed again.

    The library parses a header afresh on every `msg.get` (Content-Type alone is read a dozen
    times per part), which profiled as a third of reading a message. Header objects are
    immutable strings, so one parse per distinct (name, value) can be shared; the cache is
    bounded, so hostile mail with many distinct fields only evicts."""

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one registry for the process, on purpose
    def __call__(self, name: str, value: str):  # type: ignore[override]
        return super().__call__(name, value)


POLICY = email.policy.default.clone(header_factory=_RememberingHeaders())


class MessageTooComplex(email.errors.MessageDefect):
    """More MIME parts, deeper nesting or a longer header field than the reader takes: the
    message was parsed from its header section only."""


class _Exceeded(Exception):
    pass


# A header field or its continuation, as the mail library tells them from the body.
_HEADER_LINE = re.compile(rb"(?:From |[\041-\071\073-\176]*:|[\t ])")


def _fields(lines: list[str]) -> tuple[int, int]:
    """(number of fields, length of the longest) of a header section's lines."""
    count = longest = current = 0
    for line in lines:
        if line[:1] in (" ", "\t"):
            current += len(line)
        else:
            count, current = count + 1, len(line)
        longest = max(longest, current)
    return count, longest


class _BoundedParser(BytesFeedParser):
    """The library's parser, refusing to build more parts, deeper nesting or longer header
    fields than allowed, so memory and time stay in proportion to the message's size (and
    its recursive descent never reaches Python's recursion limit)."""

    def __init__(self, *, max_parts: int, max_depth: int) -> None:
        super().__init__(policy=POLICY)
        self._max_parts, self._max_depth, self._parts, self._fields = max_parts, max_depth, 0, 0

    def _new_message(self) -> None:
        self._parts += 1
        if self._parts > self._max_parts:
            raise _Exceeded(f"more than {self._max_parts} MIME parts (max_mime_parts)")
        if len(self._msgstack) >= self._max_depth:
            raise _Exceeded(f"MIME parts nested more than {self._max_depth} levels deep (max_mime_depth)")
        super()._new_message()

    def _parse_headers(self, lines: list[str]) -> None:
        count, longest = _fields(lines)
        if longest > MAX_HEADER_CHARS:
            raise _Exceeded(f"a header field of {longest:,} characters (more than {MAX_HEADER_CHARS:,})")
        self._fields += count
        if self._fields > MAX_HEADER_FIELDS:
            raise _Exceeded(f"more than {MAX_HEADER_FIELDS:,} header fields")
        super()._parse_headers(lines)


def _header_fields(raw: bytes):
    """The header section's lines, up to the first line that is not a header field (the blank
    line, or a body without one)."""
    start = 0
    while start < len(raw):
        nl = raw.find(b"\n", start)
        end = len(raw) if nl < 0 else nl + 1
        line = raw[start:end]
        if not _HEADER_LINE.match(line):
            return
        yield line
        start = end


def parse_headers(raw: bytes) -> EmailMessage:
    """The message's header section, without any field over the length limit, up to
    MAX_HEADER_FIELDS fields, and no body: all that listing or machine-mail checks need."""
    parser = BytesFeedParser(policy=POLICY)
    field: list[bytes] = []
    size = kept = 0

    def flush() -> int:
        if field and size <= MAX_HEADER_CHARS:
            parser.feed(b"".join(field))
            return 1
        return 0

    for line in _header_fields(raw):
        if line[:1] not in (b" ", b"\t"):
            kept += flush()
            field, size = [], 0
            if kept >= MAX_HEADER_FIELDS:
                break
        size += len(line)
        if size <= MAX_HEADER_CHARS:
            field.append(line)
    else:
        flush()
    parser.feed(b"\n")
    return parser.close()  # type: ignore[return-value]


def _line_count(raw: bytes) -> int:
    """Lines as the parser splits them: at LF, CRLF and a lone CR."""
    return raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")


def parse_bytes(raw: bytes, *, max_parts: int = MAX_PARTS, max_depth: int = MAX_DEPTH,
                max_lines: int = MAX_LINES) -> EmailMessage:
    """The parsed message; never raises. A message over the limits comes back with its header
    section only and a `MessageTooComplex` defect (see `too_complex`)."""
    if (lines := _line_count(raw)) > max_lines:
        why = f"{lines:,} lines (more than {max_lines:,})"
    else:
        parser = _BoundedParser(max_parts=max_parts, max_depth=max_depth)
        try:
            for start in range(0, len(raw), _CHUNK):
                parser.feed(raw[start : start + _CHUNK])
            return parser.close()  # type: ignore[return-value]
        except _Exceeded as exc:
            why = str(exc)
        except RecursionError:  # a depth limit set higher than Python's stack allows
            why = "MIME parts nested too deeply to parse"
        del parser
    msg = parse_headers(raw)
    msg.defects.append(MessageTooComplex(why))
    return msg


def too_complex(msg: Message) -> str | None:
    """Why the message was parsed from its headers only, or None."""
    return next((str(d) for d in getattr(msg, "defects", ()) if isinstance(d, MessageTooComplex)), None)


