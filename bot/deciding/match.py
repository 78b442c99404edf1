"""Request + sender + ledger slice -> one Decision. Pure: the same inputs always decide the same.

A message is applied only when every instruction in it is certain; otherwise nothing is
applied and the proposed allocations (if any) travel with the decision for a person to
approve. Amount rules: a stated per-invoice amount is used as written (never more than the
invoice's open amount or the payment's unallocated amount); one invoice without an amount
gets min(payment unallocated, invoice open); several invoices without amounts are applied
only when the payment covers all of them in full.
"""
from __future__ import annotations

from bot.deciding.payments import amount_fits, choose_payment
from bot.deciding.sender import authorised_accounts
from bot.model import (
    PARTNER_FIXABLE, Allocation, Decision, Evidence, Instruction, InvoiceRow, LedgerView, Money, PaymentRow, Reason,
    Request, Sender, Status,
)
from bot.reading.amounts import currencies_of


class _Budget:
    """What is left on each payment and invoice as this message's instructions use them."""

    def __init__(self) -> None:
        self.used: dict[str, Money] = {}

    def left(self, key: str, total: Money) -> Money:
        return total - self.used.get(key, Money.zero(total.currency))

    def take(self, key: str, amount: Money) -> None:
        self.used[key] = self.used.get(key, Money.zero(amount.currency)) + amount


def status_for(reasons: tuple[Reason, ...]) -> Status:
    if not reasons:
        return Status.APPLIED
    return Status.NEEDS_INFO if all(r in PARTNER_FIXABLE for r in reasons) else Status.REVIEW


def _account_for(ins: Instruction, accounts: tuple[str, ...], ledger: LedgerView) -> str | None:
    if len(accounts) == 1:
        return accounts[0]
    owners = {row.account_id for pid in ins.payment_ids if (row := ledger.payment(pid))}
    owners |= {row.account_id for line in ins.lines if (row := ledger.invoice(line.invoice_number))}
    owners &= set(accounts)
    return owners.pop() if len(owners) == 1 else None


def _check_invoice(line_no: str, row: InvoiceRow | None, account_id: str, payment: PaymentRow | None) -> tuple[Reason, str] | None:
    if row is None:
        return Reason.UNKNOWN_INVOICE, f"invoice {line_no} is not in the ledger"
    if row.account_id != account_id:
        return Reason.CROSS_ACCOUNT, f"invoice {line_no} belongs to another account"
    if row.open_amount.amount <= 0:
        return Reason.INVOICE_CLOSED, f"invoice {line_no} has nothing left open"
    if payment and row.open_amount.currency != payment.amount.currency:
        return Reason.CURRENCY_MISMATCH, f"invoice {line_no} is in {row.open_amount.currency}, payment {payment.payment_id} in {payment.amount.currency}"
    return None


def _allocate(ins: Instruction, payment: PaymentRow, ledger: LedgerView, budget: _Budget) -> tuple[list[Allocation], list[Reason], list[Evidence]]:
    """The allocations one instruction asks for, or the reasons it cannot have them."""
    reasons: list[Reason] = []
    evidence: list[Evidence] = []
    allocations: list[Allocation] = []
    currency = payment.amount.currency
    pay_left = budget.left(payment.payment_id, payment.unallocated)
    if pay_left.amount <= 0:
        return [], [Reason.PAYMENT_FULLY_ALLOCATED], [Evidence("payment_left", f"payment {payment.payment_id} has nothing unallocated", ins.span, (payment.payment_id,), Reason.PAYMENT_FULLY_ALLOCATED)]
    invoices = [(line, ledger.invoice(line.invoice_number)) for line in ins.lines]
    stated = [(line, row) for line, row in invoices if line.amount]
    unstated = [(line, row) for line, row in invoices if not line.amount]
    for line, row in stated:
        amount = line.amount
        if amount.currency and amount.currency != currency or not amount.currency and amount.symbol and currency not in currencies_of(amount.symbol):
            reasons.append(Reason.CURRENCY_MISMATCH)
            evidence.append(Evidence("line_currency", f"{amount.span.text} is not in {currency}", amount.span, (row.invoice_number,), Reason.CURRENCY_MISMATCH))
            continue
        money = Money(amount.value, currency)
        if money > budget.left(row.invoice_number, row.open_amount):
            reasons.append(Reason.OVER_ALLOCATION)
            evidence.append(Evidence("line_amount", f"{money} is more than invoice {row.invoice_number}'s open {row.open_amount}", amount.span, (row.invoice_number,), Reason.OVER_ALLOCATION))
            continue
        allocations.append(Allocation(payment.payment_id, row.invoice_number, money))
        evidence.append(Evidence("line_amount", f"{money} on invoice {row.invoice_number} as stated", amount.span, (row.invoice_number, payment.payment_id)))
    stated_total = sum((a.amount for a in allocations), Money.zero(currency))
    rest = pay_left - stated_total
    needs = [(line, row, budget.left(row.invoice_number, row.open_amount)) for line, row in unstated]
    if len(invoices) == 1 and needs:
        line, row, open_left = needs[0]
        amount = min(rest, open_left)
        allocations.append(Allocation(payment.payment_id, row.invoice_number, amount))
        evidence.append(Evidence("min_rule", f"{amount} = the smaller of payment left {rest} and invoice open {open_left}", line.span, (payment.payment_id, row.invoice_number)))
    elif needs:
        need_total = sum((n for _, _, n in needs), Money.zero(currency))
        if need_total > rest:
            reasons.append(Reason.OVER_ALLOCATION)
            evidence.append(Evidence("covers_all", f"payment left {rest} does not cover the invoices' open {need_total}", ins.span, (payment.payment_id,) + tuple(r.invoice_number for _, r, _ in needs), Reason.OVER_ALLOCATION))
        else:
            for line, row, open_left in needs:
                allocations.append(Allocation(payment.payment_id, row.invoice_number, open_left))
            evidence.append(Evidence("covers_all", f"payment left {rest} covers the invoices' open {need_total}", ins.span, (payment.payment_id,)))
    if stated_total > pay_left:
        reasons.append(Reason.OVER_ALLOCATION)
        evidence.append(Evidence("payment_left", f"stated amounts {stated_total} exceed payment {payment.payment_id}'s unallocated {pay_left}", ins.span, (payment.payment_id,), Reason.OVER_ALLOCATION))
    return allocations, reasons, evidence


