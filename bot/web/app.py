"""`allocbot web`: the exception queue for billing operations (the Procfile's `web`).

Server-rendered pages (FastAPI + Jinja2, plain HTML and CSS, no script of our own). Every
page needs sign-in; a `viewer` reads, a `billing_admin` acts. The app keeps no state of its
own: sessions are signed cookies, everything else is in the database."""
from __future__ import annotations

import re

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from sqlmodel import Session
from starlette.middleware.sessions import SessionMiddleware

from bot.bootstrap import App
from bot.ledger.database import reading
from bot.web.deps import Forbidden, NeedsSignIn, current_user, get_app
from bot.web.pages import audit, auth, billing, dashboard, item, queue
from bot.web.pages import request as request_page
from bot.web.render import STATIC, page
from bot.web.security import CsrfRefused, same_origin, secret_key

# Nothing from a mail can run: no script at all, no inline style, no remote images or frames.
# Script: only the site's own files (static/item.js: keys and running totals), never inline, so
# nothing in a mail can run even if escaping failed.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HSTS = "max-age=31536000"  # with web_secure_cookies: the site is only ever reached over HTTPS
# The widest id any table can hold (PostgreSQL's integer); a larger one in an address names nothing.
MAX_ID = 2**31 - 1
# The forms whose refused post is shown again: an item's actions (bot/web/pages/item.py's POST
# routes), and Undo, on the item or the request page its `back` field names.
ITEM_ACTION = re.compile(r"/items/([0-9]{1,10})/(?:approve|edit|ask|reject|dismiss)")
UNDO_ACTION = re.compile(r"/allocations/[0-9]{1,10}/undo")
BACK_PAGE = re.compile(r"/(items|requests)/([0-9]{1,10})")
TOKEN_EXPIRED = ("Your session's form token had expired; nothing was changed. "
                 "Check what you typed and submit again.")
ROUTERS = (auth.router, dashboard.router, queue.router, item.router, billing.router, audit.router, request_page.router)


def create_app(app: App) -> FastAPI:
    web = FastAPI(title="allocbot", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.app = app
    settings = app.settings
    web.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="allocbot_session",
                       max_age=int(settings.web_session_hours * 3600), same_site="lax", https_only=settings.web_secure_cookies)

    @web.middleware("http")
    async def refuse_nul(request: Request, call_next):
        """A NUL in the address is never meant (and PostgreSQL cannot even compare text with
        one): 400 here rather than a server error in whichever page it reaches."""
        if "\x00" in request.scope["path"] or any("\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()):
            return PlainTextResponse("Bad request: the address holds a NUL character.", status_code=400)
        return await call_next(request)

    @web.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.url.path != "/healthz" and not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        if settings.web_secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    @web.exception_handler(NeedsSignIn)
    async def to_sign_in(request: Request, exc: NeedsSignIn) -> RedirectResponse:
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @web.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return page(request, "error.html", user=None, status_code=403, title="Not allowed",
                    message="Your role can read but not act. Ask a billing admin.")

    @web.exception_handler(CsrfRefused)
    def csrf_refused(request: Request, exc: CsrfRefused) -> HTMLResponse:
        """Sync, so Starlette runs it in a thread: it may read the database."""
        return page_after_refused_token(request, exc) or page(
            request, "error.html", user=None, status_code=403, title="Error 403", message=str(exc.detail))

    @web.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return page(request, "error.html", user=None, status_code=exc.status_code, title=f"Error {exc.status_code}",
                    message=str(exc.detail))

    @web.exception_handler(OverflowError)
    @web.exception_handler(DataError)
    async def no_such_row(request: Request, exc: Exception) -> HTMLResponse:
        """An id in the address that no row can have (beyond the database's integers) makes the
        database refuse the lookup: that is "not found", not a server error. Any other such
        error is a fault and stays one."""
        if not any(unstorable(value) for value in request.path_params.values()):
            raise exc
        return page(request, "error.html", user=None, status_code=404, title="Error 404",
                    message="There is no such page.")

    web.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in ROUTERS:
        web.include_router(router)

    @web.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return web


def refused_form_page(path: str, form) -> tuple[str, str] | None:
    """The page a refused form was on, ("items"|"requests", id), for the forms shown again."""
    if match := ITEM_ACTION.fullmatch(path):
        return "items", match[1]
    if UNDO_ACTION.fullmatch(path) and (match := BACK_PAGE.fullmatch(str(form.get("back") or ""))):
        return match[1], match[2]
    return None


def page_after_refused_token(request: Request, exc: CsrfRefused) -> HTMLResponse | None:
    """The page again, with what was typed and the session's valid token, when an item's action
    or an Undo was refused for its form token alone: typically a tab left open while the operator
    signed in again elsewhere, which renewed the token. Nothing was applied (the check runs
    before the route). Only for a billing admin, on a post this site's own page sent, for a
    page that exists; anything else gets the plain 403 (None here)."""
    target = refused_form_page(request.url.path, exc.form)
    if target is None or unstorable(target[1]) or not same_origin(request):
        return None
    kind, number = target
    show = item.page_after_refused_token if kind == "items" else request_page.page_after_refused_token
    with Session(reading(get_app(request).engine)) as session:
        try:
            user = current_user(request, session)
        except NeedsSignIn:  # its session is not a signed-in one (and is now emptied, as any page would)
            return None
        if not user.can_act:
            return None
        try:
            return show(request, session, user, int(number), error=TOKEN_EXPIRED, form=exc.form)
        except HTTPException:  # no such item or request
            return None


def unstorable(value: object) -> bool:
    """A path parameter no database row can match: an integer beyond the database's range."""
    text = str(value)
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isdigit() and digits.isascii() and int(digits) > MAX_ID


__all__ = ["create_app", "current_user"]
