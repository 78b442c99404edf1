"""Engine creation and automatic migrations (every command runs `migrate` first)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for DATABASE_URL; SQLite files get their folder, WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            # pysqlite's own transaction handling starts transactions late and lets a
            # SAVEPOINT release commit; take it over so BEGIN/SAVEPOINT mean what they say.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            # IMMEDIATE: take the write lock up front (waiting up to busy_timeout). A deferred
            # transaction that read first and writes later fails at once with "database is
            # locked" when another thread committed meanwhile — the worker's jobs run in threads.
            # Read-only work (web pages) uses `reading(engine)`: a deferred BEGIN that never
            # blocks a writer (WAL readers see a snapshot).
            mode = "DEFERRED" if conn.get_execution_options().get("allocbot_read_only") else "IMMEDIATE"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def reading(engine: Engine) -> Engine:
    """The same database for work that only reads: on SQLite its transactions take no write
    lock, so a slow page never holds up the worker; elsewhere it is the engine itself."""
    return engine.execution_options(allocbot_read_only=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    command.upgrade(alembic_config(engine), "head")
