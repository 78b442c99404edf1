"""One queue item: the mail shown safely, what the bot read and proposed and why, the
candidates, the billing view and the conversation; for billing admins, the actions.

Thin: the page's data comes from bot/review/item_view.py, every action from the action
service bot/review/actions.py. After an action the browser is sent back to the item with
`?done=<action>` (a fixed word, shown from a fixed list); a refused action shows the page
again with the reason and the form as it was filled in.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from bot.review import actions, queries
from bot.review.actions import Outcome
from bot.review.item_view import item_view
from bot.review.item_view import attachment as find_attachment
from bot.ledger.tables import Account, InboundMessage, ReviewItem
from bot.review.validate import MAX_LINES, EditLine, lines_from_form, normalised_lines
from bot.web.deps import WebUser, acting_user, current_user, db, get_app
from bot.web.render import page
from bot.web.safe_html import sanitise
from bot.web.security import require_csrf

router = APIRouter()

DONE = {
    "approved": "Approved: the proposal is applied; the confirmation goes out when the worker next runs.",
    "edited": "Applied as edited; the confirmation goes out when the worker next runs.",
    "asked": "The question is in the outbox; the item waits for the partner's answer.",
    "rejected": "Rejected; the partner will be told the reason.",
    "dismissed": "Dismissed without a reply.",
    "undone": "The allocation is reversed; the billing system gets the reversal.",
}


async def form_data(request: Request) -> FormData:
    return await request.form()  # already read (and cached) by require_csrf


def _seen(form: FormData) -> int | None:
    value = str(form.get("seen") or "")
    return int(value) if re.fullmatch(r"\d{1,9}", value) else None


def _lookalike_confirmed(form: FormData) -> bool:
    """The look-alike warning's checkbox was ticked (actions refuse a flagged sender without it)."""
    return form.get(actions.LOOKALIKE_FIELD) == "yes"


def _show(request: Request, session: Session, user: WebUser, item_id: int, *, status_code: int = 200,
          error: str = "", done: str = "", form: FormData | None = None) -> HTMLResponse:
    view = item_view(session, get_app(request), item_id=item_id)
    if view is None:
        raise HTTPException(status_code=404, detail="There is no such item.")
    if form is not None:  # a refused action: show what was typed, not the defaults
        typed = lines_from_form(form)
        if typed:
            view.edit_rows = (typed + [EditLine("", "", "")] * MAX_LINES)[:MAX_LINES]
        view.ask_text = str(form.get("body") or view.ask_text)
    html = sanitise(view.mail.html) if view.mail.html else None
    return page(request, "item.html", user=user, status_code=status_code, active="queue", v=view, html=html,
                error=error, done=DONE.get(done, ""), form=form or {})


def page_after_refused_token(request: Request, session: Session, user: WebUser, item_id: int, *, error: str,
                             form: FormData) -> HTMLResponse:
    """The item page (403) for an action the CSRF check refused before its route ran (answered in
    bot/web/app.py): what was typed kept, as for a refused action, with the page as it is now.
    If someone acted since the form was shown, say so: the next submit carries the new `seen`."""
    item = session.get(ReviewItem, item_id)
    seen = _seen(form)
    if item and seen is not None and queries.last_event_id(session, inbound_id=item.inbound_id) != seen:
        error += " Someone acted on this item since you opened it: the page shows it as it is now."
    return _show(request, session, user, item_id, status_code=403, error=error, form=form)


def _account_locale(session: Session, item_id: int) -> str:
    """The locale amounts typed for this item are read in: the account's, else English."""
    item = session.get(ReviewItem, item_id)
    inbound = session.get(InboundMessage, item.inbound_id) if item else None
    account = session.get(Account, inbound.account_id) if inbound and inbound.account_id else None
    return account.locale if account and account.locale else "en"


@router.get("/items/{item_id}", response_class=HTMLResponse)
def show_item(request: Request, item_id: int, done: str = "", user: WebUser = Depends(current_user),
              session: Session = Depends(db)) -> HTMLResponse:
    return _show(request, session, user, item_id, done=done)


