"""Latency over IMAP IDLE (issue 7): from a request's APPEND to Dovecot to its confirmation
accepted by the SMTP server, median and 95th percentile over --messages requests arriving one
by one. Target: median under 1 s.

    .venv/bin/python tests/bench/bench_idle_latency.py [--messages 200] [--db sqlite|postgres|both]
        [--pause 0.2 1.0] [--seed N] [--keep]

Everything is real: one `allocbot worker` process (configured by environment only, as the
Procfile runs it, with the default config/allocbot.toml but a 600 s poll, so only IDLE can be
fast), a throwaway Dovecot on a loopback port (tests/integration/dovecot.py), an aiosmtpd
server (tests/integration/smtp_server.py), and a SQLite file or a throwaway PostgreSQL
database (ALLOCBOT_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test).

The ledger: one account per ten requests, each with its registered billing or account admin,
and each request its own payment and invoice(s), so that every one applies in full (four
phrasings, one or two invoices). "One by one": a request is APPENDed (over one kept IMAP
connection, as a delivering MTA would) only after the previous one's confirmation was
accepted, plus a seeded random pause of --pause MIN MAX seconds; so the worker is sometimes
still filing the previous message when the next arrives, and sometimes idle. The clock starts
when APPEND's tagged OK returns (the message is in the mailbox) and stops when the SMTP
server has received the DATA of the reply whose In-Reply-To is that request's Message-ID.
A first warm-up request after the worker started is not counted (printed apart).

Prints per database a line of figures, with Dovecot's own IDLE push delay for scale (APPEND →
`* EXISTS` on a second connection in IDLE, on a quiet folder; Dovecot 2.3 holds change
notifications for 0.5 s), and the median split by the worker's JSON log (millisecond
timestamps): APPEND → stored (push, wake-up, fetch, store), → decided, → filed (IMAP MOVE,
which the intake job does before sending), → SMTP accepted. Asserts that every request was
applied and confirmed once; no wall-clock limits. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import trustme  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402

from bot.intake.idle import reports_new_mail  # noqa: E402
from bot.ledger.tables import InboundMessage  # noqa: E402
from tests.bench.bench_crash_kill import database  # noqa: E402
from tests.integration.conftest import (  # noqa: E402
    account, contact, invoice, parse_mail, payment, request_mail, write_ledger,
)
from tests.integration.dovecot import running_dovecot  # noqa: E402
from tests.integration.smtp_server import SmtpServerFactory  # noqa: E402
from tests.reliability.harness import NAMES, WorkerProcess, allocbot  # noqa: E402

PER_ACCOUNT = 10
PHRASES = [  # (number of invoices, body)
    (1, "Hi,\n\nPlease allocate payment {pid} to invoice {inv[0]}.\n\nThanks,\n{name}"),
    (1, "Dear billing team,\n\nour payment {pid} of {amount} {cur} is for invoice {inv[0]}.\n\nKind regards,\n{name}"),
    (1, "Hello,\n\ncould you apply {pid} against {inv[0]}, please?\n\nBest,\n{name}"),
    (2, "Hello,\n\nPlease apply payment {pid} to invoices {inv[0]} and {inv[1]}.\n\nBest regards,\n{name}"),
]


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def build(n: int, ledger_dir: Path, rng: random.Random) -> list[tuple[str, bytes]]:
    """n requests (Message-ID, raw mail), each applying its own payment in full; the ledger written to ledger_dir."""
    accounts, contacts, invoices, payments, mails = [], [], [], [], []
    for i in range(n):
        k = i // PER_ACCOUNT  # the account
        acc, domain, cur, name = f"L{k:04d}", f"partner{k:04d}.example", ("USD", "EUR")[k % 2], NAMES[k % len(NAMES)]
        role = "account_admin" if k % 3 == 2 else "billing_admin"
        admin = f"{role.partition('_')[0]}@{domain}"
        if i % PER_ACCOUNT == 0:
            accounts.append(account(acc, f"Partner {k} Ltd", "en", cur))
            contacts += [contact(admin, acc, role, name), contact(f"sales@{domain}", acc, "sales", "Sam Seller")]
        count, body = PHRASES[i % len(PHRASES)]
        pid, inv = f"PY7{i:07d}", [f"G7{i:06d}{j:02d}" for j in range(1, count + 1)]
        amounts = [rng.randint(50_00, 9_000_00) for _ in inv]
        payments.append(payment(pid, money(sum(amounts)), account_id=acc, currency=cur, payer_name=f"Partner {k} Ltd"))
        invoices += [invoice(number, money(amount), account_id=acc, currency=cur) for number, amount in zip(inv, amounts)]
        message_id = f"<idle.{i}.{rng.getrandbits(32):08x}@{domain}>"
        text = body.format(pid=pid, inv=inv, amount=money(sum(amounts)), cur=cur, name=name)
        mails.append((message_id, request_mail(admin, text, message_id=message_id, sender_name=name)))
    write_ledger(ledger_dir, accounts=accounts, contacts=contacts, invoices=invoices, payments=payments)
    return mails


def confirmed_at(smtp, message_id: str, seen: int, timeout: float = 120) -> tuple[float, int]:
    """Wait for the reply to message_id among the messages after the first `seen`: (time, count now)."""
    while True:
        received = smtp.wait_for(seen + 1, timeout)
        at = time.time()
        if any(parse_mail(content)["In-Reply-To"] == message_id for _, _, content in received[seen:]):
            return at, len(received)
        seen = len(received)


def wait_until_idling(worker: WorkerProcess, timeout: float = 30) -> None:
    worker.ready()
    deadline = time.monotonic() + timeout
    while not any(e.get("event") == "idle_started" for e in worker.events()):
        assert time.monotonic() < deadline and worker.alive(), f"the worker is not in IDLE:\n{worker.tail()}"
        time.sleep(0.05)


def log_time(event: dict) -> float:
    return datetime.strptime(event["asctime"], "%Y-%m-%d %H:%M:%S,%f").timestamp()


def push_delay(dovecot, rng: random.Random, probes: int = 20) -> float:
    """Dovecot's own part: APPEND → `* EXISTS` on another connection in IDLE (median), in a
    folder of its own on a quiet server, before the worker starts."""
    delays = []
    with dovecot.client() as watcher, dovecot.client() as writer:
        writer.create_folder("Probe")
        watcher.select_folder("Probe", readonly=True)
        watcher.idle()
        for n in range(probes):
            time.sleep(rng.uniform(0.2, 1.0))
            writer.append("Probe", request_mail(message_id=f"<probe.{n}@bench.example>"))
            appended = time.time()
            while not reports_new_mail(watcher.idle_check(timeout=5)):
                pass
            delays.append(time.time() - appended)
        watcher.idle_done()
    return statistics.median(delays)


def stages(events: list[dict], mails: list[tuple[str, bytes]], appended: dict[str, float], latencies: list[float]):
    """Per request, from the worker's log: APPEND→stored, →decided, →filed, →SMTP accepted. The
    requests came one by one, so a filing logged after a request's decision is that request's."""
    current, stamps = None, {}
    for e in events:
        if e.get("event") in ("message_stored", "message_decided"):
            current = e["message_id"]
        stamps.setdefault((e.get("event"), current), log_time(e))
    for (m, _), latency in zip(mails, latencies):
        marks = [appended[m], *(stamps[(event, m)] for event in ("message_stored", "message_decided", "imap_filed")),
                 appended[m] + latency]
        yield [b - a for a, b in zip(marks, marks[1:])]


def run(kind: str, args: argparse.Namespace, smtp_factory: SmtpServerFactory, base: Path) -> str:
    root = base / kind
    root.mkdir()
    rng = random.Random(args.seed)
    mails = build(args.messages + 1, root / "ledger", rng)
    smtp = smtp_factory.start()
    with running_dovecot() as dovecot, database(kind, root) as (url, engine):
        env = {"DATABASE_URL": url, "ALLOCBOT_MAILBOX": dovecot.url(), "ALLOCBOT_OUTBOX": smtp.url,
               "ALLOCBOT_POLL_SECONDS": "600", "ALLOCBOT_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ALLOCBOT_")}, **env}
        allocbot(env, "ledger", "import", str(root / "ledger"))
        floor = push_delay(dovecot, rng)
        worker = WorkerProcess(env, root / "worker.log")
        try:
            wait_until_idling(worker)
            appended, latencies, seen = {}, [], 0
            with dovecot.client() as imap:
                for message_id, raw in mails:
                    imap.append("INBOX", raw)
                    appended[message_id] = time.time()
                    accepted, seen = confirmed_at(smtp, message_id, seen)
                    latencies.append(accepted - appended[message_id])
                    time.sleep(rng.uniform(*args.pause))
            time.sleep(1)  # a reply sent twice would arrive now
        finally:
            code = worker.terminate()
        assert code == 0, f"the worker exited {code}:\n{worker.tail()}"
        with Session(engine) as session:
            by_status = select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
            outcomes = dict(session.exec(by_status).all())
        assert outcomes == {"applied": len(mails)}, f"not every request applied: {outcomes}"
        assert len(smtp.received) == len(mails), f"{len(smtp.received)} replies for {len(mails)} requests"
    smtp.stop()
    split = [statistics.median(stage) for stage in zip(*stages(worker.events(), mails[1:], appended, latencies[1:]))]
    warm, counted = latencies[0], sorted(latencies[1:])
    p95 = counted[max(0, -(-95 * len(counted) // 100) - 1)]  # nearest rank
    return (f"[{kind}] messages={len(counted)} median={statistics.median(counted):.2f}s p95={p95:.2f}s "
            f"max={counted[-1]:.2f}s min={counted[0]:.2f}s (warm-up {warm:.2f}s; "
            f"Dovecot's IDLE push alone: median {floor:.2f}s)\n"
            f"[{kind}] median split: APPEND→stored {split[0]:.3f}s, →decided {split[1]:.3f}s, →filed {split[2]:.3f}s, "
            f"→SMTP accepted {split[3]:.3f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pause", type=float, nargs=2, default=(0.2, 1.0), metavar=("MIN", "MAX"),
                        help="seconds between a confirmation and the next APPEND (uniform, seeded)")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the working folder (ledger, worker logs)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="allocbot-idle-bench-"))
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(base / "ca.pem"))
    smtp_factory = SmtpServerFactory(ca, base / "ca.pem")
    print(f"seed {args.seed}; pause {args.pause[0]}–{args.pause[1]} s; working folder {base}", flush=True)
    try:
        for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            print(run(kind, args, smtp_factory, base), flush=True)
    finally:
        smtp_factory.stop_all()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
