"""Bank statement credits into the ledger as unallocated payments (`allocbot payments import`).

Nothing here allocates: a payment waits, unallocated, until its partner asks (DESIGN.md).
Functions take keyword arguments and never commit; the CLI owns the transaction, so a file
goes in whole or not at all.

- Nothing twice: each credit's bank key (bot/statements: account + the bank's reference) is
  stored in `Payment.bank_ref`, unique. A known key — the same file again, overlapping
  statements, a camt.054 notification then its camt.053 — counts as "already known" and the
  payment keeps its id; so does a batch that one file splits into its transactions and the
  other could not (camt.054 without per-transaction amounts, then camt.053). A credit that
  looks like a payment the billing system exported
  (payments.csv: no bank key, same account, date, currency and amount) is held for a person.
- Payment ids in the configured format (`payment_pattern`, `PY\\d{8}`): numbered on from the
  highest id in that format, in file order — deterministic, never reused, never renumbered.
  On PostgreSQL a transaction-level advisory lock keeps two imports from numbering at once
  (SQLite transactions already start with the write lock).
- The account: bot/statements/accounts.py; a credit without one is reported, not imported.
  Nor is a credit in another currency than its account's: it is held and listed like a twin.
- Amounts go through the ledger importer's own conversion, so they are exact minor units,
  refused rather than rounded; a credit it refuses refuses the whole file.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import insert, text
from sqlmodel import Session, col, select

from bot.ledger.importer import SPECS, BadCell, Cells, payment_values
from bot.ledger.tables import Account, BankAccount, Invoice, Payment
from bot.reading.identifiers import letter_prefix
from bot.statements.accounts import LedgerKnows, choose_account, normal_name
from bot.statements.model import Credit, Skip, Skipped, Statement, StatementError
from bot.statements.remittance import RemittanceHints, remittance_hints

CHUNK = 500  # keys per IN (...) list
_LOCK = 0x616C6C6F63626F74  # "allocbot": the advisory lock id of statement imports
_PAYMENTS = next(spec for spec in SPECS if spec.stem == "payments")


class PaymentsImportError(StatementError):
    """The statement was read but cannot go into the ledger; nothing was written."""


@dataclass(frozen=True)
class Imported:
    payment_id: str
    account_id: str
    credit: Credit
    how: str  # how the account was found


@dataclass(frozen=True)
class NotImported:
    credit: Credit
    why: str


@dataclass(frozen=True)
class PaymentsImportReport:
    statement: Statement
    imported: tuple[Imported, ...]
    known: int  # credits whose bank key the ledger already had (or repeated in the file)
    held: tuple[NotImported, ...]  # look like a payment from payments.csv
    unassigned: tuple[NotImported, ...]  # no account could be determined
    off_currency: tuple[NotImported, ...] = ()  # held: the credit's currency is not its account's

    @property
    def skipped(self) -> Counter[str]:
        return self.statement.skipped_counts()

    @property
    def reversals(self) -> tuple[Skipped, ...]:
        return tuple(s for s in self.statement.skipped if s.why is Skip.REVERSAL)


def import_payments(session: Session, *, statement: Statement, invoice_pattern: str,
                    payment_pattern: str) -> PaymentsImportReport:
    """Add every new credit whose account is certain as an unallocated payment; flushes,
    never commits. Raises PaymentsImportError (before writing) for an amount the ledger
    cannot hold exactly, or when the payment-id format has no free id left."""
    _lock(session)
    new, known = new_credits(session, credits=statement.credits)
    problems = [p for c in new if (p := _amount_problem(c))]
    if problems:
        raise PaymentsImportError(problems)
    hints = {c.bank_ref: remittance_hints(c.reference, invoice_pattern=invoice_pattern) for c in new}
    chosen, unassigned = _assigned(new, hints, ledger_knows(session, credits=new, hints=hints.values()))
    chosen, off_currency = _same_currency(chosen, account_currencies(session, accounts={a for _c, a, _h in chosen}))
    twins = exported_twins(session, credits=[(c, account) for c, account, _how in chosen])
    held = [NotImported(c, f"payment {twins[c.bank_ref]} (payments.csv) has the same account, date and amount")
            for c, _account, _how in chosen if c.bank_ref in twins]
    chosen = [item for item in chosen if item[0].bank_ref not in twins]
    ids = new_payment_ids(session, payment_pattern=payment_pattern, count=len(chosen))
    imported = [Imported(pid, account, c, how) for pid, (c, account, how) in zip(ids, chosen)]
    if imported:
        session.exec(insert(Payment), params=[_row(item) for item in imported])
    session.flush()
    return PaymentsImportReport(statement, tuple(imported), known, tuple(held), tuple(unassigned), tuple(off_currency))


def _same_currency(chosen: list[tuple[Credit, str, str]], currencies: dict[str, str]
                   ) -> tuple[list[tuple[Credit, str, str]], list[NotImported]]:
    """Split off the credits in another currency than their account's: put on the account they
    would be money it cannot allocate as such (a EUR credit against USD invoices), and a payer
    matched by name may well be another company. A person decides (promise 1)."""
    kept, held = [], []
    for credit, account, how in chosen:
        own = currencies.get(account)
        if own and own != credit.currency:
            held.append(NotImported(credit, f"account {account} ({how}) is in {own}, the credit in {credit.currency}"))
        else:
            kept.append((credit, account, how))
    return kept, held


def account_currencies(session: Session, *, accounts: set[str]) -> dict[str, str]:
    """account id -> its currency, for the accounts that have one."""
    found: dict[str, str] = {}
    for chunk in _chunks(accounts):
        query = select(Account.account_id, Account.currency).where(col(Account.account_id).in_(chunk))
        found.update({a: c.strip().upper() for a, c in session.exec(query) if c and c.strip()})
    return found


def _assigned(credits: list[Credit], hints: dict[str, RemittanceHints],
              ledger: LedgerKnows) -> tuple[list[tuple[Credit, str, str]], list[NotImported]]:
    """([(credit, account, how it was found)], [credits no account is certain for, and why])."""
    chosen, unassigned = [], []
    for credit in credits:
        assignment = choose_account(credit, hints[credit.bank_ref], ledger)
        if assignment.account_id is None:
            unassigned.append(NotImported(credit, assignment.why))
        else:
            chosen.append((credit, assignment.account_id, assignment.why))
    return chosen, unassigned


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = iter(sorted(set(values)))
    while chunk := list(islice(values, CHUNK)):
        yield chunk


def new_credits(session: Session, *, credits: Sequence[Credit]) -> tuple[list[Credit], int]:
    """(credits whose bank key is new, each once; how many were already known or repeated)."""
    unique: dict[str, Credit] = {}
    for credit in credits:
        unique.setdefault(credit.bank_ref, credit)
    wanted = set(unique) | {c.entry_ref for c in unique.values() if c.entry_ref}
    known: set[str] = set()
    for chunk in _chunks(wanted):
        known.update(session.exec(select(Payment.bank_ref).where(col(Payment.bank_ref).in_(chunk))).all())
    new = [c for c in unique.values() if c.bank_ref not in known and c.entry_ref not in known
           and not (not c.entry_ref and _split_before(session, c.bank_ref))]
    return new, len(credits) - len(new)


def _split_before(session: Session, key: str) -> bool:
    """Whether a batch entry's transactions were imported one by one already (their keys are
    the entry's key, '/', their own): a file that could not split it brings the same money."""
    like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
    query = select(Payment.bank_ref).where(col(Payment.bank_ref).like(like, escape="\\")).limit(1)
    return session.exec(query).first() is not None


