"""Data safety (issue 5): the raw mail is kept byte for byte, `allocbot export DIR` writes the
whole record as JSONL with a manifest, and a backup restores to the same rows, on SQLite
(the online backup API, also while a writer is writing) and on PostgreSQL (pg_dump and
pg_restore into a fresh database)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import stat
import subprocess
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, MetaData, select, text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import bot
from bot.intake.storing import dedup_key
from bot.ledger import journal
from bot.ledger.backup import BackupError, backup_sqlite, pg_dump_command, pg_restore_command
from bot.ledger.database import make_engine
from bot.ledger.dump import export_database
from bot.ledger.tables import Allocation, AuditEvent, InboundMessage, Invoice, Payment
from tests.integration.conftest import (
    ANN, OLA, PG_ADMIN_URL, REPO, TOM, BotWorld, account, allocbot_command, choke_on_subject, contact, invoice, payment,
    request_mail, standard_ledger, write_ledger,
)

AUTH = (b"Authentication-Results: mx.billing.example; spf=pass smtp.mailfrom=bluepeak.example; "
        b"dkim=pass header.d=bluepeak.example; dmarc=pass header.from=bluepeak.example\r\n")


# --------------------------------------------------------------------------- awkward mail

def eight_bit_mail() -> bytes:
    """Raw UTF-8 in a header (no encoded-word), a Latin-1 body sent 8bit, trailing blanks,
    bytes that are valid in no charset, and no newline at the end."""
    return (AUTH + b"From: Ann Admin <ann@bluepeak.example>\r\n"
            b"To: allocations@billing.example\r\n"
            b"Subject: Betalning f\xc3\xb6r faktura \xe2\x82\xac 250\r\n"
            b"Date: Mon, 02 Nov 2026 09:30:00 +0000\r\n"
            b"Message-ID: <eight-bit.1@bluepeak.example>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=iso-8859-1\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n"
            b"\r\n"
            b"Hej! Betalningen PY00000002 g\xe4ller faktura G000000002.  \t\r\n"
            b"Med v\xe4nliga h\xe4lsningar\r\n"
            b"\xff\xfe\x80\x81 -- no newline at the end")


def nul_mail() -> bytes:
    """NUL bytes in the text, and an attachment of every byte value sent binary."""
    return (AUTH + b"From: Ann Admin <ann@bluepeak.example>\r\n"
            b"To: allocations@billing.example\r\n"
            b"Subject: Payment allocation\r\n"
            b"Date: Mon, 02 Nov 2026 09:31:00 +0000\r\n"
            b"Message-ID: <nul.1@bluepeak.example>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b0undary\"\r\n"
            b"\r\n"
            b"--b0undary\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"\r\n"
            b"Please allocate payment PY00000001 to invoice G000000001.\x00\x00\r\n"
            b"--b0undary\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: binary\r\n"
            b"Content-Disposition: attachment; filename=\"all-bytes.bin\"\r\n"
            b"\r\n" + bytes(range(256)) + b"\r\n"
            b"--b0undary--\r\n")


def nul_header_mail() -> bytes:
    """NUL bytes in the From and Subject headers, which the store lists as text (PostgreSQL's
    text type cannot hold a NUL: only the bytes column can)."""
    return (AUTH + b"From: Ann\x00 Admin <ann@bluepeak.example>\r\n"
            b"To: allocations@billing.example\r\n"
            b"Subject: Payment\x00 allocation\r\n"
            b"Date: Mon, 02 Nov 2026 09:32:00 +0000\r\n"
            b"Message-ID: <nul-header.1@bluepeak.example>\r\n"
            b"\r\n"
            b"Please allocate payment PY00000002 to invoice G000000002.\r\n")


def nameless_mail() -> bytes:
    """No Message-ID (stored under the sha256 of its bytes), bare LF and CR line ends, NULs."""
    return (b"From: ann@bluepeak.example\n"
            b"To: allocations@billing.example\r\n"
            b"Subject: =?iso-8859-1?q?Zahlung_f=FCr_G000000002?=\n"
            b"\n"
            b"Zahlung PY00000002 f\xfcr G000000002\x00\rsecond line\n\n\n")


def auto_reply_mail() -> bytes:
    return (b"From: Ola Nordmann <ola@nordvik.example>\r\n"
            b"To: allocations@billing.example\r\n"
            b"Subject: Fr\xe5nvarande: Payment allocation\r\n"
            b"Auto-Submitted: auto-replied\r\n"
            b"Message-ID: <away.1@nordvik.example>\r\n"
            b"Content-Type: text/plain; charset=windows-1252\r\n"
            b"\r\n"
            b"Jag \xe4r borta till m\xe5ndag \x96 \x80\x00\r\n")


def awkward_mail() -> dict[str, bytes]:
    """Dedup key -> delivered bytes, for every kind of message the store must keep intact."""
    long_line = "x" * 3000
    mails = [
        request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001.", message_id="<plain.1@bluepeak.example>"),
        request_mail(ANN, f"Pay PY00000002 to G000000404 please.\n{long_line}\n", message_id="<unknown.1@bluepeak.example>"),
        request_mail(TOM, "Please allocate PY00000002 to G000000002.", message_id="<sales.1@bluepeak.example>"),
        request_mail(ANN, "CHOKE on this one", subject="CHOKE", message_id="<choke.1@bluepeak.example>"),
        eight_bit_mail(), nul_mail(), nameless_mail(), auto_reply_mail(),
    ]
    return {dedup_key(raw)[0]: raw for raw in mails}


def stored_raw(database_url: str) -> dict[str, tuple[bytes, str]]:
    """Dedup key -> (stored bytes, status) of every stored message, read afresh."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            table = InboundMessage.__table__
            return {key: (bytes(raw), status) for key, raw, status in conn.execute(select(table.c.dedup_key, table.c.raw, table.c.status))}
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the CLI

