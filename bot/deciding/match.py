"""Request + sender + ledger slice -> one Decision. Pure: the same inputs always decide the same.

A message is applied only when every instruction in it is certain; otherwise nothing is
applied and the proposed allocations (if any) travel with the decision for a person to
approve. Amount rules: a stated per-invoice amount is used as written (never more than the
invoice's open amount or the payment's unallocated amount); one invoice without an amount
gets min(payment unallocated, invoice open); several invoices without amounts are applied
only when the payment covers all of them in full.
"""
from __future__ import annotations

from collections.abc import Mapping

from bot.deciding.lookalike import lookalike_evidence
from bot.deciding.payments import choose_payment, currency_fits
from bot.deciding.sender import authorised_accounts
from bot.model import (
    PARTNER_FIXABLE, Allocation, ContactRow, Decision, Evidence, Instruction, InvoiceLine, InvoiceRow, LedgerView, Money, PaymentRow, Reason,
    Request, Sender, Status,
)


class _Budget:
    """What is left on each payment and invoice as this message's instructions use them."""

    def __init__(self) -> None:
        self.used: dict[str, Money] = {}

    def left(self, key: str, total: Money) -> Money:
        return total - self.used.get(key, Money.zero(total.currency))

    def take(self, key: str, amount: Money) -> None:
        self.used[key] = self.used.get(key, Money.zero(amount.currency)) + amount

    def copy(self) -> _Budget:
        twin = _Budget()
        twin.used = dict(self.used)
        return twin


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


def _stated(line: InvoiceLine, row: InvoiceRow, pid: str, currency: str) -> tuple[Money | None, Evidence]:
    """A line's stated amount as money of the payment's currency, or the evidence against it."""
    amount = line.amount
    if not currency_fits(amount, currency):
        return None, Evidence("line_currency", f"{amount.span.text} is not in {currency}", amount.span, (row.invoice_number,), Reason.CURRENCY_MISMATCH)
    money = Money(amount.value, currency)
    if amount.value <= 0 or money.amount != amount.value:  # nothing, or finer than the currency's minor unit
        return None, Evidence("line_amount", f"{amount.span.text} is not an amount of {currency} to allocate", amount.span, (row.invoice_number,), Reason.AMOUNT_MISMATCH)
    return money, Evidence("line_amount", f"{money} on invoice {row.invoice_number} as stated", amount.span, (pid, row.invoice_number))


def _allocate(ins: Instruction, payment: PaymentRow, ledger: LedgerView, budget: _Budget) -> tuple[list[Allocation], list[Reason], list[Evidence]]:
    """The allocations one instruction asks for, or none and the reasons it cannot have them."""
    pid, currency = payment.payment_id, payment.amount.currency
    pay_left = budget.left(pid, payment.unallocated)
    if pay_left.amount <= 0:
        return [], [Reason.PAYMENT_FULLY_ALLOCATED], [Evidence("payment_left", f"payment {pid} has nothing unallocated", ins.span, (pid,), Reason.PAYMENT_FULLY_ALLOCATED)]
    local = budget.copy()  # this instruction's own lines count against the invoices too
    evidence: list[Evidence] = []
    allocations: list[Allocation] = []
    stated = [line for line in ins.lines if line.amount]
    named = {line.invoice_number for line in stated}
    unstated = list({line.invoice_number: line for line in ins.lines if not line.amount and line.invoice_number not in named}.values())
    for line in stated:
        row = ledger.invoice(line.invoice_number)
        money, why = _stated(line, row, pid, currency)
        open_left = local.left(row.invoice_number, row.open_amount)
        if money is not None and money > open_left:
            why = Evidence("line_amount", f"{money} is more than invoice {row.invoice_number}'s open {open_left}", line.amount.span, (row.invoice_number,), Reason.OVER_ALLOCATION)
        evidence.append(why)
        if why.reason is None:
            local.take(row.invoice_number, money)
            allocations.append(Allocation(pid, row.invoice_number, money))
    stated_total = sum((a.amount for a in allocations), Money.zero(currency))
    rest = pay_left - stated_total
    needs = [(line, row, local.left(row.invoice_number, row.open_amount)) for line in unstated if (row := ledger.invoice(line.invoice_number))]
    spent = [(line, row) for line, row, left in needs if left.amount <= 0]
    for line, row in spent:
        evidence.append(Evidence("invoice_left", f"invoice {row.invoice_number} is already fully allocated by this message", line.span, (row.invoice_number,), Reason.OVER_ALLOCATION))
    if len(stated) + len(needs) == 1 and needs and not spent:
        line, row, open_left = needs[0]
        amount = min(pay_left, open_left)
        allocations.append(Allocation(pid, row.invoice_number, amount))
        evidence.append(Evidence("min_rule", f"{amount} = the smaller of payment left {pay_left} and invoice open {open_left}", line.span, (pid, row.invoice_number)))
    elif needs and not spent:
        need_total = sum((n for _, _, n in needs), Money.zero(currency))
        rows = (pid,) + tuple(r.invoice_number for _, r, _ in needs)
        if need_total > rest:
            evidence.append(Evidence("covers_all", f"payment left {rest} does not cover the invoices' open {need_total}", ins.span, rows, Reason.OVER_ALLOCATION))
        else:
            allocations.extend(Allocation(pid, row.invoice_number, open_left) for _, row, open_left in needs)
            evidence.append(Evidence("covers_all", f"payment left {rest} covers the invoices' open {need_total}", ins.span, rows))
    if stated_total > pay_left:
        evidence.append(Evidence("payment_left", f"stated amounts {stated_total} exceed payment {pid}'s unallocated {pay_left}", ins.span, (pid,), Reason.OVER_ALLOCATION))
    reasons = [e.reason for e in evidence if e.reason]
    return ([] if reasons else allocations), reasons, evidence


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


