"""A real Tryton database (trytond's own code, SQLite), built once per test session with the
accounting modules, a company and a chart, then copied for each test.

trytond reads one configuration per process, so every test here shares the session's
trytond.conf; each test gets its own database in its folder."""
from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from bot.tryton.connection import TrytonURL
from tests.integration.conftest import unavailable

_numbers = itertools.count(1)


# Tests that build a Tryton database of their own (in a process of their own) and never use the
# session's base: `allocbot demo --billing tryton` from nothing, and the corpus on PostgreSQL.
OWN_DATABASE = ("test_tryton_demo.py::", "test_tryton_corpus.py::test_sample_corpus_posted_to_tryton_exactly_once"
                "_with_tryton_s_figures[postgresql]")


def pytest_collection_modifyitems(items):
    """One xdist worker builds the Tryton database once and runs every test of it. The tests
    that build their own (a minute or more each, in subprocesses) are a group of their own, so
    the other worker runs them meanwhile instead of their lengthening the `tryton` group's."""
    for item in items:
        if "integration/tryton/" in str(item.fspath):
            own = any(part in item.nodeid for part in OWN_DATABASE)
            item.add_marker(pytest.mark.xdist_group("tryton_own_database" if own else "tryton"))


@pytest.fixture(scope="session")
def tryton_home(tmp_path_factory) -> Path:
    try:
        import proteus  # noqa: F401
        import trytond.modules.account_invoice  # noqa: F401
    except ImportError as exc:
        unavailable(f"Tryton is not installed ({exc}); `make setup` installs it")
    home = tmp_path_factory.mktemp("tryton")
    (home / "db").mkdir()
    (home / "trytond.conf").write_text(f"[database]\nuri = sqlite://\npath = {home / 'db'}\n")
    return home


@pytest.fixture(scope="session")
def tryton_base(tryton_home: Path) -> Path:
    """The database file with the modules active and a USD company with its chart."""
    from bot.tryton.building import activate, set_up_company

    url = TrytonURL("base", tryton_home / "trytond.conf")
    activate(url)
    set_up_company(url, currency="USD", years=(2026,))
    return tryton_home / "db" / "base.sqlite"


@pytest.fixture
def tryton_url(tryton_home: Path, tryton_base: Path) -> TrytonURL:
    """A fresh copy of the base database for this test."""
    name = f"t{next(_numbers)}"
    copy_database(tryton_base, tryton_home / "db" / f"{name}.sqlite")
    return TrytonURL(name, tryton_home / "trytond.conf")


def copy_database(source: Path, target: Path) -> None:
    """SQLite's backup, not a file copy: trytond keeps SQLite in WAL mode, and the latest
    pages may still be in the -wal file beside it."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
