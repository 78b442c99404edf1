"""Rows of a remittance table (CSV, spreadsheet or PDF) -> request lines, one per row.

A row becomes one line with its cells separated by two spaces, as an HTML table row does, so
one extractor reads mail bodies and advices alike. When the header names a paid-amount column
beside other amount columns ("Invoice amount", "Discount", "Amount paid"), only the paid
amount is kept: it is what goes on the invoice. The header is a row of cells without digits
that names the invoice or paid column; a title block above it ("Remittance advice", "Payment
PY…") is read as text.

An amount is read whole or not at all: two neighbouring cells that may be one amount cut in
two ("44" | "510,69 €": a PDF's text runs, a CSV split at the comma of "44,510.69") are
one amount or a count and an amount, and only a header whose columns the row fills says
which; without one, the advice cannot be read for certain and is not read.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from bot.reading.amounts import find_amounts, find_numbers, splits_amount
from bot.reading.identifiers import INVOICE_WORDS
from bot.reading.normalise import normalise
from bot.reading.words import PAID_COLUMN_WORDS, word_regex

Row = Sequence[str]


def _is_header(row: Row) -> bool:
    cells = [c for c in row if c and c.strip()]
    return len(cells) >= 2 and not any(re.search(r"\d", c) for c in cells)


def header_index(rows: Sequence[Row]) -> int | None:
    """The header row: the first of two or more cells without digits that names an invoice or
    paid column, else the first such row above any row with digits in two cells."""
    words = word_regex(PAID_COLUMN_WORDS + INVOICE_WORDS)
    named = next((i for i, row in enumerate(rows) if _is_header(row) and any(words.search(c or "") for c in row)), None)
    if named is not None:
        return named
    for index, row in enumerate(rows):
        if _is_header(row):
            return index
        if sum(1 for c in row if c and re.search(r"\d", c)) >= 2:
            return None
    return None


def _is_number(cell: str) -> bool:
    return bool(find_numbers(cell) or re.fullmatch(r"\s*-?\d+\s*", cell))


def _other_amount_columns(header: Row, rows: Sequence[Row]) -> set[int]:
    """Columns to leave out: amount columns beside the one paid-amount column the header names."""
    rows = [row for row in rows if any(re.search(r"\d", c or "") for c in row)]  # not a header repeated on a new page
    numeric = {i for row in rows for i, cell in enumerate(row) if cell and _is_number(cell)}
    text = {i for row in rows for i, cell in enumerate(row) if cell and cell.strip() and not _is_number(cell)}
    # the paid column holds numbers, or nothing at all ("Payment date" holds dates: not it)
    paid = [i for i, cell in enumerate(header) if i not in text and word_regex(PAID_COLUMN_WORDS).search(cell or "")]
    return numeric - set(paid) if len(paid) == 1 else set()


def _names_something(cell: str) -> bool:
    """A cell that may name an invoice or payment: letters and digits ("G012345678", "INV-4711")
    or five digits and more; dates, amounts and counts do not."""
    return bool(re.search(r"[^\W\d_]", cell) and re.search(r"\d", cell) and not find_amounts(cell) or re.search(r"\d{5}", cell))


def _unsure(row: Row, kept: list[str], *, fits: bool, below: bool, skip: set[int]) -> bool:
    """Whether a row cannot say which amount went on the invoice it names: several amounts
    are left in it; or, below a header of several amount columns, it is out of line (any
    amount may be any of them), or its amounts are all in the columns left out."""
    money = [c for c in kept if find_amounts(c)]
    names = any(_names_something(c) for c in kept if c not in money)
    if len(money) >= 2 or (below and not fits and money):
        return names
    emptied = below and fits and not money and any(find_amounts(c) for i, c in enumerate(row) if i in skip and c)
    return emptied and names


_GLUED_DECIMALS = re.compile(r"\d+[.,'’]\d+(?:[.,'’]\d+)*")


def _glued(kept: list[str]) -> str | None:
    """Digits glued into a number no reading takes whole ("G1,44,510.69" of a CSV the sniffer
    could not split, "1,234.567"), when some of them look like money, else None."""
    for cell in kept:
        read = [(s, e) for _, s, e in find_numbers(cell)] + [(a.start, a.end) for a in find_amounts(cell)]
        for m in _GLUED_DECIMALS.finditer(cell):
            whole = any(s <= m.start() and m.end() <= e for s, e in read)
            is_date = re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2}", m.group())
            if not whole and re.search(r"[.,]\d{2}$", m.group()) and not is_date:
                return m.group()
    return None


def _split(kept: list[str]) -> str | None:
    """Two neighbouring cells that may be one amount cut in two, as "44 | 510,69 €", or None."""
    return next((f"{a} | {b}" for a, b in zip(kept, kept[1:]) if splits_amount(a, b)), None)


def table_lines(rows: Sequence[Row], aligned: Sequence[bool] | None = None) -> tuple[list[str], str | None]:
    """Each non-empty row as a line, and why the first row that cannot be read for certain
    cannot be ("cannot say which amount was paid in row 4 …": `_unsure`; or an amount that may
    be split across its cells: `_split`, in a row that does not fill the header's columns), or
    None: reported, never guessed.

    Amount columns beside the paid one are left out of the header and of the rows below it
    that have its cells in its places (`aligned`, where given, and as many cells)."""
    rows = [[normalise(c or "") for c in row] for row in rows]  # as the mail body is read (normalise.py)
    at = header_index(rows)
    fits = [at is not None and i >= at and len(row) == len(rows[at]) and (aligned is None or aligned[i])
            for i, row in enumerate(rows)]
    skip = set() if at is None else _other_amount_columns(rows[at], [r for i, r in enumerate(rows) if fits[i] and i > at])
    lines, unsure = [], None
    for index, row in enumerate(rows):
        kept = [c.strip() for i, c in enumerate(row) if c and c.strip() and not (fits[index] and i in skip)]
        below = bool(skip) and at is not None and index > at
        if unsure is None and _unsure(row, kept, fits=fits[index], below=below, skip=skip):
            unsure = f"cannot say which amount was paid in row {index + 1:,} (no one paid-amount column for it)"
        if unsure is None and (glued := _glued(kept)) and any(_names_something(c) for c in kept):
            unsure = f"has a number that cannot be read for certain in row {index + 1:,} ({glued!r})"
        if unsure is None and not fits[index] and (split := _split(kept)):
            unsure = (f"may split an amount across cells in row {index + 1:,} ({split!r}: one amount, or two "
                      f"numbers?) and cannot be read for certain")
        if line := "  ".join(kept):
            lines.append(line)
    return lines, unsure
