"""The CLI as a newcomer meets it (issue 16): a wrong config file, a database that is down, a
misspelt Maildir, an incomplete ledger export, a long backlog and piped output each get one
clear line and a documented exit code, never a traceback or a silent default. Every check runs
the real `allocbot` console script in a subprocess (stdout a pipe, as under cron)."""
from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.integration.conftest import (
    ANN, REPO, account, allocbot_command, contact, deliver, invoice, payment, request_mail, standard_ledger,
    write_ledger,
)
from tests.integration.test_cli import Cli


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'allocbot.db'}")


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- configuration

def test_a_config_file_named_by_allocbot_config_that_does_not_exist_is_refused_naming_it(cli, tmp_path):
    missing = tmp_path / "config" / "alocbot.toml"  # misspelt
    proc = cli("status", ALLOCBOT_CONFIG=str(missing))
    assert proc.returncode == 2
    assert str(missing) in one_line(proc)
    assert not cli.maildir.exists()


def test_a_toml_syntax_error_names_the_file_and_the_line(cli, tmp_path):
    config = tmp_path / "allocbot.toml"
    config.write_text('invoice_pattern = "G\\\\d{9}"\nbatch_size = \n', encoding="utf-8")
    proc = cli("ledger", "import", str(tmp_path), ALLOCBOT_CONFIG=str(config))
    assert proc.returncode == 2
    line = one_line(proc)
    assert str(config) in line and "line 2" in line


def test_a_good_config_file_is_still_read(cli, tmp_path):
    config = tmp_path / "allocbot.toml"
    config.write_text("batch_size = 0\n", encoding="utf-8")  # read, and its bad value named
    proc = cli("status", ALLOCBOT_CONFIG=str(config))
    assert proc.returncode == 2 and "batch_size" in one_line(proc)


# --------------------------------------------------------------------------- the database

@pytest.mark.parametrize("command", [["status"], ["ledger", "import", "LEDGER"], ["run", "--once"]])
def test_a_database_that_cannot_be_reached_is_one_line_naming_it_without_the_password(cli, tmp_path, command):
    port = closed_port()
    ledger = str(standard_ledger(tmp_path / "ledger"))
    cli.maildir.joinpath("new").mkdir(parents=True)
    for part in ("cur", "tmp"):
        cli.maildir.joinpath(part).mkdir()
    url = f"postgresql://allocbot:s3cret@127.0.0.1:{port}/allocbot"
    proc = cli(*[ledger if arg == "LEDGER" else arg for arg in command], DATABASE_URL=url)
    assert proc.returncode == 1
    line = one_line(proc)
    assert f"postgresql://allocbot:***@127.0.0.1:{port}/allocbot" in line and "cannot be reached" in line
    assert "s3cret" not in proc.stderr + proc.stdout
    assert "Connection refused" in line or "refused" in line.lower()


# --------------------------------------------------------------------------- the mailbox

def test_status_never_creates_a_missing_maildir_and_says_it_is_missing(cli):
    proc = cli("status")
    assert proc.returncode == 1
    mailbox_line = next(line for line in proc.stdout.splitlines() if line.startswith("mailbox"))
    assert "NOT reachable" in mailbox_line and "no such Maildir" in mailbox_line
    assert not cli.maildir.exists()


def test_run_refuses_a_missing_maildir_unless_asked_to_create_it(cli):
    refused = cli("run", "--once")
    assert refused.returncode == 1
    assert "--create-mailbox" in one_line(refused) and str(cli.maildir) in refused.stderr
    assert not cli.maildir.exists()

    created = cli("run", "--once", "--create-mailbox")
    assert created.returncode == 0, created.stderr
    assert all((cli.maildir / part).is_dir() for part in ("cur", "new", "tmp"))
    assert cli("status").returncode == 0


def test_the_setting_allocbot_maildir_create_does_what_the_flag_does(cli):
    assert cli("run", "--once", ALLOCBOT_MAILDIR_CREATE="true").returncode == 0
    assert (cli.maildir / "new").is_dir()


