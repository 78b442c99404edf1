"""A ledger export (accounts, contacts, invoices, payments CSVs) entered into a Tryton database
as its users enter it, for the demo and the tests: each kind in one batch, since Tryton's
per-record work (validation, posting, numbering) is what takes the time.

What the ledger becomes (and what bot/tryton/reading.py reads back):
- an account is a party whose `code` is the account id, its language the locale's;
- a contact is an email contact mechanism of the party; its role is the first word of the
  mechanism's comment (`billing_admin`, `account_admin`, `sales`), and the Invoice usage is
  ticked for the two admin roles;
- an invoice is a posted customer invoice numbered as in the export; an open amount below the
  total was paid by an earlier payment line;
- a payment is a cash receipt credited to the party's receivable, the line described by the
  payment id and the bank reference (`PY10000001 INV PAYMENT OCT`); money of it already
  allocated went to an invoice of its own (`PRIOR-…`), settled by that part.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.tryton.connection import TrytonURL
from bot.tryton.reading import ADMIN_ROLES


def _rows(directory: Path, stem: str) -> list[dict[str, str]]:
    with (directory / f"{stem}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ledger_years(directory: Path) -> set[int]:
    """The years a ledger export's invoices and payments fall in: each needs a fiscal year."""
    return ({int(r["issue_date"][:4]) for r in _rows(directory, "invoices")}
            | {int(r["received_date"][:4]) for r in _rows(directory, "payments")})


def load_ledger(url: TrytonURL, directory: Path) -> dict[str, int]:
    """Enter a ledger export (DESIGN.md's four CSVs) into the database, in one transaction."""
    from bot.tryton.connection import run

    def enter(pool) -> dict[str, int]:
        book = Book(pool)
        parties = book.parties(_rows(directory, "accounts"))
        book.contacts(parties, _rows(directory, "contacts"))
        invoices = book.invoices(_rows(directory, "invoices"), parties)
        payments = book.payments(_rows(directory, "payments"), parties)
        return {"parties": len(parties), "invoices": len(invoices), "payments": len(payments)}

    # The tasks Tryton queues (each posted invoice's report, rendered for its cache) are left
    # queued: nothing here needs them, and they were a third of the time.
    return run(url, enter, tasks=False)


@dataclass(frozen=True)
class Receipt:
    party: object
    amount: Decimal
    currency: str
    date: dt.date
    description: str


