"""`allocbot ledger sync`: Tryton's ledger read back and reconciled as a ledger import is.

The rows Tryton's data makes (bot/tryton/reading.py) are written as an export in a scratch
folder and go through `import_ledger`, so a sync validates, reconciles and holds what it cannot
explain exactly as `ledger import` does; Tryton's allocations reflect allocbot's postings by key.
The whole database is read each time (an incremental read by write date is still to come)."""
from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from bot.ledger.importer import ImportReport, import_ledger
from bot.tryton.connection import TrytonURL
from bot.tryton.reading import ledger_rows, write_export


def sync_ledger(session: Session, *, url: TrytonURL, payment_pattern: str, bank_payment_pattern: str | None,
                now: datetime) -> ImportReport:
    """Read Tryton, then import and reconcile; flushes, never commits."""
    rows = ledger_rows(url, payment_pattern=payment_pattern)
    with tempfile.TemporaryDirectory(prefix="allocbot-tryton-") as scratch:
        export = write_export(rows, Path(scratch))
        return import_ledger(session, export, now=now, bank_payment_pattern=bank_payment_pattern)
