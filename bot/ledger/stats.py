"""Figures about the queue, the outbox and today's outcomes: for `allocbot status` and the
daily digest. Counting queries only; nothing here writes."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.ledger import postings
from bot.ledger.tables import InboundMessage, OutboundMessage, ReviewItem
from bot.ledger.threads import OPEN_ITEM
from bot.posting.states import open_states


@dataclass(frozen=True)
class QueueStats:
    open_items: dict[str, int]  # open review items by the request's status (review, needs_info, error)
    oldest_open_at: datetime | None
    waiting: int  # stored, not yet decided
    unfiled: int  # decided, mailbox not yet told
    outbox_pending: int
    outbox_deferred: int  # pending after a transient refusal
    outbox_failed: int
    oldest_pending_at: datetime | None
    decided_today: dict[str, int] = field(default_factory=dict)  # status → count since 00:00 UTC
    postings_waiting: int = 0  # posted to the billing system, not yet reflected (pending or delivered)
    postings_overdue: int = 0  # of those, older than billing_overdue_hours

    @property
    def queue_size(self) -> int:
        return sum(self.open_items.values())


AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("under 1 day", timedelta(days=1)), ("1–3 days", timedelta(days=3)), ("3–7 days", timedelta(days=7)),
    ("over 7 days", None),
)


def age_histogram(created: list[datetime], *, now: datetime) -> dict[str, int]:
    """Open items per age bucket (every bucket present, in order), for the queue's age chart."""
    out = {label: 0 for label, _ in AGE_BUCKETS}
    for at in created:
        age = now - at
        label = next(label for label, limit in AGE_BUCKETS if limit is None or age < limit)
        out[label] += 1
    return out


def open_created(session: Session) -> list[datetime]:
    return list(session.exec(select(ReviewItem.created_at).where(ReviewItem.status == "open")).all())


def waiting_for_partner(session: Session) -> int:
    """Items whose question went out: `waiting` ones, and open needs_info ones whose needs_info
    mail was sent (a question written by the bot itself leaves the item open)."""
    waiting = session.exec(select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "waiting")).one()
    asked = (select(OutboundMessage.inbound_id).where(OutboundMessage.kind == "needs_info",
                                                      OutboundMessage.status == "sent"))
    open_asked = session.exec(
        select(func.count()).select_from(ReviewItem)
        .join(InboundMessage, col(InboundMessage.id) == col(ReviewItem.inbound_id))
        .where(ReviewItem.status == "open", InboundMessage.status == "needs_info",
               col(ReviewItem.inbound_id).in_(asked))).one()
    return waiting + open_asked


def start_of_day(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


def queue_stats(session: Session, *, now: datetime, overdue_after: timedelta = timedelta(hours=24)) -> QueueStats:
    open_items = dict(session.exec(
        select(InboundMessage.status, func.count()).join(ReviewItem, col(ReviewItem.inbound_id) == col(InboundMessage.id))
        .where(col(ReviewItem.status).in_(OPEN_ITEM)).group_by(InboundMessage.status)).all())  # waiting ones too
    oldest_open = session.exec(select(func.min(ReviewItem.created_at)).where(col(ReviewItem.status).in_(OPEN_ITEM))).one()
    waiting = session.exec(select(func.count()).select_from(InboundMessage).where(InboundMessage.status == "received")).one()
    unfiled = session.exec(select(func.count()).select_from(InboundMessage)
                           .where(col(InboundMessage.filed_at).is_(None), InboundMessage.status != "received")).one()
    outbox = dict(session.exec(select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)).all())
    deferred = session.exec(select(func.count()).select_from(OutboundMessage)
                            .where(OutboundMessage.status == "pending", col(OutboundMessage.next_attempt_at).is_not(None))).one()
    oldest_pending = session.exec(select(func.min(OutboundMessage.created_at)).where(OutboundMessage.status == "pending")).one()
    today = dict(session.exec(select(InboundMessage.status, func.count())
                              .where(col(InboundMessage.decided_at) >= start_of_day(now)).group_by(InboundMessage.status)).all())
    return QueueStats(open_items=open_items, oldest_open_at=oldest_open, waiting=waiting, unfiled=unfiled,
                      outbox_pending=outbox.get("pending", 0) + outbox.get("sending", 0), outbox_deferred=deferred,
                      outbox_failed=outbox.get("failed", 0), oldest_pending_at=oldest_pending, decided_today=today,
                      postings_waiting=sum(n for state, n in postings.counts(session).items() if state in open_states()),
                      postings_overdue=postings.overdue(session, now=now, after=overdue_after, limit=0)[0])
