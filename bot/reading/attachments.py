"""Remittance attachments -> request lines; an attachment that cannot be read -> a note, never a guess.

Which attachments are read, by file name first (a CSV often comes as application/vnd.ms-excel),
then by content type:
- CSV, TSV and plain text: rows split by the delimiter the csv sniffer recognises, at most
  MAX_PART_BYTES of them decoded;
- XLSX and XLSM: every visible sheet (xlsx.py, zip-bomb checks before openpyxl);
- PDF: its text, page by page (pdf.py); a scan, an encrypted or broken PDF is not guessed at.
Each row becomes one line (tables.py: the paid-amount column rule, rows that cannot say which
amount was paid, an amount split across cells: read whole or not at all). Read at most
MAX_ATTACHMENT_ROWS rows and the characters left of the request's budget; where reading stopped short, `limits` says so.

`unreadable` lists the attachments that may carry the request but were not read: a CSV,
spreadsheet or PDF over `max_bytes` (decoded; a transfer-encoded text too long for it is not
decoded at all) or `max_pages`, one that cannot be parsed or read for certain, and the
spreadsheets openpyxl cannot open (legacy .xls, .xlsb, .ods, .numbers). The message is then
held for a person: an advice read in part could move money the partner did not mean.

Images and word-processor files (a logo, a photo of an advice, a letter) are never read, and
they alone do not make a message unreadable: nearly every signature carries a logo. Such a
document is noted (`document_notes`) only when it is plausibly the remittance itself: the
message asks for nothing readable and its text refers to an attachment ("see attached",
"siehe Anhang") or has no words of its own. Archives (zip) are not opened and not noted;
a message attached to the message is a forward (forwards.py).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from bot.reading.limits import (MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_PAGES, MAX_ATTACHMENT_ROWS, MAX_PART_BYTES,
                                MAX_REQUEST_CHARS, NotRead)
from bot.reading.mime import Attachment, decode_text
from bot.reading.tables import table_lines
from bot.reading.words import ATTACHMENT_WORDS, word_regex

MAX_ROWS = MAX_ATTACHMENT_ROWS
TEXT_TYPES = {"text/csv", "text/plain", "application/csv", "text/comma-separated-values", "text/tab-separated-values"}
XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel.sheet.macroenabled.12"}
OTHER_SHEET_TYPES = {"application/vnd.ms-excel", "application/vnd.ms-excel.sheet.binary.macroenabled.12",
                     "application/vnd.oasis.opendocument.spreadsheet", "application/x-iwork-numbers-sffnumbers",
                     "application/vnd.apple.numbers"}
DOCUMENT_TYPES = {"application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.oasis.opendocument.text", "application/rtf", "text/rtf", "application/ms-tnef",
                  "application/vnd.ms-tnef"}
_BY_NAME = (
    ((".csv", ".txt", ".tsv"), "text"),
    ((".xlsx", ".xlsm"), "xlsx"),
    ((".xls", ".xlsb", ".ods", ".numbers"), "sheet"),
    ((".pdf",), "pdf"),
    ((".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".heic", ".webp", ".doc", ".docx", ".odt", ".rtf",
      ".pages", "winmail.dat"), "document"),
)


def kind(att: Attachment) -> str:
    """"text", "xlsx", "sheet" (a spreadsheet openpyxl cannot open), "pdf", "document" (an
    image or a letter), or "" (not read, not noted: archives, signatures, calendar files)."""
    name = att.filename.lower().strip()
    for endings, found in _BY_NAME:
        if name.endswith(endings):
            return found
    ctype = att.content_type.lower()
    if ctype in TEXT_TYPES:
        return "text"
    if ctype in XLSX_TYPES:
        return "xlsx"
    if ctype in OTHER_SHEET_TYPES:
        return "sheet"
    if ctype == "application/pdf":
        return "pdf"
    if ctype.startswith("image/") or ctype in DOCUMENT_TYPES:
        return "document"
    return ""


@dataclass
class Remittance:
    """What the attachments say: request lines, where reading stopped short, what could not be read."""

    lines: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _csv_rows(text: str) -> tuple[list[list[str]], str | None]:
    """The rows, and why reading stopped early (too many rows, a field over the csv module's
    limit, broken quoting), or None."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
    except csv.Error:
        lines = text.splitlines()
        return [[line] for line in lines[:MAX_ROWS]], (f"more than {MAX_ROWS:,} rows" if len(lines) > MAX_ROWS else None)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), dialect)  # as the csv module asks: a lone CR ends a row
    try:
        for row in reader:
            if len(rows) == MAX_ROWS:
                return rows, f"more than {MAX_ROWS:,} rows"
            rows.append(row)
    except csv.Error as exc:  # e.g. "field larger than field limit": read no further
        return rows, f"unreadable after row {len(rows):,} ({exc})"
    return rows, None


