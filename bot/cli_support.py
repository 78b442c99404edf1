"""What every `allocbot` command shares: the consoles, and the app built from the settings
(a bad setting stops the command with one clear line and exit code 2; a database that cannot
be reached, with one line naming it and exit code 1, never a traceback)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:  # the annotations only: each is imported where it is used, so `import bot.cli` stays light
    from bot.bootstrap import App
    from bot.intake.mailbox import Mailbox
    from bot.settings import Settings

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
    one (or raise typer.Exit). Without it a missing Maildir stands absent: building the Maildir
    adapter creates its folders, and only `run`/`worker`, when asked, may do that."""
    from sqlalchemy.exc import DBAPIError

    from bot.bootstrap import bootstrap
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    try:
        return bootstrap(settings, mailbox=(mailbox or absent_maildir)(settings))
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    except DBAPIError as exc:
        err.print(database_failure(settings.database_url, exc), markup=False, highlight=False)
        raise typer.Exit(DATABASE_UNREACHABLE) from None


def absent_maildir(settings: Settings) -> Mailbox | None:
    """A `maildir:PATH` that is not there stands absent (reported, never created); else None,
    the configured mailbox."""
    from bot.intake.mailbox import AbsentMailbox, missing_maildir

    return AbsentMailbox(path) if (path := missing_maildir(settings.mailbox)) else None


def maildir_unless_missing(create: bool) -> Callable[[Settings], Mailbox | None]:
    """For the commands that read mail (`run`, `worker`): a missing Maildir is refused, exit 1,
    unless `--create-mailbox` or ALLOCBOT_MAILDIR_CREATE asks for it to be made (a misspelt path
    would otherwise become a new, empty mailbox that is read for ever)."""
    def refuse_missing(settings: Settings) -> Mailbox | None:
        from bot.intake.mailbox import missing_maildir

        if (path := missing_maildir(settings.mailbox)) and not (create or settings.maildir_create):
            err.print(f"mailbox maildir:{path} does not exist (or lacks cur/new/tmp); check ALLOCBOT_MAILBOX, "
                      "or pass --create-mailbox (ALLOCBOT_MAILDIR_CREATE=true) to create it",
                      markup=False, highlight=False)
            raise typer.Exit(1)
        return None
    return refuse_missing