class Cli:
    """`allocbot` as an operator runs it, configured through DATABASE_URL only."""

    def __init__(self, tmp_path: Path, database_url: str, name: str = "cli") -> None:
        self.env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
        self.env.update({"DATABASE_URL": database_url, "ALLOCBOT_MAILBOX": f"maildir:{tmp_path / name / 'mailbox'}",
                         "ALLOCBOT_OUTBOX": f"file:{tmp_path / name / 'outbox'}"})

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(allocbot_command() + list(args), cwd=REPO, env={**self.env, **env},
                              capture_output=True, text=True, timeout=180)

    def ok(self, *args: str, **env: str) -> str:
        proc = self(*args, **env)
        assert proc.returncode == 0, f"allocbot {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout


def processed_world(world: BotWorld, monkeypatch) -> dict[str, bytes]:
    """Every awkward message delivered and taken through a whole cycle (decided, filed, replied)."""
    choke_on_subject(monkeypatch)
    mails = awkward_mail()
    for raw in mails.values():
        world.deliver(raw)
    report = world.run()
    assert report.stored == len(mails)
    return mails


# --------------------------------------------------------------------------- raw bytes kept

def test_every_stored_message_keeps_its_raw_bytes_byte_for_byte_after_processing(world, monkeypatch):
    mails = processed_world(world, monkeypatch)
    world.run()  # a second cycle (nothing new) must not touch them either

    stored = stored_raw(world.database_url)
    assert stored.keys() == mails.keys()
    for key, raw in mails.items():
        assert stored[key][0] == raw, f"{key}: stored bytes differ from the delivered ones"
    statuses = {key: status for key, (_, status) in stored.items()}
    # they really went through processing: none is left merely received
    assert "received" not in statuses.values(), statuses
    assert statuses["mid:<plain.1@bluepeak.example>"] == "applied"
    assert statuses["mid:<choke.1@bluepeak.example>"] == "error"
    assert statuses["mid:<away.1@nordvik.example>"] == "ignored"
    assert statuses["mid:<nul.1@bluepeak.example>"] != "error"
    assert any(r.kind == "confirmation" and r.status == "sent" for r in world.outbound())


def test_a_message_with_nul_bytes_in_its_headers_is_stored_whole_and_does_not_stop_intake(world):
    """A NUL in From or Subject must not keep the message (and all mail after it) out of the
    store: the raw bytes are kept as they came, the mail behind it is processed too."""
    odd = nul_header_mail()
    after = request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001.", message_id="<after-nul.1@bluepeak.example>")
    world.deliver(odd)
    world.deliver(after)

    world.run()

    stored = stored_raw(world.database_url)
    assert stored[dedup_key(odd)[0]][0] == odd
    assert stored[dedup_key(odd)[0]][1] != "received"
    assert stored[dedup_key(after)[0]] == (after, "applied")


