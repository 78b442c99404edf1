"""Failed sign-ins, counted in a sliding window, so that nobody can guess passwords.

The count comes from the audit log itself (the `sign_in_failed` events the sign-in page
records, read through the index on auditevent(action, at)), so every web instance sees the
same count and nothing else has to be stored. Two counts, each over the last 15 minutes:

- per e-mail address, as typed (trimmed, lower case) — known or not, so the answer never
  says whether a user exists; failures before that user's last successful sign-in do not
  count, so someone who got in after a typo starts afresh;
- per client address (an IPv6 client by its /64, which one machine usually holds whole),
  so one client cannot try one password against many e-mail addresses either.

When either count has reached `sign_in_attempts_per_15min`, the attempt is refused without
looking at the password, so a correct password during the block says nothing. Blocked
attempts are audited as `sign_in_blocked` and do not count themselves. Keyword arguments
only; nothing here commits."""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.ledger import journal
from bot.ledger.tables import AuditEvent

WINDOW = timedelta(minutes=15)
FAILED, BLOCKED, SIGNED_IN = "sign_in_failed", "sign_in_blocked", "signed_in"
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


def _detail(client: str) -> str:
    # exactly what journal.audit stores for {"client": client}, so the count can match it
    return json.dumps({"client": client}, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    by: str  # "" (not blocked), "email" or "client"
    email_failures: int
    client_failures: int


def check(session: Session, *, email: str, client: str, limit: int, now: datetime) -> Verdict:
    """Whether a sign-in for `email` from `client` (a `client_key`) may be tried now."""
    since = now - WINDOW
    actor = actor_for(email)
    last_success = session.exec(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == SIGNED_IN, AuditEvent.actor == actor, col(AuditEvent.at) >= since)).one()
    email_since = max(since, last_success) if last_success is not None else since
    email_failures = _count(session, since=email_since, strictly_after=last_success is not None,
                            where=AuditEvent.actor == actor)
    client_failures = _count(session, since=since, strictly_after=False, where=AuditEvent.detail == _detail(client))
    by = "email" if email_failures >= limit else "client" if client_failures >= limit else ""
    return Verdict(blocked=bool(by), by=by, email_failures=email_failures, client_failures=client_failures)


def _count(session: Session, *, since: datetime, strictly_after: bool, where) -> int:
    moment = col(AuditEvent.at) > since if strictly_after else col(AuditEvent.at) >= since
    return session.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == FAILED, moment, where)).one()


def record_failure(session: Session, *, email: str, client: str, now: datetime) -> None:
    journal.audit(session, actor=actor_for(email), action=FAILED, inbound_id=None, detail={"client": client}, now=now)


def record_blocked(session: Session, *, email: str, client: str, verdict: Verdict, now: datetime) -> None:
    journal.audit(session, actor=actor_for(email), action=BLOCKED, inbound_id=None,
                  detail={"client": client, "limited_by": verdict.by, "window_minutes": int(WINDOW.total_seconds() // 60)},
                  now=now)


__all__ = ["BLOCKED", "FAILED", "WINDOW", "Verdict", "actor_for", "check", "client_key", "record_blocked", "record_failure"]
