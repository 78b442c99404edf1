"""When failed sign-ins lock an account or a client: plain values in, plain values out, so the
rules can be read and tested without a database or a clock.

Two limits, counted apart over the same sliding window:

- per account (the e-mail as typed, known or not, so the answer never says whether a user
  exists): a person's own wrong passwords lock that account only. A fresh start (a
  successful sign-in, or an administrator's unlock) wipes the slate: failures at or before
  it no longer count.
- per client address: set several times higher, so one colleague's typos never lock the
  others behind the same office address out, while one client trying many addresses (a
  spray) is still stopped.

A lock lasts until enough of the failures behind it have left the window for the count to
drop below the limit: with failures f1 <= … <= fn in the window and a limit L, that is
f(n-L+1) + window, the L-th most recent failure plus the window. Blocked attempts are not
failures, so the time does not move while the lock holds."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_client: int
    window: timedelta = WINDOW


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    by: str  # "" (not blocked), "email" or "client"
    until: datetime | None  # when the block (the later one, if both hold) ends
    account_until: datetime | None
    client_until: datetime | None


def locked_until(failures: Sequence[datetime], *, limit: int, now: datetime, window: timedelta = WINDOW,
                 fresh_start: datetime | None = None) -> datetime | None:
    """When the lock made by these failure times ends, or None when they make none (now).

    The most recent `limit` failures are enough to decide (older ones never change the
    answer), which is what lets a caller read no more than that many rows under a flood."""
    since = now - window
    counted = sorted(at for at in failures if at >= since and (fresh_start is None or at > fresh_start))
    if len(counted) < limit:
        return None
    until = counted[-limit] + window
    return until if until > now else None


def judge(*, account_failures: Sequence[datetime], client_failures: Sequence[datetime], limits: Limits,
          now: datetime, fresh_start: datetime | None) -> Verdict:
    """Whether a sign-in may be tried now, given the account's and the client's failures.
    The account's lock is named first: it is the one the person typing can do something about."""
    account = locked_until(account_failures, limit=limits.per_account, now=now, window=limits.window,
                           fresh_start=fresh_start)
    client = locked_until(client_failures, limit=limits.per_client, now=now, window=limits.window)
    by = "email" if account else "client" if client else ""
    ends = [t for t in (account, client) if t is not None]
    return Verdict(blocked=bool(by), by=by, until=max(ends) if ends else None, account_until=account,
                   client_until=client)


def retry_after_seconds(verdict: Verdict, *, now: datetime) -> int:
    """Whole seconds until the block ends (rounded up, at least 1), for the Retry-After header."""
    if verdict.until is None:
        return 0
    remaining = (verdict.until - now).total_seconds()
    return max(1, int(-(-remaining // 1)))


def clock_time(moment: datetime) -> str:
    """"14:05 UTC": the time a block ends as the login page shows it, always in UTC (the server's
    zone could differ from the reader's and from other web instances')."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%H:%M} UTC"


__all__ = ["WINDOW", "Limits", "Verdict", "clock_time", "judge", "locked_until", "retry_after_seconds"]