# --------------------------------------------------------------------------- export DIR

def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


RAW_KEYS = {"raw_base64", "raw_file", "raw_sha256", "raw_size"}


def _raw_of(record: dict, directory: Path) -> bytes:
    if "raw_base64" in record:
        return base64.b64decode(record["raw_base64"], validate=True)
    return (directory / record["raw_file"]).read_bytes()


@pytest.mark.parametrize("raw_format", ["base64", "eml"])
def test_export_writes_every_table_with_raw_mail_and_a_manifest(world, monkeypatch, tmp_path, raw_format):
    mails = processed_world(world, monkeypatch)
    cli = Cli(tmp_path, world.database_url)
    out = tmp_path / "export"

    printed = cli.ok("export", str(out), "--raw", raw_format)

    files = {"requests.jsonl", "allocations.jsonl", "review_items.jsonl", "outbound_messages.jsonl", "audit_events.jsonl"}
    assert files | {"manifest.json"} <= {p.name for p in out.iterdir()}
    # requests: the very records of `requests export --format jsonl`, plus the raw message
    requests = _jsonl(out / "requests.jsonl")
    exported = [json.loads(line) for line in cli.ok("requests", "export", "--format", "jsonl").splitlines()]
    assert [{k: v for k, v in r.items() if k not in RAW_KEYS} for r in requests] == exported
    with Session(world.app.engine) as session:
        keys = dict(session.execute(select(InboundMessage.id, InboundMessage.dedup_key)).all())
    for record in requests:
        raw = _raw_of(record, out)
        assert raw == mails[keys[record["id"]]]
        assert record["raw_sha256"] == hashlib.sha256(raw).hexdigest() and record["raw_size"] == len(raw)
        assert ("raw_file" in record) == (raw_format == "eml") and ("raw_base64" in record) == (raw_format == "base64")

    allocations = _jsonl(out / "allocations.jsonl")
    assert sorted((a["payment_id"], a["invoice_number"], a["amount_minor"]) for a in allocations) == world.allocations()
    assert all(a["amount"] == f"{a['amount_minor'] / 100:.2f}" and a["currency"] == "USD" for a in allocations)
    assert {a["id"] for a in allocations} == {a.id for a in world.rows(Allocation)}

    reviews = _jsonl(out / "review_items.jsonl")
    assert [(r["id"], r["inbound_id"], r["case_ref"], r["status"], r["reasons"]) for r in reviews] == sorted(
        (r.id, r.inbound_id, r.case_ref, r.status, r.reasons) for r in world.review_items())
    assert reviews, "the sales contact and the unreadable mail make review items"

    replies = _jsonl(out / "outbound_messages.jsonl")
    assert [(r["id"], r["kind"], r["to_addr"], r["message_id"], r["status"]) for r in replies] == [
        (r.id, r.kind, r.to_addr, r.message_id, r.status) for r in world.outbound()]
    assert [_raw_of(r, out) for r in replies] == [bytes(r.raw) for r in world.outbound()]
    assert sorted(_raw_of(r, out) for r in replies) == sorted(p.read_bytes() for p in world.outbox_files())

    audit = _jsonl(out / "audit_events.jsonl")
    db_audit = sorted(world.rows(AuditEvent), key=lambda e: e.id)
    assert [(e["id"], e["action"], e["inbound_id"], e["detail"]) for e in audit] == [
        (e.id, e.action, e.inbound_id, json.loads(e.detail)) for e in db_audit]

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = world.table_counts()
    assert manifest["counts"] == {"requests": counts["inboundmessage"], "allocations": counts["allocation"],
                                  "review_items": counts["reviewitem"], "outbound_messages": counts["outboundmessage"],
                                  "audit_events": counts["auditevent"]}
    with world.app.engine.connect() as conn:
        assert manifest["schema_revision"] == conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert manifest["allocbot_version"] == bot.__version__
    assert abs(datetime.fromisoformat(manifest["created_at"]) - datetime.now(UTC)).total_seconds() < 120
    assert manifest["raw"] == raw_format
    assert manifest["eml_files"] == (counts["inboundmessage"] + counts["outboundmessage"] if raw_format == "eml" else 0)
    for name in files:
        assert manifest["files"][name]["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert manifest["files"][name]["records"] == len(_jsonl(out / name))
    assert "requests.jsonl: 8 records" in printed


def test_export_refuses_a_folder_that_is_not_empty_and_an_unknown_raw_format(world, tmp_path):
    cli = Cli(tmp_path, world.database_url)
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")

    refused = cli("export", str(target))
    bad_format = cli("export", str(tmp_path / "new"), "--raw", "zip")

    assert refused.returncode == 1 and "not an empty folder" in refused.stderr
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert bad_format.returncode == 2 and not (tmp_path / "new").exists()


def test_export_holds_only_a_few_raw_messages_in_memory_at_once(world, tmp_path):
    """Streaming: 48 messages of 512 KiB (24 MiB) export with a peak far below their sum."""
    size, count = 512 * 1024, 48
    with Session(world.app.engine) as session:
        for n in range(count):
            raw = request_mail(ANN, "x" * size, message_id=f"<big.{n}@bluepeak.example>")
            journal.add_inbound(session, dedup_key=f"mid:<big.{n}@bluepeak.example>", message_id=f"<big.{n}@bluepeak.example>",
                                source=f"big{n}", raw=raw, from_addr=ANN, subject="big", now=world.now())
        session.commit()

    tracemalloc.start()
    try:
        manifest = export_database(world.database_url, tmp_path / "big", raw="eml", now=world.now())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert manifest.counts["requests"] == count
    assert len(list((tmp_path / "big" / "messages").iterdir())) == count
    assert peak < size * count / 2, f"peak {peak / 2**20:.1f} MiB for {size * count / 2**20:.0f} MiB of mail"


# --------------------------------------------------------------------------- comparing databases

def all_rows(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version included), in primary-key order."""
    engine = make_engine(database_url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        assert set(SQLModel.metadata.tables) | {"alembic_version"} <= set(meta.tables)
        with engine.connect() as conn:
            return {name: [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                           for row in conn.execute(select(table).order_by(*(table.primary_key.columns or table.columns)))]
                    for name, table in meta.tables.items()}
    finally:
        engine.dispose()


def assert_usable(tmp_path: Path, original_url: str, restored_url: str) -> None:
    """The restored database answers the operator's commands exactly as the original did."""
    original, restored = Cli(tmp_path, original_url, "original"), Cli(tmp_path, restored_url, "restored")
    for args in (("billing", "show", "A1"), ("billing", "show", "A2"), ("requests", "export", "--format", "jsonl")):
        assert restored.ok(*args) == original.ok(*args)


def assert_keeps_working(tmp_path: Path, restored_url: str, engines: list[Engine]) -> None:
    """New mail on the restored database: stored under the next id, decided and applied."""
    after = BotWorld(root=tmp_path / "after-restore", database_url=restored_url, engines=engines)
    with Session(after.app.engine) as session:
        last_id = session.execute(text("SELECT max(id) FROM inboundmessage")).scalar_one()
    after.deliver(request_mail(OLA, "Please allocate payment PY00000009 to invoice G000000009.", sender_name="Ola Nordmann",
                               message_id="<after-restore.1@nordvik.example>"))
    after.run()
    row = after.inbound("<after-restore.1@nordvik.example>")
    assert (row.id, row.status) == (last_id + 1, "applied")
    assert after.balances()["G000000009"] == 0


# --------------------------------------------------------------------------- SQLite

@pytest.fixture
def sqlite_world(tmp_path, engines) -> BotWorld:
    w = BotWorld(root=tmp_path / "live", database_url=f"sqlite:///{tmp_path / 'live' / 'allocbot.db'}", engines=engines)
    w.import_ledger(standard_ledger(tmp_path / "ledger"))
    return w


def test_sqlite_backup_restores_every_row_and_allocbot_works_on_it(sqlite_world, monkeypatch, tmp_path, engines):
    mails = processed_world(sqlite_world, monkeypatch)
    cli = Cli(tmp_path, sqlite_world.database_url)
    backup = tmp_path / "backups" / "allocbot-2026-11-25.db"

    printed = cli.ok("backup", str(backup))

    assert "sqlite backup written to" in " ".join(printed.split())
    assert not backup.with_name(backup.name + ".partial").exists()
    with sqlite3.connect(backup) as copy:  # one self-contained file: nothing pending in a -wal
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    # restore = copy the file where DATABASE_URL points (allocbot stopped)
    restored = tmp_path / "restored" / "allocbot.db"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)
    restored_url = f"sqlite:///{restored}"
    assert all_rows(restored_url) == all_rows(sqlite_world.database_url)
    assert {k: raw for k, (raw, _) in stored_raw(restored_url).items()} == mails
    assert_usable(tmp_path, sqlite_world.database_url, restored_url)
    assert_keeps_working(tmp_path, restored_url, engines)


