"""Billing: search accounts, invoices and payments; one account's billing view (open
invoices, payments with their unallocated section, allocation history with the requests that
caused it). Viewers and billing admins both read; nothing here writes."""
from __future__ import annotations

import re

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from bot.ledger import billing_queries as bq
from bot.ledger.tables import InboundMessage
from bot.web.deps import WebUser, current_user, db, get_app
from bot.web.render import page

router = APIRouter()


def account_url(account_id: str, anchor: str = "", **params: str | None) -> str:
    """A link to an account page, keeping only the paging parameters that are set."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/billing/{quote(account_id, safe='')}" + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def request_hit(session: Session, *, q: str) -> InboundMessage | None:
    """The request a search names by case reference (ALC-000123) or Message-ID: every request
    has a page, also one the bot applied on its own."""
    if (m := re.fullmatch(r"(?i)ALC-(\d{1,12})", q)) is not None:
        return session.get(InboundMessage, int(m.group(1)))
    if "@" in q and len(q) <= 998:
        wanted = q if q.startswith("<") else f"<{q}>"
        return session.exec(select(InboundMessage).where(InboundMessage.message_id == wanted).limit(1)).first()
    return None


@router.get("/billing", response_class=HTMLResponse)
def billing_search(request: Request, q: str = "", after: str = "", user: WebUser = Depends(current_user),
                   session: Session = Depends(db)) -> HTMLResponse:
    q = q.strip()[:200]
    if q:
        results = bq.search(session, q=q)
        return page(request, "billing.html", user=user, q=q, results=results, account_url=account_url,
                    request_hit=request_hit(session, q=q))
    summaries, next_after = bq.accounts_page(session, after=after or None, limit=get_app(request).settings.web_page_size)
    return page(request, "billing.html", user=user, q="", results=None, accounts=summaries, after=after,
                next_url=f"/billing?{urlencode({'after': next_after})}" if next_after else None, account_url=account_url)


@router.get("/billing/{account_id}", response_class=HTMLResponse)
def account_view(request: Request, account_id: str, inv_from: str = "", pay_from: str = "", hist_before: str = "",
                 user: WebUser = Depends(current_user), session: Session = Depends(db)) -> HTMLResponse:
    app = get_app(request)
    before = int(hist_before) if re.fullmatch(r"\d{1,9}", hist_before) else None
    data = bq.account_page(session, account_id=account_id, invoices_from=bq.decode_cursor(inv_from),
                           payments_from=bq.decode_cursor(pay_from), history_before=before,
                           history_limit=app.settings.web_page_size)
    if data is None:
        raise HTTPException(status_code=404, detail=f"There is no account {account_id}.")
    here = {"inv_from": inv_from, "pay_from": pay_from, "hist_before": hist_before}

    def link(anchor: str, **changes: str | None) -> str:
        return account_url(account_id, anchor, **{**here, **changes})

    links = {
        "inv_next": link("invoices", inv_from=data.invoices.next_cursor) if data.invoices.next_cursor else None,
        "inv_first": link("invoices", inv_from=None) if data.invoices.paged else None,
        "pay_next": link("payments", pay_from=data.payments.next_cursor) if data.payments.next_cursor else None,
        "pay_first": link("payments", pay_from=None) if data.payments.paged else None,
        "hist_next": link("history", hist_before=data.history.next_cursor) if data.history.next_cursor else None,
        "hist_first": link("history", hist_before=None) if data.history.paged else None,
    }
    return page(request, "account.html", user=user, data=data, account=data.account, today=app.clock().date(),
                links=links)
