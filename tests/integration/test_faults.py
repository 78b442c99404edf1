"""Faults at the edges (issue 5; DESIGN.md promise 3, nothing lost, nothing twice).

The IMAP server dies or hangs in the middle of a batch, the SMTP server refuses or is down for
a while, the database drops the bot's connections mid-transaction, the outbox disk fills up.
Each time the bot logs, backs off and recovers, and in the end every message is processed
exactly once and every reply sent exactly once. The servers are real: Dovecot, aiosmtpd,
PostgreSQL, and a tmpfs that really runs out of space (or /dev/full where mounting is not allowed).

Time for retries is the app's clock (`BotWorld.later()`); the worker's jobs are run one at a
time through the worker's own job wrapper (`Worker._job`, what APScheduler calls), so what a job
logs and records on failure is what production does.
"""
from __future__ import annotations

import errno
import itertools
import logging
import os
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url
from sqlmodel import Session

import bot.replies.file
from bot.ledger.checkpoints import checkpoint_for
from bot.ledger.tables import AuditEvent, InboundMessage, JobRun
from bot.replies.file import FileOutbox
from bot.worker import Worker
from tests.integration.conftest import ANN, PG_ADMIN_URL, BotWorld, request_mail
from tests.integration.smtp_server import free_port


def small_allocation(n: int) -> bytes:
    """10.0n of PY00000002 (500.00) onto G000000002 (250.00): twenty of them fit. Each amount
    differs: the same allocation asked for twice is held as a duplicate."""
    return request_mail(body=f"Please allocate {small_amount(n) / 100:.2f} USD of payment PY00000002 to invoice G000000002.",
                        message_id=f"<fault.{n}@bluepeak.example>")


def small_amount(n: int) -> int:
    return 10_00 + n


def ids(n: int) -> list[str]:
    return [f"<fault.{i}@bluepeak.example>" for i in range(n)]


