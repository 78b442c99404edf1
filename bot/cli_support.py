"""What every `allocbot` command shares: the consoles, and the app built from the settings
(a bad setting stops the command with one clear line and exit code 2; a database that cannot
be reached, with one line naming it and exit code 1, never a traceback)."""
from __future__ import annotations

import sys
from collections.abc import Callable

import typer
from rich.console import Console

from bot.bootstrap import App, bootstrap
from bot.intake.mailbox import Mailbox
from bot.settings import Settings, SettingsError, load_settings

# Off a terminal (a pipe, a file) rich would wrap at 80 columns and break ids across lines:
# there a line is as long as it needs to be.
PIPED_WIDTH = 4000  # wide enough for any row; a table is only as wide as its content
console = Console(soft_wrap=True, width=PIPED_WIDTH) if not sys.stdout.isatty() else Console()
err = Console(stderr=True, soft_wrap=True)  # one error, one line, whatever the terminal width

DATABASE_UNREACHABLE = 1


def redacted_url(url: str) -> str:
    """The database URL as it may be printed: without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def database_failure(url: str, exc: BaseException) -> str:
    """One line: what failed, where. The driver's own words, first sentences only, are kept
    (e.g. "Connection refused"): they say why."""
    text = str(getattr(exc, "orig", None) or exc)
    detail = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return f"database {redacted_url(url)} cannot be reached: {detail[:300]}"


def build_app(*, mailbox: Callable[[Settings], Mailbox | None] | None = None, **overrides) -> App:
    """`mailbox`, given the settings, may return the mailbox to use instead of the configured
    one (or raise typer.Exit): how `status` and `run` keep a missing Maildir from being made."""
    from sqlalchemy.exc import DBAPIError

    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    try:
        return bootstrap(settings, mailbox=mailbox(settings) if mailbox else None)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    except DBAPIError as exc:
        err.print(database_failure(settings.database_url, exc), markup=False, highlight=False)
        raise typer.Exit(DATABASE_UNREACHABLE) from None
