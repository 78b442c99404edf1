"""Every request has a page: the mail as safe text, the bot's outcome and reasons, the
allocations it caused (with Undo for billing admins) and its review item, if it had one.
The billing view links each allocation here; an auto-applied request has no queue item.

Thin: reads from bot/review/queries.py, the undo from bot/review/undo.py (one transaction
there). A refused undo shows the page again with the reason (422/409); viewers can't act."""
from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from bot.ledger.tables import InboundMessage
from bot.model import minor_unit
from bot.review import queries
from bot.review.item_view import mail_view
from bot.review.proposal import parse_evidence
from bot.review.replying import read_original, reasons_of
from bot.review.undo import undo_allocation
from bot.web.deps import WebUser, acting_user, current_user, db, get_app
from bot.web.render import page
from bot.web.security import require_csrf

router = APIRouter()


def allocation_rows(session: Session, *, inbound_id: int) -> list[dict]:
    """The request's allocations as the page and the undo partial show them."""
    allocations = queries.request_allocations(session, inbound_id=inbound_id)
    reversals = queries.reversing(session, allocation_ids=[a.id for a in allocations])
    return [{"id": a.id, "payment_id": a.payment_id, "invoice_number": a.invoice_number,
             "amount": a.amount_minor * minor_unit(a.currency), "currency": a.currency, "created_by": a.created_by,
             "created_at": a.created_at, "released": a.released_at is not None, "release_reason": a.release_reason,
             "reversal": reversals.get(a.id)} for a in allocations]


def _show(request: Request, session: Session, user: WebUser, inbound_id: int, *, status_code: int = 200,
          error: str = "", done: str = "", form: FormData | None = None) -> HTMLResponse:
    inbound = session.get(InboundMessage, inbound_id)
    if inbound is None:
        raise HTTPException(status_code=404, detail="There is no such request.")
    mail = mail_view(read_original(get_app(request), inbound))
    return page(request, "request.html", user=user, status_code=status_code, active="billing", inbound=inbound,
                mail=mail, reasons=reasons_of(inbound), evidence=parse_evidence(inbound.evidence),
                undo_rows=allocation_rows(session, inbound_id=inbound_id),
                review_item=queries.review_item_for(session, inbound_id=inbound_id), error=error,
                done="The allocation is reversed." if done == "undone" else "", form=form or {},
                back=f"/requests/{inbound_id}")


def page_after_refused_token(request: Request, session: Session, user: WebUser, inbound_id: int, *, error: str,
                             form: FormData) -> HTMLResponse:
    """The request page (403) for an Undo the CSRF check refused (answered in bot/web/app.py):
    the typed reason kept."""
    return _show(request, session, user, inbound_id, status_code=403, error=error, form=form)


@router.get("/requests/{inbound_id}", response_class=HTMLResponse)
def show_request(request: Request, inbound_id: int, done: str = "", user: WebUser = Depends(current_user),
                 session: Session = Depends(db)) -> HTMLResponse:
    return _show(request, session, user, inbound_id, done=done)


def _back(form: FormData, inbound_id: int | None) -> str:
    """Where to go after an undo: the page it came from (an item or this request), never elsewhere."""
    value = str(form.get("back") or "")
    if re.fullmatch(r"/(items|requests)/\d{1,12}", value):
        return value
    return f"/requests/{inbound_id}" if inbound_id else "/billing"


@router.post("/allocations/{allocation_id}/undo", dependencies=[Depends(require_csrf)])
async def undo(request: Request, allocation_id: int, user: WebUser = Depends(acting_user),
               session: Session = Depends(db)) -> Response:
    form = await request.form()
    outcome = undo_allocation(session, get_app(request), allocation_id=allocation_id, actor=user.email,
                              reason=str(form.get("reason") or ""))
    if outcome.status_code == 404:
        raise HTTPException(status_code=404, detail=outcome.message)
    back = _back(form, outcome.inbound_id)
    if outcome.ok:
        return RedirectResponse(f"{back}?done=undone", status_code=303)
    if outcome.inbound_id is None:
        raise HTTPException(status_code=outcome.status_code, detail=outcome.message)
    return _show(request, session, user, outcome.inbound_id, status_code=outcome.status_code, error=outcome.message,
                 form=form)
