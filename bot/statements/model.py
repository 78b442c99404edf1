"""What a bank statement says about money coming in, as plain values.

Amounts stay exactly as the bank wrote them (`Decimal`, never float, with their ISO 4217
currency); turning them into the ledger's minor units is the importer's job, which refuses
rather than rounds.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

FORMATS = ("camt053", "camt054", "mt940")
MAX_PROBLEMS = 20  # as the ledger import: enough to see what is wrong, few enough to read
MAX_KEY = 200  # Payment.bank_ref's length


class Skip(StrEnum):
    """Why an entry is not a payment."""

    DEBIT = "debit"  # money going out
    REVERSAL = "reversal"  # the bank taking back (or returning) an earlier booking
    PENDING = "pending"  # not booked (yet): camt Sts PDNG, INFO or FUTR


@dataclass(frozen=True)
class Credit:
    """One credit that becomes one payment: a booked entry, or one transaction of a batch."""

    line: int  # where the entry (or its transaction details) starts in the file
    bank_ref: str  # the bank's unique key for it, the same in every file that repeats it
    received_date: date  # booking date, else value date
    currency: str
    amount: Decimal  # > 0
    reference: str  # the remittance information, one line
    payer_name: str = ""
    payer_iban: str = ""  # electronic form; "" when the bank gave none (or no valid one)
    # A transaction of a split batch: the key of its whole booked entry, which a file that
    # could not split the batch (a camt.054 without per-transaction amounts) gives the payment.
    entry_ref: str = ""


@dataclass(frozen=True)
class Skipped:
    line: int
    why: Skip
    currency: str
    amount: Decimal
    reference: str = ""


@dataclass(frozen=True)
class Statement:
    format: str  # one of FORMATS
    accounts: tuple[str, ...]  # our accounts as the file names them (IBAN, or the bank's number)
    credits: tuple[Credit, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def skipped_counts(self) -> Counter[str]:
        """Entries skipped, by why; every kind present, zero or not."""
        counts = Counter({kind.value: 0 for kind in Skip})
        counts.update(s.why.value for s in self.skipped)
        return counts


class StatementError(Exception):
    """The file was refused whole; each problem names the line and what is wrong."""

    def __init__(self, problems: list[str], more: bool = False) -> None:
        self.problems = tuple(problems[:MAX_PROBLEMS])
        more = more or len(problems) > MAX_PROBLEMS
        super().__init__("\n".join(self.problems) + ("\n(further problems not listed)" if more else ""))


@dataclass
class KeyMaker:
    """Keys for credits: `account|ref`, and, where a bank gave no reference at all, the date,
    amount, a digest of the remittance and how many identical credits came before it in the
    file — stable when the same statement (or an overlapping one) is read again."""

    account: str
    _seen: Counter[str] = field(default_factory=Counter)

    def of(self, *refs: str) -> str:
        """The key of a credit: our account, then the bank's reference(s) for it."""
        return self._bounded(f"{self.account}|{'/'.join(refs)}")

    def fallback(self, received: date, currency: str, amount: Decimal, text: str) -> str:
        """A reference for a credit the bank gave none: the nth such credit with this text."""
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        base = f"~{received.isoformat()}|{currency}|{amount.normalize():f}|{digest}"
        self._seen[base] += 1
        return f"{base}|{self._seen[base]}"

    def _bounded(self, key: str) -> str:
        if len(key) <= MAX_KEY:
            return key
        return f"{self.account[:100]}|sha256:{hashlib.sha256(key.encode()).hexdigest()}"
