"""`allocbot` starts fast because `import bot.cli` loads only typer, rich and the light cli_*
modules; the database layer (sqlmodel, sqlalchemy, alembic), the settings (pydantic) and the
app bootstrap are imported by the commands that use them. Importing them at module level again
cost every command ~0.8 s before it did anything (tests/bench/cli_startup.py prints the figures).
The help texts that name a heavy module's values as literals are tied to those values here."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer

REPO = Path(__file__).resolve().parents[2]

# Each took 50 to 560 ms of `import bot.cli` when it was imported at module level.
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "bot.bootstrap", "bot.settings", "bot.ledger", "bot.intake")


def modules_after(code: str) -> set[str]:
    """The modules loaded in a fresh interpreter after running `code` (this process has loaded
    everything already, so only a new one can say what an import pulls in)."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_loads_no_database_settings_or_bootstrap_module():
    loaded = modules_after("import bot.cli")
    assert "typer" in loaded and "bot.cli_payments" in loaded  # the probe did import the CLI
    assert heavy_in(loaded) == [], "import these inside the commands that use them"


def test_building_the_command_tree_loads_none_either():
    """What `allocbot --version` and `--help` do before answering: build the click command and
    give every flag its plain placeholder."""
    loaded = modules_after("import typer, bot.cli\nfrom bot.cli_help import plain_flags\n"
                           "plain_flags(typer.main.get_command(bot.cli.app))")
    assert heavy_in(loaded) == []


def test_version_answers_without_the_database_layer():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot.cli", "--version"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("allocbot ")
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert heavy_in(imported) == []


def _option(path: tuple[str, ...], name: str):
    from bot.cli import app

    command = typer.main.get_command(app)
    for word in path:
        command = command.commands[word]
    return next(p for p in command.params if name in p.opts)


@pytest.mark.parametrize(("path", "option", "module", "name"), [
    (("postings", "list"), "--state", "bot.posting.states", "State"),
    (("payments", "import"), "--format", "bot.statements.model", "FORMATS"),
    (("export",), "--raw", "bot.ledger.dump", "RAW_FORMATS"),
])
def test_a_help_text_names_every_value_the_command_accepts(path, option, module, name):
    """These literals stand in for the heavy module's constant at import time; a value added
    there must show in the help, or an operator never learns it exists."""
    help_text = _option(path, option).help
    values = [getattr(v, "value", v) for v in getattr(importlib.import_module(module), name)]
    missing = [v for v in values if v not in help_text]
    assert missing == [], f"`allocbot {' '.join(path)} {option}` help does not name {missing}: {help_text!r}"