def test_sqlite_backup_never_overwrites_unless_told(sqlite_world, tmp_path):
    cli = Cli(tmp_path, sqlite_world.database_url)
    backup = tmp_path / "allocbot.backup"
    backup.write_bytes(b"yesterday's backup")

    refused = cli("backup", str(backup))
    assert refused.returncode == 1 and "exists" in refused.stderr
    assert backup.read_bytes() == b"yesterday's backup"

    cli.ok("backup", str(backup), "--overwrite")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT count(*) FROM account").fetchone()[0] == 2

    missing = Cli(tmp_path, f"sqlite:///{tmp_path / 'nothing-here.db'}")("backup", str(tmp_path / "x.db"))
    assert missing.returncode == 1 and "no SQLite database" in missing.stderr
    assert not (tmp_path / "nothing-here.db").exists() and not (tmp_path / "x.db").exists()


LOAD_AMOUNT = 10_000_000  # minor units of the one payment and the one invoice the writer draws on


def _check_consistent(path: Path) -> int:
    """The invariants every committed transaction of BusyWriter keeps; returns how many it holds."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        messages = db.execute("SELECT count(*) FROM inboundmessage").fetchone()[0]
        allocated = db.execute("SELECT count(*), coalesce(sum(amount_minor), 0) FROM allocation").fetchone()
        unallocated = db.execute("SELECT unallocated_minor FROM payment WHERE payment_id='PY00000001'").fetchone()[0]
        open_minor = db.execute("SELECT open_minor FROM invoice WHERE invoice_number='G000000001'").fetchone()[0]
        assert allocated == (messages, messages)  # each transaction: one message, one allocation of 1 cent
        assert unallocated == open_minor == LOAD_AMOUNT - messages
        for key, raw in db.execute("SELECT dedup_key, raw FROM inboundmessage"):
            assert key == f"sha256:{hashlib.sha256(raw).hexdigest()}"
        return messages


class BusyWriter:
    """A thread that commits, as fast as it can, transactions the way the worker does: a
    stored message, an allocation of one cent, and both balances lowered by it."""

    def __init__(self, root: Path, database_url: str, engines: list[Engine], *, prefill: int) -> None:
        world = BotWorld(root=root, database_url=database_url, engines=engines)
        world.import_ledger(write_ledger(root / "ledger", accounts=[account("A1")], contacts=[contact(ANN)],
                                         invoices=[invoice("G000000001", "100000.00")],
                                         payments=[payment("PY00000001", "100000.00")]))
        self.engine = world.app.engine
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        with Session(self.engine) as session:  # some size first, so that a copy takes a while
            for _ in range(prefill):
                self._write_one(session)
            session.commit()
        self.committed = prefill  # counted after each commit: at most one behind the database
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _write_one(session: Session) -> None:
        raw = secrets.token_bytes(16 * 1024)
        row = journal.add_inbound(session, dedup_key=f"sha256:{hashlib.sha256(raw).hexdigest()}", message_id="",
                                  source="writer", raw=raw, from_addr=ANN, subject="load", now=datetime.now(UTC))
        session.add(Allocation(payment_id="PY00000001", invoice_number="G000000001", currency="USD", amount_minor=1,
                               inbound_id=row.id, created_at=datetime.now(UTC)))
        session.flush()
        session.execute(update(Payment).where(Payment.payment_id == "PY00000001")
                        .values(unallocated_minor=Payment.unallocated_minor - 1))
        session.execute(update(Invoice).where(Invoice.invoice_number == "G000000001").values(open_minor=Invoice.open_minor - 1))

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                with Session(self.engine) as session:
                    self._write_one(session)
                    session.commit()
                self.committed += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)

    def __enter__(self) -> BusyWriter:
        start = self.committed
        self.thread.start()
        while self.committed < start + 50 and not self.errors:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info) -> None:
        time.sleep(0.2)
        self.stop.set()
        self.thread.join(30)
        assert not self.errors, f"the writer failed: {self.errors[0]!r}"


def test_sqlite_backup_is_consistent_while_a_writer_commits(tmp_path, engines):
    """Every backup taken while the writer commits holds a whole number of its transactions,
    at least all committed before the backup began, and passes every check; the writer is
    never held up."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    backups: list[tuple[Path, int, int]] = []
    with BusyWriter(tmp_path, url, engines, prefill=1500) as writer:
        for n in range(6):
            before = writer.committed
            target = tmp_path / f"backup-{n}.db"
            if n == 5:  # the command as cron runs it
                Cli(tmp_path, url).ok("backup", str(target))
            else:
                backup_sqlite(tmp_path / "busy.db", target)
            backups.append((target, before, writer.committed))
        during = writer.committed

    assert writer.committed > during > 1550, "the writer kept committing while backups were taken"
    for target, before, after in backups:
        held = _check_consistent(target)
        assert before <= held <= after + 1, f"{target.name}: {held} transactions, committed {before}..{after}"
    assert len({_check_consistent(t) for t, _, _ in backups}) > 1, "every backup saw the same state"
    assert _check_consistent(tmp_path / "busy.db") == writer.committed


