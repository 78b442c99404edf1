"""`allocbot backup FILE`: a consistent copy of the database while the worker keeps running.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page in one step
  inside one read transaction. In WAL mode that is a snapshot, and writers are not held up.
  The copy is written beside FILE, checked with `PRAGMA integrity_check`, switched to a
  single-file journal mode (no `-wal` needed next to it) and only then renamed to FILE.
  Restore: stop allocbot, copy the file back (or point DATABASE_URL at a copy).
- PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore` into a fresh database.
  The command lines are built from DATABASE_URL; the password goes to the tools in the
  PGPASSWORD environment variable, never on the command line (which `ps` shows everyone).

The schema is not migrated first: a backup taken before an upgrade holds the old schema.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url

# libpq connection parameters a DATABASE_URL may carry in its query, and the environment
# variable each one is handed over in.
LIBPQ_ENV = {
    "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL",
    "sslcompression": "PGSSLCOMPRESSION", "requiressl": "PGREQUIRESSL", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME", "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "gssencmode": "PGGSSENCMODE", "channel_binding": "PGCHANNELBINDING", "passfile": "PGPASSFILE",
    "service": "PGSERVICE", "krbsrvname": "PGKRBSRVNAME", "require_auth": "PGREQUIREAUTH",
}
# The tables whose row counts a backup reports.
COUNTED = ("inboundmessage", "allocation", "reviewitem", "outboundmessage", "auditevent")


class BackupError(Exception):
    """The backup could not be made; nothing was written at the target."""


@dataclass
class BackupReport:
    path: Path
    size: int
    database: str
    schema_revision: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        counts = ", ".join(f"{name} {n}" for name, n in self.counts.items())
        rev = f", schema {self.schema_revision}" if self.schema_revision else ""
        return f"{self.database} backup written to {self.path} ({self.size} bytes{rev}){': ' + counts if counts else ''}"


def backup_database(database_url: str, target: Path, *, overwrite: bool = False) -> BackupReport:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return backup_sqlite(sqlite_path(url), target, overwrite=overwrite)
    if url.get_backend_name() == "postgresql":
        return backup_postgres(database_url, target, overwrite=overwrite)
    raise BackupError(f"cannot back up a {url.get_backend_name()} database")


# --------------------------------------------------------------------------- SQLite

def sqlite_path(url: URL | str) -> Path:
    url = make_url(url)
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("DATABASE_URL must name a SQLite file (sqlite:///PATH)")
    return Path(url.database)


def _target(target: Path, *, overwrite: bool) -> tuple[Path, Path]:
    target = Path(target)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists (use --overwrite to replace it)")
    if target.exists() and not target.is_file():
        raise BackupError(f"{target} is not a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    return target, partial


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the SQLite database at `source` to `target`, consistent while others write."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    target, partial = _target(target, overwrite=overwrite)
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup cannot replace the database itself")
    try:
        # mode=rw: never create an empty database where the real one was expected.
        src = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=rw", uri=True, timeout=30)
        try:
            src.execute("PRAGMA busy_timeout=30000")
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # every page in one step: one read transaction, one snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
                problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
                if problems != ["ok"]:
                    raise BackupError(f"the copy failed its integrity check: {'; '.join(problems[:5])}")
                report = BackupReport(path=target, size=0, database="sqlite",
                                      schema_revision=_sqlite_revision(dst), counts=_sqlite_counts(dst))
            finally:
                dst.close()
        finally:
            src.close()
        with partial.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"SQLite backup failed: {exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    report.size = target.stat().st_size
    return report


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in COUNTED if name in present}


# --------------------------------------------------------------------------- PostgreSQL

@dataclass
class PgCommand:
    """A pg_dump/pg_restore command line and the environment variables it needs on top of
    the caller's (PGPASSWORD and any libpq parameters from the URL's query)."""

    argv: list[str]
    env: dict[str, str]

    def run(self, *, timeout: float | None = None, base_env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        env = {**(os.environ if base_env is None else base_env), **self.env}
        return subprocess.run(self.argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _dbname_arg(name: str) -> str:
    """pg tools read a --dbname holding '=' or a URI prefix as a connection string."""
    if "=" in name or name.startswith(("postgresql://", "postgres://")):
        return "dbname='" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return name


def pg_connection(database_url: str) -> tuple[list[str], dict[str, str]]:
    """(arguments, environment) that connect pg_dump/pg_restore to DATABASE_URL's database."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise BackupError("not a postgresql:// DATABASE_URL")
    if not url.database:
        raise BackupError("DATABASE_URL names no database")
    args: list[str] = []
    env: dict[str, str] = {}
    for name, value in url.query.items():
        if name not in LIBPQ_ENV:
            raise BackupError(f"DATABASE_URL parameter {name!r} cannot be handed to pg_dump")
        env[LIBPQ_ENV[name]] = value if isinstance(value, str) else value[-1]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    args += ["--dbname", _dbname_arg(url.database)]
    return args, env


def pg_dump_command(database_url: str, file: Path) -> PgCommand:
    args, env = pg_connection(database_url)
    return PgCommand(["pg_dump", "--format=custom", "--no-password", "--file", str(file), *args], env)


def pg_restore_command(database_url: str, file: Path) -> PgCommand:
    """Restore into DATABASE_URL's database, which must exist and be empty (`createdb`)."""
    args, env = pg_connection(database_url)
    return PgCommand(["pg_restore", "--no-password", "--no-owner", "--exit-on-error", "--single-transaction",
                      *args, str(file)], env)


def backup_postgres(database_url: str, target: Path, *, overwrite: bool = False, timeout: float | None = None) -> BackupReport:
    """pg_dump --format=custom to `target`; the archive is read back (pg_restore --list)
    before it replaces anything at `target`."""
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: postgresql-client)")
    target, partial = _target(target, overwrite=overwrite)
    try:
        done = pg_dump_command(database_url, partial).run(timeout=timeout)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        listing = subprocess.run(["pg_restore", "--list", str(partial)], capture_output=True, text=True, check=False)
        if listing.returncode != 0:
            raise BackupError(f"the archive cannot be read back: {listing.stderr.strip()}")
        with partial.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(path=target, size=target.stat().st_size, database="postgresql")
