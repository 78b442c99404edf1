"""Database leases: one holder at a time per name until the lease expires.

The mailbox intake runs under a lease, so several worker processes (a scaled Procfile
`worker`) never read the same folder at once; a holder that dies simply lets the lease
expire. A holder renews in the same transaction as a message it stores, at least every
quarter of the lease's time (`Guard.lease_due`), so one that lost its lease stores nothing
more (the renewal fails and its transaction is rolled back)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.ledger.tables import Lease


def acquire_lease(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """True when `holder` now holds the lease: it was free, expired, or already its own."""
    if renew_lease(session, name=name, holder=holder, now=now, ttl=ttl):
        return True
    taken = session.execute(
        update(Lease).where(Lease.name == name, Lease.expires_at <= now)  # expired: as lease_holder and release_lease see it
        .values(holder=holder, expires_at=now + ttl, acquired_at=now)
    ).rowcount
    if taken:
        return True
    if session.get(Lease, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=now + ttl, acquired_at=now))
        return True
    except IntegrityError:  # another process created it first
        return False


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
