"""`allocbot users`: who may sign in to the web UI."""
from __future__ import annotations

import sys

import typer
from sqlmodel import Session

from bot.cli_support import build_app, console, err

users_cli = typer.Typer(help="Who may sign in to the web UI.", no_args_is_help=True)


@users_cli.command("add")
def users_add(email: str, role: str = typer.Option(..., "--role", help="billing_admin (acts) or viewer (reads)"),
              password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input instead of asking.")) -> None:
    """Create a web UI user with an argon2-hashed password (asked for twice, not echoed)."""
    from bot.ledger.users import UserError, add_user, hasher_for

    application = build_app()
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with Session(application.engine) as session:
        try:
            user = add_user(session, email=email, password=password, role=role, now=application.clock(),
                            hasher=hasher_for(application.settings))
        except UserError as exc:
            err.print(f"[red]user not added:[/red] {exc}")
            raise typer.Exit(1) from None
        session.commit()
        console.print(f"added {user.email} ({user.role})")


@users_cli.command("list")
def users_list() -> None:
    """The web UI's users and their roles."""
    from bot.ledger.users import list_users

    with Session(build_app().engine) as session:
        for user in list_users(session):
            console.print(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}")
