"""SWIFT MT940 customer statements, read with the maintained `mt940` package.

Every statement block (from one `:20:` to the next) is parsed on its own, so a file that
concatenates days or accounts keeps each block's account (`:25:`) and currency (`:60F:`).
Marks of `:61:`: `C` is a credit and becomes a payment, `D` a debit; `RC`/`RD` (reversals)
are skipped and counted. MT940 has no pending entries (that is MT942), so none are skipped
as such. The booking date (`:61:` entry date) is the payment's date, else the value date.

Key (`Credit.bank_ref`): our account, the bank reference (after `//`), else the customer
reference, then the date and amount — references on MT940 are unique only per day at some
banks. With neither (`NONREF`) it is the date, amount, a digest of the `:86:` text and how
many identical credits came before in the file.
"""
from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import astuple
from datetime import date
from decimal import Decimal

import mt940
from babel.numbers import list_currencies

from bot.statements.checksums import compact
from bot.statements.model import Credit, KeyMaker, Skip, Skipped, Statement, StatementError
from bot.statements.mt940_details import read_details

OPTIONS = mt940.Options(applicant_iban=True, merge_keeps_values=True, case_insensitive_marks=True,
                        unbounded_details=True, non_swift_free_text=True, strip_bom=True)
_CURRENCIES = frozenset(list_currencies())
# The package logs a page of regex fragments for each field it cannot parse; the exception it
# raises reaches the person as one line naming the line number instead.
_quiet = logging.getLogger("mt940.tags")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False
_NO_REF = {"", "NONREF", "NOTPROVIDED"}
_KINDS = {"C": None, "D": Skip.DEBIT, "RC": Skip.REVERSAL, "RD": Skip.REVERSAL}


def looks_like_mt940(text: str) -> bool:
    return bool(re.search(r"(?m)^:20:", text) and re.search(r"(?m)^:60[FM]:", text))


def decoded(data: bytes) -> str:
    """UTF-8 when it is, else Windows-1252 (what banks' MT940 exports mostly are)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_mt940(data: bytes) -> Statement:
    text = decoded(data).replace("\r\n", "\n").replace("\r", "\n")
    accounts, credits, skipped, problems = [], [], [], []
    for first_line, block in _blocks(text):
        try:
            account, got = _block(first_line, block)
        except _Bad as bad:
            problems.append(str(bad))
            continue
        accounts.append(account)
        skipped.extend(item for item in got if isinstance(item, Skipped))
        credits.extend(item for item in got if isinstance(item, Credit))
    if not accounts and not problems:
        problems.append("no statement (:20: … :60F:) in the file")
    if problems:
        raise StatementError(problems)
    return Statement("mt940", tuple(dict.fromkeys(accounts)), tuple(credits), tuple(skipped))


class _Bad(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    """(line number of its :20:, text) of each statement block."""
    line = 1
    for block in re.split(r"(?m)^(?=:20:)", text):
        if block.startswith(":20:"):
            yield line, block
        line += block.count("\n")


def _tag_lines(first_line: int, block: str, tag: str) -> list[int]:
    return [first_line + block.count("\n", 0, m.start()) for m in re.finditer(rf"(?m)^{tag}", block)]


def _block(first_line: int, block: str) -> tuple[str, list[Credit | Skipped]]:
    try:
        parsed = mt940.parse(io.StringIO(block), options=OPTIONS)
    except Exception as exc:  # noqa: BLE001 - the package raises RuntimeError, ValueError, decimal errors …
        raise _Bad(_failing_line(first_line, block, exc), _failure(exc)) from None
    account = str(parsed.data.get("account_identification") or "").strip()
    if not account:
        raise _Bad(first_line, "statement has no account (:25:)")
    currency = parsed.currency
    if currency not in _CURRENCIES:
        raise _Bad(first_line, f"currency {currency!r} of the opening balance (:60F:) is not an ISO 4217 code")
    lines = _tag_lines(first_line, block, ":61:")
    keys = KeyMaker(compact(account))
    return account, [_item(keys, line, t.data, currency) for line, t in zip(lines, parsed)]


def _failing_line(first_line: int, block: str, exc: Exception) -> int:
    value = exc.args[2] if len(exc.args) > 2 and isinstance(exc.args[2], str) else ""
    at = block.find(value.splitlines()[0]) if value.strip() else -1
    return first_line + block.count("\n", 0, at) if at >= 0 else first_line


def _failure(exc: Exception) -> str:
    """The package's RuntimeError carries (message, tag, value): say which field and what."""
    if len(exc.args) > 2 and isinstance(exc.args[2], str):
        return f"field :{getattr(exc.args[1], 'id', '?')}: {exc.args[2].splitlines()[0]!r} is not valid MT940"
    return f"not valid MT940 ({exc})"


def _item(keys: KeyMaker, line: int, data: dict, currency: str) -> Credit | Skipped:
    mark = str(data.get("status") or "").upper()
    if mark not in _KINDS:
        raise _Bad(line, f":61: debit/credit mark {mark!r} is not C, D, RC or RD")
    amount = abs(Decimal(data["amount"].amount))
    details = read_details(data)
    if (why := _KINDS[mark]) is not None:
        return Skipped(line, why, currency, amount, details.reference)
    if amount <= 0:
        raise _Bad(line, "a credit of zero")
    booked = data.get("entry_date") or data["date"]
    received = date(booked.year, booked.month, booked.day)  # a plain date, not the package's subclass
    ref = next((r for r in (_first(data.get("bank_reference")), _first(data.get("customer_reference"))) if r not in _NO_REF), "")
    key = (keys.of(ref, received.isoformat(), f"{amount.normalize():f}") if ref else
           keys.of(keys.fallback(received, currency, amount, "|".join(astuple(details)))))
    return Credit(line, key, received, currency, amount, details.reference, details.payer_name, details.payer_iban)


def _first(value: object) -> str:
    """A reference field's first line (the package appends a later :86: KREF to it)."""
    return str(value or "").strip().split("\n")[0].strip()