def test_export_is_one_snapshot_while_a_writer_commits(database_url, tmp_path, engines):
    """The JSONL files of an export taken while the writer commits agree with each other:
    every allocation's message is in requests.jsonl and the other way round."""
    with BusyWriter(tmp_path, database_url, engines, prefill=300) as writer:
        before = writer.committed
        manifest = export_database(database_url, tmp_path / "export", now=datetime.now(UTC))
        after = writer.committed

    requests = {r["id"] for r in _jsonl(tmp_path / "export" / "requests.jsonl")}
    allocated = [a["inbound_id"] for a in _jsonl(tmp_path / "export" / "allocations.jsonl")]
    assert sorted(allocated) == sorted(requests)
    assert before <= len(requests) <= after + 1
    assert manifest.counts["requests"] == manifest.counts["allocations"] == len(requests)
    assert writer.committed > after, "the writer kept committing"


def test_sqlite_backup_of_a_corrupt_file_is_refused_and_writes_nothing(tmp_path):
    source = tmp_path / "broken.db"
    source.write_bytes(b"this is not a database" * 100)

    with pytest.raises(BackupError):
        backup_sqlite(source, tmp_path / "copy.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.db"]


# --------------------------------------------------------------------------- PostgreSQL

def test_pg_command_lines_carry_no_password_and_keep_every_connection_setting(tmp_path):
    url = "postgresql+psycopg://billing%40ops:p%40ss%3Aw0rd@db.internal:6543/allocbot?sslmode=verify-full&sslrootcert=/etc/ca.pem"

    dump = pg_dump_command(url, tmp_path / "a.pgdump")
    restore = pg_restore_command(url.replace("/allocbot?", "/allocbot_restored?"), tmp_path / "a.pgdump")

    for cmd in (dump, restore):
        assert not any("p@ss" in arg or "p%40ss" in arg or "w0rd" in arg for arg in cmd.argv)
        assert cmd.env == {"PGPASSWORD": "p@ss:w0rd", "PGSSLMODE": "verify-full", "PGSSLROOTCERT": "/etc/ca.pem"}
        assert cmd.argv[cmd.argv.index("--host") + 1] == "db.internal"
        assert cmd.argv[cmd.argv.index("--port") + 1] == "6543"
        assert cmd.argv[cmd.argv.index("--username") + 1] == "billing@ops"
    assert dump.argv[:2] == ["pg_dump", "--format=custom"]
    assert dump.argv[dump.argv.index("--dbname") + 1] == "allocbot"
    assert restore.argv[0] == "pg_restore" and restore.argv[-1] == str(tmp_path / "a.pgdump")
    assert restore.argv[restore.argv.index("--dbname") + 1] == "allocbot_restored"
    # a database name that pg tools would read as a connection string is quoted as one
    odd = pg_dump_command("postgresql://u@h/we=ird", tmp_path / "b")
    assert odd.argv[odd.argv.index("--dbname") + 1] == "dbname='we=ird'"
    with pytest.raises(BackupError, match="fancy"):
        pg_dump_command("postgresql://u@h/db?fancy=1", tmp_path / "c")


