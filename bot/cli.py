"""The `allocbot` command. Every command loads the settings once, builds the app (which
migrates the database) and passes it on; a bad setting stops it with one clear line."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import typer

# Only typer, rich and the light cli_* modules at import time: sqlmodel/sqlalchemy/alembic, the
# settings (pydantic) and the mailbox adapters are imported by the commands that use them, so
# `--version`, `--help` and a mistyped command answer at once (tests/bench/cli_startup.py).
from bot.cli_payments import payments_cli
from bot.cli_postings import allocations_cli, postings_cli
from bot.cli_support import build_app, console, err, maildir_unless_missing
from bot.cli_users import users_cli
from bot.cli_help import allocbot_version, plain_flags

app = typer.Typer(help="allocbot: applies payment allocation requests from a mailbox.", no_args_is_help=True, add_completion=False)
ledger_cli = typer.Typer(help="The known invoices and payments.", no_args_is_help=True)
billing_cli = typer.Typer(help="An account's billing view.", no_args_is_help=True)
requests_cli = typer.Typer(help="The stored requests.", no_args_is_help=True)
app.add_typer(ledger_cli, name="ledger")
app.add_typer(payments_cli, name="payments")
app.add_typer(billing_cli, name="billing")
app.add_typer(requests_cli, name="requests")
app.add_typer(users_cli, name="users")
app.add_typer(postings_cli, name="postings")
app.add_typer(allocations_cli, name="allocations")


def _version(value: bool) -> None:
    if value:
        console.print(f"allocbot {allocbot_version()}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print allocbot's version and exit.")) -> None:
    """allocbot: applies payment allocation requests from a mailbox."""


@ledger_cli.command("import")
def ledger_import(directory: Path = typer.Argument(..., help="Folder with accounts.csv, contacts.csv, invoices.csv, "
                                                             "payments.csv, and optionally allocations.csv")) -> None:
    """Load the billing system's CSV exports and reconcile them with allocbot's postings (a bad
    file is refused whole; allocated money never becomes allocatable again)."""
    from sqlmodel import Session

    from bot.ledger.importer import LedgerImportError, export_files, import_ledger, ledger_has_accounts

    application = build_app()
    with Session(application.engine) as session:
        found, missing = export_files(directory, ledger_has_accounts=ledger_has_accounts(session))
    if missing:
        err.print(f"ledger import refused, nothing imported: {directory} lacks {', '.join(missing)}"
                  + (f" (found: {', '.join(found)})" if found else " (found no ledger CSV)"), markup=False)
        raise typer.Exit(2)
    # stderr: stdout keeps the counts, one line per file
    err.print(f"found in {directory}: {', '.join(found)}", markup=False, highlight=False)
    with Session(application.engine) as session:
        try:
            report = import_ledger(session, directory, now=application.clock(),
                                   bank_payment_pattern=application.settings.bank_payment_pattern)
        except LedgerImportError as exc:
            session.rollback()
            err.print(f"[red]ledger import refused, nothing imported:[/red] {exc}")
            raise typer.Exit(1) from None
        session.commit()
    _print_import(report)


def _print_import(report) -> None:
    from bot.ledger.reconcile_print import print_reconciliation

    for name, (inserted, updated) in report.counts.items():
        removed = f", {report.contacts_removed} removed" if name == "contacts" and report.contacts_removed else ""
        console.print(f"{name}: {inserted} inserted, {updated} updated{removed}")
    print_reconciliation(report.reconciliation, console)


@ledger_cli.command("sync")
def ledger_sync(full: bool = typer.Option(False, "--full", help="Read everything, not only what changed since the "
                                                              "last sync.")) -> None:
    """Read the ledger from the billing system of record (ALLOCBOT_BILLING=tryton:…) and
    reconcile it as `ledger import` does; after the first, only what changed is read."""
    from bot.ledger.importer import LedgerImportError
    from bot.posting.port import BillingError
    from bot.posting.syncing import reads_ledger, sync_ledger

    application = build_app()
    if not reads_ledger(application):
        err.print(f"ledger sync reads a Tryton billing system; ALLOCBOT_BILLING is {application.settings.billing!r} "
                  "(use `allocbot ledger import DIR` for CSV exports)")
        raise typer.Exit(2)
    try:
        done = sync_ledger(application, full=full)
    except (LedgerImportError, BillingError) as exc:
        err.print(f"[red]ledger sync failed, nothing changed:[/red] {exc}")
        raise typer.Exit(1) from None
    since = done.read.since
    console.print(f"read {done.read.rows} rows from {application.billing.name}"
                  + (f" (changed since {since:%Y-%m-%d %H:%M:%S} UTC)" if since else " (everything)"))
    _print_import(done.imported)


@billing_cli.command("show")
def billing_show(account: str) -> None:
    """Print the account's open invoices, unallocated payments and recent allocations."""
    from sqlmodel import Session

    from bot.ledger.billing_print import print_billing_view

    application = build_app()
    with Session(application.engine) as session:
        if not print_billing_view(session, console, account_id=account):
            err.print(f"[red]no account {account}[/red]")
            raise typer.Exit(1)