def _over_budget(name: str, max_chars: int) -> str:
    return f"attachment {name!r} read only in part: the request text is over {max_chars:,} characters"


def _tables(att: Attachment, kind_: str, *, max_bytes: int, max_pages: int, left: int, max_chars: int,
            notes: list[str]):
    """The attachment's tables as (rows, aligned) pairs, within the limits. Raises NotRead."""
    if att.surely_over(max_bytes):
        raise NotRead(f"is larger than {max_bytes:,} bytes (max_attachment_mb)")
    name = att.filename or att.content_type
    if kind_ == "text":
        data, cut = att.head(MAX_PART_BYTES)
        if len(data) > max_bytes or cut and att.whole(max_bytes) is None:
            raise NotRead(f"is larger than {max_bytes:,} bytes (max_attachment_mb)")
        if cut:
            notes.append(f"attachment {name!r} read only to its first {MAX_PART_BYTES:,} bytes")
        text = decode_text(data, None)
        if len(text) > left:
            text = text[:left]
            notes.append(_over_budget(name, max_chars))
        rows, stopped = _csv_rows(text)
        if stopped:
            notes.append(f"attachment {name!r} read only in part: {stopped}")
        return [(rows, None)]
    data = att.whole(max_bytes)
    if data is None:
        raise NotRead(f"is larger than {max_bytes:,} bytes (max_attachment_mb)")
    if kind_ == "xlsx":
        from bot.reading.xlsx import sheets

        found, stopped = sheets(data, max_rows=MAX_ROWS)
        if stopped:
            notes.append(f"attachment {name!r} read only in part: {stopped}")
        return [(rows, None) for rows in found]
    from bot.reading.pdf import table

    rows, aligned, cut = table(data, max_pages=max_pages, max_chars=left)
    if cut:
        notes.append(_over_budget(name, max_chars))
    return [(rows, aligned)]


def read_attachments(attachments: tuple[Attachment, ...], *, max_chars: int = MAX_REQUEST_CHARS,
                     max_bytes: int = MAX_ATTACHMENT_BYTES, max_pages: int = MAX_ATTACHMENT_PAGES) -> Remittance:
    """Text lines from every remittance attachment, in order, at most `max_chars` characters
    of them; where reading stopped short; and the attachments that could not be read."""
    found = Remittance()
    left = max_chars
    for att in attachments:
        kind_ = kind(att)
        if kind_ not in ("text", "xlsx", "sheet", "pdf"):
            continue
        name = att.filename or att.content_type
        if kind_ == "sheet":
            found.unreadable.append(f"attachment {name!r} is a spreadsheet in a format that is not read (save it as XLSX or CSV)")
            continue
        if left <= 0:
            found.limits.append(f"attachment {name!r} not read: the request text is over {max_chars:,} characters")
            continue
        notes: list[str] = []
        try:
            tables = _tables(att, kind_, max_bytes=max_bytes, max_pages=max_pages, left=left, max_chars=max_chars,
                             notes=notes)
        except NotRead as why:
            found.unreadable.append(f"attachment {name!r} {why}")
            continue
        lines: list[str] = []
        unsure = None
        for rows, aligned in tables:
            table, row = table_lines(rows, aligned)
            lines.extend(table)
            unsure = unsure or row
        if unsure is not None:
            found.unreadable.append(f"attachment {name!r} {unsure}")
            continue
        found.limits.extend(notes)
        for line in lines:
            if len(line) + 1 > left:
                left = 0
                if _over_budget(name, max_chars) not in found.limits:
                    found.limits.append(_over_budget(name, max_chars))
                break
            found.lines.append(line)
            left -= len(line) + 1
    return found


def document_notes(attachments: tuple[Attachment, ...], *, subject: str, text: str) -> list[str]:
    """Images and letters that may be the remittance: when the sender's own `text` (quotes and
    signature lines out) says nothing, or it or the subject refers to an attachment."""
    documents = [att for att in attachments if kind(att) == "document"]
    if not documents or (text.strip() and not word_regex(ATTACHMENT_WORDS).search(f"{subject}\n{text}")):
        return []
    return [f"attachment {att.filename or att.content_type!r} is an image or document whose text is not read"
            for att in documents]


def attachment_lines(attachments: tuple[Attachment, ...]) -> list[str]:
    """Text lines from every readable attachment, in order; others are skipped."""
    return read_attachments(attachments).lines

