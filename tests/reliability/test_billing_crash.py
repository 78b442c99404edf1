"""Exactly once to the billing system across crashes (issue 13): the real `allocbot worker`
posting to a webhook on loopback that checks every signature, SIGKILLed at random moments and
the instant the billing system took a posting (before allocbot heard it), then restarted.
Every allocation reaches the billing system once by key, none is missing, and no partner is
confirmed before the billing system showed the allocation. Four workers on PostgreSQL never
post the same posting twice. The file connector likewise: killed the instant a batch file
appears (before the worker recorded it), each posting is in exactly one batch file, acked,
reflected by the next export and only then confirmed."""
from __future__ import annotations

import csv
import json
import os
import random
import signal
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import Allocation, Invoice, OutboundMessage, Payment, Posting
from tests.integration.billing_receiver import SECRET, BillingReceiver
from tests.reliability.harness import (
    WorkerProcess, all_decided, allocbot, check_invariants, deliver, make_backlog, many_workers_run, settled, wait_until,
    worker_env,
)

SEED = int(os.environ.get("ALLOCBOT_RELIABILITY_SEED", "20261206"))
REQUESTS, KILLS = 60, 6


class PostKiller:
    """When armed, SIGKILL the worker the moment the billing system has taken a posting."""

    def __init__(self, receiver: BillingReceiver) -> None:
        self.target: WorkerProcess | None = None
        self.fired = 0
        self.lock = threading.Lock()
        receiver.before_answer = self

    def __call__(self, status: int) -> None:
        with self.lock:
            target, self.target = self.target, None
        if target is not None and status == 200 and target.alive():
            os.kill(target.pid, signal.SIGKILL)
            self.fired += 1


@pytest.fixture
def receiver():
    r = BillingReceiver(reflect=True).start()
    yield r
    r.stop()


def kill_lives(stage, env, mails: list[bytes], killer, *, lives: int, rng: random.Random, armed_for: float) -> None:
    """Deliver the mail in `lives` waves, a worker for each: every other one is killed by
    `killer` (its `target`, under its `lock`) at the moment it watches for, the rest at random."""
    wave = -(-len(mails) // lives)
    for life in range(lives):
        for raw in mails[life * wave:(life + 1) * wave]:
            deliver(stage.maildir, raw)
        worker = WorkerProcess(env, stage.logs / f"life-{life:03d}.log")
        try:
            if worker.ready():
                if life % 2 == 0:
                    with killer.lock:
                        killer.target = worker
                    deadline = time.monotonic() + armed_for
                    while worker.alive() and time.monotonic() < deadline:
                        time.sleep(0.02)
                    with killer.lock:
                        killer.target = None
                else:
                    time.sleep(rng.uniform(0.2, 2.0))
        finally:
            worker.kill()


def billing_env(stage, smtp, receiver) -> dict[str, str]:
    return worker_env(database_url=stage.database_url, maildir=stage.maildir, smtp=smtp,
                      ALLOCBOT_BILLING=receiver.url, ALLOCBOT_BILLING_SECRET=SECRET)


def check_postings(engine, receiver: BillingReceiver, *, kills: int) -> None:
    with Session(engine) as session:
        allocations = session.exec(select(Allocation)).all()
        posts = session.exec(select(Posting)).all()
        replies = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "confirmation")).all()
    assert len(posts) == len(allocations) and {p.allocation_id for p in posts} == {a.id for a in allocations}
    assert {p.state for p in posts} == {"reflected"}
    taken = receiver.keys()
    assert len(taken) == len(set(taken)) and set(taken) == {p.key for p in posts}  # once by key, none missing
    again = sum(1 for _key, status in receiver.answers if status == 409)
    assert again <= kills  # a posting is handed over again only after a crash left it unrecorded
    reflected = defaultdict(list)
    for p in posts:
        reflected[p.inbound_id].append(p.reflected_at)
    early = [r.inbound_id for r in replies if r.created_at < max(reflected[r.inbound_id])]
    assert early == []  # nobody confirmed before the billing system showed it


@pytest.mark.postgres
def test_sigkill_during_posting_delivers_every_allocation_exactly_once(postgres_stage, smtp_server, receiver, capsys):
    stage = postgres_stage  # production's database; the claims are the same SQL on SQLite (test_billing_webhook.py)
    smtp = smtp_server.start()
    backlog = make_backlog(REQUESTS, stage.root, seed=SEED)
    env = billing_env(stage, smtp, receiver)
    allocbot(env, "ledger", "import", str(backlog.ledger_dir))
    killer, rng = PostKiller(receiver), random.Random(SEED)
    mails = backlog.mails(SEED)
    kill_lives(stage, env, mails, killer, lives=KILLS, rng=rng, armed_for=4)
    final = WorkerProcess(env, stage.logs / "final.log")
    try:
        assert final.ready(), final.tail()
        wait_until(lambda: settled(stage.engine, backlog, stage.maildir), timeout=150, what="settled after the kills",
                   on_fail=final.tail)
    finally:
        assert final.terminate() == 0
    check_invariants(stage.engine, smtp, backlog, maildir=stage.maildir, kills=KILLS)
    check_postings(stage.engine, receiver, kills=KILLS)
    with capsys.disabled():
        print(f"\nbilling crash seed={SEED}: {KILLS} kills, {killer.fired} the instant a posting was taken, "
              f"{len(receiver.keys())} postings, {sum(1 for _k, s in receiver.answers if s == 409)} handed over again")
    assert killer.fired >= 1


