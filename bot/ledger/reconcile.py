"""The ledger import as a reconciliation with allocbot's postings (issue 13), not an overwrite.

The billing system's export shows its own figures. Money allocbot allocated is never made
allocatable again by it: for every payment and invoice in the export, allocbot keeps the
export's figure less what its postings the export does not show yet have taken. Which
postings an export shows is said by its optional `allocations.csv`
(`payment_id,invoice_number,amount,currency,reference`, `reference` = allocbot's posting key):
a listed key is reflected. Without the file, an export shows only what the billing system
already told allocbot it shows (its webhook answer, or an earlier export).

What allocbot cannot explain is a discrepancy, listed by the import and held in the exception
queue: less money left than allocbot's outstanding postings need (`short`), a posting an
earlier export showed and this one does not (`disappeared`), an allocations.csv row under a
posting's key with other figures (`differs`), more money than before on a row whose postings
the billing system showed, with no allocations.csv to say why (`went_up`), a posting the
billing system refused that its export shows (`rejected_shown`), a payments.csv row under the
id of a bank-imported payment (`bank_id`, found by the importer). Nothing there is overwritten
upward: the lower, safe figure is kept.
"""
from __future__ import annotations

import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.ledger import journal, postings
from bot.ledger.csv_cells import BadCell, Cells, problem, records
from bot.ledger.tables import Allocation, InboundMessage, Invoice, Payment, Posting
from bot.model import Reason, Status, minor_unit
from bot.posting.states import State

ALLOCATIONS = "allocations"
ALLOCATION_COLUMNS = ("payment_id", "invoice_number", "amount", "currency", "reference")


@dataclass(frozen=True)
class ExportAllocation:
    payment_id: str
    invoice_number: str
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    subject: str  # "payment PY…", "invoice G…"
    detail: str
    key: str = ""  # the posting it concerns, if one
    inbound_id: int | None = None


@dataclass
class Reconciliation:
    allocations_file: bool = False
    reflected: int = 0
    held_back: dict[str, int] = field(default_factory=lambda: {"payments": 0, "invoices": 0})
    outstanding: int = 0  # postings the export does not show yet
    discrepancies: list[Discrepancy] = field(default_factory=list)
    case_ref: str | None = None


@dataclass(frozen=True)
class Before:
    """The live postings, and the figures of the rows they touch, as allocbot had them before
    the import (read once: the import's own writes do not change postings)."""

    postings: list[Posting]
    payments: dict[str, int]
    invoices: dict[str, int]


def _money(minor: int, currency: str) -> str:
    return f"{minor * minor_unit(currency)} {currency}"


def read_allocations(path: Path, *, max_problems: int) -> tuple[dict[str, ExportAllocation], list[str]]:
    """allocations.csv's rows under a reference (allocbot's posting key), and the problems of
    its bad rows (file, line, column). Rows without a reference are the billing system's own."""
    rows: dict[str, ExportAllocation] = {}
    seen: dict[str, int] = {}
    problems: list[str] = []
    try:
        for line, cells in records(path, ALLOCATION_COLUMNS):
            c = Cells(cells, set())
            try:
                currency = c.currency()
                row = ExportAllocation(c.text("payment_id", required=True), c.text("invoice_number", required=True),
                                       currency, c.minor("amount", currency))
                if row.amount_minor <= 0:
                    raise BadCell("amount", f"{c.text('amount')!r} is not positive")
                if reference := c.text("reference"):
                    if reference in seen:
                        raise BadCell("reference", f"{reference!r} repeats line {seen[reference]}")
                    seen[reference], rows[reference] = line, row
            except BadCell as bad:
                problems.append(problem(ALLOCATIONS, line, bad))
            if len(problems) > max_problems:
                break
    except BadCell as bad:
        problems.append(problem(ALLOCATIONS, None, bad))
    return rows, problems


def live_postings(session: Session) -> list[Posting]:
    """Allocating postings whose money allocbot still counts as moved (not refused)."""
    return list(session.exec(select(Posting).join(Allocation, col(Allocation.id) == col(Posting.allocation_id))
                             .where(Posting.kind == "allocate", col(Allocation.released_at).is_(None))
                             .order_by(Posting.id)).all())


def before_import(session: Session) -> Before:
    rows = live_postings(session)
    pays = {p.payment_id for p in rows}
    invs = {p.invoice_number for p in rows}
    payments = dict(session.exec(select(Payment.payment_id, Payment.unallocated_minor)
                                 .where(col(Payment.payment_id).in_(pays))).all()) if pays else {}
    invoices = dict(session.exec(select(Invoice.invoice_number, Invoice.open_minor)
                                 .where(col(Invoice.invoice_number).in_(invs))).all()) if invs else {}
    return Before(rows, payments, invoices)


