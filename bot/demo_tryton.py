"""`allocbot demo --billing tryton`: the demo's loop with a local Tryton (trytond's own code, on
SQLite under var/tryton/) as the billing system of record.

The demo ledger is entered into a Tryton database once (about a minute: the accounting modules
are activated, a company with a chart and fiscal years set up, the invoices posted and the
payments received); every demo run starts from a copy of it. allocbot then reads the ledger
from Tryton, posts what it applies to Tryton, and confirms once Tryton shows it."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.tryton.connection import TrytonURL

DATABASE, BUILT = "demo", "demobuilt"


def _config(home: Path) -> Path:
    config = home / "trytond.conf"
    if not config.is_file():
        home.mkdir(parents=True, exist_ok=True)
        config.write_text(f"[database]\nuri = sqlite://\npath = {(home / 'db').resolve()}\n", encoding="utf-8")
    return config.resolve()


def prepare_tryton(var: Path, ledger: Path, console: Console, *, reset: bool) -> str:
    """The demo's Tryton database, built the first time, copied afresh on reset; its URL."""
    from bot.tryton.building import activate, create_database, drop_database, set_up_company
    from bot.tryton.entering import ledger_years, load_ledger

    config = _config(var / "tryton")
    built, demo = TrytonURL(BUILT, config), TrytonURL(DATABASE, config)
    folder = config.parent / "db"
    if not (folder / f"{BUILT}.sqlite").is_file():
        with console.status("entering the demo ledger into a new Tryton database (once, about a minute)"):
            try:
                activate(built)
                set_up_company(built, currency="USD", years=ledger_years(ledger))
                load_ledger(built, ledger)
            except BaseException:
                drop_database(built)  # half built: built again next time
                raise
        console.print(f"Tryton database built in {folder}")
    if reset or not (folder / f"{DATABASE}.sqlite").is_file():
        drop_database(demo)
        create_database(demo, template=BUILT)
    return f"tryton:///{DATABASE}?config={config}"


def print_tryton_figures(url: str, console: Console, *, payment_pattern: str) -> None:
    """What Tryton itself shows after the cycle: its invoices' amount to pay and state, and
    the moves allocbot made, each described by its posting key."""
    from bot.tryton.connection import parse_tryton_url, transaction
    from bot.tryton.reading import ledger_rows

    with transaction(parse_tryton_url(url), readonly=True) as pool:
        invoices = Table(title="Tryton: customer invoices")
        for column in ("invoice", "party", "total", "amount to pay", "state"):
            invoices.add_column(column, justify="right" if column in ("total", "amount to pay") else "left")
        for inv in pool.get("account.invoice").search([("type", "=", "out")], order=[("number", "ASC")]):
            if not inv.number.startswith("PRIOR-"):
                invoices.add_row(inv.number, inv.party.code, f"{inv.total_amount:.2f} {inv.currency.code}",
                                 f"{inv.amount_to_pay:.2f}", inv.state)
        moves = Table(title="Tryton: allocbot's moves (journal MISC, described by the posting key)")
        for column in ("move", "date", "description", "state"):
            moves.add_column(column)
        for move in pool.get("account.move").search([("description", "like", "alloc-%")], order=[("id", "ASC")]):
            moves.add_row(move.number or str(move.id), move.date.isoformat(), move.description, move.state)
    payments = Table(title="Tryton: payments (receivable credits described by the payment id)")
    for column in ("payment", "party", "amount", "open credit"):
        payments.add_column(column, justify="right" if column in ("amount", "open credit") else "left")
    rows, _ = ledger_rows(parse_tryton_url(url), payment_pattern=payment_pattern)
    for row in rows["payments"]:
        payments.add_row(row["payment_id"], row["account_id"], f"{row['amount']} {row['currency']}",
                         row["unallocated_amount"])
    for table in (invoices, payments, moves):
        console.print(table)
