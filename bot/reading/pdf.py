"""Text PDFs (remittance advices) -> rows of cells, read by pypdf within bounds; never guessed.

pypdf's layout extraction keeps a table row on one line, its cells apart by runs of spaces,
so a row is split into cells there and lined up with the header's columns by position (the
paid-amount column rule of tables.py then applies as in a spreadsheet). Every kind of space
in the text is a plain one first (LibreOffice keeps the narrow no-break space of
"44\u202f510,69 €", which is no cell boundary). Word's "save as PDF" draws each word as a text
run of its own, so "44 510,69 €" comes out as "44  510,69  €": neighbouring cells that may be
one amount cut in two are joined when they stand under one header column; when a header
column parts them, or none is above them, they stay apart and tables.py holds the advice
unless the row fills the header's columns. A cell with a space-grouped number whose groups
stand under different columns ("44 510,69" across Qty and Amount) is cut there too: a count
and an amount, or one amount? The advice is held.

A PDF is not read, and `NotRead` says why, when it is encrypted (other than with the empty
password that only restricts printing), has more pages than allowed, or cannot be parsed;
and when a page cannot be read for certain: a page with images and no text (a scan), text
drawn invisibly (an OCR layer over a scan, or text hidden from the person who checks it),
text placed off the page or too small to see, glyph codes that map to no text (a font without
a text mapping), more than MAX_PDF_RUNS strings on a page, or a layout that lost or gained a
digit against pypdf's plain extraction (the layout mode skips text in form XObjects and
rotated text). OCR is never run: a scan goes to a person.

pypdf runs with its limits lowered (`apply_configuration`, for this call only): a stream
decodes to at most MAX_PDF_STREAM_BYTES, images are never decoded, no external decoder is
run, and the page-tree, array and parsing budgets are small, so a PDF bomb costs little
(tests/unit/reading/test_hostile.py measures it). pypdf's logger is set to errors only: it
warns once per oddity of a broken file, and one hostile PDF would flood the log.
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from bot.reading.amounts import splits_amount
from bot.reading.limits import MAX_ATTACHMENT_PAGES, MAX_PDF_RUNS, MAX_PDF_STREAM_BYTES, NotRead
from bot.reading.normalise import plain_spaces
from bot.reading.tables import header_index

_LIMITS = {
    "maximum_declared_stream_length": MAX_PDF_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "zlib_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "jbig2_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "image_maximum_buffer_size": MAX_PDF_STREAM_BYTES,
    "stream_decoding_work_maximum_length": 8 * MAX_PDF_STREAM_BYTES,
    "stream_parsing_work_maximum_count": 500_000,
    "xmp_maximum_input_length": 0,
    "page_tree_maximum_entries": 10_000,
    "page_tree_maximum_page_entries": 100_000,
    "xform_maximum_invocations_per_extraction": 200,
    "jbig2dec_binary": None,
}
_SHOW = {b"Tj", b"TJ", b"'", b'"'}
_MIN_SIZE = 2.0  # points: smaller text nobody reads on the page


def _quiet_pypdf() -> None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass
class _Scan:
    """What pypdf's plain extraction saw on one page."""

    runs: int = 0
    invisible: bool = False
    off_page: bool = False
    tiny: bool = False
    size: float | None = None  # of the current font, when a Tf said it


def _scan(page, width: float, height: float) -> tuple[_Scan, str]:
    scan = _Scan()

    def before(op: bytes, args: list, cm: list, tm: list) -> None:
        if op == b"Tr" and args and args[0] in (3, 7):
            scan.invisible = True
        elif op == b"Tf" and len(args) > 1 and isinstance(args[1], (int, float)):
            scan.size = float(args[1])
        elif op in _SHOW:
            scan.runs += 1
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if not (-width <= x <= 2 * width and -height <= y <= 2 * height):
                scan.off_page = True
            scale = (abs(tm[0] * tm[3] - tm[1] * tm[2]) * abs(cm[0] * cm[3] - cm[1] * cm[2])) ** 0.5
            if scan.size is not None and any(args) and abs(scan.size) * scale < _MIN_SIZE:
                scan.tiny = True

    text = page.extract_text(visitor_operand_before=before)
    return scan, text


