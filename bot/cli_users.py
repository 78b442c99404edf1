"""`allocbot users`: who may sign in to the web UI, and opening or closing their way in.

Every change is audited with who made it (`--by`) and the user's e-mail; an e-mail that is
not a user's is an error (exit 1) that changes nothing."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from bot.cli_support import build_app, console, err

if TYPE_CHECKING:  # an annotation only: the commands import it, so `import bot.cli` stays light
    from sqlmodel import Session

users_cli = typer.Typer(help="Who may sign in to the web UI.", no_args_is_help=True)

BY = typer.Option("operator", "--by", help="Who makes the change, for the audit log")
PASSWORD_STDIN = typer.Option(False, "--password-stdin",
                              help="Read the password from standard input instead of asking.")


def _read_password(password_stdin: bool) -> str:
    """Asked twice on a terminal. Piped in (or with --password-stdin) it is the first line; a
    second piped line, as the terminal's confirmation would be, must match it. Prompting a pipe
    printed "input may be echoed" twice and then "Aborted" on a one-line `echo pw |`."""
    if not password_stdin and sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\r\n")
    again = "" if password_stdin else sys.stdin.readline().rstrip("\r\n")
    if again and again != password:
        err.print("the two passwords given on standard input differ; nothing changed", markup=False)
        raise typer.Exit(2)
    return password


def _refuse(what: str, exc: Exception) -> None:
    err.print(f"[red]{what}:[/red] {escape(str(exc))}")
    raise typer.Exit(1) from None


def _user_or_refuse(session: Session, email: str, what: str):
    """The user with this e-mail, or exit 1 saying `what` did not happen and why."""
    from bot.ledger.users import UserError, existing_user

    try:
        return existing_user(session, email=email)
    except UserError as exc:
        _refuse(what, exc)


@users_cli.command("add")
def users_add(email: str, role: str = typer.Option(..., "--role", help="billing_admin (acts) or viewer (reads)"),
              password_stdin: bool = PASSWORD_STDIN) -> None:
    """Create a web UI user with an argon2-hashed password (asked for twice, not echoed, on a terminal;
    else read from standard input)."""
    from sqlmodel import Session

    from bot.ledger.users import UserError, add_user, hasher_for

    application = build_app()
    password = _read_password(password_stdin)
    with Session(application.engine) as session:
        try:
            user = add_user(session, email=email, password=password, role=role, now=application.clock(),
                            hasher=hasher_for(application.settings))
        except UserError as exc:
            _refuse("user not added", exc)
        session.commit()
        console.print(f"added {user.email} ({user.role})", markup=False)


@users_cli.command("list")
def users_list() -> None:
    """The web UI's users, one a line, tab-separated: e-mail, role, active or disabled, locked or not."""
    from sqlmodel import Session

    from bot.ledger.signin_limits import account_locked_until
    from bot.ledger.signin_rules import clock_time
    from bot.ledger.users import list_users

    application = build_app()
    now = application.clock()
    with Session(application.engine) as session:
        for user in list_users(session):
            until = account_locked_until(session, email=user.email, now=now,
                                         limit=application.settings.sign_in_attempts_per_15min)
            locked = f"locked until {clock_time(until)}" if until else "not locked"
            # plain tab-separated lines (rich would turn the tabs into spaces), for `cut` and scripts
            typer.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}\t{locked}")


@users_cli.command("unlock")
def users_unlock(email: str, by: str = BY) -> None:
    """Let a user locked out by failed sign-ins try again now: the failures so far stop counting."""
    from sqlmodel import Session

    from bot.ledger.signin_limits import record_unlock

    application = build_app()
    with Session(application.engine) as session:
        user = _user_or_refuse(session, email, "not unlocked")
        record_unlock(session, email=user.email, by=by, now=application.clock())
        session.commit()
        console.print(f"unlocked {user.email}: its failed sign-ins so far no longer count", markup=False)


@users_cli.command("disable")
def users_disable(email: str, by: str = BY) -> None:
    """Stop a user signing in; their open sessions end at once. `users enable` undoes it."""
    _set_active(email, by=by, active=False)


@users_cli.command("enable")
def users_enable(email: str, by: str = BY) -> None:
    """Let a disabled user sign in again (with the password they had)."""
    _set_active(email, by=by, active=True)


def _set_active(email: str, *, by: str, active: bool) -> None:
    from sqlmodel import Session

    from bot.ledger import journal
    from bot.ledger.users import set_active

    application = build_app()
    with Session(application.engine) as session:
        user = _user_or_refuse(session, email, "not changed")
        set_active(session, user=user, active=active)
        journal.audit(session, actor=by, action="user_enabled" if active else "user_disabled",
                      inbound_id=None, detail={"email": user.email}, now=application.clock())
        session.commit()
        done = "enabled" if active else "disabled: it can no longer sign in, and its sessions have ended"
        console.print(f"{user.email} {done}", markup=False)


@users_cli.command("set-password")
def users_set_password(email: str, password_stdin: bool = PASSWORD_STDIN, by: str = BY) -> None:
    """Give a user a new password (asked twice on a terminal, else read from standard input): ends
    their sessions, unlocks."""
    from sqlmodel import Session

    from bot.ledger import journal
    from bot.ledger.signin_limits import record_unlock
    from bot.ledger.users import UserError, hasher_for, set_password

    application = build_app()
    with Session(application.engine) as session:
        user = _user_or_refuse(session, email, "password not set")  # first: an unknown e-mail needs no password typed
        password = _read_password(password_stdin)
        try:
            set_password(session, user=user, password=password, hasher=hasher_for(application.settings))
        except UserError as exc:
            _refuse("password not set", exc)
        now = application.clock()
        journal.audit(session, actor=by, action="password_set", inbound_id=None, detail={"email": user.email},
                      now=now)
        record_unlock(session, email=user.email, by=by, now=now)
        session.commit()
        console.print(f"new password set for {user.email}: its sessions have ended and it is unlocked",
                      markup=False)
