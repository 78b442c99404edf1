"""Database leases: one holder at a time per name until the lease expires or its holder ends.

The mailbox intake runs under a lease, so several worker processes (a scaled Procfile
`worker`) never read the same folder at once. A holder whose process has ended (SIGKILL, an
OOM kill; told by `holder_gone`, see presence.py) is taken over at once; a holder whose end
cannot be seen from here lets the lease expire. A holder renews in the same transaction as a message it stores, at least every
quarter of the lease's time (`Guard.lease_due`), so one that lost its lease stores nothing
more (the renewal fails and its transaction is rolled back)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.ledger.tables import Lease


def _never_gone(_holder: str) -> bool:
    return False


def acquire_lease(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta,
                  holder_gone: Callable[[str], bool] = _never_gone) -> bool:
    """True when `holder` now holds the lease: it was free, expired, its holder's process has
    ended (`holder_gone`), or it was already its own."""
    if renew_lease(session, name=name, holder=holder, now=now, ttl=ttl):
        return True
    if _take(session, Lease.expires_at <= now, name=name, holder=holder, now=now, ttl=ttl):  # as lease_holder sees it
        return True
    row = session.get(Lease, name)
    if row is not None:
        other = row.holder
        # conditional on the holder seen: of several takers only one gets it
        return holder_gone(other) and _take(session, Lease.holder == other, name=name, holder=holder, now=now, ttl=ttl)
    try:
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=now + ttl, acquired_at=now))
        return True
    except IntegrityError:  # another process created it first
        return False


def _take(session: Session, condition, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    return bool(session.execute(
        update(Lease).where(Lease.name == name, condition).values(holder=holder, expires_at=now + ttl, acquired_at=now)
    ).rowcount)


def renew_lease(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend the lease if `holder` still holds it (even just expired, as long as nobody took it)."""
    return bool(session.execute(
        update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=now + ttl)
    ).rowcount)


def release_lease(session: Session, *, name: str, holder: str, now: datetime) -> None:
    session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=now))


def lease_holder(session: Session, *, name: str, now: datetime) -> tuple[str, datetime] | None:
    row = session.get(Lease, name)
    return (row.holder, row.expires_at) if row is not None and row.expires_at > now else None
