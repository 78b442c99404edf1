"""After a crash the next run carries on at once (issue 15 items 1 and 2): `allocbot run --once`
SIGKILLed during intake, deciding, filing and sending, with the default two-minute lease and
claim windows, and then ONE run started right away finishes the whole backlog (SQLite); four processes
on one PostgreSQL database (cron-style `run --once` next to an `allocbot worker`) with ten
kills among them, then one run: nothing missing, nothing left in new/, and every process that
was not killed exits 0 (job-run bookkeeping never fails a run that did its work).

Without the takeover the dead run's lease kept the mailbox for `lease_seconds` and its reply
claims for the claim window: the run right after printed `stopped=another process holds the
intake lease` and left the mail in new/. The seed is printed; ALLOCBOT_RELIABILITY_SEED=N
replays it."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.ledger.database import reading
from bot.ledger.tables import InboundMessage
from tests.reliability.harness import (
    PYTHON, REPO, AcceptanceKiller, WorkerProcess, _note_claims, allocbot, check_invariants, deliver, make_backlog,
    progress, worker_env,
)

SEED = int(os.environ.get("ALLOCBOT_RELIABILITY_SEED", "20261215"))
PHASES = ("intake", "deciding", "filing", "sending")
STAGES = ("starting",) + PHASES  # starting: not one message of this life's mail stored yet
# The product's defaults, so a dead holder's lease and claims outlast the whole test.
DEFAULTS = {"ALLOCBOT_LEASE_SECONDS": "120", "ALLOCBOT_SOCKET_TIMEOUT_SECONDS": "30"}


class RunOnce:
    """One `allocbot run --once` (a cron job's run), its output in a file; `pid` and `alive()`
    as AcceptanceKiller expects of its target."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path, self._log = log_path, log_path.open("ab")
        self.process = subprocess.Popen([PYTHON, "-m", "bot.cli", "run", "--once"], env=env, cwd=REPO,
                                        stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> bool:
        """SIGKILL it if it still runs and reap it, as cron or systemd would; True when it
        died of a SIGKILL (this one, or AcceptanceKiller's), False when it had ended by itself."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        return self.wait() == -signal.SIGKILL

    def wait(self, timeout: float = 120) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def assert_each_delivery_in_cur_once(maildir: Path, delivered: list[str], deliveries: int) -> None:
    """Promise 3 as the Maildir shows it: each file the test delivered is in cur/, once, as
    NAME:2,S (moved, its bytes kept), and nothing else is there. check_invariants counts files
    against the backlog's deliveries; this says which file is missing or extra, and that the
    test delivered exactly the backlog (else that count compares the wrong numbers)."""
    cur, sent = Counter(name.split(":", 1)[0] for name in os.listdir(maildir / "cur")), set(delivered)
    problems = [f"the test delivered {len(delivered)} files for the backlog's {deliveries} deliveries"] \
        if len(delivered) != deliveries else []
    problems += [f"{name}: {n} files in cur/" for name, n in cur.items() if n > 1]
    problems += [f"{name}: delivered, not in cur/" for name in delivered if name not in cur]
    problems += [f"{name}: in cur/, never delivered" for name in sorted(cur) if name not in sent]
    problems += [f"{name}: left in new/" for name in sorted(os.listdir(maildir / "new"))]
    assert not problems, f"{len(problems)} Maildir problem(s):\n" + "\n".join(problems[:40])


def phase_now(engine: Engine, *, before: int, expected: int) -> str:
    """Where a run is that finds `before` messages stored and must store up to `expected`, as
    the database shows it (read without a write lock: on SQLite a poll that waits for the lock
    starves beside a busy writer)."""
    with Session(reading(engine)) as session:
        stored = session.exec(select(func.count()).select_from(InboundMessage)).one()
        waiting = session.exec(select(func.count()).select_from(InboundMessage)
                               .where(InboundMessage.status == "received")).one()
        unfiled = session.exec(select(func.count()).select_from(InboundMessage)
                               .where(col(InboundMessage.filed_at).is_(None), InboundMessage.status != "received")).one()
    if stored < expected:
        return "starting" if stored == before else "intake"
    return "deciding" if waiting else "filing" if unfiled else "sending"


def _kill_in(run: RunOnce, phase: str, *, engine: Engine, before: int, expected: int, killer: AcceptanceKiller,
             rng: random.Random) -> str:
    """SIGKILL `run` in `phase` (a few messages into it); the phase it was really in."""
    if phase == "sending":  # the instant the SMTP server accepted a reply, before the run heard it
        killer.arm(run)
        deadline = time.monotonic() + 60
        while run.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        killer.disarm()
        return "sending" if run.kill() else "exited"
    stage, skip, deadline = STAGES.index(phase), rng.randint(0, 3), time.monotonic() + 60
    while run.alive() and time.monotonic() < deadline:
        now = STAGES.index(phase_now(engine, before=before, expected=expected))
        if now > stage or (now == stage and skip <= 0):
            break
        skip -= now == stage
        time.sleep(0.002)
    seen = phase_now(engine, before=before, expected=expected)
    return seen if run.kill() else "exited"


def test_one_run_right_after_kills_in_every_phase_finishes_the_backlog(sqlite_stage, smtp_server, capsys):
    """On SQLite (the lock files); PostgreSQL's marks are killed ten times in the next test."""
    stage, smtp, rng = sqlite_stage, smtp_server.start(), random.Random(SEED)
    backlog = make_backlog(32, stage.root, seed=SEED)
    env = worker_env(database_url=stage.database_url, maildir=stage.maildir, smtp=smtp, **DEFAULTS)
    allocbot(env, "ledger", "import", str(backlog.ledger_dir))
    mails, killer, claims, landed, delivered = backlog.mails(SEED), AcceptanceKiller(smtp), set(), [], []
    wave = -(-len(mails) // len(PHASES))
    started = time.monotonic()
    for life, phase in enumerate(rng.sample(PHASES, len(PHASES))):
        for raw in mails[life * wave:(life + 1) * wave]:  # new mail for every life, so each has every phase
            delivered.append(deliver(stage.maildir, raw).name)
        before, expected = progress(stage.engine)["stored"], len(set(mails[:(life + 1) * wave]))  # a copy: same bytes
        run = RunOnce(env, stage.logs / f"life-{life}.log")
        landed.append(_kill_in(run, phase, engine=stage.engine, before=before, expected=expected, killer=killer, rng=rng))
        _note_claims(stage.engine, claims)  # what the dead run left claimed, before anyone else runs

    final = allocbot(env, "run", "--once")  # exits 0, or fails with its output
    wall = time.monotonic() - started
    assert_each_delivery_in_cur_once(stage.maildir, delivered, backlog.deliveries)
    kills = sum(1 for m in landed if m != "exited")
    seen = check_invariants(stage.engine, smtp, backlog, maildir=stage.maildir, kills=kills,
                            kills_on_acceptance=killer.fired, claims_left=Counter(mid for mid, _ in claims))
    with capsys.disabled():
        print(f"\ncrash takeover seed={SEED} [{stage.database}]: kills in {landed} (on acceptance {killer.fired}), "
              f"duplicates_sent={seen['duplicates_sent']}, wall={wall:.1f}s; the run after: {final.stdout.strip()}")
    assert "another process holds the intake lease" not in final.stdout
    assert kills == len(PHASES) and killer.fired >= 1, landed
    assert {"intake", "deciding", "sending"} <= set(landed), landed  # filing's window is narrow on a Maildir


@pytest.mark.postgres
def test_four_processes_on_postgres_with_ten_kills_then_one_run_finish_everything(postgres_stage, smtp_server, capsys):
    stage, smtp, rng = postgres_stage, smtp_server.start(), random.Random(SEED)
    backlog = make_backlog(60, stage.root, seed=SEED)
    env = worker_env(database_url=stage.database_url, maildir=stage.maildir, smtp=smtp, **DEFAULTS)
    allocbot(env, "ledger", "import", str(backlog.ledger_dir))
    mails, kills, codes, n, delivered = backlog.mails(SEED), 0, [], 0, []

    def start(slot: int):
        nonlocal n
        n += 1
        log = stage.logs / f"slot-{slot}-{n:03d}.log"
        return WorkerProcess(env, log) if slot == 0 else RunOnce(env, log)  # a worker beside three cron jobs

    started = time.monotonic()
    slots = [start(s) for s in range(4)]
    while kills < 10:
        # The mail keeps arriving while they run and die: the next six, whether or not the last
        # kill landed (a victim that had just ended by itself is no kill, and counting by kills
        # delivered those six again: 67 files for 61 deliveries).
        for raw in mails[len(delivered):len(delivered) + 6]:
            delivered.append(deliver(stage.maildir, raw).name)
        time.sleep(rng.uniform(0.3, 1.2))
        for s, proc in enumerate(slots):  # a cron run that finished is started again
            if s and not proc.alive():
                codes.append((proc.log_path.name, proc.wait()))
                slots[s] = start(s)
        victim = rng.randrange(4)
        proc = slots[victim]
        proc.kill()
        if proc.process.returncode == -signal.SIGKILL:
            kills += 1
        else:  # it had just finished its cycle
            codes.append((proc.log_path.name, proc.process.returncode))
        slots[victim] = start(victim)
    for raw in mails[len(delivered):]:
        delivered.append(deliver(stage.maildir, raw).name)
    for s, proc in enumerate(slots):  # no more kills: the survivors end on their own (the worker on SIGTERM)
        if s == 0:
            assert proc.ready(), proc.tail()  # SIGTERM before its handlers exist would be a kill
        codes.append((proc.log_path.name, proc.terminate() if s == 0 else proc.wait()))

    final = allocbot(env, "run", "--once")
    wall = time.monotonic() - started
    assert_each_delivery_in_cur_once(stage.maildir, delivered, backlog.deliveries)
    seen = check_invariants(stage.engine, smtp, backlog, maildir=stage.maildir, kills=kills)
    with capsys.disabled():
        print(f"\nfour processes seed={SEED}: kills={kills}, runs not killed={len(codes)}, "
              f"duplicates_sent={seen['duplicates_sent']}, wall={wall:.1f}s; the run after: {final.stdout.strip()}")
    assert [c for c in codes if c[1] != 0] == [], [(name, (stage.logs / name).read_text()[-2000:]) for name, c in codes if c]
    assert "another process holds the intake lease" not in final.stdout
