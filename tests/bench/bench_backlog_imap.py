"""The month-end backlog over real servers (issue 7, benchmarks 1, 2 and 4): `allocbot run --once`
reading a real Dovecot over IMAP into PostgreSQL and sending its replies to a real SMTP server.

    .venv/bin/python tests/bench/bench_backlog_imap.py [--messages 10000] [--invoices 1000000] [--keep]
    .venv/bin/python tests/bench/bench_backlog_imap.py --messages 2500 10000   # does peak RSS grow?

The backlog and the ledger are bench_backlog.py's (copies of the sample corpus, filler up to
--invoices). The ledger is imported once into a PostgreSQL database on 127.0.0.1:5432 (trust
auth) and ANALYZEd, as a live database would be; each size of --messages then runs on its
own copy of it (CREATE DATABASE … TEMPLATE), with a fresh throwaway Dovecot (tests/integration/
dovecot.py; root only) whose INBOX gets the messages written straight into its Maildir, as a
delivery agent would, and indexed by `doveadm` before the clock starts; replies go to an
aiosmtpd server (tests/integration/smtp_server.py) in this process over plain SMTP on loopback.

Prints for each size: wall time, messages per second and peak RSS of the `run --once`
process (its own rusage, from wait4), the time of each step (from the database's timestamps), whether
every message ended decided, filed out of INBOX and answered where a reply was due; then
the floor (email.message_from_bytes(policy=default) and the body text of the bytes already
in memory: fetching is not part of it) and the ratio allocbot / floor. Several sizes show
whether peak RSS grows with the backlog. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
import trustme  # noqa: E402

from tests.bench.bench_backlog import backlog, body_text, copies_for, load_ledger  # noqa: E402
from tests.integration.dovecot import running_dovecot  # noqa: E402
from tests.integration.smtp_server import SmtpServerFactory  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
BASE = "allocbot_bench_imap_base"


def admin(*statements: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def query(url: str, sql: str) -> dict:
    with psycopg.connect(url) as conn:
        return dict(conn.execute(sql).fetchall())


def base_database(root: Path, messages: int, invoices: int) -> None:
    """The ledger of the largest backlog's copies plus the filler, imported once."""
    admin(f'DROP DATABASE IF EXISTS "{BASE}" WITH (FORCE)', f'CREATE DATABASE "{BASE}"')
    load_ledger(f"{SERVER}/{BASE}", root, copies_for(messages), invoices)
    with psycopg.connect(f"{SERVER}/{BASE}", autocommit=True) as conn:
        conn.execute("ANALYZE")


def deliver(server, raws: list[bytes]) -> None:
    """Write each message into INBOX's new/ under a Maildir name whose time orders it (Dovecot
    gives UIDs in that order), then let doveadm index the folder as delivery would have."""
    inbox = server.maildir
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    start = int(time.time()) - len(raws)
    for i, raw in enumerate(raws):
        (inbox / "new" / f"{start + i}.M{i}P{os.getpid()}.bench,S={len(raw)}").write_bytes(raw)
    subprocess.run(["chown", "-R", "dovecot:dovecot", str(inbox.parent)], check=True)
    server.doveadm("index", "-u", "bot", "INBOX")
    got = server.doveadm("mailbox", "status", "-u", "bot", "messages", "INBOX").split("=")[-1].strip()
    if int(got) != len(raws):
        raise SystemExit(f"Dovecot shows {got} of {len(raws)} messages in INBOX")


