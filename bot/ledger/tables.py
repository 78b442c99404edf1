"""The database tables. Money columns hold integer minor units (cents) next to an ISO
currency, so SQLite and PostgreSQL both compare and constrain them exactly."""
from __future__ import annotations

from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Account(SQLModel, table=True):
    account_id: str = Field(primary_key=True, max_length=64)
    name: str
    locale: str = Field(max_length=16)
    currency: str = Field(max_length=3)


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="account.account_id", index=True, max_length=64)
    email: str = Field(index=True, max_length=320)  # stored lower-case
    name: str
    role: str = Field(max_length=64)


class Invoice(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("open_minor >= 0", name="invoice_open_not_negative"),
        CheckConstraint("open_minor <= amount_minor", name="invoice_open_within_amount"),
    )

    invoice_number: str = Field(primary_key=True, max_length=64)
    account_id: str = Field(foreign_key="account.account_id", index=True, max_length=64)
    issue_date: date
    due_date: date
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    open_minor: int = Field(sa_column=Column(BigInteger, nullable=False))


class Payment(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("unallocated_minor >= 0", name="payment_unallocated_not_negative"),
        CheckConstraint("unallocated_minor <= amount_minor", name="payment_unallocated_within_amount"),
    )

    payment_id: str = Field(primary_key=True, max_length=64)
    account_id: str = Field(foreign_key="account.account_id", index=True, max_length=64)
    received_date: date
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    unallocated_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    reference: str = ""
    payer_name: str = ""
    # The bank's key for the credit this payment was imported from (allocbot payments import);
    # null for payments from the billing system's payments.csv. Unique: never imported twice.
    bank_ref: str | None = Field(default=None, unique=True, index=True, max_length=200)


class BankAccount(SQLModel, table=True):
    """A payer's bank account known to belong to a ledger account (bank_accounts.csv), which
    is how a statement's credit finds its account. One IBAN may pay for several accounts."""

    __table_args__ = (UniqueConstraint("account_id", "iban"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="account.account_id", index=True, max_length=64)
    iban: str = Field(index=True, max_length=34)  # electronic form: upper case, no spaces


def sender_address(from_header: str) -> str:
    """The lower-cased address of a From header ("" when there is none): who a message counts
    against for the per-sender limit, whatever display name it carries."""
    try:
        address = parseaddr(from_header or "")[1]
    except Exception:  # noqa: BLE001 - an odd header must not stop storing
        address = ""
    return address.strip().lower()[:320]


def _sender_of_row(context: Any) -> str:
    return sender_address(context.get_current_parameters().get("from_addr") or "")


class InboundMessage(SQLModel, table=True):
    """Every message, stored (raw bytes) before anything is done with it."""

    __table_args__ = (Index("ix_inbound_status", "status"),
                      Index("ix_inbound_sender_received", "sender_addr", "received_at"))

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(unique=True, max_length=512)  # Message-ID, or sha256 of the bytes
    message_id: str = Field(default="", max_length=998)
    source: str = Field(default="", max_length=512)  # mailbox key it came from
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    from_addr: str = Field(default="", max_length=998)
    # The address in from_addr, lower-cased; filled from from_addr when the row is inserted
    # (leave it None). The per-sender rate limit counts by it (issue 5).
    sender_addr: str | None = Field(default=None, sa_column=Column(String(320), nullable=False, default=_sender_of_row))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    received_at: datetime
    status: str = Field(default="received", max_length=16)  # received | applied | needs_info | review | ignored | error
    reasons: str = Field(default="", max_length=1024)  # comma-separated reason codes
    account_id: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = None
    evidence: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))  # JSON
    request: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # JSON of what was read
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # When the mailbox was told the outcome (IMAP: moved to the outcome folder); null = still to do.
    filed_at: datetime | None = Field(default=None, index=True)
    # A confirmation is owed once every posting of this request reaches `confirm_when`
    # (bot/posting/confirming.py); false once it is queued or no longer due.
    confirm_due: bool = Field(default=False, index=True)


