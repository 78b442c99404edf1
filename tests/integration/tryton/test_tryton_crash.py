"""Exactly once into Tryton across crashes (issue 14): "a crash suite with SIGKILLs during posting
keeps it exactly once". The real `allocbot worker` posts into a real Tryton database (trytond's
own code in the worker, `tryton:///DB?config=…`) and is SIGKILLed at random moments and, on
purpose, the instant Tryton committed an allocbot move: after Tryton's commit and before the
worker recorded Tryton's answer, the one window in which a posting could be made twice. Then
ONE `allocbot run --once` finishes the backlog.

What a user relies on is asserted on Tryton itself, not on allocbot's notes: every posting key
is exactly one posted move and there is no other new move; each applied allocation is the
invoice payment line of exactly its payment, invoice and amount; every invoice's amount to pay
and every payment's open credit are the ledger's figures less the applied allocations, and no
party's receivable balance moved; every request is decided and answered once (file outbox). A
posting a kill left unrecorded is found by its key the next time ("already in Tryton"), never
made again. An invoice paid in full is `paid` in Tryton, also when the kill came right after the
posting's commit. The seed is printed; ALLOCBOT_RELIABILITY_SEED=N replays it."""
from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from contextlib import closing
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, select

from bot.ledger.database import make_engine
from bot.ledger.tables import Allocation, Posting
from bot.tryton.entering import load_ledger
from bot.tryton.connection import transaction
from tests.integration.conftest import account, contact, invoice, payment, request_mail, write_ledger
from tests.reliability.harness import (
    Backlog, Request, WorkerProcess, allocbot, check_invariants, deliver, progress, settled, worker_env,
)

SEED = int(os.environ.get("ALLOCBOT_RELIABILITY_SEED", "20261207"))
LIVES = 6  # even lives are killed as a move appears, odd ones at a random moment (3 of each: each
# life loads trytond, and ten had made this the suite's longest test)
ARMED_FOR = 12.0  # seconds an even life may run before a move appears (start-up loads trytond)
ALLOCBOT_MOVES = "SELECT description FROM account_move WHERE description LIKE 'alloc-%'"


# --------------------------------------------------------------------------- the ledger and the mail

def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def make_ledger(root: Path, rng: random.Random) -> Backlog:
    """Three partners (one of them in SEK, a second currency to Tryton's USD company), two
    payments each, four invoices per payment, all open and unallocated. Per payment three
    requests take its four invoices (one, two, and one more with a stated amount that leaves
    part of it open), and each partner asks once for an invoice that does not exist. A payment
    holds more than its requests take, so every request applies whatever order they come in;
    the second and later postings of a payment split what the earlier ones left of it."""
    accounts, contacts, invoices, payments, requests = [], [], [], [], []
    partners = [("T1", "Bluepeak Cloud Inc.", "en", "USD"), ("T2", "Harbor Freight Ltd", "en", "USD"),
                ("T3", "Nordvik IT AB", "sv-SE", "SEK")]
    for a, (acc, name, locale, currency) in enumerate(partners):
        domain, admin = f"{acc.lower()}.example", f"billing@{acc.lower()}.example"
        accounts.append(account(acc, name, locale, currency))
        contacts.append(contact(admin, acc, "billing_admin", f"Admin {acc}"))
        extra = {"account_id": acc, "currency": currency}

        def mail(body: str, n: int, *, _acc=acc, _admin=admin, _domain=domain) -> tuple[str, bytes]:
            mid = f"<tryton-crash.{SEED}.{_acc}.{n}@{_domain}>"
            return mid, request_mail(_admin, f"Hello,\n\n{body}\n\nThanks,\nAdmin {_acc}", message_id=mid,
                                     sender_name=f"Admin {_acc}")

        for p in range(2):
            pid = f"PY{70000000 + a * 100 + p}"
            numbers = [f"G{700000000 + a * 1000 + p * 10 + k}" for k in range(1, 5)]
            amounts = [rng.randint(80_00, 900_00) for _ in numbers]
            invoices += [invoice(n, _money(m), **extra) for n, m in zip(numbers, amounts)]
            part = amounts[3] - rng.randint(10_00, 60_00)
            asks = [
                (f"Please allocate payment {pid} to invoice {numbers[0]}.", [(numbers[0], amounts[0])]),
                (f"Please apply payment {pid} to invoices {numbers[1]} and {numbers[2]}.",
                 [(numbers[1], amounts[1]), (numbers[2], amounts[2])]),
                (f"Please apply payment {pid} to {numbers[3]} – {'$' if currency == 'USD' else 'SEK '}"
                 f"{part / 100:,.2f}.", [(numbers[3], part)]),
            ]
            taken = sum(m for _ask, parts in asks for _n, m in parts)
            payments.append(payment(pid, _money(taken + rng.randint(1_00, 50_00)), payer_name=name, **extra))
            for k, (body, parts) in enumerate(asks):
                mid, raw = mail(body, p * 10 + k)
                requests.append(Request(mid, raw, "applied", "applied", "confirmation",
                                        tuple((pid, n, m) for n, m in parts)))
        unknown = f"G{799000000 + a}"
        mid, raw = mail(f"Please allocate payment {payments[-1]['payment_id']} to invoice {unknown}.", 99)
        requests.append(Request(mid, raw, "unknown_invoice", "needs_info", "needs_info"))
    ledger = write_ledger(root / "ledger", accounts=accounts, contacts=contacts, invoices=invoices,
                          payments=payments)
    rng.shuffle(requests)
    return Backlog(requests, ledger, payments={r["payment_id"]: _minor(r["amount"]) for r in payments},
                   invoices={r["invoice_number"]: _minor(r["amount"]) for r in invoices})


