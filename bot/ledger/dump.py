"""`allocbot export DIR`: the whole record of what the bot did, as JSONL files plus a manifest.

One file per table, one JSON object per row, written as the rows are read (a batch at a
time, never a whole table in memory):

- `requests.jsonl`: exactly the records of `requests export --format jsonl`, plus the raw
  message (`raw_base64`, or `raw_file` naming `messages/<id>.eml`) and its `raw_sha256`,
  `raw_size`;
- `allocations.jsonl`, `review_items.jsonl`, `outbound_messages.jsonl` (the reply's bytes as
  for requests, `.eml` files in `replies/`), `audit_events.jsonl`: every column; times in ISO
  8601, money also as a decimal string, the audit `detail` as the JSON object it holds;
- `manifest.json`, written last: allocbot version, Alembic schema revision, created_at, the
  record count and sha256 of every file. An export without a manifest is incomplete.

Everything is read in one snapshot (PostgreSQL: a read-only REPEATABLE READ transaction;
SQLite: one deferred read transaction, which in WAL mode never blocks the worker's writes),
so the files agree with each other even while the worker runs.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Table, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import defer
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from bot import __version__
from bot.ledger import store
from bot.ledger.database import make_engine
from bot.ledger.export import export_requests
from bot.ledger.tables import Allocation, AuditEvent, InboundMessage, OutboundMessage, ReviewItem

FORMAT = "allocbot-export"
FORMAT_VERSION = 1
RAW_FORMATS = ("base64", "eml")
BATCH = 500
RAW_BATCH = 8  # raw messages held at once (a mail may be megabytes)


class DumpError(Exception):
    """The export cannot be written (e.g. the target folder is not empty)."""


@dataclass
class FileSummary:
    records: int = 0
    sha256: str = ""


@dataclass
class Manifest:
    allocbot_version: str
    schema_revision: str | None
    created_at: str
    database: str
    raw: str
    files: dict[str, FileSummary] = field(default_factory=dict)
    eml_files: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {name.removesuffix(".jsonl"): f.records for name, f in self.files.items()}

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "allocbot_version": self.allocbot_version,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "database": self.database,
            "raw": self.raw,
            "counts": self.counts,
            "eml_files": self.eml_files,
            "files": {name: {"records": f.records, "sha256": f.sha256} for name, f in self.files.items()},
        }


# --------------------------------------------------------------------------- one snapshot

@contextmanager
def read_snapshot(database_url: str) -> Iterator[Connection]:
    """A connection inside one read transaction: every query sees the same committed state."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        # Not the app's engine: that one begins IMMEDIATE (the write lock) for every
        # transaction, which would hold the worker's writes up for the whole export.
        engine = create_engine(parsed, poolclass=NullPool, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA busy_timeout=30000")

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN DEFERRED")  # the snapshot starts at the first read

        options: dict[str, Any] = {}
    else:
        engine = make_engine(database_url)
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(**options) if options else conn
            with conn.begin():
                yield conn
    finally:
        engine.dispose()


def schema_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


# --------------------------------------------------------------------------- writing

class _JsonlWriter:
    """Writes one record a line and hashes what it wrote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] = path.open("wb")
        self._hash = hashlib.sha256()
        self.records = 0

    def write(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self._file.write(line)
        self._hash.update(line)
        self.records += 1

    def close(self) -> FileSummary:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return FileSummary(self.records, self._hash.hexdigest())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class _RawSink:
    """The bytes of a message: inline as base64, or an .eml file beside the JSONL."""

    def __init__(self, root: Path, raw_format: str) -> None:
        self.root = root
        self.raw_format = raw_format
        self.files = 0

    def fields(self, folder: str, row_id: int, raw: bytes | memoryview) -> dict[str, Any]:
        raw = bytes(raw)
        out: dict[str, Any] = {"raw_sha256": hashlib.sha256(raw).hexdigest(), "raw_size": len(raw)}
        if self.raw_format == "base64":
            out["raw_base64"] = base64.b64encode(raw).decode("ascii")
            return out
        name = f"{folder}/{row_id:08d}.eml"
        path = self.root / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(raw)
        self.files += 1
        out["raw_file"] = name
        return out


def _rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """Every row of a table with an integer `id`, in id order, a batch at a time."""
    last = 0
    while True:
        batch = conn.execute(select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)).mappings().all()
        if not batch:
            return
        for row in batch:
            yield dict(row)
        last = batch[-1]["id"]


def _detail(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def export_database(database_url: str, directory: Path, *, raw: str = "base64", now: datetime,
                    progress: Callable[[str, int], None] | None = None) -> Manifest:
    """Write the export into `directory` (created; must be empty) and return its manifest."""
    if raw not in RAW_FORMATS:
        raise DumpError(f"--raw must be one of {', '.join(RAW_FORMATS)}, not {raw!r}")
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise DumpError(f"{directory} exists and is not an empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    sink = _RawSink(directory, raw)

    with read_snapshot(database_url) as conn:
        manifest = Manifest(allocbot_version=__version__, schema_revision=schema_revision(conn),
                            created_at=now.isoformat(), database=conn.dialect.name, raw=raw)

        def dump(name: str, records: Iterator[dict[str, Any]]) -> None:
            writer = _JsonlWriter(directory / name)
            try:
                for record in records:
                    writer.write(record)
            finally:
                manifest.files[name] = writer.close()
            if progress:
                progress(name, manifest.files[name].records)

        with Session(bind=conn) as session:
            dump("requests.jsonl", _requests(session, sink))

        def allocations() -> Iterator[dict[str, Any]]:
            for row in _rows(conn, Allocation.__table__):
                row = {k: _plain(v) for k, v in row.items()}
                row["amount"] = str(store.from_minor(row["amount_minor"], row["currency"]).amount)
                yield row

        def review_items() -> Iterator[dict[str, Any]]:
            for row in _rows(conn, ReviewItem.__table__):
                yield {k: _plain(v) for k, v in row.items()}

        def outbound() -> Iterator[dict[str, Any]]:
            for row in _rows(conn, OutboundMessage.__table__):
                body = row.pop("raw")
                yield {**{k: _plain(v) for k, v in row.items()}, **sink.fields("replies", row["id"], body)}

        def audit() -> Iterator[dict[str, Any]]:
            for row in _rows(conn, AuditEvent.__table__):
                row = {k: _plain(v) for k, v in row.items()}
                row["detail"] = _detail(row["detail"])
                yield row

        dump("allocations.jsonl", allocations())
        dump("review_items.jsonl", review_items())
        dump("outbound_messages.jsonl", outbound())
        dump("audit_events.jsonl", audit())

    manifest.eml_files = sink.files
    partial = directory / "manifest.json.partial"
    partial.write_text(json.dumps(manifest.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, directory / "manifest.json")
    return manifest


def _requests(session: Session, sink: _RawSink) -> Iterator[dict[str, Any]]:
    """The `requests export` records, each with its raw message. export_requests loads whole
    rows 500 at a time; here their `raw` column is deferred, and the bytes are fetched
    RAW_BATCH messages at a time, so a mailbox of large mails never sits in memory at once."""

    @event.listens_for(session, "do_orm_execute")
    def _defer_raw(state) -> None:
        if state.is_select and any(d.get("entity") is InboundMessage for d in state.statement.column_descriptions):
            state.statement = state.statement.options(defer(InboundMessage.raw))

    pending: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        ids = [r["id"] for r in pending]
        raws = dict(session.connection().execute(
            select(InboundMessage.__table__.c.id, InboundMessage.__table__.c.raw).where(InboundMessage.__table__.c.id.in_(ids))).all())
        for record in pending:
            yield {**record, **sink.fields("messages", record["id"], raws[record["id"]])}
        pending.clear()

    for record in export_requests(session):
        pending.append(record)
        if len(pending) >= RAW_BATCH:
            yield from flush()
    if pending:
        yield from flush()