def run_allocbot(env: dict, out: Path, log: Path) -> tuple[int, float, float, float, float]:
    """(exit code, start time, wall seconds, CPU seconds, peak RSS in MB) of one `run --once`:
    the process's own rusage, so several runs in this process do not mix."""
    with out.open("wb") as stdout, log.open("wb") as stderr:
        started, clock = time.time(), time.perf_counter()
        process = subprocess.Popen([str(Path(sys.executable).with_name("allocbot")), "run", "--once"], env=env,
                                   cwd=REPO, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - clock
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, started, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def steps(url: str, started: float) -> str:
    """Seconds of each step, from the times the database recorded (`run --once` logs no lines):
    each step ends at its last timestamp, the first starts when the process did."""
    names = ("process start to first message stored", "intake (IMAP fetch + store)", "decide", "file (IMAP MOVE)", "send (SMTP)")
    with psycopg.connect(url) as conn:
        ends = conn.execute("SELECT extract(epoch FROM min(received_at)), extract(epoch FROM max(received_at)), "
                            "extract(epoch FROM max(decided_at)), extract(epoch FROM max(filed_at)), "
                            "(SELECT extract(epoch FROM max(sent_at)) FROM outboundmessage) FROM inboundmessage").fetchone()
    out, previous = [], started
    for name, end in zip(names, ends):
        if end is not None:
            out.append(f"{name} {float(end) - previous:.1f} s")
            previous = float(end)
    return ", ".join(out)


def measure(size: int, root: Path, ca: trustme.CA, keep: bool) -> float:
    """One run over `size` messages; returns its peak RSS in MB."""
    name = f"allocbot_bench_imap_{size}"
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{BASE}"')
    url = f"{SERVER}/{name}"
    raws = [raw for _, raw in backlog(size)]
    with running_dovecot() as server:
        started = time.perf_counter()
        deliver(server, raws)
        print(f"\n[{size:,} messages] delivered into Dovecot's Maildir and indexed in {time.perf_counter() - started:.1f} s",
              flush=True)
        smtp = SmtpServerFactory(ca, root / "ca.pem").start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOCBOT_")}
        env.update(DATABASE_URL=url, ALLOCBOT_MAILBOX=server.url(), ALLOCBOT_OUTBOX=smtp.url)
        out, log = root / f"run-{size}.out", root / f"run-{size}.log"
        code, wall_start, seconds, cpu, peak_mb = run_allocbot(env, out, log)
        left = len(server.uids("INBOX"))
        smtp.stop()
    if code != 0:
        print(log.read_text(errors="replace")[-4000:])
        raise SystemExit(f"allocbot run --once exited with {code}")
    summary = " ".join(out.read_text(errors="replace").split())
    duplicates = int(m.group(1)) if (m := re.search(r"duplicates=(\d+)", summary)) else -1
    statuses = query(url, "SELECT status, count(*) FROM inboundmessage GROUP BY status")
    unfiled = query(url, "SELECT 'n', count(*) FROM inboundmessage WHERE filed_at IS NULL")["n"]
    replies = query(url, "SELECT status, count(*) FROM outboundmessage GROUP BY status")
    stored = sum(statuses.values())
    undecided = statuses.get("received", 0)
    started = time.perf_counter()
    for raw in raws:
        body_text(raw)
    floor = time.perf_counter() - started
    print("run --once:", summary)
    print(f"steps: {steps(url, wall_start)}")
    print(f"outcomes: {statuses}; replies: {replies}; SMTP server received {len(smtp.received)}")
    unsent = sum(n for status, n in replies.items() if status != "sent")
    ok = stored + duplicates == size and undecided == unfiled == unsent == 0 and left <= duplicates
    print(f"check: {stored:,} stored + {duplicates} duplicate deliveries of {size:,}, {undecided} undecided, "
          f"{unfiled} not filed, {left} left in INBOX, {unsent} replies not sent -> {'OK' if ok else 'BROKEN RUN'}")
    print(f"allocbot run --once (IMAP -> PostgreSQL, SMTP out): {size:,} messages in {seconds:.1f} s = "
          f"{size / seconds:.1f} msg/s, peak RSS {peak_mb:.0f} MB, its CPU {cpu:.0f} s (the rest is waiting on the servers "
          f"or, on a busy machine, for a CPU)")
    print(f"floor (email.message_from_bytes + body text, bytes in memory): {floor:.2f} s = {size / floor:.0f} msg/s")
    print(f"ratio allocbot / floor: {seconds / floor:.1f}x", flush=True)
    if not keep:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return peak_mb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, nargs="+", default=[10_000], help="one run per size (a sweep)")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the databases and the run logs")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="allocbot-imap-bench-"))
    try:
        started = time.perf_counter()
        base_database(root, max(args.messages), args.invoices)
        print(f"ledger: {args.invoices:,} filler invoices + the rows of {copies_for(max(args.messages))} copies of the "
              f"sample, in PostgreSQL (built in {time.perf_counter() - started:.0f} s)", flush=True)
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(root / "ca.pem"))
        peaks = {size: measure(size, root, ca, args.keep) for size in args.messages}
        if len(peaks) > 1:
            print("\npeak RSS by backlog size: " + ", ".join(f"{size:,} -> {mb:.0f} MB" for size, mb in peaks.items()))
    finally:
        if args.keep:
            print(f"kept {root} and the databases {BASE}, allocbot_bench_imap_<size>")
        else:
            shutil.rmtree(root, ignore_errors=True)
            admin(f'DROP DATABASE IF EXISTS "{BASE}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