def _undecoded(text: str) -> bool:
    """Whether much of the text is control, private-use or replacement characters: glyph codes
    of a font that maps them to no text, not what the page shows."""
    shown = [c for c in text if not c.isspace()]
    odd = sum(1 for c in shown if c == "\ufffd" or unicodedata.category(c) in ("Cc", "Co", "Cs"))
    return odd * 10 > len(shown)


def _digits(text: str) -> Counter:
    return Counter(c for c in text if c.isdigit())


def _page_problem(scan: _Scan, plain: str, layout: str) -> tuple[str, str] | None:
    """What makes a page with text unreadable for certain, and why it matters."""
    if scan.invisible:
        return "has invisible text", "an OCR layer over a scan, or text hidden from the reader"
    if scan.off_page:
        return "places text off the page", "hidden from the reader"
    if scan.runs > MAX_PDF_RUNS:
        return f"has more than {MAX_PDF_RUNS:,} pieces of text on a page", "too complex to read"
    if scan.tiny:
        return "has text too small to read", "hidden from the reader"
    if _undecoded(plain):
        return "has text that cannot be decoded", "a font without a text mapping"
    if _digits(plain) != _digits(layout):
        return "has text whose layout cannot be read for certain", "in a form, or rotated"
    return None


_CELL = re.compile(r"\S+(?: \S+)*")  # cells are apart by two spaces or more


_JOIN_GAP = 4  # layout spaces between two runs of one amount that are joined at most
_SPACED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?(?!\d)")

Cell = tuple[int, int, str]


def _cells(line: str) -> list[Cell]:
    return [(m.start(), m.end(), m.group()) for m in _CELL.finditer(line)]


def _under(start: int, end: int, columns: list[Cell]) -> set[int]:
    return {i for i, (s, e, _) in enumerate(columns) if start < e and s < end}


def _joined(cells: list[Cell], columns: list[Cell]) -> list[Cell]:
    """Neighbouring cells that may be one amount cut in two, joined when they stand under one
    header column (the columns of one include the other's); a cell under no column may be a
    count whose column has no heading, so it is not joined (tables.py then holds the advice)."""
    out: list[Cell] = []
    for cell in cells:
        if out and columns and cell[0] - out[-1][1] <= _JOIN_GAP and splits_amount(out[-1][2], cell[2]):
            left, right = _under(out[-1][0], out[-1][1], columns), _under(cell[0], cell[1], columns)
            if left and right and (left <= right or right <= left):
                out[-1] = (out[-1][0], cell[1], f"{out[-1][2]} {cell[2]}")
                continue
        out.append(cell)
    return out


def _straddles(cell: Cell, columns: list[Cell]) -> list[Cell] | None:
    """The cell cut where a space-grouped number in it crosses from one header column into
    another ("44" | "510,69 €"), or None when none does."""
    start, _, text = cell
    for m in _SPACED_NUMBER.finditer(text):
        groups = [(start + g.start(), start + g.end()) for g in re.finditer(r"\S+", m.group())]
        for (a0, a1), (b0, b1) in zip(groups, groups[1:]):
            left, right = _under(a0, a1, columns), _under(b0, b1, columns)
            if left and right and left != right:
                cut = b0 - start
                return [(start, a1, text[: a1 - start]), (b0, cell[1], text[cut:])]
    return None


def _line_up(cells: list[tuple[int, int, str]], columns: list[tuple[int, int, str]]) -> list[str] | None:
    """The cells in the header's columns (by overlap), or None when they do not line up."""
    row = [""] * len(columns)
    for start, end, text in cells:
        overlaps = [i for i, (s, e, _) in enumerate(columns) if start < e and s < end]
        if len(overlaps) != 1 or row[overlaps[0]]:
            return None
        row[overlaps[0]] = text
    return row


