"""Database leases on a real database (SQLite and PostgreSQL): one holder at a time per name
until the lease expires; on PostgreSQL, workers racing for a free lease leave exactly one winner.

The lease functions never commit: each step here is one transaction, committed (or rolled back)
before the next session opens, because SQLite allows one open write transaction at a time."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.ledger.database import make_engine
from bot.ledger.leases import acquire_lease, lease_holder, release_lease, renew_lease
from bot.ledger.tables import Lease

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)
NAME = "intake"


def acquire(engine: Engine, holder: str, now: datetime, *, name: str = NAME, ttl: timedelta = TTL) -> bool:
    with Session(engine) as session:
        held = acquire_lease(session, name=name, holder=holder, now=now, ttl=ttl)
        session.commit()
    return held


def renew(engine: Engine, holder: str, now: datetime, *, name: str = NAME) -> bool:
    with Session(engine) as session:
        held = renew_lease(session, name=name, holder=holder, now=now, ttl=TTL)
        session.commit()
    return held


def release(engine: Engine, holder: str, now: datetime, *, name: str = NAME) -> None:
    with Session(engine) as session:
        release_lease(session, name=name, holder=holder, now=now)
        session.commit()


def holder_at(engine: Engine, now: datetime, *, name: str = NAME) -> tuple[str, datetime] | None:
    with Session(engine) as session:
        return lease_holder(session, name=name, now=now)


def lease_rows(engine: Engine) -> list[tuple[str, str, datetime, datetime]]:
    with Session(engine) as session:
        return [(r.name, r.holder, r.expires_at, r.acquired_at) for r in session.exec(select(Lease).order_by(Lease.name))]


def test_a_free_lease_goes_to_the_first_holder_and_is_refused_to_the_second(engine):
    assert holder_at(engine, T0) is None

    assert acquire(engine, "worker-a", T0) is True
    assert acquire(engine, "worker-b", T0 + timedelta(seconds=10)) is False
    assert acquire(engine, "worker-b", T0 + timedelta(seconds=59)) is False

    assert holder_at(engine, T0 + timedelta(seconds=30)) == ("worker-a", T0 + TTL)
    assert lease_rows(engine) == [(NAME, "worker-a", T0 + TTL, T0)]


def test_the_holder_reacquiring_renews_its_own_lease(engine):
    assert acquire(engine, "worker-a", T0)

    assert acquire(engine, "worker-a", T0 + timedelta(seconds=50)) is True

    # valid until 50 s + ttl now, so the other worker is still refused after the first expiry time
    assert holder_at(engine, T0 + timedelta(seconds=100)) == ("worker-a", T0 + timedelta(seconds=110))
    assert acquire(engine, "worker-b", T0 + timedelta(seconds=100)) is False
    assert renew(engine, "worker-a", T0 + timedelta(seconds=105)) is True
    assert holder_at(engine, T0 + timedelta(seconds=160)) == ("worker-a", T0 + timedelta(seconds=165))
    [(_, holder, _, acquired_at)] = lease_rows(engine)
    assert (holder, acquired_at) == ("worker-a", T0)  # a renewal keeps the time it was first taken


def test_an_expired_lease_is_taken_over_and_the_old_holder_can_no_longer_renew(engine):
    assert acquire(engine, "worker-a", T0)
    after_expiry = T0 + TTL + timedelta(seconds=1)
    assert holder_at(engine, after_expiry) is None

    assert acquire(engine, "worker-b", after_expiry) is True

    assert holder_at(engine, after_expiry) == ("worker-b", after_expiry + TTL)
    assert lease_rows(engine) == [(NAME, "worker-b", after_expiry + TTL, after_expiry)]
    assert renew(engine, "worker-a", after_expiry + timedelta(seconds=1)) is False
    assert acquire(engine, "worker-a", after_expiry + timedelta(seconds=1)) is False
    assert holder_at(engine, after_expiry + timedelta(seconds=1))[0] == "worker-b"


def test_a_holder_whose_lease_just_expired_may_renew_while_nobody_took_it(engine):
    assert acquire(engine, "worker-a", T0)
    late = T0 + TTL + timedelta(seconds=5)

    assert renew(engine, "worker-a", late) is True

    assert holder_at(engine, late) == ("worker-a", late + TTL)
    assert acquire(engine, "worker-b", late + timedelta(seconds=1)) is False


def test_renewing_a_lease_nobody_ever_took_fails_and_creates_nothing(engine):
    assert renew(engine, "worker-a", T0) is False
    assert lease_rows(engine) == []


def test_a_released_lease_is_free_for_another_holder_at_once(engine):
    assert acquire(engine, "worker-a", T0)
    at = T0 + timedelta(seconds=5)

    release(engine, "worker-a", at)

    assert holder_at(engine, at) is None
    assert acquire(engine, "worker-b", at) is True  # the same moment: "free" must mean free
    assert holder_at(engine, at + timedelta(seconds=1)) == ("worker-b", at + TTL)
    assert renew(engine, "worker-a", at + timedelta(seconds=1)) is False


def test_a_lease_is_free_exactly_when_lease_holder_says_so(engine):
    assert acquire(engine, "worker-a", T0)
    expiry = T0 + TTL

    assert holder_at(engine, expiry - timedelta(microseconds=1)) == ("worker-a", expiry)
    assert acquire(engine, "worker-b", expiry - timedelta(microseconds=1)) is False
    assert holder_at(engine, expiry) is None
    assert acquire(engine, "worker-b", expiry) is True


def test_only_the_holder_can_release_a_lease(engine):
    assert acquire(engine, "worker-a", T0)

    release(engine, "worker-b", T0 + timedelta(seconds=5))

    assert holder_at(engine, T0 + timedelta(seconds=6)) == ("worker-a", T0 + TTL)
    assert acquire(engine, "worker-b", T0 + timedelta(seconds=6)) is False


def test_leases_with_different_names_are_independent(engine):
    assert acquire(engine, "worker-a", T0, name="intake")
    assert acquire(engine, "worker-b", T0, name="digest")

    assert holder_at(engine, T0, name="intake")[0] == "worker-a"
    assert holder_at(engine, T0, name="digest")[0] == "worker-b"
    assert renew(engine, "worker-b", T0, name="intake") is False
    release(engine, "worker-a", T0 + timedelta(seconds=1), name="intake")
    assert holder_at(engine, T0 + timedelta(seconds=2), name="digest")[0] == "worker-b"


def test_a_rolled_back_acquisition_leaves_the_lease_free(engine):
    with Session(engine) as session:
        assert acquire_lease(session, name=NAME, holder="worker-a", now=T0, ttl=TTL)
        session.rollback()

    assert holder_at(engine, T0) is None
    assert acquire(engine, "worker-b", T0) is True


# --------------------------------------------------------------------------- several workers (PostgreSQL)

def race(url: str, engines: list[Engine], holders: list[str], now: datetime, *, hold: float = 0.2) -> dict[str, bool | BaseException]:
    """Each holder in its own thread and connection tries to acquire at the same moment, then
    keeps its transaction open a little before committing, so the others really contend."""
    barrier = threading.Barrier(len(holders))
    results: dict[str, bool | BaseException] = {}

    def attempt(holder: str) -> None:
        engine = make_engine(url)
        engines.append(engine)
        try:
            with Session(engine) as session:
                session.connection()  # connected before the start signal
                barrier.wait(timeout=10)
                held = acquire_lease(session, name=NAME, holder=holder, now=now, ttl=TTL)
                if held:
                    threading.Event().wait(hold)
                session.commit()
            results[holder] = held
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[holder] = exc

    threads = [threading.Thread(target=attempt, args=(h,)) for h in holders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a racing worker hung"
    return results


@pytest.mark.postgres
def test_workers_racing_for_a_free_lease_leave_exactly_one_holder(postgres_database_url, engines):
    engine = make_engine(postgres_database_url)
    engines.append(engine)
    holders = [f"worker-{i}" for i in range(8)]

    results = race(postgres_database_url, engines, holders, T0)

    assert not [r for r in results.values() if isinstance(r, BaseException)], results
    winners = [h for h, won in results.items() if won is True]
    assert len(winners) == 1, results
    assert lease_rows(engine) == [(NAME, winners[0], T0 + TTL, T0)]
    assert holder_at(engine, T0 + timedelta(seconds=1))[0] == winners[0]


@pytest.mark.postgres
def test_workers_racing_for_an_expired_lease_leave_exactly_one_holder(postgres_database_url, engines):
    engine = make_engine(postgres_database_url)
    engines.append(engine)
    assert acquire(engine, "dead-worker", T0)
    later = T0 + TTL + timedelta(seconds=30)
    holders = [f"worker-{i}" for i in range(8)]

    results = race(postgres_database_url, engines, holders, later)

    assert not [r for r in results.values() if isinstance(r, BaseException)], results
    winners = [h for h, won in results.items() if won is True]
    assert len(winners) == 1, results
    assert lease_rows(engine) == [(NAME, winners[0], later + TTL, later)]
    assert renew(engine, "dead-worker", later) is False
