"""A month-end backlog (issue 7, benchmarks 1, 2 and 4): `allocbot run --once` over 10,000
requests with a ledger of 1,000,000 invoices, against the floor, with its peak memory.

    .venv/bin/python tests/bench/bench_backlog.py [--messages 10000] [--invoices 1000000] [--keep]

The requests are the sample corpus (../shared/corpus/sample: mixed languages, HTML, replies,
forwards, remittance attachments, machine mail) copied as often as needed, each copy with its
own accounts, contacts, invoices, payments, sender domains and Message-IDs (ids written in
plain text are rewritten; ids inside encoded attachments stay as they were and read as
unknown, which is realistic too). Its ledger rows are imported with `allocbot ledger import`'s
importer; filler accounts, invoices and payments are bulk-inserted up to --invoices (payments
a fifth of that, accounts a twentieth).

Prints: the backlog's size; `run --once` wall time, messages per second and peak RSS of the
process (SQLite, Maildir, file outbox); the floor, i.e. reading each file and parsing it with
`email.message_from_bytes(policy=default)` and getting its body text; and the ratio
allocbot / floor. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import csv
import email
import email.policy
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sqlmodel import Session  # noqa: E402

from bot.bootstrap import bootstrap  # noqa: E402
from bot.ledger.importer import import_ledger  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.bench.bench_ledger_growth import fill  # noqa: E402

SAMPLE = REPO.parent / "shared" / "corpus" / "sample"
FILES = ("accounts", "contacts", "invoices", "payments")


def _read(name: str) -> list[dict]:
    with (SAMPLE / "ledger" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Copier:
    """Copy c of the sample: every id, domain and Message-ID made its own."""

    def __init__(self) -> None:
        self.ledger = {name: _read(name) for name in FILES}
        self.domains = sorted({row["email"].rpartition("@")[2] for row in self.ledger["contacts"]}, key=len, reverse=True)
        self.invoices = {row["invoice_number"]: i for i, row in enumerate(self.ledger["invoices"])}
        self.payments = {row["payment_id"]: i for i, row in enumerate(self.ledger["payments"])}

    def ids(self, c: int) -> dict[str, str]:
        mapping = {inv: f"G8{c:02d}{i:06d}" for inv, i in self.invoices.items()}
        mapping.update({pid: f"PY8{c:02d}{i:05d}" for pid, i in self.payments.items()})
        return mapping

    def ledger_rows(self, c: int) -> dict[str, list[dict]]:
        ids = self.ids(c)
        out = {}
        for name, rows in self.ledger.items():
            copied = []
            for row in rows:
                row = dict(row)
                row["account_id"] = f"C{c:02d}-{row['account_id']}"
                for key in ("invoice_number", "payment_id"):
                    if key in row:
                        row[key] = ids[row[key]]
                if "email" in row:
                    local, _, domain = row["email"].rpartition("@")
                    row["email"] = f"{local}@c{c:02d}.{domain}"
                copied.append(row)
            out[name] = copied
        return out

    def mail(self, raw: bytes, c: int) -> bytes:
        text = raw.decode("utf-8", "surrogateescape")
        for old, new in self.ids(c).items():
            text = text.replace(old, new)
        for domain in self.domains:
            text = re.sub(rf"(?<![\w.-]){re.escape(domain)}", f"c{c:02d}.{domain}", text)
        head, sep, body = text.partition("\n\n") if "\r\n\r\n" not in text else text.partition("\r\n\r\n")
        own = lambda m: re.sub(r"<([^<>\s@]+@[^<>\s]+)>", lambda i: f"<c{c:02d}.{i.group(1)}>", m.group(0))  # noqa: E731
        head = re.sub(r"(?im)^(?:message-id|in-reply-to|references):.*(?:\r?\n[ \t].*)*", own, head)
        return (head + sep + body).encode("utf-8", "surrogateescape")


def copies_for(messages: int) -> int:
    copies = -(-messages // len(list((SAMPLE / "mail").glob("*.eml"))))
    if copies > 99:
        raise SystemExit("at most 99 copies of the sample")
    return copies


def backlog(messages: int) -> Iterator[tuple[str, bytes]]:
    """(name, raw) of each request, copy by copy: `messages` of them."""
    copier, mails = Copier(), sorted((SAMPLE / "mail").glob("*.eml"))
    written = 0
    for c in range(1, copies_for(messages) + 1):
        for path in mails:
            if written == messages:
                return
            yield f"{c:02d}-{path.stem}", copier.mail(path.read_bytes(), c)
            written += 1


def load_ledger(url: str, root: Path, copies: int, invoices: int) -> None:
    """Import the ledger rows of `copies` copies (CSV files under root/ledger) and fill up to `invoices`."""
    copier = Copier()
    ledger = root / "ledger"
    ledger.mkdir(parents=True)
    with ExitStack() as files:
        writers = {}
        for name in FILES:
            f = files.enter_context((ledger / f"{name}.csv").open("w", encoding="utf-8", newline=""))
            writers[name] = csv.DictWriter(f, list(copier.ledger[name][0]))
            writers[name].writeheader()
        for c in range(1, copies + 1):
            for name, rows in copier.ledger_rows(c).items():
                writers[name].writerows(rows)
    app = bootstrap(load_settings(database_url=url, mailbox=f"maildir:{root / 'mailbox'}", outbox=f"file:{root / 'outbox'}"))
    with Session(app.engine) as session:
        import_ledger(session, ledger)
        session.commit()
    fill(app.engine, invoices)
    app.engine.dispose()


def build(root: Path, messages: int, invoices: int) -> tuple[str, Path, int]:
    maildir = root / "mailbox"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    written = 0
    for name, raw in backlog(messages):
        (maildir / "new" / f"{name}.eml").write_bytes(raw)
        written += 1
    url = f"sqlite:///{root / 'bench.db'}"
    load_ledger(url, root, copies_for(messages), invoices)
    return url, maildir, written


def outcomes(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT status, count(*) FROM inboundmessage GROUP BY status")).all())
    engine.dispose()
    return counts


def body_text(raw: bytes) -> None:
    """The floor's work on one message: parse it and get its body text."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        try:
            body.get_content()
        except (LookupError, UnicodeError, AssertionError):
            pass


