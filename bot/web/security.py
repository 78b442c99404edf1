"""Sessions, sign-in state and CSRF: signed cookies only, no server-side state, so any web
instance can serve any request.

The session cookie (Starlette's SessionMiddleware, itsdangerous-signed) is HttpOnly,
SameSite=Lax and, with `web_secure_cookies`, HTTPS-only. It holds the user id and a CSRF
token; signing in starts a fresh session (no fixation), signing out empties it. Every form
carries the token and every POST is refused without it."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from bot.settings import Settings

SECRET_FILE = Path("var/web-secret")
MIN_KEY_CHARS = 32


def secret_key(settings: Settings, *, fallback: Path = SECRET_FILE) -> str:
    """The configured key, or one kept in var/web-secret (created once, owner-only).

    A kept key that is missing, empty or short (a crash between creating the file and writing
    it) is replaced: an empty key would let anyone sign their own session cookie. When
    several instances start at once, the first file written wins and all of them read it."""
    if settings.web_secret_key:
        return settings.web_secret_key
    key = _read_key(fallback)
    if len(key) >= MIN_KEY_CHARS:
        return key
    fallback.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{fallback.name}.", dir=fallback.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        if fallback.exists():
            os.replace(temp, fallback)  # a short or empty key is no key
        else:
            try:
                os.link(temp, fallback)  # only if no other instance was first
            except FileExistsError:
                pass
    finally:
        Path(temp).unlink(missing_ok=True)
    key = _read_key(fallback)
    if len(key) < MIN_KEY_CHARS:
        raise RuntimeError(f"the web secret in {fallback} is unusable; set web_secret_key instead")
    return key


def _read_key(path: Path) -> str:
    try:
        return path.read_text().strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return ""


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def start_session(request: Request, *, user_id: int, version: int) -> None:
    """A new session for a user who just proved who they are: whatever the browser had
    before (a planted cookie included) is dropped, and the CSRF token is new."""
    request.session.clear()
    request.session["uid"] = user_id
    request.session["ver"] = version
    request.session["csrf"] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    request.session.clear()


CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."


class CsrfRefused(HTTPException):
    """A POST whose form token is missing or not this session's: always 403 and nothing done.

    It carries the form as sent, so that a page which can show it again (the item page, when the
    session's token changed under an open tab) keeps what the operator typed; any other handler
    sees a plain 403."""

    def __init__(self, form: FormData) -> None:
        super().__init__(status_code=403, detail=CSRF_REFUSED)
        self.form = form


async def require_csrf(request: Request) -> None:
    """Dependency for every POST: the form's csrf_token must equal the session's."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise CsrfRefused(form)


def same_origin(request: Request) -> bool:
    """The browser says this request came from a page of this site (Origin names this host and,
    when sent, Sec-Fetch-Site says "same-origin"). A refused form is shown again, with a valid
    token, only then: another site's forged post must not become a filled-in form one click
    from being applied. The host alone is compared, as a TLS proxy may change the scheme."""
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    if not origin or not host or request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site (no //host, no scheme, no
    backslash, and no tab, newline or other control character, which a browser drops from a
    URL: "/<TAB>/evil.example" would become "//evil.example")."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return target
    return "/"
