"""The counting rules behind the sign-in lockout: who gets locked, and until when."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.ledger.signin_rules import WINDOW, Limits, clock_time, judge, locked_until, retry_after_seconds

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LIMITS = Limits(per_account=5, per_client=25)


def ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_fewer_failures_than_the_limit_lock_nothing():
    assert locked_until(ago(1, 2, 3, 4), limit=5, now=NOW) is None
    assert locked_until([], limit=1, now=NOW) is None


def test_the_limit_reached_locks_until_the_oldest_counted_failure_leaves_the_window():
    until = locked_until(ago(10, 8, 6, 4, 2), limit=5, now=NOW)
    assert until == NOW - timedelta(minutes=10) + WINDOW  # 09:05


def test_with_more_failures_than_the_limit_the_lock_ends_when_the_count_drops_below_it():
    # seven failures, limit five: the lock holds until only four remain, i.e. the third oldest has left
    until = locked_until(ago(14, 12, 10, 8, 6, 4, 2), limit=5, now=NOW)
    assert until == NOW - timedelta(minutes=10) + WINDOW
    assert locked_until(ago(14, 12, 10, 8, 6, 4, 2), limit=5, now=until) is None  # over at that moment


def test_failures_outside_the_window_do_not_count():
    assert locked_until(ago(16, 20, 30, 1, 2), limit=5, now=NOW) is None
    # exactly 15 minutes old: it leaves the window as its lock ends
    assert locked_until(ago(15, 1, 2, 3, 4), limit=5, now=NOW) is None


def test_a_fresh_start_wipes_the_failures_before_it():
    failures = ago(9, 8, 7, 6, 5)
    assert locked_until(failures, limit=5, now=NOW) is not None
    assert locked_until(failures, limit=5, now=NOW, fresh_start=NOW - timedelta(minutes=1)) is None
    # failures after the fresh start count again
    assert locked_until(failures + ago(0.5, 0.4, 0.3, 0.2, 0.1), limit=5, now=NOW,
                        fresh_start=NOW - timedelta(minutes=1)) == NOW - timedelta(minutes=0.5) + WINDOW


def test_one_colleagues_typos_lock_their_account_but_not_the_shared_address():
    operator_typos = ago(5, 4, 3, 2, 1)
    # the viewer, from the same office address, has no failures of their own
    viewer = judge(account_failures=[], client_failures=operator_typos, limits=LIMITS, now=NOW,
                   fresh_start=None)
    assert not viewer.blocked and viewer.until is None
    operator = judge(account_failures=operator_typos, client_failures=operator_typos, limits=LIMITS, now=NOW,
                     fresh_start=None)
    assert operator.blocked and operator.by == "email"
    assert operator.account_until == NOW + timedelta(minutes=10)
    assert operator.client_until is None


def test_a_flood_from_one_address_blocks_it_for_every_account():
    flood = [NOW - timedelta(seconds=s) for s in range(1, 26)]
    verdict = judge(account_failures=[], client_failures=flood, limits=LIMITS, now=NOW, fresh_start=None)
    assert verdict.blocked and verdict.by == "client" and verdict.account_until is None
    assert verdict.until == NOW - timedelta(seconds=25) + WINDOW
    # an unlock of one account does not lift the address's block
    unlocked = judge(account_failures=[], client_failures=flood, limits=LIMITS, now=NOW, fresh_start=NOW)
    assert unlocked.blocked and unlocked.by == "client"


def test_both_blocked_names_the_account_and_ends_with_the_later():
    account, client = ago(14, 13, 12, 11, 10), ago(*[1 + n / 10 for n in range(25)])
    verdict = judge(account_failures=account, client_failures=client, limits=LIMITS, now=NOW,
                    fresh_start=None)
    assert verdict.by == "email" and verdict.until == verdict.client_until > verdict.account_until


def test_retry_after_is_whole_seconds_rounded_up():
    verdict = judge(account_failures=ago(5, 4, 3, 2, 1), client_failures=[], limits=LIMITS, now=NOW,
                    fresh_start=None)
    assert retry_after_seconds(verdict, now=NOW) == 600
    assert retry_after_seconds(verdict, now=NOW + timedelta(seconds=599, microseconds=1)) == 1
    free = judge(account_failures=[], client_failures=[], limits=LIMITS, now=NOW, fresh_start=None)
    assert retry_after_seconds(free, now=NOW) == 0


@pytest.mark.parametrize(("moment", "shown"), [
    (datetime(2026, 12, 7, 9, 5, 59, tzinfo=UTC), "09:05 UTC"),
    (datetime(2026, 12, 7, 10, 5, tzinfo=timezone(timedelta(hours=1))), "09:05 UTC"),  # always said in UTC
])
def test_the_time_shown_is_utc_and_says_so(moment, shown):
    assert clock_time(moment) == shown
