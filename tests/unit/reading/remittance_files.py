"""Remittance attachments and mails made for the tests, deterministically (same bytes every run).

XLSX files are written with openpyxl (then their zip timestamps and document dates are fixed),
PDFs with reportlab (`invariant`): a text PDF draws each cell as a PDF generator does, a
scanned PDF is only an image of a page. `mail` wraps a text and attachments into a message
as a mail client sends it. The golden messages with binary attachments
(tests/golden/reading/*.eml) are made by `GOLDEN` here; `test_golden_files_are_made_here`
checks they still are. To write them again:

    .venv/bin/python -m tests.unit.reading.remittance_files
"""
from __future__ import annotations

import base64
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "golden" / "reading"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED = (2026, 10, 9, 8, 0, 0)


# ---- spreadsheets ----------------------------------------------------------------------

def xlsx_bytes(*sheets: list[list[object]], formats: dict[int, str] | None = None, hidden: tuple[int, ...] = ()) -> bytes:
    """A workbook with one sheet per list of rows; `formats` gives a column (0-based) its
    number format; `hidden` sheets are hidden."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet{number + 1}")
        for row in rows:
            sheet.append(row)
            for column, fmt in (formats or {}).items():
                cell = sheet.cell(row=sheet.max_row, column=column + 1)
                if isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
        if number in hidden:
            sheet.sheet_state = "hidden"
    workbook.properties.creator = "tests"
    workbook.properties.created = datetime(*FIXED)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return fixed_zip(buffer.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed member timestamps and document dates (openpyxl writes 'now')."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-10-09T08:00:00Z", content)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_with(members: dict[str, bytes | int], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of the given members; an int member is that many zero bytes, compressed as it is
    written (so a bomb is made without holding it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED)
            info.compress_type = compression
            if isinstance(content, int):
                with archive.open(info, "w", force_zip64=content > 2**31) as member:
                    chunk = bytes(1 << 20)
                    for start in range(0, content, len(chunk)):
                        member.write(chunk[: min(len(chunk), content - start)])
            else:
                archive.writestr(info, content)
    return out.getvalue()


# ---- PDFs --------------------------------------------------------------------------------

Cell = tuple[float, str]  # x, and the text; a negative x draws the text right-aligned at -x


def pdf_bytes(*pages: list[list[Cell]], font_size: float = 10, encrypt: str | None = None) -> bytes:
    """A text PDF: each page a list of lines, each line a list of cells drawn at their x."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, encrypt=encrypt)
    for lines in pages:
        pdf.setFont("Helvetica", font_size)
        y = 800.0
        for line in lines:
            for x, text in line:
                (pdf.drawRightString if x < 0 else pdf.drawString)(abs(x), y, text)
            y -= font_size * 1.6
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def table_pdf(title: list[str], header: list[str], rows: list[list[str]], *, xs: tuple[float, ...] = (50, 170, -400, -520),
              pages: int = 1) -> bytes:
    """A remittance advice: a title block, then a table whose amount columns are right-aligned
    (a negative x), as accounting software prints them."""
    lines = [[(50.0, text)] for text in title] + [[]]
    lines.append([(x, text) for x, text in zip(xs, header)])
    lines += [[(x, text) for x, text in zip(xs, row) if text] for row in rows]
    return pdf_bytes(*([lines] * pages))


def word_style_pdf(title: list[str], header: list[str], rows: list[list[str]],
                   xs: tuple[float, ...] = (50, 170, 400), font_size: float = 10) -> bytes:
    """A remittance advice as Word's "save as PDF" draws it: every word a text run of its own,
    placed where it goes, no space characters between them (a narrow no-break space inside an
    amount becomes a gap too). pypdf's layout then shows two spaces or more inside "44 510,69 €"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    space = stringWidth(" ", "Helvetica", font_size)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setFont("Helvetica", font_size)
    y = 800.0
    for line in [[(50.0, text)] for text in title] + [[], list(zip(xs, header))] + [list(zip(xs, row)) for row in rows]:
        for x, text in line:
            for word in re.split(r"[ \u00a0\u202f]", text):
                pdf.drawString(x, y, word)
                x += stringWidth(word, "Helvetica", font_size) + space
        y -= font_size * 1.6
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


PDF_FIXTURES = Path(__file__).resolve().parent / "pdfs"


def libreoffice_pdf(name: str) -> bytes:
    """A PDF LibreOffice made from `pdfs/NAME.html` (committed: LibreOffice writes the time into
    it). Made with LibreOffice 7.4 (Debian 12, libreoffice-writer-nogui) by
    `soffice --headless --infilter="HTML (StarWriter)" --convert-to pdf NAME.html` in pdfs/;
    its text keeps the narrow no-break spaces (U+202F) and no-break spaces of the HTML."""
    return (PDF_FIXTURES / f"{name}.pdf").read_bytes()


def scanned_pdf_bytes(pages: int = 1) -> bytes:
    """A PDF of page images only, as a scanner makes it: nothing in it is text."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (420, 594), 255)
    draw = ImageDraw.Draw(image)
    for row in range(8):
        draw.rectangle((30, 40 + row * 30, 390, 52 + row * 30), fill=0)  # looks like lines of print
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for _ in range(pages):
        pdf.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A small logo."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 12), (20, 60, 140)).save(buffer, "PNG")
    return buffer.getvalue()


