"""When to try again: a pure policy, used for SMTP retries and IMAP reconnects alike."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: `base * factor**(attempt-1)`, capped, with optional jitter.

    `attempt` counts failures so far (1 after the first). Jitter spreads several workers
    that failed together, so they do not all knock at the same second; it only ever
    shortens the wait (by up to `jitter` of it), so `cap` stays a true upper bound."""

    base: float = 30.0
    factor: float = 2.0
    cap: float = 3600.0
    jitter: float = 0.0

    def seconds(self, attempt: int, *, rand: float | None = None) -> float:
        if attempt <= 0:
            return 0.0
        delay = min(self.cap, self.base * self.factor ** min(attempt - 1, 64))
        if self.jitter:
            r = random.random() if rand is None else rand
            delay *= 1.0 - self.jitter * r
        return delay

    def delay(self, attempt: int, *, rand: float | None = None) -> timedelta:
        return timedelta(seconds=self.seconds(attempt, rand=rand))


@dataclass(frozen=True)
class RetryPlan:
    """When a refused reply is tried again, and when to stop trying: a transient refusal
    (4xx, no connection) waits `backoff` after each attempt; once the reply has waited
    `give_up_after` since it was queued, it is failed so operations see it."""

    backoff: Backoff
    give_up_after: timedelta

    def next_attempt(self, *, attempts: int, queued_at: datetime, now: datetime) -> datetime | None:
        """The time of the next try after `attempts` failed ones, or None to give up."""
        if now - queued_at >= self.give_up_after:
            return None
        return now + self.backoff.delay(attempts)


@dataclass(frozen=True)
class AttemptCap:
    """How often one piece of work may fail before a person sees it: deciding a message that
    keeps failing on a database error (a statement the database refuses for this message
    alone looks like an outage) was retried every cycle for ever; after `attempts` failures
    it is held for review instead, with the error."""

    attempts: int

    def exhausted(self, failures: int) -> bool:
        return failures >= self.attempts
