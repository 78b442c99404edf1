"""The ledger store on SQLite and PostgreSQL: money is never overdrawn, whatever the caller does
and however many writers there are."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.ledger import store
from bot.ledger.database import make_engine, migrate
from bot.ledger.importer import import_ledger
from bot.ledger.tables import Allocation, Invoice, Payment
from bot.model import Allocation as AllocationValue, Money
from tests.integration.conftest import standard_ledger

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def alloc(payment_id: str, invoice_number: str, amount: str, currency: str = "USD") -> AllocationValue:
    return AllocationValue(payment_id, invoice_number, Money(Decimal(amount), currency))


@pytest.fixture
def ledger_engine(engine, tmp_path):
    """The standard ledger: PY00000001 100.00 and PY00000002 500.00 unallocated; G000000001
    100.00 and G000000002 250.00 open (all USD, account A1)."""
    with Session(engine) as session:
        import_ledger(session, standard_ledger(tmp_path / "ledger"))
        session.commit()
    return engine


@pytest.fixture
def postgres_ledger_engine(postgres_database_url, engines, tmp_path):
    """A second engine of its own on the PostgreSQL test database, with the standard ledger."""
    engine = make_engine(postgres_database_url)
    engines.append(engine)
    migrate(engine)
    with Session(engine) as session:
        import_ledger(session, standard_ledger(tmp_path / "ledger"))
        session.commit()
    return engine


def balances(engine) -> dict[str, int]:
    with Session(engine) as session:
        out = {p.payment_id: p.unallocated_minor for p in session.exec(select(Payment))}
        out.update({i.invoice_number: i.open_minor for i in session.exec(select(Invoice))})
        out["allocations"] = len(session.exec(select(Allocation)).all())
        return out


def test_apply_allocations_lowers_both_balances_and_records_the_allocation(ledger_engine):
    with Session(ledger_engine) as session:
        store.apply_allocations(session, allocations=[alloc("PY00000002", "G000000001", "60.00"),
                                                      alloc("PY00000002", "G000000002", "250.00")],
                                inbound_id=None, actor="ops@billing.example", now=NOW)
        session.commit()

    after = balances(ledger_engine)
    assert (after["PY00000002"], after["G000000001"], after["G000000002"]) == (190_00, 40_00, 0)
    with Session(ledger_engine) as session:
        rows = session.exec(select(Allocation).order_by(Allocation.id)).all()
        assert [(r.payment_id, r.invoice_number, r.amount_minor, r.currency, r.created_by) for r in rows] == [
            ("PY00000002", "G000000001", 60_00, "USD", "ops@billing.example"),
            ("PY00000002", "G000000002", 250_00, "USD", "ops@billing.example"),
        ]


@pytest.mark.parametrize(("allocations", "what"), [
    ([alloc("PY00000001", "G000000002", "150.00")], "payment PY00000001"),  # 100.00 unallocated
    ([alloc("PY00000002", "G000000001", "100.01")], "invoice G000000001"),  # 100.00 open
    # the first line fits; the second overdraws the invoice: nothing of either may stay
    ([alloc("PY00000002", "G000000001", "50.00"), alloc("PY00000002", "G000000002", "250.01")], "invoice G000000002"),
    # each line fits alone, together they overdraw the payment
    ([alloc("PY00000001", "G000000001", "60.00"), alloc("PY00000001", "G000000002", "60.00")], "payment PY00000001"),
    ([alloc("PY00000002", "G000000009", "10.00")], "invoice G000000009"),  # the invoice is in SEK
    ([alloc("PY00000002", "G000000001", "0.00")], "not positive"),
    ([alloc("PY99999999", "G000000001", "1.00")], "payment PY99999999"),  # no such payment
])
def test_an_overdraw_is_refused_and_the_savepoint_leaves_balances_unchanged(ledger_engine, allocations, what):
    before = balances(ledger_engine)
    with Session(ledger_engine) as session:
        with pytest.raises(store.LedgerConflict, match=what):
            with session.begin_nested():
                store.apply_allocations(session, allocations=allocations, inbound_id=None, actor="allocbot", now=NOW)
        # the outer transaction goes on and commits whatever else it did
        session.execute(update(Payment).where(Payment.payment_id == "PY00000002").values(reference="CHECKED"))
        session.commit()

    assert balances(ledger_engine) == before
    with Session(ledger_engine) as session:
        assert session.get(Payment, "PY00000002").reference == "CHECKED"


@pytest.mark.parametrize("statement", [
    "UPDATE payment SET unallocated_minor = -1 WHERE payment_id = 'PY00000001'",
    "UPDATE payment SET unallocated_minor = amount_minor + 1 WHERE payment_id = 'PY00000001'",
    "UPDATE invoice SET open_minor = -1 WHERE invoice_number = 'G000000001'",
    "UPDATE invoice SET open_minor = amount_minor + 1 WHERE invoice_number = 'G000000001'",
    "INSERT INTO allocation (payment_id, invoice_number, currency, amount_minor, created_at, created_by)"
    " VALUES ('PY00000001', 'G000000001', 'USD', 0, '2026-11-02 09:30:00', 'x')",
])
def test_the_database_itself_refuses_impossible_balances(ledger_engine, statement):
    """CHECK constraints: a bug or a hand-written UPDATE cannot make money appear or vanish."""
    before = balances(ledger_engine)
    with ledger_engine.connect() as conn:
        with pytest.raises(IntegrityError):
            conn.execute(text(statement))
        conn.rollback()
    assert balances(ledger_engine) == before


def test_two_writers_spending_the_same_payment_one_after_the_other(ledger_engine):
    """Both read 100.00 unallocated before either writes; the second must not spend it again."""
    with Session(ledger_engine) as first, Session(ledger_engine) as second:
        assert store.payments_by_id(first, payment_ids=["PY00000001"])[0].unallocated.amount == Decimal("100.00")
        first.rollback()  # SQLite transactions take the write lock at BEGIN: end each read so the other can start
        assert store.payments_by_id(second, payment_ids=["PY00000001"])[0].unallocated.amount == Decimal("100.00")
        second.rollback()
        store.apply_allocations(first, allocations=[alloc("PY00000001", "G000000001", "80.00")], inbound_id=None, actor="a", now=NOW)
        first.commit()
        with pytest.raises(store.LedgerConflict):
            store.apply_allocations(second, allocations=[alloc("PY00000001", "G000000002", "80.00")], inbound_id=None, actor="b", now=NOW)
        second.rollback()

    after = balances(ledger_engine)
    assert (after["PY00000001"], after["G000000001"], after["G000000002"], after["allocations"]) == (20_00, 20_00, 250_00, 1)


def _waiting_for_a_lock(engine, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar_one()
            conn.rollback()
            if waiting:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.postgres
def test_racing_writers_on_postgres_spend_a_payment_once(postgres_ledger_engine):
    """Writer A holds the payment's row; writer B, in another thread and connection, blocks on it;
    when A commits, B's conditional UPDATE sees the new balance and is refused."""
    engine = postgres_ledger_engine

    outcome: dict[str, object] = {}

    def writer_b() -> None:
        with Session(engine) as session:
            try:
                store.apply_allocations(session, allocations=[alloc("PY00000001", "G000000002", "80.00")],
                                        inbound_id=None, actor="b", now=NOW)
                session.commit()
                outcome["b"] = "applied"
            except store.LedgerConflict as exc:
                session.rollback()
                outcome["b"] = exc

    with Session(engine) as a:
        store.apply_allocations(a, allocations=[alloc("PY00000001", "G000000001", "80.00")], inbound_id=None, actor="a", now=NOW)
        b = threading.Thread(target=writer_b)
        b.start()
        assert _waiting_for_a_lock(engine), "writer B never waited for writer A's row lock"
        a.commit()
    b.join(timeout=30)

    assert isinstance(outcome["b"], store.LedgerConflict)
    after = balances(engine)
    assert (after["PY00000001"], after["G000000001"], after["G000000002"], after["allocations"]) == (20_00, 20_00, 250_00, 1)


@pytest.mark.postgres
def test_many_simultaneous_writers_on_postgres_never_overdraw(postgres_ledger_engine):
    """Eight threads released together each try to put 30.00 of PY00000001 (100.00) on an invoice:
    exactly three succeed, and the balances add up."""
    engine = postgres_ledger_engine

    start = threading.Barrier(8)
    results: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        invoice_number = "G000000002" if n % 2 else "G000000001"
        with Session(engine) as session:
            session.execute(text("SELECT 1"))  # connected before the start
            start.wait(timeout=10)
            try:
                store.apply_allocations(session, allocations=[alloc("PY00000001", invoice_number, "30.00")],
                                        inbound_id=None, actor=f"w{n}", now=NOW)
                session.commit()
                result = "applied"
            except store.LedgerConflict:
                session.rollback()
                result = "refused"
        with lock:
            results.append(result)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(results) == ["applied"] * 3 + ["refused"] * 5
    after = balances(engine)
    assert after["PY00000001"] == 10_00 and after["allocations"] == 3
    assert (100_00 - after["G000000001"]) + (250_00 - after["G000000002"]) == 90_00
