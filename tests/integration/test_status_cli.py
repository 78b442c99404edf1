"""`allocbot status` as an operator runs it: a subprocess configured only through DATABASE_URL,
ALLOCBOT_MAILBOX and ALLOCBOT_OUTBOX, after `allocbot run --once` has read a real Maildir."""
from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.ledger.database import make_engine
from bot.ledger.leases import acquire_lease
from bot.ledger.tables import OutboundMessage
from tests.integration.conftest import REPO, TOM, allocbot_command, deliver, request_mail, standard_ledger

APPLIED = "Please allocate payment PY00000001 to invoice G000000001."
NEEDS_INFO = "Please allocate payment PY00000002 to invoice G999999999."
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s ago\)"


class Allocbot:
    """The installed command on one database, Maildir and file outbox."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.maildir = tmp_path / "mailbox"
        self.outbox = tmp_path / "outbox"
        self.env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
        self.env.update({"DATABASE_URL": database_url, "ALLOCBOT_MAILBOX": f"maildir:{self.maildir}",
                         "ALLOCBOT_OUTBOX": f"file:{self.outbox}", "COLUMNS": "200"})

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(allocbot_command() + list(args), cwd=REPO, env={**self.env, **env},
                              capture_output=True, text=True, timeout=120)

    def ok(self, *args: str, **env: str) -> str:
        proc = self(*args, **env)
        assert proc.returncode == 0, f"allocbot {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout


def words(text: str) -> str:
    return " ".join(text.split())


def field(out: str, name: str) -> str:
    """The value printed beside one label of the status table, with its wrapped continuation lines."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(name + " "):
            value = [line[len(name):]]
            for more in lines[i + 1:]:
                if not more.startswith(" ") or not more.strip():
                    break
                value.append(more)
            return words(" ".join(value))
    raise AssertionError(f"no {name!r} line in:\n{out}")


@pytest.fixture
def allocbot(database_url: str, tmp_path: Path) -> Allocbot:
    return Allocbot(tmp_path, database_url)


def test_status_after_a_cycle_shows_a_reachable_mailbox_the_queue_and_the_last_cycle(allocbot, tmp_path):
    allocbot.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    deliver(allocbot.maildir, request_mail(body=APPLIED, message_id="<applied@bluepeak.example>"))
    deliver(allocbot.maildir, request_mail(sender=TOM, sender_name="Tom Seller", body=APPLIED, message_id="<tom@bluepeak.example>"))
    deliver(allocbot.maildir, request_mail(body=NEEDS_INFO, message_id="<unknown@bluepeak.example>"))

    before = allocbot.ok("status")
    assert field(before, "last successful cycle") == "never"
    assert field(before, "mailbox").endswith(f"— reachable: 3 message(s) waiting in {allocbot.maildir / 'new'}")

    allocbot.ok("run", "--once")
    proc = allocbot("status")

    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert field(out, "mailbox") == f"maildir:{allocbot.maildir} — reachable: 0 message(s) waiting in {allocbot.maildir / 'new'}"
    assert "NOT reachable" not in out
    assert field(out, "checkpoint") == "none (Maildir, or nothing read yet)"
    assert field(out, "intake lease") == "free"  # `run --once` takes no lease
    # the needs_info item's question went out: it waits for the partner, not in the open queue
    assert re.fullmatch(rf"2 open \(needs_info 1, review 1\); oldest {WHEN}", field(out, "review queue")), out
    assert field(out, "waiting") == "0 stored, not yet decided; 0 decided, not yet filed in the mailbox"
    assert field(out, "outbox") == f"file:{allocbot.outbox} — 0 waiting (0 retrying), 0 failed; oldest waiting never"
    assert field(out, "today (UTC)") == "applied 1, needs_info 1, review 1"
    assert re.fullmatch(WHEN, field(out, "last successful cycle")), out
    assert re.search(r"cycle .*stored=3 duplicates=0 decided\(applied=1,needs_info=1,review=1\)", out), out
    assert "replies failed for good" not in out


def test_status_shows_the_lease_holder_replies_retrying_and_replies_failed_for_good(tmp_path):
    url = f"sqlite:///{tmp_path / 'allocbot.db'}"
    allocbot = Allocbot(tmp_path, url)
    allocbot.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    deliver(allocbot.maildir, request_mail(body=APPLIED))
    deliver(allocbot.maildir, request_mail(body=NEEDS_INFO))
    deliver(allocbot.maildir, request_mail(sender=TOM, sender_name="Tom Seller", body=APPLIED))
    allocbot.outbox.write_text("a file where the outbox folder should be\n")  # every write fails (for now)

    run = allocbot.ok("run", "--once")
    assert "sent=0 failed=0 deferred=1" in words(run)
    # ... then a person's reply was refused for good, and a worker holds the intake lease
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all()
            assert len(rows) == 3
            rows[-1].status, rows[-1].last_error = "failed", "550 5.1.1 <tom@bluepeak.example>: mailbox unavailable"
            failed_id = rows[-1].message_id
            session.add(rows[-1])
            session.commit()
        with Session(engine) as session:
            until = datetime.now(UTC) + timedelta(minutes=10)
            assert acquire_lease(session, name="intake", holder="worker-host:4242:cafe", now=datetime.now(UTC),
                                 ttl=timedelta(minutes=10))
            session.commit()
    finally:
        engine.dispose()

    out = allocbot.ok("status")

    assert re.fullmatch(rf"file:{re.escape(str(allocbot.outbox))} — 2 waiting \(1 retrying\), 1 failed; oldest waiting {WHEN}",
                        field(out, "outbox")), out
    lease = field(out, "intake lease")
    assert lease.startswith("worker-host:4242:cafe until "), out
    shown = datetime.strptime(lease.removeprefix("worker-host:4242:cafe until ").removesuffix(" UTC"), "%Y-%m-%d %H:%M:%S")
    assert abs(shown.replace(tzinfo=UTC) - until) < timedelta(seconds=5)
    assert field(out, "today (UTC)") == "applied 1, needs_info 1, review 1"
    table = words(out[out.index("replies failed for good"):])
    assert failed_id in table and "550 5.1.1" in table and "tom@bluepeak.example" in table


def test_status_exits_1_and_says_so_when_the_imap_server_is_not_reachable(tmp_path):
    allocbot = Allocbot(tmp_path, f"sqlite:///{tmp_path / 'allocbot.db'}")

    proc = allocbot("status", ALLOCBOT_MAILBOX="imap://u:secret-pw@127.0.0.1:1/INBOX?tls=off")

    assert proc.returncode == 1, proc.stdout + proc.stderr
    mailbox = field(proc.stdout, "mailbox")
    assert mailbox.startswith("imap://u@127.0.0.1:1/INBOX — NOT reachable:"), proc.stdout
    assert "refused" in mailbox.lower()
    assert "secret-pw" not in proc.stdout + proc.stderr
    assert field(proc.stdout, "last successful cycle") == "never"
