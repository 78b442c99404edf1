"""Import the billing system's ledger CSV exports (DESIGN.md "Ledger"), the optional
bank_accounts.csv (`account_id,iban`: payers' IBANs, how bank statement credits find their
account; see bot/ledger/payments_import.py) and the optional allocations.csv (what the
billing system shows allocated, under allocbot's posting keys: bot/ledger/reconcile.py).

A first pass validates every file before a single row is written, so a bad export is refused
whole instead of leaving a half-updated ledger; a second pass streams the rows again and
upserts them in bulk, then reconciles the figures with allocbot's postings. Only keys are
held in memory, never rows, so a million invoices fit.

A payments.csv row never overwrites a payment allocbot imported from a bank statement (its
`bank_ref` is set, or its id has the bank format, `bank_payment_pattern`): such a row is left
out and listed as a discrepancy (`bank_id`), as two sources of money under one id are for a
person to sort out, not for the later file to win.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, SQLModel, col

from bot.ledger import reconcile
from bot.ledger.csv_cells import BadCell, Cells, problem as _problem, records as _records
from bot.ledger.tables import Account, BankAccount, Contact, Invoice, Payment
from bot.statements.checksums import normal_iban

MAX_PROBLEMS = 20  # enough to fix an export in one go, few enough to read
BATCH = 5000  # rows per bulk statement: bounds memory, keeps round trips few
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class LedgerImportError(Exception):
    """The export was refused; `problems` name the file, line and column of each one found."""

    def __init__(self, problems: list[str], more: bool = False) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problems) + ("\n(further problems not listed)" if more else ""))


@dataclass(frozen=True)
class ImportReport:
    counts: dict[str, tuple[int, int]]  # file stem -> (inserted, updated); absent files omitted
    reconciliation: reconcile.Reconciliation = field(default_factory=reconcile.Reconciliation)
    contacts_removed: int = 0  # with contacts_complete: contacts the export no longer lists


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


def _upsert(session: Session, spec: _Spec, path: Path, accounts: set[str],
            skip: frozenset[str] = frozenset()) -> tuple[int, int]:
    """Insert new keys and overwrite existing ones (ORM bulk INSERT / UPDATE by primary key);
    rows whose first key column is in `skip` are left out."""
    existing = _existing(session, spec)
    rows = (values for _line, cells in _records(path, spec.columns)
            if (values := spec.convert(Cells(cells, accounts)))[spec.key[0]] not in skip)
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


def bank_payments_named(session: Session, *, path: Path, bank_payment_pattern: str | None) -> dict[str, int]:
    """payment id -> line, for the payments.csv rows that name a bank-imported payment."""
    bank_ids = set(session.exec(select(Payment.__table__.c.payment_id).where(col(Payment.bank_ref).is_not(None))
                                .execution_options(yield_per=BATCH)).scalars())
    fits = re.compile(bank_payment_pattern).fullmatch if bank_payment_pattern else (lambda _id: None)
    return {pid: line for line, cells in _records(path, ("payment_id",))
            if (pid := cells["payment_id"].strip()) in bank_ids or fits(pid)}


def _bank_id_discrepancies(named: dict[str, int]) -> list[reconcile.Discrepancy]:
    return [reconcile.Discrepancy("bank_id", f"payment {pid}", f"payments.csv line {line} names a payment id "
                                  "allocbot gave a bank-imported payment; the row was not imported")
            for pid, line in sorted(named.items(), key=lambda item: item[1])]


def _wanted(session: Session, spec: _Spec, path: Path, keys: set[str]) -> set[str]:
    """Which of `keys` (rows with allocbot postings) the file has rows for."""
    if not keys:
        return set()
    column = spec.key[0]
    return {cells[column].strip() for _line, cells in _records(path, spec.columns) if cells[column].strip() in keys}


def _drop_unlisted_contacts(session: Session, *, directory: Path) -> int:
    """Contacts of the export's accounts that its contacts.csv no longer lists: removed, so a
    person taken off an account in the billing system loses the say over its money at once."""
    accounts = {c["account_id"].strip() for _line, c in _records(directory / "accounts.csv", ("account_id",))}
    listed = {(c["account_id"].strip(), c["email"].strip().lower())
              for _line, c in _records(directory / "contacts.csv", ("account_id", "email"))}
    rows = session.exec(select(Contact.id, Contact.account_id, Contact.email).execution_options(yield_per=BATCH))
    gone = iter([cid for cid, account_id, email in rows
                 if account_id in accounts and (account_id, email.lower()) not in listed])
    removed = 0
    while chunk := list(islice(gone, BATCH)):
        session.exec(delete(Contact).where(col(Contact.id).in_(chunk)))
        removed += len(chunk)
    return removed


REQUIRED = ("invoices", "payments")  # the money: an export without either went wrong somewhere
FIRST_REQUIRED = ("accounts", "contacts")  # also, until the ledger knows its accounts


def export_files(directory: Path, *, ledger_has_accounts: bool) -> tuple[list[str], list[str]]:
    """(the ledger CSVs found in `directory`, the required ones missing). An export without,
    say, payments.csv is refused rather than the rest imported; a later export may leave out
    accounts.csv and contacts.csv (the figures only); bank_accounts.csv and allocations.csv
    are optional."""
    names = [spec.stem for spec in SPECS] + [reconcile.ALLOCATIONS]
    directory = Path(directory)
    found = [f"{name}.csv" for name in names if (directory / f"{name}.csv").is_file()]
    required = REQUIRED if ledger_has_accounts else FIRST_REQUIRED + REQUIRED
    missing = [f"{name}.csv" for name in sorted(required, key=names.index) if f"{name}.csv" not in found]
    return found, missing


def ledger_has_accounts(session: Session) -> bool:
    return session.exec(select(Account.account_id).limit(1)).first() is not None


def import_ledger(session: Session, directory: Path, *, now: datetime | None = None,
                  bank_payment_pattern: str | None = None, contacts_complete: bool = False) -> ImportReport:
    """Validate the whole export, then upsert accounts, contacts, invoices, payments and bank
    accounts (each file only when present), then reconcile with allocbot's postings.

    Raises LedgerImportError before writing anything if any row is bad. Never commits: the
    caller owns the transaction. Invoices' open amounts and payments' unallocated amounts are
    the export's figures less what allocbot's postings not in the export yet have taken
    (bot/ledger/reconcile.py): a re-import never makes allocated money allocatable again.
    "updated" counts rows whose key already existed, whether or not a field changed.
    """
    directory, now = Path(directory), now or datetime.now(UTC)
    if not directory.is_dir():
        raise LedgerImportError([f"{directory}: not a directory"])
    files = [(spec, directory / f"{spec.stem}.csv") for spec in SPECS]
    files = [(spec, path) for spec, path in files if path.is_file()]
    allocations_csv = directory / f"{reconcile.ALLOCATIONS}.csv"
    if not files and not allocations_csv.is_file():
        names = [s.stem + ".csv" for s in SPECS] + [f"{reconcile.ALLOCATIONS}.csv"]
        raise LedgerImportError([f"{directory}: none of {', '.join(names)}"])
    accounts = set(session.exec(select(Account.__table__.c.account_id)).scalars())
    _validate(files, accounts)
    exported = None
    if allocations_csv.is_file():
        exported, problems = reconcile.read_allocations(allocations_csv, max_problems=MAX_PROBLEMS)
        if problems:
            raise LedgerImportError(problems[:MAX_PROBLEMS], more=len(problems) > MAX_PROBLEMS)
    before = reconcile.before_import(session)
    in_export = {"payments": set(), "invoices": set()}
    payments_csv = directory / "payments.csv"
    named = bank_payments_named(session, path=payments_csv, bank_payment_pattern=bank_payment_pattern) \
        if payments_csv.is_file() else {}
    skip = {"payments": frozenset(named)}
    try:
        counts = {spec.stem: _upsert(session, spec, path, accounts, skip.get(spec.stem, frozenset()))
                  for spec, path in files}
        for spec, path in files:
            if spec.stem in in_export:
                keys = set(before.payments if spec.stem == "payments" else before.invoices)
                in_export[spec.stem] = _wanted(session, spec, path, keys) - skip.get(spec.stem, frozenset())
    except BadCell as bad:  # a file changed between the passes; the caller's rollback undoes the rest
        raise LedgerImportError([f"{directory}: a file changed during the import ({bad.message})"]) from None
    removed = 0
    if contacts_complete and (directory / "accounts.csv").is_file() and (directory / "contacts.csv").is_file():
        removed = _drop_unlisted_contacts(session, directory=directory)
    session.flush()
    result = reconcile.reconcile(session, exported=exported, before=before, in_export=in_export, now=now,
                                 found=_bank_id_discrepancies(named))
    return ImportReport(counts, result, removed)