def while_running(process: subprocess.Popen, *, until, seconds: float = 60) -> None:
    """Wait until `until()` holds, the process has ended, or the time is up (the caller asserts)."""
    deadline = time.monotonic() + seconds
    while not until() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_the_worker_refuses_a_missing_maildir_unless_asked_to_create_it(cli):
    refused = cli("worker")
    assert refused.returncode == 1
    assert "--create-mailbox" in one_line(refused) and str(cli.maildir) in refused.stderr
    assert not cli.maildir.exists()

    worker = subprocess.Popen(allocbot_command() + ["worker", "--create-mailbox"], cwd=REPO,
                              env={**cli.env, "ALLOCBOT_POLL_SECONDS": "1"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while_running(worker, until=lambda: (cli.maildir / "new").is_dir())
        assert all((cli.maildir / part).is_dir() for part in ("cur", "new", "tmp")), worker.poll()
    finally:
        worker.terminate()
        worker.communicate(timeout=60)


@pytest.mark.parametrize("command", [("billing", "show", "1001"), ("requests", "export"), ("ledger", "import", "LEDGER")])
def test_commands_that_do_not_read_mail_leave_a_missing_maildir_missing(cli, tmp_path, command):
    ledger = standard_ledger(tmp_path / "ledger")
    cli(*[str(ledger) if arg == "LEDGER" else arg for arg in command])
    assert not cli.maildir.exists()


def test_the_web_ui_starts_without_creating_a_missing_maildir(cli):
    port = closed_port()
    web = subprocess.Popen(allocbot_command() + ["web", "--port", str(port)], cwd=REPO, env=cli.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while_running(web, until=lambda: listening(port))
        assert web.poll() is None, web.communicate(timeout=10)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as page:
            assert page.status == 200
        assert not cli.maildir.exists()
    finally:
        web.terminate()
        web.communicate(timeout=60)


# --------------------------------------------------------------------------- ledger import

def test_ledger_import_names_the_files_it_found(cli, tmp_path):
    proc = cli("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    assert proc.returncode == 0
    found = "accounts.csv, contacts.csv, invoices.csv, payments.csv"
    assert one_line(proc) == f"found in {tmp_path / 'ledger'}: {found}"
    assert proc.stdout.splitlines()[0] == "accounts: 2 inserted, 0 updated"


def test_ledger_import_refuses_an_export_without_a_required_file_and_imports_nothing(cli, tmp_path):
    directory = standard_ledger(tmp_path / "ledger")
    (directory / "payments.csv").unlink()

    proc = cli("ledger", "import", str(directory))

    assert proc.returncode == 2
    line = one_line(proc)
    assert "lacks payments.csv" in line and "found: accounts.csv, contacts.csv, invoices.csv" in line
    assert cli("billing", "show", "A1").returncode == 1  # no account: nothing was imported


def test_a_first_import_needs_accounts_and_contacts_a_later_one_only_the_figures(cli, tmp_path):
    first = standard_ledger(tmp_path / "first")
    (first / "contacts.csv").unlink()
    refused = cli("ledger", "import", str(first))
    assert refused.returncode == 2 and "lacks contacts.csv" in one_line(refused)

    cli.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    later = standard_ledger(tmp_path / "later")
    for name in ("accounts.csv", "contacts.csv"):
        (later / name).unlink()
    assert "payments: 0 inserted, 3 updated" in cli.ok("ledger", "import", str(later))
    (later / "invoices.csv").unlink()
    refused = cli("ledger", "import", str(later))
    assert refused.returncode == 2 and "lacks invoices.csv" in one_line(refused)


# --------------------------------------------------------------------------- run --once on a backlog

def test_run_once_off_a_terminal_logs_a_line_every_n_messages(cli, tmp_path):
    cli.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    for n in range(25):
        body = f"Please allocate payment PY00000002 to invoice G000000002, note {n}."
        deliver(cli.maildir, request_mail(body=body,
                                          message_id=f"<backlog-{n}@bluepeak.example>"))

    proc = cli("run", "--once", ALLOCBOT_PROGRESS_EVERY="10")

    assert proc.returncode == 0, proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith("run --once:")]
    assert progress == ["run --once: 10 messages decided", "run --once: 20 messages decided"]
    assert "stored=25" in proc.stdout and "Traceback" not in proc.stderr


def test_run_once_on_a_terminal_shows_a_progress_bar_not_log_lines(cli, tmp_path):
    import os
    import pty

    cli.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    for n in range(12):
        deliver(cli.maildir, request_mail(message_id=f"<tty-{n}@bluepeak.example>"))
    leader, follower = pty.openpty()
    env = {**cli.env, "ALLOCBOT_PROGRESS_EVERY": "5", "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(allocbot_command() + ["run", "--once"], cwd=REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=120) == 0, seen.decode(errors="replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))  # without the colours
    assert "deciding stored messages" in text and "12 decided" in text  # the bar, drawn on the terminal
    assert "run --once: 5 messages decided" not in text  # no log lines there
    assert "stored=12" in text


# --------------------------------------------------------------------------- piped tables

def test_piped_tables_keep_long_ids_whole_on_one_line(cli, tmp_path):
    account_id = "ACCT-" + "7" * 50
    payment_id = "PY" + "0" * 40 + "123"
    reference = "REMITTANCE " + "X" * 90
    directory = write_ledger(
        tmp_path / "ledger", accounts=[account(account_id, "Bluepeak Cloud Inc.")],
        contacts=[contact(ANN, account_id)], invoices=[invoice("G000000001", "10.00", account_id=account_id)],
        payments=[payment(payment_id, "10.00", account_id=account_id, reference=reference)])
    cli.ok("ledger", "import", str(directory))

    out = cli.ok("billing", "show", account_id)

    lines = out.splitlines()
    assert any(account_id in line for line in lines)
    row = next(line for line in lines if payment_id in line)
    assert reference in row and len(row) > 80


# --------------------------------------------------------------------------- help and version

def test_version_comes_from_the_package_metadata(cli):
    from importlib.metadata import version

    proc = cli("--version")
    assert (proc.returncode, proc.stdout.strip()) == (0, f"allocbot {version('allocbot')}")


@pytest.mark.parametrize("command", [["run"], ["ledger", "sync"], ["demo"], ["backup"], []])
def test_help_shows_flags_as_plain_flags_without_a_bool_placeholder(cli, command):
    proc = cli(*command, "--help", COLUMNS="120")
    assert proc.returncode == 0, proc.stderr
    assert "--help" in proc.stdout and "<bool>" not in proc.stdout


def test_a_commands_line_in_its_groups_help_is_one_sentence_not_the_docstrings_wrap(cli):
    proc = cli("ledger", "--help", COLUMNS="250")  # wide enough that rich itself wraps nothing
    assert proc.returncode == 0, proc.stderr
    [line] = [row for row in proc.stdout.splitlines() if "│ import" in row]
    assert "reconcile them with allocbot's postings (a bad file is refused whole;" in line


def test_the_repository_has_no_design_document_citation_the_reader_cannot_open():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "../shared/DESIGN.md" not in readme
    assert ".venv/bin/allocbot" in readme


def test_a_missing_corpus_skips_saying_what_is_needed_and_fails_in_ci(tmp_path, monkeypatch):
    import tests.integration.conftest as conftest
    from tests.integration.corpus_needs import need

    missing = tmp_path / "shared" / "corpus" / "sample" / "expected.jsonl"
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        need(tmp_path, missing)
    assert str(missing) in str(skipped.value) and "../shared/tools/score_corpus.py" in str(skipped.value)
    assert str(tmp_path) + "," not in str(skipped.value)  # what is there is not listed
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception):
        need(missing)