def safe_filename(name: str, n: int) -> str:
    """A download name that is safe in a header and on any disk: ASCII letters, digits, . _ -,
    no path, the extension kept; "attachment-N.bin" when nothing usable is left."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    stem, _, ext = ascii_name.rpartition(".")
    if not re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        stem, ext = ascii_name, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:100]
    return f"{stem or f'attachment-{n}'}.{ext or 'bin'}" if ext or not stem else stem


@router.get("/items/{item_id}/attachments/{n}")
def download_attachment(request: Request, item_id: int, n: int, user: WebUser = Depends(current_user),
                        session: Session = Depends(db)) -> Response:
    found = find_attachment(session, get_app(request), item_id=item_id, n=n)
    if found is None:
        raise HTTPException(status_code=404, detail="There is no such attachment.")
    name = safe_filename(found.filename, n)
    return Response(content=found.data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"})


def _after(request: Request, session: Session, user: WebUser, item_id: int, outcome: Outcome, form: FormData) -> Response:
    if outcome.ok:
        return RedirectResponse(f"/items/{item_id}?done={outcome.done}", status_code=303)
    if outcome.status_code == 404:
        raise HTTPException(status_code=404, detail=outcome.message)
    return _show(request, session, user, item_id, status_code=outcome.status_code, error=outcome.message, form=form)


@router.post("/items/{item_id}/approve", dependencies=[Depends(require_csrf)])
def approve(request: Request, item_id: int, user: WebUser = Depends(acting_user), session: Session = Depends(db),
            form: FormData = Depends(form_data)) -> Response:
    outcome = actions.approve(session, get_app(request), item_id=item_id, actor=user.email, seen=_seen(form),
                              confirm_lookalike=_lookalike_confirmed(form))
    return _after(request, session, user, item_id, outcome, form)


@router.post("/items/{item_id}/edit", dependencies=[Depends(require_csrf)])
def edit(request: Request, item_id: int, user: WebUser = Depends(acting_user), session: Session = Depends(db),
         form: FormData = Depends(form_data)) -> Response:
    outcome = actions.edit_and_apply(session, get_app(request), item_id=item_id, actor=user.email,
                                     lines=normalised_lines(lines_from_form(form), locale=_account_locale(session, item_id)),
                                     seen=_seen(form), confirm_lookalike=_lookalike_confirmed(form))
    return _after(request, session, user, item_id, outcome, form)


@router.post("/items/{item_id}/ask", dependencies=[Depends(require_csrf)])
def ask(request: Request, item_id: int, user: WebUser = Depends(acting_user), session: Session = Depends(db),
        form: FormData = Depends(form_data)) -> Response:
    outcome = actions.ask(session, get_app(request), item_id=item_id, actor=user.email, body=str(form.get("body") or ""),
                          seen=_seen(form))
    return _after(request, session, user, item_id, outcome, form)


@router.post("/items/{item_id}/reject", dependencies=[Depends(require_csrf)])
def reject(request: Request, item_id: int, user: WebUser = Depends(acting_user), session: Session = Depends(db),
           form: FormData = Depends(form_data)) -> Response:
    outcome = actions.reject(session, get_app(request), item_id=item_id, actor=user.email,
                             reason=str(form.get("reason") or ""), seen=_seen(form))
    return _after(request, session, user, item_id, outcome, form)


@router.post("/items/{item_id}/dismiss", dependencies=[Depends(require_csrf)])
def dismiss(request: Request, item_id: int, user: WebUser = Depends(acting_user), session: Session = Depends(db),
            form: FormData = Depends(form_data)) -> Response:
    outcome = actions.dismiss(session, get_app(request), item_id=item_id, actor=user.email,
                              note=str(form.get("note") or ""), seen=_seen(form))
    return _after(request, session, user, item_id, outcome, form)