class Allocation(SQLModel, table=True):
    __table_args__ = (CheckConstraint("amount_minor > 0", name="allocation_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    payment_id: str = Field(foreign_key="payment.payment_id", index=True, max_length=64)
    invoice_number: str = Field(foreign_key="invoice.invoice_number", index=True, max_length=64)
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    inbound_id: int | None = Field(default=None, foreign_key="inboundmessage.id", index=True)
    created_at: datetime
    created_by: str = Field(default="allocbot", max_length=320)
    # The billing system refused this allocation's posting: its money went back to the payment
    # and the invoice (bot/posting/records.py `release`). A released row moves no money.
    released_at: datetime | None = None
    release_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Posting(SQLModel, table=True):
    """An allocation (or its reversal) on its way to the billing system of record, under a key
    that stays the same across retries, crashes and workers: the billing system's dedup key.

    `state`: pending → delivered (accepted) → reflected (its own data shows it), or rejected.
    A pending posting with `handed_at` set was handed over (a file batch written) and waits
    for the billing system's answer."""

    __table_args__ = (Index("ix_posting_state_next", "state", "next_attempt_at"),
                      CheckConstraint("amount_minor > 0", name="posting_positive"))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    kind: str = Field(default="allocate", max_length=16)  # allocate | reverse
    allocation_id: int = Field(foreign_key="allocation.id", index=True)
    inbound_id: int | None = Field(default=None, foreign_key="inboundmessage.id", index=True)
    account_id: str = Field(max_length=64)
    payment_id: str = Field(index=True, max_length=64)
    invoice_number: str = Field(index=True, max_length=64)
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: str = Field(default="", max_length=998)  # the request's Message-ID
    state: str = Field(default="pending", max_length=16)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # why rejected
    created_at: datetime
    handed_at: datetime | None = None
    batch: int | None = Field(default=None, index=True)  # file connector: postings-<batch>.jsonl
    delivered_at: datetime | None = None
    reflected_at: datetime | None = None
    reflected_by: str = Field(default="", max_length=16)  # builtin | billing (its answer) | import
    # When an import's allocations.csv last listed this key; null when the last one did not.
    in_export_at: datetime | None = None
    # When an import last held this posting's money back because its export did not show it.
    held_back_at: datetime | None = None
    rejected_at: datetime | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    claimed_by: str = Field(default="", max_length=256)
    claimed_until: datetime | None = None


class PostingBatch(SQLModel, table=True):
    """The sequence of the file connector's batches: one row per postings-<id>.jsonl, so two
    workers never number a batch alike."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime
    holder: str = Field(default="", max_length=256)


class ReviewItem(SQLModel, table=True):
    """The exception queue: one row per request a person must look at."""

    __table_args__ = (Index("ix_reviewitem_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int = Field(foreign_key="inboundmessage.id", unique=True)
    case_ref: str = Field(unique=True, max_length=32)
    status: str = Field(default="open", max_length=16)  # open | waiting (partner asked) | closed
    reasons: str = Field(default="", max_length=1024)
    created_at: datetime
    # How a person closed it: approved | edited | rejected | dismissed | cancelled; "" while open.
    resolution: str = Field(default="", max_length=16)
    closed_at: datetime | None = None
    closed_by: str = Field(default="", max_length=320)
    # Who is working on it (claimed or assigned; "" for nobody) and since when (issue 16).
    assigned_to: str = Field(default="", max_length=320)
    assigned_at: datetime | None = None


class OutboundMessage(SQLModel, table=True):
    """The outbox: written in the deciding transaction, sent after commit."""

    __table_args__ = (Index("ix_outbound_status", "status"),
                      Index("ix_outbound_to_created", "to_addr", "created_at"))  # per-recipient limits

    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int | None = Field(default=None, foreign_key="inboundmessage.id", index=True)
    kind: str = Field(max_length=32)  # confirmation | needs_info | review_ack | rejected | digest
    to_addr: str = Field(max_length=998)
    message_id: str = Field(unique=True, max_length=998)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | sending | sent | failed | bounced
    attempts: int = 0
    created_at: datetime
    next_attempt_at: datetime | None = None  # after a transient refusal: not before this time
    claimed_by: str = Field(default="", max_length=256)  # while `sending`: who (a claim of an ended process is taken)
    sent_at: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # A bounce traced to this reply (status `bounced`): when it was read, and what it said.
    bounced_at: datetime | None = None
    bounce_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class AuditEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_auditevent_action_at", "action", "at"),)  # sign-in limits count by action in a window

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=320)
    action: str = Field(max_length=64)
    inbound_id: int | None = Field(default=None, foreign_key="inboundmessage.id", index=True)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # JSON


class MailboxCheckpoint(SQLModel, table=True):
    """How far each folder of each mailbox has been read: UIDVALIDITY and the last stored UID,
    advanced in the same transaction that stores the message."""

    mailbox: str = Field(primary_key=True, max_length=512)
    folder: str = Field(primary_key=True, max_length=512)
    uidvalidity: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_uid: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime


class LedgerSyncMark(SQLModel, table=True):
    """How far the billing system's own ledger has been read (`ledger sync`): when the last read
    began on its clock (not ours), so the next read asks only for what changed since."""

    source: str = Field(primary_key=True, max_length=512)
    read_through: datetime | None = None  # the billing system's clock when the last read began
    full_read_at: datetime | None = None  # our clock: the last read of everything
    synced_at: datetime  # our clock: the last read, full or not


class Lease(SQLModel, table=True):
    """A named lease (e.g. the mailbox intake): one holder at a time until it expires."""

    name: str = Field(primary_key=True, max_length=128)
    holder: str = Field(max_length=256)
    expires_at: datetime
    acquired_at: datetime


class JobRun(SQLModel, table=True):
    """The last start, success and failure of each scheduled job, for `allocbot status`."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(default="", max_length=256)
    last_started_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_failed_at: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    last_summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class User(SQLModel, table=True):
    """A person who signs in to the web UI: `billing_admin` acts, `viewer` reads."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)  # stored lower-case
    password_hash: str = Field(max_length=512)  # argon2id
    role: str = Field(max_length=32)
    active: bool = True
    created_at: datetime
    # In every session cookie; signing out raises it, which ends every session of the user
    # (a copied cookie included) although sessions are kept in signed cookies only.
    session_version: int = 0