# ---- mails ----------------------------------------------------------------------------------

Attached = tuple[str, str, bytes]  # filename, content type, bytes


def mail(*, sender: str, subject: str, body: str, attachments: tuple[Attached, ...] = (), date: str = "Fri, 09 Oct 2026 09:00:00 +0200",
         message_id: str = "<test@example>", to: str = "Billing allocations <allocations@billing.example>",
         extra_headers: str = "") -> bytes:
    """A mail as a client sends it: the text (quoted-printable where it needs), then the
    attachments in base64."""
    import quopri

    from email.header import Header

    subject = subject if subject.isascii() else Header(subject, "utf-8").encode()
    domain = sender.rpartition("@")[2].rstrip(">")
    head = (f"Received: from mail.{domain} (mail.{domain} [192.0.2.44])\n by mx.billing.example with ESMTPS; {date}\n"
            f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {message_id}\n{extra_headers}"
            "MIME-Version: 1.0\n")
    text = quopri.encodestring(body.encode("utf-8")).decode("ascii")
    text_part = f'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n{text}'
    if not attachments:
        return (head + text_part).encode("ascii")
    boundary = "----=_Part_4242_1000.1728460800000"
    parts = [text_part]
    for filename, ctype, data in attachments:
        encoded = base64.encodebytes(data).decode("ascii")
        parts.append(f'Content-Type: {ctype}; name="{filename}"\nContent-Transfer-Encoding: base64\n'
                     f'Content-Disposition: attachment; filename="{filename}"\n\n{encoded}')
    body_text = "".join(f"--{boundary}\n{part}\n" for part in parts) + f"--{boundary}--\n"
    return (head + f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n' + body_text).encode("ascii")


# ---- the golden messages with attachments or forwards -----------------------------------------

def _xlsx_header_paid_column() -> bytes:
    advice = xlsx_bytes([
        ["Remittance advice"],
        ["Payment reference", "PY71000001"],
        ["Payment date", datetime(2026, 10, 6)],
        [],
        ["Invoice", "Invoice date", "Invoice amount", "Discount", "Amount paid"],
        ["G071000001", datetime(2026, 9, 1), 1200, 24, 1176],
        ["G071000002", datetime(2026, 9, 8), 2500.5, 0, 2500.5],
        [],
        ["Total", None, 3700.5, 24, 3676.5],
    ], formats={2: "#,##0.00", 3: "#,##0.00", 4: "[$£-809]#,##0.00"})
    return mail(sender="Tom Baker <tom.baker@kestrelprint.co.uk>", subject="Remittance advice",
                message_id="<AM0PR07MB1234A@kestrelprint.co.uk>",
                body="Hello,\n\nPlease find attached our remittance advice for today's payment.\n\nKind regards,\n"
                     "Tom Baker\nAccounts Payable\nKestrel Print Ltd\nTel: +44 20 7946 0321\n",
                attachments=(("Remittance advice 2026-10-06.xlsx", XLSX, advice),))


def _xlsx_without_header_sv() -> bytes:
    rows = xlsx_bytes([["G072000001", 4200], ["G072000002", 9376.6]], formats={1: '#,##0.00\\ "kr"'})
    return mail(sender="Johan Lind <johan.lind@fjallstabygg.se>", subject="Betalning",
                message_id="<5f1e2d3c-72@fjallstabygg.se>",
                body="Hej!\n\nHär kommer underlaget för vår betalning PY72000001 på 13 576,60 kr, se bifogad fil.\n\n"
                     "Med vänliga hälsningar\nJohan Lind\nFjällsta Bygg AB\n",
                attachments=(("fakturor.xlsx", XLSX, rows),))


def _pdf_en() -> bytes:
    advice = table_pdf(["Pacific Crest Labs - Remittance Advice", "Payment ID: PY73000001", "Payment date: 2026-10-02"],
                       ["Invoice", "Invoice date", "Invoice amount", "Amount paid"],
                       [["G073000001", "2026-09-01", "1,500.00 USD", "1,234.56 USD"],
                        ["G073000002", "2026-09-05", "765.44 USD", "765.44 USD"]])
    return mail(sender="Robert Chen <ap@pacificcrestlabs.com>", subject="Remittance", message_id="<0100018f2b3c-73@pacificcrestlabs.com>",
                body="Hi,\n\nPlease see the attached remittance advice.\n\nThanks,\nRobert Chen\nPacific Crest Labs\n",
                attachments=(("remittance.pdf", "application/pdf", advice),))


def _pdf_de() -> bytes:
    advice = table_pdf(["Zahlungsavis", "Zahlung PY74000001 vom 02.10.2026",
                        "Alpenblick Verlag GmbH, Hauptstraße 1, 80331 München"],
                       ["Rechnung", "Datum", "Rechnungsbetrag", "Zahlbetrag"],
                       [["G074000001", "01.09.2026", "1.250,00 €", "1.234,56 €"],
                        ["G074000002", "03.09.2026", "5.000,00 €", "5.000,00 €"],
                        ["Summe", "", "", "6.234,56 €"]])
    return mail(sender="Stefan Huber <stefan.huber@alpenblick-verlag.de>", subject="Zahlungsavis",
                message_id="<000c01dc-74$@alpenblick-verlag.de>",
                body="Sehr geehrte Damen und Herren,\n\nsiehe Anhang.\n\nMit freundlichen Grüßen\nStefan Huber\n"
                     "Alpenblick Verlag GmbH\n",
                attachments=(("Zahlungsavis.pdf", "application/pdf", advice),))


def _pdf_sv() -> bytes:
    advice = table_pdf(["Betalningsavi", "Betalning PY75000001, 2026-10-02"],
                       ["Faktura", "Fakturadatum", "Belopp", "Betalt"],
                       [["G075000001", "2026-09-10", "12 345,67 kr", "1 234,56 kr"],
                        ["G075000002", "2026-09-15", "2 000,00 kr", "2 000,00 kr"]])
    return mail(sender="Karin Ek <karin.ek@ekholmtrading.se>", subject="Betalningsavi", message_id="<75-ab12@ekholmtrading.se>",
                body="Hej,\n\nse bifogad fil.\n\nHälsningar\nKarin Ek\n",
                attachments=(("betalningsavi.pdf", "application/pdf", advice),))


def _csv_without_header() -> bytes:
    rows = b'G076000001,"21,300.12",USD\r\nG076000002,"55,688.20",USD\r\n'
    return mail(sender="Michael Ross <michael.ross@harborfreight-partners.com>", subject="Allocation",
                message_id="<76-cd34@harborfreight-partners.com>",
                body="Hi,\n\nOur payment PY76000001 covers the invoices in the attached file.\n\nBest regards,\nMichael Ross\n",
                attachments=(("invoices.csv", "text/csv", rows),))


def _see_attached_only() -> bytes:
    advice = xlsx_bytes([["Payment ID", "PY77000001"], ["Invoice number", "Paid amount"],
                         ["G077000001", 980], ["G077000002", 1520.25]], formats={1: "#,##0.00 [$EUR]"})
    return mail(sender="Anna Berg <anna.berg@bluepeak.example>", subject="Payment", message_id="<77-ef56@bluepeak.example>",
                body="See attached.\n\n--\nAnna Berg\nBluepeak AB\n",
                attachments=(("image001.png", "image/png", png_bytes()), ("advice.xlsx", XLSX, advice)))


def _scanned_pdf() -> bytes:
    return mail(sender="Maria Costa <maria.costa@lumiere-films.fr>", subject="Remittance advice",
                message_id="<78-0a1b@lumiere-films.fr>",
                body="Hello,\n\nplease find our remittance advice for payment PY78000001 attached.\n\nRegards,\nMaria Costa\n",
                attachments=(("scan.pdf", "application/pdf", scanned_pdf_bytes()),))


GOLDEN = {
    "xlsx_header_paid_column": _xlsx_header_paid_column,
    "xlsx_without_header_sv": _xlsx_without_header_sv,
    "pdf_en_remittance_advice": _pdf_en,
    "pdf_de_zahlungsavis_siehe_anhang": _pdf_de,
    "pdf_sv_betalningsavi_se_bifogad_fil": _pdf_sv,
    "csv_without_header": _csv_without_header,
    "see_attached_only": _see_attached_only,
    "scanned_pdf_unreadable": _scanned_pdf,
}


def write_golden() -> None:
    for name, build in GOLDEN.items():
        (GOLDEN_DIR / f"{name}.eml").write_bytes(build())


if __name__ == "__main__":
    write_golden()
