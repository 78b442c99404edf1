"""Sign in and sign out.

Failed sign-ins are limited (bot/ledger/signin_limits.py): after `sign_in_attempts_per_15min`
failures for one e-mail address, that address is locked; after `sign_in_attempts_per_ip_15min`
(several times more) from one client address, that client is. A blocked attempt gets 429
without the password being looked at, so a right password during the block tells nothing.
The page says until when (in UTC), for an unknown address just as for a known one, so it
tells nothing about who has an account either. Every refusal is in the audit log."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from bot.ledger import journal, signin_limits
from bot.ledger.signin_rules import Limits, Verdict, clock_time, retry_after_seconds
from bot.ledger.tables import User
from bot.ledger.users import authenticate, hasher_for
from bot.web.deps import db, get_app
from bot.web.render import page
from bot.web.security import end_session, require_csrf, safe_next, start_session

router = APIRouter()

NO_MATCH = "That e-mail and password do not match an active user."
ACCOUNT_LOCKED = ("Too many failed sign-ins for this e-mail address: it is locked until {until}. "
                  "Signing in with it is refused until then, even with the right password; "
                  "an administrator can unlock it sooner.")
CLIENT_BLOCKED = ("Too many failed sign-ins from this network: signing in from here is refused "
                  "until {until}, even with the right password.")


def limits_for(settings) -> Limits:
    return Limits(per_account=settings.sign_in_attempts_per_15min,
                  per_client=settings.sign_in_attempts_per_ip_15min)


def blocked_message(verdict: Verdict) -> str:
    """What the page says about a block: the account's own lock first (whoever typed it can ask
    for an unlock), else the network's."""
    if verdict.account_until is not None:
        return ACCOUNT_LOCKED.format(until=clock_time(verdict.account_until))
    return CLIENT_BLOCKED.format(until=clock_time(verdict.until))


@router.get("/login", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", user=None, next=safe_next(next), error="", email="")


@router.post("/login", dependencies=[Depends(require_csrf)])
def sign_in(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/"),
            session: Session = Depends(db)):
    app = get_app(request)
    now = app.clock()
    email = email.replace("\x00", "\ufffd")  # no user has a NUL in the address, and PostgreSQL text cannot hold one
    client = signin_limits.client_key(request.client.host if request.client else "")
    limits = limits_for(app.settings)
    verdict = signin_limits.check(session, email=email, client=client, limits=limits, now=now)
    shown = email.strip()[:signin_limits.MAX_ACTOR]  # typed again for the person, escaped by the template
    if verdict.blocked:
        signin_limits.record_blocked(session, email=email, client=client, verdict=verdict, now=now)
        session.commit()
        response = page(request, "login.html", user=None, next=safe_next(next), status_code=429,
                        error=blocked_message(verdict), email=shown)
        response.headers["Retry-After"] = str(retry_after_seconds(verdict, now=now))
        return response
    user = authenticate(session, email=email, password=password, hasher=hasher_for(app.settings))
    if user is None:
        signin_limits.record_failure(session, email=email, client=client, now=now)
        after = signin_limits.check(session, email=email, client=client, limits=limits, now=now)
        session.commit()
        error = f"{NO_MATCH} {blocked_message(after)}" if after.blocked else NO_MATCH
        return page(request, "login.html", user=None, next=safe_next(next), status_code=401, error=error,
                    email=shown)
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
