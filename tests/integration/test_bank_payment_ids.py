"""Bank-imported payments have ids of their own (issue 13): a billing export cannot name one,
so it can never overwrite one; partners can name them in mail all the same. On SQLite and
PostgreSQL."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from bot.ledger.importer import import_ledger
from bot.ledger.payments_import import import_payments
from bot.ledger.tables import InboundMessage, Payment, ReviewItem
from bot.model import Reason
from bot.statements.model import Credit, Statement
from tests.integration.conftest import ANN, payment, request_mail, standard_ledger, write_ledger

BANK = r"BK\d{8}"


def bank_credit(ref: str, amount: str, *, payer: str = "Bluepeak Cloud Inc.", reference: str = "G000000001") -> Credit:
    return Credit(line=1, bank_ref=f"DE44500105175407324931|{ref}", received_date=date(2026, 10, 20), currency="USD",
                  amount=Decimal(amount), reference=reference, payer_name=payer)


def bank_import(engine, *credits: Credit, payment_pattern: str = BANK) -> list[str]:
    statement = Statement(format="camt.053", accounts=("DE44500105175407324931",), credits=credits)
    with Session(engine) as session:
        report = import_payments(session, statement=statement, invoice_pattern=r"G\d{9}",
                                 payment_pattern=payment_pattern)
        session.commit()
    return [i.payment_id for i in report.imported]


def later_export(world, name: str, payments: list[dict]):
    """The billing system's next export: the standard ledger with these payments.csv rows."""
    directory = standard_ledger(world.root / name)
    return write_ledger(directory, payments=payments) if payments else directory


def figures(engine) -> dict[str, tuple[int, int, str | None]]:
    with Session(engine) as session:
        return {p.payment_id: (p.amount_minor, p.unallocated_minor, p.bank_ref) for p in session.exec(select(Payment))}


def test_a_bank_import_numbers_its_own_ids_and_a_billing_export_reusing_the_next_number_adds_a_payment(world):
    world.import_ledger()
    assert bank_import(world.app.engine, bank_credit("E1", "120.00")) == ["BK00000001"]

    # The billing system issues the next id of its own format (what the bank import once took).
    with Session(world.app.engine) as session:
        import_ledger(session, later_export(world, "next", [payment("PY00000001", "100.00"),
                                                             payment("PY00000003", "777.00")]),
                      bank_payment_pattern=BANK)
        session.commit()

    after = figures(world.app.engine)
    assert after["BK00000001"] == (12000, 12000, "DE44500105175407324931|E1")
    assert after["PY00000003"] == (77700, 77700, None)


def test_an_export_row_under_a_bank_id_is_left_out_and_listed_never_overwriting_the_bank_payment(world):
    world.import_ledger()
    bank_import(world.app.engine, bank_credit("E1", "120.00"))
    # An installation from before issue 13 numbered bank payments in the billing system's format.
    assert bank_import(world.app.engine, bank_credit("E2", "80.00"), payment_pattern=r"PY\d{8}") == ["PY00000010"]

    with Session(world.app.engine) as session:
        report = import_ledger(session, later_export(world, "clash", [
            payment("PY00000001", "100.00"), payment("BK00000001", "5000.00", "0.00"),
            payment("PY00000010", "9.00")]), bank_payment_pattern=BANK)
        session.commit()

    after = figures(world.app.engine)
    assert after["BK00000001"] == (12000, 12000, "DE44500105175407324931|E1")
    assert after["PY00000010"] == (8000, 8000, "DE44500105175407324931|E2")
    assert report.counts["payments"] == (0, 1)
    found = report.reconciliation.discrepancies
    assert [(d.kind, d.subject) for d in found] == [("bank_id", "payment BK00000001"), ("bank_id", "payment PY00000010")]
    assert "payments.csv line 3" in found[0].detail and "payments.csv line 4" in found[1].detail
    held = world.rows(InboundMessage)
    assert [(m.source, m.reasons) for m in held] == [("ledger-import", Reason.BILLING_DISCREPANCY.value)]
    assert [i.case_ref for i in world.review_items()] == [report.reconciliation.case_ref]


def test_a_partner_names_a_bank_imported_payment_and_it_is_applied_and_kept_through_the_next_export(world):
    world.import_ledger()
    bank_import(world.app.engine, bank_credit("E1", "100.00"))
    world.deliver(request_mail(ANN, "Please allocate payment BK 0000 0001 to invoice G000000001."))

    report = world.run()

    assert report.decided.get("applied") == 1, report
    assert world.allocations() == [("BK00000001", "G000000001", 10000)]
    world.import_ledger(later_export(world, "next", []))
    assert world.balances()["BK00000001"] == 0 and world.balances()["G000000001"] == 0
    assert not world.rows(ReviewItem)
