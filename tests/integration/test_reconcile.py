"""A ledger import reconciles with allocbot's postings (issue 13): money allocbot allocated is
never made allocatable again by an export that does not show it yet; an export's
allocations.csv reflects postings by key; what cannot be explained is listed and held."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.ledger.importer import LedgerImportError, import_ledger
from bot.ledger.tables import InboundMessage, Posting, ReviewItem
from tests.integration.conftest import BotWorld, request_mail, standard_ledger

PY1_G1 = "Please allocate payment PY00000001 to invoice G000000001."


def export(world: BotWorld, name: str, *, allocations: list[tuple[str, str, str, str]] | None = None,
           payments: dict[str, str] | None = None, invoices: dict[str, str] | None = None) -> Path:
    """The standard export again (the billing system's figures), with some figures changed and
    optionally an allocations.csv of (payment, invoice, amount, reference)."""
    directory = standard_ledger(world.root / name)
    for stem, column, changes in (("payments", "unallocated_amount", payments), ("invoices", "open_amount", invoices)):
        path = directory / f"{stem}.csv"
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        for row in rows:
            row[column] = (changes or {}).get(row[stem[:-1] + ("_id" if stem == "payments" else "_number")], row[column])
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if allocations is not None:
        with (directory / "allocations.csv").open("w", encoding="utf-8", newline="") as f:
            f.write("payment_id,invoice_number,amount,currency,reference\n")
            for pay, inv, amount, ref in allocations:
                f.write(f"{pay},{inv},{amount},USD,{ref}\n")
    return directory


def reimport(world: BotWorld, directory: Path):
    with Session(world.app.engine) as session:
        report = import_ledger(session, directory, now=world.now())
        session.commit()
    return report.reconciliation


def applied_py1_g1(world: BotWorld) -> Posting:
    world.deliver(request_mail(body=PY1_G1))
    assert world.run().decided == {"applied": 1}
    [posting] = world.rows(Posting)
    return posting


def test_an_export_that_has_not_seen_an_allocation_does_not_make_its_money_allocatable_again(world):
    applied_py1_g1(world)

    result = reimport(world, export(world, "export-1"))  # the billing system's figures: PY1 100.00 unallocated

    assert world.balances()["PY00000001"] == 0 and world.balances()["G000000001"] == 0
    assert (result.outstanding, result.held_back, result.discrepancies) == (1, {"payments": 1, "invoices": 1}, [])
    # the same admin asks to use the payment again: held, nothing allocated twice
    world.deliver(request_mail(body="Please allocate payment PY00000001 to invoice G000000002."))
    assert world.run().decided == {"review": 1}
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]


def test_allocations_csv_reflects_a_posting_by_its_key_and_its_money_is_counted_once(world):
    posting = applied_py1_g1(world)
    shown = export(world, "export-2", payments={"PY00000001": "0.00"}, invoices={"G000000001": "0.00"},
                   allocations=[("PY00000001", "G000000001", "100.00", posting.key),
                                ("PY00000002", "G000000002", "50.00", "")])  # the billing team's own allocation

    result = reimport(world, shown)

    assert (result.reflected, result.outstanding, result.discrepancies) == (1, 0, [])
    [after] = world.rows(Posting)
    assert (after.state, after.reflected_by, after.in_export_at is not None) == ("reflected", "builtin", True)
    assert world.balances()["PY00000001"] == 0 and world.balances()["G000000001"] == 0
    assert reimport(world, shown).reflected == 0  # the same export again changes nothing


def test_a_reflected_posting_missing_from_a_later_export_is_a_discrepancy_and_its_money_stays_allocated(world):
    posting = applied_py1_g1(world)
    reimport(world, export(world, "export-3", payments={"PY00000001": "0.00"}, invoices={"G000000001": "0.00"},
                           allocations=[("PY00000001", "G000000001", "100.00", posting.key)]))

    result = reimport(world, export(world, "export-4", allocations=[]))  # undone in the billing system

    assert [d.kind for d in result.discrepancies] == ["disappeared"] and posting.key in result.discrepancies[0].detail
    assert world.balances()["PY00000001"] == 0 and world.balances()["G000000001"] == 0
    with Session(world.app.engine) as session:
        item = session.exec(select(ReviewItem).where(ReviewItem.case_ref == result.case_ref)).one()
        held = session.get(InboundMessage, item.inbound_id)
        assert (item.status, held.status, held.reasons) == ("open", "review", "billing_discrepancy")
        assert posting.key in held.evidence


def test_less_money_in_the_export_than_allocbot_has_posted_is_short(world):
    applied_py1_g1(world)

    result = reimport(world, export(world, "export-5", payments={"PY00000001": "40.00"}))  # 60.00 used elsewhere

    [short] = result.discrepancies
    assert (short.kind, short.subject) == ("short", "payment PY00000001")
    assert "40.00 USD" in short.detail and "100.00 USD" in short.detail
    assert world.balances()["PY00000001"] == 0


def test_an_allocations_row_under_a_postings_key_with_other_figures_differs_and_is_not_reflected(world):
    posting = applied_py1_g1(world)

    result = reimport(world, export(world, "export-6", allocations=[("PY00000001", "G000000001", "90.00", posting.key)]))

    assert [d.kind for d in result.discrepancies] == ["differs"]
    assert world.rows(Posting)[0].state == "reflected" and world.rows(Posting)[0].in_export_at is None
    assert world.balances()["PY00000001"] == 0  # held back: the export does not show allocbot's posting


def test_without_allocations_csv_a_rise_on_a_row_the_billing_system_showed_keeps_the_lower_figure(world):
    posting = applied_py1_g1(world)
    reimport(world, export(world, "export-7", payments={"PY00000001": "0.00"}, invoices={"G000000001": "0.00"},
                           allocations=[("PY00000001", "G000000001", "100.00", posting.key)]))

    result = reimport(world, export(world, "export-8"))  # 100.00 back on PY1, and no allocations.csv to say why

    assert sorted(d.kind for d in result.discrepancies) == ["went_up", "went_up"]
    assert world.balances()["PY00000001"] == 0 and world.balances()["G000000001"] == 0


def test_a_bad_allocations_csv_is_refused_whole_naming_file_line_and_column(world):
    applied_py1_g1(world)
    directory = export(world, "export-9", payments={"PY00000002": "1.00"},
                       allocations=[("PY00000001", "G000000001", "100.00", "k1"), ("PY00000001", "G000000002", "-5", ""),
                                    ("PY00000002", "G000000002", "10.00", "k1")])
    before = world.balances()

    with Session(world.app.engine) as session, pytest.raises(LedgerImportError) as refused:
        import_ledger(session, directory)

    assert refused.value.problems == ("allocations.csv line 3, column amount: '-5' is negative",
                                      "allocations.csv line 4, column reference: 'k1' repeats line 2")
    assert world.balances() == before
