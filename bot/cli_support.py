"""What every `allocbot` command shares: the consoles, and the app built from the settings
(a bad setting stops the command with one clear line and exit code 2)."""
from __future__ import annotations

import typer
from rich.console import Console

from bot.bootstrap import App, bootstrap
from bot.settings import SettingsError, load_settings

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one error, one line, whatever the terminal width


def build_app(**overrides) -> App:
    try:
        return bootstrap(load_settings(**overrides))
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