CREATE_MAILBOX_HELP = ("Create the Maildir if it is missing (also ALLOCBOT_MAILDIR_CREATE=true); without it a "
                       "missing one is refused.")


@app.command("run")
def run(once: bool = typer.Option(False, "--once", help="Run one cycle (fetch, decide, send) and exit."),
        create_mailbox: bool = typer.Option(False, "--create-mailbox", help=CREATE_MAILBOX_HELP)) -> None:
    """One scheduled cycle: store new mail, decide every stored message, send the outbox.
    Progress goes to stderr: a bar on a terminal, else a line every ALLOCBOT_PROGRESS_EVERY messages."""
    from bot.cli_progress import cycle_progress
    from bot.intake.mailbox import MailboxError
    from bot.service import run_cycle

    if not once:
        err.print("use `allocbot run --once` for one cycle, or `allocbot worker` to keep running")
        raise typer.Exit(2)
    from bot.ledger.presence import ProcessHolder

    application = build_app(mailbox=maildir_unless_missing(create_mailbox))
    try:
        with cycle_progress(terminal=sys.stdout.isatty(), every=application.settings.progress_every,
                            console=err) as progress:
            report = run_cycle(application, holder=str(ProcessHolder.this_process("run-once")),
                               progress=progress)
    except MailboxError as exc:
        _note_cycle(application, error=str(exc))
        err.print(f"[red]mailbox {application.mailbox.name}: {exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        application.mailbox.close()
    _note_cycle(application, summary=report.summary())
    console.print(report.summary(), markup=False)


def _note_cycle(application, *, summary: str = "", error: str = "") -> None:
    """The cycle's job-run row: bookkeeping, so a failure to write it is reported, never the
    exit status of a run that did its work."""
    from bot.ledger.jobruns import record_job

    try:
        record_job(application.engine, name="cycle", now=application.clock(), summary=summary, error=error)
    except Exception as exc:  # noqa: BLE001 - e.g. the database went away after the work committed
        err.print(f"[yellow]the cycle's run could not be recorded for status: {type(exc).__name__}: {exc}[/yellow]")


@app.command("worker")
def worker(create_mailbox: bool = typer.Option(False, "--create-mailbox", help=CREATE_MAILBOX_HELP)) -> None:
    """Run the scheduled jobs until SIGTERM/SIGINT (the message in hand is finished first)."""
    from bot.logs import configure_logging
    from bot.worker import run_worker

    application = build_app(mailbox=maildir_unless_missing(create_mailbox))
    configure_logging(application.settings.log_format)
    run_worker(application)


@app.command("status")
def status() -> None:
    """Mailbox reachability, checkpoint, queue sizes, outbox backlog and failures, last cycle,
    the billing system and its postings. Exits 1 when the mailbox or the billing system cannot
    be reached."""
    from bot.status import gather_status, print_status

    application = build_app()  # a missing Maildir is reported, never created
    try:
        report = gather_status(application)
    finally:
        application.mailbox.close()
        application.billing.close()
    print_status(report, console)
    if not report.health.reachable or (report.billing and report.billing.problem):
        raise typer.Exit(1)


@app.command("web")
def web(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web page for billing operations."""
    import uvicorn

    from bot.web.app import create_app

    uvicorn.run(create_app(build_app()), host=host, port=port)


@requests_cli.command("export")
def requests_export(format: str = typer.Option("jsonl", "--format", help="Only jsonl for now.")) -> None:
    """One JSON object per stored message: outcome, reasons, allocations and replies."""
    from sqlmodel import Session

    from bot.ledger.export import export_requests

    if format != "jsonl":
        err.print("only --format jsonl is supported")
        raise typer.Exit(2)
    application = build_app()
    with Session(application.engine) as session:
        for record in export_requests(session):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


@app.command("export")
def export(directory: Path = typer.Argument(..., help="An empty or new folder for the JSONL files and manifest.json"),
           raw: str = typer.Option("base64", "--raw", help="The raw messages: base64 (in the JSONL) or eml (one file each).")) -> None:
    """Dump requests (with their raw mail), allocations, review items, replies and audit events
    as JSONL, one file per table, plus manifest.json; read in one snapshot, a batch at a time."""
    from rich.markup import escape

    from bot.ledger.dump import RAW_FORMATS, DumpError, export_database

    if raw not in RAW_FORMATS:
        err.print(f"--raw must be one of: {', '.join(RAW_FORMATS)}")
        raise typer.Exit(2)
    application = build_app()
    try:
        manifest = export_database(application.settings.database_url, directory, raw=raw, now=application.clock())
    except (DumpError, OSError) as exc:
        err.print(f"[red]export failed:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    for name, summary in manifest.files.items():
        console.print(f"{name}: {summary.records} records", markup=False)
    console.print(f"manifest.json: schema {manifest.schema_revision}, allocbot {manifest.allocbot_version}", markup=False)


@app.command("backup")
def backup(file: Path = typer.Argument(..., help="Where the copy goes; written beside it first, then renamed."),
           overwrite: bool = typer.Option(False, "--overwrite", help="Replace FILE if it exists.")) -> None:
    """Copy the database to FILE while allocbot keeps running: SQLite's online backup API, or
    pg_dump --format=custom for PostgreSQL. The schema is not migrated first."""
    from rich.markup import escape

    from bot.ledger.backup import BackupError, backup_database
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    try:
        report = backup_database(settings.database_url, file, overwrite=overwrite)
    except (BackupError, OSError) as exc:
        err.print(f"[red]backup failed, nothing written:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    console.print(report.summary(), markup=False, soft_wrap=True)


@app.command("demo")
def demo(reset: bool = typer.Option(False, "--reset", help="Start over: delete the demo's SQLite database, mailbox and outbox first."),
         billing: str = typer.Option("builtin", "--billing", help="builtin (allocbot's own ledger) or tryton (a local "
                                     "Tryton on SQLite in var/tryton, built on the first run).")) -> None:
    """Build a demo ledger and mailbox on the embedded defaults, run one cycle, show the outcome."""
    if billing not in ("builtin", "tryton"):
        err.print(f"[red]--billing is builtin or tryton, not {billing!r}[/red]")
        raise typer.Exit(2)
    from bot.demo import run_demo
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    raise typer.Exit(run_demo(settings, console, reset=reset, billing=billing))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    command = typer.main.get_command(app)
    plain_flags(command)
    command(prog_name="allocbot")


if __name__ == "__main__":
    main()
