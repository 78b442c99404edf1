"""The auto-apply rate: of the requests decided on a day (ignored mail left out), the share
the bot applied by itself. A request a person approved after review is not the bot's, so it
counts as held. `decided_counts` is the one query; the rest is pure arithmetic."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, cast, func, literal_column
from sqlmodel import Session, col, select

from bot.ledger.tables import InboundMessage, ReviewItem

APPLIED = "applied"
APPLIED_AFTER_REVIEW = "applied_after_review"  # applied, but by a person working the queue
NOT_COUNTED = frozenset({"ignored", "received"})  # machine mail; not yet decided


@dataclass(frozen=True)
class DayRate:
    day: date
    applied: int  # by the bot itself
    decided: int  # every decided request except ignored ones

    @property
    def rate(self) -> float | None:
        """Applied ÷ decided, or None on a day without requests."""
        return self.applied / self.decided if self.decided else None


def last_days(today: date, n: int) -> list[date]:
    """The n days up to and including today, oldest first."""
    return [today - timedelta(days=n - 1 - i) for i in range(n)]


def daily_rates(days: Sequence[date], counts: Mapping[date, Mapping[str, int]]) -> list[DayRate]:
    """One DayRate per day, from counts of decided requests by status per day."""
    out = []
    for day in days:
        by_status = counts.get(day, {})
        decided = sum(n for status, n in by_status.items() if status not in NOT_COUNTED)
        out.append(DayRate(day=day, applied=by_status.get(APPLIED, 0), decided=decided))
    return out


def overall(rates: Sequence[DayRate]) -> DayRate | None:
    """The rate over a run of days (weighted by requests, not an average of daily rates);
    None for no days. Its `day` is the last day."""
    if not rates:
        return None
    return DayRate(day=rates[-1].day, applied=sum(r.applied for r in rates), decided=sum(r.decided for r in rates))


def decided_counts(session: Session, *, since: date) -> dict[date, dict[str, int]]:
    """Requests decided from `since` (00:00 UTC) on, by UTC day and status. An applied request
    that has a review item was applied by a person: it counts as APPLIED_AFTER_REVIEW."""
    day = _utc_day(session, col(InboundMessage.decided_at))
    unreviewed = col(ReviewItem.id).is_(None)  # no parameters: the same text in SELECT and GROUP BY
    stmt = (select(day, InboundMessage.status, unreviewed, func.count())
            .select_from(InboundMessage)
            .outerjoin(ReviewItem, col(ReviewItem.inbound_id) == col(InboundMessage.id))
            .where(col(InboundMessage.decided_at) >= datetime.combine(since, time(0), tzinfo=UTC))
            .group_by(day, InboundMessage.status, unreviewed))
    out: dict[date, dict[str, int]] = {}
    for raw_day, status, was_unreviewed, n in session.exec(stmt).all():
        key = APPLIED_AFTER_REVIEW if status == APPLIED and not was_unreviewed else status
        by_status = out.setdefault(_as_date(raw_day), {})
        by_status[key] = by_status.get(key, 0) + n
    return out


def _utc_day(session: Session, column):
    """The UTC calendar day of a timestamp column. PostgreSQL keeps time zones (so ask for
    UTC); SQLite stores UTC text, whose first ten characters are the day."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal_column("'UTC'"), column), Date)  # literal: same text in GROUP BY
    return func.date(column)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