@pytest.mark.postgres
def test_four_workers_never_post_the_same_posting_twice(postgres_stage, smtp_server, receiver, capsys):
    smtp = smtp_server.start()
    backlog = make_backlog(200, postgres_stage.root, seed=SEED)
    env = billing_env(postgres_stage, smtp, receiver)
    allocbot(env, "ledger", "import", str(backlog.ledger_dir))

    figures = many_workers_run(env=env, engine=postgres_stage.engine, backlog=backlog, maildir=postgres_stage.maildir,
                               logs=postgres_stage.logs, workers=4, seed=SEED, database="postgres")

    check_invariants(postgres_stage.engine, smtp, backlog, maildir=postgres_stage.maildir)
    check_postings(postgres_stage.engine, receiver, kills=0)  # no crash: not one posting handed over twice
    with capsys.disabled():
        print(f"\nfour workers, webhook: {len(receiver.keys())} postings once each; {figures.line()}")


class BatchImporter:
    """The billing system's side of `file:DIR`: it reads each batch file as it appears (leaving
    it in place), notes which keys each batch number holds, and acks them all `accepted`; when
    armed, it SIGKILLs the worker the moment a new batch file is there, before the worker can
    record that it wrote it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.batches: dict[str, list[str]] = {}  # file name -> keys, as first read
        self.rewritten = 0  # a file read again with other content
        self.target: WorkerProcess | None = None
        self.fired = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> BatchImporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            for path in sorted(self.directory.glob("postings-*.jsonl")) if self.directory.is_dir() else ():
                keys = [json.loads(line)["key"] for line in path.read_text().splitlines()]
                if path.name not in self.batches:
                    self._kill_target()
                    self.batches[path.name] = keys
                    self._ack(path.name, keys)
                elif keys != self.batches[path.name]:
                    self.rewritten += 1

    def _kill_target(self) -> None:
        with self.lock:
            target, self.target = self.target, None
        if target is not None and target.alive():
            os.kill(target.pid, signal.SIGKILL)
            self.fired += 1

    def _ack(self, name: str, keys: list[str]) -> None:
        acks = self.directory / "acks"
        acks.mkdir(exist_ok=True)
        tmp = acks / f".{name}.tmp"
        tmp.write_text("".join(json.dumps({"key": k, "status": "accepted"}) + "\n" for k in keys))
        os.replace(tmp, acks / f"ack-{name}")


def billing_export(engine, ledger_dir: Path, out: Path) -> Path:
    """The billing system's next export once it applied every batch: the ledger with today's
    figures, and allocations.csv listing every posting under its key."""
    out.mkdir(parents=True)
    with Session(engine) as session:
        figures = {p.payment_id: p.unallocated_minor for p in session.exec(select(Payment))}
        figures.update({i.invoice_number: i.open_minor for i in session.exec(select(Invoice))})
        posts = session.exec(select(Posting).order_by(Posting.id)).all()
    for name, key, column in (("payments", "payment_id", "unallocated_amount"),
                              ("invoices", "invoice_number", "open_amount")):
        with (ledger_dir / f"{name}.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            row[column] = f"{figures[row[key]] / 100:.2f}"
        with (out / f"{name}.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    with (out / "allocations.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(("payment_id", "invoice_number", "amount", "currency", "reference"))
        writer.writerows((p.payment_id, p.invoice_number, f"{p.amount_minor / 100:.2f}", p.currency, p.key)
                         for p in posts)
    return out


def test_sigkill_as_a_batch_file_appears_keeps_each_posting_in_exactly_one_file(sqlite_stage, smtp_server, capsys):
    stage, smtp = sqlite_stage, smtp_server.start()
    backlog = make_backlog(40, stage.root, seed=SEED)
    billing = stage.root / "billing"
    env = worker_env(database_url=stage.database_url, maildir=stage.maildir, smtp=smtp,
                     ALLOCBOT_BILLING=f"file:{billing}", ALLOCBOT_BATCH_SIZE="5")
    allocbot(env, "ledger", "import", str(backlog.ledger_dir))
    importer, rng, kills = BatchImporter(billing).start(), random.Random(SEED), 4
    mails = backlog.mails(SEED)
    try:
        kill_lives(stage, env, mails, importer, lives=kills, rng=rng, armed_for=6)
        final = WorkerProcess(env, stage.logs / "final.log")
        try:
            assert final.ready(), final.tail()
            wait_until(lambda: _all_acked(stage.engine, backlog, stage.maildir), timeout=120,
                       what="every posting delivered", on_fail=final.tail)
            with Session(stage.engine) as session:
                early = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "confirmation")).all()
            assert early == []  # accepted is not shown: nobody is confirmed before the export
            allocbot(env, "ledger", "import", str(billing_export(stage.engine, backlog.ledger_dir, stage.root / "export")))
            wait_until(lambda: settled(stage.engine, backlog, stage.maildir), timeout=60,
                       what="confirmed after the export", on_fail=final.tail)
        finally:
            assert final.terminate() == 0
    finally:
        importer.stop()
    check_invariants(stage.engine, smtp, backlog, maildir=stage.maildir, kills=kills)
    with Session(stage.engine) as session:
        posts = session.exec(select(Posting)).all()
    in_files = [key for keys in importer.batches.values() for key in keys]
    assert len(in_files) == len(set(in_files)) and set(in_files) == {p.key for p in posts}  # one file each
    assert {p.state for p in posts} == {"reflected"} and importer.rewritten == 0
    with capsys.disabled():
        print(f"\nfile billing crash seed={SEED}: {kills} kills, {importer.fired} as a batch file appeared, "
              f"{len(posts)} postings in {len(importer.batches)} files, each once")
    assert importer.fired >= 1


def _all_acked(engine, backlog, maildir) -> bool:
    if not all_decided(engine, backlog, maildir):
        return False
    with Session(engine) as session:
        return not session.exec(select(Posting).where(Posting.state == "pending")).first()
