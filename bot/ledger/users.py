"""The web UI's users: argon2id password hashes, a role, an active flag. Keyword arguments
only; nothing here commits.

The hash's cost comes from the settings (`password_hash_*`, argon2's defaults unless lowered,
which only tests should do): `hasher_for(settings)`. A hash keeps its own parameters, so one
made with other parameters still verifies, and is then re-made with the current ones."""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from bot.ledger.tables import User
from bot.settings import Settings

ROLES = ("billing_admin", "viewer")
MIN_PASSWORD = 12


@lru_cache(maxsize=8)
def password_hasher(*, time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    """argon2id with these parameters (one hasher per set of parameters)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher_for(settings: Settings) -> PasswordHasher:
    return password_hasher(time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib,
                           parallelism=settings.password_hash_parallelism)


@lru_cache(maxsize=8)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of nothing in particular, made with the hasher's own parameters and verified when
    the e-mail is unknown, so that a wrong e-mail and a wrong password take the same time (no
    probing for accounts)."""
    return hasher.hash("allocbot: no such user")


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why."""


def add_user(session: Session, *, email: str, password: str, role: str, now: datetime,
             hasher: PasswordHasher) -> User:
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise UserError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    if user_by_email(session, email=email) is not None:
        raise UserError(f"{email} already exists")
    user = User(email=email, password_hash=hasher.hash(password), role=role, created_at=now)
    session.add(user)
    session.flush()
    return user


def user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def authenticate(session: Session, *, email: str, password: str, hasher: PasswordHasher) -> User | None:
    """The active user with this e-mail and password, else None (same work either way).
    A hash made with older parameters is upgraded in place (the caller commits)."""
    user = user_by_email(session, email=email)
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(hasher), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.add(user)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)).all())


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")


def existing_user(session: Session, *, email: str) -> User:
    """The user with this e-mail, or a UserError that names it (for commands that act on one)."""
    user = user_by_email(session, email=email)
    if user is None:
        raise UserError(f"no web UI user has the e-mail {email.strip().lower()!r} "
                        "(allocbot users list shows them)")
    return user


def end_sessions(session: Session, *, user: User) -> None:
    """Every session of the user ends at its next request (the cookies carry the old version)."""
    user.session_version += 1
    session.add(user)


def set_password(session: Session, *, user: User, password: str, hasher: PasswordHasher) -> None:
    """A new password; the sessions signed in with the old one end."""
    _check_password(password)
    user.password_hash = hasher.hash(password)
    end_sessions(session, user=user)


def set_active(session: Session, *, user: User, active: bool) -> None:
    """Disabling ends the user's sessions at once; enabling lets them sign in again."""
    user.active = active
    if not active:
        end_sessions(session, user=user)
    session.add(user)
