"""Reliability fixtures: the real SMTP server and the throwaway PostgreSQL database of the
integration tests, and a `stage` with a database URL, a Maildir, logs and a migrated engine.

The worker processes themselves are started by the tests (see harness.py)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.ledger.database import make_engine, migrate
from tests.integration.conftest import postgres_database_url, postgres_url  # noqa: F401 - fixtures
from tests.integration.smtp_server import smtp_ca, smtp_server  # noqa: F401 - fixtures


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test`: `-n 2 --dist loadgroup`) these tests run on one worker,
    one after another: each starts several worker processes, and two such tests at once on two
    cores would measure CPU contention instead of crash recovery. The rest of the suite runs
    on the other worker meanwhile. Without xdist the mark does nothing."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.xdist_group("reliability"))


@dataclass
class Stage:
    database: str  # "sqlite" | "postgres"
    database_url: str
    root: Path
    engine: Engine

    @property
    def maildir(self) -> Path:
        return self.root / "mailbox"

    @property
    def logs(self) -> Path:
        path = self.root / "logs"
        path.mkdir(exist_ok=True)
        return path


def _stage(database: str, url: str, root: Path) -> Iterator[Stage]:
    engine = make_engine(url)
    migrate(engine)
    try:
        yield Stage(database, url, root, engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stage]:
    """A fresh database (a SQLite file, or the session's PostgreSQL database emptied)."""
    if request.param == "sqlite":
        yield from _stage("sqlite", f"sqlite:///{tmp_path / 'allocbot.db'}", tmp_path)
    else:
        yield from _stage("postgres", request.getfixturevalue("postgres_database_url"), tmp_path)


@pytest.fixture
def sqlite_stage(tmp_path: Path) -> Iterator[Stage]:
    yield from _stage("sqlite", f"sqlite:///{tmp_path / 'allocbot.db'}", tmp_path)


@pytest.fixture
def postgres_stage(postgres_database_url: str, tmp_path: Path) -> Iterator[Stage]:  # noqa: F811 - the fixture
    yield from _stage("postgres", postgres_database_url, tmp_path)
