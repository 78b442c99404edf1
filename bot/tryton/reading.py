"""Tryton's ledger as the rows of an export (DESIGN.md's CSVs plus allocations.csv), so that
`allocbot ledger sync` runs the same validation and reconciliation as `ledger import`.

- accounts: parties with a `code` (the account id); locale from the party's language;
- contacts: the parties' email contact mechanisms; the role is the first word of the
  mechanism's comment, else `billing_admin` when its Invoice usage is ticked, else `contact`;
- invoices: posted and paid customer invoices; open amount = Tryton's amount to pay;
- payments: receivable credit lines whose description starts with an id in the payment format;
  a payment's amount is what its lines credit net, its unallocated amount what of them is
  neither reconciled nor among an invoice's payments;
- allocations: the lines allocbot's moves gave an invoice, under their posting key.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from bot.ledger.importer import SPECS
from bot.ledger.reconcile import ALLOCATION_COLUMNS, ALLOCATIONS
from bot.tryton.connection import TrytonURL, transaction

COLUMNS = {**{spec.stem: spec.columns for spec in SPECS if spec.stem != "bank_accounts"},
           ALLOCATIONS: ALLOCATION_COLUMNS}
KEY = re.compile(r"^(?:alloc|rev)-\d+-[0-9a-f]+$")


def _locale(party) -> str:
    return party.lang.code.replace("_", "-") if party.lang else ""


def _role(mechanism) -> str:
    words = (mechanism.comment or "").split()
    return words[0] if words else "billing_admin" if mechanism.invoice else "contact"


def line_amount(line) -> Decimal:
    """The line's amount in its own currency, credit positive (a receipt)."""
    if line.second_currency:
        return -line.amount_second_currency
    return line.credit - line.debit


def ledger_rows(url: TrytonURL, *, payment_pattern: str) -> dict[str, list[dict[str, str]]]:
    """Every row of the export Tryton's data makes, read in one transaction."""
    fits = re.compile(payment_pattern).fullmatch
    with transaction(url, readonly=True) as pool:
        Party, Invoice, Line = pool.get("party.party"), pool.get("account.invoice"), pool.get("account.move.line")
        companies = pool.get("company.company").search([])
        company_currency = companies[0].currency.code
        own = {c.party.id for c in companies}
        parties = [p for p in Party.search([("code", "!=", None)], order=[("code", "ASC")]) if p.id not in own]
        rows: dict[str, list[dict[str, str]]] = {name: [] for name in COLUMNS}
        for party in parties:
            rows["accounts"].append({"account_id": party.code, "name": party.name, "locale": _locale(party),
                                     "currency": company_currency})
            emails = [m for m in party.contact_mechanisms if m.type == "email" and m.value]
            rows["contacts"] += [{"account_id": party.code, "email": m.value.lower(), "name": m.name or party.name,
                                  "role": _role(m)} for m in emails]
        by_party = {p.id: p.code for p in parties}
        invoices = Invoice.search([("type", "=", "out"), ("state", "in", ["posted", "paid"]),
                                   ("party", "in", list(by_party))], order=[("number", "ASC")])
        for inv in invoices:
            rows["invoices"].append({"invoice_number": inv.number, "account_id": by_party[inv.party.id],
                                     "issue_date": inv.invoice_date.isoformat(),
                                     "due_date": _due(inv).isoformat(), "currency": inv.currency.code,
                                     "amount": f"{inv.currency.round(inv.total_amount)}",
                                     "open_amount": f"{inv.currency.round(inv.amount_to_pay)}"})
        lines = Line.search([("account.type.receivable", "=", True), ("party", "in", list(by_party)),
                             ("move.state", "=", "posted")], order=[("id", "ASC")])
        payments: dict[str, dict] = {}
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:
            words = (line.description or "").split()
            if not words or not fits(words[0]):
                continue
            pid = words[0]
            totals[pid] += line_amount(line)
            first = payments.setdefault(pid, {"line": line, "open": Decimal(0),
                                              "account": by_party[line.party.id]})
            if line.credit and line.reconciliation is None and not line.invoice_payments:
                first["open"] += line_amount(line)
            if len(words) >= 3 and KEY.match(words[1]) and words[1].startswith("alloc-") and line.invoice_payments:
                rows["allocations"].append({"payment_id": pid, "invoice_number": line.invoice_payments[0].number,
                                            "amount": f"{line_amount(line)}", "currency": _currency(line),
                                            "reference": words[1]})
        for pid, found in payments.items():
            line = found["line"]
            rows["payments"].append({"payment_id": pid, "account_id": found["account"],
                                     "received_date": line.move.date.isoformat(), "currency": _currency(line),
                                     "amount": f"{_round(line, totals[pid])}",
                                     "unallocated_amount": f"{_round(line, found['open'])}",
                                     "reference": " ".join((line.description or "").split()[1:]),
                                     "payer_name": line.party.name})
    return rows


def _due(invoice):
    return min((line.maturity_date or invoice.invoice_date for line in invoice.lines_to_pay),
               default=invoice.invoice_date)


def _currency(line) -> str:
    return (line.second_currency or line.account.company.currency).code


def _round(line, amount: Decimal) -> Decimal:
    return (line.second_currency or line.account.company.currency).round(amount)


def write_export(rows: dict[str, list[dict[str, str]]], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, columns in COLUMNS.items():
        with (directory / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, columns)
            writer.writeheader()
            writer.writerows(rows[name])
    return directory