class Book:
    """Entering a ledger as a bookkeeper does, through trytond's models."""

    def __init__(self, pool) -> None:
        self.pool = pool
        company_model = pool.get("company.company")
        self.company = company_model(company_model.search([])[0])
        Account, Journal = pool.get("account.account"), pool.get("account.journal")
        self.receivable = Account.search([("type.receivable", "=", True), ("closed", "!=", True)], limit=1)[0]
        self.revenue = Account.search([("type.revenue", "=", True), ("closed", "!=", True)], limit=1)[0]
        self.cash = (Account.search([("code", "=", "1.1.1")], limit=1) or Account.search(
            [("type.statement", "=", "balance"), ("type.receivable", "=", False), ("type.payable", "=", False),
             ("closed", "!=", True)], limit=1))[0]
        self.cash_journal = Journal.search([("code", "=", "CASH")])[0]
        self.revenue_journal = Journal.search([("code", "=", "REV")])[0]
        self.currencies: dict[str, object] = {}

    def currency(self, code: str):
        if code not in self.currencies:
            Currency, Rate = self.pool.get("currency.currency"), self.pool.get("currency.currency.rate")
            found = Currency.search([("code", "=", code)])
            if not found:
                found = Currency.create([{"name": code, "symbol": code, "code": code,
                                          "rounding": Decimal("0.01")}])
                Rate.create([{"date": dt.date.min, "rate": Decimal(1), "currency": found[0].id}])
            self.currencies[code] = found[0]
        return self.currencies[code]

    def language(self, locale: str):
        Lang = self.pool.get("ir.lang")
        code = locale.replace("-", "_")
        found = Lang.search([("code", "=", code)])
        return (found or Lang.create([{"name": locale, "code": code, "translatable": False}]))[0]

    def parties(self, rows: list[dict[str, str]]) -> dict[str, object]:
        langs = {row["locale"]: self.language(row["locale"]) for row in rows if row["locale"]}
        made = self.pool.get("party.party").create([{
            "name": row["name"], "code": row["account_id"],
            "lang": langs[row["locale"]].id if row["locale"] else None, "addresses": [("create", [{}])]}
            for row in rows])
        return {party.code: party for party in made}

    def contacts(self, parties: dict[str, object], rows: list[dict[str, str]]) -> None:
        self.pool.get("party.contact_mechanism").create([{
            "party": parties[row["account_id"]].id, "type": "email", "value": row["email"], "name": row["name"],
            "comment": row["role"], "invoice": row["role"] in ADMIN_ROLES} for row in rows])

    def invoices(self, rows: list[dict[str, str]], parties: dict[str, object], *,
                 numbers: list[str] | None = None) -> list:
        """Posted customer invoices, one line each; an open amount below the total paid by an
        earlier payment. `numbers`: the invoices' own numbers (else the rows')."""
        Invoice = self.pool.get("account.invoice")
        values = []
        for i, row in enumerate(rows):
            party, currency = parties[row["account_id"]], self.currency(row["currency"]).id
            values.append({
                "type": "out", "party": party.id, "number": numbers[i] if numbers else row["invoice_number"],
                "company": self.company.id, "invoice_date": dt.date.fromisoformat(row["issue_date"]),
                "currency": currency, "journal": self.revenue_journal.id, "account": self.receivable.id,
                "invoice_address": party.address_get(type="invoice").id,
                "lines": [("create", [{"account": self.revenue.id, "description": "Services", "quantity": 1,
                                       "unit_price": Decimal(row["amount"]), "type": "line",
                                       "company": self.company.id, "currency": currency, "invoice_type": "out",
                                       "party": party.id}])]})
        made = Invoice.create(values)
        Invoice.post(made)
        made = Invoice.browse([inv.id for inv in made])
        paid = [(inv, Decimal(row["amount"]) - Decimal(row.get("open_amount") or row["amount"]),
                 f"earlier payment of {row['invoice_number']}") for inv, row in zip(made, rows, strict=True)]
        self.pay_all([p for p in paid if p[1] > 0])
        return made

    def receipts(self, receipts: list[Receipt], *, post: bool = True) -> list:
        """Cash receipts: the bank debited, the party's receivable credited; their receivable
        lines (`post=False`: entered as drafts, to be posted later)."""
        Move, Period = self.pool.get("account.move"), self.pool.get("account.period")

        def lines(r: Receipt) -> list[dict]:
            second = {}
            if r.currency != self.company.currency.code:
                second = {"second_currency": self.currency(r.currency).id}
            return [{"account": self.cash.id, "debit": r.amount, "credit": Decimal(0),
                     **({**second, "amount_second_currency": r.amount} if second else {})},
                    {"account": self.receivable.id, "party": r.party.id, "debit": Decimal(0), "credit": r.amount,
                     "description": r.description,
                     **({**second, "amount_second_currency": -r.amount} if second else {})}]

        moves = Move.create([{"journal": self.cash_journal.id, "company": self.company.id, "date": r.date,
                              "description": r.description, "period": Period.find(self.company, date=r.date).id,
                              "lines": [("create", lines(r))]} for r in receipts])
        if post:
            Move.post(moves)
        return [next(line for line in move.lines if line.account == self.receivable) for move in moves]

    def pay_all(self, paid: list[tuple[object, Decimal, str]]) -> None:
        """Each invoice paid `amount` by a receipt of its own; one paid in full is reconciled."""
        if not paid:
            return
        Invoice, Line = self.pool.get("account.invoice"), self.pool.get("account.move.line")
        lines = self.receipts([Receipt(inv.party, amount, inv.currency.code, inv.invoice_date, description)
                               for inv, amount, description in paid])
        Invoice.add_payment_lines({inv: [line] for (inv, _a, _d), line in zip(paid, lines, strict=True)})
        for invoice in Invoice.browse([inv.id for inv, _a, _d in paid]):
            if invoice.amount_to_pay == 0:
                Line.reconcile([*invoice.lines_to_pay, *invoice.payment_lines])

    def pay(self, invoice, amount: Decimal, description: str) -> None:
        self.pay_all([(invoice, amount, description)])

    def payments(self, rows: list[dict[str, str]], parties: dict[str, object]) -> list:
        """Each payment's open part as a receipt; its part allocated before the export paid an
        invoice of its own (`PRIOR-…`)."""
        described = [f"{row['payment_id']} {row['reference']}".strip() for row in rows]
        lines = self.receipts([
            Receipt(parties[row["account_id"]], Decimal(row["unallocated_amount"]), row["currency"],
                    dt.date.fromisoformat(row["received_date"]), d)
            for row, d in zip(rows, described, strict=True) if Decimal(row["unallocated_amount"]) > 0])
        prior = [(row, d, Decimal(row["amount"]) - Decimal(row["unallocated_amount"]))
                 for row, d in zip(rows, described, strict=True)
                 if Decimal(row["amount"]) > Decimal(row["unallocated_amount"])]
        if prior:
            invoices = self.invoices([{"account_id": row["account_id"], "issue_date": row["received_date"],
                                       "currency": row["currency"], "amount": f"{part}", "invoice_number": ""}
                                      for row, _d, part in prior], parties,
                                     numbers=[f"PRIOR-{row['payment_id']}" for row, _d, _p in prior])
            self.pay_all([(inv, part, d) for inv, (_row, d, part) in zip(invoices, prior, strict=True)])
        return lines

    def payment(self, row: dict[str, str], party) -> list:
        return self.payments([{**row, "account_id": party.code}], {party.code: party})
