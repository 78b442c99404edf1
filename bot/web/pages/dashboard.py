"""The dashboard: today's outcomes, the queue, and the auto-apply rate over 7 and 30 days."""
from __future__ import annotations

from datetime import UTC, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.ledger.queue_queries import oldest_open_item
from bot.ledger.rates import daily_rates, decided_counts, last_days, overall
from bot.ledger.stats import age_histogram, open_created, queue_stats, waiting_for_partner
from bot.web.charts import Bar, bar_chart
from bot.web.deps import WebUser, current_user, db, get_app
from bot.web.render import page

router = APIRouter()

CHART_DAYS, RECENT_DAYS, CHART_WEEK = 30, 7, 14
OUTCOMES = ("applied", "applied_after_review", "review", "needs_info", "error")


def outcomes_chart(days, counts) -> object:
    """Requests decided per day, stacked by outcome (ignored mail left out, as in the rate)."""
    bars = [Bar(day.strftime("%m-%d"), tuple((o, counts.get(day, {}).get(o, 0)) for o in OUTCOMES)) for day in days]
    return bar_chart(bars, title=f"Outcomes per day over the last {len(days)} days", css_class="outcomes-chart",
                     step=40, label_every=2)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: WebUser = Depends(current_user), session: Session = Depends(db)) -> HTMLResponse:
    now = get_app(request).clock()
    days = last_days(now.astimezone(UTC).date(), CHART_DAYS)
    counts = decided_counts(session, since=days[0])
    daily = daily_rates(days, counts)
    return page(request, "dashboard.html", user=user, now=now, stats=queue_stats(session, now=now, overdue_after=timedelta(
                    hours=get_app(request).settings.billing_overdue_hours)),
                oldest=oldest_open_item(session), waiting=waiting_for_partner(session),
                outcomes_chart=outcomes_chart(days[-CHART_WEEK:], counts),
                age_chart=bar_chart([Bar(label, (("open", n),)) for label, n in
                                     age_histogram(open_created(session), now=now).items()],
                                    title="Open items by age", css_class="age-chart", step=70),
                daily=daily, recent_days=RECENT_DAYS, rate_recent=overall(daily[-RECENT_DAYS:]), rate_all=overall(daily))
