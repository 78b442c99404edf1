"""A holder whose process has ended is known at once (issue 15 item 1), on a real database
(SQLite: its lock file; PostgreSQL: its session advisory lock) with a real process that is
SIGKILLed: its intake lease, its reply claim and its posting claim are taken over at once,
not after their two-minute windows; while it runs, nothing of it is taken; a holder whose end
cannot be seen (a name without a mark, a live pid on this host) keeps its time to live."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.leasing import ProcessLease
from bot.ledger import journal, postings
from bot.ledger.leases import acquire_lease, lease_holder
from bot.ledger.presence import ProcessHolder, ended_claimers, open_presence
from bot.ledger.tables import OutboundMessage, Posting
from tests.integration.conftest import REPO, request_mail

HOLD = """
import sys, time
from datetime import UTC, datetime, timedelta
from sqlmodel import Session
from bot.ledger.database import make_engine
from bot.ledger.leases import acquire_lease
from bot.ledger.presence import ProcessHolder, open_presence
engine = make_engine(sys.argv[1])
holder = str(ProcessHolder.this_process("run-once"))
open_presence(engine, holder).hold()
with Session(engine) as session:
    assert acquire_lease(session, name="intake", holder=holder, now=datetime.now(UTC), ttl=timedelta(seconds=120))
    session.commit()
print(holder, flush=True)
time.sleep(300)
"""


@pytest.fixture
def holder_process(world):
    """A process that took its mark and the intake lease, then waits; its holder name."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, world.database_url], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        holder = proc.stdout.readline().strip()
        assert ProcessHolder.parse(holder), f"the holder process said {holder!r}"
        yield proc, holder
    finally:
        proc.kill()
        proc.wait(30)


def sigkill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)  # reaped, as a process manager does


def claim_everything_for(world, holder: str) -> None:
    """A confirmation being sent and a posting being handed over, both claimed by `holder`
    for two minutes (as a run that was killed mid-send leaves them)."""
    world.deliver(request_mail())
    world.run()
    until = world.now() + timedelta(minutes=2)
    with Session(world.app.engine) as session:
        reply, posting = session.exec(select(OutboundMessage)).one(), session.exec(select(Posting)).one()
        reply.status, reply.next_attempt_at, reply.claimed_by = "sending", until, holder
        posting.state, posting.reflected_at, posting.claimed_by, posting.claimed_until = "pending", None, holder, until
        session.add_all([reply, posting])
        session.commit()


def test_a_killed_holders_lease_and_claims_are_taken_at_once_and_a_live_ones_never(world, holder_process):
    proc, dead = holder_process
    lease = ProcessLease(world.app, label="run-once")
    claim_everything_for(world, dead)
    now = world.now()
    try:
        assert lease.take() is False  # alive: its lease is its own for the whole two minutes
        assert ended_claimers(world.app.engine, lease.presence, journal.sending_claimers, now=now) == []

        sigkill(proc)

        assert lease.take() is True  # at once, not two minutes later
        engine = world.app.engine
        replies = ended_claimers(engine, lease.presence, journal.sending_claimers, now=now)
        posters = ended_claimers(engine, lease.presence, postings.live_claimers, now=now)
        assert replies == posters == [dead]
        assert ended_claimers(engine, lease.presence, journal.sending_claimers, now=now) == [dead]  # and ever after
        with Session(engine) as session:
            assert lease_holder(session, name="intake", now=world.now())[0] == lease.holder
            assert [r.claimed_by for r in journal.pending_outbound(session, limit=10, now=now, ended=replies)] == [dead]
            assert journal.pending_outbound(session, limit=10, now=now) == []  # without: after the window
            until = now + timedelta(seconds=90)
            assert postings.claim_due(session, holder=lease.holder, now=now, until=until, limit=10) == []
            claimed = postings.claim_due(session, holder=lease.holder, now=now, until=until, limit=10, ended=posters)
            assert [p.claimed_by for p in claimed] == [lease.holder]
            session.rollback()
    finally:
        lease.close()


def test_a_holder_whose_end_cannot_be_seen_keeps_its_time_to_live(world):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    presence = open_presence(world.app.engine, str(ProcessHolder.this_process("worker")))
    presence.hold()
    try:
        running = str(ProcessHolder("run-once", ProcessHolder.this_process("x").host, sleeper.pid, "0badf00d"))
        with Session(world.app.engine) as session:  # a live pid on this host, whatever its mark says
            assert acquire_lease(session, name="intake", holder=running, now=world.now(), ttl=timedelta(seconds=120))
            session.commit()
        assert presence.gone(running) is False
        assert presence.gone("worker-a") is False  # a name without a mark (an older version, a test)
        assert presence.gone(presence.holder) is False  # never itself
        with Session(world.app.engine) as session:
            assert not acquire_lease(session, name="intake", holder=presence.holder, now=world.now(),
                                     ttl=timedelta(seconds=120), holder_gone=presence.gone)
            assert acquire_lease(session, name="intake", holder=presence.holder, now=world.now() + timedelta(seconds=121),
                                 ttl=timedelta(seconds=120), holder_gone=presence.gone)  # its time ran out
    finally:
        presence.close()
        sleeper.kill()
        sleeper.wait(30)