def _amount_problem(credit: Credit) -> str | None:
    try:
        _minor(credit)
    except BadCell as bad:
        return f"line {credit.line}: amount {bad.message}"
    return None


def ledger_knows(session: Session, *, credits: Sequence[Credit], hints: Iterable[RemittanceHints]) -> LedgerKnows:
    """What the ledger knows about these credits' IBANs, invoice numbers and payer names."""
    by_iban: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(c.payer_iban for c in credits if c.payer_iban):
        query = select(BankAccount.account_id, BankAccount.iban).where(col(BankAccount.iban).in_(chunk))
        for account_id, iban in session.exec(query):
            by_iban[iban].add(account_id)
    by_invoice: dict[str, str] = {}
    for chunk in _chunks(n for h in hints for n in h.invoice_numbers):
        query = select(Invoice.invoice_number, Invoice.account_id).where(col(Invoice.invoice_number).in_(chunk))
        by_invoice.update(session.exec(query).all())
    names = {normal_name(c.payer_name) for c in credits if c.payer_name}
    by_name: dict[str, set[str]] = defaultdict(set)
    if names:
        for account_id, name in session.exec(select(Account.account_id, Account.name).execution_options(yield_per=5000)):
            if (normal := normal_name(name)) in names:
                by_name[normal].add(account_id)
    return LedgerKnows({k: frozenset(v) for k, v in by_iban.items()}, by_invoice,
                       {k: frozenset(v) for k, v in by_name.items()})


