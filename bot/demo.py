"""`allocbot demo`: a small ledger and a mailbox of partner requests on the embedded
defaults, one cycle, and a table of what happened. Built from readable values, not blobs."""
from __future__ import annotations

import csv
import shutil
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bot.bootstrap import bootstrap
from bot.ledger import store
from bot.ledger.export import export_requests
from bot.ledger.importer import import_ledger
from bot.ledger.users import add_user, hasher_for, user_by_email
from bot.service import run_cycle
from bot.settings import Settings

ACCOUNTS = [
    {"account_id": "1001", "name": "Bluepeak Cloud Inc.", "locale": "en-US", "currency": "USD"},
    {"account_id": "1002", "name": "Nordvik IT AB", "locale": "sv-SE", "currency": "SEK"},
    {"account_id": "1003", "name": "Rheinwerk Cloud GmbH", "locale": "de-DE", "currency": "EUR"},
]
CONTACTS = [
    {"account_id": "1001", "email": "emily@bluepeak.example", "name": "Emily Carter", "role": "billing_admin"},
    {"account_id": "1001", "email": "tom@bluepeak.example", "name": "Tom Whitaker", "role": "sales"},
    {"account_id": "1002", "email": "sofia@nordvik.example", "name": "Sofia Nyström", "role": "billing_admin"},
    {"account_id": "1003", "email": "katrin@rheinwerk.example", "name": "Katrin Müller", "role": "account_admin"},
]
INVOICES = [
    ("G100000001", "1001", "2026-10-01", "USD", "1200.00"), ("G100000002", "1001", "2026-10-05", "USD", "800.00"),
    ("G100000003", "1001", "2026-10-09", "USD", "450.50"), ("G200000001", "1002", "2026-10-02", "SEK", "12500.00"),
    ("G200000002", "1002", "2026-10-12", "SEK", "3400.00"), ("G300000001", "1003", "2026-10-03", "EUR", "41849.86"),
]
PAYMENTS = [
    ("PY10000001", "1001", "2026-10-20", "USD", "2000.00", "ACME WIRE 2026-10"), ("PY10000002", "1001", "2026-10-22", "USD", "450.50", "INV PAYMENT OCT"),
    ("PY20000001", "1002", "2026-10-15", "SEK", "12500.00", "RF18000000000012"), ("PY30000001", "1003", "2026-10-06", "EUR", "41849.86", "RHEIN 20261006"),
]
MAILS = [
    ("Emily Carter <emily@bluepeak.example>", "Allocation of payment PY10000001",
     "Hi,\n\nPlease apply payment PY10000001 to invoices G100000001 and G100000002.\n\nThanks,\nEmily\nTel: +1 555 0100"),
    ("Sofia Nyström <sofia@nordvik.example>", "Oallokerad betalning",
     "Hej,\n\nVår betalning på 12 500,00 kr den 15 oktober 2026 gällde faktura G200000001 – lägg den där, tack.\n\nMvh Sofia"),
    ("Katrin Müller <katrin@rheinwerk.example>", "Zuordnung einer Zahlung",
     "Hallo,\n\nbitte ordnen Sie unsere Zahlung mit Verwendungszweck RHEIN 20261006 der Rechnung G300000001 zu.\n\nViele Grüße\nKatrin Müller"),
    ("Emily Carter <emily@bluepeak.example>", "Payment for G100000099",
     "Hi,\n\nPlease apply payment PY10000002 to invoice G100000099.\n\nThanks,\nEmily"),
    ("Tom Whitaker <tom@bluepeak.example>", "Apply our payment",
     "Hello,\n\nPlease apply payment PY10000002 to invoice G100000003.\n\nTom (sales)"),
    ("Someone <billing@bluepeak-payments.example>", "Apply our payment",
     "Hello,\n\nPlease apply payment PY10000002 to invoice G100000003.\n\nRegards"),
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_demo_ledger(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(folder / "accounts.csv", list(ACCOUNTS[0]), [list(a.values()) for a in ACCOUNTS])
    _write_csv(folder / "contacts.csv", list(CONTACTS[0]), [list(c.values()) for c in CONTACTS])
    _write_csv(folder / "invoices.csv", ["invoice_number", "account_id", "issue_date", "due_date", "currency", "amount", "open_amount"],
               [[n, a, d, d.replace("-10-", "-11-"), c, amt, amt] for n, a, d, c, amt in INVOICES])
    _write_csv(folder / "payments.csv", ["payment_id", "account_id", "received_date", "currency", "amount", "unallocated_amount", "reference", "payer_name"],
               [[p, a, d, c, amt, amt, ref, next(x["name"] for x in ACCOUNTS if x["account_id"] == a)] for p, a, d, c, amt, ref in PAYMENTS])


def demo_mail(sender: str, subject: str, body: str, sent: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "Billing allocations <allocations@billing.example>", subject
    msg["Date"], msg["Message-ID"] = format_datetime(sent), make_msgid(domain=sender.rsplit("@", 1)[1].rstrip(">"))
    msg.set_content(body)
    return msg.as_bytes()


def write_demo_mailbox(maildir: Path, now: datetime) -> None:
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for i, (sender, subject, body) in enumerate(MAILS):
        (maildir / "new" / f"{int(now.timestamp()) + i}.demo{i}.allocbot").write_bytes(demo_mail(sender, subject, body, now))


def _reset(settings: Settings) -> None:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    for setting in (settings.mailbox.removeprefix("maildir:"), settings.outbox.removeprefix("file:")):
        shutil.rmtree(setting, ignore_errors=True)


# Demo sign-ins for the web UI; a real installation adds its own with `allocbot users add`.
DEMO_USERS = (("ops@billing.example", "billing_admin"), ("viewer@billing.example", "viewer"))
DEMO_PASSWORD = "allocbot-demo-only"


def run_demo(settings: Settings, console: Console, *, reset: bool, billing: str = "builtin") -> int:
    """The demo on the embedded defaults; `billing="tryton"`: with a local Tryton as the billing
    system of record (bot/demo_tryton.py) instead of allocbot's built-in ledger."""
    if not settings.mailbox.startswith("maildir:") or not settings.outbox.startswith("file:"):
        console.print("[red]the demo runs on the embedded defaults: a maildir: mailbox and a file: outbox[/red]")
        return 2
    if reset:
        if make_url(settings.database_url).get_backend_name() != "sqlite":
            console.print("[red]--reset only deletes SQLite databases; point DATABASE_URL at a SQLite file[/red]")
            return 2
        _reset(settings)
    var = Path(settings.mailbox.removeprefix("maildir:")).parent
    ledger_dir = var / "demo-ledger"
    write_demo_ledger(ledger_dir)
    if billing == "tryton":
        from bot.demo_tryton import prepare_tryton

        settings = settings.model_copy(update={"billing": prepare_tryton(var, ledger_dir, console, reset=reset)})
    app = bootstrap(settings)
    with Session(app.engine) as session:
        if store.status_counts(session):
            console.print("[yellow]the database already holds requests; run `allocbot demo --reset` to start over[/yellow]")
            return 1
        if billing != "tryton":  # with Tryton the cycle reads the ledger from it
            import_ledger(session, ledger_dir)
        for email, role in DEMO_USERS:
            if user_by_email(session, email=email) is None:
                add_user(session, email=email, password=DEMO_PASSWORD, role=role, now=app.clock(),
                         hasher=hasher_for(settings))
        session.commit()
    write_demo_mailbox(Path(settings.mailbox.removeprefix("maildir:")), app.clock().astimezone(UTC))
    report = run_cycle(app)
    table = Table(title="allocbot demo: one cycle")
    for column in ("from", "subject", "status", "reasons", "allocated", "reply"):
        table.add_column(column, overflow="fold")
    with Session(app.engine) as session:
        for rec in export_requests(session):
            allocated = "\n".join(f"{a['payment_id']}→{a['invoice_number']} {a['amount']}" for a in rec["allocations"])
            table.add_row(parseaddr(rec["from"])[1], rec["subject"], rec["status"], ", ".join(rec["reasons"]), allocated,
                          ", ".join(r["kind"] for r in rec["replies"]) or "—")
    console.print(table)
    if billing == "tryton":
        from bot.demo_tryton import print_tryton_figures

        print_tryton_figures(settings.billing, console, payment_pattern=settings.payment_pattern)
    outbox = Path(settings.outbox.removeprefix("file:")).resolve()
    console.print(f"{report.stored} requests read, {report.sent} replies written to {outbox}")
    console.print(f"database: {settings.database_url} — try `allocbot billing show 1001` or `allocbot requests export --format jsonl`")
    console.print(f"web UI: `allocbot web`, then http://127.0.0.1:8000 — sign in as {DEMO_USERS[0][0]} (acts) or "
                  f"{DEMO_USERS[1][0]} (reads), password {DEMO_PASSWORD!r} (demo only)")
    return 0