def test_backup_command_hands_the_password_to_pg_dump_in_the_environment_only(tmp_path):
    """A stand-in pg_dump on PATH records what it was given, as `ps` and /proc would show it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen.json"
    for tool in ("pg_dump", "pg_restore"):
        script = bin_dir / tool
        script.write_text(
            "#!/usr/bin/env python3\n"
            "import json, os, sys\n"
            f"seen = {str(seen)!r}\n"
            "calls = json.load(open(seen)) if os.path.exists(seen) else []\n"
            "calls.append({'argv': sys.argv, 'password': os.environ.get('PGPASSWORD')})\n"
            "json.dump(calls, open(seen, 'w'))\n"
            "if '--file' in sys.argv:\n"
            "    open(sys.argv[sys.argv.index('--file') + 1], 'wb').write(b'PGDMP fake archive')\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    cli = Cli(tmp_path, "postgresql://allocbot:s3cr%2Ft%40pw@db.internal:5432/allocbot")

    cli.ok("backup", str(tmp_path / "nightly.pgdump"), PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    calls = json.loads(seen.read_text())
    assert [Path(c["argv"][0]).name for c in calls] == ["pg_dump", "pg_restore"]  # dump, then read it back
    assert calls[0]["password"] == "s3cr/t@pw"
    assert not any("s3cr" in arg for call in calls for arg in call["argv"])
    assert (tmp_path / "nightly.pgdump").read_bytes() == b"PGDMP fake archive"


@pytest.fixture
def fresh_postgres() -> str:
    """An empty database of its own, made the way an operator restores: CREATE DATABASE."""
    name = f"allocbot_restore_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgres_dump_and_restore_into_a_fresh_database_keeps_every_row(postgres_database_url, fresh_postgres,
                                                                         monkeypatch, tmp_path, engines):
    world = BotWorld(root=tmp_path / "live", database_url=postgres_database_url, engines=engines)
    world.import_ledger(standard_ledger(tmp_path / "ledger"))
    mails = processed_world(world, monkeypatch)
    for e in engines:  # pg_restore --single-transaction needs no idle connections, but be tidy
        e.dispose()
    archive = tmp_path / "allocbot.pgdump"

    printed = Cli(tmp_path, postgres_database_url).ok("backup", str(archive))
    restore = pg_restore_command(fresh_postgres, archive).run(timeout=120)

    assert "postgresql backup written to" in " ".join(printed.split())
    assert archive.read_bytes()[:5] == b"PGDMP"  # the custom format
    assert restore.returncode == 0, restore.stderr
    original, restored = all_rows(postgres_database_url), all_rows(fresh_postgres)
    assert original == restored
    assert len(original["inboundmessage"]) == len(mails) and original["allocation"] and original["auditevent"]
    assert {k: raw for k, (raw, _) in stored_raw(fresh_postgres).items()} == mails
    assert_usable(tmp_path, postgres_database_url, fresh_postgres)
    assert_keeps_working(tmp_path, fresh_postgres, engines)


@pytest.mark.postgres
def test_postgres_backup_of_an_unreachable_database_fails_and_writes_nothing(tmp_path):
    url = make_url(PG_ADMIN_URL).set(database=f"no_such_db_{secrets.token_hex(4)}").render_as_string(hide_password=False)

    proc = Cli(tmp_path, url)("backup", str(tmp_path / "x.pgdump"))

    assert proc.returncode == 1 and "pg_dump failed" in proc.stderr
    assert not list(tmp_path.glob("x.pgdump*"))
