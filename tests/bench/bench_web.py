"""How long `/queue` takes with 10,000 review items: measured, not asserted.

    .venv/bin/python tests/bench/bench_queue_page.py [--items 10000] [--runs 20] [--sqlite-only]

Builds a throwaway database (a SQLite file, and a PostgreSQL database when the test server
is reachable), fills it with review items and their messages (realistic request JSON, so
search scans real text), signs in through the web app in FastAPI's test client, and prints
the median and 90th percentile of whole requests (query, rendering, middleware) per view.
Not collected by pytest (testpaths are tests/unit, tests/integration and tests/browser)."""
from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bot.ledger.database import make_engine, migrate  # noqa: E402
from bot.ledger.journal import case_reference  # noqa: E402
from bot.ledger.keyset import Cursor  # noqa: E402
from bot.ledger.tables import InboundMessage, ReviewItem  # noqa: E402
from bot.ledger.users import add_user  # noqa: E402
from tests.integration.conftest import PG_ADMIN_URL, BotWorld, _connect_admin  # noqa: E402
from tests.integration.web.conftest import PASSWORD, USERS, Web  # noqa: E402

REASONS = ["unknown_sender", "sender_not_authorized", "unknown_invoice", "amount_mismatch,over_allocation",
           "ambiguous_payment", "unknown_payment", "cross_account,unknown_sender", "no_request_found"]


def fill(world: BotWorld, n: int) -> None:
    """n items over the last 30 days: 70 % open, 10 % waiting, 20 % closed."""
    now = world.now()
    inbound, items = [], []
    for i in range(1, n + 1):
        at = now - timedelta(seconds=i * 30 * 86400 // n)
        invoice, payment = f"G{100000000 + i:09d}", f"PY{10000000 + i:08d}"
        request = {"text": f"Payment allocation\nPlease allocate payment {payment} to invoice {invoice}.",
                   "instructions": [{"lines": [{"invoice_number": invoice, "amount": None}], "payment_ids": [payment]}]}
        inbound.append({"id": i, "dedup_key": f"<bench-{i}@partner{i % 50}.example>", "message_id": f"<bench-{i}@x>",
                        "source": "", "raw": b"", "from_addr": f"Partner {i % 50} <billing@partner{i % 50}.example>",
                        "subject": f"Allocation request {i}", "received_at": at, "status": "needs_info" if i % 4 == 0 else "review",
                        "reasons": REASONS[i % len(REASONS)], "account_id": f"A{i % 50}", "decided_at": at,
                        "evidence": json.dumps([{"rule": "invoice", "detail": f"invoice {invoice} is not in the ledger"}]),
                        "request": json.dumps(request), "error": ""})
        status = "closed" if i % 5 == 0 else "waiting" if i % 10 == 1 else "open"
        items.append({"id": i, "inbound_id": i, "case_ref": case_reference(i), "status": status,
                      "reasons": REASONS[i % len(REASONS)], "created_at": at, "resolution": "", "closed_by": ""})
    with Session(world.app.engine) as session:
        session.execute(insert(InboundMessage), inbound)
        session.execute(insert(ReviewItem), items)
        for email, role in USERS.values():
            add_user(session, email=email, password=PASSWORD, role=role, now=now)
        session.commit()


def deep_cursor(world: BotWorld, position: int) -> str:
    with Session(world.app.engine) as session:
        row = session.exec(select(ReviewItem).where(ReviewItem.status.in_(("open", "waiting")))
                           .order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc()).offset(position).limit(1)).one()
        return Cursor(at=row.created_at, id=row.id).token


def measure(client, url: str, runs: int) -> tuple[float, float]:
    client.get(url)  # warm up (template compile, statement cache)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def bench(label: str, database_url: str, root: Path, n: int, runs: int) -> None:
    engines: list = []
    world = BotWorld(root=root, database_url=database_url, engines=engines)
    world.app  # build (and migrate) before filling
    fill(world, n)
    os.chdir(root)
    client = Web(world=world).client("viewer")
    views = {"first page (open+waiting, newest)": "/queue",
             "oldest first": "/queue?sort=oldest",
             f"deep page (after item {n // 2})": f"/queue?after={deep_cursor(world, n // 2)}",
             "reason filter": "/queue?reason=amount_mismatch",
             "account filter": "/queue?account=A7",
             "older than 7 days": "/queue?older_than=7",
             "search invoice number": f"/queue?q=G{100000000 + n // 3:09d}",
             "search sender": "/queue?q=partner7.example",
             "all statuses": "/queue?status=all"}
    print(f"\n{label}: {n} items, {runs} runs each, page size {world.app.settings.web_page_size}")
    for name, url in views.items():
        median, p90 = measure(client, url, runs)
        print(f"  {name:<36} median {median:7.1f} ms   p90 {p90:7.1f} ms")
    client.close()
    for engine in engines:
        engine.dispose()


def postgres_database() -> tuple[str, str] | None:
    try:
        admin = _connect_admin()
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        print(f"(PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}; SQLite only)")
        return None
    name = f"allocbot_bench_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return name, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp), args.items, args.runs)
    pg = None if args.sqlite_only else postgres_database()
    if pg is not None:
        name, url = pg
        try:
            with tempfile.TemporaryDirectory() as tmp:
                bench("PostgreSQL", url, Path(tmp), args.items, args.runs)
        finally:
            with _connect_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
