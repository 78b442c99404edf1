"""Property-based tests (hypothesis) for the reader and the classifier on hostile input.

Real messages from tests/golden/reading/*.eml are mutated (bytes flipped, truncated, sections
duplicated or dropped, hostile headers and MIME tokens injected, line endings changed), and
MIME trees are generated at random (any nesting, wrong or missing boundaries, any transfer
encoding and charset, binary bodies). Whatever comes in, `parse_bytes`, `classify` and
`read_message` return: nothing they raise is acceptable. About 1,700 examples, in seconds;
`tests/bench/fuzz_parser.py` runs the same mutations 100,000 times.

A random MIME tree costs about 100 ms to read (one in five carries a 140 KB body somewhere,
read to the text limits), a mutated real mail 5-15 ms: the trees get 120 examples (30 more
under small limits), the mutations 500 — a minute of the suite's two workers had gone to
these alone; the heavy runs are the fuzzer's.
"""
from __future__ import annotations

import base64
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.intake.classify import MachineMail, classify
from bot.model import Request
from bot.reading.attachments import Remittance, read_attachments
from bot.reading.limits import MAX_REQUEST_CHARS
from bot.reading.mime import Attachment, Mail, decoded_head
from bot.reading.parsing import parse_bytes
from bot.reading.read import read_message
from tests.unit.reading import remittance_files as files

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "reading"
SEEDS = [p.read_bytes() for p in sorted(GOLDEN.glob("*.eml"))]
FAST = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Injected as header lines or dropped anywhere: what breaks parsers.
HOSTILE_HEADERS = [
    b"Content-Type: multipart/mixed; boundary=\"x\"",
    b"Content-Type: multipart/alternative",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=r",
    b"Content-Type: message/rfc822",
    b"Content-Type: text/plain; charset=\"x-unknown\"; format=flowed; delsp=yes",
    b"Content-Type: text/html; charset=utf-16",
    b"Content-Type: text/csv; name*0*=utf-8''%E2%82; name*1=x",
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: x-uuencode",
    b"Content-Disposition: attachment; filename=\"=?utf-8?b?%%%?=.csv\"",
    b"Subject: =?utf-8?b?R0gxMjM=?= =?x?q?=ZZ?= =?utf-8?b?====?=",
    b"From: \"=?utf-8?q?ann=40bluepeak.example?=\" <evil@x.example>",
    b"From: ann@bluepeak.example, bob@bluepeak.example",
    b"From: (((((<<<>>>\"",
    b"Date: Mon, 99 Foo 99999 99:99:99 +9999",
    b"Auto-Submitted: auto-replied",
    b"Authentication-Results: mx; dmarc=fail",
    b"References: " + b"<a@b> " * 200,
    b"X-Long: " + b"y" * 40_000,
    b"Subject: \x00\xff\xfe\x80 caf\xe9",
    b"\x00: \x00",
    b" continuation first",
    b"From nobody Mon Jan 1 00:00:00 2024",
]
TOKENS = [b"\n", b"\r", b"\r\n", b"\n\n", b"--", b"--x\n", b"--x--\n", b"=?utf-8?b?", b"?=", b"=\n", b"=ZZ", b"\x00",
          b"\xff\xfe", b"\xc3", b"begin 644 f\n", b"<html><table><tr><td>", b"</td></tr>", b"> ", b"PY40028173",
          b"G012345678", b"1.234,56 EUR", b"From: a@b\nSent: x\nTo: y\n", b"-- \n", b"A. " * 50]


