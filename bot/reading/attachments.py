"""Remittance attachments as text rows, so one extractor reads mail bodies and advices alike.

CSV (any delimiter the sniffer recognises) and plain-text attachments are read here; a row
becomes one line with its cells separated by two spaces, as an HTML table row does. When the
header names a paid-amount column beside other amount columns ("Invoice amount", "Discount",
"Amount paid"), only the paid amount is kept: it is what goes on the invoice.
"""
from __future__ import annotations

import csv
import io
import re

from bot.reading.amounts import find_numbers
from bot.reading.mime import Attachment, decode_text
from bot.reading.words import PAID_COLUMN_WORDS, word_regex

MAX_ROWS = 5_000
TEXT_TYPES = {"text/csv", "text/plain", "application/csv", "text/comma-separated-values", "text/tab-separated-values"}


def is_tabular(att: Attachment) -> bool:
    name = att.filename.lower()
    return att.content_type in TEXT_TYPES or name.endswith((".csv", ".txt", ".tsv"))


def _rows(text: str) -> list[list[str]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
    except csv.Error:
        return [[line] for line in text.splitlines()]
    return [row for _, row in zip(range(MAX_ROWS), csv.reader(io.StringIO(text), dialect))]


def _other_amount_columns(rows: list[list[str]]) -> set[int]:
    """Columns to leave out: amount columns beside the one paid-amount column the header names."""
    header = rows[0] if rows else []
    if not header or any(re.search(r"\d", cell) for cell in header):
        return set()
    numeric = {i for row in rows[1:] for i, cell in enumerate(row) if find_numbers(cell) or re.fullmatch(r"\s*-?\d+\s*", cell)}
    paid = [i for i, cell in enumerate(header) if i in numeric and word_regex(PAID_COLUMN_WORDS).search(cell)]
    return numeric - set(paid) if len(paid) == 1 else set()


def attachment_lines(attachments: tuple[Attachment, ...]) -> list[str]:
    """Text lines from every readable attachment, in order; others are skipped."""
    lines: list[str] = []
    for att in attachments:
        if not is_tabular(att):
            continue
        rows = _rows(decode_text(att.data, None))
        skip = _other_amount_columns(rows)
        for row in rows:
            cells = [c.strip() for i, c in enumerate(row) if c and c.strip() and i not in skip]
            if cells:
                lines.append("  ".join(cells))
    return lines
