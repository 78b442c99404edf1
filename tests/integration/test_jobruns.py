"""Job-run rows written by several processes at once (issue 15 item 2): two `run --once`
finishing together, or workers starting together on a fresh database, all write the same
job's row; each write is an upsert, so none fails on the key and the row keeps every field."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.ledger.database import make_engine
from bot.ledger.jobruns import job_runs, job_started, record_job

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_runs_finishing_together_on_a_fresh_database_all_record_their_run(database_url, engine, engines):
    writers = 12
    start, failed = threading.Barrier(writers), []

    def finish(n: int) -> None:
        own = make_engine(database_url)  # a process of its own: its own connections
        engines.append(own)
        with own.connect():  # connected before the start signal, so the writes really meet
            pass
        start.wait(timeout=30)
        try:
            record_job(own, name="cycle", now=T0 + timedelta(seconds=n), summary=f"stored={n}")
        except Exception as exc:  # noqa: BLE001 - what `run --once` exited 1 with
            failed.append(exc)

    threads = [threading.Thread(target=finish, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert not failed, failed[:2]
    with Session(engine) as session:
        [row] = job_runs(session)
    assert row.name == "cycle" and row.last_summary.startswith("stored=") and row.last_ok_at is not None


def test_an_upsert_changes_only_its_own_fields(engine):
    with Session(engine) as session:
        job_started(session, name="intake", holder="worker:h:1:0000abcd", now=T0)
        session.commit()
    record_job(engine, name="intake", now=T0 + timedelta(seconds=5), summary="stored=3")
    record_job(engine, name="intake", now=T0 + timedelta(seconds=9), error="MailboxError: down")
    with Session(engine) as session:
        job_started(session, name="intake", holder="worker:h:2:0000abce", now=T0 + timedelta(seconds=10))
        session.commit()

    with Session(engine) as session:
        [row] = job_runs(session)
    naive = [t.replace(tzinfo=None) for t in (row.last_started_at, row.last_ok_at, row.last_failed_at)]
    assert naive == [(T0 + timedelta(seconds=s)).replace(tzinfo=None) for s in (10, 5, 9)]
    assert (row.holder, row.last_summary, row.last_error) == ("worker:h:2:0000abce", "stored=3", "MailboxError: down")
