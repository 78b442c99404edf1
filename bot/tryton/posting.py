"""`ALLOCBOT_BILLING=tryton:///DB?config=PATH`: each posting done in Tryton as its users do it by
hand, in one Tryton transaction, so it is there whole or not at all.

An allocation splits the payment's open receivable line(s), as Tryton's Reschedule Lines does: a
move in the configured journal, described by the posting key, debits the lines' whole amount
(reconciled with them) and credits it again as two lines, the allocated part (described
`PAYMENT KEY INVOICE`) and the rest (`PAYMENT`). The allocated part is added to the invoice's
payments, so Tryton's amount to pay falls by exactly the allocation, and an invoice paid in full
is reconciled and `paid`. A reversal takes the part off the invoice (unreconciling a paid one)
and credits it back to the payment by a move of its own, under the reversal's key.

Before anything is made the key is looked up: a move with that description means the posting
is there already (a crash after Tryton's commit), so nothing is ever posted twice. What Tryton
refuses (no such invoice, another party, the invoice paid meanwhile, too little open on either
side, a currency mismatch, a closed period) is `rejected` with Tryton's words; a database
that cannot be reached is `retry`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from bot.posting.port import AckFile, Answer, Batch, BillingError, LedgerRead, PostingOut
from bot.tryton.connection import TrytonURL, parse_tryton_url, run, transaction
from bot.tryton.reading import ledger_rows, line_amount, write_export


class Refused(Exception):
    """Tryton (or the check before asking it) refuses the posting; the message says why."""


class TrytonBilling:
    batched = False
    batch_size = 20
    reflects_at_once = False

    def __init__(self, url: str | TrytonURL, *, payment_pattern: str = r"PY\d{8}") -> None:
        self.url = url if isinstance(url, TrytonURL) else parse_tryton_url(url)
        self.name = self.url.shown
        self.payment_pattern = payment_pattern

    def read_ledger(self, directory: Path, *, since: dt.datetime | None) -> LedgerRead:
        """Tryton's ledger as an export in `directory` (bot/tryton/reading.py)."""
        try:
            rows, started = ledger_rows(self.url, payment_pattern=self.payment_pattern, since=since)
        except BillingError:
            raise
        except Exception as exc:  # noqa: BLE001 - a database gone, a lock: this read fails, said as it is
            raise BillingError(f"{self.url.shown}: cannot read the ledger ({type(exc).__name__}: {exc})") from None
        write_export(rows, directory)
        read_through = started.replace(tzinfo=dt.UTC) if started.tzinfo is None else started.astimezone(dt.UTC)
        return LedgerRead(directory, since, read_through, sum(map(len, rows.values())))

    def deliver(self, batch: Batch) -> Iterable[Answer]:
        for posting in batch.postings:
            yield self._deliver_one(posting)

    def _deliver_one(self, posting: PostingOut) -> Answer:
        from trytond.exceptions import UserError, UserWarning

        def post(pool) -> Answer:
            if _made(pool, posting.key):  # a crash after Tryton's commit: finish what it left
                _settle_number(pool, posting.invoice_number)
                return Answer(posting.key, "reflected", "already in Tryton")
            (reverse if posting.kind == "reverse" else allocate)(pool, posting, journal=self.url.journal)
            return Answer(posting.key, "reflected")

        try:
            return run(self.url, post)
        except (Refused, UserError, UserWarning) as exc:
            return Answer(posting.key, "rejected", _said(exc))
        except BillingError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database went away, a lock timed out: later
            return Answer(posting.key, "retry", f"{type(exc).__name__}: {exc}"[:500])

    def acknowledgements(self) -> list[AckFile]:
        return []

    def done_with(self, ack_file: AckFile) -> None:
        return None

    def check(self) -> str | None:
        try:
            with transaction(self.url, readonly=True) as pool:
                if not pool.get("company.company").search([]):
                    return f"{self.url.shown}: the database has no company"
        except BillingError as exc:
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - said as it is
            return f"{self.url.shown}: {type(exc).__name__}: {exc}"
        return None

    def close(self) -> None:
        return None


def _said(exc: Exception) -> str:
    message = getattr(exc, "message", "") or str(exc)
    return " ".join(str(message).split())[:2000]


def _made(pool, key: str) -> bool:
    return bool(pool.get("account.move").search([("description", "=", key)], limit=1))


def _lock(pool, lines: list) -> None:
    """Lock the lines the posting will reconcile before anything is made: the first attempt
    learns which (Tryton asks for the transaction to start over holding them) at the cost of a
    few searches, not of the whole posting done twice."""
    pool.get("account.move.line").lock(lines)


def _invoice(pool, posting: PostingOut):
    Invoice = pool.get("account.invoice")
    found = Invoice.search([("type", "=", "out"), ("number", "=", posting.invoice_number)])
    if not found:
        raise Refused(f"Tryton has no customer invoice {posting.invoice_number}")
    invoice = found[0]
    if invoice.party.code != posting.account_id:
        raise Refused(f"invoice {posting.invoice_number} is not of account {posting.account_id}")
    if invoice.currency.code != posting.currency:
        raise Refused(f"invoice {posting.invoice_number} is in {invoice.currency.code}, not {posting.currency}")
    return invoice


def _lines(pool, posting: PostingOut, invoice, *, open_only: bool = True) -> list:
    """The payment's receivable lines on the invoice's account and party (its open ones)."""
    Line = pool.get("account.move.line")
    domain = [("account", "=", invoice.account.id), ("party", "=", invoice.party.id),
              ("move.state", "=", "posted"),
              ("description", "like", f"{posting.payment_id}%")]
    if open_only:
        domain += [("reconciliation", "=", None), ("credit", ">", 0)]
    lines = [line for line in Line.search(domain, order=[("id", "ASC")])
             if (line.description or "").split()[:1] == [posting.payment_id]]
    return [line for line in lines if not line.invoice_payments] if open_only else lines


