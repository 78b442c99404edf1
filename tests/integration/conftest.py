"""Integration fixtures: real SQLite files and a real PostgreSQL server, a real Maildir and a
file outbox in tmp_path. Nothing is mocked; tests may swap in a fake outbox to inject faults.

Helpers (import them with `from tests.integration.conftest import ...`):
- `write_ledger(dir, accounts=[...], contacts=[...], invoices=[...], payments=[...])` writes
  the billing system's CSV exports; `account()`, `contact()`, `invoice()`, `payment()` build
  rows with sensible defaults.
- `request_mail(sender=..., body=..., message_id=..., headers={...})` returns the bytes of a
  partner's e-mail as our receiving server would deliver it (with Authentication-Results).
- `BotWorld` (fixture `world`): ledger + Maildir + outbox + app on one database URL, with
  `deliver()`, `run()`, `outbox_messages()`, `balances()`, `export()` and friends.
"""
from __future__ import annotations

import csv
import itertools
import threading
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from bot.bootstrap import App, bootstrap
from bot.ledger.database import make_engine, migrate
from bot.ledger.export import export_requests
from bot.ledger.importer import import_ledger
from bot.ledger.tables import Allocation, InboundMessage, Invoice, OutboundMessage, Payment, ReviewItem
from bot.replies.outbox import Outbox
from bot.service import CycleReport, run_cycle
from bot.settings import load_settings

