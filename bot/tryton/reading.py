"""Tryton's ledger as the rows of an export (DESIGN.md's CSVs plus allocations.csv), so that
`allocbot ledger sync` runs the same validation and reconciliation as `ledger import`.

- accounts: parties with a `code` (the account id); locale from the party's language (else
  the company's, else `en`);
- contacts: the parties' active email contact mechanisms; the role is the first word of the
  mechanism's comment, else `billing_admin` when its Invoice usage is ticked, else `contact`;
  an address twice on one party is one contact, with the role that may do less;
- invoices: posted and paid customer invoices; open amount = Tryton's amount to pay;
- payments: receivable credit lines whose description starts with an id in the payment format;
  a payment's amount is what its lines credit net, its unallocated amount what of them is
  neither reconciled nor among an invoice's payments;
- allocations: the lines allocbot's moves gave an invoice, under their posting key.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from bot.ledger.importer import SPECS
from bot.ledger.reconcile import ALLOCATION_COLUMNS, ALLOCATIONS
from bot.tryton.connection import TrytonURL, transaction

COLUMNS = {**{spec.stem: spec.columns for spec in SPECS if spec.stem != "bank_accounts"},
           ALLOCATIONS: ALLOCATION_COLUMNS}
ADMIN_ROLES = ("billing_admin", "account_admin")  # the roles a mechanism's Invoice usage stands for
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


def ledger_rows(url: TrytonURL, *, payment_pattern: str,
                since: dt.datetime | None = None) -> tuple[dict[str, list[dict[str, str]]], dt.datetime | None]:
    """The rows of the export Tryton's data makes, read in one transaction: all of them, or
    (`since`, UTC) the invoices and payments that changed since; accounts, contacts and
    allocations always all (a contact archived or deleted in Tryton leaves no change time on its
    party, and must lose its say at once). Also when the read began on Tryton's clock (the clock of its change times), from
    which the next read can ask for changes."""
    fits = re.compile(payment_pattern).fullmatch
    after = since.astimezone(dt.UTC).replace(tzinfo=None) if since is not None else None
    with transaction(url, readonly=True) as pool:
        read = _Read(pool, fits, after)
        rows: dict[str, list[dict[str, str]]] = {name: [] for name in COLUMNS}
        # Allocations first: should a posting still land during the read (it cannot, within
        # one transaction, but a read is worth keeping safe), the figures read after it are lower,
        # never higher than allocbot's.
        rows["allocations"] = read.allocation_rows()
        invoices = read.invoices()
        rows["accounts"], rows["contacts"] = read.parties()
        rows["invoices"] = [read.invoice_row(inv) for inv in invoices]
        rows["payments"] = read.payment_rows(invoices)
        return rows, read.started


def _changed(after: dt.datetime | None, *paths: str) -> list:
    """A Tryton domain: the record, or a record at one of `paths`, written or created after."""
    if after is None:
        return []
    return ["OR", *([f"{p}{field}", ">", after] for p in ("", *(f"{q}." for q in paths))
                    for field in ("write_date", "create_date"))]


class _Read:
    """One read of Tryton's ledger, in one read-only transaction."""

    def __init__(self, pool, fits, after: dt.datetime | None) -> None:
        from sql import Select
        from sql.functions import CurrentTimestamp
        from trytond.transaction import Transaction

        self.pool, self.fits, self.after = pool, fits, after
        companies = pool.get("company.company").search([])
        self.company_currency = companies[0].currency.code
        self.own = {c.party.id for c in companies}
        cursor = Transaction().connection.cursor()
        cursor.execute(*Select([CurrentTimestamp()]))
        started = cursor.fetchone()[0]
        self.started = dt.datetime.fromisoformat(started) if isinstance(started, str) else started
        self.codes = self._party_codes()

    def _party_codes(self) -> dict[int, str]:
        parties = self.pool.get("party.party").search([("code", "!=", None)])
        return {p.id: p.code for p in parties if p.id not in self.own}

    def invoices(self) -> list:
        found = self.pool.get("account.invoice").search(
            [("type", "=", "out"), ("state", "in", ["posted", "paid"]), ("party", "in", list(self.codes)),
             _changed(self.after, "payment_lines", "move.lines")], order=[("number", "ASC")])
        return found

    def parties(self) -> tuple[list[dict], list[dict]]:
        """Every party with a code, and its active email contacts: one each per address (two
        mechanisms with one address and different roles keep the one that may do less)."""
        parties = self.pool.get("party.party").browse(sorted(self.codes, key=self.codes.get))
        currency = self._currencies(parties)
        fallback = _locale(self.pool.get("company.company").search([])[0].party) or "en"
        accounts = [{"account_id": p.code, "name": p.name, "locale": _locale(p) or fallback,
                     "currency": currency[p.id]} for p in parties]
        contacts = []
        for p in parties:
            by_email: dict[str, dict[str, str]] = {}
            for m in p.contact_mechanisms:
                if m.type != "email" or not m.value:
                    continue
                row = {"account_id": p.code, "email": m.value.strip().lower(), "name": m.name or p.name,
                       "role": _role(m)}
                kept = by_email.get(row["email"])
                if kept is None or (kept["role"] in ADMIN_ROLES and row["role"] not in ADMIN_ROLES):
                    by_email[row["email"]] = row
            contacts += by_email.values()
        return accounts, contacts

    def _currencies(self, parties: list) -> dict[int, str]:
        """An account's currency: that of its latest invoice, else the company's."""
        latest = self.pool.get("account.invoice").search(
            [("type", "=", "out"), ("party", "in", [p.id for p in parties])], order=[("invoice_date", "ASC")])
        found = {inv.party.id: inv.currency.code for inv in latest}
        return {p.id: found.get(p.id, self.company_currency) for p in parties}

    def invoice_row(self, inv) -> dict[str, str]:
        return {"invoice_number": inv.number, "account_id": self.codes[inv.party.id],
                "issue_date": inv.invoice_date.isoformat(), "due_date": _due(inv).isoformat(),
                "currency": inv.currency.code, "amount": f"{inv.currency.round(inv.total_amount)}",
                "open_amount": f"{inv.currency.round(inv.amount_to_pay)}"}

    def _receivable(self, *domain) -> list:
        return self.pool.get("account.move.line").search(
            [("account.type.receivable", "=", True), ("party", "in", list(self.codes)),
             ("move.state", "=", "posted"), *domain], order=[("id", "ASC")])

    def _payment_id(self, line) -> str | None:
        words = (line.description or "").split()
        return words[0] if words and self.fits(words[0]) else None

    def payment_rows(self, invoices: list) -> list[dict[str, str]]:
        """Payments whose lines changed, or that pay an invoice that did (a line added to an
        invoice's payments by hand changes the invoice, not the line), with all their lines."""
        if self.after is not None:
            changed = self._receivable(_changed(self.after, "move"))  # a move posted later: only it changed
            named = {self._payment_id(line) for line in changed}
            named |= {self._payment_id(line) for inv in invoices for line in inv.payment_lines}
            named.discard(None)
            ids = sorted(named)  # a few hundred LIKEs to a query: SQLite refuses a deeper expression
            lines = [line for n in range(0, len(ids), 200) for line in self._receivable(
                ["OR", *(("description", "like", f"{pid}%") for pid in ids[n:n + 200])])]
        else:
            lines = self._receivable()
        payments: dict[str, dict] = {}
        for line in lines:
            if (pid := self._payment_id(line)) is None:
                continue
            found = payments.setdefault(pid, {"line": line, "open": Decimal(0), "total": Decimal(0)})
            found["total"] += line_amount(line)
            if line.credit and line.reconciliation is None and not line.invoice_payments:
                found["open"] += line_amount(line)
        return [self._payment_row(pid, f["line"], f["total"], f["open"]) for pid, f in payments.items()]

    def _payment_row(self, pid: str, line, total: Decimal, unallocated: Decimal) -> dict[str, str]:
        return {"payment_id": pid, "account_id": self.codes[line.party.id], "received_date": line.move.date.isoformat(),
                "currency": _currency(line), "amount": f"{_round(line, total)}",
                "unallocated_amount": f"{_round(line, unallocated)}",
                "reference": " ".join((line.description or "").split()[1:]), "payer_name": line.party.name}

    def allocation_rows(self) -> list[dict[str, str]]:
        """Every line allocbot's moves gave an invoice, under its posting key (always all of
        them: a key missing from allocations.csv means Tryton no longer shows that posting)."""
        rows = []
        for line in self._receivable(("credit", ">", 0), ("description", "like", "% alloc-%")):
            words = (line.description or "").split()
            if len(words) >= 3 and self.fits(words[0]) and KEY.match(words[1]) and line.invoice_payments:
                rows.append({"payment_id": words[0], "invoice_number": line.invoice_payments[0].number,
                             "amount": f"{line_amount(line)}", "currency": _currency(line), "reference": words[1]})
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
