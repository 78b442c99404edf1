"""Per-message time as the ledger grows (issue 7, benchmark 3), with the query plans.

    .venv/bin/python tests/bench/bench_ledger_growth.py [--sizes 100000 1000000] [--messages 300]
        [--database sqlite|postgres] [--keep]

For each size N a fresh database gets N invoices, N/5 payments and N/20 accounts (one billing
admin each), bulk-inserted; then the same kind of backlog (a payment id and an invoice of a
random account, in English, German or Swedish) is delivered to a Maildir and one cycle
decides it in process. Prints messages per second and milliseconds per message for each
size, the ratio between the largest and the smallest (close to 1 when every lookup is
index-backed), and the plan of each query one message runs (SQLite EXPLAIN QUERY PLAN or
PostgreSQL EXPLAIN), so a full-table scan shows by name. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.bootstrap import bootstrap  # noqa: E402
from bot.ledger.tables import Account, Contact, Invoice, Payment  # noqa: E402
from bot.service import run_cycle  # noqa: E402
from bot.settings import load_settings  # noqa: E402

CHUNK = 20_000
BODIES = [
    "Hi,\n\nPlease allocate payment {pid} to invoice {inv}.\n\nThanks,\n{name}",
    "Hallo,\n\nbitte ordnen Sie die Zahlung {pid} der Rechnung {inv} zu.\n\nMit freundlichen Grüßen\n{name}",
    "Hej,\n\nvänligen fördela betalning {pid} på faktura {inv}.\n\nMed vänliga hälsningar\n{name}",
]


def ids(n: int) -> tuple[str, str, str]:
    """Account, invoice and payment ids of row n, in the default formats."""
    return f"A{n // 20:07d}", f"G{n:09d}", f"PY{n // 5:08d}"


def fill(engine, size: int) -> None:
    """Bulk-insert the ledger: every 20th invoice starts an account, every 5th a payment."""
    day = date(2026, 9, 1)
    with engine.begin() as conn:
        for start in range(0, size, CHUNK):
            rows = range(start, min(size, start + CHUNK))
            accounts = [{"account_id": ids(n)[0], "name": f"Partner {n // 20} Ltd", "locale": "en", "currency": "EUR"}
                        for n in rows if n % 20 == 0]
            contacts = [{"account_id": a["account_id"], "email": f"billing@{a['account_id'].lower()}.example",
                         "name": "Ann Admin", "role": "billing_admin"} for a in accounts]
            invoices = [{"invoice_number": ids(n)[1], "account_id": ids(n)[0], "issue_date": day, "due_date": day + timedelta(30),
                         "currency": "EUR", "amount_minor": 10_000 + n % 977, "open_minor": 10_000 + n % 977} for n in rows]
            payments = [{"payment_id": ids(n)[2], "account_id": ids(n)[0], "received_date": day + timedelta(40),
                         "currency": "EUR", "amount_minor": 60_000, "unallocated_minor": 60_000,
                         "reference": f"REF {n}", "payer_name": f"Partner {n // 20} Ltd"} for n in rows if n % 5 == 0]
            for table, values in ((Account, accounts), (Contact, contacts), (Invoice, invoices), (Payment, payments)):
                if values:
                    conn.execute(table.__table__.insert(), values)


def mail(n: int, rng: random.Random) -> bytes:
    account, invoice, payment = ids(n)
    body = rng.choice(BODIES).format(pid=payment, inv=invoice, name="Ann Admin")
    return (f"From: Ann Admin <billing@{account.lower()}.example>\r\nTo: allocations@billing.example\r\n"
            f"Subject: Payment allocation\r\nMessage-ID: <bench.{n}@{account.lower()}.example>\r\n"
            f"Date: Mon, 02 Nov 2026 09:30:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def deliver(maildir: Path, raws: list[bytes]) -> None:
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(raws):
        (maildir / "new" / f"{i:06d}.bench").write_bytes(raw)


def plans(engine, sample: int) -> list[tuple[str, str]]:
    """The plan of each query a message runs, for one sample row."""
    account, invoice, payment = ids(sample)
    email = f"billing@{account.lower()}.example"
    queries = {
        "contacts of the sender": f"SELECT * FROM contact WHERE email = '{email}'",
        "named invoices": f"SELECT * FROM invoice WHERE invoice_number IN ('{invoice}')",
        "named and unallocated payments": f"SELECT * FROM payment WHERE payment_id IN ('{payment}') "
                                          f"OR (account_id IN ('{account}') AND unallocated_minor > 0)",
        "accounts": f"SELECT * FROM account WHERE account_id IN ('{account}')",
        "spend the payment": f"UPDATE payment SET unallocated_minor = unallocated_minor - 1 WHERE payment_id = '{payment}' "
                             f"AND currency = 'EUR' AND unallocated_minor >= 1",
        "open invoices of the account": f"SELECT * FROM invoice WHERE account_id = '{account}' AND open_minor > 0",
        "requests of the sender this hour": "SELECT id FROM inboundmessage WHERE sender_addr = 'x' AND received_at >= '2026-01-01'",
    }
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    out = []
    with engine.connect() as conn:
        for name, sql in queries.items():
            rows = conn.execute(text(explain + sql)).all()
            out.append((name, " | ".join(str(r[-1]) for r in rows)))
            conn.rollback()
    return out


def measure(size: int, messages: int, database: str, base: Path, seed: int) -> dict:
    root = base / f"ledger-{size}"
    root.mkdir(parents=True)
    url = f"sqlite:///{root / 'bench.db'}" if database == "sqlite" else _fresh_postgres(size)
    app = bootstrap(load_settings(database_url=url, mailbox=f"maildir:{root / 'mailbox'}", outbox=f"file:{root / 'outbox'}",
                                  batch_size=200, requests_per_sender_hour=1000))
    started = time.perf_counter()
    fill(app.engine, size)
    filled = time.perf_counter() - started
    rng = random.Random(seed)
    rows = rng.sample(range(0, size, 5), messages)  # rows that start a payment: the payment and the invoice exist
    deliver(root / "mailbox", [mail(n, rng) for n in rows])
    started = time.perf_counter()
    report = run_cycle(app)
    seconds = time.perf_counter() - started
    with Session(app.engine) as session:
        counts = dict(session.exec(text("SELECT status, count(*) FROM inboundmessage GROUP BY status")).all())
    return {"size": size, "fill": filled, "seconds": seconds, "decided": sum(report.decided.values()), "counts": counts,
            "plans": plans(app.engine, rows[0])}


def _fresh_postgres(size: int) -> str:
    import psycopg

    name = f"allocbot_bench_ledger_{size}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def _drop_postgres(sizes: list[int]) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        for size in sizes:
            admin.execute(f'DROP DATABASE IF EXISTS "allocbot_bench_ledger_{size}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="allocbot-ledger-bench-"))
    results = []
    try:
        for size in args.sizes:
            r = measure(size, args.messages, args.database, base, args.seed)
            results.append(r)
            print(f"[{args.database}] invoices={size:,} (filled in {r['fill']:.1f} s): {r['decided']} messages in "
                  f"{r['seconds']:.2f} s = {r['decided'] / r['seconds']:.1f} msg/s, {1000 * r['seconds'] / r['decided']:.1f} ms/message; "
                  f"outcomes {r['counts']}", flush=True)
        first, last = results[0], results[-1]
        ratio = (last["seconds"] / last["decided"]) / (first["seconds"] / first["decided"])
        print(f"per-message time, {last['size']:,} vs {first['size']:,} invoices: ratio {ratio:.2f}")
        print("query plans (largest ledger):")
        for name, plan in last["plans"]:
            print(f"  {name:<34} {plan}")
    finally:
        if args.keep:
            print(f"kept {base}" + (" and the allocbot_bench_ledger_* databases" if args.database == "postgres" else ""))
        else:
            shutil.rmtree(base, ignore_errors=True)
            if args.database == "postgres":
                _drop_postgres(args.sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