def rows_of(lines: list[str]) -> tuple[list[list[str]], list[bool]]:
    """Layout lines -> rows of cells; from the header on, each row in the header's columns
    when its cells line up with them (aligned), else as it is (not aligned)."""
    cells = [_cells(line) for line in lines]
    at = header_index([[c for _, _, c in row] for row in cells])
    columns = cells[at] if at is not None else []
    rows, aligned = [], []
    for index, row in enumerate(cells):
        row = _joined(row, columns) if at is not None and index > at else row
        cut = row if index <= (at or 0) else [piece for cell in row for piece in (_straddles(cell, columns) or [cell])]
        placed = _line_up(row, columns) if at is not None and index >= at and cut == row else None
        rows.append(placed if placed is not None else [c for _, _, c in cut])
        aligned.append(placed is not None)
    return rows, aligned


def table(data: bytes, *, max_pages: int = MAX_ATTACHMENT_PAGES, max_chars: int) -> tuple[list[list[str]], list[bool], bool]:
    """The PDF's text as rows of cells (`rows_of`), and whether it was cut at `max_chars`.
    Raises NotRead (see the module's docstring)."""
    lines, cut = layout_lines(data, max_pages=max_pages, max_chars=max_chars)
    rows, aligned = rows_of(lines)
    return rows, aligned, cut


def _open(data: bytes):
    import pypdf  # loaded only when a PDF comes

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on a broken file
        raise NotRead(f"cannot be read as a PDF ({type(exc).__name__}: {str(exc)[:200]})") from None
    if encrypted:
        try:  # the empty password opens a PDF that is locked only against printing or copying
            opened = bool(reader.decrypt(""))
        except Exception:  # noqa: BLE001 - e.g. an unknown cipher
            opened = False
        if not opened:
            raise NotRead("is encrypted")
    return reader


def layout_lines(data: bytes, *, max_pages: int = MAX_ATTACHMENT_PAGES, max_chars: int) -> tuple[list[str], bool]:
    """The PDF's non-blank layout lines, at most `max_chars` characters of them (as cells two
    spaces apart), and whether they were cut there. Raises NotRead (see the module's docstring)."""
    import pypdf

    _quiet_pypdf()
    with pypdf.apply_configuration(**_LIMITS):
        reader = _open(data)
        try:
            count = len(reader.pages)
        except Exception as exc:  # noqa: BLE001
            raise NotRead(f"cannot be read as a PDF ({type(exc).__name__}: {str(exc)[:200]})") from None
        if count > max_pages:
            raise NotRead(f"has {count:,} pages (more than max_attachment_pages = {max_pages:,})")
        lines: list[str] = []
        left, scans, texts = max_chars, [], 0
        for number in range(count):
            where = f" on page {number + 1}" if count > 1 else ""
            try:
                page = reader.pages[number]
                box = page.mediabox
                scan, plain = _scan(page, float(box.width) or 612.0, float(box.height) or 792.0)
                if not plain.strip():
                    if len(page.images):
                        scans.append(number + 1)
                    continue
                layout = page.extract_text(extraction_mode="layout", layout_mode_space_vertically=False)
            except Exception as exc:  # noqa: BLE001
                raise NotRead(f"cannot be read as a PDF{where} ({type(exc).__name__}: {str(exc)[:200]})") from None
            if problem := _page_problem(scan, plain, layout):
                raise NotRead(f"{problem[0]}{where} ({problem[1]})")
            texts += 1
            for line in plain_spaces(layout).split("\n"):
                if not line.strip():
                    continue
                size = len("  ".join(c for _, _, c in _cells(line))) + 1
                if size > left:
                    return lines, True
                lines.append(line.rstrip())
                left -= size
        if scans:
            pages = "" if not texts else f" on page{'s' if len(scans) > 1 else ''} {', '.join(map(str, scans))}"
            raise NotRead(f"has no text to read{pages} (a scanned {'PDF' if not texts else 'page'}?)")
        if not texts:
            raise NotRead("has no text to read")
        return lines, False
