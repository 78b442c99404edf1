"""XLSX and XLSM remittance advices -> rows of text cells, as a person sees them in Excel.

An XLSX is a zip of XML, so it is checked with zipfile before openpyxl touches it: the
members' declared sizes must add up to at most MAX_SPREADSHEET_BYTES and none may be
compressed more than MAX_ZIP_RATIO times (a zip bomb is refused unopened; zipfile never
inflates a member past its declared size). openpyxl then reads it streaming (`read_only`)
with the values Excel last calculated (`data_only`), through defusedxml, which refuses XML
entity tricks. Hidden sheets are not read: nobody reading the advice sees them.

Cells become text the way Excel shows them, so the amount rules of the mail body apply: a
number formatted with decimals ("#,##0.00") keeps them ("1500" shown as 1,500.00 is
"1500.00", money), a currency in the format is written beside it, dates are ISO, and a
plain integer stays a bare number (not money, as in a CSV). Numbers are Decimal, never float
arithmetic: a float cell is read from its shortest repr, which is what was typed.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.reading.limits import (MAX_ATTACHMENT_ROWS, MAX_SPREADSHEET_BYTES, MAX_SPREADSHEET_COLUMNS, MAX_SPREADSHEET_SCAN,
                                MAX_ZIP_RATIO, NotRead)

_RATIO_FROM = 1 << 20  # smaller members are not judged by their ratio: the total bounds them


def check_zip(data: bytes) -> None:
    """Raise NotRead unless `data` is a zip whose members are safe to inflate."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as exc:  # noqa: BLE001 - BadZipFile, and whatever else a forged directory raises
        raise NotRead(f"is not a readable XLSX file ({exc})") from None
    total = sum(m.file_size for m in members)
    if total > MAX_SPREADSHEET_BYTES:
        raise NotRead(f"would expand to {total:,} bytes (more than {MAX_SPREADSHEET_BYTES:,}: a zip bomb?)")
    for m in members:
        if m.file_size >= _RATIO_FROM and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
            raise NotRead(f"has a member compressed {m.file_size // max(m.compress_size, 1):,} times "
                          f"(more than {MAX_ZIP_RATIO}: a zip bomb?)")


_DECIMALS = re.compile(r"0[.,](0+)")
_QUOTED = re.compile(r'"([^"]*)"')
_BRACKETED_CURRENCY = re.compile(r"\[\$([^\]-]+)")
_SYMBOLS = ("€", "$", "£", "¥", "kr", "zł", "CHF")


def _section(number_format: str) -> str:
    """The format used for positive numbers (before the first ';'), colour codes left out."""
    return re.sub(r"\[(?!\$)[^\]]*\]", "", (number_format or "").split(";")[0])


def _currency(section: str) -> str:
    if m := _BRACKETED_CURRENCY.search(section):
        return m.group(1).strip()
    for quoted in _QUOTED.findall(section):
        if quoted.strip():
            return quoted.strip()
    return next((s for s in _SYMBOLS if s in section), "")


def number_text(value: Decimal, number_format: str) -> str:
    """A number as the format shows it: its decimals, a percent, its currency."""
    section = _section(number_format)
    if "%" in section:
        value *= 100
    if m := _DECIMALS.search(_QUOTED.sub("", section)):
        value = value.quantize(Decimal(1).scaleb(-len(m.group(1))), rounding=ROUND_HALF_UP)
    text = format(value, "f")
    if "%" in section:
        return text + "%"
    currency = _currency(section)
    return f"{text} {currency}" if currency else text


def cell_text(value: object, number_format: str = "General") -> str:
    """One cell's value as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            return str(value)
        if not number.is_finite():
            return ""
        return number_text(number, number_format)
    return str(value).strip()


def sheets(data: bytes, *, max_rows: int = MAX_ATTACHMENT_ROWS) -> tuple[list[list[list[str]]], str | None]:
    """Each visible sheet's non-empty rows as cells of text, at most `max_rows` rows in all;
    and why reading stopped early, or None. Raises NotRead when the file cannot be read."""
    import openpyxl  # loaded only when a workbook comes: it takes a while

    check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken or foreign file
        raise NotRead(f"cannot be read as a spreadsheet ({type(exc).__name__}: {str(exc)[:200]})") from None
    found: list[list[list[str]]] = []
    kept = scanned = 0
    try:
        for sheet in workbook.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue
            rows: list[list[str]] = []
            found.append(rows)
            for cells in sheet.iter_rows(max_col=MAX_SPREADSHEET_COLUMNS):
                scanned += 1
                if scanned > MAX_SPREADSHEET_SCAN:
                    return found, f"more than {MAX_SPREADSHEET_SCAN:,} rows"
                row = [cell_text(c.value, getattr(c, "number_format", None) or "General") for c in cells]
                if not any(row):
                    continue
                if kept == max_rows:
                    return found, f"more than {max_rows:,} rows"
                rows.append(row)
                kept += 1
    except Exception as exc:  # noqa: BLE001 - a sheet broken halfway: nothing of it is guessed
        raise NotRead(f"cannot be read as a spreadsheet ({type(exc).__name__}: {str(exc)[:200]})") from None
    finally:
        workbook.close()
    return found, None