def events(caplog, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def assert_processed_once(world: BotWorld, message_ids: list[str], delivered: list[bytes]) -> None:
    """Every message stored once and applied once; every reply (In-Reply-To) delivered once."""
    records = world.export()
    assert sorted(r["message_id"] for r in records) == sorted(message_ids)
    assert {r["status"] for r in records} == {"applied"}
    amounts = [small_amount(int(m.split(".")[1].split("@")[0])) for m in message_ids]
    assert sorted(world.allocations()) == sorted(("PY00000002", "G000000002", a) for a in amounts)
    assert world.balances()["PY00000002"] == 500_00 - sum(amounts)
    stored = [e for e in world.rows(AuditEvent) if e.action == "stored"]
    assert len(stored) == len(message_ids)
    rows = world.outbound()
    assert [r.status for r in rows] == ["sent"] * len(message_ids)
    answered = [message_from_bytes(raw, policy=policy.default)["In-Reply-To"] for raw in delivered]
    assert sorted(answered) == sorted(message_ids), "a reply was lost or sent twice"


class SchedulerStub:
    """Stands in for APScheduler: records when the worker asks to run intake again."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, datetime]] = []

    def modify_job(self, job_id: str, *, next_run_time: datetime) -> None:
        self.requests.append((job_id, next_run_time))


def worker_for(world: BotWorld) -> Worker:
    worker = Worker(world.app, holder="fault-test-worker")
    worker.scheduler = SchedulerStub()  # type: ignore[assignment]
    return worker


def run_intake_job(worker: Worker) -> None:
    """One run of the `intake` job, exactly as the scheduler calls it (never raises)."""
    worker._job("intake", worker.intake_job)


def job_row(world: BotWorld, name: str = "intake") -> JobRun:
    [row] = [r for r in world.rows(JobRun) if r.name == name]
    return row


# =========================================================================== IMAP

@pytest.fixture
def imap_world(database_url, tmp_path, engines, dovecot, smtp_server):
    """The standard ledger; mail in from Dovecot in batches of 5, replies out to aiosmtpd."""
    smtp = smtp_server.start()

    def make(**settings) -> BotWorld:
        made = BotWorld(root=tmp_path, database_url=database_url, engines=engines, settings_overrides={
            "mailbox": dovecot.url(), "outbox": smtp.url, "batch_size": 5, "socket_timeout_seconds": 3, **settings})
        made.dovecot, made.smtp = dovecot, smtp
        return made

    world = make()
    world.import_ledger()
    world.make = make
    return world


def after_stored(world: BotWorld, monkeypatch, count: int, action) -> list[str]:
    """Call `action()` right after the `count`-th message is committed (and its checkpoint with it)."""
    mailbox, stored = world.app.mailbox, []
    real = mailbox.stored

    def stored_then(key: str) -> None:
        real(key)
        stored.append(key)
        if len(stored) == count:
            action()

    monkeypatch.setattr(mailbox, "stored", stored_then)
    return stored


@pytest.mark.dovecot
def test_imap_server_killed_mid_batch_then_restarted(imap_world, monkeypatch, caplog):
    """Dovecot dies between two FETCHes of the second batch: the job logs, backs off, still
    decides and answers what it stored; once the server is back, the rest follows, once each."""
    world, dovecot, smtp = imap_world, imap_world.dovecot, imap_world.smtp
    for n in range(20):
        dovecot.append(small_allocation(n))
    world.app.mailbox.chunk_size = 2  # batch 2 is UIDs 6-10, fetched as 6-7, 8-9, 10
    after_stored(world, monkeypatch, 7, dovecot.stop)
    worker = worker_for(world)
    caplog.set_level(logging.INFO)
    started = world.now()

    run_intake_job(worker)

    assert len(events(caplog, "mailbox_retry")) == 1  # tried once more on a fresh connection at once
    assert len(events(caplog, "job_failed")) == 1 and "MailboxError" in job_row(world).last_error
    [(job, when)] = worker.scheduler.requests  # then backs off: the next try in about 2 s (2 s less up to 20 %)
    assert job == "intake" and timedelta(seconds=1.5) <= when - started <= timedelta(seconds=2) + (world.now() - started)
    with Session(world.app.engine) as session:
        assert checkpoint_for(session, mailbox=world.app.mailbox.name).last_uid == 7
    assert len(world.export()) == 7 and len(smtp.received) == 7  # what was stored is decided and answered anyway
    assert all(r.filed_at is None for r in world.rows(InboundMessage))  # filing waits for the server

    dovecot.start()
    run_intake_job(worker)

    assert len(events(caplog, "job_failed")) == 1 and worker.mailbox_failures == 0
    assert job_row(world).last_ok_at is not None
    assert_processed_once(world, ids(20), [raw for _, _, raw in smtp.received])
    assert dovecot.uids("INBOX") == []
    filed = dovecot.messages("Allocations.Applied")
    assert sorted(message_from_bytes(raw)["Message-ID"] for raw in filed) == sorted(ids(20))  # each filed once


@pytest.mark.dovecot
def test_the_running_worker_rides_out_an_imap_server_death(imap_world, monkeypatch, caplog):
    """The whole worker (scheduler, IDLE watcher, jobs) while Dovecot dies mid-batch and comes
    back a few seconds later: it answers what it stored, keeps trying, and finishes the rest."""
    world = imap_world.make(poll_seconds=1, outbox_seconds=1, idle_renew_seconds=60)
    dovecot, smtp = world.dovecot, world.smtp
    for n in range(20):
        dovecot.append(small_allocation(n))
    world.app.mailbox.chunk_size = 2
    stored = after_stored(world, monkeypatch, 7, dovecot.stop)
    caplog.set_level(logging.INFO)
    worker = Worker(world.app)
    thread = threading.Thread(target=worker.work, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    try:
        smtp.wait_for(7, timeout=30)  # stored before the death: decided and answered anyway
        time.sleep(3)  # down for a while: the worker fails, backs off, tries again
        assert len(stored) == 7 and len(smtp.received) == 7
        dovecot.start()
        smtp.wait_for(20, timeout=60)
        deadline = time.monotonic() + 30
        while dovecot.uids("INBOX") and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # a reply sent twice would arrive now
    finally:
        worker.stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()

    assert len(events(caplog, "job_failed")) >= 1 and events(caplog, "mailbox_retry")
    assert_processed_once(world, ids(20), [raw for _, _, raw in smtp.received])
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Allocations.Applied")) == 20


@pytest.mark.dovecot
def test_imap_server_restarted_between_two_runs(imap_world, caplog):
    """The kept connection died with the server while the worker waited: the next run notices,
    reconnects at once and carries on, without failing the job."""
    world, dovecot, smtp = imap_world, imap_world.dovecot, imap_world.smtp
    worker = worker_for(world)
    for n in range(3):
        dovecot.append(small_allocation(n))
    run_intake_job(worker)
    assert len(smtp.received) == 3

    dovecot.stop()
    dovecot.start()
    for n in range(3, 6):
        dovecot.append(small_allocation(n))
    caplog.set_level(logging.INFO)
    run_intake_job(worker)

    assert events(caplog, "mailbox_retry") and not events(caplog, "job_failed")
    assert_processed_once(world, ids(6), [raw for _, _, raw in smtp.received])
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Allocations.Applied")) == 6


@pytest.mark.dovecot
def test_imap_server_that_hangs_mid_batch_times_out_and_the_job_goes_on(imap_world, monkeypatch, caplog):
    """The server process serving the bot stops answering (a hung server, a dead network path):
    the socket timeout ends the wait, and a fresh connection picks up from the checkpoint."""
    world, dovecot, smtp = imap_world, imap_world.dovecot, imap_world.smtp
    for n in range(10):
        dovecot.append(small_allocation(n))
    frozen: list[int] = []
    after_stored(world, monkeypatch, 5, lambda: frozen.extend(dovecot.freeze()))
    worker = worker_for(world)
    caplog.set_level(logging.INFO)

    run_intake_job(worker)

    assert frozen, "no IMAP process of the bot was found to freeze"
    failed = events(caplog, "imap_failed")
    assert failed and any(word in failed[0].getMessage().lower() for word in ("timeout", "timed out"))
    assert events(caplog, "mailbox_retry") and not events(caplog, "job_failed")
    assert_processed_once(world, ids(10), [raw for _, _, raw in smtp.received])
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Allocations.Applied")) == 10


@pytest.mark.dovecot
def test_imap_server_dies_as_it_moves_a_message(imap_world, monkeypatch, caplog):
    """The server carries out the first batch's MOVE and dies before the bot hears its answer
    (the lost answer is injected; the move and the death are real): filing is left for later
    and logged; after the restart the bot finds those messages moved already, and files each of
    the others once."""
    world, dovecot, smtp = imap_world, imap_world.dovecot, imap_world.smtp
    for n in range(6):
        dovecot.append(small_allocation(n))
    mailbox = world.app.mailbox
    real_move, moves = mailbox._move, []

    def move_then_die(client, uids, target):
        real_move(client, uids, target)
        moves.append(uids)
        if len(moves) == 1:  # the first batch: batch_size (5) of the 6 messages
            dovecot.stop()
            raise ConnectionResetError(errno.ECONNRESET, "connection reset before the answer to MOVE")

    monkeypatch.setattr(mailbox, "_move", move_then_die)
    caplog.set_level(logging.INFO)

    first = world.run()

    assert first.decided == {"applied": 6} and first.sent == 6 and first.filed == 0 and len(moves[0]) == 5
    assert events(caplog, "file_failed") and first.stopped == "mailbox refused filing"
    dovecot.start()
    second = world.run()

    assert (second.stored, sum(second.decided.values()), second.sent, second.filed) == (0, 0, 0, 6)
    assert events(caplog, "imap_already_filed")
    assert_processed_once(world, ids(6), [raw for _, _, raw in smtp.received])
    assert dovecot.uids("INBOX") == []
    filed = dovecot.messages("Allocations.Applied")
    assert sorted(message_from_bytes(raw)["Message-ID"] for raw in filed) == sorted(ids(6))


# =========================================================================== SMTP

def smtp_world(tmp_path, database_url, engines, outbox_url: str) -> BotWorld:
    """Maildir in, the given SMTP server out, retries after 60 s (less up to 10 % jitter)."""
    world = BotWorld(root=tmp_path, database_url=database_url, engines=engines,
                     settings_overrides={"outbox": outbox_url, "retry_base_seconds": 60})
    world.import_ledger()
    return world


@pytest.mark.parametrize("code, stage", [(421, "data"), (451, "rcpt"), (421, "mail"), (450, "mail")])
def test_smtp_refusing_for_a_while_then_accepting(tmp_path, database_url, engines, smtp_server, caplog, code, stage):
    flaky = smtp_server.start(fail_first=3, fail_code=code, fail_on=stage)
    world = smtp_world(tmp_path, database_url, engines, flaky.url)
    for n in range(3):
        world.deliver(small_allocation(n))
    caplog.set_level(logging.INFO)

    first = world.run()
    # a refusal ends the batch (the server refuses for now); the replies not tried yet go next time
    assert first.decided == {"applied": 3} and (first.sent, first.deferred) == (0, 1)
    tries = [world.run() for _ in range(3)]
    assert [(r.sent, r.deferred) for r in tries] == [(0, 1), (0, 1), (0, 0)]  # each refused once, then all wait
    assert flaky.attempts == 3 and flaky.received == []
    for row in world.outbound():
        assert (row.status, row.attempts) == ("pending", 1) and str(code) in row.last_error
        wait = aware(row.next_attempt_at) - world.now()
        assert timedelta(seconds=50) < wait <= timedelta(seconds=60)  # backed off, by the app's clock
    assert len(events(caplog, "reply_deferred")) == 3

    world.later(seconds=30)
    early = world.run()
    assert (early.sent, early.deferred, flaky.attempts) == (0, 0, 3)  # not before its time

    world.later(seconds=31)
    last = world.run()
    world.later(hours=2)
    after = world.run()

    assert (last.sent, after.sent, after.deferred) == (3, 0, 0)
    assert [(r.status, r.attempts) for r in world.outbound()] == [("sent", 2)] * 3
    assert_processed_once(world, ids(3), [raw for _, _, raw in flaky.received])
    assert all(rcpt == [ANN] for _, rcpt, _ in flaky.received)
    assert len(events(caplog, "reply_sent")) == 3


class _Sink:
    """An SMTP server's DATA handler that keeps what it accepts."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(envelope.original_content or envelope.content)
        return "250 2.0.0 OK"


def test_smtp_server_down_then_back(tmp_path, database_url, engines, caplog):
    port = free_port()
    world = smtp_world(tmp_path, database_url, engines, f"smtp://127.0.0.1:{port}?tls=off")
    for n in range(3):
        world.deliver(small_allocation(n))
    caplog.set_level(logging.INFO)

    first = world.run()

    assert first.decided == {"applied": 3} and (first.sent, first.deferred) == (0, 3)  # each due reply backs off
    assert events(caplog, "outbox_unreachable")
    assert all(r.status == "pending" and r.attempts == 1 and "cannot connect" in r.last_error for r in world.outbound())

    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()  # the server is back, on the same address
    try:
        early = world.run()
        assert (early.sent, early.deferred) == (0, 0) and sink.received == []  # still waiting out the backoff
        world.later(seconds=61)
        back = world.run()
        world.later(hours=2)
        after = world.run()
    finally:
        controller.stop()

    assert (back.sent, after.sent) == (3, 0)
    assert_processed_once(world, ids(3), sink.received)


# =========================================================================== PostgreSQL

def terminate_bot_connections(database_url: str) -> int:
    """What a failover or a connection reaper does: every server process connected to the
    test database (the bot's) is terminated from an admin connection. Returns how many."""
    name = make_url(database_url).database
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        rows = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchall()
    return sum(1 for (done,) in rows if done)


@pytest.fixture
def pg_world(postgres_database_url, tmp_path, engines) -> BotWorld:
    world = BotWorld(root=tmp_path, database_url=postgres_database_url, engines=engines)
    world.import_ledger()
    return world


def cut_on_call(monkeypatch, module, name: str, nth: int, database_url: str, *, before: bool = False) -> list[int]:
    """Wrap module.name: on its nth call, terminate the bot's connections (after the call, or
    before it). Returns the list of terminated-counts, one per cut."""
    real, calls, cuts = getattr(module, name), itertools.count(1), []

    def wrapper(*args, **kwargs):
        n = next(calls)
        if before and n == nth:
            cuts.append(terminate_bot_connections(database_url))
        result = real(*args, **kwargs)
        if not before and n == nth:
            cuts.append(terminate_bot_connections(database_url))
        return result

    monkeypatch.setattr(module, name, wrapper)
    return cuts


@pytest.mark.postgres
def test_database_connection_cut_while_deciding(pg_world, postgres_database_url, monkeypatch, caplog):
    """The connection dies inside the deciding transaction (after the match, before the
    allocation is written): nothing of it is committed, the message stays waiting, and the
    next cycle decides it — it is not mistaken for a message that cannot be read."""
    import bot.handling.judge

    world = pg_world
    for n in range(4):
        world.deliver(small_allocation(n))
    cuts = cut_on_call(monkeypatch, bot.handling.judge, "decide", 2, postgres_database_url)
    caplog.set_level(logging.INFO)

    first = world.run()

    assert cuts and cuts[0] >= 1
    assert first.decided.get("applied") == 3  # the other three went through
    assert [r for r in caplog.records if r.name.startswith("allocbot") and r.levelno >= logging.WARNING]  # and it says so
    monkeypatch.undo()
    second = world.run()

    assert second.decided == {"applied": 1}
    assert_processed_once(world, ids(4), [p.read_bytes() for p in world.outbox_files()])
    assert world.review_items() == []


@pytest.mark.postgres
def test_database_connection_cut_while_storing(pg_world, postgres_database_url, monkeypatch, caplog):
    """The connection dies inside the storing transaction of the second message: the job fails
    and says so; the message is still in the mailbox, and the next run stores it once."""
    from bot.ledger import journal

    world = pg_world
    for n in range(3):
        world.deliver(small_allocation(n))
    cuts = cut_on_call(monkeypatch, journal, "add_inbound", 2, postgres_database_url)
    worker = worker_for(world)
    caplog.set_level(logging.INFO)

    run_intake_job(worker)

    assert cuts and cuts[0] >= 1
    assert len(events(caplog, "job_failed")) == 1 and "OperationalError" in job_row(world).last_error
    assert [r["message_id"] for r in world.export()] == ids(1)
    assert len(list((world.maildir / "new").iterdir())) == 2  # not taken from the mailbox

    run_intake_job(worker)

    assert len(events(caplog, "job_failed")) == 1 and job_row(world).last_ok_at is not None
    assert_processed_once(world, ids(3), [p.read_bytes() for p in world.outbox_files()])


@pytest.mark.postgres
def test_database_connection_cut_while_a_reply_is_handed_over(pg_world, postgres_database_url, monkeypatch):
    """The connection dies while the transport has the reply: the result is recorded on a
    fresh connection, so the reply is marked sent and never handed over a second time."""
    world = pg_world
    world.app  # build the app (and its file outbox) first
    handed = []
    real_send = world.app.outbox.send

    def send_and_cut(raw, *, to, message_id):
        handed.append(message_id)
        real_send(raw, to=to, message_id=message_id)
        if len(handed) == 2:
            terminate_bot_connections(postgres_database_url)

    monkeypatch.setattr(world.app.outbox, "send", send_and_cut)
    for n in range(3):
        world.deliver(small_allocation(n))

    first = world.run()
    world.later(minutes=30)  # past any claim a lost connection could have left behind
    again = world.run()

    assert (first.sent, again.sent) == (3, 0)
    assert len(handed) == len(set(handed)) == 3
    assert_processed_once(world, ids(3), [p.read_bytes() for p in world.outbox_files()])


# =========================================================================== a full disk

class TinyTmpfs:
    """A real 64 KiB tmpfs mounted on the outbox folder (needs root and mount rights)."""

    label = "tmpfs"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.filler = folder / ".filler"

    def mount(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root; the /dev/full variant covers a full disk")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(self.folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the /dev/full variant covers a full disk")

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.folder)], capture_output=True, check=False)

    def fill(self) -> None:
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink()

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if p.name != ".filler")


