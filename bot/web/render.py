"""Server-rendered pages: Jinja2 templates in templates/web/, autoescaped, with the filters
every page uses. Nothing from a mail is ever marked safe here; the one exception, sanitised
HTML of a mail body, goes through nh3 first (bot/web/safe_html.py)."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.bootstrap import TEMPLATES
from bot.review.guidance import operator_language, reason_label, reason_line, rule_line
from bot.review.queue_columns import status_words
from bot.review.validate import decimal_mark
from bot.web.deps import WebUser
from bot.web.security import csrf_token

WEB_TEMPLATES = TEMPLATES / "web"
STATIC = WEB_TEMPLATES / "static"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """"3 h", "2 d": how long ago, for ageing badges and lists."""
    if moment is None:
        return "—"
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def age_class(moment: datetime | None, now: datetime | None = None) -> str:
    """CSS class of an ageing badge: fresh (< 1 day), old (1–3 days), stale (> 3 days)."""
    if moment is None:
        return "fresh"
    days = ((now or datetime.now(UTC)) - moment).total_seconds() / 86400
    return "stale" if days > 3 else "old" if days >= 1 else "fresh"


def minor_to_text(minor: int, currency: str) -> str:
    from bot.ledger.store import from_minor

    money = from_minor(minor, currency)
    return f"{money.amount:,} {currency}"


def money_text(amount: Decimal | str, currency: str) -> str:
    return f"{Decimal(str(amount)):,} {currency}"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(WEB_TEMPLATES))
    env = templates.env
    env.filters.update(ago=ago, age_class=age_class, minor=minor_to_text, money=money_text, when=when,
                       decimal_mark=decimal_mark)  # the editor script reads "1,234" as the server does
    env.globals.update(static_version="1", reason_label=reason_label, status_words=status_words)
    return templates


templates = _templates()


def guidance_for(request: Request) -> dict[str, Any]:
    """The guidance lines in the operator's language: the browser's Accept-Language among the
    languages bot/review/guidance.py has lines for, else English."""
    lang = operator_language(request.headers.get("accept-language"))
    return {"guidance_lang": lang, "reason_line": partial(reason_line, locale=lang),
            "rule_line": partial(rule_line, locale=lang)}


def page(request: Request, name: str, *, user: WebUser | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with what every page needs: the user, the CSRF token, the clock, the
    guidance lines in the operator's language."""
    return templates.TemplateResponse(request, name, {"user": user, "csrf_token": csrf_token(request),
                                                      "now": datetime.now(UTC), **guidance_for(request), **context},
                                      status_code=status_code)


__all__ = ["STATIC", "Path", "ago", "age_class", "page", "templates"]
