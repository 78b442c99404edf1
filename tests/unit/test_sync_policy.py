"""When a cycle reads the billing system's ledger, and from when it asks for changes."""
from datetime import UTC, datetime, timedelta

from bot.ledger.tables import LedgerSyncMark
from bot.posting.syncing import OVERLAP, read_since, sync_due

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def mark(*, synced=NOW - timedelta(minutes=5), read=NOW - timedelta(minutes=5), full=NOW - timedelta(hours=3)):
    return LedgerSyncMark(source="tryton:///db", synced_at=synced, read_through=read, full_read_at=full)


def test_the_first_read_and_a_forced_one_read_everything():
    assert read_since(None, now=NOW, full_every=DAY, full=False) is None
    assert read_since(mark(), now=NOW, full_every=DAY, full=True) is None
    assert read_since(mark(read=None), now=NOW, full_every=DAY, full=False) is None


def test_later_reads_ask_for_changes_since_the_last_read_began_less_the_overlap():
    assert read_since(mark(), now=NOW, full_every=DAY, full=False) == NOW - timedelta(minutes=5) - OVERLAP


def test_everything_is_read_again_once_the_full_read_is_a_day_old_or_in_the_future():
    assert read_since(mark(full=NOW - DAY), now=NOW, full_every=DAY, full=False) is None
    assert read_since(mark(full=NOW + timedelta(hours=1)), now=NOW, full_every=DAY, full=False) is None


def test_a_sync_is_due_when_none_ran_or_the_last_is_older_than_the_interval():
    every = timedelta(seconds=60)
    assert sync_due(None, now=NOW, every=every)
    assert not sync_due(mark(synced=NOW - timedelta(seconds=30)), now=NOW, every=every)
    assert sync_due(mark(synced=NOW - timedelta(seconds=60)), now=NOW, every=every)
    assert sync_due(mark(synced=NOW + timedelta(hours=2)), now=NOW, every=every)  # a clock set back
    assert not sync_due(None, now=NOW, every=timedelta(0))  # 0: only `allocbot ledger sync`
