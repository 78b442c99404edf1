"""What route functions ask for: the app, a database session, the signed-in user."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlmodel import Session

from bot.bootstrap import App
from bot.ledger.database import reading
from bot.ledger.tables import User


class NeedsSignIn(Exception):
    """No (valid) session: the browser is sent to the sign-in page, then back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """Signed in, but the role may not do this (a viewer trying to act)."""


@dataclass(frozen=True)
class WebUser:
    id: int
    email: str
    role: str

    @property
    def can_act(self) -> bool:
        return self.role == "billing_admin"


def get_app(request: Request) -> App:
    return request.app.state.app


def db(request: Request) -> Iterator[Session]:
    """One database session per request; routes that write commit themselves. A GET only
    reads: on SQLite its session takes no write lock, however slowly the page is sent."""
    engine = get_app(request).engine
    with Session(reading(engine) if request.method in ("GET", "HEAD") else engine) as session:
        yield session


def current_user(request: Request, session: Session = Depends(db)) -> WebUser:
    uid = request.session.get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.active or request.session.get("ver") != user.session_version:
        request.session.clear()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedsSignIn(path)
    return WebUser(id=user.id, email=user.email, role=user.role)


def acting_user(user: WebUser = Depends(current_user)) -> WebUser:
    """A user allowed to act (billing_admin); a viewer gets 403."""
    if not user.can_act:
        raise Forbidden()
    return user
