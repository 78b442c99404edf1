"""The help pages and version as a newcomer reads them. Typer's rich help prints a `<bool>` placeholder
after every flag (`--once <bool>`), which reads as if a value were wanted; a flag takes none,
so its placeholder is made empty, the help option's included. And a command's line in its
group's list is its docstring's first paragraph as one line: rich kept the docstring's own
line breaks there, which broke sentences mid-way."""
from __future__ import annotations


def allocbot_version() -> str:
    """The installed distribution's version (pyproject.toml), as bot/__init__.py reads it."""
    from bot import __version__

    return __version__


def plain_flags(command, parent=None) -> None:
    """Give every flag of `command` and its subcommands (a click command built by Typer) an
    empty placeholder."""
    ctx = command.context_class(command, info_name=command.name, parent=parent)
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is not None and getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    if command.help and not command.short_help:  # the command lists: one paragraph, not the docstring's wrap
        command.short_help = " ".join(command.help.split("\n\n")[0].split())
    for sub in getattr(command, "commands", {}).values():
        plain_flags(sub, ctx)
