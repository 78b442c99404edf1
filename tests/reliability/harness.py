"""The reliability harness: the real `allocbot worker` as subprocesses, a generated ledger and
backlog of partner mail, SIGKILL at random moments, and the invariants checked at the end.

Everything is real: the worker is `python -m bot.cli worker` configured by environment only
(as the Procfile runs it), the database is a SQLite file or a throwaway PostgreSQL database,
the mailbox a Maildir, the outbox a real aiosmtpd server on a loopback port
(`tests/integration/smtp_server.py`). Used by `tests/reliability/` (CI sizes) and by
`tests/bench/bench_crash_kill.py` (heavy sizes, prints the figures).

- `make_backlog(n, root, seed=...)`: a ledger (one account per request, its billing admin, a
  sales contact, payments and invoices sized so every request allocates its own distinct
  amounts) and n requests with their expected outcome: applied in four phrasings, needs_info
  (unknown invoice), review (a sales contact: acknowledged; an unknown sender: no reply),
  auto-replies (ignored), and a few delivered twice.
- `WorkerProcess`: one worker process, its JSON log in a file; `ready()`, `kill()`, `terminate()`.
- `crash_run(...)`: kill and restart one worker at random moments until every message is
  decided, then a final clean run stopped with SIGTERM.
- `many_workers_run(...)`: several workers at once on one Maildir and one database.
- `check_invariants(engine, smtp, backlog, ...)`: the promises, as assertions; returns the figures.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.ledger.tables import (
    Allocation, AuditEvent, InboundMessage, Invoice, OutboundMessage, Payment, Posting, ReviewItem,
)
from tests.integration.conftest import (
    account, contact, deliver, invoice, parse_mail, payment, request_mail, write_ledger,
)
from tests.integration.smtp_server import SmtpServer

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
NAMES = ["Ann Admin", "Björn Berg", "Chloe Martin", "Dario Rossi", "Emily Carter", "Fatima Khan", "Greta Lind",
         "Hiro Tanaka", "Ines Duarte", "Jonas Weber"]
WORK_EVENTS = ("message_stored", "duplicate_delivery", "message_decided", "reply_sent")


# --------------------------------------------------------------------------- the backlog

@dataclass(frozen=True)
class Request:
    """One partner mail and what must become of it."""

    message_id: str
    raw: bytes
    kind: str  # full | two_invoices | stated_amounts | rest_unallocated | unknown_invoice | not_authorized | unknown_sender | auto_reply
    status: str  # the outcome it must get
    reply: str | None  # the reply kind it must get, None for no reply
    allocations: tuple[tuple[str, str, int], ...] = ()  # (payment_id, invoice_number, minor units) it must make
    copies: int = 1  # how many times the mail server delivers it


@dataclass
class Backlog:
    requests: list[Request]
    ledger_dir: Path
    payments: dict[str, int]  # payment_id -> unallocated minor units as imported
    invoices: dict[str, int]  # invoice_number -> open minor units as imported

    @property
    def deliveries(self) -> int:
        return sum(r.copies for r in self.requests)

    def by_message_id(self) -> dict[str, Request]:
        return {r.message_id: r for r in self.requests}

    def mails(self, seed: int) -> list[bytes]:
        """Every delivery in arrival order: a second copy arrives a little after the first."""
        out: list[bytes] = []
        rng = random.Random(seed)
        late: list[tuple[int, bytes]] = []
        for r in self.requests:
            out.append(r.raw)
            for _ in range(r.copies - 1):
                late.append((len(out) + rng.randint(1, 40), r.raw))
        for at, raw in sorted(late, key=lambda x: x[0], reverse=True):
            out.insert(min(at, len(out)), raw)
        return out


KINDS = [("full", 30), ("two_invoices", 15), ("stated_amounts", 15), ("rest_unallocated", 10),
         ("unknown_invoice", 10), ("not_authorized", 8), ("unknown_sender", 5), ("auto_reply", 7)]


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _usd(minor: int) -> str:
    return f"${minor // 100:,}.{minor % 100:02d}"


def make_backlog(n: int, root: Path, *, seed: int = 1) -> Backlog:
    """n distinct requests over a generated ledger written to root/ledger (see the module doc)."""
    rng = random.Random(seed)
    accounts, contacts, invoices, payments, requests = [], [], [], [], []
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    for i in range(n):
        kind = kinds[i % len(kinds)] if i < len(kinds) else rng.choices(kinds, weights)[0]  # every kind at least once
        acc = f"R{i:06d}"
        domain = f"partner{i:06d}.example"
        admin, sales = f"billing{i}@{domain}", f"sales{i}@{domain}"
        name = NAMES[i % len(NAMES)]
        accounts.append(account(acc, f"Partner {i} Ltd", "en", "USD"))
        contacts += [contact(admin, acc, "billing_admin", name), contact(sales, acc, "sales", "Sam Seller")]
        pid = f"PY{i:06d}01"
        inv = [f"G{i:07d}{k:02d}" for k in (1, 2)]
        a1 = 50_000 + 1_013 * i + rng.randint(0, 90)  # distinct per request: a misplaced allocation shows
        a2 = 20_000 + 1_013 * i + rng.randint(0, 90)
        mid = f"<rel.{seed}.{i}.{rng.getrandbits(32):08x}@{domain}>"
        sender, sender_name, headers, subject = admin, name, None, "Payment allocation"
        allocations: tuple[tuple[str, str, int], ...] = ()
        status, reply = "applied", "confirmation"
        if kind == "full":
            payments.append(payment(pid, _money(a1), account_id=acc, payer_name=f"Partner {i} Ltd"))
            invoices.append(invoice(inv[0], _money(a1), account_id=acc))
            body = f"Hi,\n\nPlease allocate payment {pid} to invoice {inv[0]}.\n\nThanks,\n{name}"
            allocations = ((pid, inv[0], a1),)
        elif kind == "two_invoices":
            payments.append(payment(pid, _money(a1 + a2), account_id=acc))
            invoices += [invoice(inv[0], _money(a1), account_id=acc), invoice(inv[1], _money(a2), account_id=acc)]
            body = f"Hello,\n\nPlease apply payment {pid} to invoices {inv[0]} and {inv[1]}.\n\nBest regards,\n{name}"
            allocations = ((pid, inv[0], a1), (pid, inv[1], a2))
        elif kind == "stated_amounts":  # part of each invoice, the rest of the payment stays unallocated
            s1, s2 = a1 - 10_000, a2 - 5_000
            payments.append(payment(pid, _money(a1 + a2 + 3_333), account_id=acc))
            invoices += [invoice(inv[0], _money(a1), account_id=acc), invoice(inv[1], _money(a2), account_id=acc)]
            body = (f"Hi,\n\nPlease apply payment {pid} to {inv[0]} – {_usd(s1)} and {inv[1]} – {_usd(s2)}.\n\n"
                    f"Thanks,\n{name}")
            allocations = ((pid, inv[0], s1), (pid, inv[1], s2))
        elif kind == "rest_unallocated":  # the payment is larger than the invoice: min() goes on it
            payments.append(payment(pid, _money(2 * a1), account_id=acc))
            invoices.append(invoice(inv[0], _money(a1), account_id=acc))
            body = f"Dear billing team,\n\nour payment {pid} is for invoice {inv[0]}.\n\nKind regards,\n{name}"
            allocations = ((pid, inv[0], a1),)
        elif kind == "unknown_invoice":
            payments.append(payment(pid, _money(a1), account_id=acc))
            invoices.append(invoice(inv[0], _money(a1), account_id=acc))
            body = f"Hi,\n\nPlease allocate payment {pid} to invoice G9{i:06d}99.\n\nThanks,\n{name}"
            status, reply = "needs_info", "needs_info"
        elif kind == "not_authorized":
            payments.append(payment(pid, _money(a1), account_id=acc))
            invoices.append(invoice(inv[0], _money(a1), account_id=acc))
            sender, sender_name = sales, "Sam Seller"
            body = f"Hello,\n\nPlease apply payment {pid} to invoice {inv[0]}.\n\nSam (sales)"
            status, reply = "review", "review_ack"
        elif kind == "unknown_sender":
            payments.append(payment(pid, _money(a1), account_id=acc))
            invoices.append(invoice(inv[0], _money(a1), account_id=acc))
            sender, sender_name = f"billing@partner{i:06d}-payments.example", "Billing"
            body = f"Hello,\n\nPlease apply payment {pid} to invoice {inv[0]}.\n\nRegards"
            status, reply = "review", None
        else:  # auto_reply: a partner's out-of-office, quoting an invoice number; never answered
            invoices.append(invoice(inv[0], _money(a1), account_id=acc))
            subject = "Automatic reply: Payment allocation"
            headers = {"Auto-Submitted": "auto-replied"}
            body = f"I am out of the office until Monday. For invoice {inv[0]} please contact my colleague.\n\n{name}"
            status, reply = "ignored", None
        raw = request_mail(sender, body, subject=subject, message_id=mid, sender_name=sender_name, headers=headers)
        copies = 2 if rng.random() < 0.04 else 1
        requests.append(Request(mid, raw, kind, status, reply, allocations, copies))
    ledger_dir = write_ledger(root / "ledger", accounts=accounts, contacts=contacts, invoices=invoices, payments=payments)
    return Backlog(requests, ledger_dir,
                   payments={p["payment_id"]: _minor(p["unallocated_amount"]) for p in payments},
                   invoices={v["invoice_number"]: _minor(v["open_amount"]) for v in invoices})


def _minor(text: str) -> int:
    units, _, cents = text.partition(".")
    return int(units) * 100 + int((cents + "00")[:2])


# --------------------------------------------------------------------------- processes

def worker_env(*, database_url: str, maildir: Path, smtp: SmtpServer, **extra: str) -> dict[str, str]:
    """The worker's whole configuration, from the environment as a process manager gives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOCBOT_")}
    env.update({
        "DATABASE_URL": database_url, "ALLOCBOT_MAILBOX": f"maildir:{maildir}", "ALLOCBOT_OUTBOX": smtp.url,
        "ALLOCBOT_CONFIG": str(REPO / "config" / "allocbot.toml"),
        "ALLOCBOT_POLL_SECONDS": "1", "ALLOCBOT_OUTBOX_SECONDS": "1", "ALLOCBOT_LOG_FORMAT": "json",
        "ALLOCBOT_BATCH_SIZE": "20", "ALLOCBOT_LEASE_SECONDS": "5",
        # bounds one SMTP exchange, and with it how long a dead sender's claim on a reply lasts
        "ALLOCBOT_SOCKET_TIMEOUT_SECONDS": "2",
        # a reply refused for now (a connection timed out on a busy machine) is tried again soon
        "ALLOCBOT_RETRY_BASE_SECONDS": "1", "ALLOCBOT_RETRY_CAP_SECONDS": "5",
        "ALLOCBOT_IDLE": "false", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def allocbot(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """One `allocbot` command, as a user types it; fails loudly with its output."""
    done = subprocess.run([PYTHON, "-m", "bot.cli", *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"allocbot {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


class WorkerProcess:
    """One `allocbot worker`; its JSON log lines go to `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen([PYTHON, "-m", "bot.cli", "worker"], env=env, cwd=REPO,
                                        stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        self.started = time.monotonic()
        self._offset, self._events, self._work = 0, [], 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def events(self) -> list[dict]:
        """The log's JSON lines so far (read on from where the last call stopped)."""
        with self.log_path.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        complete = chunk.rfind(b"\n") + 1  # a line still being written waits for the next call
        self._offset += complete
        for line in chunk[:complete].decode("utf-8", "replace").splitlines():
            if line.startswith("{"):
                try:
                    event = json.loads(line)
                except ValueError:  # a line cut short by SIGKILL
                    continue
                self._events.append(event)
                self._work += event.get("event") in WORK_EVENTS
        return self._events

    def work_done(self) -> int:
        """Stores, decisions and replies sent so far: each logged right after its commit."""
        self.events()
        return self._work

    def ready(self, timeout: float = 30) -> bool:
        """Until the worker logged worker_start; False if it died first (or was killed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("event") == "worker_start" for e in self.events()):
                return True
            if not self.alive():
                return False
            time.sleep(0.05)
        raise AssertionError(f"worker {self.pid} not started in {timeout}s:\n{self.tail()}")

    def kill(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, as the process manager stops it; the exit code."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            raise AssertionError(f"worker {self.pid} ignored SIGTERM for {timeout}s:\n{self.tail()}") from None
        finally:
            self._log.close()
        return code

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class AcceptanceKiller:
    """A fault in the SMTP server: when armed, the worker is SIGKILLed the moment the server
    has accepted a reply, before the 250 reaches it — the window in which a crash must lead to
    a second delivery (the reply is not marked sent) and to nothing worse."""

    def __init__(self, smtp: SmtpServer) -> None:
        self.target: WorkerProcess | None = None
        self.fired = 0
        self._lock = threading.Lock()
        handler = smtp._controller.handler  # the aiosmtpd handler; hooks are looked up per connection
        accept = handler.handle_DATA

        async def handle_DATA(server, session, envelope):
            reply = await accept(server, session, envelope)
            with self._lock:
                target, self.target = self.target, None
            if target is not None and reply.startswith("250") and target.alive():
                os.kill(target.pid, signal.SIGKILL)  # before the reply is written back
                self.fired += 1
            return reply

        handler.handle_DATA = handle_DATA

    def arm(self, worker: WorkerProcess) -> None:
        with self._lock:
            self.target = worker

    def disarm(self) -> None:
        with self._lock:
            self.target = None


# --------------------------------------------------------------------------- progress

def progress(engine: Engine) -> dict[str, int]:
    """Stored, still received, outbox rows not yet sent (one query per figure)."""
    with Session(engine) as session:
        stored = session.exec(select(func.count()).select_from(InboundMessage)).one()
        waiting = session.exec(select(func.count()).select_from(InboundMessage)
                               .where(InboundMessage.status == "received")).one()
        unsent = session.exec(select(func.count()).select_from(OutboundMessage)
                              .where(OutboundMessage.status != "sent")).one()
    return {"stored": stored, "received": waiting, "unsent": unsent}


def replies_ahead(engine: Engine, maildir: Path) -> bool:
    """Whether this life may send a reply: one is waiting, or mail is still to be decided (most
    requests get a reply). Waiting only for unsent rows missed the window whenever the last
    life had sent all it decided, and then no kill landed on an acceptance."""
    p = progress(engine)
    return p["unsent"] > 0 or p["received"] > 0 or maildir_waiting(maildir) > 0


def maildir_waiting(maildir: Path) -> int:
    new = maildir / "new"
    return sum(1 for p in new.iterdir() if p.is_file() and not p.name.startswith(".")) if new.is_dir() else 0


def all_decided(engine: Engine, backlog: Backlog, maildir: Path) -> bool:
    p = progress(engine)
    return p["stored"] == len(backlog.requests) and p["received"] == 0 and maildir_waiting(maildir) == 0


def settled(engine: Engine, backlog: Backlog, maildir: Path) -> bool:
    """Everything decided, posted to the billing system and shown by it, confirmed and sent."""
    if not (all_decided(engine, backlog, maildir) and progress(engine)["unsent"] == 0):
        return False
    with Session(engine) as session:
        open_postings = session.exec(select(func.count()).select_from(Posting)
                                     .where(col(Posting.state).in_(("pending", "delivered")))).one()
        owed = session.exec(select(func.count()).select_from(InboundMessage).where(col(InboundMessage.confirm_due))).one()
    return open_postings == 0 and owed == 0 and progress(engine)["unsent"] == 0


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, on_fail: Callable[[], str] = lambda: "") -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not reached in {timeout:.0f}s\n{on_fail()}")
        time.sleep(0.2)
    return time.monotonic() - started


# --------------------------------------------------------------------------- the runs

@dataclass
class RunFigures:
    database: str
    workers: int
    messages: int  # requests in the backlog (distinct Message-IDs)
    deliveries: int  # mails dropped in the Maildir (a few twice)
    kills: int = 0
    kills_on_acceptance: int = 0
    duplicates_sent: int = 0
    replies: int = 0
    wall_seconds: float = 0.0
    kill_phase_seconds: float = 0.0  # of the wall time: until the last kill (the rest is the final clean run)
    decided_by_worker: dict[str, int] = field(default_factory=dict)
    kill_modes: Counter = field(default_factory=Counter)
    claims_left: Counter = field(default_factory=Counter)  # Message-ID -> kills that left the reply claimed, not marked sent

    @property
    def messages_per_second(self) -> float:
        return self.messages / self.wall_seconds if self.wall_seconds else 0.0

    def line(self) -> str:
        text = (f"[{self.database}] workers={self.workers} messages={self.messages} deliveries={self.deliveries} "
                f"kills={self.kills} (on SMTP acceptance {self.kills_on_acceptance}; leaving a reply claimed, not "
                f"marked sent {sum(self.claims_left.values())}) replies={self.replies} "
                f"duplicates_sent={self.duplicates_sent} wall={self.wall_seconds:.1f}s "
                + (f"(kills {self.kill_phase_seconds:.1f}s) " if self.kill_phase_seconds else "") +
                f"rate={self.messages_per_second:.1f} msg/s")
        if self.kill_modes:
            text += " kill_moments=" + ",".join(f"{k}:{v}" for k, v in sorted(self.kill_modes.items()))
        if len(self.decided_by_worker) > 1:
            text += " decided_by_worker=" + ",".join(str(v) for v in self.decided_by_worker.values())
        return text


def _deliver_all(maildir: Path, mails: list[bytes]) -> None:
    for raw in mails:
        deliver(maildir, raw)


def crash_run(*, env: dict[str, str], engine: Engine, smtp: SmtpServer, backlog: Backlog, maildir: Path, logs: Path,
              min_kills: int, seed: int, database: str, life_cap: float = 3.5, max_kills: int | None = None,
              min_acceptance_kills: int = 2) -> RunFigures:
    """One worker, SIGKILLed at random moments and restarted each time, while the backlog
    arrives in waves; after `min_kills` kills a final clean run decides and sends what is left
    and is stopped with SIGTERM. (Killing on until every message was decided made a slow
    machine's run take dozens of kills more, and minutes, for no extra proof.)

    Kill moments (seeded): any time after the process started (start-up and migrations
    included); a random time after it logged its first piece of work; right after its k-th
    logged piece of work (just past a commit); and, now and then, the instant the SMTP server
    accepted a reply, before the worker heard the 250 (the duplicate-send window)."""
    rng = random.Random(seed)
    max_kills = max_kills or max(4 * min_kills, len(backlog.requests) // 2)
    figures = RunFigures(database, 1, len(backlog.requests), backlog.deliveries)
    mails = backlog.mails(seed)
    waves = max(1, min_kills // 2)  # the backlog arrives over the first half of the lives
    wave_size = -(-len(mails) // waves)
    killer = AcceptanceKiller(smtp)
    claims: set[tuple[str, object]] = set()
    started = time.monotonic()
    life = 0
    while figures.kills < min_kills:  # then the final clean run decides what is left
        assert figures.kills < max_kills, (f"still not decided after {figures.kills} kills: {progress(engine)}, "
                                           f"{maildir_waiting(maildir)} in new/")
        _deliver_all(maildir, mails[life * wave_size:(life + 1) * wave_size])
        life += 1
        worker = WorkerProcess(env, logs / f"life-{life:03d}.log")
        if figures.kills:  # while the new process starts up (it cannot send for a second or more)
            _note_claims(engine, claims)
        mode = rng.choices(["any_time", "during_work", "after_commit", "on_acceptance"], [2, 4, 4, 1])[0]
        if killer.fired < min_acceptance_kills and figures.kills >= min_kills // 3:
            mode = "on_acceptance"  # the duplicate window is tried on purpose, not only when luck has it
        if mode == "on_acceptance" and not replies_ahead(engine, maildir):
            mode = "during_work"  # nothing to send in this life
        try:
            if mode == "any_time":  # start-up and migrations included
                time.sleep(rng.uniform(0.3, 2.5))
            elif worker.ready():
                if mode == "on_acceptance":
                    killer.arm(worker)
                    deadline = time.monotonic() + life_cap
                    while worker.alive() and time.monotonic() < deadline:
                        time.sleep(0.02)
                    killer.disarm()
                    if worker.alive():
                        mode = "on_acceptance_timeout"  # nothing was sent in this life: killed anyway below
                elif mode == "during_work":
                    _wait_for_work(worker, 1, life_cap)
                    time.sleep(rng.uniform(0.0, 1.5))
                else:  # right after the k-th commit it logged (a store, a decision, a reply marked sent)
                    _wait_for_work(worker, rng.randint(1, 60), life_cap)
        finally:
            worker.kill()
        figures.kills += 1
        figures.kill_modes[mode] += 1
    figures.kills_on_acceptance = killer.fired
    figures.kill_phase_seconds = time.monotonic() - started
    final = WorkerProcess(env, logs / "final.log")
    _note_claims(engine, claims)
    figures.claims_left = Counter(mid for mid, _ in claims)
    try:
        assert final.ready(), f"the final worker died at start:\n{final.tail()}"
        wait_until(lambda: settled(engine, backlog, maildir), timeout=120, what="final clean run settled",
                   on_fail=lambda: f"{progress(engine)}\n{final.tail()}")
    finally:
        code = final.terminate()
    assert code == 0, f"the final worker exited {code} on SIGTERM:\n{final.tail()}"
    assert any(e.get("event") == "worker_stop" for e in final.events()), final.tail()
    figures.wall_seconds = time.monotonic() - started
    return figures


def server_message_ids(smtp: SmtpServer) -> Counter:
    """How many times the SMTP server accepted each Message-ID."""
    return Counter(str(parse_mail(content)["Message-ID"]) for _, _, content in list(smtp.received))


def _note_claims(engine: Engine, claims: set[tuple[str, object]]) -> None:
    """After a kill: the replies the dead worker left claimed (`sending`), not marked sent. A
    claim is (Message-ID, claimed-until): each kill that left one is a chance that the SMTP
    server accepted the reply before the worker could commit — the only way a reply may go
    out twice. The dead process changes nothing any more, and its claims outlast the next
    process's start-up, so looking while that one starts sees exactly what it left."""
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage.message_id, OutboundMessage.next_attempt_at)
                            .where(OutboundMessage.status == "sending")).all()
    claims.update((mid, until) for mid, until in rows)


def _wait_for_work(worker: WorkerProcess, events: int, cap: float) -> None:
    deadline = time.monotonic() + cap
    while worker.alive() and time.monotonic() < deadline and worker.work_done() < events:
        time.sleep(0.02)


def many_workers_run(*, env: dict[str, str], engine: Engine, backlog: Backlog, maildir: Path, logs: Path, workers: int,
                     seed: int, database: str, timeout: float | None = None) -> RunFigures:
    """`workers` processes at once on one Maildir and one database: half the backlog waits in
    the Maildir when they start, the rest arrives while they run; SIGTERM once all is sent."""
    figures = RunFigures(database, workers, len(backlog.requests), backlog.deliveries)
    mails = backlog.mails(seed)
    half = len(mails) // 2
    _deliver_all(maildir, mails[:half])
    started = time.monotonic()
    procs = [WorkerProcess(env, logs / f"worker-{n}.log") for n in range(1, workers + 1)]
    try:
        for p in procs:
            assert p.ready(), f"worker {p.pid} died at start:\n{p.tail()}"
        rest = mails[half:]
        for k in range(0, len(rest), 25):  # the rest arrives while they work
            _deliver_all(maildir, rest[k:k + 25])
            time.sleep(0.1)
        wait_until(lambda: settled(engine, backlog, maildir), timeout=timeout or max(150.0, 0.5 * len(mails)),
                   what=f"{workers} workers settled",
                   on_fail=lambda: f"{progress(engine)}, {maildir_waiting(maildir)} in new/\n" +
                   "\n".join(p.tail(10) for p in procs))
        figures.wall_seconds = time.monotonic() - started
    finally:
        codes = [p.terminate() for p in procs]
    assert codes == [0] * workers, f"exit codes on SIGTERM: {codes}"
    for n, p in enumerate(procs, 1):
        events = p.events()
        figures.decided_by_worker[f"worker-{n}"] = sum(1 for e in events if e.get("event") == "message_decided")
        failed = [e for e in events if e.get("event") in ("job_failed", "message_error", "watchdog")]
        assert not failed, f"worker-{n} logged failures: {failed[:3]}"
    return figures


# --------------------------------------------------------------------------- the promises

def check_invariants(engine: Engine, smtp: SmtpServer, backlog: Backlog, *, maildir: Path | None = None,
                     kills: int = 0, kills_on_acceptance: int = 0, claims_left: Counter | None = None) -> dict[str, int]:
    """Every promise of "nothing lost, nothing twice" that can be seen from outside, asserted.
    Returns the figures (duplicates_sent: extra copies the SMTP server received).

    Duplicate SMTP deliveries are allowed only for a crash between the server's acceptance and
    the commit that marks the reply sent: never more than the kills, at least one per kill on
    acceptance, and — given `claims_left` (crash_run's count, per Message-ID, of kills that left
    the reply claimed and not marked sent) — message by message never more extra copies than
    kills that left that very reply in that state."""
    expected = backlog.by_message_id()
    with Session(engine) as session:
        inbound = list(session.exec(select(InboundMessage)).all())
        allocations = list(session.exec(select(Allocation)).all())
        outbound = list(session.exec(select(OutboundMessage)).all())
        reviews = list(session.exec(select(ReviewItem)).all())
        payments = {p.payment_id: p.unallocated_minor for p in session.exec(select(Payment))}
        invoices = {i.invoice_number: i.open_minor for i in session.exec(select(Invoice))}
        duplicate_audits = session.exec(select(func.count()).select_from(AuditEvent)
                                        .where(AuditEvent.action == "duplicate_delivery")).one()
    problems: list[str] = []

    # every message: exactly one row, exactly one (final) outcome, the expected one
    per_mid = Counter(row.message_id for row in inbound)
    problems += [f"{mid}: {n} stored rows" for mid, n in per_mid.items() if n != 1]
    problems += [f"{mid}: never stored" for mid in expected if mid not in per_mid]
    problems += [f"{row.message_id}: stored but not in the backlog" for row in inbound if row.message_id not in expected]
    problems += [f"{row.message_id}: still {row.status}" for row in inbound if row.status == "received"]
    for row in inbound:
        want = expected.get(row.message_id)
        if want and row.status != "received" and row.status != want.status:
            problems.append(f"{row.message_id} ({want.kind}): {row.status} {row.reasons}, expected {want.status}")
    held = {row.id for row in inbound if row.status in ("review", "needs_info", "error")}
    review_rows = Counter(r.inbound_id for r in reviews)
    problems += [f"inbound {i}: {n} review items" for i, n in review_rows.items() if n != 1]
    problems += [f"inbound {i}: held without a review item" for i in held if i not in review_rows]

    # no allocation twice: per message exactly what the request asked, balances moved by exactly that
    by_inbound: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for a in allocations:
        by_inbound[a.inbound_id].append((a.payment_id, a.invoice_number, a.amount_minor))
    for row in inbound:
        want = expected.get(row.message_id)
        got = sorted(by_inbound.get(row.id, []))
        if want is not None and got != sorted(want.allocations if row.status == "applied" else ()):
            problems.append(f"{row.message_id} ({want.kind}, {row.status}): allocations {got}, expected "
                            f"{sorted(want.allocations)}")
    spent_p, spent_i = Counter(), Counter()
    for a in allocations:
        spent_p[a.payment_id] += a.amount_minor
        spent_i[a.invoice_number] += a.amount_minor
    for pid, before in backlog.payments.items():
        if before - payments.get(pid, before) != spent_p[pid]:
            problems.append(f"payment {pid}: balance fell by {before - payments[pid]}, allocations sum {spent_p[pid]}")
    for number, before in backlog.invoices.items():
        if before - invoices.get(number, before) != spent_i[number]:
            problems.append(f"invoice {number}: balance fell by {before - invoices[number]}, allocations sum {spent_i[number]}")
    problems += [f"payment {k} negative: {v}" for k, v in payments.items() if v < 0]
    problems += [f"invoice {k} negative: {v}" for k, v in invoices.items() if v < 0]

    # every reply: exactly one outbox row of the right kind, sent, and at the SMTP server
    replies_by_inbound: dict[int, list[OutboundMessage]] = defaultdict(list)
    for o in outbound:
        replies_by_inbound[o.inbound_id].append(o)
    for row in inbound:
        want = expected.get(row.message_id)
        if want is None:
            continue
        got = [o.kind for o in replies_by_inbound.get(row.id, [])]
        if got != ([want.reply] if want.reply else []):
            problems.append(f"{row.message_id} ({want.kind}): replies {got}, expected {want.reply or 'none'}")
    problems += [f"reply {o.message_id} ({o.kind}): {o.status} after {o.attempts} attempt(s) {o.last_error}"
                 for o in outbound if o.status != "sent"]
    at_server = server_message_ids(smtp)
    ours = {o.message_id for o in outbound}
    problems += [f"reply {o.message_id}: marked sent, never reached the SMTP server"
                 for o in outbound if o.status == "sent" and o.message_id not in at_server]
    problems += [f"the SMTP server got {mid}, which is in no outbox row" for mid in at_server if mid not in ours]
    duplicates = sum(n - 1 for n in at_server.values() if n > 1)
    # A second delivery only comes from a crash between the server's acceptance and the commit
    # that marks the reply sent: at most one per kill, and each kill on acceptance makes one.
    if duplicates > kills:
        problems.append(f"{duplicates} duplicate SMTP deliveries, more than the {kills} kills")
    if claims_left is not None:
        problems += [f"reply {mid}: delivered {n} times, {claims_left.get(mid, 0)} kill(s) left it claimed, not marked sent"
                     for mid, n in at_server.items() if n > 1 + claims_left.get(mid, 0)]
    if duplicates < kills_on_acceptance:
        problems.append(f"{duplicates} duplicate SMTP deliveries, fewer than the {kills_on_acceptance} kills on acceptance"
                        " (a reply the server accepted was marked sent without the 250?)")

    # the mailbox: nothing left in new/, nothing deleted, every delivery accounted for
    if maildir is not None:
        waiting = maildir_waiting(maildir)
        kept = sum(1 for p in (maildir / "cur").iterdir() if p.is_file())
        if waiting:
            problems.append(f"{waiting} messages left in {maildir / 'new'}")
        if kept + waiting != backlog.deliveries:
            problems.append(f"{kept} files in cur/ and {waiting} in new/ for {backlog.deliveries} deliveries")
    extra = backlog.deliveries - len(backlog.requests)
    if duplicate_audits < extra:
        problems.append(f"{duplicate_audits} duplicate deliveries audited, {extra} delivered")

    assert not problems, f"{len(problems)} broken promise(s):\n" + "\n".join(problems[:40])
    return {"duplicates_sent": duplicates, "replies": len(outbound), "stored": len(inbound),
            "allocations": len(allocations)}
