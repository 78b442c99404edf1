"""Reading the billing system's CSV exports cell by cell: each getter parses one column or
raises BadCell naming it, and records stream with the line each starts on, so every problem
is reported by file, line and column (bot/ledger/importer.py, bot/ledger/reconcile.py)."""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import BinaryIO

from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from babel.numbers import list_currencies

from bot.model import minor_unit

_CURRENCIES = frozenset(list_currencies())
_AMOUNT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_MINOR = 2**63 - 1  # BIGINT


class BadCell(Exception):
    """One problem; `line` is set where only the reader knows it (header, malformed records)."""

    def __init__(self, column: str | None, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.column, self.message, self.line = column, message, line


class Cells:
    """One CSV record; each getter parses a column or raises BadCell naming it."""

    def __init__(self, cells: dict[str, str], accounts: set[str]) -> None:
        self.cells, self.accounts = cells, accounts

    def text(self, column: str, required: bool = False) -> str:
        value = self.cells[column].strip()
        if required and not value:
            raise BadCell(column, "is empty")
        return value

    def account(self) -> str:
        value = self.text("account_id", required=True)
        if value not in self.accounts:
            raise BadCell("account_id", f"{value!r} is not a known account")
        return value

    def currency(self) -> str:
        value = self.text("currency")
        if value not in _CURRENCIES:
            raise BadCell("currency", f"{value!r} is not an ISO 4217 currency code")
        return value

    def locale(self) -> str:
        """Babel fills in unknown regions (en-ZZ becomes en_US), so the region must survive."""
        value = self.text("locale")
        try:
            region = parse_locale(value.replace("-", "_"))[1]
            if Locale.parse(value.replace("-", "_")).territory != (region.upper() if region else None):
                raise ValueError
        except (ValueError, UnknownLocaleError):
            raise BadCell("locale", f"{value!r} is not a known locale") from None
        return value

    def date(self, column: str) -> date:
        value = self.text(column)
        if _DATE.fullmatch(value):
            with suppress(ValueError):
                return date.fromisoformat(value)
        raise BadCell(column, f"{value!r} is not a date (YYYY-MM-DD)")

    def minor(self, column: str, currency: str) -> int:
        """Exact minor units: more decimals than the currency has is refused, never rounded."""
        value = self.text(column)
        if not _AMOUNT.fullmatch(value):
            raise BadCell(column, f"{value!r} is not a decimal number")
        places = -minor_unit(currency).as_tuple().exponent
        whole, _, fraction = value.lstrip("+-").partition(".")
        if fraction[places:].strip("0"):
            raise BadCell(column, f"{value!r} has more decimals than {currency} has")
        if len(whole.lstrip("0")) > 19:  # int() of a huge string is slow and may be refused
            raise BadCell(column, f"{value!r} is too large")
        minor = int(whole + fraction[:places].ljust(places, "0")) * (-1 if value.startswith("-") else 1)
        if not 0 <= minor <= _MAX_MINOR:
            raise BadCell(column, f"{value!r} is " + ("negative" if minor < 0 else "too large"))
        return minor

    def part(self, column: str, currency: str) -> tuple[int, int]:
        """(amount, part) in minor units, the open/unallocated part within the amount."""
        whole, part = self.minor("amount", currency), self.minor(column, currency)
        if part > whole:
            raise BadCell(column, f"{self.text(column)!r} is more than amount {self.text('amount')!r}")
        return whole, part


def decoded(f: BinaryIO) -> Iterator[str]:
    """Decode line by line so bad bytes are reported at their own line, not a buffer's."""
    for n, raw in enumerate(f, 1):
        try:
            yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            raise BadCell(None, "is not valid UTF-8", n) from None


def records(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line of the record's start, cells) per record, streamed; a malformed file raises BadCell."""
    with path.open("rb") as f:
        reader = csv.reader(decoded(f))
        line = 1
        try:
            header = [h.strip() for h in next(reader, [])]
            if missing := [c for c in columns if c not in header]:
                raise BadCell(missing[0], f"missing from the header (missing: {', '.join(missing)})", 1)
            index = {c: header.index(c) for c in columns}
            line = reader.line_num + 1
            for row in reader:
                if len(row) not in (0, len(header)):
                    raise BadCell(None, f"has {len(row)} fields, the header has {len(header)}", line)
                if row:
                    yield line, {c: row[i] for c, i in index.items()}
                line = reader.line_num + 1
        except csv.Error as exc:
            raise BadCell(None, f"is not valid CSV ({exc})", line) from None


def problem(stem: str, line: int | None, bad: BadCell) -> str:
    column = f", column {bad.column}" if bad.column else ""
    return f"{stem}.csv line {bad.line or line}{column}: {bad.message}"
