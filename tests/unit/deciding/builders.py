"""Readable builders for the deciding tests: ledger rows, requests and senders as a reader says them.

    ledger(contact(ALICE), invoice("G000000001", "1000.00"), payment("PY00000001", "1000.00"))
    request(instruction(lines=[line("G000000001", amount="400.00")], payment_ids=["PY00000001"]))
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.deciding.match import decide
from bot.model import (
    AccountRow, Amount, AuthVerdict, ContactRow, Decision, Instruction, InvoiceLine, InvoiceRow, LedgerView, Money,
    PaymentRow, Request, Sender, Span, Status,
)

ALICE = "alice@partner.example"
ROLES = ("billing_admin", "account_admin")
RECEIVED = date(2026, 11, 2)


def span(text: str, start: int = 0) -> Span:
    return Span(start, start + len(text), text)


def amount(value: str, currency: str | None = None, symbol: str = "") -> Amount:
    """An amount as written: `amount("500.00", "EUR")`, `amount("500", symbol="kr")`, `amount("500")`."""
    written = f"{symbol or currency or ''} {value}".strip()
    return Amount(Decimal(value), currency, span(written), symbol or (currency or ""))


def line(number: str, amount: str | None = None, currency: str | None = None, symbol: str = "") -> InvoiceLine:
    stated = _amount(amount, currency, symbol) if amount is not None else None
    return InvoiceLine(number, span(number), stated)


_amount = amount


def instruction(lines=(), payment_ids=(), *, payment_amount: Amount | None = None, paid_on: date | None = None,
                mentions_payment: bool = False, text: str | None = None) -> Instruction:
    """One instruction; its text names the payment ids and invoices unless `text` is given."""
    lines = tuple(lines)
    if text is None:
        text = " ".join([*payment_ids, "for", *(x.invoice_number for x in lines)])
    return Instruction(lines, text, span(text), tuple(payment_ids), payment_amount, paid_on, mentions_payment)


def request(*instructions: Instruction, malformed_invoices=(), malformed_payments=(), is_question=False) -> Request:
    text = "\n".join(i.text for i in instructions)
    return Request(text, tuple(instructions), tuple(span(t) for t in malformed_invoices),
                   tuple(span(t) for t in malformed_payments), is_question)


def contact(email: str = ALICE, account: str = "A1", role: str = "billing_admin") -> ContactRow:
    return ContactRow(account, email, email.split("@")[0].title(), role)


def account(account_id: str = "A1", currency: str = "EUR") -> AccountRow:
    return AccountRow(account_id, f"Account {account_id}", "en", currency)


def invoice(number: str, open_amount: str, account: str = "A1", currency: str = "EUR", amount: str | None = None) -> InvoiceRow:
    return InvoiceRow(number, account, date(2026, 10, 1), date(2026, 10, 31),
                      Money(Decimal(amount or open_amount), currency), Money(Decimal(open_amount), currency))


def payment(payment_id: str, unallocated: str, account: str = "A1", currency: str = "EUR", amount: str | None = None,
            reference: str = "", received: date = RECEIVED) -> PaymentRow:
    return PaymentRow(payment_id, account, received, Money(Decimal(amount or unallocated), currency),
                      Money(Decimal(unallocated), currency), reference, "Partner Ltd")


def ledger(*rows) -> LedgerView:
    """A ledger view from rows of any kind, sorted into their tuples."""
    def of(kind):
        return tuple(r for r in rows if isinstance(r, kind))
    return LedgerView(of(ContactRow), of(AccountRow), of(InvoiceRow), of(PaymentRow))


def sender(address: str = ALICE, *results: tuple[str, str], authserv_id: str = "mx.billing.example") -> Sender:
    return Sender(address, "", AuthVerdict(authserv_id if results else None, tuple(results)))


def run(req: Request, view: LedgerView, who: Sender | None = None) -> Decision:
    return decide(req, who or sender(), view, allowed_roles=ROLES)


def allocations(decision: Decision) -> list[tuple[str, str, str]]:
    """(payment id, invoice number, amount) per allocation, amounts as plain strings."""
    return [(a.payment_id, a.invoice_number, str(a.amount.amount)) for a in decision.allocations]


def assert_explained(decision: Decision) -> None:
    """Every reason has evidence that names it; an applied decision names the rows it used."""
    explained = {e.reason for e in decision.evidence}
    missing = [r for r in decision.reasons if r not in explained]
    assert not missing, f"reasons without evidence: {missing}"
    if decision.status is Status.APPLIED:
        named = {row for e in decision.evidence for row in e.rows}
        for a in decision.allocations:
            assert {a.payment_id, a.invoice_number} <= named, f"allocation {a} not named by the evidence"
