"""The dashboard: today's outcomes, the queue, and the auto-apply rate over 7 and 30 days."""
from __future__ import annotations

from datetime import UTC, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.ledger.queue_queries import item_status_counts, oldest_open_item
from bot.ledger.rates import daily_rates, decided_counts, last_days, overall
from bot.ledger.stats import queue_stats
from bot.web.deps import WebUser, current_user, db, get_app
from bot.web.render import page

router = APIRouter()

CHART_DAYS, RECENT_DAYS = 30, 7


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: WebUser = Depends(current_user), session: Session = Depends(db)) -> HTMLResponse:
    now = get_app(request).clock()
    days = last_days(now.astimezone(UTC).date(), CHART_DAYS)
    daily = daily_rates(days, decided_counts(session, since=days[0]))
    return page(request, "dashboard.html", user=user, now=now, stats=queue_stats(session, now=now, overdue_after=timedelta(
                    hours=get_app(request).settings.billing_overdue_hours)),
                oldest=oldest_open_item(session), waiting=item_status_counts(session).get("waiting", 0),
                daily=daily, recent_days=RECENT_DAYS, rate_recent=overall(daily[-RECENT_DAYS:]), rate_all=overall(daily))
