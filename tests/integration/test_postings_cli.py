"""The billing system as operators meet it on the command line: `postings list` and
`postings retry`, `status`, the settings that choose a connector, and `ledger import` saying
what it held back (issue 13)."""
from __future__ import annotations

import json

import pytest

from tests.integration.billing_receiver import SECRET
from tests.integration.conftest import deliver, request_mail, standard_ledger
from tests.integration.test_cli import Cli, words


@pytest.fixture
def cli(tmp_path) -> Cli:
    c = Cli(tmp_path, f"sqlite:///{tmp_path / 'allocbot.db'}")
    c.billing = tmp_path / "billing"
    c.env["ALLOCBOT_BILLING"] = f"file:{c.billing}"
    c.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    return c


def test_postings_are_listed_with_their_state_and_a_waiting_one_can_be_sent_again(cli):
    deliver(cli.maildir, request_mail())
    assert "posted(handed=1) confirmed=0" in cli.ok("run", "--once")

    [posting] = [json.loads(line) for line in cli.ok("postings", "list", "--format", "jsonl").splitlines()]
    assert (posting["state"], posting["payment_id"], posting["invoice_number"], posting["amount"], posting["batch"]) == (
        "pending", "PY00000001", "G000000001", "100.00", 1)
    assert cli.ok("postings", "list", "--state", "reflected", "--format", "jsonl") == ""
    assert posting["key"] in cli("postings", "list", COLUMNS="200").stdout

    assert cli.ok("postings", "retry", posting["key"]).strip() == f"posting {posting['key']} is sent again at the next cycle"
    (cli.billing / "postings-00000001.jsonl").unlink()  # the billing system lost the file
    cli.ok("run", "--once")
    assert [json.loads(line)["key"] for line in (cli.billing / "postings-00000001.jsonl").read_text().splitlines()] == [
        posting["key"]]

    missing = cli("postings", "retry", "alloc-0-nope")
    assert missing.returncode == 1 and "no posting has the key alloc-0-nope" in missing.stderr
    assert cli("postings", "list", "--state", "lost").returncode == 2


def test_status_names_the_billing_system_counts_postings_and_exits_1_when_it_cannot_be_reached(cli, tmp_path):
    deliver(cli.maildir, request_mail())
    cli.ok("run", "--once")

    shown = words(cli("status", COLUMNS="300").stdout)
    assert f"billing system file:{cli.billing} — reachable" in shown
    assert "postings pending 1; overdue (not reflected within 24 h) 0" in shown
    late = cli("status", ALLOCBOT_BILLING_OVERDUE_HOURS="0.0001", COLUMNS="300")
    assert "overdue (not reflected within 0.0001 h) 1" in words(late.stdout) and "overdue postings" in late.stdout

    (tmp_path / "blocked").write_text("a file, not a folder")
    down = cli("status", ALLOCBOT_BILLING=f"file:{tmp_path / 'blocked' / 'billing'}")
    assert down.returncode == 1 and "NOT reachable" in down.stdout


@pytest.mark.parametrize(("env", "says"), [
    ({"ALLOCBOT_BILLING": "ftp://erp.example/in"},
     "billing: Value error, must be builtin, file:DIR, an http:// / https:// webhook URL or tryton:///DATABASE?config=PATH"),
    ({"ALLOCBOT_BILLING": "https://erp.example/hooks"}, "set ALLOCBOT_BILLING_SECRET to its whsec_… secret"),
    ({"ALLOCBOT_BILLING": "https://erp.example/hooks", "ALLOCBOT_BILLING_SECRET": "hunter2"}, "ALLOCBOT_BILLING_SECRET"),
])
def test_a_bad_billing_setting_stops_every_command_with_one_line_naming_it(cli, env, says):
    proc = cli("status", **env)
    assert proc.returncode == 2 and says in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_webhook_with_its_secret_is_accepted(cli):
    proc = cli("postings", "list", ALLOCBOT_BILLING="https://erp.example/hooks", ALLOCBOT_BILLING_SECRET=SECRET)
    assert proc.returncode == 0 and "postings to https://erp.example/hooks" in proc.stdout


def test_ledger_import_says_what_it_held_back(cli, tmp_path):
    deliver(cli.maildir, request_mail())
    cli.ok("run", "--once")

    lines = cli.ok("ledger", "import", str(standard_ledger(tmp_path / "again"))).splitlines()

    assert lines[4:] == ["held back: 1 postings the export does not show yet (kept off 1 payments and 1 invoices)",
                         "  (no allocations.csv: an export that lists allocbot's posting keys lets them be reflected)",
                         "discrepancies: 0"]
