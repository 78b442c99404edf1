"""The web UI's users: argon2id password hashes, a role, an active flag. Keyword arguments
only; nothing here commits."""
from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from bot.ledger.tables import User

ROLES = ("billing_admin", "viewer")
MIN_PASSWORD = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A hash of nothing in particular, verified when the e-mail is unknown, so that a wrong
# e-mail and a wrong password take the same time (no probing for accounts).
_DUMMY_HASH = _hasher.hash("allocbot: no such user")


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why."""


def add_user(session: Session, *, email: str, password: str, role: str, now: datetime) -> User:
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise UserError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    if user_by_email(session, email=email) is not None:
        raise UserError(f"{email} already exists")
    user = User(email=email, password_hash=_hasher.hash(password), role=role, created_at=now)
    session.add(user)
    session.flush()
    return user


def user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same work either way).
    A hash made with older parameters is upgraded in place (the caller commits)."""
    user = user_by_email(session, email=email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)).all())
