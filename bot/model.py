"""Plain values shared by every step of the flow: no I/O, no clock, no database.

Money rule (the one rounding rule of the project): amounts are `Decimal`, always with an
explicit ISO 4217 currency, quantised to the currency's ISO 4217 minor unit (2 places for most,
0 for JPY, 3 for BHD) with ROUND_HALF_UP, and only ever compared after quantising.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache, total_ordering

from babel.numbers import get_currency_precision

@lru_cache(maxsize=512)
def minor_unit(currency: str) -> Decimal:
    """The smallest amount a currency is counted in, per ISO 4217 (Babel's data)."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


@total_ordering
@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")
        object.__setattr__(self, "amount", Decimal(self.amount).quantize(minor_unit(self.currency), ROUND_HALF_UP))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Status(StrEnum):
    APPLIED = "applied"
    NEEDS_INFO = "needs_info"
    REVIEW = "review"
    IGNORED = "ignored"
    ERROR = "error"  # the message could not be read at all; stored, shown to operations
    CANCELLED = "cancelled"  # the partner withdrew an earlier request still open; its item is closed


# The audit actions with which the bot records a decision that put a message in the queue.
DECISION_ACTIONS = frozenset({Status.APPLIED.value, Status.NEEDS_INFO.value, Status.REVIEW.value,
                              Status.ERROR.value})


class Reason(StrEnum):
    UNKNOWN_SENDER = "unknown_sender"
    SENDER_NOT_AUTHORIZED = "sender_not_authorized"
    SENDER_AUTH_FAILED = "sender_auth_failed"
    CROSS_ACCOUNT = "cross_account"
    UNKNOWN_INVOICE = "unknown_invoice"
    UNKNOWN_PAYMENT = "unknown_payment"
    AMBIGUOUS_PAYMENT = "ambiguous_payment"
    AMBIGUOUS_INVOICE = "ambiguous_invoice"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    OVER_ALLOCATION = "over_allocation"
    INVOICE_CLOSED = "invoice_closed"
    PAYMENT_FULLY_ALLOCATED = "payment_fully_allocated"
    NO_REQUEST_FOUND = "no_request_found"
    DUPLICATE = "duplicate"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    LOOP = "loop"
    # added by allocbot (documented in README "Outcomes and reason codes")
    LIST_MAIL = "list_mail"
    PARSE_ERROR = "parse_error"
    AMBIGUOUS_ACCOUNT = "ambiguous_account"
    RATE_LIMITED = "rate_limited"  # more requests from one sender within an hour than allowed: held, no reply
    MESSAGE_TOO_LARGE = "message_too_large"  # over max_message_mb: stored, not parsed, held (issue 5)
    MESSAGE_TOO_COMPLEX = "message_too_complex"  # past a reading limit (MIME parts/depth, header, text): held (issue 5)
    FORWARDED_REQUEST = "forwarded_request"  # read from a forwarded message: a person approves it (it may be in the mailbox already)
    UNCLEAR_REQUEST = "unclear_request"  # the mail puts off, conditions, doubts or withdraws its allocation: held
    UNREADABLE_ATTACHMENT = "unreadable_attachment"  # a remittance attachment with no text to read (a scan), or past its limits: held
    BILLING_REJECTED = "billing_rejected"  # the billing system refused a posting: its money released, a person decides
    BILLING_DISCREPANCY = "billing_discrepancy"  # a ledger import showed what allocbot's postings cannot explain
    DATABASE_ERROR = "database_error"  # deciding it failed on a database error decide_attempts times: held with the error
    LOOKALIKE_SENDER = "lookalike_sender"  # From domain resembles an account's domain: possible impersonation, held


# Reasons a partner can fix by writing again; every other reason needs a person.
PARTNER_FIXABLE = frozenset({Reason.UNKNOWN_INVOICE, Reason.UNKNOWN_PAYMENT, Reason.NO_REQUEST_FOUND})


@dataclass(frozen=True)
class Span:
    """Where in the request text a fact was read: the evidence behind every decision."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Amount:
    """An amount as written: the currency may be missing (then the ledger's applies)."""

    value: Decimal
    currency: str | None  # ISO code when the text leaves no doubt
    span: Span
    symbol: str = ""  # as written: "kr" and "$" stand for several currencies

    def as_money(self, default_currency: str) -> Money:
        return Money(self.value, self.currency or default_currency)


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice named in an instruction, with the amount to put on it when stated."""

    invoice_number: str
    span: Span
    amount: Amount | None = None


@dataclass(frozen=True)
class Instruction:
    """"Put (part of) this payment on these invoices", as the partner wrote it."""

    lines: tuple[InvoiceLine, ...]
    text: str  # the sentence(s) the instruction was read from: payment references are sought here
    span: Span
    payment_ids: tuple[str, ...] = ()
    payment_amount: Amount | None = None  # the payment's own amount, as stated
    paid_on: date | None = None
    mentions_payment: bool = False  # "our (unallocated) payment", with or without details


@dataclass(frozen=True)
class Request:
    """Everything read from one message that matters for deciding."""

    text: str  # the request text after quotes/signatures were removed, attachments appended
    instructions: tuple[Instruction, ...]
    malformed_invoices: tuple[Span, ...] = ()  # looked like an invoice number but was not one
    malformed_payments: tuple[Span, ...] = ()
    is_question: bool = False
    hedges: tuple[Span, ...] = ()  # words that put off, condition or doubt the allocation: a person decides
    withdrawn: tuple[Span, ...] = ()  # invoices named only to say they are not to be allocated


def named_ids(request: Request) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(payment ids, invoice numbers) the partner wrote, in order, without repeats."""
    payments = tuple(dict.fromkeys(p for ins in request.instructions for p in ins.payment_ids))
    invoices = tuple(dict.fromkeys(line.invoice_number for ins in request.instructions for line in ins.lines))
    return payments, invoices


@dataclass(frozen=True)
class AuthVerdict:
    """The receiving server's SPF/DKIM/DMARC results, from the trusted Authentication-Results."""

    authserv_id: str | None
    results: tuple[tuple[str, str], ...] = ()  # (method, result), e.g. ("dmarc", "fail")

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(m for m, r in self.results if r in {"fail", "permerror"} and m in {"spf", "dkim", "dmarc"})


@dataclass(frozen=True)
class Sender:
    address: str  # lower-cased addr-spec of the single From mailbox, "" when there is none usable
    display_name: str
    auth: AuthVerdict


# ---- the ledger as the pure core sees it -------------------------------------------------

@dataclass(frozen=True)
class AccountRow:
    account_id: str
    name: str
    locale: str
    currency: str


@dataclass(frozen=True)
class ContactRow:
    account_id: str
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class InvoiceRow:
    invoice_number: str
    account_id: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money


@dataclass(frozen=True)
class PaymentRow:
    payment_id: str
    account_id: str
    received_date: date
    amount: Money
    unallocated: Money
    reference: str
    payer_name: str


@dataclass(frozen=True)
class PaymentState:
    """A payment as the queue shows it: what came in and what is left."""
    amount: Money
    unallocated: Money


@dataclass(frozen=True)
class LedgerView:
    """The slice of the ledger one message can touch, read before deciding.

    `invoices` and `payments` hold every row the request names (whatever account owns it)
    plus all unallocated payments of the sender's accounts, so the matcher can tell an
    unknown id from somebody else's id.
    """

    contacts: tuple[ContactRow, ...]  # the sender's contact rows (all accounts)
    accounts: tuple[AccountRow, ...] = ()
    invoices: tuple[InvoiceRow, ...] = ()
    payments: tuple[PaymentRow, ...] = ()

    def invoice(self, number: str) -> InvoiceRow | None:
        return next((i for i in self.invoices if i.invoice_number == number), None)

    def payment(self, payment_id: str) -> PaymentRow | None:
        return next((p for p in self.payments if p.payment_id == payment_id), None)

    def account(self, account_id: str) -> AccountRow | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)


# ---- decisions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Allocation:
    payment_id: str
    invoice_number: str
    amount: Money


@dataclass(frozen=True)
class Evidence:
    """Why: the rule that fired, the text it read, the ledger rows it looked at."""

    rule: str
    detail: str
    span: Span | None = None
    rows: tuple[str, ...] = ()
    reason: Reason | None = None  # the reason this evidence explains, when it explains one


@dataclass(frozen=True)
class Decision:
    status: Status
    reasons: tuple[Reason, ...] = ()
    account_id: str | None = None
    allocations: tuple[Allocation, ...] = ()
    evidence: tuple[Evidence, ...] = field(default=())
