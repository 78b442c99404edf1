"""Remittance attachments (issue 6): XLSX and text PDFs read like CSV rows; an attachment that
cannot be read for certain, or is past its limits, is listed in `Mail.unreadable`, never
guessed; memory stays bounded whatever a file expands to."""
from __future__ import annotations

import io
import os
import re
import struct
import tracemalloc
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest

from bot.model import Request
from bot.reading import xlsx
from bot.reading.attachments import kind, read_attachments
from bot.reading.limits import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_PAGES, MAX_PDF_RUNS, MAX_SPREADSHEET_SCAN
from bot.reading.mime import Attachment, Mail
from bot.reading.parsing import parse_bytes
from bot.reading.read import read_message
from tests.unit.reading.remittance_files import (XLSX, libreoffice_pdf, mail, pdf_bytes, png_bytes, scanned_pdf_bytes,
                                                 table_pdf, word_style_pdf, xlsx_bytes, zip_with)

PDF = "application/pdf"
ADVICE_ROWS = [["G012345678", "2026-09-01", "1.000,00 €", "980,00 €"], ["G012345679", "2026-09-02", "500,00 €", "500,00 €"]]
ADVICE_HEADER = ["Rechnung", "Datum", "Rechnungsbetrag", "Zahlbetrag"]


def advice_pdf(pages: int = 1) -> bytes:
    return table_pdf(["Zahlung PY40028173"], ADVICE_HEADER, ADVICE_ROWS, pages=pages)


def read(body: str, *attachments: tuple[str, str, bytes], subject: str = "Payment", **limits: int) -> tuple[Mail, Request]:
    raw = mail(sender="Ann <ann@bluepeak.example>", subject=subject, body=body, attachments=attachments)
    return read_message(parse_bytes(raw), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}", **limits)


def lines_of(request: Request) -> list[tuple[str, Decimal | None]]:
    return [(line.invoice_number, line.amount.value if line.amount else None) for i in request.instructions for line in i.lines]


def peak_while(fn, *args, **kwargs):
    """fn(...) and the peak of memory allocated meanwhile (after one warm-up read of each kind)."""
    read("See attached.", ("a.pdf", PDF, advice_pdf()), ("a.xlsx", XLSX, xlsx_bytes([["G012345678", 1.5]])))
    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---- which attachments are read ----------------------------------------------------------

@pytest.mark.parametrize(("filename", "ctype", "expected"), [
    ("remittance.csv", "application/vnd.ms-excel", "text"),  # the name wins: Outlook sends CSVs as Excel
    ("advice.XLSX", "application/octet-stream", "xlsx"), ("", XLSX, "xlsx"), ("book.xlsm", "application/octet-stream", "xlsx"),
    ("old.xls", "application/vnd.ms-excel", "sheet"), ("", "application/vnd.ms-excel", "sheet"), ("a.ods", "", "sheet"),
    ("advice.pdf", "application/octet-stream", "pdf"), ("", PDF, "pdf"),
    ("image001.png", "image/png", "document"), ("scan.JPG", "image/jpeg", "document"), ("letter.docx", "", "document"),
    ("winmail.dat", "application/ms-tnef", "document"),
    ("remittance.zip", "application/zip", ""), ("smime.p7s", "application/pkcs7-signature", ""), ("invite.ics", "text/calendar", ""),
])
def test_what_kind_of_attachment(filename: str, ctype: str, expected: str) -> None:
    assert kind(Attachment(filename, ctype, b"")) == expected


# ---- spreadsheets ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "fmt", "text"), [
    (1500, "#,##0.00", "1500.00"), (1500, "General", "1500"), (1234.5, "General", "1234.5"), (0.1 + 0.2, "0.00", "0.30"),
    (2.675, "0.00", "2.68"), (1234.56, '#,##0.00\\ "kr"', "1234.56 kr"), (1234.56, "[$€-407] #,##0.00", "1234.56 €"),
    (98.7, "#,##0.00 [$EUR]", "98.70 EUR"), (0.05, "0.00%", "5.00%"), (-12.5, "#,##0.00;[Red]-#,##0.00", "-12.50"),
    (123456, "#,##0 [$¥-411]", "123456 ¥"), (datetime(2026, 10, 2), "yyyy-mm-dd", "2026-10-02"), (True, "General", "TRUE"),
    (None, "General", ""), (" G012345678 ", "@", "G012345678"), (float("nan"), "General", ""), (1e16, "General", "10000000000000000"),
])
def test_cells_are_read_as_excel_shows_them(value: object, fmt: str, text: str) -> None:
    assert xlsx.cell_text(value, fmt) == text