def floor_seconds(maildir: Path) -> float:
    """Read, parse and get the body text of every message: what any mail bot must do."""
    started = time.perf_counter()
    for path in sorted((maildir / "cur").iterdir()) + sorted((maildir / "new").iterdir()):
        body_text(path.read_bytes())
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--webhook", action="store_true",
                        help="post to a signed webhook on loopback (tests/integration/billing_receiver.py) "
                             "instead of the builtin billing system")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="allocbot-backlog-bench-"))
    try:
        started = time.perf_counter()
        url, maildir, written = build(root, args.messages, args.invoices)
        print(f"backlog: {written:,} messages, ledger {args.invoices:,} filler invoices + the copies' rows "
              f"(built in {time.perf_counter() - started:.0f} s)", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOCBOT_")}
        env.update(DATABASE_URL=url, ALLOCBOT_MAILBOX=f"maildir:{maildir}", ALLOCBOT_OUTBOX=f"file:{root / 'outbox'}")
        receiver = None
        if args.webhook:
            from tests.integration.billing_receiver import SECRET, BillingReceiver

            receiver = BillingReceiver(reflect=True).start()
            env.update(ALLOCBOT_BILLING=receiver.url, ALLOCBOT_BILLING_SECRET=SECRET)
        started = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).with_name("allocbot")), "run", "--once"], env=env, cwd=REPO,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-4000:])
            return 1
        print("run --once: " + " ".join(done.stdout.split()[-12:]))
        print("outcomes:", outcomes(url))
        floor = floor_seconds(maildir)
        print(f"allocbot run --once: {written:,} messages in {seconds:.1f} s = {written / seconds:.1f} msg/s, "
              f"peak RSS {peak_mb:.0f} MB")
        print(f"floor (read + email.message_from_bytes + body text): {floor:.1f} s = {written / floor:.0f} msg/s")
        print(f"ratio allocbot / floor: {seconds / floor:.1f}x")
        if receiver is not None:
            print(f"webhook: {len(receiver.keys()):,} postings taken, {len(receiver.answers):,} requests, "
                  f"{receiver.bad_signatures} bad signatures")
            receiver.stop()
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
