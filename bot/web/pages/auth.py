"""Sign in and sign out.

Failed sign-ins are limited (bot/ledger/signin_limits.py): after `sign_in_attempts_per_15min`
failures for one e-mail address, or from one client address, within 15 minutes, further
attempts get 429 without the password being looked at, so a right password during the block
tells nothing. Every refusal is in the audit log."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from bot.ledger import journal, signin_limits
from bot.ledger.tables import User
from bot.ledger.users import authenticate, hasher_for
from bot.web.deps import db, get_app
from bot.web.render import page
from bot.web.security import end_session, require_csrf, safe_next, start_session

router = APIRouter()

NO_MATCH = "That e-mail and password do not match an active user."
BLOCKED = ("Too many failed sign-ins for this e-mail address or from this network. Wait 15 minutes, then try again; "
           "signing in is refused until then, even with the right password.")


@router.get("/login", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", user=None, next=safe_next(next), error="")


@router.post("/login", dependencies=[Depends(require_csrf)])
def sign_in(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/"),
            session: Session = Depends(db)):
    app = get_app(request)
    now = app.clock()
    email = email.replace("\x00", "\ufffd")  # no user has a NUL in the address, and PostgreSQL text cannot hold one
    client = signin_limits.client_key(request.client.host if request.client else "")
    verdict = signin_limits.check(session, email=email, client=client, limit=app.settings.sign_in_attempts_per_15min,
                                  now=now)
    if verdict.blocked:
        signin_limits.record_blocked(session, email=email, client=client, verdict=verdict, now=now)
        session.commit()
        response = page(request, "login.html", user=None, next=safe_next(next), status_code=429, error=BLOCKED)
        response.headers["Retry-After"] = str(int(signin_limits.WINDOW.total_seconds()))
        return response
    user = authenticate(session, email=email, password=password, hasher=hasher_for(app.settings))
    if user is None:
        signin_limits.record_failure(session, email=email, client=client, now=now)
        session.commit()
        return page(request, "login.html", user=None, next=safe_next(next), status_code=401, error=NO_MATCH)
    journal.audit(session, actor=user.email, action="signed_in", inbound_id=None, detail={}, now=now)
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