def _shown(session: Session, posting: Posting, exported: dict[str, ExportAllocation] | None, out: Reconciliation,
           now: datetime) -> bool:
    """Whether the export's figures already include this posting's money (and reflect it)."""
    if exported is None:
        return posting.in_export_at is not None or posting.reflected_by == "billing"
    row = exported.get(posting.key)
    if row is None:
        if posting.in_export_at is not None:
            out.discrepancies.append(Discrepancy(
                "disappeared", f"payment {posting.payment_id}", f"posting {posting.key} ({posting.payment_id} → "
                f"{posting.invoice_number}, {_money(posting.amount_minor, posting.currency)}) was in an earlier export "
                "and is not in this one; allocbot keeps its money allocated", posting.key, posting.inbound_id))
            posting.in_export_at = None
        return False
    mine = ExportAllocation(posting.payment_id, posting.invoice_number, posting.currency, posting.amount_minor)
    if row != mine:
        out.discrepancies.append(Discrepancy(
            "differs", f"payment {posting.payment_id}", f"allocations.csv lists posting {posting.key} as "
            f"{row.payment_id} → {row.invoice_number}, {_money(row.amount_minor, row.currency)}; allocbot posted "
            f"{posting.payment_id} → {posting.invoice_number}, {_money(posting.amount_minor, posting.currency)}",
            posting.key, posting.inbound_id))
        return False
    first = posting.in_export_at is None
    if postings.reflect(session, posting=posting, now=now) == "moved" or first:
        out.reflected += 1  # reflected now, or (builtin) shown by the billing system's data for the first time
    return True


def _reversals_shown(session: Session, exported: dict[str, ExportAllocation], now: datetime) -> set[int]:
    """Reversals the export shows: the allocation's own key is no longer in allocations.csv.
    Reflecting one gives its money back before the figures are settled; returns the ids of
    the allocations given back."""
    waiting = session.exec(select(Posting).where(Posting.kind == "reverse",
                                                 col(Posting.state).in_((State.PENDING.value, State.DELIVERED.value)))).all()
    undone = set()
    for reversal in waiting:
        original = session.exec(select(Posting.key).where(Posting.allocation_id == reversal.allocation_id,
                                                          Posting.kind == "allocate")).first()
        if original is not None and original not in exported and postings.reflect(
                session, posting=reversal, now=now) == "moved":
            undone.add(reversal.allocation_id)
    session.flush()
    return undone


def _settle(session: Session, *, table, key_col, figure, keys: dict[str, int], before: dict[str, int],
            guarded: set[str], what: str, out: Reconciliation) -> None:
    """Lower each exported row's figure by its outstanding postings; keep the safe figure
    where the export cannot be explained."""
    for key, outstanding in keys.items():
        row = session.exec(select(figure, table.currency).where(key_col == key)).first()
        if row is None:
            continue
        current, unit = row
        new = current - outstanding
        if new < 0:
            out.discrepancies.append(Discrepancy(
                "short", f"{what} {key}", f"the export shows {_money(current, unit)} "
                f"{'unallocated' if what == 'payment' else 'open'}, less than the {_money(outstanding, unit)} allocbot "
                "has posted and the export does not show yet: it was allocated elsewhere, or a posting will be refused"))
            new = 0
        elif key in guarded and key in before and new > before[key]:
            out.discrepancies.append(Discrepancy(
                "went_up", f"{what} {key}", f"the export shows {_money(new, unit)} where allocbot had "
                f"{_money(before[key], unit)}, on a row whose allocbot postings the billing system showed, and has no "
                "allocations.csv to say why; allocbot keeps the lower figure"))
            new = before[key]
        if new != current:
            session.execute(update(table).where(key_col == key).values({figure: new}))
            out.held_back[what + "s"] += 1