def _minor(text: str) -> int:
    return int(Decimal(text) * 100)


class FileOutboxSeen:
    """The file outbox where check_invariants looks at an SMTP server: `url` for the worker,
    `received` the messages in the folder (one file per Message-ID, so never a duplicate)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = f"file:{folder}"

    @property
    def received(self) -> list[tuple[None, None, bytes]]:
        files = sorted(self.folder.glob("*.eml")) if self.folder.is_dir() else []
        return [(None, None, f.read_bytes()) for f in files]


# --------------------------------------------------------------------------- the moment that matters

def tryton_keys(database: Path) -> list[str]:
    """allocbot's moves in Tryton's SQLite file, read-only (WAL: never in a writer's way)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as conn:
        return [row[0] for row in conn.execute(ALLOCBOT_MOVES)]


class MoveKiller:
    """Polls Tryton's database file; when armed, SIGKILLs the worker the instant a new allocbot
    move is there: Tryton has committed the posting, the worker has not recorded its answer."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.target: WorkerProcess | None = None
        self.fired = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> MoveKiller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def arm(self, worker: WorkerProcess | None) -> None:
        with self.lock:
            self.target = worker

    def _run(self) -> None:
        with closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10,
                                     check_same_thread=False)) as conn:
            seen = conn.execute(f"SELECT count(*) FROM ({ALLOCBOT_MOVES})").fetchone()[0]
            while not self._stop.wait(0.001):
                try:
                    now = conn.execute(f"SELECT count(*) FROM ({ALLOCBOT_MOVES})").fetchone()[0]
                except sqlite3.OperationalError:  # a checkpoint or recovery under way: look again
                    continue
                if now > seen:
                    with self.lock:
                        target, self.target = self.target, None
                    if target is not None and target.alive():
                        os.kill(target.pid, signal.SIGKILL)
                        self.fired += 1
                seen = now


def left_unrecorded(engine, database: Path) -> set[str]:
    """Keys Tryton has whose posting allocbot still holds as pending: a kill came between
    Tryton's commit and the worker recording the answer."""
    with Session(engine) as session:
        pending = {p.key for p in session.exec(select(Posting).where(Posting.state == "pending"))}
    return pending & set(tryton_keys(database))


# --------------------------------------------------------------------------- Tryton's figures

def _amount(line) -> Decimal:
    """A receivable line in its own currency, credit positive (Tryton's second currency if any)."""
    return -line.amount_second_currency if line.second_currency else line.credit - line.debit


def tryton_figures(url) -> dict:
    """What Tryton shows, read through trytond in this process."""
    with transaction(url, readonly=True) as pool:
        Move, Line = pool.get("account.move"), pool.get("account.move.line")
        Invoice, Party = pool.get("account.invoice"), pool.get("party.party")
        moves = Move.search([("description", "like", "alloc-%")])
        invoices = {i.number: (i.amount_to_pay, i.state) for i in Invoice.search([("type", "=", "out")])}
        open_credit: dict[str, Decimal] = defaultdict(Decimal)
        parts = []
        for line in Line.search([("account.type.receivable", "=", True), ("move.state", "=", "posted")]):
            words = (line.description or "").split()
            if not words or not words[0].startswith("PY"):
                continue
            if line.credit and line.reconciliation is None and not line.invoice_payments:
                open_credit[words[0]] += _amount(line)
            if len(words) >= 3 and words[1].startswith("alloc-") and line.invoice_payments:
                parts.append((words[1], words[0], line.invoice_payments[0].number, _amount(line)))
        return {"moves": Counter(m.description for m in moves), "states": {m.state for m in moves},
                "all_moves": Move.search_count([]), "invoices": invoices, "open": dict(open_credit),
                "parts": parts,
                "receivable": {p.code: p.receivable for p in Party.search([("code", "like", "T%")])}}


# --------------------------------------------------------------------------- the test

def test_sigkill_as_tryton_commits_a_posting_never_posts_it_twice(tryton_url, tryton_home, tmp_path, capsys):
    rng = random.Random(SEED)
    started = time.monotonic()
    backlog = make_ledger(tmp_path, rng)
    load_ledger(tryton_url, backlog.ledger_dir)
    tryton_db = tryton_home / "db" / f"{tryton_url.database}.sqlite"
    with closing(sqlite3.connect(f"file:{tryton_db}?mode=ro", uri=True)) as conn:
        moves_before = conn.execute("SELECT count(*) FROM account_move").fetchone()[0]
    maildir, logs, outbox = tmp_path / "mailbox", tmp_path / "logs", FileOutboxSeen(tmp_path / "outbox")
    logs.mkdir()
    database_url = f"sqlite:///{tmp_path / 'allocbot.db'}"
    env = worker_env(database_url=database_url, maildir=maildir, smtp=outbox,
                     ALLOCBOT_BILLING=f"tryton:///{tryton_url.database}?config={tryton_url.config}")
    allocbot(env, "ledger", "sync", timeout=180)  # Tryton's ledger is allocbot's
    loaded = time.monotonic()
    engine = make_engine(database_url)
    killer = MoveKiller(tryton_db).start()
    mails = [r.raw for r in backlog.requests]
    wave = -(-len(mails) // LIVES)
    unrecorded: set[str] = set()
    try:
        for life in range(LIVES):
            for raw in mails[life * wave:(life + 1) * wave]:
                deliver(maildir, raw)
            worker = WorkerProcess(env, logs / f"life-{life:02d}.log")
            try:
                if worker.ready(timeout=60):
                    if life % 2 == 0:
                        killer.arm(worker)
                        deadline = time.monotonic() + ARMED_FOR
                        while worker.alive() and time.monotonic() < deadline:
                            time.sleep(0.01)
                        killer.arm(None)
                    else:
                        time.sleep(rng.uniform(0.2, 3.0))
            finally:
                worker.kill()
            assert worker.process.returncode == -signal.SIGKILL, (
                f"life {life}: the worker ended by itself ({worker.process.returncode}):\n{worker.tail()}")
            unrecorded |= left_unrecorded(engine, tryton_db)
    finally:
        killer.stop()
    killed = time.monotonic()

    final = allocbot(env, "run", "--once", timeout=300)  # one run right after the last kill
    finished = time.monotonic()
    assert settled(engine, backlog, maildir), f"not finished by one run: {progress(engine)}\n{final.stdout}"
    check_invariants(engine, outbox, backlog, maildir=maildir, kills=LIVES)

    with Session(engine) as session:
        allocations = session.exec(select(Allocation)).all()
        posts = {p.key: p for p in session.exec(select(Posting))}
    engine.dispose()
    seen = tryton_figures(tryton_url)
    assert money_problems(seen, backlog, allocations, posts, moves_before=moves_before) == []
    again = {k for k, p in posts.items() if p.last_error == "already in Tryton"}
    assert again <= unrecorded  # a posting is looked up and found only when a crash left it unrecorded
    assert all(k in again or posts[k].reflected_by == "import" for k in unrecorded)  # found, never made again
    with capsys.disabled():
        print(f"\ntryton crash seed={SEED}: {LIVES} kills, {killer.fired} the instant Tryton committed "
              f"a posting, {len(unrecorded)} left unrecorded by allocbot ({len(again)} then found "
              f"'already in Tryton'), "
              f"{len(posts)} postings once each as {len(posts)} moves; ledger {loaded - started:.1f}s, "
              f"kills {killed - loaded:.1f}s, the run after {finished - killed:.1f}s "
              f"({' '.join(final.stdout.split())}), wall {time.monotonic() - started:.1f}s")
    assert killer.fired >= 1 and unrecorded, "no kill landed between Tryton's commit and allocbot's record"
    wrong_state = state_problems(seen, backlog, posts, unrecorded)
    with closing(sqlite3.connect(f"file:{tryton_db}?mode=ro", uri=True)) as conn:
        never_run = conn.execute("SELECT count(*) FROM ir_queue WHERE finished_at IS NULL").fetchone()[0]
    assert wrong_state == [], (f"{len(wrong_state)} invoice(s) in the wrong state in Tryton, {never_run} "
                               f"of its queued tasks never run: {wrong_state}")


def money_problems(seen: dict, backlog: Backlog, allocations, posts: dict, *, moves_before: int) -> list[str]:
    """Exactly once, and the money right, as Tryton shows it."""
    problems = []
    if sorted(p.allocation_id for p in posts.values()) != sorted(a.id for a in allocations):
        problems.append(f"{len(allocations)} allocations, {len(posts)} postings")
    problems += [f"posting {k}: {p.state}" for k, p in posts.items() if p.state != "reflected"]
    problems += [f"{k}: {n} moves in Tryton" for k, n in seen["moves"].items() if n != 1]
    problems += [f"{k}: no move in Tryton" for k in posts.keys() - seen["moves"].keys()]
    problems += [f"{k}: a move in Tryton, no such posting" for k in seen["moves"].keys() - posts.keys()]
    problems += [f"an allocbot move is {state}" for state in seen["states"] - {"posted"}]
    if seen["all_moves"] != moves_before + len(posts):  # a half-made move, a stray split
        problems.append(f"{seen['all_moves'] - moves_before} new moves in Tryton for {len(posts)} postings")
    parts = sorted((k, pid, number, int(amount * 100)) for k, pid, number, amount in seen["parts"])
    wanted = sorted((p.key, p.payment_id, p.invoice_number, p.amount_minor) for p in posts.values())
    if parts != wanted:
        problems.append(f"invoice payment lines {parts} for postings {wanted}")
    paid_in = Counter()
    for a in allocations:
        paid_in[a.payment_id] += a.amount_minor
        paid_in[a.invoice_number] += a.amount_minor
    for number, before in backlog.invoices.items():
        if int(seen["invoices"][number][0] * 100) != before - paid_in[number]:
            problems.append(f"invoice {number}: {seen['invoices'][number][0]} to pay in Tryton, the ledger's "
                            f"{before} less {paid_in[number]}")
    for pid, before in backlog.payments.items():
        if int(seen["open"].get(pid, 0) * 100) != before - paid_in[pid]:
            problems.append(f"payment {pid}: {seen['open'].get(pid)} open in Tryton, the ledger's {before} "
                            f"less {paid_in[pid]}")
    owed = Counter()  # an allocation moves credit between a party's lines, never its balance
    for row in _rows(backlog.ledger_dir, "invoices"):
        owed[row["account_id"]] += _minor(row["amount"])
    for row in _rows(backlog.ledger_dir, "payments"):
        owed[row["account_id"]] -= _minor(row["amount"])
    problems += [f"party {code}: receivable {balance} in Tryton, {owed[code]} in the ledger"
                 for code, balance in seen["receivable"].items() if int(balance * 100) != owed[code]]
    return problems


def state_problems(seen: dict, backlog: Backlog, posts: dict, unrecorded: set[str]) -> list[str]:
    """An invoice its allocations pay in full is `paid` in Tryton, one with something left to pay
    `posted` (README: "an invoice paid in full is reconciled and paid"), also when the worker
    was killed right after the posting's commit."""
    key_of = {p.invoice_number: k for k, p in posts.items()}  # one posting per invoice here
    return [f"invoice {n}: {state} with {to_pay} to pay (posting {key_of.get(n)}"
            f"{', left unrecorded by a kill' if key_of.get(n) in unrecorded else ''})"
            for n, (to_pay, state) in sorted(seen["invoices"].items())
            if n in backlog.invoices and (to_pay == 0) != (state == "paid")]


def _rows(directory: Path, stem: str) -> list[dict[str, str]]:
    with (directory / f"{stem}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
