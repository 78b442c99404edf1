"""A Tryton database a billing team would have: a company, a chart of accounts, fiscal years, and a
ledger export (accounts, contacts, invoices, payments CSVs) entered as Tryton's users enter them.
For `allocbot demo --billing tryton` and the tests; a real deployment brings its own database.

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

import argparse
import configparser
import csv
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from bot.tryton.connection import TrytonURL

MODULES = ("account_invoice",)
ADMIN_ROLES = ("billing_admin", "account_admin")


def database_location(config: Path) -> tuple[str, str]:
    """("sqlite", the folder of its database files) or ("postgresql", the server's URI), from
    trytond's configuration file."""
    parser = configparser.ConfigParser()
    parser.read(config)
    uri = parser.get("database", "uri", fallback="sqlite://")
    if uri.startswith("sqlite"):
        return "sqlite", parser.get("database", "path", fallback=str(Path.home() / "db"))
    return "postgresql", uri


def create_database(url: TrytonURL, *, template: str | None = None) -> None:
    """An empty database (SQLite: a file in trytond's `path`), or a copy of `template` (SQLite's
    backup, since trytond keeps SQLite in WAL mode; PostgreSQL's CREATE DATABASE … TEMPLATE)."""
    kind, where = database_location(url.config)
    if kind == "sqlite":
        target = Path(where) / f"{url.database}.sqlite"
        target.parent.mkdir(parents=True, exist_ok=True)
        if template is None:
            target.touch()
            return
        with sqlite3.connect(Path(where) / f"{template}.sqlite") as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(where.rstrip("/") + "/postgres", autocommit=True) as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)


def drop_database(url: TrytonURL) -> None:
    kind, where = database_location(url.config)
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (Path(where) / f"{url.database}.sqlite{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(where.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database)))


def activate(url: TrytonURL) -> None:
    """Create the database and activate the modules in it (trytond-admin, about a minute)."""
    create_database(url)
    admin = Path(sys.executable).with_name("trytond-admin")
    with tempfile.NamedTemporaryFile("w", suffix=".pass", delete=False) as f:
        f.write("admin\n")
    try:
        subprocess.run([str(admin), "-c", str(url.config), "-d", url.database, "--all", "-u", *MODULES,
                        "--activate-dependencies", "--email", "admin@billing.example", "-p"],
                       env={**os.environ, "TRYTONPASSFILE": f.name}, check=True, capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    _grant_all_groups(url)


def _grant_all_groups(url: TrytonURL) -> None:
    """The acting user in every group, as an administrator does on a new installation."""
    from trytond.transaction import Transaction

    from bot.tryton.connection import pool_of

    pool = pool_of(url)
    with Transaction().start(url.database, 0) as tx:
        User, Group = pool.get("res.user"), pool.get("res.group")
        users = User.search([("login", "=", url.user)])
        User.write(users, {"groups": [("add", [g.id for g in Group.search([])])]})
        tx.commit()


def _proteus(url: TrytonURL):
    from proteus import config

    return config.set_trytond(url.database, user=url.user, config_file=str(url.config))


def set_up_company(url: TrytonURL, *, currency: str = "USD", years: Iterable[int] = ()) -> None:
    """A company with a chart of accounts and a fiscal year (with its periods) per year."""
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear
    from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences
    from trytond.modules.company.tests.tools import create_company, get_company

    _proteus(url)
    from trytond.modules.currency.tests.tools import get_currency

    create_company(currency=get_currency(currency))
    company = get_company()
    for year in sorted(set(years) | {dt.date.today().year, dt.date.today().year + 1}):
        fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company, today=dt.date(year, 6, 1)))
        fiscalyear.click("create_period")
    create_chart(company)


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
        book = _Book(pool)
        parties = {row["account_id"]: book.party(row) for row in _rows(directory, "accounts")}
        for row in _rows(directory, "contacts"):
            book.contact(parties[row["account_id"]], row)
        invoices = [book.invoice(row, parties[row["account_id"]]) for row in _rows(directory, "invoices")]
        payments = [book.payment(row, parties[row["account_id"]]) for row in _rows(directory, "payments")]
        return {"parties": len(parties), "invoices": len(invoices), "payments": len(payments)}

    return run(url, enter)