# Real mail servers as fixtures: `dovecot` (IMAP) and `smtp_server` (aiosmtpd), in their own modules.
pytest_plugins = ["tests.integration.dovecot", "tests.integration.smtp_server"]

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("ALLOCBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
BOT_ADDRESS = "allocations@billing.example"


def unavailable(reason: str) -> None:
    """A missing server or folder fails the run in CI and skips the test elsewhere."""
    if IN_CI:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def allocbot_command() -> list[str]:
    """The installed console script of this interpreter's environment, else `python -m bot`."""
    beside = Path(sys.executable).with_name("allocbot")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("allocbot")
    return [found] if found else [sys.executable, "-m", "bot"]


# --------------------------------------------------------------------------- ledger helpers

LEDGER_COLUMNS = {
    "accounts": ("account_id", "name", "locale", "currency"),
    "contacts": ("account_id", "email", "name", "role"),
    "invoices": ("invoice_number", "account_id", "issue_date", "due_date", "currency", "amount", "open_amount"),
    "payments": ("payment_id", "account_id", "received_date", "currency", "amount", "unallocated_amount",
                 "reference", "payer_name"),
}


def account(account_id: str = "A1", name: str = "Bluepeak Cloud Inc.", locale: str = "en", currency: str = "USD") -> dict:
    return {"account_id": account_id, "name": name, "locale": locale, "currency": currency}


def contact(email: str, account_id: str = "A1", role: str = "billing_admin", name: str = "Ann Admin") -> dict:
    return {"account_id": account_id, "email": email, "name": name, "role": role}


def invoice(invoice_number: str, amount: str, open_amount: str | None = None, account_id: str = "A1",
            currency: str = "USD", issue_date: str = "2026-09-01", due_date: str = "2026-10-01") -> dict:
    return {"invoice_number": invoice_number, "account_id": account_id, "issue_date": issue_date, "due_date": due_date,
            "currency": currency, "amount": amount, "open_amount": amount if open_amount is None else open_amount}


def payment(payment_id: str, amount: str, unallocated_amount: str | None = None, account_id: str = "A1",
            currency: str = "USD", received_date: str = "2026-10-15", reference: str = "INV PAYMENT OCT",
            payer_name: str = "Bluepeak Cloud Inc.") -> dict:
    return {"payment_id": payment_id, "account_id": account_id, "received_date": received_date, "currency": currency,
            "amount": amount, "unallocated_amount": amount if unallocated_amount is None else unallocated_amount,
            "reference": reference, "payer_name": payer_name}


def write_ledger(directory: Path, *, accounts: Iterable[dict] = (), contacts: Iterable[dict] = (),
                 invoices: Iterable[dict] = (), payments: Iterable[dict] = ()) -> Path:
    """The four CSV exports in `directory` (every file written, empty ones with a header only)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stem, rows in (("accounts", accounts), ("contacts", contacts), ("invoices", invoices), ("payments", payments)):
        with (directory / f"{stem}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, LEDGER_COLUMNS[stem])
            writer.writeheader()
            writer.writerows(rows)
    return directory


# The ledger most tests start from: one partner account with an authorised billing admin, a
# contact without the right role, two open invoices and two unallocated payments; and a second
# account whose money the first one's people must never move.
ANN = "ann@bluepeak.example"  # billing_admin of A1
TOM = "tom@bluepeak.example"  # sales at A1: may not request allocations
OLA = "ola@nordvik.example"  # billing_admin of A2


def standard_ledger(directory: Path) -> Path:
    return write_ledger(
        directory,
        accounts=[account("A1", "Bluepeak Cloud Inc.", "en", "USD"), account("A2", "Nordvik IT AB", "sv-SE", "SEK")],
        contacts=[contact(ANN, "A1", "billing_admin", "Ann Admin"), contact(TOM, "A1", "sales", "Tom Seller"),
                  contact(OLA, "A2", "billing_admin", "Ola Nordmann")],
        invoices=[invoice("G000000001", "100.00"), invoice("G000000002", "250.00"),
                  invoice("G000000009", "900.00", account_id="A2", currency="SEK")],
        payments=[payment("PY00000001", "100.00"), payment("PY00000002", "500.00", reference="BLUEPEAK 20261020"),
                  payment("PY00000009", "900.00", account_id="A2", currency="SEK", payer_name="Nordvik IT AB")],
    )


# --------------------------------------------------------------------------- mail helpers

_message_ids = itertools.count(1)


def request_mail(sender: str = ANN, body: str = "Please allocate payment PY00000001 to invoice G000000001.",
                 *, subject: str = "Payment allocation", message_id: str | None = None, sender_name: str = "Ann Admin",
                 auth: str = "pass", headers: dict[str, str] | None = None, to: str = BOT_ADDRESS) -> bytes:
    """A partner's request as our receiving server delivers it. `auth` is the SPF/DKIM/DMARC
    verdict our server wrote ("pass", "fail", or None for no Authentication-Results header)."""
    domain = sender.rpartition("@")[2] or "example.invalid"
    msg = EmailMessage(policy=policy.SMTP)
    if auth is not None:
        msg["Authentication-Results"] = (f"mx.billing.example; spf={auth} smtp.mailfrom={domain}; "
                                         f"dkim={auth} header.d={domain}; dmarc={auth} header.from={domain}")
    msg["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = message_id or f"<request.{next(_message_ids)}.{secrets.token_hex(4)}@{domain}>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def choke_on_subject(monkeypatch, marker: str = "CHOKE") -> None:
    """Make the reader fail (as on absurdly nested MIME) for mail whose subject holds `marker`."""
    import bot.handling.judge

    real_read = bot.handling.judge.read_message

    def choking_read(msg, **kwargs):
        if marker in str(msg["Subject"]):
            raise RecursionError("maximum recursion depth exceeded")
        return real_read(msg, **kwargs)

    monkeypatch.setattr(bot.handling.judge, "read_message", choking_read)


def run_together(fn, items, *, timeout: float = 60) -> list[BaseException]:
    """fn(item) for every item, each in its own thread, all at once; what they raised. Fails
    if a thread is still running after `timeout` seconds."""
    errors: list[BaseException] = []

    def guarded(item) -> None:
        try:
            fn(item)
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish in time"
    return errors


def parse_mail(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",)) or msg
    return part.get_content()


_deliveries = itertools.count(1)


def deliver(maildir: Path, raw: bytes, *, name: str | None = None) -> Path:
    """Drop one message into maildir/new the way an MDA does (tmp/, then rename)."""
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    n = next(_deliveries)
    name = name or f"{1_800_000_000 + n}.M{n}P1.testhost"
    (maildir / "tmp" / name).write_bytes(raw)
    os.replace(maildir / "tmp" / name, maildir / "new" / name)
    return maildir / "new" / name


# --------------------------------------------------------------------------- databases

def _connect_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def _start_local_postgres() -> None:
    """Try once to start the local cluster (containers without systemd)."""
    try:
        versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    except OSError:
        return
    for version in versions:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       capture_output=True, timeout=60, check=False)


def _admin_connection() -> psycopg.Connection | None:
    try:
        return _connect_admin()
    except psycopg.OperationalError:
        pass
    try:
        _start_local_postgres()
    except (OSError, subprocess.SubprocessError):
        return None
    for _ in range(20):
        try:
            return _connect_admin()
        except psycopg.OperationalError:
            time.sleep(0.5)
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database for the whole session, migrated once; dropped at the end."""
    admin = _admin_connection()
    if admin is None:
        unavailable(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    name = f"allocbot_test_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.begin() as conn:  # see _empty_postgres: rows stay in the order they were written
            for table in SQLModel.metadata.sorted_tables:
                conn.exec_driver_sql(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false)')
    finally:
        engine.dispose()
    try:
        yield url
    finally:
        with _connect_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(url: str) -> None:
    """Every table emptied and its ids restarted, so each test sees a fresh database. DELETE,
    children first, rather than TRUNCATE: on a test's few rows it takes 18 ms against TRUNCATE's
    136 (which makes new files for each table), and some 450 tests start this way. With
    autovacuum off on these tables (postgres_url) the space of deleted rows is not reused, so a
    test's rows come back in the order it wrote them, as they did from TRUNCATE's fresh files."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        sequences = [row[0] for row in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")]
        with conn.transaction():
            for name in tables:
                conn.execute(f'DELETE FROM "{name}"')
            for sequence in sequences:
                conn.execute(f'ALTER SEQUENCE "{sequence}" RESTART')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file in tmp_path, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'allocbot.db'}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def postgres_database_url(postgres_url: str) -> str:
    """For tests of what only PostgreSQL promises (several workers on one database)."""
    _empty_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    """Engines built during a test, disposed at its end (PostgreSQL keeps no idle connections)."""
    built: list[Engine] = []
    yield built
    for engine in built:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision, once per session (per xdist worker):
    copied into a test's tmp_path instead of running every migration again for each test.
    Migrating from nothing is still exercised by the CLI, corpus and reliability tests, which
    start on files of their own, and on PostgreSQL by `postgres_url`."""
    path = tmp_path_factory.mktemp("migrated-sqlite") / "allocbot.db"
    eng = make_engine(f"sqlite:///{path}")
    try:
        migrate(eng)
    finally:
        eng.dispose()
    with closing(sqlite3.connect(path)) as conn:  # the WAL into the main file: one file to copy
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return path


def from_migrated(database_url: str, request: pytest.FixtureRequest) -> str:
    """The test's SQLite file made a copy of `migrated_sqlite` unless it exists already (a
    PostgreSQL URL is left as it is: its session database is migrated once)."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        target = Path(parsed.database)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), target)
    return database_url


@pytest.fixture
def engine(database_url: str, engines: list[Engine], request: pytest.FixtureRequest) -> Engine:
    """A migrated engine on the test's database."""
    eng = make_engine(from_migrated(database_url, request))
    migrate(eng)
    engines.append(eng)
    return eng


# --------------------------------------------------------------------------- the bot's world

# Web users' password hashes at the lowest argon2 cost (1 pass, 8 MiB, 1 lane): hashing a
# user per test and verifying each sign-in at the real cost took minutes over the suite.
# Installations keep the settings' defaults (argon2's).
CHEAP_PASSWORD_HASHES = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8 * 1024, "password_hash_parallelism": 1}


@dataclass
class BotWorld:
    """A ledger, a Maildir, a file outbox and the app built from settings, on one database."""

    root: Path
    database_url: str
    engines: list[Engine]
    outbox_adapter: Outbox | None = None
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    offset: timedelta = timedelta(0)  # the app's clock runs this far ahead of the real one
    _app: App | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def later(self, **delta: float) -> None:
        """Move the app's clock forward, e.g. `world.later(minutes=5)` to reach a retry time."""
        self.offset += timedelta(**delta)

    @property
    def maildir(self) -> Path:
        return self.root / "mailbox"

    @property
    def outbox_dir(self) -> Path:
        return self.root / "outbox"

    @property
    def app(self) -> App:
        if self._app is None:
            # settings_overrides may name other servers: mailbox="imap://…", outbox="smtp://…"
            settings = load_settings(**{"database_url": self.database_url, "mailbox": f"maildir:{self.maildir}",
                                        "outbox": f"file:{self.outbox_dir}", **CHEAP_PASSWORD_HASHES,
                                        **self.settings_overrides})
            self._app = bootstrap(settings, outbox=self.outbox_adapter, clock=self.now)
            self.engines.append(self._app.engine)
        return self._app

    def import_ledger(self, directory: Path | None = None) -> None:
        directory = directory or standard_ledger(self.root / "ledger")
        with Session(self.app.engine) as session:
            import_ledger(session, directory)
            session.commit()

    def deliver(self, raw: bytes, *, name: str | None = None) -> Path:
        return deliver(self.maildir, raw, name=name)

    def run(self) -> CycleReport:
        return run_cycle(self.app)

    # what a user can see -------------------------------------------------------------
    def outbox_files(self) -> list[Path]:
        if not self.outbox_dir.exists():
            return []
        return sorted(p for p in self.outbox_dir.iterdir() if p.is_file() and not p.name.startswith("."))

    def outbox_messages(self) -> list[EmailMessage]:
        return [parse_mail(p.read_bytes()) for p in self.outbox_files()]

    def export(self) -> list[dict[str, Any]]:
        with Session(self.app.engine) as session:
            return list(export_requests(session))

    def inbound(self, message_id: str) -> InboundMessage:
        with Session(self.app.engine) as session:
            rows = session.exec(select(InboundMessage).where(InboundMessage.message_id == message_id)).all()
            assert len(rows) == 1, f"{len(rows)} stored messages with Message-ID {message_id}"
            return rows[0]

    def rows(self, table: type[SQLModel]) -> list[Any]:
        with Session(self.app.engine) as session:
            return list(session.exec(select(table).order_by(*table.__table__.primary_key.columns)).all())

    def balances(self) -> dict[str, int]:
        """Payment unallocated and invoice open amounts in minor units, by id."""
        with Session(self.app.engine) as session:
            out = {p.payment_id: p.unallocated_minor for p in session.exec(select(Payment))}
            out.update({i.invoice_number: i.open_minor for i in session.exec(select(Invoice))})
            return out

    def allocations(self) -> list[tuple[str, str, int]]:
        return sorted((a.payment_id, a.invoice_number, a.amount_minor) for a in self.rows(Allocation))

    def outbound(self) -> list[OutboundMessage]:
        return sorted(self.rows(OutboundMessage), key=lambda r: r.id)

    def review_items(self) -> list[ReviewItem]:
        return self.rows(ReviewItem)

    def table_counts(self) -> dict[str, int]:
        with Session(self.app.engine) as session:
            return {t.name: session.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
                    for t in SQLModel.metadata.sorted_tables}


@pytest.fixture
def world(database_url: str, tmp_path: Path, engines: list[Engine], request: pytest.FixtureRequest) -> BotWorld:
    """The standard ledger imported, an empty Maildir and outbox; add mail and run cycles."""
    w = BotWorld(root=tmp_path, database_url=from_migrated(database_url, request), engines=engines)
    w.import_ledger()
    return w


@pytest.fixture
def make_world(database_url: str, tmp_path: Path, engines: list[Engine], request: pytest.FixtureRequest):
    """For tests that need their own outbox adapter or settings: make_world(outbox=..., **settings)."""
    def make(*, outbox: Outbox | None = None, ledger: Path | None = None, **settings: Any) -> BotWorld:
        w = BotWorld(root=tmp_path, database_url=from_migrated(database_url, request), engines=engines, outbox_adapter=outbox,
                     settings_overrides=settings)
        w.import_ledger(ledger)
        return w
    return make
