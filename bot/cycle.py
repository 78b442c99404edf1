"""What one cycle reports, and what bounds it: a stop request, a deadline, a lease."""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class CycleReport:
    stored: int = 0
    duplicates: int = 0
    decided: Counter = field(default_factory=Counter)
    filed: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # replies refused for now, waiting for their next attempt
    posted: Counter = field(default_factory=Counter)  # postings by what the billing system answered
    confirmed: int = 0  # confirmations queued once the billing system showed their postings
    synced: int = 0  # ledger rows read from a billing system that keeps the ledger (Tryton)
    problems: list[str] = field(default_factory=list)  # e.g. unreadable ack lines, listed and skipped
    stopped: str = ""  # why a step stopped early ("stop requested", "deadline", "lease lost"), "" if it ran out of work
    # Told the running count after each message decided: how `run --once` shows progress on a
    # long backlog (a bar on a terminal, a line every N messages otherwise). Not part of the report.
    progress: Callable[[int], None] | None = field(default=None, repr=False, compare=False)

    def note_decided(self) -> None:
        if self.progress is not None:
            self.progress(sum(self.decided.values()))

    def summary(self) -> str:
        decided = ",".join(f"{k}={v}" for k, v in sorted(self.decided.items())) or "none"
        text = f"stored={self.stored} duplicates={self.duplicates} decided({decided}) filed={self.filed} sent={self.sent} failed={self.failed} deferred={self.deferred}"
        if self.posted or self.confirmed:  # only where a billing system other than builtin is at work
            posted = ",".join(f"{k}={v}" for k, v in sorted(self.posted.items())) or "none"
            text += f" posted({posted}) confirmed={self.confirmed}"
        if self.synced:
            text += f" synced={self.synced}"
        return text + (f" stopped={self.stopped}" if self.stopped else "")


@dataclass(frozen=True)
class LeaseTicket:
    """The lease a step must hold while it works: renewed in each of its transactions."""

    name: str
    holder: str
    ttl: timedelta


@dataclass
class Guard:
    """Checked between messages, never inside one: a job finishes the message in hand, then
    stops when asked to (SIGTERM), when its time is up (the job's hard timeout), or when it
    lost its lease. Without arguments it never stops anything (`run --once`)."""

    stop: threading.Event = field(default_factory=threading.Event)
    deadline: float | None = None  # a time.monotonic() value
    lease: LeaseTicket | None = None
    lease_renewed_at: datetime | None = None  # this step's last committed renewal

    @classmethod
    def for_job(cls, stop: threading.Event, *, timeout_seconds: float, lease: LeaseTicket | None = None) -> Guard:
        return cls(stop=stop, deadline=time.monotonic() + timeout_seconds, lease=lease)

    def lease_due(self, now: datetime) -> bool:
        """Whether the lease must be renewed with the next mailbox write. A live holder's lease
        is taken only once expired (at once only when its process has ended, see
        ledger/presence.py), so for a quarter of its time after a committed renewal it is still
        ours; renewing with every message cost a write per message."""
        if self.lease is None:
            return False
        return self.lease_renewed_at is None or not timedelta(0) <= now - self.lease_renewed_at < self.lease.ttl / 4

    def reason_to_stop(self) -> str:
        if self.stop.is_set():
            return "stop requested"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "deadline"
        return ""
