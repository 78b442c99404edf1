"""Exactly once to the billing system across crashes (issue 13): the real `allocbot worker`
posting to a webhook on loopback that checks every signature, SIGKILLed at random moments and
the instant the billing system took a posting (before allocbot heard it), then restarted.
Every allocation reaches the billing system once by key, none is missing, and no partner is
confirmed before the billing system showed the allocation. Four workers on PostgreSQL never
post the same posting twice."""
from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import defaultdict

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import Allocation, OutboundMessage, Posting
from tests.integration.billing_receiver import SECRET, BillingReceiver
from tests.reliability.harness import (
    WorkerProcess, allocbot, check_invariants, deliver, make_backlog, many_workers_run, settled, wait_until, worker_env,
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
    wave = -(-len(mails) // KILLS)
    for life in range(KILLS):
        for raw in mails[life * wave:(life + 1) * wave]:
            deliver(stage.maildir, raw)
        worker = WorkerProcess(env, stage.logs / f"life-{life:03d}.log")
        try:
            if worker.ready():
                if life % 2 == 0:  # the instant the billing system took a posting
                    with killer.lock:
                        killer.target = worker
                    deadline = time.monotonic() + 4
                    while worker.alive() and time.monotonic() < deadline:
                        time.sleep(0.02)
                    with killer.lock:
                        killer.target = None
                else:
                    time.sleep(rng.uniform(0.2, 2.0))
        finally:
            worker.kill()
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