def boundaries(raw: bytes) -> list[bytes]:
    found = []
    for token in raw.split(b"boundary=")[1:]:
        value = token.split(b";")[0].split(b"\n")[0].strip().strip(b'"')
        if value:
            found.append(b"--" + value)
    return found


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["flip", "truncate", "duplicate", "drop", "inject_header", "insert", "boundary",
                                   "newlines"]))
        size = len(raw)
        at = draw(st.integers(0, size))
        if op == "flip" and size:
            at = min(at, size - 1)
            raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1:]
        elif op == "truncate":
            raw = raw[:at]
        elif op == "duplicate":
            end = draw(st.integers(at, size))
            raw = raw[:end] + raw[at:end] * draw(st.integers(1, 3)) + raw[end:]
        elif op == "drop":
            raw = raw[:at] + raw[draw(st.integers(at, size)):]
        elif op == "inject_header":
            line = draw(st.sampled_from(HOSTILE_HEADERS)) + b"\n"
            cut = raw.find(b"\n", at) + 1 if draw(st.booleans()) else 0
            raw = raw[:cut] + line + raw[cut:]
        elif op == "insert":
            raw = raw[:at] + draw(st.sampled_from(TOKENS) | st.binary(max_size=40)) + raw[at:]
        elif op == "boundary" and boundaries(raw):
            raw = raw[:at] + b"\n" + draw(st.sampled_from(boundaries(raw))) + draw(st.sampled_from([b"\n", b"--\n", b""])) + raw[at:]
        elif op == "newlines":
            raw = draw(st.sampled_from([raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), raw.replace(b"\n", b"\r"),
                                        raw.replace(b"\r\n", b"\n")]))
    return raw


CONTENT_TYPES = ["text/plain", "text/html", "text/csv", "application/pdf", "application/zip", "message/rfc822",
                 "message/delivery-status", "image/png", "x/x", ""]
ENCODINGS = ["", "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus"]
CHARSETS = [None, "utf-8", "us-ascii", "iso-8859-1", "windows-1252", "shift_jis", "iso-2022-jp", "utf-16", "utf-7",
            "x-unknown", ""]
BODIES = st.sampled_from([b"Please apply PY40028173 to G012345678, 1.234,56 EUR.\n", "Grüße, Jörg\n".encode("cp1252"),
                          "請求書G012345678".encode("shift_jis"), b"invoice;amount\nG012345678;1,00\n",
                          b"<p>Apply <b>PY40028173</b></p>", b"",
                          b"invoice;amount\nG012345678;1,00\n" + b"x" * 140_000 + b";1\n"]) | st.binary(max_size=300)


@st.composite
def leaf(draw: st.DrawFn) -> bytes:
    ctype = draw(st.sampled_from(CONTENT_TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(ENCODINGS))
    body = draw(BODIES)
    if cte == "base64" and draw(st.booleans()):
        body = base64.encodebytes(body)
    head = b""
    if ctype:
        head += f"Content-Type: {ctype}".encode() + (f"; charset={charset}".encode() if charset is not None else b"") + b"\n"
    if cte:
        head += f"Content-Transfer-Encoding: {cte}\n".encode()
    if draw(st.booleans()):
        head += b"Content-Disposition: attachment; filename=" + draw(st.sampled_from([b"a.csv", b"b.pdf", b"\"\"", b"x.zip"])) + b"\n"
    return head + b"\n" + body


def multipart(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        boundary = draw(st.sampled_from([b"b", b"x", b"", b"b b", b"=_part", b"--", os.urandom(4).hex().encode()]))
        used = draw(st.sampled_from([boundary, boundary, b"other"]))  # sometimes the wrong one
        parts = draw(st.lists(children, max_size=5))
        subtype = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"report", b"digest"]))
        body = b"".join(b"--" + used + b"\n" + p + b"\n" for p in parts)
        if draw(st.booleans()):
            body += b"--" + used + b"--\n"
        return b"Content-Type: multipart/" + subtype + b"; boundary=\"" + boundary + b"\"\n\n" + body
    return build()


TREES = st.recursive(leaf(), multipart, max_leaves=25)


@st.composite
def random_message(draw: st.DrawFn) -> bytes:
    people = [b"From: Ann <ann@bluepeak.example>", b"Subject: allocation", b"Auto-Submitted: no"]
    headers = draw(st.lists(st.sampled_from(HOSTILE_HEADERS + people), max_size=5))
    return b"".join(line + b"\n" for line in headers) + draw(TREES)


