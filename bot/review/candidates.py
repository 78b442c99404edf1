"""The payments and invoices a request could have meant, each with a short why it was or was
not chosen. Pure: the request, the evidence, the proposal and ledger rows in, rows out.

A reviewer reads the proposal against the alternatives: the account's unallocated payments
and open invoices, plus whatever the mail named (another account's, a closed invoice, an id
that is not in the ledger at all).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.deciding.payments import fits_payment, reference_in
from bot.model import Allocation, Evidence, InvoiceRow, Money, PaymentRow, Request
from bot.review.proposal import evidence_for, named_ids


@dataclass(frozen=True)
class Candidate:
    kind: str  # "payment" | "invoice"
    key: str  # payment id or invoice number
    account_id: str | None  # None: not in the ledger
    day: date | None  # received (payment) or due (invoice)
    amount: Money | None
    balance: Money | None  # unallocated (payment) or open (invoice)
    reference: str
    named: bool  # written in the mail
    proposed: Money | None  # what the proposal puts on it
    why: tuple[str, ...]
    evidence: tuple[str, ...]  # what the bot's evidence says about it

    @property
    def chosen(self) -> bool:
        return self.proposed is not None

    @property
    def after(self) -> Money | None:
        """What the ledger will show left on this row once the proposal is applied."""
        if self.proposed is None or self.balance is None or self.balance.currency != self.proposed.currency:
            return None
        return Money(self.balance.amount - self.proposed.amount, self.balance.currency)


def _total(allocations: Iterable[Allocation], key: str) -> Money | None:
    amounts = [a.amount for a in allocations if key in (a.payment_id, a.invoice_number)]
    return sum(amounts[1:], amounts[0]) if amounts else None


def _blockers(row_account: str, currency: str, balance: Money, *, account_id: str | None,
              currencies: set[str], empty: str) -> list[str]:
    why = []
    if account_id and row_account != account_id:
        why.append(f"other account ({row_account})")
    if currencies and currency not in currencies:
        why.append(f"different currency ({currency})")
    if balance.amount <= 0:
        why.append(empty)
    return why


def payment_candidates(request: Request, evidence: tuple[Evidence, ...], proposal: tuple[Allocation, ...], *,
                       account_id: str | None, currencies: set[str], payments: Iterable[PaymentRow]) -> list[Candidate]:
    named, _ = named_ids(request)
    rows = {p.payment_id: p for p in payments}
    stated = [ins.payment_amount for ins in request.instructions if ins.payment_amount]
    out = []
    for key in dict.fromkeys([*named, *(a.payment_id for a in proposal), *rows]):
        row, proposed = rows.get(key), _total(proposal, key)
        why: list[str] = [f"proposed: {proposed}"] if proposed else []
        if key in named:
            why.append("named in the mail")
        if row is None:
            why.append("not in the ledger")
        else:
            if key not in named and row.reference and reference_in(row.reference, request.text):
                why.append("bank reference in the mail")
            if any(fits_payment(s, row) for s in stated):
                why.append("amount fits")
            why += _blockers(row.account_id, row.amount.currency, row.unallocated, account_id=account_id,
                             currencies=currencies, empty="fully allocated")
            if len(why) == 0:
                why.append("not mentioned in the mail")
        out.append(Candidate("payment", key, row.account_id if row else None, row.received_date if row else None,
                             row.amount if row else None, row.unallocated if row else None, row.reference if row else "",
                             key in named, proposed, tuple(why), tuple(e.detail for e in evidence_for(key, evidence))))
    return sorted(out, key=lambda c: (not c.chosen, not c.named))


def invoice_candidates(request: Request, evidence: tuple[Evidence, ...], proposal: tuple[Allocation, ...], *,
                       account_id: str | None, currencies: set[str], invoices: Iterable[InvoiceRow]) -> list[Candidate]:
    _, named = named_ids(request)
    rows = {i.invoice_number: i for i in invoices}
    stated = {line.invoice_number: line.amount for ins in request.instructions for line in ins.lines if line.amount}
    out = []
    for key in dict.fromkeys([*named, *(a.invoice_number for a in proposal), *rows]):
        row, proposed = rows.get(key), _total(proposal, key)
        why: list[str] = [f"proposed: {proposed}"] if proposed else []
        if key in named:
            why.append(f"named in the mail with {stated[key].span.text}" if key in stated else "named in the mail")
        if row is None:
            why.append("not in the ledger")
        else:
            if key in stated and stated[key].value == row.open_amount.amount:
                why.append("amount fits")
            why += _blockers(row.account_id, row.amount.currency, row.open_amount, account_id=account_id,
                             currencies=currencies, empty="nothing open")
            if len(why) == 0:
                why.append("not mentioned in the mail")
        out.append(Candidate("invoice", key, row.account_id if row else None, row.due_date if row else None,
                             row.amount if row else None, row.open_amount if row else None, "",
                             key in named, proposed, tuple(why), tuple(e.detail for e in evidence_for(key, evidence))))
    return sorted(out, key=lambda c: (not c.chosen, not c.named))


def proposal_misfits(candidates: Iterable[Candidate], *, account_id: str | None) -> tuple[str, ...]:
    """Why the proposal can no longer be applied as it stands, one sentence per row it touches,
    or nothing. The money may have moved since the bot proposed it (another item used the
    payment, the invoice was paid): the page then says so instead of previewing negative
    balances, and offers no Approve the server would refuse anyway."""
    out = []
    for c in candidates:
        if not c.chosen:
            continue
        what = f"{'Payment' if c.kind == 'payment' else 'Invoice'} {c.key}"
        if c.balance is None:
            out.append(f"{what} is no longer in the ledger.")
        elif account_id and c.account_id != account_id:
            out.append(f"{what} is on another account ({c.account_id}).")
        elif c.after is None:
            out.append(f"{what} is in {c.balance.currency}; the proposal is in {c.proposed.currency}.")
        elif c.balance.amount <= 0:
            used = "has no unallocated money left" if c.kind == "payment" else "has nothing open any more"
            out.append(f"{what} {used}; the proposal puts {c.proposed} on it.")
        elif c.after.amount < 0:
            left = "unallocated" if c.kind == "payment" else "open"
            out.append(f"{what} has only {c.balance} {left}; the proposal puts {c.proposed} on it.")
    return tuple(out)


def rows_from_reading(request: Request, *, payments: set[str],
                      invoices: set[str]) -> list[tuple[str, str, str]]:
    """(payment, invoice, amount) rows for the editor from what the bot read, when it proposed
    nothing: each invoice line of an instruction naming exactly one payment, both still open on
    the account (`payments`, `invoices`). The clerk checks and applies them instead of retyping
    what was read correctly; the server checks every row again."""
    rows = []
    for ins in request.instructions:
        if len(ins.payment_ids) != 1 or ins.payment_ids[0] not in payments:
            continue
        for line in ins.lines:
            if line.invoice_number in invoices:
                amount = str(line.amount.value) if line.amount else ""
                rows.append((ins.payment_ids[0], line.invoice_number, amount))
    return list(dict.fromkeys(rows))


def request_currencies(proposal: tuple[Allocation, ...], payments: Iterable[PaymentRow], invoices: Iterable[InvoiceRow],
                       request: Request, *, account_id: str | None, account_currency: str | None) -> set[str]:
    """The currency the request moves money in: the proposal's, else that of the rows of the
    account the mail names, else the account's own."""
    if proposal:
        return {a.amount.currency for a in proposal}
    named_payments, named_invoices = named_ids(request)
    mine = lambda row: account_id is None or row.account_id == account_id  # noqa: E731
    found = {p.amount.currency for p in payments if p.payment_id in named_payments and mine(p)}
    found |= {i.amount.currency for i in invoices if i.invoice_number in named_invoices and mine(i)}
    if len(found) == 1:
        return found
    return {account_currency} if account_currency else set()


__all__ = ["Candidate", "invoice_candidates", "payment_candidates", "proposal_misfits", "request_currencies",
           "rows_from_reading"]
