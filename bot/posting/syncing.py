"""Reading the ledger from a billing system that keeps it (Tryton): `allocbot ledger sync`, and
the same step at the start of every cycle once `ledger_sync_seconds` have passed.

The billing system writes an export of its own data (a `LedgerSource`); it goes through
`import_ledger`, so a sync validates, reconciles and holds what it cannot explain exactly as a
CSV import does, and the export's allocations.csv reflects allocbot's postings by key. Unlike a
CSV export, it lists every contact of each account it lists: a contact it no longer lists is
removed, so someone taken off an account in the billing system no longer moves its money.

Most syncs read only what changed since the last one (`since`): when the last read began on the
billing system's clock, less an overlap for transactions that were still open then. Every
`ledger_full_sync_hours`, and on `ledger sync --full`, everything is read again, which also
catches what a change time cannot show. The mark is written in the import's transaction, so it
never runs ahead of what was imported."""
from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.bootstrap import App
from bot.cycle import CycleReport
from bot.ledger.importer import ImportReport, LedgerImportError, import_ledger
from bot.ledger.tables import LedgerSyncMark
from bot.posting.port import BillingError, LedgerRead

log = logging.getLogger("allocbot.sync")
OVERLAP = timedelta(minutes=10)  # a change committed late, by a transaction opened before the last read


@dataclass(frozen=True)
class SyncReport:
    read: LedgerRead
    imported: ImportReport


def reads_ledger(app: App) -> bool:
    return callable(getattr(app.billing, "read_ledger", None))


def read_since(mark: LedgerSyncMark | None, *, now: datetime, full_every: timedelta, full: bool) -> datetime | None:
    """From when the next read asks for changes; None: read everything."""
    if full or mark is None or mark.read_through is None or mark.full_read_at is None:
        return None
    if not timedelta(0) <= now - mark.full_read_at < full_every:
        return None
    return mark.read_through - OVERLAP


def sync_due(mark: LedgerSyncMark | None, *, now: datetime, every: timedelta) -> bool:
    """Whether a cycle reads the ledger now (never when `every` is zero)."""
    if every <= timedelta(0):
        return False
    return mark is None or not timedelta(0) <= now - mark.synced_at < every


def _mark(session: Session, app: App) -> LedgerSyncMark | None:
    return session.get(LedgerSyncMark, app.billing.name)


def _save_mark(session: Session, *, source: str, read: LedgerRead, now: datetime) -> None:
    """One upsert: two processes syncing at once both land, the later change time kept."""
    values = {"synced_at": now}
    if read.read_through is not None:
        values["read_through"] = read.read_through
    if read.since is None:
        values["full_read_at"] = now
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LedgerSyncMark).values(source=source, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=[LedgerSyncMark.source], set_=values))


def sync_ledger(app: App, *, full: bool = False) -> SyncReport:
    """Read the billing system's ledger (what changed, or all) and import it; commits.
    Raises LedgerImportError or BillingError with nothing changed."""
    settings, now = app.settings, app.clock()
    with Session(app.engine) as session:
        since = read_since(_mark(session, app), now=now, full=full,
                           full_every=timedelta(hours=settings.ledger_full_sync_hours))
        with tempfile.TemporaryDirectory(prefix="allocbot-ledger-") as scratch:
            read = app.billing.read_ledger(Path(scratch), since=since)
            try:
                imported = import_ledger(session, read.directory, now=now, contacts_complete=True,
                                         bank_payment_pattern=settings.bank_payment_pattern)
            except Exception:
                session.rollback()
                raise
        _save_mark(session, source=app.billing.name, read=read, now=now)
        session.commit()
    return SyncReport(read, imported)


def sync_if_due(app: App, report: CycleReport) -> None:
    """The cycle's sync step: read the ledger when it is due. A billing system that cannot be
    read now is a problem of this cycle, never its end: deciding goes on with the figures the
    last sync left, which allocbot's own postings keep safe."""
    if not reads_ledger(app):
        return
    with Session(app.engine) as session:
        due = sync_due(_mark(session, app), now=app.clock(), every=timedelta(seconds=app.settings.ledger_sync_seconds))
    if not due:
        return
    try:
        done = sync_ledger(app)
    except (LedgerImportError, BillingError) as exc:
        report.problems.append(f"ledger sync: {exc}")
        log.warning("ledger sync failed: %s", exc, extra={"event": "ledger_sync_failed"})
        return
    except Exception as exc:  # noqa: BLE001 - the database went away mid-import: the next cycle tries again
        report.problems.append(f"ledger sync: {type(exc).__name__}: {exc}")
        log.exception("ledger sync failed", extra={"event": "ledger_sync_failed"})
        return
    report.synced += done.read.rows
    rec = done.imported.reconciliation
    log.info("ledger synced: %s rows%s, %s reflected", done.read.rows, "" if done.read.since is None else " changed",
             rec.reflected, extra={"event": "ledger_synced", "rows": done.read.rows, "reflected": rec.reflected,
                                   "full": done.read.since is None, "discrepancies": len(rec.discrepancies)})
