"""`allocbot web`: the exception queue for billing operations (the Procfile's `web`).

Server-rendered pages (FastAPI + Jinja2, plain HTML and CSS, no script of our own). Every
page needs sign-in; a `viewer` reads, a `billing_admin` acts. The app keeps no state of its
own: sessions are signed cookies, everything else is in the database."""
from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from bot.bootstrap import App
from bot.web.deps import Forbidden, NeedsSignIn, current_user
from bot.web.pages import audit, auth, billing, dashboard, item, queue
from bot.web.render import STATIC, page
from bot.web.security import secret_key

# Nothing from a mail can run: no script at all, no inline style, no remote images or frames.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
ROUTERS = (auth.router, dashboard.router, queue.router, item.router, billing.router, audit.router)


def create_app(app: App) -> FastAPI:
    web = FastAPI(title="allocbot", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.app = app
    settings = app.settings
    web.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="allocbot_session",
                       max_age=int(settings.web_session_hours * 3600), same_site="lax", https_only=settings.web_secure_cookies)

    @web.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.url.path != "/healthz" and not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @web.exception_handler(NeedsSignIn)
    async def to_sign_in(request: Request, exc: NeedsSignIn) -> RedirectResponse:
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @web.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return page(request, "error.html", user=None, status_code=403, title="Not allowed",
                    message="Your role can read but not act. Ask a billing admin.")

    @web.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return page(request, "error.html", user=None, status_code=exc.status_code, title=f"Error {exc.status_code}",
                    message=str(exc.detail))

    web.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in ROUTERS:
        web.include_router(router)

    @web.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return web


__all__ = ["create_app", "current_user"]
