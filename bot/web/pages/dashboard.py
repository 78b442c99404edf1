"""The dashboard: today's outcomes, the queue, and the auto-apply rate."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.ledger.stats import queue_stats
from bot.web.deps import WebUser, current_user, db, get_app
from bot.web.render import page

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: WebUser = Depends(current_user), session: Session = Depends(db)) -> HTMLResponse:
    stats = queue_stats(session, now=get_app(request).clock())
    return page(request, "dashboard.html", user=user, stats=stats)
