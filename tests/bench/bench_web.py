"""Median and 90th-percentile render times of the web UI's heavy pages: measured, not asserted.

    .venv/bin/python tests/bench/bench_web.py [--items 10000] [--invoices 5000] [--runs 20] [--sqlite-only]

Issue 7 asks for the queue page with 10,000 items and the billing view of an account with
5,000 invoices. Builds a throwaway database (a SQLite file, and a PostgreSQL database when the
test server is reachable) holding 10,000 review items (realistic request JSON, so search scans
real text) and one big account: 5,000 invoices, 1,000 payments, ~3,500 allocations, most made
by requests the bot applied. One real request from that account goes through a cycle, so its
item page (which ops open constantly) shows a real reading, proposal and conversation. Signs
in through the web app in FastAPI's test client and times whole requests (query, rendering,
middleware). Not collected by pytest (testpaths are tests/unit, tests/integration and tests/browser)."""
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

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402

from bot.ledger.database import make_engine, migrate  # noqa: E402
from bot.ledger.journal import case_reference  # noqa: E402
from bot.ledger.keyset import Cursor  # noqa: E402
from bot.ledger.tables import (Account, Allocation, Contact, InboundMessage, Invoice, Payment,  # noqa: E402
                               ReviewItem)
from bot.ledger.users import add_user, hasher_for  # noqa: E402
from tests.integration.conftest import PG_ADMIN_URL, BotWorld, _connect_admin, request_mail  # noqa: E402
from tests.integration.web.conftest import PASSWORD, USERS, Web  # noqa: E402

REASONS = ["unknown_sender", "sender_not_authorized", "unknown_invoice", "amount_mismatch,over_allocation",
           "ambiguous_payment", "unknown_payment", "cross_account,unknown_sender", "no_request_found"]


def fill_queue(world: BotWorld, n: int) -> None:
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
                        "request": json.dumps(request), "error": "", "filed_at": at})
        status = "closed" if i % 5 == 0 else "waiting" if i % 10 == 1 else "open"
        items.append({"id": i, "inbound_id": i, "case_ref": case_reference(i), "status": status,
                      "reasons": REASONS[i % len(REASONS)], "created_at": at, "resolution": "", "closed_by": ""})
    with Session(world.app.engine) as session:
        session.execute(insert(InboundMessage), inbound)
        session.execute(insert(ReviewItem), items)
        session.commit()


BIG, ANN_BIG = "BIG", "ann@bigco.example"