class DevFull:
    """Fault injection where mounting is not allowed: while "full", the outbox's temporary file
    is opened on /dev/full, whose writes fail with a real ENOSPC from the kernel."""

    label = "dev-full"

    def __init__(self, folder: Path, monkeypatch) -> None:
        self.folder = folder
        self.full = False
        outer = self

        class _Tempfile:
            @staticmethod
            def mkstemp(**kwargs):
                fd, name = tempfile.mkstemp(**kwargs)  # the real temporary file, so cleanup has a real path
                if not outer.full:
                    return fd, name
                os.close(fd)
                return os.open("/dev/full", os.O_WRONLY), name

        monkeypatch.setattr(bot.replies.file, "tempfile", _Tempfile)

    def mount(self) -> None:
        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full on this system")

    def unmount(self) -> None:
        pass

    def fill(self) -> None:
        self.full = True

    def free(self) -> None:
        self.full = False

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir()) if self.folder.exists() else []


@pytest.fixture(params=["tmpfs", "dev-full"])
def full_disk(request, tmp_path, monkeypatch):
    disk = TinyTmpfs(tmp_path / "outbox") if request.param == "tmpfs" else DevFull(tmp_path / "outbox", monkeypatch)
    disk.mount()
    yield disk
    disk.unmount()


