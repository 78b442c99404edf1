"""Hostile and broken mail (issue 5): every input gives a Mail and a Request, within the limits
of bot/reading/limits.py, in bounded time and memory. Pure: no database, no mailbox.

Memory is asserted (tracemalloc peaks: the bounds are promises); time is not, by the house
rule: `tests/bench/bench_hostile_reading.py` times the same inputs and prints the figures. The
quadratic paths fixed here took 28 s (a 1 MB Subject in the mail library's header parser) and
5 minutes (a line of "A. A. A. …" 200,000 characters long split into sentences).
"""
from __future__ import annotations

import base64
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from bot.intake.classify import classify
from bot.model import Request
from bot.reading.attachments import read_attachments
from bot.reading.extract import read_request
from bot.reading.limits import (MAX_ATTACHMENT_BYTES, MAX_DEPTH, MAX_HEADER_CHARS, MAX_PART_BYTES, MAX_PARTS,
                                MAX_REQUEST_CHARS)
from bot.reading.mime import Attachment, Mail, decoded_head, read_mail
from bot.reading.parsing import parse_bytes, too_complex
from bot.reading.read import read_message

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "reading"
REQUEST = b"Please apply payment PY40028173 to invoice G012345678.\n"
GOLDEN_REQUEST = (GOLDEN / "en_two_instructions.eml").read_bytes()
WARM_UP = [GOLDEN_REQUEST] + [(GOLDEN / f"{name}.eml").read_bytes() for name in ("pdf_en_remittance_advice", "xlsx_header_paid_column")]


