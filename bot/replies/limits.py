"""Limits against floods and bounces (promise 4): values in, decision out; no I/O, no clock.

The callers count with indexed queries and pass the numbers in:

- **Per sender.** A request is held for `review` with reason `rate_limited` (and no reply)
  when the same sender (the lower-cased address in From) sent `requests_per_sender_hour` or
  more *earlier* requests within the hour before it arrived. Earlier means stored before it
  (a lower id), so the first `requests_per_sender_hour` of a flood are decided normally
  whatever order workers decide them in. Machine mail (`ignored`) does not count; held
  requests do, so a sender who keeps flooding stays held.
- **Per recipient.** No reply is queued to an address that already has
  `replies_per_address_hour` replies queued within the last hour (any kind, any status).
- **Bounces.** No reply is queued to an address whose last `bounce_threshold` replies that
  left the outbox all bounced. A reply to it that was delivered since (one a person sent,
  say) ends the run, and the bot answers that address again.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)

# Outbox statuses of a reply that left the outbox: delivered (as far as we know) or bounced since.
LEFT_OUTBOX = ("sent", "bounced")


def window_start(moment: datetime) -> datetime:
    """The start of the hour-long window that ends at `moment`."""
    return moment - WINDOW


def sender_over_limit(*, earlier_requests: int, per_hour: int) -> bool:
    """True when a request must be held: `earlier_requests` from its sender within the hour
    before it already reach the limit."""
    return earlier_requests >= per_hour


def replies_stopped(recent_statuses: Sequence[str], *, bounce_threshold: int) -> bool:
    """True when the newest `bounce_threshold` replies that left the outbox to one address
    (statuses newest first) all bounced."""
    newest = list(recent_statuses)[:bounce_threshold]
    return len(newest) >= bounce_threshold and all(status == "bounced" for status in newest)


@dataclass(frozen=True)
class Refusal:
    """Why no reply may be queued to an address: `reason` is "bounce_threshold" or "rate_limited"."""

    reason: str
    detail: str


def reply_refusal(*, replies_last_hour: int, per_hour: int, recent_statuses: Sequence[str],
                  bounce_threshold: int) -> Refusal | None:
    """None when a reply to the address may be queued; otherwise why not (bounces first:
    they do not pass with the hour)."""
    if replies_stopped(recent_statuses, bounce_threshold=bounce_threshold):
        return Refusal("bounce_threshold", f"the last {bounce_threshold} replies to this address bounced")
    if replies_last_hour >= per_hour:
        return Refusal("rate_limited", f"{replies_last_hour} replies to this address within the last hour; "
                                       f"the limit is {per_hour}")
    return None
