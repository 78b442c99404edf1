"""`allocbot payments …`: payments from bank statements, and the proactive notice of the
ones that stay unallocated."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli_support import build_app, console, err

payments_cli = typer.Typer(help="Payments: import bank statements, notify partners of unallocated ones.", no_args_is_help=True)

STATEMENT_REFUSED = 3  # `payments import`: the file could not be read, nothing was imported


@payments_cli.command("import")
def payments_import(file: Path = typer.Argument(..., help="A camt.053, camt.054 or MT940 statement file"),
                    format: str | None = typer.Option(None, "--format", help="camt053, camt054 or mt940; told from the content when left out.")) -> None:
    """Add each booked credit of a bank statement as an unallocated payment. Idempotent; a bad
    file is refused whole (exit 3); credits whose account is not certain are listed, not imported."""
    from rich.markup import escape
    from sqlmodel import Session

    from bot.ledger.payments_import import import_payments
    from bot.statements.model import FORMATS, StatementError
    from bot.statements.read import read_statement

    if format is not None and format not in FORMATS:
        err.print(f"--format must be one of: {', '.join(FORMATS)}")
        raise typer.Exit(2)
    application = build_app()
    try:
        statement = read_statement(file.read_bytes(), format=format)
        with Session(application.engine) as session:
            report = import_payments(session, statement=statement, invoice_pattern=application.settings.invoice_pattern,
                                     payment_pattern=application.settings.bank_payment_pattern)
            session.commit()
    except (StatementError, OSError) as exc:
        reason = "\n".join(exc.problems) if isinstance(exc, StatementError) else exc.strerror or str(exc)
        err.print(f"[red]{escape(str(file))}: statement refused, nothing imported:[/red] {escape(reason)}")
        raise typer.Exit(STATEMENT_REFUSED) from None
    _print_payments_report(report)


def _print_payments_report(report) -> None:
    """What was imported, and every credit a person must look at, one line each."""
    from bot.statements.read import NAMES

    st, skipped = report.statement, report.skipped
    _say(f"{NAMES[st.format]} of {', '.join(st.accounts)}: {len(st.credits)} credits read; skipped: "
         f"debits {skipped['debit']}, reversals {skipped['reversal']}, pending {skipped['pending']}")
    _say(f"imported: {len(report.imported)} unallocated payments")
    for item in report.imported:
        _say(f"  {item.payment_id}  {item.account_id}  {_money(item.credit)}  {item.credit.received_date}  ({item.how})")
    _say(f"already known: {report.known}")
    if report.held:
        _say(f"held, not imported: {len(report.held)} (check whether the billing system already has them)")
    for item in report.held:
        _say(f"  line {item.credit.line}  {_money(item.credit)}  {item.credit.reference!r}: {item.why}")
    if report.off_currency:
        _say(f"held, currency differs from the account's: {len(report.off_currency)} (not imported; check the "
             "account, or import the payment in the billing system by hand)")
    for item in report.off_currency:
        c = item.credit
        payer = " ".join(filter(None, (c.payer_name, c.payer_iban))) or "not named"
        _say(f"  line {c.line}  {_money(c)}  {c.reference!r}  payer {payer}: {item.why}")
    hint = " (add the payer's IBAN to bank_accounts.csv, `allocbot ledger import` it, then import this file again)"
    _say(f"unassigned, not imported: {len(report.unassigned)}" + (hint if report.unassigned else ""))
    for item in report.unassigned:
        c = item.credit
        payer = " ".join(filter(None, (c.payer_name, c.payer_iban))) or "not named"
        _say(f"  line {c.line}  {_money(c)}  {c.reference!r}  payer {payer}: {item.why}")
    for rev in report.reversals:
        _say(f"reversal to check: line {rev.line}  {_money(rev)}  {rev.reference!r}")


def _say(line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)  # bank text is not markup


def _money(entry) -> str:
    return f"{entry.amount:f} {entry.currency}"




@payments_cli.command("notify")
def payments_notify() -> None:
    """Queue the proactive notice now (what the worker's daily `notice` job does): each
    account's admins get its payments unallocated for more than unallocated_notice_days, at
    most once per payment per unallocated_notice_period_days. Sent by the next cycle or the
    worker's outbox job. Runs whether or not unallocated_notice is on."""
    from bot.replies.notices import queue_notices

    report = queue_notices(build_app())
    _say(f"notices queued: {report.messages} messages to the admins of {report.accounts} accounts, "
         f"listing {report.payments} payments; {report.skipped} recipients left out by the reply limits")
