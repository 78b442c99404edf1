"""Mailbox checkpoints on a real database (SQLite and PostgreSQL): created with the first
stored message, moved forward only, replaced when the folder's UIDVALIDITY changes, and kept
apart per mailbox."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.intake.mailbox import Checkpoint
from bot.ledger.database import make_engine
from bot.ledger.checkpoints import advance_checkpoint, checkpoint_for
from bot.ledger.tables import MailboxCheckpoint
from tests.integration.conftest import run_together

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOX = "imap://allocations@mail.billing.example/INBOX"
OTHER = "imap://archive@mail.billing.example/INBOX"


def advance(engine: Engine, checkpoint: Checkpoint, *, mailbox: str = BOX, at: datetime = T0) -> None:
    with Session(engine) as session:
        advance_checkpoint(session, mailbox=mailbox, checkpoint=checkpoint, now=at)
        session.commit()


def current(engine: Engine, mailbox: str = BOX) -> Checkpoint | None:
    with Session(engine) as session:
        return checkpoint_for(session, mailbox=mailbox)


def rows(engine: Engine) -> list[tuple[str, str, int, int, datetime]]:
    with Session(engine) as session:
        return sorted((r.mailbox, r.folder, r.uidvalidity, r.last_uid, r.updated_at)
                      for r in session.exec(select(MailboxCheckpoint)))


def test_there_is_no_checkpoint_before_the_first_message(engine):
    assert current(engine) is None
    assert rows(engine) == []


def test_the_first_message_creates_the_checkpoint(engine):
    advance(engine, Checkpoint("INBOX", 7, 42))

    assert current(engine) == Checkpoint("INBOX", 7, 42)
    assert rows(engine) == [(BOX, "INBOX", 7, 42, T0)]


def test_the_checkpoint_moves_forward(engine):
    advance(engine, Checkpoint("INBOX", 7, 42))
    advance(engine, Checkpoint("INBOX", 7, 43), at=T0 + timedelta(seconds=1))
    advance(engine, Checkpoint("INBOX", 7, 100), at=T0 + timedelta(seconds=2))

    assert current(engine) == Checkpoint("INBOX", 7, 100)
    assert rows(engine) == [(BOX, "INBOX", 7, 100, T0 + timedelta(seconds=2))]


def test_a_late_or_repeated_store_never_moves_it_back(engine):
    advance(engine, Checkpoint("INBOX", 7, 100))

    advance(engine, Checkpoint("INBOX", 7, 99), at=T0 + timedelta(seconds=1))  # a late store
    advance(engine, Checkpoint("INBOX", 7, 100), at=T0 + timedelta(seconds=2))  # the same one again
    advance(engine, Checkpoint("INBOX", 7, 1), at=T0 + timedelta(seconds=3))

    assert current(engine) == Checkpoint("INBOX", 7, 100)
    assert rows(engine) == [(BOX, "INBOX", 7, 100, T0)]  # not even touched


def test_a_new_uidvalidity_replaces_the_checkpoint_even_with_a_lower_uid(engine):
    advance(engine, Checkpoint("INBOX", 7, 100))

    advance(engine, Checkpoint("INBOX", 8, 3), at=T0 + timedelta(seconds=1))  # the folder was rebuilt

    assert current(engine) == Checkpoint("INBOX", 8, 3)
    assert rows(engine) == [(BOX, "INBOX", 8, 3, T0 + timedelta(seconds=1))]
    # ... and from there it moves forward only, under the new UIDVALIDITY
    advance(engine, Checkpoint("INBOX", 8, 2), at=T0 + timedelta(seconds=2))
    advance(engine, Checkpoint("INBOX", 8, 5), at=T0 + timedelta(seconds=3))
    assert current(engine) == Checkpoint("INBOX", 8, 5)


def test_two_mailboxes_keep_their_own_checkpoints(engine):
    advance(engine, Checkpoint("INBOX", 7, 100), mailbox=BOX)
    assert current(engine, OTHER) is None

    advance(engine, Checkpoint("INBOX", 3, 5), mailbox=OTHER, at=T0 + timedelta(seconds=1))
    advance(engine, Checkpoint("INBOX", 7, 101), mailbox=BOX, at=T0 + timedelta(seconds=2))
    advance(engine, Checkpoint("INBOX", 3, 4), mailbox=OTHER, at=T0 + timedelta(seconds=3))  # backwards: ignored

    assert current(engine, BOX) == Checkpoint("INBOX", 7, 101)
    assert current(engine, OTHER) == Checkpoint("INBOX", 3, 5)
    assert rows(engine) == [(BOX, "INBOX", 7, 101, T0 + timedelta(seconds=2)),
                            (OTHER, "INBOX", 3, 5, T0 + timedelta(seconds=1))]


def test_a_checkpoint_advanced_in_a_rolled_back_transaction_is_not_kept(engine):
    advance(engine, Checkpoint("INBOX", 7, 10))
    with Session(engine) as session:
        advance_checkpoint(session, mailbox=BOX, checkpoint=Checkpoint("INBOX", 7, 11), now=T0 + timedelta(seconds=1))
        session.rollback()  # the message's store failed: the checkpoint must not pass it

    assert current(engine) == Checkpoint("INBOX", 7, 10)


def test_uids_beyond_32_bits_are_kept_exactly(engine):
    big = 2**32 + 17  # UIDVALIDITY and UID are unsigned 32-bit in IMAP; the columns must not overflow on them
    advance(engine, Checkpoint("INBOX", 2**32 - 1, big))

    assert current(engine) == Checkpoint("INBOX", 2**32 - 1, big)


@pytest.mark.postgres
def test_concurrent_stores_leave_the_highest_uid(postgres_database_url, engines):
    """Workers storing different messages of one folder at once (each in its own transaction
    and connection), starting from no checkpoint at all: the highest UID wins, nothing fails."""
    uids = list(range(1, 9))
    barrier = threading.Barrier(len(uids))

    def store(uid: int) -> None:
        engine = make_engine(postgres_database_url)
        engines.append(engine)
        with Session(engine) as session:
            session.connection()
            barrier.wait(timeout=10)
            advance_checkpoint(session, mailbox=BOX, checkpoint=Checkpoint("INBOX", 7, uid), now=T0 + timedelta(seconds=uid))
            time.sleep(0.05)  # hold the row (or the new key) so the others contend
            session.commit()

    assert run_together(store, uids, timeout=30) == []
    engine = make_engine(postgres_database_url)
    engines.append(engine)
    assert current(engine) == Checkpoint("INBOX", 7, max(uids))
    assert len(rows(engine)) == 1