def decide(request: Request, sender: Sender, ledger: LedgerView, *, allowed_roles: tuple[str, ...],
           account_domains: Mapping[str, tuple[str, ...]] | None = None,
           admins: tuple[ContactRow, ...] = ()) -> Decision:
    """`account_domains` (contact domain -> accounts) lets an unknown sender on a look-alike
    domain be flagged; `admins` (the authorised contacts of the sender's account) are named
    when a contact without the role asked for something the bot could otherwise apply."""
    accounts, reasons, evidence = authorised_accounts(sender, ledger.contacts, allowed_roles=allowed_roles)
    reasons, evidence = list(reasons), list(evidence)
    if not accounts:
        known = {c.account_id for c in ledger.contacts if sender.address and c.email.lower() == sender.address}
        account = known.pop() if len(known) == 1 else None
        if reasons == [Reason.SENDER_NOT_AUTHORIZED] and account is not None:
            return _unauthorised(request, ledger, account, evidence, admins)
        if reasons == [Reason.UNKNOWN_SENDER] and account_domains and (
                flag := lookalike_evidence(sender.address, account_domains)) is not None:
            reasons.append(Reason.LOOKALIKE_SENDER)
            evidence.append(flag)
        return Decision(Status.REVIEW, tuple(reasons), account, (), tuple(evidence))
    return _decide_for(request, accounts, ledger, reasons, evidence)


def confirm_with(admins: tuple[ContactRow, ...], account_id: str) -> str:
    """What a person must do before approving a request from a contact without the role."""
    names = sorted({f"{c.name or c.email} ({c.role})" for c in admins if c.account_id == account_id})
    who = " or ".join(names) if names else f"an authorised contact of account {account_id}"
    return f"confirm with {who}, then approve"


def _unauthorised(request: Request, ledger: LedgerView, account: str, evidence: list[Evidence],
                  admins: tuple[ContactRow, ...]) -> Decision:
    """Held: the sender may not move the account's money. What they asked for is read all the
    same; when it would have been certain, it is the proposal a person approves (promise 2:
    never the bot itself)."""
    reason = Reason.SENDER_NOT_AUTHORIZED
    inner = _decide_for(request, (account,), ledger, [], [])
    if inner.status is not Status.APPLIED or not inner.allocations:
        return Decision(Status.REVIEW, (reason,), account, (), tuple(evidence))
    need = Evidence("sender_confirm", confirm_with(admins, account), None, (account,), reason)
    return Decision(Status.REVIEW, (reason,), account, inner.allocations, (*evidence, need, *inner.evidence))


def _decide_for(request: Request, accounts: tuple[str, ...], ledger: LedgerView, reasons: list[Reason],
                evidence: list[Evidence]) -> Decision:
    for span in request.malformed_invoices:
        reasons.append(Reason.UNKNOWN_INVOICE)
        evidence.append(Evidence("invoice_format", f"{span.text!r} is not a valid invoice number", span, (), Reason.UNKNOWN_INVOICE))
    for span in request.malformed_payments:
        reasons.append(Reason.UNKNOWN_PAYMENT)
        evidence.append(Evidence("payment_format", f"{span.text!r} is not a valid payment id", span, (), Reason.UNKNOWN_PAYMENT))
    evidence += [Evidence("withdrawn", f"{span.text} is named only to say it is not to be allocated", span,
                          (span.text,)) for span in request.withdrawn]
    if request.hedges:  # the mail does not ask for this allocation now: a person reads it
        reasons.append(Reason.UNCLEAR_REQUEST)
        evidence += [Evidence("stance", f"the allocation is put off, conditioned, doubted or withdrawn: {span.text!r}",
                              span, (), Reason.UNCLEAR_REQUEST) for span in request.hedges]
        account = accounts[0] if len(accounts) == 1 else None
        return Decision(status_for(tuple(reasons)), tuple(dict.fromkeys(reasons)), account, (), tuple(evidence))
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
        evidence.append(Evidence("account", f"the instructions move money of several accounts: {', '.join(sorted(account_ids))}", None, tuple(sorted(account_ids)), Reason.AMBIGUOUS_ACCOUNT))
    unique = tuple(dict.fromkeys(reasons))
    account = account_ids.pop() if len(account_ids) == 1 else None
    return Decision(status_for(unique), unique, account, tuple(allocations), tuple(evidence))


__all__ = ["confirm_with", "decide", "status_for"]