def test_an_xlsx_is_read_sheet_by_sheet_and_hidden_sheets_are_not() -> None:
    data = xlsx_bytes([["Invoice", "Paid"], ["G012345678", 980.0]], [["G099999999", 1.5]], [["G012345679", 500.0]],
                      formats={1: "#,##0.00"}, hidden=(1,))
    _, request = read("Payment PY40028173, see attached.", ("advice.xlsx", XLSX, data))
    assert lines_of(request) == [("G012345678", Decimal("980.00")), ("G012345679", Decimal("500.00"))]


def test_only_the_paid_column_of_an_xlsx_is_kept() -> None:
    data = xlsx_bytes([["Payment", "PY40028173"], ["Invoice no.", "Invoice amount", "Discount", "Amount paid"],
                       ["G012345678", 1000, 20, 980]], formats={1: "#,##0.00", 2: "#,##0.00", 3: "#,##0.00"})
    _, request = read("See attached.", ("advice.xlsx", XLSX, data))
    assert lines_of(request) == [("G012345678", Decimal("980.00"))]


def test_rows_that_cannot_say_which_amount_was_paid_are_not_guessed() -> None:
    data = xlsx_bytes([["G012345678", 1000, 980]], formats={1: "#,##0.00", 2: "#,##0.00"})  # no header: which is paid?
    mail_, request = read("Payment PY40028173, see attached.", ("advice.xlsx", XLSX, data))
    assert mail_.unreadable == ("attachment 'advice.xlsx' cannot say which amount was paid in row 1 "
                                "(no one paid-amount column for it)",)
    assert lines_of(request) == []  # nothing of it is read
    pdf = table_pdf(["Zahlung PY40028173"], ADVICE_HEADER, [["G012345678", "2026-09-01", "1.000,00 €"]])  # the paid cell missing
    mail_, request = read("Siehe Anhang.", ("avis.pdf", PDF, pdf))
    assert mail_.unreadable and "cannot say which amount was paid in row 3" in mail_.unreadable[0]


