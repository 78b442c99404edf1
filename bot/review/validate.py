"""The ledger checks a person's allocations must pass before they are applied: the same the
bot applies to its own (bot/deciding/match.py), on the rows as they are now.

Pure: the typed form rows and the ledger rows in, the allocations or the problems out.
`store.apply_allocations` checks the balances once more in its conditional UPDATE, so money
that moved between this check and the write is still never overdrawn.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.core import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol

from bot.model import Allocation, InvoiceRow, Money, PaymentRow

MAX_LINES = 5
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")  # group separators a person types: spaces, NBSP, '
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


class AmountError(ValueError):
    """A typed amount that is not one, or could mean two different sums; the message says which."""


@dataclass(frozen=True)
class EditLine:
    """One row of the edit form, as typed."""

    payment_id: str
    invoice_number: str
    amount: str


@dataclass(frozen=True)
class Checked:
    allocations: tuple[Allocation, ...]
    problems: tuple[str, ...]
    account_id: str | None

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.allocations)


def lines_from_form(form: Mapping[str, str], *, count: int = MAX_LINES) -> list[EditLine]:
    """Rows payment_N / invoice_N / amount_N (N = 1..count); rows left wholly empty are skipped."""
    out = []
    for n in range(1, count + 1):
        row = EditLine(*(str(form.get(f"{field}_{n}") or "").strip() for field in ("payment", "invoice", "amount")))
        if row.payment_id or row.invoice_number or row.amount:
            out.append(row)
    return out


def decimal_mark(locale: str | None) -> str | None:
    """The locale's decimal mark ("." for en, "," for sv-SE), or None for no or an unknown locale.

    The one reading of a lone mark before three digits ("1,234"): read_amount decides with it and
    the item page hands it to its editor script, so the running total agrees with the server.
    """
    try:
        return get_decimal_symbol(Locale.parse(locale.replace("-", "_"))) if locale else None
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def read_amount(text: str, *, locale: str | None = None) -> Decimal:
    """A typed amount as a Decimal: "450,50", "1 234,56", "1.234,56", "1,234.56", "1234.56".

    Spaces group digits; with both "." and "," the last one is the decimal mark. A lone mark
    followed by exactly three digits ("1,234", "1.234") is a thousand in one country and a
    fraction in another: the locale's decimal mark (Babel) decides, and without a locale it is
    refused, because a guess could move a thousand times the money.
    """
    compact = _SPACES.sub("", (text or "").strip())
    if not compact:
        raise AmountError("no amount")
    if not re.fullmatch(r"[\d.,]+", compact) or not compact[0].isdigit() or not compact[-1].isdigit():
        raise AmountError(f"{text.strip()} is not an amount; write it like 1234.56")
    marks = [c for c in compact if c in ".,"]
    if len(set(marks)) == 2:
        last_mark = compact[max(compact.rfind("."), compact.rfind(","))]
        whole, _, frac = compact.rpartition(last_mark)
        if marks.count(last_mark) != 1 or not _GROUPED.fullmatch(whole):
            raise AmountError(f"{text.strip()} is not an amount; write it like 1234.56")
        return Decimal(whole.replace("." if last_mark == "," else ",", "") + "." + frac)
    if not marks:
        return Decimal(compact)
    mark = marks[0]
    if len(marks) > 1:  # 1,234,567 or 1.234.567: groups only
        if not _GROUPED.fullmatch(compact):
            raise AmountError(f"{text.strip()} is not an amount; write it like 1234.56")
        return Decimal(compact.replace(mark, ""))
    whole, _, frac = compact.partition(mark)
    if len(frac) == 3 and len(whole) <= 3 and whole != "0":
        symbol = decimal_mark(locale)
        if symbol is None:
            raise AmountError(f"{text.strip()} is ambiguous (a thousand, or a fraction?); "
                              f"write it without the mark ({whole}{frac}) or with two decimals")
        return Decimal(f"{whole}.{frac}") if mark == symbol else Decimal(whole + frac)
    return Decimal(f"{whole}.{frac}")


def parse_amount(text: str, *, locale: str | None = None) -> Decimal | None:
    """read_amount, or None for text that is not one amount."""
    try:
        return read_amount(text, locale=locale)
    except (AmountError, InvalidOperation):
        return None


def normalised_lines(lines: Iterable[EditLine], *, locale: str | None) -> list[EditLine]:
    """The rows with each amount written as a plain Decimal ("1234.56") where the locale reads it;
    an amount it cannot read is kept as typed, for check_allocations to name the problem."""
    out = []
    for line in lines:
        value = parse_amount(line.amount, locale=locale)
        amount = str(value) if value is not None else line.amount
        out.append(EditLine(line.payment_id, line.invoice_number, amount))
    return out


def _half_filled(n: int, line: EditLine) -> str | None:
    """What a row lacks when only part of payment and invoice was chosen: a clerk who picked a
    payment and no invoice is told so, not that an invoice "(none)" is missing from the ledger."""
    if line.payment_id and not line.invoice_number:
        return f"row {n} has a payment but no invoice"
    if line.invoice_number and not line.payment_id:
        return f"row {n} has an invoice but no payment"
    if not line.payment_id and not line.invoice_number:  # wholly blank rows never get here
        return f"row {n} has an amount but no payment or invoice"
    return None


def _line_problems(n: int, line: EditLine, payment: PaymentRow | None, invoice: InvoiceRow | None,
                   account_id: str | None) -> tuple[Money | None, list[str]]:
    half = _half_filled(n, line)
    problems = [half] if half else []
    if line.payment_id and payment is None:
        problems.append(f"row {n}: payment {line.payment_id} is not in the ledger")
    if line.invoice_number and invoice is None:
        problems.append(f"row {n}: invoice {line.invoice_number} is not in the ledger")
    try:
        value: Decimal | None = read_amount(line.amount)
    except (AmountError, InvalidOperation) as error:
        value = None
        if line.amount or not half:  # a half-filled row is told what it lacks first
            problems.append(f"row {n}: {error if line.amount else 'the amount is missing'}")
    if problems:
        return None, problems
    assert payment is not None and invoice is not None and value is not None
    for row, name in ((payment, f"payment {payment.payment_id}"), (invoice, f"invoice {invoice.invoice_number}")):
        if account_id and row.account_id != account_id:
            problems.append(f"row {n}: {name} belongs to account {row.account_id}, not to the request's account {account_id}")
    currency = payment.amount.currency
    if invoice.amount.currency != currency:
        problems.append(f"row {n}: invoice {invoice.invoice_number} is in {invoice.amount.currency}, "
                        f"payment {payment.payment_id} in {currency}")
    money = Money(value, currency)
    if value <= 0:
        problems.append(f"row {n}: the amount must be more than zero")
    elif money.amount != value:
        problems.append(f"row {n}: {line.amount} is finer than the smallest unit of {currency} ({money.amount})")
    return (None if problems else money), problems


def _account(lines: list[tuple[EditLine, PaymentRow | None, InvoiceRow | None]], request_account: str | None) -> str | None:
    """The request's account; for a request the bot could not place, the one account of every row."""
    if request_account:
        return request_account
    owners = {row.account_id for _, p, i in lines for row in (p, i) if row is not None}
    return owners.pop() if len(owners) == 1 else None


