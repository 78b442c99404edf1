"""Sign in and sign out."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from bot.ledger import journal
from bot.ledger.tables import User
from bot.ledger.users import authenticate
from bot.web.deps import db, get_app
from bot.web.render import page
from bot.web.security import end_session, require_csrf, safe_next, start_session

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", user=None, next=safe_next(next), error="")


@router.post("/login", dependencies=[Depends(require_csrf)])
def sign_in(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/"),
            session: Session = Depends(db)):
    app = get_app(request)
    user = authenticate(session, email=email, password=password)
    if user is None:
        journal.audit(session, actor=email.strip().lower()[:320] or "(empty)", action="sign_in_failed", inbound_id=None,
                      detail={"client": request.client.host if request.client else ""}, now=app.clock())
        session.commit()
        return page(request, "login.html", user=None, next=safe_next(next), status_code=401,
                    error="That e-mail and password do not match an active user.")
    journal.audit(session, actor=user.email, action="signed_in", inbound_id=None, detail={}, now=app.clock())
    session.commit()
    start_session(request, user_id=user.id, version=user.session_version)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(require_csrf)])
def sign_out(request: Request, session: Session = Depends(db)) -> RedirectResponse:
    """Ends every session of the user, on every device: a copied cookie stops working too."""
    uid = request.session.get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is not None and request.session.get("ver") == user.session_version:
        user.session_version += 1
        session.add(user)
        journal.audit(session, actor=user.email, action="signed_out", inbound_id=None, detail={}, now=get_app(request).clock())
        session.commit()
    end_session(request)
    return RedirectResponse("/login", status_code=303)
