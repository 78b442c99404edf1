"""Failed sign-ins, read from and written to the audit log, so that nobody can guess passwords
and nobody is locked out by someone else's typos (the rules: bot/ledger/signin_rules.py).

The counts come from the audit log itself (the `sign_in_failed` events the sign-in page
records, read through the index on auditevent(action, at)), so every web instance sees the
same counts and nothing else has to be stored:

- per e-mail address, as typed (trimmed, lower case), known or not, against
  `sign_in_attempts_per_15min`; failures at or before that address's last successful
  sign-in, or its last `sign_in_unlocked` (`allocbot users unlock` / `set-password`), do
  not count;
- per client address (an IPv6 client by its /64, which one machine usually holds whole),
  against the higher `sign_in_attempts_per_ip_15min`.

No more than the limit's worth of rows is read for either count, however many failures a
flood has left. A blocked attempt is refused without looking at the password (a correct
password during the block says nothing), is audited as `sign_in_blocked` and does not count
itself. Keyword arguments only; nothing here commits."""
from __future__ import annotations

import ipaddress
import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.ledger import journal
from bot.ledger.signin_rules import WINDOW, Limits, Verdict, judge, locked_until
from bot.ledger.tables import AuditEvent

FAILED, BLOCKED, SIGNED_IN, UNLOCKED = "sign_in_failed", "sign_in_blocked", "signed_in", "sign_in_unlocked"
MAX_ACTOR = 320


def actor_for(email: str) -> str:
    """How a typed e-mail is recorded and counted: trimmed, lower case, "(empty)" for none."""
    return email.strip().lower()[:MAX_ACTOR] or "(empty)"


def client_key(host: str | None) -> str:
    """The address a client is counted by: an IPv4 address as it is, an IPv6 address by its
    /64 network (an IPv4-mapped one as the IPv4 address); anything else as given."""
    host = (host or "").strip()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _json(detail: dict) -> str:
    # exactly what journal.audit stores for this detail, so a count can match it
    return json.dumps(detail, ensure_ascii=False, default=str)


def check(session: Session, *, email: str, client: str, limits: Limits, now: datetime) -> Verdict:
    """Whether a sign-in for `email` from `client` (a `client_key`) may be tried now."""
    actor = actor_for(email)
    by_account = AuditEvent.actor == actor
    by_client = AuditEvent.detail == _json({"client": client})
    return judge(account_failures=_recent(session, limit=limits.per_account, now=now, where=by_account),
                 client_failures=_recent(session, limit=limits.per_client, now=now, where=by_client),
                 limits=limits, now=now, fresh_start=_fresh_start(session, actor=actor, now=now))


def account_locked_until(session: Session, *, email: str, limit: int, now: datetime) -> datetime | None:
    """When this address's own lock ends (None: not locked), whatever the clients' counts."""
    actor = actor_for(email)
    failures = _recent(session, limit=limit, now=now, where=AuditEvent.actor == actor)
    fresh_start = _fresh_start(session, actor=actor, now=now)
    return locked_until(failures, limit=limit, now=now, fresh_start=fresh_start)


def _recent(session: Session, *, limit: int, now: datetime, where) -> list[datetime]:
    """The times of the latest `limit` failures in the window: all the rules need."""
    return list(session.exec(select(AuditEvent.at).where(
        AuditEvent.action == FAILED, col(AuditEvent.at) >= now - WINDOW, where)
        .order_by(col(AuditEvent.at).desc()).limit(limit)).all())


def _fresh_start(session: Session, *, actor: str, now: datetime) -> datetime | None:
    """The address's last successful sign-in or unlock within the window (older ones change nothing)."""
    since = now - WINDOW
    signed_in = session.exec(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == SIGNED_IN, AuditEvent.actor == actor, col(AuditEvent.at) >= since)).one()
    unlocked = session.exec(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == UNLOCKED, AuditEvent.detail == _json({"email": actor}),
        col(AuditEvent.at) >= since)).one()
    starts = [t for t in (signed_in, unlocked) if t is not None]
    return max(starts) if starts else None


def record_failure(session: Session, *, email: str, client: str, now: datetime) -> None:
    journal.audit(session, actor=actor_for(email), action=FAILED, inbound_id=None, detail={"client": client},
                  now=now)


def record_blocked(session: Session, *, email: str, client: str, verdict: Verdict, now: datetime) -> None:
    journal.audit(session, actor=actor_for(email), action=BLOCKED, inbound_id=None,
                  detail={"client": client, "limited_by": verdict.by, "until": verdict.until,
                          "window_minutes": int(WINDOW.total_seconds() // 60)}, now=now)


def record_unlock(session: Session, *, email: str, by: str, now: datetime) -> None:
    """A fresh start for this address: its failures so far stop counting. `by` is who did it."""
    journal.audit(session, actor=by, action=UNLOCKED, inbound_id=None, detail={"email": actor_for(email)},
                  now=now)


__all__ = ["BLOCKED", "FAILED", "UNLOCKED", "WINDOW", "Limits", "Verdict", "account_locked_until",
           "actor_for", "check", "client_key", "record_blocked", "record_failure", "record_unlock"]