def _split(pool, invoice, lines: list, amount: Decimal, *, key: str, labels: tuple[str, str], journal: str):
    """A posted move that debits `lines` whole (reconciled with them) and credits `amount`
    (described labels[0]) and the rest (labels[1]); the credited `amount` line."""
    Move, Line, Journal, Period = (pool.get(n) for n in ("account.move", "account.move.line", "account.journal",
                                                           "account.period"))
    journals = Journal.search([("code", "=", journal)])
    if not journals:
        raise Refused(f"Tryton has no journal {journal!r}")
    company = invoice.company
    today = dt.date.today()
    total = sum(line_amount(line) for line in lines)
    balance = sum(line.credit - line.debit for line in lines)
    second = invoice.currency if invoice.currency != company.currency else None
    part_balance = company.currency.round(balance * amount / total)

    def line(debit: Decimal, credit: Decimal, in_currency: Decimal, description: str):
        values = {"account": invoice.account.id, "party": invoice.party.id, "debit": debit, "credit": credit,
                  "description": description}
        if second:
            values.update(second_currency=second.id, amount_second_currency=in_currency)
        return values

    values = [line(balance, Decimal(0), total, f"{labels[1]} {key} split"),
              line(Decimal(0), part_balance, -amount, labels[0])]
    if total > amount:
        values.append(line(Decimal(0), balance - part_balance, -(total - amount), labels[1]))
    move, = Move.create([{"journal": journals[0].id, "company": company.id, "date": today,
                          "period": Period.find(company, date=today).id, "description": key,
                          "lines": [("create", values)]}])
    Move.post([move])
    debit = next(l for l in move.lines if l.debit)
    Line.reconcile(list(lines) + [debit])
    return next(l for l in move.lines if l.description == labels[0])


def allocate(pool, posting: PostingOut, *, journal: str) -> None:
    invoice = _invoice(pool, posting)
    if invoice.state != "posted":
        raise Refused(f"invoice {posting.invoice_number} is {invoice.state} in Tryton")
    if invoice.amount_to_pay < posting.amount:
        raise Refused(f"invoice {posting.invoice_number} has {invoice.amount_to_pay} {posting.currency} to pay in "
                      f"Tryton, less than {posting.amount}")
    chosen, covered = [], Decimal(0)
    for line in _lines(pool, posting, invoice):
        if covered >= posting.amount:
            break
        chosen.append(line)
        covered += line_amount(line)
    if covered < posting.amount:
        raise Refused(f"payment {posting.payment_id} has {covered} {posting.currency} open in Tryton, less than "
                      f"{posting.amount}")
    _lock(pool, [*chosen, *invoice.lines_to_pay, *invoice.payment_lines])
    part = _split(pool, invoice, chosen, posting.amount, key=posting.key, journal=journal,
                  labels=(f"{posting.payment_id} {posting.key} {posting.invoice_number}", posting.payment_id))
    Invoice = pool.get("account.invoice")
    Invoice.add_payment_lines({invoice: [part]})
    _settle(pool, Invoice(invoice.id))


def _settle(pool, invoice) -> None:
    """Reconcile an invoice its payments pay in full, and let it become `paid` in this same
    transaction: Tryton would do that in a task after the commit, which a crash right after the
    commit loses (the invoice then stays `posted` with nothing to pay)."""
    Invoice = pool.get("account.invoice")
    if invoice.amount_to_pay == 0:
        lines = [l for l in [*invoice.lines_to_pay, *invoice.payment_lines] if l.reconciliation is None]
        if lines:
            pool.get("account.move.line").reconcile(lines)
    invoice = Invoice(invoice.id)
    if invoice.state == "posted" and invoice.reconciled:
        Invoice.process([invoice])


def _settle_number(pool, number: str) -> None:
    for invoice in pool.get("account.invoice").search([("type", "=", "out"), ("number", "=", number),
                                                       ("state", "in", ["posted", "paid"])]):
        _settle(pool, invoice)


def reverse(pool, posting: PostingOut, *, journal: str) -> None:
    """Take the allocation's part off the invoice and credit it back to the payment."""
    invoice = _invoice(pool, posting)
    allocation_id = posting.key.split("-")[1]
    parts = [line for line in _lines(pool, posting, invoice, open_only=False)
             if line.credit and (line.description or "").split()[1:2]
             and line.description.split()[1].startswith(f"alloc-{allocation_id}-") and line.invoice_payments]
    if not parts:
        raise Refused(f"Tryton shows no allocation of payment {posting.payment_id} to {posting.invoice_number} "
                      "by allocbot to take back")
    part = parts[0]
    _lock(pool, [part, *invoice.lines_to_pay, *invoice.payment_lines])
    Invoice, Reconciliation = pool.get("account.invoice"), pool.get("account.move.reconciliation")
    paid = [l.reconciliation for l in [*invoice.lines_to_pay, *invoice.payment_lines] if l.reconciliation]
    if paid:
        Reconciliation.delete(list({r.id: r for r in paid}.values()))
        Invoice.process([Invoice(invoice.id)])  # paid → posted now, not in a task after the commit
    Invoice.remove_payment_lines([part])
    _split(pool, invoice, [part], line_amount(part), key=posting.key, journal=journal,
           labels=(posting.payment_id, posting.payment_id))
    _settle(pool, Invoice(invoice.id))
