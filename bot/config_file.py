"""Is the configuration file usable? Checked before the settings are built, because
pydantic-settings reads a TOML file that is not there as an empty one (a misspelt
ALLOCBOT_CONFIG would silently run on the defaults) and reports a syntax error without the
file's name."""
from __future__ import annotations

import tomllib
from pathlib import Path


def config_problem(named: str | None, *, default: Path) -> str | None:
    """Why the file cannot be used, or None. A file named by ALLOCBOT_CONFIG (`named`) must
    exist; the default file may be absent. A TOML syntax error names the file and, as
    tomllib gives it, the line and column."""
    path = Path(named) if named else default
    if not path.is_file():
        return f"ALLOCBOT_CONFIG names {path}, which is not a file" if named else None
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return f"{path}: not valid TOML: {exc}"
    except (OSError, UnicodeDecodeError) as exc:
        return f"{path}: cannot be read: {exc}"
    return None
