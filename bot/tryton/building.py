"""A Tryton database a billing team would have: the database itself (SQLite or PostgreSQL, made
or copied), the accounting modules activated, a company with a chart of accounts and fiscal
years. For `allocbot demo --billing tryton` and the tests; a real deployment brings its own.
The ledger is entered into it by bot/tryton/entering.py."""
from __future__ import annotations

import argparse
import configparser
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bot.tryton.connection import TrytonURL

MODULES = ("account_invoice",)


def database_location(config: Path) -> tuple[str, str]:
    """("sqlite", the folder of its database files) or ("postgresql", the server's URI), from
    trytond's configuration file."""
    parser = configparser.ConfigParser()
    parser.read(config)
    uri = parser.get("database", "uri", fallback="sqlite://")
    if uri.startswith("sqlite"):
        return "sqlite", parser.get("database", "path", fallback=str(Path.home() / "db"))
    return "postgresql", uri


def create_database(url: TrytonURL, *, template: str | None = None) -> None:
    """An empty database (SQLite: a file in trytond's `path`), or a copy of `template` (SQLite's
    backup, since trytond keeps SQLite in WAL mode; PostgreSQL's CREATE DATABASE … TEMPLATE)."""
    kind, where = database_location(url.config)
    if kind == "sqlite":
        target = Path(where) / f"{url.database}.sqlite"
        target.parent.mkdir(parents=True, exist_ok=True)
        if template is None:
            target.touch()
            return
        with sqlite3.connect(Path(where) / f"{template}.sqlite") as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(where.rstrip("/") + "/postgres", autocommit=True) as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)


def drop_database(url: TrytonURL) -> None:
    kind, where = database_location(url.config)
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (Path(where) / f"{url.database}.sqlite{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(where.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database)))


def activate(url: TrytonURL) -> None:
    """Create the database and activate the modules in it (trytond-admin, about a minute)."""
    create_database(url)
    admin = Path(sys.executable).with_name("trytond-admin")
    with tempfile.NamedTemporaryFile("w", suffix=".pass", delete=False) as f:
        f.write("admin\n")
    try:
        subprocess.run([str(admin), "-c", str(url.config), "-d", url.database, "--all", "-u", *MODULES,
                        "--activate-dependencies", "--email", "admin@billing.example", "-p"],
                       env={**os.environ, "TRYTONPASSFILE": f.name}, check=True, capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    _grant_all_groups(url)


def _grant_all_groups(url: TrytonURL) -> None:
    """The acting user in every group, as an administrator does on a new installation."""
    from trytond.transaction import Transaction

    from bot.tryton.connection import pool_of

    pool = pool_of(url)
    with Transaction().start(url.database, 0) as tx:
        User, Group = pool.get("res.user"), pool.get("res.group")
        users = User.search([("login", "=", url.user)])
        User.write(users, {"groups": [("add", [g.id for g in Group.search([])])]})
        tx.commit()


def _proteus(url: TrytonURL):
    from proteus import config

    return config.set_trytond(url.database, user=url.user, config_file=str(url.config))


def set_up_company(url: TrytonURL, *, currency: str = "USD", years: Iterable[int] = ()) -> None:
    """A company with a chart of accounts and a fiscal year (with its periods) per year."""
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear
    from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences
    from trytond.modules.company.tests.tools import create_company, get_company

    _proteus(url)
    from trytond.modules.currency.tests.tools import get_currency

    create_company(currency=get_currency(currency))
    company = get_company()
    for year in sorted(set(years) | {dt.date.today().year, dt.date.today().year + 1}):
        fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company, today=dt.date(year, 6, 1)))
        fiscalyear.click("create_period")
    create_chart(company)


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.tryton.building URL [--ledger DIR]`: a Tryton database built as the demo
    and the tests build theirs, for trying allocbot on Tryton by hand."""
    from bot.tryton.connection import parse_tryton_url
    from bot.tryton.entering import ledger_years, load_ledger

    parser = argparse.ArgumentParser(prog="python -m bot.tryton.building", description=main.__doc__)
    parser.add_argument("url", help="tryton:///DATABASE?config=PATH (the database must not exist yet)")
    parser.add_argument("--ledger", type=Path, help="a ledger export (accounts/contacts/invoices/payments CSVs)")
    parser.add_argument("--currency", default="USD", help="the company's currency (default USD)")
    args = parser.parse_args(argv)
    url = parse_tryton_url(args.url)
    activate(url)
    set_up_company(url, currency=args.currency, years=ledger_years(args.ledger) if args.ledger else ())
    if args.ledger:
        print(", ".join(f"{n} {what}" for what, n in load_ledger(url, args.ledger).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
