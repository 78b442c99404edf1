"""The `allocbot` command as scheduled runs and operators use it: a subprocess configured only
through DATABASE_URL, ALLOCBOT_MAILBOX and ALLOCBOT_OUTBOX (DESIGN.md "Interfaces")."""
from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.ledger.database import make_engine
from bot.ledger.tables import Account, Contact, Invoice, Payment
from tests.integration.conftest import (
    ANN, REPO, account, allocbot_command, contact, deliver, invoice, parse_mail, payment, request_mail, standard_ledger, write_ledger,
)


class Cli:
    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.database_url = database_url
        self.maildir = tmp_path / "mailbox"
        self.outbox = tmp_path / "outbox"
        self.env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
        self.env.update({"DATABASE_URL": database_url, "ALLOCBOT_MAILBOX": f"maildir:{self.maildir}",
                         "ALLOCBOT_OUTBOX": f"file:{self.outbox}"})

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(allocbot_command() + list(args), cwd=REPO, env={**self.env, **env},
                              capture_output=True, text=True, timeout=120)

    def ok(self, *args: str) -> str:
        proc = self(*args)
        assert proc.returncode == 0, f"allocbot {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def count(self, table) -> int:
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                return session.exec(select(func.count()).select_from(table)).one()
        finally:
            engine.dispose()


def words(text: str) -> str:
    """Rich wraps long lines at the terminal width (80 without a terminal): compare words."""
    return " ".join(text.split())


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'allocbot.db'}")


def test_ledger_import_prints_what_it_loaded_and_is_idempotent(cli, tmp_path):
    ledger = standard_ledger(tmp_path / "ledger")

    first = cli.ok("ledger", "import", str(ledger))
    again = cli.ok("ledger", "import", str(ledger))

    assert first.splitlines() == ["accounts: 2 inserted, 0 updated", "contacts: 3 inserted, 0 updated",
                                  "invoices: 3 inserted, 0 updated", "payments: 3 inserted, 0 updated",
                                  "discrepancies: 0"]
    assert again.splitlines() == ["accounts: 0 inserted, 2 updated", "contacts: 0 inserted, 3 updated",
                                  "invoices: 0 inserted, 3 updated", "payments: 0 inserted, 3 updated",
                                  "discrepancies: 0"]
    assert (cli.count(Account), cli.count(Contact), cli.count(Invoice), cli.count(Payment)) == (2, 3, 3, 3)


def test_ledger_import_refuses_a_bad_export_whole_naming_file_line_and_column(cli, tmp_path):
    ledger = write_ledger(
        tmp_path / "bad",
        accounts=[account("A1")],  # a good file ...
        contacts=[contact(ANN)],
        invoices=[invoice("G000000001", "100.00"), invoice("G000000002", "1O0.00")],  # ... and a typo on line 3
        payments=[payment("PY00000001", "100.00")],
    )

    proc = cli("ledger", "import", str(ledger))

    assert proc.returncode == 1
    message = words(proc.stderr)
    assert "invoices.csv line 3, column amount" in message and "1O0.00" in message
    assert "nothing imported" in message
    assert (cli.count(Account), cli.count(Contact), cli.count(Invoice), cli.count(Payment)) == (0, 0, 0, 0)


def test_billing_show_prints_open_invoices_and_unallocated_payments(cli, tmp_path):
    cli.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))

    out = cli.ok("billing", "show", "A1")

    assert "Bluepeak Cloud Inc." in out
    invoices, _, rest = out.partition("Unallocated payments")
    assert "Open invoices" in invoices and "G000000001" in invoices and "G000000002" in invoices
    assert "100.00 USD" in invoices and "250.00 USD" in invoices
    assert "PY00000001" in rest and "PY00000002" in rest and "500.00 USD" in rest
    assert "G000000009" not in out and "PY00000009" not in out  # another account's
    unknown = cli("billing", "show", "NO-SUCH-ACCOUNT")
    assert unknown.returncode == 1 and "NO-SUCH-ACCOUNT" in unknown.stderr


