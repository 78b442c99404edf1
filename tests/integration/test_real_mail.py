"""The whole bot against real mail servers: Dovecot (IMAP) in, aiosmtpd (SMTP) out.

Messages arrive with IMAP APPEND; `run --once` or the worker processes them; the tests look
at the folders on the server, the database rows and the replies the SMTP server accepted."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.ledger.checkpoints import checkpoint_for
from bot.ledger.tables import AuditEvent
from bot.worker import Worker
from tests.integration.conftest import ANN, REPO, BotWorld, choke_on_subject, request_mail

pytestmark = pytest.mark.dovecot

APPLY = "Please allocate payment PY00000001 to invoice G000000001."
UNKNOWN_INVOICE = "Please allocate payment PY00000002 to invoice G000000777."
OUT_OF_OFFICE = (b"From: Ann Admin <ann@bluepeak.example>\r\nTo: allocations@billing.example\r\n"
                 b"Subject: Automatic reply: Payment allocation\r\nAuto-Submitted: auto-replied\r\n"
                 b"Message-ID: <ooo.1@bluepeak.example>\r\n\r\nI am out of the office until Monday.\r\n")


def small_allocation(n: int) -> bytes:
    """10.00 + n cents: each differs (the same allocation asked for twice is held as a duplicate)."""
    return request_mail(body=f"Please allocate {(10_00 + n) / 100:.2f} USD of payment PY00000002 to invoice G000000002.",
                        message_id=f"<small.{n}@bluepeak.example>")


@pytest.fixture
def real_world(database_url, tmp_path, engines, dovecot, smtp_server):
    """The standard ledger, a Dovecot mailbox and an SMTP server, on one database."""
    smtp = smtp_server.start()

    def make(**settings) -> BotWorld:
        world = BotWorld(root=tmp_path, database_url=database_url, engines=engines, settings_overrides={
            "mailbox": dovecot.url(), "outbox": smtp.url, "socket_timeout_seconds": 10, **settings})
        return world

    world = make()
    world.import_ledger()
    world.dovecot, world.smtp, world.make = dovecot, smtp, make
    return world


def replies(smtp) -> list:
    return [message_from_bytes(content, policy=policy.default) for _, _, content in smtp.received]


def test_one_cycle_files_every_message_by_outcome_and_replies_over_smtp(real_world):
    dovecot, smtp = real_world.dovecot, real_world.smtp
    dovecot.append(request_mail(body=APPLY, message_id="<apply@bluepeak.example>"))
    dovecot.append(request_mail(body=UNKNOWN_INVOICE, message_id="<unknown@bluepeak.example>"))
    dovecot.append(request_mail(sender="stranger@elsewhere.example", body=APPLY, message_id="<stranger@elsewhere.example>"))
    dovecot.append(OUT_OF_OFFICE)

    report = real_world.run()

    assert report.decided == {"applied": 1, "needs_info": 1, "review": 1, "ignored": 1} and report.filed == 4
    assert dovecot.uids("INBOX") == []
    assert [len(dovecot.uids(f)) for f in ("Allocations.Applied", "Allocations.Review", "Allocations.Ignored")] == [1, 2, 1]
    assert real_world.allocations() == [("PY00000001", "G000000001", 100_00)]
    sent = replies(smtp)
    assert sorted((m["To"].addresses[0].addr_spec, m["In-Reply-To"]) for m in sent) == [
        (ANN, "<apply@bluepeak.example>"), (ANN, "<unknown@bluepeak.example>")]  # nothing to the stranger or the auto-reply
    assert all(env_from == "allocations@billing.example" for env_from, _, _ in smtp.received)
    assert {r.status for r in real_world.outbound()} == {"sent"}
    with Session(real_world.app.engine) as session:
        checkpoint = checkpoint_for(session, mailbox=real_world.app.mailbox.name)
    assert checkpoint.folder == "INBOX" and checkpoint.last_uid == 4 and checkpoint.uidvalidity == dovecot.uidvalidity("INBOX")

    again = real_world.run()

    assert (again.stored, again.duplicates, sum(again.decided.values()), again.sent) == (0, 0, 0, 0)
    assert len(smtp.received) == 2


def test_the_same_mail_delivered_twice_is_decided_once_and_the_copy_filed_as_ignored(real_world):
    dovecot = real_world.dovecot
    dovecot.append(request_mail(body=APPLY, message_id="<twice@bluepeak.example>"))
    real_world.run()
    dovecot.append(request_mail(body=APPLY, message_id="<twice@bluepeak.example>"))

    report = real_world.run()

    assert (report.stored, report.duplicates) == (0, 1)
    assert len(dovecot.uids("Allocations.Applied")) == 1 and len(dovecot.uids("Allocations.Ignored")) == 1
    assert real_world.allocations() == [("PY00000001", "G000000001", 100_00)]
    assert len(real_world.smtp.received) == 1


def test_a_new_uidvalidity_rereads_the_folder_and_processes_nothing_twice(real_world):
    dovecot = real_world.dovecot
    dovecot.append(request_mail(body=APPLY, message_id="<before@bluepeak.example>"))
    real_world.run()
    # someone copies the handled request back into INBOX, then the server renumbers the folder
    [applied_raw] = dovecot.messages("Allocations.Applied")
    dovecot.append(applied_raw)
    dovecot.append(request_mail(body=UNKNOWN_INVOICE, message_id="<after@bluepeak.example>"))
    old = dovecot.uidvalidity("INBOX")
    real_world.app.mailbox.close()  # a renumbering comes with a restore or migration: connections drop
    dovecot.renumber()
    assert dovecot.uidvalidity("INBOX") != old

    report = real_world.run()

    assert (report.stored, report.duplicates) == (1, 1)
    assert report.decided == {"needs_info": 1}
    assert real_world.allocations() == [("PY00000001", "G000000001", 100_00)]
    assert dovecot.uids("INBOX") == []
    assert len(real_world.smtp.received) == 2


def test_a_message_that_breaks_the_parser_is_quarantined_and_the_cycle_goes_on(real_world, monkeypatch):
    choke_on_subject(monkeypatch)
    real_world.dovecot.append(request_mail(subject="CHOKE", body=APPLY, message_id="<choke@bluepeak.example>"))
    real_world.dovecot.append(request_mail(body=APPLY, message_id="<fine@bluepeak.example>"))

    report = real_world.run()

    assert report.decided == {"error": 1, "applied": 1}
    [quarantined] = real_world.dovecot.messages("Allocations.Quarantine")
    assert b"<choke@bluepeak.example>" in quarantined
    assert real_world.inbound("<choke@bluepeak.example>").status == "error"
    assert len(real_world.dovecot.uids("Allocations.Applied")) == 1


def test_replies_refused_with_451_are_retried_until_accepted(real_world, smtp_server):
    flaky = smtp_server.start(fail_first=2, fail_code=451)
    world = real_world.make(outbox=flaky.url, retry_base_seconds=30)
    real_world.dovecot.append(request_mail(body=APPLY))

    first = world.run()
    world.later(seconds=31)
    second = world.run()
    world.later(seconds=61)
    third = world.run()

    assert [(r.sent, r.deferred) for r in (first, second, third)] == [(0, 1), (0, 1), (1, 0)]
    [row] = world.outbound()
    assert (row.status, row.attempts) == ("sent", 3) and "451" in row.last_error
    assert len(flaky.received) == 1 and flaky.attempts == 3


def test_a_reply_refused_with_550_is_failed_never_retried_and_shown_by_status(real_world, smtp_server):
    refusing = smtp_server.start(reject_code=550, fail_on="rcpt")
    world = real_world.make(outbox=refusing.url)
    real_world.dovecot.append(request_mail(body=APPLY))

    first = world.run()
    world.later(hours=3)
    world.run()

    assert (first.sent, first.failed) == (0, 1)
    [row] = world.outbound()
    assert row.status == "failed" and "550" in row.last_error and row.attempts == 1
    assert refusing.attempts == 1
    from bot.status import gather_status
    status = gather_status(world.app)
    assert status.stats.outbox_failed == 1 and status.failed_replies[0][0] == row.message_id
    assert status.health.reachable and status.checkpoint.last_uid == 1


# --------------------------------------------------------------------------- the worker

def run_worker_in_thread(world: BotWorld) -> tuple[Worker, threading.Thread]:
    worker = Worker(world.app)
    thread = threading.Thread(target=worker.work, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    return worker, thread


def stop_worker(worker: Worker, thread: threading.Thread) -> None:
    worker.stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the worker did not stop within 30 s"


def wait_for_idle(dovecot, timeout: float = 10.0) -> None:
    """Until Dovecot shows a session in IDLE (the worker is listening)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "IDLE" in dovecot.doveadm("who", "-1") or "idle" in dovecot.log().lower():
            return
        time.sleep(0.1)


