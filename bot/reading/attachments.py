"""Remittance attachments as text rows, so one extractor reads mail bodies and advices alike.

CSV (any delimiter the sniffer recognises) and plain-text attachments are read here; a row
becomes one line with its cells separated by two spaces, as an HTML table row does. When the
header names a paid-amount column beside other amount columns ("Invoice amount", "Discount",
"Amount paid"), only the paid amount is kept: it is what goes on the invoice.

Nothing else is opened: zip, PDF, Office files and images are never decoded, let alone
expanded, so a zip or PDF bomb costs what its transfer-encoded text costs. A tabular
attachment is decoded at most MAX_PART_BYTES far, and read at most MAX_ATTACHMENT_ROWS rows
and the characters left of the request's budget; `read_attachments` says where it stopped.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata

from bot.reading.amounts import find_numbers
from bot.reading.limits import MAX_ATTACHMENT_ROWS, MAX_PART_BYTES, MAX_REQUEST_CHARS
from bot.reading.mime import Attachment, decode_text
from bot.reading.words import PAID_COLUMN_WORDS, word_regex

MAX_ROWS = MAX_ATTACHMENT_ROWS
TEXT_TYPES = {"text/csv", "text/plain", "application/csv", "text/comma-separated-values", "text/tab-separated-values"}


def is_tabular(att: Attachment) -> bool:
    name = att.filename.lower()
    return att.content_type in TEXT_TYPES or name.endswith((".csv", ".txt", ".tsv"))


def _rows(text: str) -> tuple[list[list[str]], str | None]:
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


def _other_amount_columns(rows: list[list[str]]) -> set[int]:
    """Columns to leave out: amount columns beside the one paid-amount column the header names."""
    header = rows[0] if rows else []
    if not header or any(re.search(r"\d", cell) for cell in header):
        return set()
    numeric = {i for row in rows[1:] for i, cell in enumerate(row) if find_numbers(cell) or re.fullmatch(r"\s*-?\d+\s*", cell)}
    paid = [i for i, cell in enumerate(header) if i in numeric and word_regex(PAID_COLUMN_WORDS).search(cell)]
    return numeric - set(paid) if len(paid) == 1 else set()


def read_attachments(attachments: tuple[Attachment, ...], *, max_chars: int = MAX_REQUEST_CHARS) -> tuple[list[str], list[str]]:
    """Text lines from every readable attachment, in order (others are skipped), at most
    `max_chars` characters of them; and where reading stopped short, one note per stop."""
    lines: list[str] = []
    notes: list[str] = []
    left = max_chars
    for att in attachments:
        if not is_tabular(att):
            continue
        name = att.filename or att.content_type
        if left <= 0:
            notes.append(f"attachment {name!r} not read: the request text is over {max_chars:,} characters")
            continue
        data, cut = att.head(MAX_PART_BYTES)
        text = decode_text(data, None)
        if cut:
            notes.append(f"attachment {name!r} read only to its first {MAX_PART_BYTES:,} bytes")
        over_budget = f"attachment {name!r} read only in part: the request text is over {max_chars:,} characters"
        if len(text) > left:
            text = text[:left]
            notes.append(over_budget)
        rows, stopped = _rows(text)
        if stopped:
            notes.append(f"attachment {name!r} read only in part: {stopped}")
        skip = _other_amount_columns(rows)
        for row in rows:
            cells = [c.strip() for i, c in enumerate(row) if c and c.strip() and i not in skip]
            if not cells:
                continue
            line = unicodedata.normalize("NFKC", "  ".join(cells))  # as the extractor will count it
            if len(line) + 1 > left:
                left = 0
                if over_budget not in notes:
                    notes.append(over_budget)
                break
            lines.append(line)
            left -= len(line) + 1
    return lines, notes


def attachment_lines(attachments: tuple[Attachment, ...]) -> list[str]:
    """Text lines from every readable attachment, in order; others are skipped."""
    return read_attachments(attachments)[0]