def read(raw: bytes, **limits: int) -> tuple[Mail, Request]:
    """Parse and read as the service does; classify must not raise either."""
    msg = parse_bytes(raw, **limits)
    classify(msg, own_addresses=frozenset({"allocations@billing.example"}), loop_header="X-Allocbot-Loop")
    mail, request = read_message(msg, invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    assert isinstance(mail.body, str) and isinstance(mail.subject, str) and isinstance(request, Request)
    return mail, request


def ids(request: Request) -> tuple[list[str], list[str]]:
    return ([p for i in request.instructions for p in i.payment_ids],
            [line.invoice_number for i in request.instructions for line in i.lines])


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


# ---- malformed MIME ---------------------------------------------------------------------

def mixed(*parts: bytes, boundary: bytes = b"b", close: bool = True) -> bytes:
    body = b"".join(b"--" + boundary + b"\n" + p + b"\n" for p in parts)
    return (b"From: Ann <ann@bluepeak.example>\nSubject: allocation\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\n\n" + body + (b"--" + boundary + b"--\n" if close else b""))


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\n\n" + REQUEST

MALFORMED = {
    "boundary_never_used": b'Content-Type: multipart/mixed; boundary="zz"\n\n' + REQUEST,
    "boundary_parameter_missing": b"Content-Type: multipart/mixed\n\n--x\n" + TEXT_PART + b"--x--\n",
    "boundary_empty": b'Content-Type: multipart/mixed; boundary=""\n\n--\n' + TEXT_PART + b"----\n",
    "closing_boundary_missing": mixed(TEXT_PART, close=False),
    "part_without_headers_or_blank_line": mixed(REQUEST),
    "part_unterminated_mid_header": mixed(TEXT_PART) + b"--b\nContent-Type: text/pl",
    "truncated_inside_base64": mixed(TEXT_PART, b"Content-Type: text/csv\nContent-Disposition: attachment; filename=a.csv\n"
                                                b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"G012345678;1,00\n" * 50)[:333], close=False),
    "base64_garbage": b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n%%%%====!!!!\x00\xff\n",
    "base64_declared_on_plain_text": b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + REQUEST,
    "quoted_printable_broken": b"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=\n=Z=ZZ=0" + REQUEST,
    "transfer_encoding_unknown": b"Content-Type: text/plain\nContent-Transfer-Encoding: x-rot13-deluxe\n\n" + REQUEST,
    "transfer_encoding_uuencode_broken": b"Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n!!!!\n",
    "charset_unknown": b"Content-Type: text/plain; charset=x-klingon-9\n\n" + REQUEST,
    "charset_empty": b"Content-Type: text/plain; charset=\n\n" + REQUEST,
    "charset_nul": b"Content-Type: text/plain; charset=\"utf\x00-8\"\n\n" + REQUEST,
    "charset_utf7": b"Content-Type: text/plain; charset=utf-7\n\n+AEc-012345678 +2D3cAA-\n",
    "charset_lie_utf8_labelled_ascii": b"Content-Type: text/plain; charset=us-ascii\n\nG\xc3\xb6ran: " + REQUEST,
    "charset_lie_latin1_labelled_utf8": b"Content-Type: text/plain; charset=utf-8\n\nJ\xf6rg: " + REQUEST,
    "charset_lie_utf16_on_ascii": b"Content-Type: text/plain; charset=utf-16\n\n" + REQUEST,
    "charset_lie_utf32_on_ascii": b"Content-Type: text/plain; charset=utf-32\n\n" + REQUEST[:-1] + b"...\n",
    "charset_lie_shift_jis_on_binary": b"Content-Type: text/plain; charset=shift_jis\n\n" + bytes(range(256)) + REQUEST,
    "content_type_garbage": b"Content-Type: ;;;===\"\"\"/\n\n" + REQUEST,
    "content_type_message_rfc822_not_a_message": b"Content-Type: message/rfc822\n\n" + REQUEST,
    "multipart_digest_of_junk": b'Content-Type: multipart/digest; boundary="d"\n\n--d\n\x00\xff junk\n--d--\n',
    "rfc2231_continuations_broken": b"Content-Type: text/plain; charset*0*=utf-8''a; charset*5=x; name*=''\n\n" + REQUEST,
    "disposition_garbage": mixed(TEXT_PART, b"Content-Disposition: attachment; filename*=x'y'%%%; filename=\n\n\x00\x01"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_mime_is_read_without_raising(name: str) -> None:
    mail, request = read(MALFORMED[name])
    assert mail.limits == ()  # malformed, but small: read in full, never "too complex"


@pytest.mark.parametrize("name", ["closing_boundary_missing", "part_unterminated_mid_header", "truncated_inside_base64",
                                  "transfer_encoding_unknown", "charset_unknown", "charset_nul",
                                  "charset_lie_utf8_labelled_ascii", "charset_lie_latin1_labelled_utf8",
                                  "charset_lie_utf16_on_ascii", "content_type_garbage"])
def test_the_request_survives_the_damage_around_it(name: str) -> None:
    _, request = read(MALFORMED[name])
    assert ids(request) == (["PY40028173"], ["G012345678"])


def test_a_utf16_label_on_ascii_text_is_a_lie_but_real_utf16_is_read() -> None:
    utf16 = b"Content-Type: text/plain; charset=utf-16\n\n" + REQUEST.decode().encode("utf-16")
    assert ids(read(utf16)[1]) == (["PY40028173"], ["G012345678"])


# ---- nesting and part counts ------------------------------------------------------------

def nested(levels: int, *, inner: bytes = TEXT_PART, headers: bytes = b"", name: bytes = b"b") -> bytes:
    opening = b"".join(b"--%s%d\nContent-Type: multipart/mixed; boundary=%s%d\n\n" % (name, i, name, i + 1) for i in range(levels - 1))
    closing = b"".join(b"--%s%d--\n" % (name, i) for i in reversed(range(levels)))
    return (headers + b"From: ann@bluepeak.example\nSubject: s\nContent-Type: multipart/mixed; boundary=%s0\n\n" % name
            + opening + b"--%s%d\n" % (name, levels - 1) + inner + closing)


def test_fifty_levels_of_nesting_are_not_walked_past_the_depth_limit() -> None:
    raw = nested(50)
    mail, request = read(raw)
    assert too_complex(parse_bytes(raw)) == f"MIME parts nested more than {MAX_DEPTH} levels deep (max_mime_depth)"
    assert mail.body == "" and mail.attachments == () and request.instructions == ()
    assert mail.limits and "nested more than 20 levels" in mail.limits[0]
    assert (mail.subject, mail.from_header) == ("s", "ann@bluepeak.example")  # the headers are still read


def test_the_depth_limit_is_the_setting_not_a_constant() -> None:
    mail, request = read(nested(50), max_depth=60)
    assert mail.limits == () and ids(request) == (["PY40028173"], ["G012345678"])
    mail, _ = read(nested(10), max_depth=5)
    assert "5 levels" in mail.limits[0]


def test_nesting_deeper_than_python_can_recurse_is_too_complex_not_a_crash() -> None:
    raw = nested(5_000)
    mail, _ = read(raw, max_depth=100_000)  # a limit set absurdly high: the parser's recursion still ends
    assert mail.limits and mail.body == ""


def test_too_many_parts_are_not_built() -> None:
    many = mixed(*([TEXT_PART] + [b"Content-Type: text/plain\n\nx"] * 300))
    mail, request = read(many)
    assert mail.limits == (f"not read: more than {MAX_PARTS} MIME parts (max_mime_parts)",)
    assert request.instructions == ()
    mail, request = read(mixed(*([TEXT_PART] + [b"Content-Type: text/plain\n\nx"] * 150)))
    assert mail.limits == () and ids(request) == (["PY40028173"], ["G012345678"])
    assert read(many, max_parts=1_000)[0].limits == ()


def test_many_empty_parts_cost_no_more_than_the_limit() -> None:
    raw = b"Content-Type: multipart/mixed; boundary=b\n\n" + b"--b\n\n" * 400_000 + b"--b--\n"  # 2 MB, 800,000 lines
    ((mail, _), peak), seconds = timed(peak_while, read, raw)
    print(f"\n400,000 empty parts ({len(raw):,} bytes): peak {peak / 1e6:.1f} MB, {seconds:.2f} s")
    assert mail.limits == (f"not read: more than {MAX_PARTS} MIME parts (max_mime_parts)",)
    assert peak < 2 * len(raw)  # 400,000 parts would take 400 MB


def test_millions_of_short_lines_are_not_parsed() -> None:
    raw = b"Subject: s\n\n" + REQUEST + b"a\n" * 2_000_000  # would keep 2,000,000 strings: 120 MB for 4 MB
    ((mail, request), peak), seconds = timed(peak_while, read, raw)
    assert mail.limits == ("not read: 2,000,003 lines (more than 1,000,000)",) and mail.subject == "s"
    assert peak < 5_000_000
    # The service allows more lines when max_message_mb is larger: then the message is parsed and
    # read. The lines are in an attachment here: read as text, 250,000 of them to the text limits
    # took 15 s (test_a_body_over_the_text_budget_is_cut_and_says_so reads dense text to that limit,
    # test_an_overlong_line_is_read_only_to_the_limit shows both limits of a text part).
    attached = mixed(TEXT_PART, b"Content-Type: application/octet-stream\nContent-Disposition: attachment; "
                                b"filename=lines.bin\n\n" + b"a\n" * 2_000_000)
    assert read(attached)[0].limits == ("not read: 2,000,016 lines (more than 1,000,000)",)
    mail, request = read(attached, max_lines=3_000_000)
    assert mail.limits == () and ids(request) == (["PY40028173"], ["G012345678"])
    assert [a.filename for a in mail.attachments] == ["lines.bin"]


def test_a_line_count_is_what_the_parser_splits_at() -> None:
    assert read(b"Subject: s\r\n\r\n" + b"a\r\n" * 1_000)[0].limits == ()
    assert read(b"Subject: s\n\n" + b"a\r" * 1_000, max_lines=999)[0].limits == ("not read: 1,002 lines (more than 999)",)


def test_header_fields_are_counted_over_the_whole_message() -> None:
    part = b"Content-Type: text/plain\n" + b"X-A: b\n" * 20_000 + b"\nx"
    mail, _ = read(mixed(TEXT_PART, part, part, part))
    assert mail.limits == ("not read: more than 50,000 header fields",) and mail.subject == "allocation"
    raw = b"".join(b"X-%d: v\n" % i for i in range(250_000)) + b"Subject: s\n\n" + REQUEST
    ((mail, _), peak), seconds = timed(peak_while, read, raw)  # parsed, 250,000 fields take about 60 MB
    assert mail.limits == ("not read: more than 50,000 header fields",) and peak < 40_000_000


def test_an_attached_message_counts_toward_the_limits() -> None:
    inner = nested(15, name=b"inner")
    outer = mixed(TEXT_PART, b"Content-Type: message/rfc822\n\n" + nested(10, inner=b"Content-Type: message/rfc822\n\n" + inner))
    assert read(outer)[0].limits  # 1 + 1 + 10 + 1 + 15 levels
    mail, request = read(outer, max_depth=40)
    assert mail.limits == () and ids(request) == (["PY40028173"], ["G012345678"])  # the attached messages are not read


# ---- a 30 MB attachment -----------------------------------------------------------------

def with_attachment(data: bytes, content_type: str, filename: str) -> bytes:
    return mixed(TEXT_PART, f"Content-Type: {content_type}\nContent-Disposition: attachment; filename={filename}\n"
                            f"Content-Transfer-Encoding: base64\n\n".encode() + base64.encodebytes(data))


def peak_while(fn, *args):
    """fn(*args) and the peak of memory allocated meanwhile. The reader is used once first: its
    first use loads word lists and compiles patterns (about 14 MB, once per process), and pypdf
    and openpyxl (8 MB) when the first PDF and workbook come."""
    for warm_up in WARM_UP:
        read(warm_up)
    tracemalloc.start()
    try:
        result = fn(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["pdf", "csv"])
def test_a_30_mb_attachment_is_read_in_bounded_memory(kind: str) -> None:
    size = 30 * 1024 * 1024
    if kind == "csv":
        rows = b"".join(b"G%09d;%d,00\n" % (i, i) for i in range(size // 16 + 1))[:size]
        raw = with_attachment(rows, "text/csv", "remittance.csv")
        del rows
    else:
        raw = with_attachment(os.urandom(size), "application/pdf", "scan.pdf")
    ((mail, request), peak), seconds = timed(peak_while, read, raw)
    print(f"\n30 MB {kind} attachment: message {len(raw) / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB "
          f"({peak / len(raw):.2f}x the message), {seconds:.1f} s")
    assert peak < 8 * len(raw)
    assert peak < 4 * len(raw)  # what is measured is under 3x: parsing, the prefix read, nothing decoded whole
    assert ("PY40028173", "G012345678") == (ids(request)[0][0], ids(request)[1][0])
    # over max_attachment_mb (10 MB by default): not read at all, and so not decoded at all
    name = "remittance.csv" if kind == "csv" else "scan.pdf"
    assert mail.limits == ()
    assert mail.unreadable == (f"attachment {name!r} is larger than {MAX_ATTACHMENT_BYTES:,} bytes (max_attachment_mb)",)


def test_a_csv_under_the_size_limit_is_read_to_its_first_part_bytes() -> None:
    rows = b"".join(b"G%09d;%d,00\n" % (i, i) for i in range(3_000_000 // 16 + 1))  # 3 MB
    mail, request = read(with_attachment(rows, "text/csv", "remittance.csv"))
    assert mail.unreadable == ()
    assert any(f"first {MAX_PART_BYTES:,} bytes" in note for note in mail.limits)


@pytest.mark.parametrize("byte", [b"x", b"\xe9"])
def test_one_line_of_20_mb_is_parsed_in_bounded_memory(byte: bytes) -> None:
    raw = b"Subject: s\nContent-Type: application/octet-stream\n\n" + byte * 20_000_000  # no line break at all
    ((mail, _), peak), seconds = timed(peak_while, read, raw)
    print(f"\none line of 20 MB ({byte!r}): peak {peak / 1e6:.1f} MB ({peak / len(raw):.2f}x), {seconds:.1f} s")
    assert peak < 8 * len(raw) and mail.limits == ()


def test_only_a_prefix_of_an_attachment_is_decoded() -> None:
    msg = parse_bytes(with_attachment(os.urandom(8 * 1024 * 1024), "application/octet-stream", "blob.bin"))
    (attachment,) = read_mail(msg).attachments
    (head, cut), peak = peak_while(attachment.head, 1000)
    assert len(head) == 1000 and cut and peak < 100_000  # not the 8 MB
    assert attachment.data[:1000] == head and len(attachment.data) == 8 * 1024 * 1024  # a download still gets it all


def test_decoded_head_agrees_with_the_library() -> None:
    for cte, payload in (("base64", base64.encodebytes(os.urandom(5000))), ("quoted-printable", b"a=3Db=\nc=E9\n" * 300),
                         ("8bit", "Grüße\n".encode() * 400), ("", b"plain\n" * 900)):
        msg = parse_bytes(b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: " + cte.encode() + b"\n\n" + payload)
        whole = msg.get_payload(decode=True)
        assert decoded_head(msg, 10**6) == (whole, False)
        assert decoded_head(msg, 1234) == (whole[:1234], True)


# ---- zip and PDF bombs: never expanded ------------------------------------------------------

# bzip2 of 2**30 zero bytes (785 bytes), made once with bz2.BZ2Compressor(9) fed 1024 blocks of
# 1 MiB of zeros; its CRC-32 is 0x5b64c2b0. Made here it would cost 9 seconds every run.
BZIP2_1GB_OF_ZEROS = base64.b64decode(
    "QlpoOTFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQA"
    "DAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcx"
    "QVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACC"
    "AAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZ"
    "Dgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATU"
    "ZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8B"
    "X45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQ"
    "qAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADA"
    "AAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQV"
    "kmU1lIfF/JAIpSyADAAAAEAAggADDMBSmmkSJDYUSJDxdyRThQkPaI5AI="
)


def zip_of_zeros() -> bytes:
    """A 1 KB zip (one bzip2 member) that expands to 1 GiB of zeros, written by hand."""
    import struct

    data, name, crc, size = BZIP2_1GB_OF_ZEROS, b"zeros.bin", 0x5B64C2B0, 1 << 30
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 46, 0, 12, 0, 0, crc, len(data), size, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 46, 46, 0, 12, 0, 0, crc, len(data), size, len(name),
                          0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


def test_the_zip_bomb_is_one() -> None:
    import io
    import zipfile

    import bz2

    with zipfile.ZipFile(io.BytesIO(zip_of_zeros())) as archive:  # (zipfile would unpack all of it to read 1 byte)
        (member,) = archive.infolist()
        assert (member.file_size, member.compress_size, member.compress_type) == (1 << 30, 785, zipfile.ZIP_BZIP2)
    assert bz2.BZ2Decompressor().decompress(BZIP2_1GB_OF_ZEROS, max_length=1 << 20) == bytes(1 << 20)


def pdf_with_huge_stream(size: int) -> bytes:
    import zlib

    stream = zlib.compress(bytes(size), 9)
    return (b"%PDF-1.4\n1 0 obj\n<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n"
            + stream + b"\nendstream\nendobj\n(G012345678 PY40028173)\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def pdf_page_bomb(size: int) -> bytes:
    """A well-formed one-page PDF whose page content (a line of text, then `size` NUL bytes,
    which PDF reads as white space) is one deflated stream, compressed as it is written."""
    import zlib

    packer = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    stream = packer.compress(b"BT /F1 12 Tf 50 800 Td (Payment PY40028173 to G012345678) Tj ET\n")
    stream += b"".join(packer.compress(chunk) for _ in range(size // len(chunk))) + packer.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


@pytest.mark.parametrize("bomb", ["zip", "pdf", "pdf_page"])
def test_zip_and_pdf_bombs_are_never_expanded(bomb: str) -> None:
    data = {"zip": zip_of_zeros, "pdf": lambda: pdf_with_huge_stream(256 << 20), "pdf_page": lambda: pdf_page_bomb(256 << 20)}[bomb]()
    assert len(data) < 300_000  # 1 KB of zip for 1 GiB of zeros; a PDF with 256 MiB in a 250 KB stream
    content_type, name = ("application/zip", "remittance.zip") if bomb == "zip" else ("application/pdf", "remittance.pdf")
    raw = with_attachment(data, content_type, name)
    ((mail, request), peak), seconds = timed(peak_while, read, raw)
    print(f"\n{bomb} bomb ({len(data):,} bytes): peak {peak / 1e6:.1f} MB, {seconds:.2f} s")
    assert peak < 10_000_000  # expanding would take a gigabyte (zip) or 256 MB (pdf)
    assert [a.filename for a in mail.attachments] == [name] and mail.limits == ()
    assert ids(request) == (["PY40028173"], ["G012345678"])  # the body's request; the PDF's text is not read
    remittance = read_attachments(mail.attachments)
    assert (remittance.lines, remittance.limits) == ([], [])
    if bomb == "zip":  # an archive is not opened, and not held for: it is no remittance advice
        assert mail.unreadable == () and remittance.unreadable == []
    else:  # a PDF that cannot be read (broken, or a stream past pypdf's lowered limit) holds the message
        assert mail.unreadable == tuple(remittance.unreadable) and len(mail.unreadable) == 1
        assert mail.unreadable[0].startswith("attachment 'remittance.pdf' cannot be read as a PDF")


def test_the_pdf_page_bomb_is_one() -> None:
    import io

    import pypdf

    small = pdf_page_bomb(1 << 20)  # the same, 1 MiB of white space: pypdf reads it
    page = pypdf.PdfReader(io.BytesIO(small)).pages[0]
    assert "PY40028173" in page.extract_text() and len(page.get_contents().get_data()) > 1 << 20


# ---- huge headers --------------------------------------------------------------------------

def test_a_1_mb_subject_is_too_complex_and_read_fast() -> None:
    raw = b"From: ann@bluepeak.example\nSubject: " + b"ab " * 350_000 + b"\n\n" + REQUEST
    mail, request = read(raw)
    assert mail.limits == (f"not read: a header field of 1,050,010 characters (more than {MAX_HEADER_CHARS:,})",)
    assert mail.subject == "" and mail.from_header == "ann@bluepeak.example"  # the overlong field is left out
    assert request.instructions == ()


def test_a_subject_just_under_the_limit_is_read() -> None:
    subject = b"Re: " + b"PY40028173 G012345678 " * 1400  # 30,804 characters
    mail, request = read(b"Subject: " + subject + b"\n\nhello\n")
    assert mail.limits == () and mail.subject == subject.decode().strip()


def test_ten_thousand_headers_are_read() -> None:
    raw = b"".join(b"X-Header-%d: value %d\n" % (i, i) for i in range(10_000)) + b"Subject: s\n\n" + REQUEST
    mail, request = read(raw)
    assert mail.limits == () and mail.subject == "s" and ids(request) == (["PY40028173"], ["G012345678"])


def test_a_folded_header_counts_its_continuation_lines() -> None:
    raw = b"Subject: x\nReferences: <a@b>\n" + b" <a@b>\n" * 10_000 + b"\n" + REQUEST
    assert read(raw)[0].limits  # 80,000 characters in one field, 8 on each line


# ---- NUL bytes, 8-bit headers, encoded-word abuse, overlong lines ------------------------------

@pytest.mark.parametrize("at", range(0, len(GOLDEN_REQUEST) + 1, 23))
def test_a_nul_byte_anywhere(at: int) -> None:
    read(GOLDEN_REQUEST[:at] + b"\x00" + GOLDEN_REQUEST[at:])
    read(GOLDEN_REQUEST[:at] + b"\x00" * 1000 + GOLDEN_REQUEST[at:])


def test_nul_bytes_everywhere() -> None:
    raw = b"\x00".join(bytes([c]) for c in GOLDEN_REQUEST)
    read(raw)
    read(GOLDEN_REQUEST.replace(b"\n", b"\x00\n").replace(b":", b"\x00:"))


def test_8bit_headers() -> None:
    raw = (b"From: J\xf6rg M\xc3\xbcller <j\xf6rg@bl\xc3\xbcepeak.example>\nSubject: Zahlung f\xfcr G012345678 \xff\xfe\x80\n"
           b"To: \xe8\xab\x8b\xe6\xb1\x82 <a@b.example>\nDate: Mon, 2 Nov 2026 09:\xff:00 +0100\n\n" + REQUEST)
    mail, request = read(raw)
    assert "G012345678" in mail.subject and mail.date is None
    assert ids(request) == (["PY40028173"], ["G012345678"])


def encoded_words(n: int, word: bytes = b"=?utf-8?b?R0gxMjM=?=") -> bytes:
    return b" ".join([word] * n)


ENCODED_WORD_ABUSE = {
    "thousands_in_subject": b"Subject: " + encoded_words(1_500) + b"\n",
    "thousands_in_from": b"From: " + encoded_words(1_500, b"=?utf-8?q?A=C3=A4?=") + b" <ann@bluepeak.example>\n",
    "too_many_for_one_field": b"Subject: " + encoded_words(10_000) + b"\n",
    "invalid_base64": b"Subject: =?utf-8?b?R0g%%%?= =?utf-8?b?====?= =?utf-8?b?R?= =?utf-8?b?\x00\xff?=\n",
    "invalid_q": b"Subject: =?utf-8?q?=ZZ=?= =?utf-8?q?=?= =?utf-8?x?abc?=\n",
    "unknown_charset": b"Subject: =?x-unknown?b?R0gxMjM=?= =?utf-7?q?+AEc-?= =??b?YQ==?=\n",
    "nested_in_display_name": b'From: "=?utf-8?q?=3D=3Futf-8=3Fq=3Fann=40bluepeak.example=3F=3D?=" <evil@x.example>\n',
    "nested_inside_each_other": b"From: =?utf-8?q?=?utf-8?q?=?utf-8?b?YW5uQGJsdWVwZWFrLmV4YW1wbGU=?=?=?= <evil@x.example>\n",
    "address_in_encoded_word": b"From: =?utf-8?b?YW5uQGJsdWVwZWFrLmV4YW1wbGU=?=\n",
    "unterminated": b"Subject: =?utf-8?b?R0gxMjM=\nFrom: =?utf-8?q?ann\n",
    "rfc2231_in_filename": b'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Disposition: attachment; '
                           b"filename*0*=utf-8''%E2%82; filename*1*=%AC%00; filename*2=" + b"x" * 3000 + b"\n\nG012345678;1\n--b--\n",
}


@pytest.mark.parametrize("name", sorted(ENCODED_WORD_ABUSE))
def test_encoded_word_abuse(name: str) -> None:
    mail, _ = read(ENCODED_WORD_ABUSE[name] + b"\n" + REQUEST)
    if name == "too_many_for_one_field":
        assert mail.limits and mail.subject == ""
    elif name == "thousands_in_subject":
        assert mail.subject.count("GH123") == 1_500


def test_an_encoded_address_in_a_display_name_is_only_a_name() -> None:
    from bot.deciding.sender import identify_sender

    for name in ("nested_in_display_name", "nested_inside_each_other", "address_in_encoded_word"):
        mail, _ = read(ENCODED_WORD_ABUSE[name] + b"\n" + REQUEST)
        sender = identify_sender(mail.from_header, [], trusted_authserv_id="")
        assert sender.address != "ann@bluepeak.example", name


def test_an_overlong_line_is_read_only_to_the_limit() -> None:
    raw = b"Subject: s\n\n" + REQUEST + b"PY40028173 " * 1_000_000 + b"\n"  # a line of 11 MB after the request
    (mail, request), seconds = timed(read, raw)
    assert mail.limits == (f"the text part was read only to its first {MAX_PART_BYTES:,} bytes",)
    assert mail.body == REQUEST.decode()  # read in whole lines: the cut-off line is left out
    assert ids(request) == (["PY40028173"], ["G012345678"])
    mail, request = read(b"Subject: s\n\n" + b"x" * 11_000_000)  # nothing but the one line
    assert mail.limits == (f"the text part was read only to its first {MAX_PART_BYTES:,} bytes",
                           f"the text was read only to its first {MAX_REQUEST_CHARS:,} characters")
    assert len(request.text) <= MAX_REQUEST_CHARS + 10


def test_a_body_over_the_text_budget_is_cut_and_says_so() -> None:
    filler = b"x" * 25 + b"\n"  # 26 characters
    mail, request = read(b"Subject: s\n\n" + REQUEST + filler * 20_000)  # 520,055 characters
    assert mail.limits == (f"the text was read only to its first {MAX_REQUEST_CHARS:,} characters",)
    assert ids(request) == (["PY40028173"], ["G012345678"])
    mail, _ = read(b"Subject: s\n\n" + REQUEST + filler * 19_000)
    assert mail.limits == ()


# ---- the quadratic and crashing paths that were fixed -----------------------------------------

@pytest.mark.parametrize("unit", ["A. ", "2. Oktober ", "Nr. "])
def test_a_line_of_many_skipped_stops_is_read_to_its_end(unit: str) -> None:
    """200,000 characters of stops that end no sentence, then the request (linear time: the
    bench times it; it took 5 minutes before the fix)."""
    text = unit * (200_000 // len(unit)) + REQUEST.decode()
    request = read_request(subject="", body=text, extra_lines=[], invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    assert ids(request) == (["PY40028173"], ["G012345678"])


@pytest.mark.parametrize("csv", [
    b"invoice;amount\n" + b"G012345678;1,00\n" * 100 + b"x" * 200_000 + b";1\n",  # a field over csv's 128 KiB limit
    b"invoice;amount\n" + b"G012345678;1,00\n" * 100 + b'"' + b"x;\n" * 100_000,  # a quote never closed
])
def test_a_csv_the_csv_module_refuses_is_read_as_far_as_it_goes(csv: bytes) -> None:
    found = read_attachments((Attachment("advice.csv", "text/csv", csv),))
    lines, notes = found.lines, found.limits
    assert lines[:2] == ["invoice  amount", "G012345678  1,00"] and len(lines) == 101
    assert notes == ["attachment 'advice.csv' read only in part: unreadable after row 101 "
                     "(field larger than field limit (131072))"]


def test_a_lone_carriage_return_in_a_csv_ends_a_row() -> None:
    csv = b"invoice;amount\nG012345678;1,00\r\n\"G012345679\";2,00\rG012345670;3,00\n"  # raised csv.Error before
    found = read_attachments((Attachment("a.csv", "text/csv", csv),))
    assert (found.lines, found.limits, found.unreadable) == (
        ["invoice  amount", "G012345678  1,00", "G012345679  2,00", "G012345670  3,00"], [], [])


def test_csv_rows_over_the_limit_say_so() -> None:
    found = read_attachments((Attachment("a.csv", "text/csv", b"invoice;amount\n" + b"G012345678;1,00\n" * 6_000),))
    lines, notes = found.lines, found.limits
    assert len(lines) == 5_000 and notes == ["attachment 'a.csv' read only in part: more than 5,000 rows"]


def test_attachments_past_the_text_budget_are_not_read() -> None:
    att = Attachment("a.csv", "text/csv", b"invoice;amount\n" + b"G012345678;1,00\n" * 100)
    found = read_attachments((att, att), max_chars=1_000)
    lines, notes = found.lines, found.limits
    assert len(lines) < 100 and notes[0].endswith("the request text is over 1,000 characters")
    assert notes[1] == "attachment 'a.csv' not read: the request text is over 1,000 characters"