def test_a_full_outbox_disk_keeps_replies_pending_until_space_is_back(world, full_disk, caplog):
    assert isinstance(world.app.outbox, FileOutbox) and world.outbox_dir == full_disk.folder
    for n in range(2):
        world.deliver(small_allocation(n))
    full_disk.fill()
    caplog.set_level(logging.INFO)

    first = world.run()

    assert first.decided == {"applied": 2} and (first.sent, first.deferred) == (0, 1)
    assert full_disk.leftovers() == []  # no reply, and no half-written temporary file
    refused, untried = world.outbound()
    assert (refused.status, refused.attempts) == ("pending", 1) and "No space left on device" in refused.last_error
    assert (untried.status, untried.attempts) == ("pending", 0)
    [deferred] = events(caplog, "reply_deferred")
    assert "No space left" in deferred.getMessage()

    full_disk.free()
    second = world.run()  # the untried reply goes now; the refused one waits its backoff
    assert (second.sent, second.deferred) == (1, 0)
    world.later(seconds=61)
    third = world.run()
    world.later(hours=2)
    fourth = world.run()

    assert (third.sent, fourth.sent) == (1, 0)
    assert_processed_once(world, ids(2), [p.read_bytes() for p in world.outbox_files()])
    assert full_disk.leftovers() == sorted(p.name for p in world.outbox_files())  # two replies, nothing else