def fill_account(world: BotWorld, *, first_id: int, invoices: int, payments: int) -> None:
    """Account BIG over two years: `invoices` invoices (the newest 30 % and every tenth older
    one open), `payments` payments paying the rest in order (one in eight invoices split over
    two payments), the newest 5 % and every seventh older payment with money left unallocated.
    Nine in ten payments were allocated by a request the bot applied, one in twenty of those
    through a review item a person closed. Ids of messages and items start at `first_id`."""
    now = world.now()
    today = now.date()
    accounts = [{"account_id": BIG, "name": "Bigco Holdings Ltd", "locale": "en", "currency": "USD"}]
    contacts = [{"account_id": BIG, "email": e, "name": n, "role": r} for e, n, r in
                ((ANN_BIG, "Ann Big", "billing_admin"), ("ap@bigco.example", "Accounts Payable", "account_admin"),
                 ("sam@bigco.example", "Sam Sales", "sales"))]
    invoice_rows, paid = [], []
    for i in range(1, invoices + 1):
        issued = today - timedelta(days=(invoices - i) * 730 // invoices)
        amount = 10_000 + (i % 37) * 1_000
        is_open = i > invoices * 7 // 10 or i % 10 == 0
        invoice_rows.append({"invoice_number": f"G{200000000 + i:09d}", "account_id": BIG, "issue_date": issued,
                             "due_date": issued + timedelta(days=30), "currency": "USD", "amount_minor": amount,
                             "open_minor": amount if is_open else 0})
        if not is_open:
            paid.append(invoice_rows[-1])
    allocated = payments * 95 // 100
    per_payment: dict[int, list[tuple[dict, int]]] = {}
    for k, inv in enumerate(paid):
        p = 1 + k * allocated // len(paid)
        if k % 8 == 0 and p < allocated:  # split over this payment and the next
            half = inv["amount_minor"] // 2
            per_payment.setdefault(p, []).append((inv, half))
            per_payment.setdefault(p + 1, []).append((inv, inv["amount_minor"] - half))
        else:
            per_payment.setdefault(p, []).append((inv, inv["amount_minor"]))
    payment_rows, inbound, items, allocations = [], [], [], []
    for p in range(1, payments + 1):
        lines = per_payment.get(p, [])
        received = max((inv["issue_date"] for inv, _ in lines), default=today - timedelta(days=(payments - p) // 5)) + timedelta(days=20)
        received = min(received, today)
        spare = 5_000 if p > allocated or p % 7 == 0 else 0
        payment_id = f"PY{20000000 + p:08d}"
        payment_rows.append({"payment_id": payment_id, "account_id": BIG, "received_date": received, "currency": "USD",
                             "amount_minor": sum(a for _, a in lines) + spare, "unallocated_minor": spare,
                             "reference": f"BIGCO {received:%Y%m%d} {p}", "payer_name": "Bigco Holdings Ltd"})
        at = now - timedelta(days=(today - received).days) + timedelta(hours=2)
        inbound_id = None
        if lines and p % 10:
            inbound_id = first_id + len(inbound)
            numbers = ", ".join(inv["invoice_number"] for inv, _ in lines)
            inbound.append({"id": inbound_id, "dedup_key": f"<big-{p}@bigco.example>", "message_id": f"<big-{p}@bigco.example>",
                            "raw": b"", "from_addr": f"Ann Big <{ANN_BIG}>", "subject": f"Remittance {payment_id}",
                            "received_at": at, "status": "applied", "reasons": "", "account_id": BIG, "decided_at": at,
                            "filed_at": at, "request": json.dumps({"text": f"Please allocate {payment_id} to {numbers}."})})
            if p % 20 == 1:
                items.append({"id": inbound_id, "inbound_id": inbound_id, "case_ref": case_reference(inbound_id),
                              "status": "closed", "reasons": "amount_mismatch", "created_at": at, "resolution": "edited",
                              "closed_at": at + timedelta(hours=1), "closed_by": "ops@billing.example"})
        by = "ops@billing.example" if inbound_id is None or p % 20 == 1 else "allocbot"
        allocations += [{"id": len(allocations) + k, "payment_id": payment_id, "invoice_number": inv["invoice_number"],
                         "currency": "USD", "amount_minor": amount, "inbound_id": inbound_id, "created_at": at,
                         "created_by": by} for k, (inv, amount) in enumerate(lines, start=1)]
    with Session(world.app.engine) as session:
        for table, rows in ((Account, accounts), (Contact, contacts), (Invoice, invoice_rows), (Payment, payment_rows),
                            (InboundMessage, inbound), (ReviewItem, items), (Allocation, allocations)):
            session.execute(insert(table), rows)
        for email, role in USERS.values():
            add_user(session, email=email, password=PASSWORD, role=role, now=now, hasher=hasher_for(world.app.settings))
        if session.get_bind().dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for table in ("inboundmessage", "reviewitem", "allocation"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        session.commit()


def big_request_item(world: BotWorld, invoices: int) -> int:
    """A real request from BIG through a cycle (it names an invoice the ledger lacks, so it is
    held with a proposal for the rest): its review item's id."""
    open_invoice, payment = f"G{200000000 + invoices:09d}", f"PY{20000000 + invoices // 5:08d}"
    world.deliver(request_mail(ANN_BIG, f"Please allocate payment {payment} to invoice {open_invoice}.\n"
                                        "Also allocate it to invoice G299999999.", subject="Allocation please"))
    world.run()
    with Session(world.app.engine) as session:
        item = session.exec(select(ReviewItem).join(InboundMessage, InboundMessage.id == ReviewItem.inbound_id)
                            .where(InboundMessage.account_id == BIG, ReviewItem.status == "open")).one()
        return item.id


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


def open_invoice_cursor(world: BotWorld, position: int) -> str:
    """The billing view's cursor of the open invoice at `position` (due date, then number)."""
    with Session(world.app.engine) as session:
        row = session.exec(select(Invoice).where(Invoice.account_id == BIG, Invoice.open_minor > 0)
                           .order_by(Invoice.due_date, Invoice.invoice_number).offset(position).limit(1)).one()
        return f"{row.due_date.isoformat()}~{row.invoice_number}"


def views(world: BotWorld, n: int, invoices: int, big_item: int) -> dict[str, dict[str, tuple[str, str]]]:
    """Section -> view name -> (who, URL)."""
    with Session(world.app.engine) as session:
        middle_allocation = session.exec(select(func.max(Allocation.id))).one() // 2
        small_item = session.exec(select(ReviewItem.id).where(ReviewItem.status == "open").order_by(ReviewItem.id)).first()
    return {
        f"queue, {n} items": {
            "first page (open+waiting, newest)": ("viewer", "/queue"),
            "oldest first": ("viewer", "/queue?sort=oldest"),
            f"deep page (after item {n // 2})": ("viewer", f"/queue?after={deep_cursor(world, n // 2)}"),
            "reason filter": ("viewer", "/queue?reason=amount_mismatch"),
            "account filter": ("viewer", "/queue?account=A7"),
            "older than 7 days": ("viewer", "/queue?older_than=7"),
            "search invoice number": ("viewer", f"/queue?q=G{100000000 + n // 3:09d}"),
            "search sender": ("viewer", "/queue?q=partner7.example"),
            "all statuses": ("viewer", "/queue?status=all")},
        f"billing view of {BIG}, {invoices} invoices": {
            "account page (first pages)": ("viewer", f"/billing/{BIG}"),
            "open invoices, 5th page": ("viewer", f"/billing/{BIG}?inv_from={open_invoice_cursor(world, 800)}#invoices"),
            "allocation history, middle": ("viewer", f"/billing/{BIG}?hist_before={middle_allocation}#history"),
            "search an open invoice": ("viewer", f"/billing?q=G{200000000 + invoices - 1:09d}"),
            "accounts list": ("viewer", "/billing")},
        "review item page": {
            f"{BIG}'s request, billing admin": ("admin", f"/items/{big_item}"),
            f"{BIG}'s request, viewer": ("viewer", f"/items/{big_item}"),
            "queue item without account, admin": ("admin", f"/items/{small_item}")},
    }


def bench(label: str, database_url: str, root: Path, n: int, invoices: int, runs: int) -> None:
    engines: list = []
    world = BotWorld(root=root, database_url=database_url, engines=engines)
    world.app  # build (and migrate) before filling
    fill_queue(world, n)
    fill_account(world, first_id=n + 1, invoices=invoices, payments=invoices // 5)
    os.chdir(root)
    big_item = big_request_item(world, invoices)
    web = Web(world=world)
    clients = {"viewer": web.client("viewer"), "admin": web.client("admin")}
    print(f"\n{label}: {runs} runs each, page size {world.app.settings.web_page_size}")
    for section, named in views(world, n, invoices, big_item).items():
        print(f"  {section}")
        for name, (who, url) in named.items():
            median, p90 = measure(clients[who], url, runs)
            print(f"    {name:<38} median {median:7.1f} ms   p90 {p90:7.1f} ms")
    for client in clients.values():
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
    parser.add_argument("--invoices", type=int, default=5_000, help="invoices of the big account (payments: a fifth)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp), args.items, args.invoices, args.runs)
    pg = None if args.sqlite_only else postgres_database()
    if pg is not None:
        name, url = pg
        try:
            with tempfile.TemporaryDirectory() as tmp:
                bench("PostgreSQL", url, Path(tmp), args.items, args.invoices, args.runs)
        finally:
            with _connect_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