def read_everything(raw: bytes, **limits: int) -> tuple[Mail, Request]:
    msg = parse_bytes(raw, **limits)
    verdict = classify(msg, own_addresses=frozenset({"allocations@billing.example"}), loop_header="X-Allocbot-Loop")
    assert verdict is None or isinstance(verdict, MachineMail)
    mail, request = read_message(msg, invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    assert isinstance(mail, Mail) and isinstance(request, Request)
    assert len(request.text) <= MAX_REQUEST_CHARS + 1  # subject, newline, body and attachment lines
    for attachment in mail.attachments:
        head, _ = attachment.head(1000)
        assert isinstance(head, bytes) and len(head) <= 1000
    return mail, request


@settings(FAST, max_examples=500)
@given(mutated())
def test_mutated_real_mail_is_always_read(raw: bytes) -> None:
    read_everything(raw)


@settings(FAST, max_examples=120)
@given(random_message())
def test_random_mime_trees_are_always_read(raw: bytes) -> None:
    read_everything(raw)


@settings(FAST, max_examples=30)
@given(random_message(), st.integers(1, 6), st.integers(1, 30))
def test_small_limits_never_break_reading(raw: bytes, depth: int, parts: int) -> None:
    mail, _ = read_everything(raw, max_depth=depth, max_parts=parts)
    if mail.limits and mail.limits[0].startswith("not read"):
        assert mail.body == "" and mail.attachments == ()


@settings(FAST, max_examples=400)
@given(st.binary(max_size=3000))
def test_any_bytes_are_read(raw: bytes) -> None:
    read_everything(raw)


@settings(FAST, max_examples=300)
@given(st.binary(max_size=4000), st.sampled_from(["base64", "quoted-printable", "8bit", ""]), st.integers(1, 5000))
def test_a_decoded_prefix_is_the_start_of_the_whole(data: bytes, cte: str, limit: int) -> None:
    if cte == "base64":
        payload = base64.encodebytes(data)
    elif cte == "quoted-printable":
        import quopri
        payload = quopri.encodestring(data)
    else:
        payload = data.replace(b"\r", b"")
    msg = parse_bytes(b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: " + cte.encode() + b"\n\n" + payload)
    whole = msg.get_payload(decode=True)
    head, cut = decoded_head(msg, limit)
    assert head == whole[:limit] and cut == (len(whole) > limit)


ADVICES = [
    ("advice.pdf", "application/pdf", files.table_pdf(["Payment PY40028173"], ["Invoice", "Invoice amount", "Paid"],
                                                      [["G012345678", "1,000.00 EUR", "980.00 EUR"]])),
    ("scan.pdf", "application/pdf", files.scanned_pdf_bytes()),
    ("advice.xlsx", files.XLSX, files.xlsx_bytes([["Invoice", "Paid"], ["G012345678", 980.5]], formats={1: "#,##0.00"})),
]


@st.composite
def broken_advice(draw: st.DrawFn) -> Attachment:
    """A real PDF or workbook with bytes flipped, cut, dropped or repeated."""
    name, ctype, data = draw(st.sampled_from(ADVICES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "truncate", "drop", "duplicate"]))
        if op == "flip" and at < len(data):
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif op == "truncate":
            data = data[:at]
        elif op == "drop":
            data = data[:at] + data[min(len(data), at + draw(st.integers(1, 500))):]
        else:
            end = min(len(data), at + draw(st.integers(1, 500)))
            data = data[:end] + data[at:end] + data[end:]
    return Attachment(name, ctype, data)


@settings(FAST, max_examples=300)
@given(broken_advice())
def test_a_broken_pdf_or_workbook_is_read_or_reported_never_raises(attachment: Attachment) -> None:
    found = read_attachments((attachment,))
    assert isinstance(found, Remittance)
    assert all(note.startswith(f"attachment {attachment.filename!r} ") for note in found.unreadable + found.limits)
    if found.unreadable:
        assert found.lines == []  # nothing of an unreadable attachment is read