def exported_twins(session: Session, *, credits: Sequence[tuple[Credit, str]]) -> dict[str, str]:
    """bank key -> payment id of a payments.csv payment (no bank key) with the same account,
    date, currency and amount: most likely the same money, already in the ledger."""
    dates = sorted({c.received_date for c, _account in credits})
    if not dates:
        return {}
    rows = session.exec(select(Payment.payment_id, Payment.account_id, Payment.received_date, Payment.currency,
                               Payment.amount_minor)
                        .where(col(Payment.bank_ref).is_(None), col(Payment.received_date).in_(dates))
                        .order_by(Payment.payment_id))
    index: dict[tuple, str] = {}
    for payment_id, *key in rows:
        index.setdefault(tuple(key), payment_id)
    return {c.bank_ref: index[key] for c, account in credits
            if (key := (account, c.received_date, c.currency, _minor(c))) in index}


def new_payment_ids(session: Session, *, payment_pattern: str, count: int) -> list[str]:
    """`count` ids in the configured format, numbered on from the highest one in use."""
    if count == 0:
        return []
    compiled, prefix = re.compile(payment_pattern), letter_prefix(payment_pattern)
    width = next((w for w in range(1, 31) if compiled.fullmatch(prefix + "1" * w)), None)
    if width is None:
        raise PaymentsImportError([f"payment_pattern {payment_pattern!r}: new payment ids need the form "
                                   "PREFIX + digits, like PY\\d{8}"])
    highest = 0
    rows = session.exec(select(Payment.payment_id).where(col(Payment.payment_id).startswith(prefix))
                        .execution_options(yield_per=5000))
    for payment_id in rows:
        if compiled.fullmatch(payment_id) and (digits := payment_id[len(prefix):]).isdecimal():
            highest = max(highest, int(digits))
    ids = [f"{prefix}{n:0{width}d}" for n in range(highest + 1, highest + 1 + count)]
    if not compiled.fullmatch(ids[-1]):
        raise PaymentsImportError([f"payment_pattern {payment_pattern!r}: no free payment id left after "
                                   f"{prefix}{highest:0{width}d} for {count} new payments"])
    return ids


def _minor(credit: Credit) -> int:
    """Exact minor units, as payments.csv amounts are read; raises BadCell rather than round."""
    return Cells({"amount": f"{credit.amount:f}"}, set()).minor("amount", credit.currency)


def _row(item: Imported) -> dict:
    """The payments.csv conversion (exact minor units, lengths), plus the bank key."""
    c = item.credit
    cells = {"payment_id": item.payment_id, "account_id": item.account_id, "received_date": c.received_date.isoformat(),
             "currency": c.currency, "amount": f"{c.amount:f}", "unallocated_amount": f"{c.amount:f}",
             "reference": c.reference, "payer_name": c.payer_name}
    try:
        values = payment_values(Cells(cells, {item.account_id}))
        _PAYMENTS.check_lengths(values)
    except BadCell as bad:  # checked before writing; only a length can still be wrong
        raise PaymentsImportError([f"line {c.line}: {bad.column or 'payment'} {bad.message}"]) from None
    return {**values, "bank_ref": c.bank_ref}