def reconcile(session: Session, *, exported: dict[str, ExportAllocation] | None, before: Before,
              in_export: dict[str, set[str]], now: datetime, found: list[Discrepancy] = ()) -> Reconciliation:
    """After the export's rows were written: mark what it reflects, hold back what it does not
    show yet, and list what cannot be explained. `in_export`: the payment ids and invoice
    numbers (among those with postings) the export has rows for; `found`: what the import
    itself could not explain."""
    out = Reconciliation(allocations_file=exported is not None, discrepancies=list(found))
    undone = _reversals_shown(session, exported, now) if exported is not None else set()
    out.reflected += len(undone)
    outstanding_pay: dict[str, int] = defaultdict(int)
    outstanding_inv: dict[str, int] = defaultdict(int)
    guarded_pay, guarded_inv = set(), set()
    for posting in (p for p in before.postings if p.allocation_id not in undone):
        if _shown(session, posting, exported, out, now):
            posting.held_back_at = None
            guarded_pay.add(posting.payment_id)
            guarded_inv.add(posting.invoice_number)
        else:
            posting.held_back_at = now
            out.outstanding += 1
            outstanding_pay[posting.payment_id] += posting.amount_minor
            outstanding_inv[posting.invoice_number] += posting.amount_minor
    if exported:
        keys = list(exported)
        refused = [p for n in range(0, len(keys), 500) for p in session.exec(select(Posting).where(
            Posting.state == State.REJECTED.value, col(Posting.key).in_(keys[n:n + 500]))).all()]
        for posting in refused:
            out.discrepancies.append(Discrepancy(
                "rejected_shown", f"payment {posting.payment_id}", f"the billing system refused posting {posting.key} "
                f"({posting.reason or 'no reason'}) and its export now shows it", posting.key, posting.inbound_id))
    if exported is None:
        guarded = (guarded_pay, guarded_inv)
    else:
        guarded = (set(), set())  # allocations.csv accounts for every posting: a rise is the billing system's own
    pays = {k: outstanding_pay.get(k, 0) for k in in_export["payments"]}
    invs = {k: outstanding_inv.get(k, 0) for k in in_export["invoices"]}
    _settle(session, table=Payment, key_col=Payment.payment_id, figure=Payment.unallocated_minor, keys=pays,
            before=before.payments, guarded=guarded[0], what="payment", out=out)
    _settle(session, table=Invoice, key_col=Invoice.invoice_number, figure=Invoice.open_minor, keys=invs,
            before=before.invoices, guarded=guarded[1], what="invoice", out=out)
    session.flush()
    if out.discrepancies:
        out.case_ref = hold_discrepancies(session, discrepancies=out.discrepancies, now=now)
    return out


def hold_discrepancies(session: Session, *, discrepancies: list[Discrepancy], now: datetime) -> str:
    """One exception item for the import, its evidence one line per discrepancy; the requests
    whose postings are concerned are named in it (and audited on)."""
    msg = EmailMessage()
    msg["From"] = "allocbot ledger import <ledger-import@allocbot.invalid>"
    msg["Subject"] = f"Ledger import: {len(discrepancies)} discrepanc{'y' if len(discrepancies) == 1 else 'ies'}"
    msg["Date"] = now.strftime("%a, %d %b %Y %H:%M:%S +0000")
    msg.set_content("The billing system's export shows what allocbot's postings cannot explain:\n\n" + "\n".join(
        f"- {d.subject}: {d.detail}" for d in discrepancies) + "\n")
    evidence = [{"rule": f"ledger_import.{d.kind}", "detail": f"{d.subject}: {d.detail}",
                 "reason": Reason.BILLING_DISCREPANCY.value, "key": d.key, "inbound_id": d.inbound_id}
                for d in discrepancies]
    row = InboundMessage(dedup_key=f"ledger-import:{now.isoformat()}:{secrets.token_hex(6)}", source="ledger-import",
                         raw=msg.as_bytes(), from_addr=msg["From"], subject=msg["Subject"], received_at=now,
                         status=Status.REVIEW.value, reasons=Reason.BILLING_DISCREPANCY.value, decided_at=now,
                         evidence=json.dumps(evidence, ensure_ascii=False), filed_at=now)
    session.add(row)
    session.flush()
    case_ref = journal.open_review(session, inbound_id=row.id, reasons=[Reason.BILLING_DISCREPANCY.value], now=now).case_ref
    journal.audit(session, actor="ledger-import", action=Reason.BILLING_DISCREPANCY.value, inbound_id=row.id, now=now,
                  detail={"case_ref": case_ref, "discrepancies": evidence})
    for inbound_id in sorted({d.inbound_id for d in discrepancies if d.inbound_id}):
        journal.audit(session, actor="ledger-import", action=Reason.BILLING_DISCREPANCY.value, inbound_id=inbound_id,
                      now=now, detail={"case_ref": case_ref, "discrepancies": [e for e in evidence if e["inbound_id"] == inbound_id]})
    return case_ref


__all__ = ["ALLOCATIONS", "ALLOCATION_COLUMNS", "Before", "Discrepancy", "ExportAllocation", "Reconciliation",
           "before_import", "read_allocations", "reconcile"]