def check_allocations(lines: Iterable[EditLine], *, payments: Mapping[str, PaymentRow], invoices: Mapping[str, InvoiceRow],
                      request_account: str | None, sender_accounts: tuple[str, ...] = ()) -> Checked:
    """Allocations for the typed rows, or every problem found (then no allocations).

    - each payment and invoice exists, and both belong to the request's account (for a request
      without one: all rows to one account) and, when the sender is an authorised contact of
      some accounts, to one of those;
    - invoice and payment share a currency; amounts are positive, in the currency's minor unit;
    - the amounts put on one payment (one invoice) in this action add up to no more than its
      unallocated (open) amount.
    Rows naming the same payment and invoice are added together.
    """
    rows = [(line, payments.get(line.payment_id), invoices.get(line.invoice_number)) for line in lines]
    if not rows:
        return Checked((), ("choose at least one payment, invoice and amount",), request_account)
    account_id = _account(rows, request_account)
    problems: list[str] = []
    if account_id is None:
        problems.append("the rows belong to several accounts; one request moves the money of one account")
    elif sender_accounts and account_id not in sender_accounts:
        problems.append(f"the sender is not an authorised contact of account {account_id}")
    merged: dict[tuple[str, str], Money] = {}
    for n, (line, payment, invoice) in enumerate(rows, start=1):
        money, found = _line_problems(n, line, payment, invoice, account_id)
        problems.extend(found)
        if money is not None:
            key = (line.payment_id, line.invoice_number)
            merged[key] = merged[key] + money if key in merged else money
    if not problems:
        problems.extend(_over_allocation(merged, payments, invoices))
    if problems:
        return Checked((), tuple(dict.fromkeys(problems)), account_id)
    return Checked(tuple(Allocation(p, i, m) for (p, i), m in merged.items()), (), account_id)


def _over_allocation(merged: Mapping[tuple[str, str], Money], payments: Mapping[str, PaymentRow],
                     invoices: Mapping[str, InvoiceRow]) -> list[str]:
    on_payment: dict[str, Money] = {}
    on_invoice: dict[str, Money] = {}
    for (pid, number), money in merged.items():
        on_payment[pid] = on_payment[pid] + money if pid in on_payment else money
        on_invoice[number] = on_invoice[number] + money if number in on_invoice else money
    problems = [f"payment {pid} has {payments[pid].unallocated} unallocated; these rows put {total} on it"
                for pid, total in on_payment.items() if total > payments[pid].unallocated]
    problems += [f"invoice {number} has {invoices[number].open_amount} open; these rows put {total} on it"
                 for number, total in on_invoice.items() if total > invoices[number].open_amount]
    return problems


__all__ = ["MAX_LINES", "AmountError", "Checked", "EditLine", "check_allocations", "decimal_mark",
           "lines_from_form", "normalised_lines", "parse_amount", "read_amount"]
