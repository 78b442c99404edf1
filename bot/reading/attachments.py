"""Remittance attachments as text rows, so one extractor reads mail bodies and advices alike.

CSV (any delimiter the sniffer recognises) and plain-text attachments are read here; a row
becomes one line with its cells separated by two spaces, as an HTML table row does.
"""
from __future__ import annotations

import csv
import io

from bot.reading.mime import Attachment, decode_text

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


def attachment_lines(attachments: tuple[Attachment, ...]) -> list[str]:
    """Text lines from every readable attachment, in order; others are skipped."""
    lines: list[str] = []
    for att in attachments:
        if not is_tabular(att):
            continue
        text = decode_text(att.data, None)
        for row in _rows(text):
            cells = [c.strip() for c in row if c and c.strip()]
            if cells:
                lines.append("  ".join(cells))
    return lines