@pytest.mark.parametrize(("name", "ctype", "data", "why"), [
    ("old.xls", "application/vnd.ms-excel", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000), "is a spreadsheet in a format that is not read"),
    ("advice.ods", "application/vnd.oasis.opendocument.spreadsheet", b"PK\x03\x04", "is a spreadsheet in a format that is not read"),
    ("advice.xlsx", XLSX, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000), "is not a readable XLSX file"),  # encrypted by Excel
    ("advice.xlsx", XLSX, b"PK\x03\x04 truncated", "is not a readable XLSX file"),
    ("advice.xlsx", XLSX, zip_with({"hello.txt": b"not a workbook"}), "cannot be read as a spreadsheet"),
])
def test_a_spreadsheet_that_cannot_be_read_is_unreadable(name: str, ctype: str, data: bytes, why: str) -> None:
    mail_, request = read("Payment PY40028173 for the invoices in the file.", (name, ctype, data))
    assert len(mail_.unreadable) == 1 and mail_.unreadable[0].startswith(f"attachment {name!r} {why}")
    assert mail_.limits == () and [i.payment_ids for i in request.instructions] == [("PY40028173",)]


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    bomb = zip_with({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": 1 << 30})  # 1 GiB of zeros, 1 MB
    ratio = zip_with({"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": 12 << 20})  # under the total, 1,000 times
    assert len(bomb) < 1_100_000 and len(ratio) < 20_000
    raw = mail(sender="Ann <ann@bluepeak.example>", subject="Payment", body="Payment PY40028173, see attached.",
               attachments=(("a.xlsx", XLSX, bomb), ("b.xlsx", XLSX, ratio)))
    msg = parse_bytes(raw)

    def read_unopened():
        monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened a zip bomb"))
        return read_message(msg, invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")

    (mail_, _), peak = peak_while(read_unopened)
    print(f"\nxlsx zip bombs: peak {peak / 1e6:.1f} MB")
    assert peak < 10_000_000  # inflating would take a gigabyte
    assert mail_.unreadable[0] == "attachment 'a.xlsx' would expand to 1,073,741,832 bytes (more than 16,777,216: a zip bomb?)"
    assert re.fullmatch(r"attachment 'b.xlsx' has a member compressed 1,\d{3} times \(more than 100: a zip bomb\?\)", mail_.unreadable[1])
    assert len(mail_.unreadable) == 2


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size written as `size` (local header and directory)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offset = archive.getinfo(name).header_offset
    out = bytearray(data)
    out[offset + 22:offset + 26] = struct.pack("<I", size)
    central = out.rfind(b"PK\x01\x02", 0, len(out))
    while central >= 0 and out[central + 46:central + 46 + len(name)] != name.encode():
        central = out.rfind(b"PK\x01\x02", 0, central)
    out[central + 24:central + 28] = struct.pack("<I", size)
    return bytes(out)


def test_a_zip_that_lies_about_its_sizes_is_never_inflated_past_them() -> None:
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([["G012345678", 1.5]]))) as archive:
        members = {n: archive.read(n) for n in archive.namelist() if n != sheet}
    liar = lie_about_size(zip_with(members | {sheet: 256 << 20}), sheet, 2_000)  # 256 MiB said to be 2,000 bytes
    assert len(liar) < 400_000
    (mail_, _), peak = peak_while(read, "Payment PY40028173, see attached.", ("advice.xlsx", XLSX, liar))
    print(f"\nxlsx lying about its sizes: peak {peak / 1e6:.1f} MB")
    assert peak < 10_000_000  # zipfile stops at the declared 2,000 bytes (and then the CRC fails)
    assert len(mail_.unreadable) == 1 and "cannot be read as a spreadsheet" in mail_.unreadable[0]


def test_xlsx_rows_are_capped() -> None:
    rows = [["Invoice", "Paid"]] + [[f"G{i:09d}", 1.5] for i in range(6_000)]
    mail_, request = read("Payment PY40028173, see attached.", ("advice.xlsx", XLSX, xlsx_bytes(rows)))
    assert mail_.limits == ("attachment 'advice.xlsx' read only in part: more than 5,000 rows",)
    assert len(lines_of(request)) == 4_999  # and the header
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"], book.active[f"A{MAX_SPREADSHEET_SCAN + 10}"] = "G012345678", "G012345679"  # empty rows between
    buffer = io.BytesIO()
    book.save(buffer)
    mail_, _ = read("Payment PY40028173, see attached.", ("advice.xlsx", XLSX, buffer.getvalue()))
    assert mail_.limits == (f"attachment 'advice.xlsx' read only in part: more than {MAX_SPREADSHEET_SCAN:,} rows",)


# ---- PDFs ------------------------------------------------------------------------------------

def test_a_pdf_over_the_page_limit_is_not_read() -> None:
    pdf = advice_pdf(pages=MAX_ATTACHMENT_PAGES + 1)
    mail_, request = read("Siehe Anhang.", ("avis.pdf", PDF, pdf))
    assert mail_.unreadable == ("attachment 'avis.pdf' has 51 pages (more than max_attachment_pages = 50)",)
    assert request.instructions == ()
    mail_, request = read("Siehe Anhang.", ("avis.pdf", PDF, pdf), max_attachment_pages=60)  # the setting, passed on
    assert mail_.unreadable == () and lines_of(request)[:2] == [("G012345678", Decimal("980.00")), ("G012345679", Decimal("500.00"))]


@pytest.mark.parametrize("ctype", [PDF, XLSX, "text/csv"])
def test_an_attachment_over_the_size_limit_is_not_read(ctype: str) -> None:
    data = {PDF: advice_pdf(), XLSX: xlsx_bytes([["G012345678", 1.5]] * 200), "text/csv": b"G012345678;1,50\n" * 1000}[ctype]
    name = {PDF: "a.pdf", XLSX: "a.xlsx", "text/csv": "a.csv"}[ctype]
    mail_, request = read("Payment PY40028173, see attached.", (name, ctype, data), max_attachment_bytes=len(data) - 1)
    assert mail_.unreadable == (f"attachment {name!r} is larger than {len(data) - 1:,} bytes (max_attachment_mb)",)
    assert lines_of(request) == []
    mail_, request = read("Payment PY40028173, see attached.", (name, ctype, data), max_attachment_bytes=len(data))
    assert mail_.unreadable == () and lines_of(request)[0][0] == "G012345678"


@pytest.mark.parametrize(("name", "ctype"), [("big.pdf", PDF), ("big.csv", "text/csv"), ("big.xlsx", XLSX)])
def test_an_attachment_far_over_the_size_limit_is_not_even_decoded(name: str, ctype: str) -> None:
    raw = mail(sender="Ann <ann@bluepeak.example>", subject="Payment", body="Payment PY40028173, see attached.",
               attachments=((name, ctype, os.urandom(12 << 20)),))
    msg = parse_bytes(raw)
    (mail_, _), peak = peak_while(read_message, msg, invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    assert mail_.unreadable == (f"attachment {name!r} is larger than {MAX_ATTACHMENT_BYTES:,} bytes (max_attachment_mb)",)
    assert peak < 1_000_000  # 12 MB decoded would take 12 MB


@pytest.mark.parametrize(("make", "why"), [
    (lambda: scanned_pdf_bytes(), "has no text to read (a scanned PDF?)"),
    (lambda: pdf_bytes([[(50, "Zahlung PY40028173")]], [], encrypt="secret"), "is encrypted"),
    (lambda: b"%PDF-1.7\n" + os.urandom(3000), "cannot be read as a PDF"),
    (lambda: pdf_bytes([]), "has no text to read"),
])
def test_a_pdf_that_cannot_be_read_is_unreadable(make, why: str) -> None:
    mail_, request = read("Payment PY40028173, see attached.", ("advice.pdf", PDF, make()))
    assert len(mail_.unreadable) == 1 and mail_.unreadable[0].startswith(f"attachment 'advice.pdf' {why}")
    assert lines_of(request) == []


def test_a_pdf_locked_only_against_printing_is_read() -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1, encrypt=StandardEncryption("", ownerPassword="owner", canPrint=0))
    pdf.drawString(50, 800, "G012345678")
    pdf.drawRightString(300, 800, "980,00 €")
    pdf.save()
    mail_, request = read("Zahlung PY40028173, siehe Anhang.", ("avis.pdf", PDF, buffer.getvalue()))
    assert mail_.unreadable == () and lines_of(request) == [("G012345678", Decimal("980.00"))]


def test_a_page_scanned_among_pages_of_text_is_unreadable() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in (advice_pdf(), scanned_pdf_bytes()):
        writer.append(PdfReader(io.BytesIO(data)))
    buffer = io.BytesIO()
    writer.write(buffer)
    mail_, request = read("Siehe Anhang.", ("avis.pdf", PDF, buffer.getvalue()))
    assert mail_.unreadable == ("attachment 'avis.pdf' has no text to read on page 2 (a scanned page?)",)
    assert request.instructions == ()


def hostile_pdf(draw) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.drawString(50, 800, "Zahlung PY40028173")
    draw(pdf)
    pdf.save()
    return buffer.getvalue()


def invisible(pdf) -> None:
    text = pdf.beginText(50, 700)
    text.setTextRenderMode(3)  # what OCR layers use over a scan: nobody sees it
    text.textOut("G012345678 999.999,00 €")
    pdf.drawText(text)


def off_page(pdf) -> None:
    for i in range(200):  # the layout would pad each with thousands of spaces
        pdf.drawString(50 + (i % 2) * 1e7, 700 - i, "G012345678")


def tiny(pdf) -> None:
    pdf.setFont("Helvetica", 0.5)
    pdf.drawString(50, 700, "G012345678 999.999,00 €")


def in_a_form(pdf) -> None:
    pdf.beginForm("rows")
    pdf.drawString(50, 600, "G012345678  980,00 €")
    pdf.endForm()
    pdf.doForm("rows")


def too_many_runs(pdf) -> None:
    pdf.setFont("Helvetica", 4)
    for i in range(MAX_PDF_RUNS + 1):
        pdf.drawString(20 + (i % 50) * 11, 780 - (i // 50) * 6, "x")


@pytest.mark.parametrize(("draw", "why"), [
    (invisible, "has invisible text (an OCR layer over a scan, or text hidden from the reader)"),
    (off_page, "places text off the page (hidden from the reader)"),
    (tiny, "has text too small to read (hidden from the reader)"),
    (in_a_form, "has text whose layout cannot be read for certain (in a form, or rotated)"),
    (too_many_runs, f"has more than {MAX_PDF_RUNS:,} pieces of text on a page (too complex to read)"),
])
def test_a_pdf_whose_text_cannot_be_read_for_certain_is_unreadable(draw, why: str) -> None:
    (mail_, request), peak = peak_while(read, "Siehe Anhang.", ("avis.pdf", PDF, hostile_pdf(draw)))
    assert mail_.unreadable == (f"attachment 'avis.pdf' {why}",)
    assert request.instructions == () and peak < 30_000_000


def test_pdf_text_is_read_only_to_the_request_budget() -> None:
    rows = [[f"G{i:09d}", "2026-09-01", "1.000,00 €", "980,00 €"] for i in range(40)]
    pdf = table_pdf(["Zahlung PY40028173"], ADVICE_HEADER, rows)
    mail_, request = read("Siehe Anhang.", ("avis.pdf", PDF, pdf), max_chars=400)
    assert len(mail_.limits) == 1 and mail_.limits[0].startswith("attachment 'avis.pdf' read only in part: the request text is over")
    assert 0 < len(lines_of(request)) < 40 and len(request.text) <= 401


# ---- images and letters -------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "attachment", "noted"), [
    ("Thanks, all good!\n\nAnn", ("image001.png", "image/png"), False),  # a logo in a thank-you
    ("Please apply payment PY40028173 to G012345678, see attached.", ("image001.png", "image/png"), False),  # a request
    ("See attached.", ("remittance.jpg", "image/jpeg"), True),
    ("Siehe Anhang.", ("Zahlungsavis.docx", ""), True),
    ("", ("IMG_2041.HEIC", "image/heic"), True),  # no words of its own
    ("See attached.", ("remittance.zip", "application/zip"), False),  # archives are not opened, nor held for
])
def test_an_image_or_letter_is_noted_only_when_it_may_be_the_remittance(body: str, attachment: tuple[str, str], noted: bool) -> None:
    name, ctype = attachment
    mail_, _ = read(body, (name, ctype, png_bytes()), subject="Hello")
    expected = (f"attachment {name!r} is an image or document whose text is not read",) if noted else ()
    assert mail_.unreadable == expected


@pytest.mark.parametrize(("plain", "undecoded"), [
    ("G012345678  980,00 €\nZahlung PY40028173", False),
    ("\x01\x02\x03\x04\x05 \x06\x07\x08 G01", True),  # glyph codes, no text mapping
    ("\ue001\ue002\ue003\ue004 Summe", True), ("��� Rechnung G012345678 980,00 € Zahlbetrag", False),
])
def test_text_of_glyph_codes_is_not_taken_for_text(plain: str, undecoded: bool) -> None:
    from bot.reading.pdf import _page_problem, _Scan

    problem = _page_problem(_Scan(runs=5), plain, plain)
    assert (problem == ("has text that cannot be decoded", "a font without a text mapping")) is undecoded


def test_invisible_characters_in_an_attachment_are_read_through() -> None:
    """A CSV exported from a sheet whose cells were pasted from a web page (issue 17, class 5)."""
    rows = "Invoice;Paid\r\nG0123\u200b45678;1\u00ad234,56 €\r\n\ufeffG012345679;\u2060500,00 €\r\n".encode()
    mail_, request = read("Payment PY40028173, see the attached file.", ("advice.csv", "text/csv", rows))
    assert (mail_.unreadable, lines_of(request)) == ((), [("G012345678", Decimal("1234.56")), ("G012345679", Decimal("500.00"))])


# ---- an amount is read whole or not at all (issue 15, item 4) ----------------------------------

FR_TITLE = ["Avis de paiement", "Paiement PY40028173 du 02/10/2026"]


def _held(mail_: Mail) -> bool:
    return bool(mail_.unreadable)


@pytest.mark.parametrize(("make", "invoice"), [
    (lambda: libreoffice_pdf("libreoffice_fr_avis"), "G043000101"),
    (lambda: word_style_pdf(FR_TITLE, ["Facture", "Date", "Montant réglé"], [["G012345678", "01/09/2026", "44\u202f510,69 €"]]),
     "G012345678"),
    (lambda: table_pdf(FR_TITLE, ["Facture", "Date", "Montant réglé"], [["G012345678", "01/09/2026", "44 510,69 €"]],
                       xs=(50, 170, -400)), "G012345678"),
], ids=["libreoffice", "word-style runs", "reportlab"])
def test_a_pdf_amount_with_a_space_between_thousands_is_read_whole(make, invoice: str) -> None:
    """The French advice of issue 15: 44 510,69 EUR was applied as 510,69."""
    mail_, request = read("Bonjour, ci-joint notre avis de paiement.", ("avis.pdf", PDF, make()))
    assert (mail_.unreadable, lines_of(request)) == ((), [(invoice, Decimal("44510.69"))])


def test_a_libreoffice_pdf_with_several_amount_columns_reads_the_paid_one_whole() -> None:
    mail_, request = read("Bonjour, ci-joint.", ("avis.pdf", PDF, libreoffice_pdf("libreoffice_fr_avis_two_amounts")))
    assert (mail_.unreadable, lines_of(request)) == ((), [("G043000201", Decimal("44510.69")),
                                                          ("G043000202", Decimal("1200.00"))])


def test_a_quantity_column_beside_the_amount_is_not_glued_to_it() -> None:
    advice = table_pdf(FR_TITLE, ["Facture", "Qté", "Montant réglé"], [["G012345678", "44", "510,69 €"]],
                       xs=(50, -300, -450))
    mail_, request = read("Ci-joint.", ("avis.pdf", PDF, advice))
    assert (mail_.unreadable, lines_of(request)) == ((), [("G012345678", Decimal("510.69"))])


@pytest.mark.parametrize(("name", "ctype", "data"), [
    ("avis.pdf", PDF, word_style_pdf(FR_TITLE, ["Facture", "Date", "Qté", "Montant"], [["G012345678", "01/09/2026", "44", "510,69 €"]],
                                     xs=(50, 170, 330, 355))),
    ("avis.pdf", PDF, pdf_bytes([[(50, "Paiement PY40028173")], [(50, "G012345678"), (300, "44"), (330, "510,69 €")]])),
    ("advice.csv", "text/csv", b"G012345678,44,510.69,EUR\r\nG012345679,1,200.00,EUR\r\n"),
    ("advice.csv", "text/csv", b"Invoice,Amount paid\r\nG012345678,44,510.69\r\n"),
], ids=["pdf qty column too close", "pdf without header", "csv comma split", "csv more cells than header"])
def test_an_amount_that_may_be_split_holds_the_request(name: str, ctype: str, data: bytes) -> None:
    """"44" beside "510,69": one amount 44 510,69, or a count and 510,69? Never a fragment: held."""
    mail_, request = read("Payment PY40028173, see attached.", (name, ctype, data))
    assert _held(mail_), lines_of(request)
    assert "44" in mail_.unreadable[0] and "510" in mail_.unreadable[0]


def test_an_xlsx_text_cell_with_a_narrow_no_break_space_is_read_whole() -> None:
    advice = xlsx_bytes([["Facture", "Montant réglé"], ["G012345678", "44\u202f510,69\u00a0€"]])
    mail_, request = read("Paiement PY40028173, ci-joint.", ("avis.xlsx", XLSX, advice))
    assert (mail_.unreadable, lines_of(request)) == ((), [("G012345678", Decimal("44510.69"))])