class _Book:
    """Entering a ledger as a bookkeeper does, through trytond's models."""

    def __init__(self, pool) -> None:
        self.pool = pool
        company_model = pool.get("company.company")
        self.company = company_model(company_model.search([])[0])
        Account, Journal = pool.get("account.account"), pool.get("account.journal")
        self.receivable = Account.search([("type.receivable", "=", True), ("closed", "!=", True)], limit=1)[0]
        self.revenue = Account.search([("type.revenue", "=", True), ("closed", "!=", True)], limit=1)[0]
        self.cash = Account.search([("code", "=", "1.1.1")], limit=1) or Account.search(
            [("type.statement", "=", "balance"), ("type.receivable", "=", False), ("type.payable", "=", False),
             ("closed", "!=", True)], limit=1)
        self.cash = self.cash[0]
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

    def party(self, row: dict[str, str]):
        lang = self.language(row["locale"]) if row["locale"] else None
        return self.pool.get("party.party").create([{"name": row["name"], "code": row["account_id"],
                                                    "lang": lang.id if lang else None,
                                                    "addresses": [("create", [{}])]}])[0]

    def contact(self, party, row: dict[str, str]) -> None:
        self.pool.get("party.contact_mechanism").create([{
            "party": party.id, "type": "email", "value": row["email"], "name": row["name"], "comment": row["role"],
            "invoice": row["role"] in ADMIN_ROLES}])

    def invoice(self, row: dict[str, str], party, *, number: str | None = None, amount: Decimal | None = None):
        Invoice = self.pool.get("account.invoice")
        total = amount if amount is not None else Decimal(row["amount"])
        invoice, = Invoice.create([{
            "type": "out", "party": party.id, "number": number or row["invoice_number"],
            "company": self.company.id, "invoice_date": dt.date.fromisoformat(row["issue_date"]),
            "currency": self.currency(row["currency"]).id, "journal": self.revenue_journal.id,
            "account": self.receivable.id, "invoice_address": party.address_get(type="invoice").id,
            "lines": [("create", [{"account": self.revenue.id, "description": "Services", "quantity": 1,
                                   "unit_price": total, "type": "line", "company": self.company.id,
                                   "currency": self.currency(row["currency"]).id, "invoice_type": "out",
                                   "party": party.id}])]}])
        Invoice.post([invoice])
        invoice = Invoice(invoice.id)
        paid = Decimal(row["amount"]) - Decimal(row.get("open_amount") or row["amount"])
        if number is None and paid > 0:
            self.pay(invoice, paid, f"earlier payment of {row['invoice_number']}")
        return invoice

    def receipt(self, party, *, amount: Decimal, currency: str, date: dt.date, description: str):
        """A cash receipt: the bank debited, the party's receivable credited; its receivable line."""
        Move, Period = self.pool.get("account.move"), self.pool.get("account.period")
        second = {}
        if currency != self.company.currency.code:
            second = {"second_currency": self.currency(currency).id}
        move, = Move.create([{
            "journal": self.cash_journal.id, "company": self.company.id, "date": date, "description": description,
            "period": Period.find(self.company, date=date).id, "lines": [("create", [
                {"account": self.cash.id, "debit": amount, "credit": Decimal(0),
                 **({**second, "amount_second_currency": amount} if second else {})},
                {"account": self.receivable.id, "party": party.id, "debit": Decimal(0), "credit": amount,
                 "description": description, **({**second, "amount_second_currency": -amount} if second else {})},
            ])]}])
        Move.post([move])
        return next(line for line in move.lines if line.account == self.receivable)

    def pay(self, invoice, amount: Decimal, description: str) -> None:
        Invoice, Line = self.pool.get("account.invoice"), self.pool.get("account.move.line")
        line = self.receipt(invoice.party, amount=amount, currency=invoice.currency.code,
                            date=invoice.invoice_date,
                            description=description)
        Invoice.add_payment_lines({invoice: [line]})
        invoice = Invoice(invoice.id)
        if invoice.amount_to_pay == 0:
            Line.reconcile([*invoice.lines_to_pay, *invoice.payment_lines])

    def payment(self, row: dict[str, str], party):
        amount, unallocated = Decimal(row["amount"]), Decimal(row["unallocated_amount"])
        date = dt.date.fromisoformat(row["received_date"])
        described = f"{row['payment_id']} {row['reference']}".strip()
        line = None
        if unallocated > 0:
            line = self.receipt(party, amount=unallocated, currency=row["currency"], date=date, description=described)
        if amount > unallocated:  # the part allocated before the export: paid an invoice of its own
            prior = {"issue_date": row["received_date"], "currency": row["currency"],
                     "amount": f"{amount - unallocated}"}
            invoice = self.invoice(prior, party, number=f"PRIOR-{row['payment_id']}", amount=amount - unallocated)
            self.pay(invoice, amount - unallocated, described)
        return line


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.tryton.building URL [--ledger DIR]`: a Tryton database built as the demo
    and the tests build theirs, for trying allocbot on Tryton by hand."""
    from bot.tryton.connection import parse_tryton_url

    parser = argparse.ArgumentParser(prog="python -m bot.tryton.building", description=main.__doc__)
    parser.add_argument("url", help="tryton:///DATABASE?config=PATH (the database must not exist yet)")
    parser.add_argument("--ledger", type=Path, help="a ledger export (accounts/contacts/invoices/payments CSVs)")
    parser.add_argument("--currency", default="USD", help="the company's currency (default USD)")
    args = parser.parse_args(argv)
    url = parse_tryton_url(args.url)
    activate(url)
    set_up_company(url, currency=args.currency, years=ledger_years(args.ledger) if args.ledger else ())
    if args.ledger:
        print(", ".join(f"{n} {what}" for what, n in load_ledger(url, args.ledger).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
