"""The daily digest for billing operations: queue size, oldest item, today's outcomes.

Queued in the outbox like any reply, under a Message-ID made from the day and the
recipient: a second worker, or a restart on the same day, finds it queued and adds nothing."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.ledger import journal
from bot.ledger.stats import QueueStats, queue_stats
from bot.replies.compose import compose_reply, new_message_id
from bot.replies.render import ReplyContent, render_text
from bot.settings import Settings


def render_digest(stats: QueueStats, *, day: date, now: datetime, templates_dir) -> ReplyContent:
    def since(moment: datetime) -> str:
        hours = (now - moment).total_seconds() / 3600
        return f"{moment:%Y-%m-%d %H:%M} UTC ({hours / 24:.1f} days)" if hours >= 48 else f"{moment:%Y-%m-%d %H:%M} UTC ({hours:.1f} hours)"

    subject, body = render_text(templates_dir, "en/digest.txt", stats=stats, day=day.isoformat(), since=since)
    return ReplyContent(subject=subject, body=body, locale="en")


def digest_message_id(settings: Settings, *, day: date, recipient: str) -> str:
    return new_message_id(settings.from_address, f"allocbot.digest.{day.isoformat()}.{recipient}")


def queue_digest(session: Session, *, settings: Settings, templates_dir, now: datetime) -> int:
    """Queue today's digest for each recipient not yet sent one today; returns how many were queued."""
    day = now.date()
    content = render_digest(queue_stats(session, now=now, overdue_after=timedelta(hours=settings.billing_overdue_hours)), day=day, now=now, templates_dir=templates_dir)
    queued = 0
    for recipient in settings.digest_to:
        message_id = digest_message_id(settings, day=day, recipient=recipient)
        raw = compose_reply(content, to_addr=recipient, to_name="", from_addr=settings.from_address, from_name=settings.from_name,
                            in_reply_to="", references=(), message_id=message_id, loop_header=settings.loop_header,
                            date=now, auto_submitted="auto-generated")
        try:
            with session.begin_nested():
                journal.queue_outbound(session, inbound_id=None, kind="digest", to_addr=recipient, message_id=message_id, raw=raw, now=now)
            queued += 1
        except IntegrityError:  # already queued today (another worker, or a restart)
            continue
    return queued
