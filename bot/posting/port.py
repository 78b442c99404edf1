"""What allocbot asks of a billing system of record, and the values that cross the boundary.

A connector takes a batch of postings and answers for each (`deliver`), and may have
acknowledgements that arrived since (`acknowledgements`, the file connector's acks folder).
It never touches the database: `bot/posting/delivery.py` claims, records and retries."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal, Protocol

Outcome = Literal["delivered", "reflected", "rejected", "handed", "retry"]


@dataclass(frozen=True)
class PostingOut:
    """One posting as the billing system receives it (the JSON of DESIGN and the README)."""

    key: str
    kind: str
    account_id: str
    payment_id: str
    invoice_number: str
    amount: Decimal
    currency: str
    message_id: str
    created_at: datetime

    def as_json(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind, "account_id": self.account_id, "payment_id": self.payment_id,
                "invoice_number": self.invoice_number, "amount": str(self.amount), "currency": self.currency,
                "message_id": self.message_id, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class Batch:
    seq: int | None  # the file connector's batch number; None for connectors without batches
    postings: tuple[PostingOut, ...]


@dataclass(frozen=True)
class Answer:
    """The billing system's answer to one posting. `handed`: it has the posting and will
    answer later (a batch file written); `retry`: it could not take it now (down, 5xx)."""

    key: str
    outcome: Outcome
    reason: str = ""


@dataclass(frozen=True)
class Ack:
    key: str
    status: Literal["accepted", "rejected"]
    reason: str = ""


@dataclass(frozen=True)
class AckFile:
    """The acknowledgements of one file, and its lines that could not be read."""

    path: Path
    acks: tuple[Ack, ...]
    problems: tuple[str, ...] = field(default=())


class BillingError(Exception):
    """The connector cannot work at all (an unwritable folder, no such host): nothing was
    handed over; the postings wait."""


@dataclass(frozen=True)
class LedgerRead:
    """A ledger export (DESIGN.md's CSVs plus allocations.csv) a billing system that keeps the
    ledger itself wrote from its own data: everything, or (`since`) only the rows that changed,
    with allocations.csv always whole. `read_through`: when the read began on the billing
    system's own clock, the clock of its change times (None if it cannot say)."""

    directory: Path
    since: datetime | None
    read_through: datetime | None
    rows: int


class LedgerSource(Protocol):
    """A billing system allocbot reads the ledger from (Tryton), besides posting to it."""

    def read_ledger(self, directory: Path, *, since: datetime | None) -> LedgerRead: ...


class BillingSystem(Protocol):
    name: str  # for logs and status, secrets redacted
    batched: bool  # True: deliver() gets a batch number that must survive a crash
    batch_size: int  # postings claimed and handed over together
    reflects_at_once: bool  # True (builtin only): a posting is reflected when its allocation commits

    def deliver(self, batch: Batch) -> Iterable[Answer]:
        """One answer per posting, as each comes: the caller records each one at once, so a
        crash leaves at most the posting in flight unrecorded."""
        ...

    def acknowledgements(self) -> list[AckFile]: ...

    def done_with(self, ack_file: AckFile) -> None: ...

    def check(self) -> str | None:
        """Why the billing system cannot be reached now, or None."""
        ...

    def close(self) -> None: ...


__all__ = ["Ack", "AckFile", "Answer", "Batch", "BillingError", "BillingSystem", "LedgerRead", "LedgerSource", "Outcome",
           "PostingOut"]