def test_the_worker_confirms_a_request_within_seconds_over_idle_and_again_after_the_connection_is_killed(real_world):
    # a 10-minute poll: only IDLE can make this fast
    world = real_world.make(poll_seconds=600, outbox_seconds=600, idle_renew_seconds=60)
    dovecot, smtp = real_world.dovecot, real_world.smtp
    worker, thread = run_worker_in_thread(world)
    try:
        time.sleep(1.5)  # the first poll ran, IDLE is established
        started = time.monotonic()
        dovecot.append(request_mail(body=APPLY, message_id="<idle.1@bluepeak.example>"))
        smtp.wait_for(1, timeout=30)
        first_latency = time.monotonic() - started

        dovecot.kick()  # the server drops every connection of the bot's user mid-IDLE
        time.sleep(0.5)
        started = time.monotonic()
        dovecot.append(small_allocation(1))
        smtp.wait_for(2, timeout=60)
        second_latency = time.monotonic() - started
    finally:
        stop_worker(worker, thread)

    print(f"\nIDLE: APPEND → confirmation accepted by SMTP in {first_latency:.2f} s; "
          f"after the connection was killed mid-IDLE: {second_latency:.2f} s")
    assert first_latency < 30 and second_latency < 60  # generous: the poll alone would take 600 s
    assert [m["In-Reply-To"] for m in replies(smtp)] == ["<idle.1@bluepeak.example>", "<small.1@bluepeak.example>"]
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Allocations.Applied")) == 2


