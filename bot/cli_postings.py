"""`allocbot postings …`: what has been posted to the billing system of record, in what state,
and a way to send a waiting one again now."""
from __future__ import annotations

import json
import sys

import typer
from rich.markup import escape

from bot.cli_support import build_app, console, err

postings_cli = typer.Typer(help="Postings to the billing system of record.", no_args_is_help=True)
allocations_cli = typer.Typer(help="Allocations: reverse one.", no_args_is_help=True)


def posting_record(p) -> dict:
    from bot.model import minor_unit

    return {"key": p.key, "kind": p.kind, "state": p.state, "account_id": p.account_id, "payment_id": p.payment_id,
            "invoice_number": p.invoice_number, "amount": str(p.amount_minor * minor_unit(p.currency)),
            "currency": p.currency, "message_id": p.message_id, "inbound_id": p.inbound_id,
            "created_at": p.created_at.isoformat(), "attempts": p.attempts,
            "delivered_at": p.delivered_at.isoformat() if p.delivered_at else None,
            "reflected_at": p.reflected_at.isoformat() if p.reflected_at else None,
            "reflected_by": p.reflected_by or None,
            "batch": p.batch, "reason": p.reason or None, "last_error": p.last_error or None}


@postings_cli.command("list")
def postings_list(state: str | None = typer.Option(None, "--state", help="pending, delivered, reflected or rejected"),
                  format: str = typer.Option("table", "--format", help="table or jsonl"),
                  limit: int = typer.Option(1000, "--limit", min=1)) -> None:
    """The postings, newest first, with their state."""
    from rich.table import Table
    from sqlmodel import Session

    from bot.ledger.postings import listing
    from bot.posting.states import State

    if state is not None and state not in State._value2member_map_:
        err.print(f"--state must be one of: {', '.join(s.value for s in State)}")
        raise typer.Exit(2)
    if format not in ("table", "jsonl"):
        err.print("--format must be table or jsonl")
        raise typer.Exit(2)
    application = build_app()
    with Session(application.engine) as session:
        rows = [posting_record(p) for p in listing(session, state=state, limit=limit)]
    if format == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"postings to {application.billing.name}")
    for column in ("key", "state", "payment", "invoice", "amount", "created", "note"):
        table.add_column(column, justify="right" if column == "amount" else "left",
                         overflow="fold" if column in ("key", "note") else "ellipsis")
    for r in rows:
        table.add_row(r["key"], r["state"], r["payment_id"], r["invoice_number"], f"{r['amount']} {r['currency']}",
                      r["created_at"][:16].replace("T", " "), escape((r["reason"] or r["last_error"] or "")[:80]))
    console.print(table)


@postings_cli.command("retry")
def postings_retry(key: str) -> None:
    """Send a waiting posting again at the next cycle, without waiting for its backoff."""
    from sqlmodel import Session

    from bot.ledger.postings import requeue
    from bot.posting.states import State

    application = build_app()
    with Session(application.engine) as session:
        posting = requeue(session, key=key, now=application.clock())
        if posting is None:
            err.print(f"[red]no posting has the key {escape(key)}[/red]")
            raise typer.Exit(1)
        if posting.state != State.PENDING.value:
            err.print(f"[red]posting {escape(key)} is {posting.state}: only a pending one is sent again[/red]")
            raise typer.Exit(1)
        session.commit()
    console.print(f"posting {key} is sent again at the next cycle", markup=False)


@allocations_cli.command("reverse")
def allocations_reverse(allocation_id: int = typer.Argument(..., help="The allocation's id (`billing show`)"),
                        reason: str = typer.Option(..., "--reason", help="Why; it is audited"),
                        by: str = typer.Option("operator", "--by", help="Who reverses it, for the audit")) -> None:
    """Undo an allocation: posted to the billing system as a `reverse` posting; its money comes
    back when the billing system shows the reversal (at once with the builtin one)."""
    from sqlmodel import Session

    from bot.ledger.reversals import ReversalError, reverse_allocation

    application = build_app()
    with Session(application.engine) as session:
        try:
            posting = reverse_allocation(session, allocation_id=allocation_id, actor=by, reason=reason,
                                         now=application.clock(), reflected=application.billing.reflects_at_once)
        except ReversalError as exc:
            session.rollback()
            err.print(f"[red]not reversed:[/red] {escape(str(exc))}")
            raise typer.Exit(1) from None
        session.commit()
        state, key = posting.state, posting.key
    when = "its money is back" if state == "reflected" else "its money comes back when the billing system shows it"
    console.print(f"allocation {allocation_id} reversed: posting {key} ({state}); {when}", markup=False)
