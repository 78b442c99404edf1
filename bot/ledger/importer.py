"""Import the billing system's ledger CSV exports (DESIGN.md "Ledger"), and the optional
bank_accounts.csv (`account_id,iban`: payers' IBANs, how bank statement credits find their
account; see bot/ledger/payments_import.py).

A first pass validates every file before a single row is written, so a bad export is refused
whole instead of leaving a half-updated ledger; a second pass streams the rows again and
upserts them in bulk. Only keys are held in memory, never rows, so a million invoices fit.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from itertools import islice
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from babel.numbers import list_currencies
from sqlalchemy import insert, select, update
from sqlmodel import Session, SQLModel

from bot.ledger.tables import Account, BankAccount, Contact, Invoice, Payment
from bot.model import minor_unit
from bot.statements.checksums import normal_iban

MAX_PROBLEMS = 20  # enough to fix an export in one go, few enough to read
BATCH = 5000  # rows per bulk statement: bounds memory, keeps round trips few
_CURRENCIES = frozenset(list_currencies())
_AMOUNT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_MAX_MINOR = 2**63 - 1  # BIGINT


class LedgerImportError(Exception):
    """The export was refused; `problems` name the file, line and column of each one found."""

    def __init__(self, problems: list[str], more: bool = False) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problems) + ("\n(further problems not listed)" if more else ""))


@dataclass(frozen=True)
class ImportReport:
    counts: dict[str, tuple[int, int]]  # file stem -> (inserted, updated); absent files omitted


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


def _account(c: Cells) -> dict[str, Any]:
    return {"account_id": c.text("account_id", required=True), "name": c.text("name"),
            "locale": c.locale(), "currency": c.currency()}


def _contact(c: Cells) -> dict[str, Any]:
    email = c.text("email").lower()
    if not _EMAIL.fullmatch(email):
        raise BadCell("email", f"{email!r} is not an email address")
    return {"account_id": c.account(), "email": email, "name": c.text("name"), "role": c.text("role")}


def _invoice(c: Cells) -> dict[str, Any]:
    currency = c.currency()
    amount, open_ = c.part("open_amount", currency)
    return {"invoice_number": c.text("invoice_number", required=True), "account_id": c.account(),
            "issue_date": c.date("issue_date"), "due_date": c.date("due_date"),
            "currency": currency, "amount_minor": amount, "open_minor": open_}


def payment_values(c: Cells) -> dict[str, Any]:
    currency = c.currency()
    amount, unallocated = c.part("unallocated_amount", currency)
    return {"payment_id": c.text("payment_id", required=True), "account_id": c.account(),
            "received_date": c.date("received_date"), "currency": currency, "amount_minor": amount,
            "unallocated_minor": unallocated, "reference": c.text("reference"),
            "payer_name": c.text("payer_name")}


def _bank_account(c: Cells) -> dict[str, Any]:
    iban = normal_iban(c.text("iban"))
    if iban is None:
        raise BadCell("iban", f"{c.text('iban')!r} is not a valid IBAN")
    return {"account_id": c.account(), "iban": iban}


@dataclass(frozen=True)
class _Spec:
    stem: str
    table: type[SQLModel]
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the upsert key; only Contact's differs from its primary key (`id`)
    convert: Callable[[Cells], dict[str, Any]]

    def key_of(self, values: dict[str, Any]) -> tuple[str, ...]:
        return tuple(values[k] for k in self.key)

    def check_lengths(self, values: dict[str, Any]) -> None:
        """SQLite ignores VARCHAR lengths and PostgreSQL fails mid-write: check them up front."""
        for name, value in values.items():
            length = getattr(self.table.__table__.c[name].type, "length", None)
            if isinstance(value, str) and length and len(value) > length:
                raise BadCell(name, f"is longer than {length} characters")


SPECS = (  # import order: the other files refer to accounts
    _Spec("accounts", Account, ("account_id", "name", "locale", "currency"), ("account_id",), _account),
    _Spec("contacts", Contact, ("account_id", "email", "name", "role"), ("account_id", "email"), _contact),
    _Spec("invoices", Invoice, ("invoice_number", "account_id", "issue_date", "due_date", "currency",
                                "amount", "open_amount"), ("invoice_number",), _invoice),
    _Spec("payments", Payment, ("payment_id", "account_id", "received_date", "currency", "amount",
                                "unallocated_amount", "reference", "payer_name"), ("payment_id",), payment_values),
    _Spec("bank_accounts", BankAccount, ("account_id", "iban"), ("account_id", "iban"), _bank_account),
)


def _decoded(f: BinaryIO) -> Iterator[str]:
    """Decode line by line so bad bytes are reported at their own line, not a buffer's."""
    for n, raw in enumerate(f, 1):
        try:
            yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            raise BadCell(None, "is not valid UTF-8", n) from None


