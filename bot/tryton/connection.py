"""Where the Tryton database is, and one transaction per unit of work in it.

`tryton:///DATABASE?config=PATH[&user=LOGIN][&journal=CODE]`: trytond's own configuration file
(its `[database]` section says SQLite or PostgreSQL), the database name, the Tryton user
allocbot acts as (default `admin`; the moves it makes are that user's) and the journal of its
moves (default `MISC`). trytond reads one configuration per process, so one process talks to
one Tryton installation.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from bot.posting.port import BillingError

T = TypeVar("T")


@dataclass(frozen=True)
class TrytonURL:
    database: str
    config: Path
    user: str = "admin"
    journal: str = "MISC"

    @property
    def shown(self) -> str:
        return f"tryton:///{self.database}?config={self.config}"


def parse_tryton_url(url: str) -> TrytonURL:
    """The parts of a `tryton:` URL, or ValueError naming what is missing."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme != "tryton" or parts.netloc:
        raise ValueError("must be tryton:///DATABASE?config=PATH (a trytond.conf on this machine)")
    database = parts.path.strip("/")
    if not database or "/" in database:
        raise ValueError("names no database: tryton:///DATABASE?config=PATH")
    if not query.get("config"):
        raise ValueError("names no trytond configuration: add ?config=/path/to/trytond.conf")
    return TrytonURL(database, Path(query["config"]), query.get("user", "admin"), query.get("journal", "MISC"))


_STARTED: dict[str, object] = {}
# The sequences (the journal's move numbering) Tryton asked a transaction to lock: later
# transactions lock them from the start, rather than each posting doing its work twice to learn
# it again. Other locks are not kept: the lines a posting reconciles differ every time, and a
# table lock (Tryton takes one when it first opens a journal's period) held by every posting
# would make concurrent workers refuse each other.
_LOCKED_RECORDS: dict[str, set[int]] = {}
_SEQUENCES = ("ir_sequence", "ir_sequence_strict")


def _learnt() -> dict:
    if not _LOCKED_RECORDS:
        return {}
    return {"_lock_records": {table: sorted(ids) for table, ids in _LOCKED_RECORDS.items()}}


def _learn(extras: dict) -> None:
    for table, ids in extras.get("_lock_records", {}).items():
        if table in _SEQUENCES:
            _LOCKED_RECORDS.setdefault(table, set()).update(ids)


def pool_of(url: TrytonURL):
    """trytond's pool for the database, loaded once per process."""
    if not url.config.is_file():
        raise BillingError(f"{url.config}: no trytond configuration file")
    from trytond import config as trytond_config
    from trytond.pool import Pool

    if _STARTED.get("config") not in (None, str(url.config)):
        raise BillingError("trytond is already configured from another file in this process")
    if "config" not in _STARTED:
        trytond_config.update_etc(str(url.config))
        Pool.start()
        _STARTED["config"] = str(url.config)
    pool = Pool(url.database)
    loaded = _STARTED.setdefault("databases", set())
    if url.database in loaded:  # init() would load every module again, most of a posting's time
        return pool
    try:
        pool.init()
        loaded.add(url.database)
    except Exception as exc:  # noqa: BLE001 - a missing database, a driver error: said as it is
        raise BillingError(f"{url.shown}: cannot open the database ({type(exc).__name__}: {exc})") from None
    return pool


_USERS: dict[tuple[str, str], int] = {}


def _user_id(pool, url: TrytonURL) -> int:
    """The acting user's id, looked up once per process (a transaction of its own each time
    was a tenth of a posting)."""
    from trytond.transaction import Transaction

    if (url.database, url.user) in _USERS:
        return _USERS[url.database, url.user]
    with Transaction().start(url.database, 0, readonly=True):
        users = pool.get("res.user").search([("login", "=", url.user), ("active", "=", True)])
    if not users:
        raise BillingError(f"{url.shown}: no Tryton user {url.user!r}")
    _USERS[url.database, url.user] = users[0].id
    return users[0].id


@contextmanager
def transaction(url: TrytonURL, *, readonly: bool = True) -> Iterator[object]:
    """The pool inside one Tryton transaction as `url.user`, with the user's company in the
    context: for reading (writing goes through `run`, which Tryton may ask to start over)."""
    pool = pool_of(url)
    from trytond.transaction import Transaction

    user = _user_id(pool, url)  # its own transaction, before this one starts
    with Transaction().start(url.database, user, readonly=readonly) as tx:
        _begin(tx, writing=not readonly)
        with tx.set_context(pool.get("res.user").get_preferences(context_only=True)):
            yield pool


def _begin(tx, *, writing: bool) -> None:
    """On SQLite, open the transaction now. trytond's SQLite connection begins only at the first
    write, so until then every read saw the latest commit: a read of the ledger could see a
    posting in one table and not in the next, and a posting could choose lines another one was
    reconciling. BEGIN IMMEDIATE also makes postings take turns from their first read."""
    from trytond import backend

    if backend.name == "sqlite" and not tx.connection.in_transaction:
        tx.connection.execute("BEGIN IMMEDIATE" if writing else "BEGIN")


def run(url: TrytonURL, work: Callable[[object], T], *, attempts: int = 10, tasks: bool = True) -> T:
    """`work(pool)` in one Tryton transaction, committed when it returns. Tryton asks for a
    transaction to start over holding a lock it found it needs (as its own RPC dispatcher
    does); the work is then done again from the start, nothing of the first try kept. The
    tasks the work queued run after the commit, as Tryton's dispatcher runs them (`tasks`)."""
    pool = pool_of(url)
    from trytond import backend
    from trytond.transaction import Transaction, TransactionError
    from trytond.worker import run_task

    user = _user_id(pool, url)
    extras = _learnt()
    for attempt in range(attempts):
        with Transaction().start(url.database, user, **extras) as tx:
            try:
                _begin(tx, writing=True)
                with tx.set_context(pool.get("res.user").get_preferences(context_only=True)):
                    result = work(pool)
            except TransactionError as again:
                tx.rollback()
                again.fix(extras)
                _learn(extras)
                continue
            except backend.DatabaseOperationalError:  # a lock another writer holds: a moment later
                tx.rollback()
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
                continue
            tx.commit()
            queued = list(tx.tasks) if tasks else []
            tx.tasks.clear()
        for task_id in queued:  # what Tryton queued for after the commit
            run_task(pool, task_id)
        return result
    raise BillingError(f"{url.shown}: Tryton asked {attempts} times to start the transaction over")