@pytest.mark.postgres
def test_two_workers_on_one_mailbox_process_each_message_once(dovecot, smtp_server, postgres_database_url, tmp_path, engines):
    """Two scaled Procfile workers on one PostgreSQL: the intake lease, row claims and the
    outbox claims make each message stored, decided, filed and answered exactly once."""
    smtp = smtp_server.start()
    settings = {"mailbox": dovecot.url(), "outbox": smtp.url, "poll_seconds": 1, "outbox_seconds": 1, "batch_size": 3}
    first = BotWorld(root=tmp_path / "one", database_url=postgres_database_url, engines=engines, settings_overrides=settings)
    first.import_ledger()
    second = BotWorld(root=tmp_path / "two", database_url=postgres_database_url, engines=engines, settings_overrides=settings)
    for n in range(20):
        dovecot.append(small_allocation(n))
    workers = [run_worker_in_thread(first), run_worker_in_thread(second)]
    try:
        smtp.wait_for(20, timeout=60)
        time.sleep(2)  # any double send would arrive now
    finally:
        for worker, thread in workers:
            stop_worker(worker, thread)

    sent_ids = [m["In-Reply-To"] for m in replies(smtp)]
    assert sorted(sent_ids) == sorted(f"<small.{n}@bluepeak.example>" for n in range(20))  # each once
    assert len(first.allocations()) == 20 and first.balances()["PY00000002"] == 500_00 - sum(10_00 + n for n in range(20))
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Allocations.Applied")) == 20
    stored_by = {json.loads(e.detail).get("source") for e in first.rows(AuditEvent) if e.action == "stored"}
    assert len(stored_by) == 20  # each message stored once, whichever worker held the intake lease