def _decide_instruction(ins: Instruction, accounts: tuple[str, ...], ledger: LedgerView, budget: _Budget) -> tuple[str | None, list[Allocation], list[Reason], list[Evidence]]:
    account_id = _account_for(ins, accounts, ledger)
    if account_id is None:
        return None, [], [Reason.AMBIGUOUS_ACCOUNT], [Evidence("account", "the sender is a contact of several accounts and the request does not say which", ins.span, (), Reason.AMBIGUOUS_ACCOUNT)]
    if not ins.lines:
        return account_id, [], [Reason.UNKNOWN_INVOICE], [Evidence("invoices", "no invoice number found", ins.span, (), Reason.UNKNOWN_INVOICE)]
    choice = choose_payment(ins, account_id, ledger)
    reasons, evidence = list(choice.reasons), list(choice.evidence)
    for line in ins.lines:
        problem = _check_invoice(line.invoice_number, ledger.invoice(line.invoice_number), account_id, choice.payment)
        if problem:
            reasons.append(problem[0])
            evidence.append(Evidence("invoice", problem[1], line.span, (line.invoice_number,), problem[0]))
    if choice.payment is None or reasons:
        return account_id, [], reasons, evidence
    allocations, more_reasons, more_evidence = _allocate(ins, choice.payment, ledger, budget)
    return account_id, allocations, reasons + more_reasons, evidence + more_evidence


def decide(request: Request, sender: Sender, ledger: LedgerView, *, allowed_roles: tuple[str, ...]) -> Decision:
    accounts, reasons, evidence = authorised_accounts(sender, ledger.contacts, allowed_roles=allowed_roles)
    reasons, evidence = list(reasons), list(evidence)
    if not accounts:
        known = {c.account_id for c in ledger.contacts if c.email == sender.address}
        return Decision(Status.REVIEW, tuple(reasons), known.pop() if len(known) == 1 else None, (), tuple(evidence))
    for span in request.malformed_invoices:
        reasons.append(Reason.UNKNOWN_INVOICE)
        evidence.append(Evidence("invoice_format", f"{span.text!r} is not a valid invoice number", span, (), Reason.UNKNOWN_INVOICE))
    for span in request.malformed_payments:
        reasons.append(Reason.UNKNOWN_PAYMENT)
        evidence.append(Evidence("payment_format", f"{span.text!r} is not a valid payment id", span, (), Reason.UNKNOWN_PAYMENT))
    if not request.instructions:
        if not reasons:
            reasons.append(Reason.NO_REQUEST_FOUND)
            why = "a question, not an allocation request" if request.is_question else "no invoice and payment to allocate were found"
            evidence.append(Evidence("request", why, None, (), Reason.NO_REQUEST_FOUND))
        return Decision(status_for(tuple(reasons)), tuple(dict.fromkeys(reasons)), accounts[0] if len(accounts) == 1 else None, (), tuple(evidence))
    budget = _Budget()
    allocations: list[Allocation] = []
    account_ids: set[str] = set()
    for ins in request.instructions:
        account_id, allocs, ins_reasons, ins_evidence = _decide_instruction(ins, accounts, ledger, budget)
        if account_id:
            account_ids.add(account_id)
        for a in allocs:
            budget.take(a.payment_id, a.amount)
            budget.take(a.invoice_number, a.amount)
        allocations.extend(allocs)
        reasons.extend(ins_reasons)
        evidence.extend(ins_evidence)
    if len(account_ids) > 1:
        reasons.append(Reason.AMBIGUOUS_ACCOUNT)
    unique = tuple(dict.fromkeys(reasons))
    account = account_ids.pop() if len(account_ids) == 1 else None
    return Decision(status_for(unique), unique, account, tuple(allocations), tuple(evidence))


__all__ = ["decide", "status_for", "amount_fits"]
