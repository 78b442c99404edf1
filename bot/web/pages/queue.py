"""The exception queue: every review and needs_info request, filtered, searched, counted per
reason and paged by keyset. Every filter is a GET parameter, so a view can be bookmarked."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.ledger.keyset import Cursor
from bot.ledger.queue_queries import AGE_CHOICES, ITEM_STATUSES, QueueFilter, queue_page, reason_counts
from bot.web.deps import WebUser, current_user, db, get_app
from bot.web.render import page

router = APIRouter()

_REASON = re.compile(r"[a-z][a-z_]{0,63}")


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, status: str = "active", reason: str = "", account: str = "", older_than: str = "",
          q: str = "", sort: str = "newest", after: str = "", before: str = "",
          user: WebUser = Depends(current_user), session: Session = Depends(db)) -> HTMLResponse:
    app = get_app(request)
    now = app.clock()
    filters = read_filters(status=status, reason=reason, account=account, older_than=older_than, q=q, sort=sort)
    rows = queue_page(session, filters=filters, now=now, size=app.settings.web_page_size,
                      after=Cursor.parse(after), before=Cursor.parse(before))
    counts = reason_counts(session, filters=filters, now=now)
    return page(request, "queue.html", user=user, now=now, filters=filters, page_rows=rows, counts=counts,
                statuses=list(ITEM_STATUSES), ages=AGE_CHOICES, link=lambda **changes: queue_link(filters, **changes),
                paged=bool(after or before))


def read_filters(*, status: str, reason: str, account: str, older_than: str, q: str, sort: str) -> QueueFilter:
    """The filter a query string asks for; anything unrecognised means "any"."""
    reason = reason.strip()
    days = int(older_than) if re.fullmatch(r"\d{1,4}", older_than.strip()) else 0
    return QueueFilter(status=status if status in ITEM_STATUSES else "active",
                       reason=reason if _REASON.fullmatch(reason) else "",
                       account=account.strip()[:64], older_than=min(days, 36500), q=q.strip()[:200],
                       oldest_first=sort == "oldest")


def queue_link(filters: QueueFilter, **changes: object) -> str:
    """/queue with this filter, some values changed (paging cursors are dropped unless given)."""
    params: dict[str, object] = {"status": filters.status, "reason": filters.reason, "account": filters.account,
                                 "older_than": filters.older_than or "", "q": filters.q,
                                 "sort": "oldest" if filters.oldest_first else ""}
    params.update(changes)
    defaults = {"status": "active"}
    kept = {k: v for k, v in params.items() if v not in ("", None) and defaults.get(k) != v}
    return "/queue" + (f"?{urlencode(kept)}" if kept else "")