@pytest.fixture
def cli_any_db(database_url, tmp_path) -> Cli:
    return Cli(tmp_path, database_url)


def test_run_once_then_export_jsonl_with_the_documented_fields(cli_any_db, tmp_path):
    cli = cli_any_db
    cli.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    deliver(cli.maildir, request_mail(body="Please allocate payment PY00000001 to invoice G000000001.",
                                      message_id="<applied@bluepeak.example>"))
    deliver(cli.maildir, request_mail(body="Please allocate payment PY00000002 to invoice G999999999.",
                                      message_id="<unknown@bluepeak.example>"))
    deliver(cli.maildir, request_mail(subject="Automatic reply: Payment allocation", message_id="<ooo@bluepeak.example>",
                                      body="I am away.", headers={"Auto-Submitted": "auto-replied"}))

    out = cli.ok("run", "--once")
    second = cli.ok("run", "--once")
    exported = cli.ok("requests", "export", "--format", "jsonl")

    assert "stored=3" in out and "applied=1" in out and "needs_info=1" in out and "ignored=1" in out and "sent=2" in out
    assert "stored=0" in second and "sent=0" in second
    records = [json.loads(line) for line in exported.splitlines()]
    assert len(records) == 3
    for record in records:
        assert {"message_id", "from", "subject", "status", "reasons", "account_id", "allocations", "replies"} <= set(record)
        assert isinstance(record["reasons"], list) and isinstance(record["allocations"], list)
        assert isinstance(record["replies"], list)
    by_id = {r["message_id"]: r for r in records}

    applied = by_id["<applied@bluepeak.example>"]
    assert (applied["status"], applied["reasons"], applied["account_id"]) == ("applied", [], "A1")
    assert ANN in applied["from"] and applied["subject"] == "Payment allocation"
    assert applied["allocations"] == [{"payment_id": "PY00000001", "invoice_number": "G000000001",
                                       "amount": "100.00", "currency": "USD"}]
    assert Decimal(applied["allocations"][0]["amount"]) == Decimal("100")
    [confirmation] = applied["replies"]
    assert (confirmation["kind"], confirmation["to"]) == ("confirmation", ANN)
    sent = [parse_mail(p.read_bytes()) for p in cli.outbox.iterdir()]
    assert confirmation["message_id"] in {m["Message-ID"] for m in sent}

    unknown = by_id["<unknown@bluepeak.example>"]
    assert unknown["status"] == "needs_info" and "unknown_invoice" in unknown["reasons"]
    assert unknown["allocations"] == [] and [r["kind"] for r in unknown["replies"]] == ["needs_info"]

    ooo = by_id["<ooo@bluepeak.example>"]
    assert ooo["status"] == "ignored" and ooo["reasons"] == ["auto_reply"] and ooo["replies"] == []

    assert len(sent) == 2
    view = cli.ok("billing", "show", "A1")
    assert "G000000001" not in view.partition("Unallocated payments")[0]  # paid in full
    assert "Recent allocations" in view and "PY00000001" in view.partition("Recent allocations")[2]


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("ALLOCBOT_BATCH_SIZE", "0", "batch_size"),
    ("ALLOCBOT_BATCH_SIZE", "lots", "batch_size"),
    ("ALLOCBOT_OUTBOX", "ftp://x", "outbox"),
    ("ALLOCBOT_MAILBOX", "pop3://mail.example", "mailbox"),
    ("DATABASE_URL", "mysql://db.example/allocbot", "DATABASE_URL"),
])
def test_a_bad_setting_stops_the_command_with_exit_2_naming_it(cli, tmp_path, variable, value, named):
    proc = cli("run", "--once", **{variable: value})

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "bad setting" in proc.stderr and named in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "allocbot.db").exists()  # nothing was started