def test_sigterm_stops_the_worker_cleanly(tmp_path, dovecot, smtp_server):
    smtp = smtp_server.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "ALLOCBOT_MAILBOX": dovecot.url(),
           "ALLOCBOT_OUTBOX": smtp.url, "ALLOCBOT_POLL_SECONDS": "600", "ALLOCBOT_LOG_FORMAT": "json"}
    subprocess.run([sys.executable, "-m", "bot.cli", "ledger", "import", str(_ledger(tmp_path))], env=env, cwd=REPO, check=True,
                   capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        dovecot.append(request_mail(body=APPLY, message_id="<term@bluepeak.example>"))
        smtp.wait_for(1, timeout=30)
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0
    events = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    kinds = [e.get("event") for e in events]
    assert "message_decided" in kinds and "reply_sent" in kinds and kinds[-1] == "worker_stop"
    decided = next(e for e in events if e.get("event") == "message_decided")
    assert decided["status"] == "applied" and decided["message_id"] == "<term@bluepeak.example>"


def _ledger(tmp_path: Path) -> Path:
    from tests.integration.conftest import standard_ledger
    return standard_ledger(tmp_path / "ledger")


def test_tls_and_xoauth2_on_both_servers_from_settings_alone(tmp_path, database_url, engines, start_dovecot, smtp_server):
    """What a Microsoft 365 or Gmail set-up looks like: imaps:// and STARTTLS, XOAUTH2 tokens
    from the configured token source, an in-house CA from tls_ca_file; built by bootstrap."""
    from tests.integration.dovecot import VALID_TOKEN

    dovecot = start_dovecot(tls=True, oauth2=True)
    smtp = smtp_server.start(tls="starttls", xoauth2_token=VALID_TOKEN)
    bundle = tmp_path / "ca-bundle.pem"
    bundle.write_bytes(dovecot.ca_file.read_bytes() + Path(smtp.ca_file).read_bytes())
    world = BotWorld(root=tmp_path, database_url=database_url, engines=engines, settings_overrides={
        "mailbox": dovecot.url(tls="implicit", auth="xoauth2"), "outbox": smtp.url, "tls_ca_file": str(bundle),
        "oauth": {"provider": "command", "command": f"{sys.executable} -c \"print('{VALID_TOKEN}')\""}})
    world.import_ledger()
    dovecot.append(request_mail(body=APPLY, message_id="<oauth@bluepeak.example>"))

    report = world.run()

    assert report.decided == {"applied": 1} and report.sent == 1 and report.filed == 1
    assert world.app.mailbox.name.startswith("imaps://bot@127.0.0.1:")
    assert [m["In-Reply-To"] for m in replies(smtp)] == ["<oauth@bluepeak.example>"]
    assert smtp.auth_mechanisms == ["XOAUTH2"]
    assert "method=XOAUTH2" in dovecot.log() or "xoauth2" in dovecot.log().lower()


def test_a_wrong_token_is_a_clear_error_and_nothing_is_lost(tmp_path, database_url, engines, start_dovecot, smtp_server):
    dovecot = start_dovecot(oauth2=True)
    world = BotWorld(root=tmp_path, database_url=database_url, engines=engines, settings_overrides={
        "mailbox": dovecot.url(auth="xoauth2"), "outbox": f"file:{tmp_path}/outbox",
        "oauth": {"provider": "command", "command": f"{sys.executable} -c \"print('expired-token')\""}})
    dovecot.append(request_mail(body=APPLY))
    env = {**os.environ, "DATABASE_URL": database_url, "ALLOCBOT_MAILBOX": dovecot.url(auth="xoauth2"),
           "ALLOCBOT_OUTBOX": f"file:{tmp_path}/outbox", "ALLOCBOT_OAUTH__PROVIDER": "command",
           "ALLOCBOT_OAUTH__COMMAND": f"{sys.executable} -c \"print('expired-token')\""}

    result = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--once"], env=env, cwd=REPO, capture_output=True, text=True)

    assert result.returncode == 1
    assert "login" in result.stderr and "AUTHENTICATIONFAILED" in result.stderr and "expired-token" not in result.stderr
    assert dovecot.uids("INBOX") != [] and world.export() == []  # still waiting on the server, nothing half-done