def _records(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line of the record's start, cells) per record, streamed; a malformed file raises BadCell."""
    with path.open("rb") as f:
        reader = csv.reader(_decoded(f))
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


def _problem(stem: str, line: int | None, bad: BadCell) -> str:
    column = f", column {bad.column}" if bad.column else ""
    return f"{stem}.csv line {bad.line or line}{column}: {bad.message}"


def _validate(files: list[tuple[_Spec, Path]], accounts: set[str]) -> None:
    """Check every row of every file; adds the export's account ids to `accounts`."""
    problems: list[str] = []
    for spec, path in files:
        seen: dict[tuple[str, ...], int] = {}
        try:
            for line, cells in _records(path, spec.columns):
                if spec.stem == "accounts":  # named by later files even when this row is bad
                    accounts.add(cells["account_id"].strip())
                try:
                    values = spec.convert(Cells(cells, accounts))
                    spec.check_lengths(values)
                    if (key := spec.key_of(values)) in seen:
                        raise BadCell(spec.key[-1], f"{', '.join(key)!r} repeats line {seen[key]}")
                    seen[key] = line
                except BadCell as bad:
                    problems.append(_problem(spec.stem, line, bad))
                if len(problems) > MAX_PROBLEMS:
                    raise LedgerImportError(problems[:MAX_PROBLEMS], more=True)
        except BadCell as bad:  # the file itself is malformed: the rest of it is not read
            problems.append(_problem(spec.stem, None, bad))
    if problems:
        raise LedgerImportError(problems[:MAX_PROBLEMS], more=len(problems) > MAX_PROBLEMS)


def _existing(session: Session, spec: _Spec) -> dict[tuple[str, ...], int | None]:
    """Key -> surrogate id (None where the key is the primary key), in one streamed query."""
    table = spec.table.__table__
    surrogate = spec.key != tuple(c.name for c in table.primary_key)
    columns = [table.c[k] for k in spec.key] + ([table.c.id] if surrogate else [])
    rows = session.exec(select(*columns).execution_options(yield_per=BATCH))
    n = len(spec.key)
    return {tuple(r[:n]): (r[n] if surrogate else None) for r in rows}


def _upsert(session: Session, spec: _Spec, path: Path, accounts: set[str]) -> tuple[int, int]:
    """Insert new keys and overwrite existing ones (ORM bulk INSERT / UPDATE by primary key)."""
    existing = _existing(session, spec)
    rows = (spec.convert(Cells(cells, accounts)) for _line, cells in _records(path, spec.columns))
    inserted = updated = 0
    while chunk := list(islice(rows, BATCH)):
        new, old = [], []
        for values in chunk:
            if (key := spec.key_of(values)) not in existing:
                new.append(values)
            else:
                old.append(values if existing[key] is None else {**values, "id": existing[key]})
        if new:
            session.exec(insert(spec.table), params=new)
        if old:
            session.exec(update(spec.table), params=old)
        inserted, updated = inserted + len(new), updated + len(old)
    return inserted, updated


def import_ledger(session: Session, directory: Path) -> ImportReport:
    """Validate the whole export, then upsert accounts, contacts, invoices, payments and bank
    accounts (each file only when present).

    Raises LedgerImportError before writing anything if any row is bad. Never commits: the
    caller owns the transaction. A re-import overwrites invoices' open amounts and payments'
    unallocated amounts with the export's figures (the billing system is the source of truth).
    "updated" counts rows whose key already existed, whether or not a field changed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise LedgerImportError([f"{directory}: not a directory"])
    files = [(spec, directory / f"{spec.stem}.csv") for spec in SPECS]
    if not (files := [(spec, path) for spec, path in files if path.is_file()]):
        raise LedgerImportError([f"{directory}: none of {', '.join(s.stem + '.csv' for s in SPECS)}"])
    accounts = set(session.exec(select(Account.__table__.c.account_id)).scalars())
    _validate(files, accounts)
    try:
        counts = {spec.stem: _upsert(session, spec, path, accounts) for spec, path in files}
    except BadCell as bad:  # a file changed between the passes; the caller's rollback undoes the rest
        raise LedgerImportError([f"{directory}: a file changed during the import ({bad.message})"]) from None
    session.flush()
    return ImportReport(counts)
