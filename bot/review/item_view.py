"""Everything the item page shows about one queue item, gathered in one read.

The mail is read again from its stored bytes with the project's MIME helpers; what the bot
read, its evidence and its proposal come back from what it stored (proposal.py); the
candidates, a bounded slice of the account's billing view (billing_rows.py) and the
conversation come from the ledger.
Read-only: nothing here writes or commits. HTML is returned as found; the web layer
sanitises it (bot/web/safe_html.py) before it goes anywhere near a page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.bootstrap import App
from bot.deciding.hints import payment_hints
from bot.ledger import store
from bot.ledger.postings import billing_status
from bot.ledger.tables import Allocation as AllocationTable, InboundMessage, Posting, ReviewItem
from bot.model import AccountRow, Evidence, InvoiceRow, PaymentRow, Request
from bot.reading.mime import Attachment, decode_text, header
from bot.review import queries
from bot.review.billing_rows import AccountSlice, account_slice
from bot.review.candidates import (Candidate, invoice_candidates, payment_candidates, proposal_misfits,
                                   request_currencies, rows_from_reading)
from bot.review.proposal import Proposal, marked_text, named_ids, parse_evidence, parse_request, proposal_from, request_spans
from bot.review.replying import Original, ask_content, no_reply_because, read_original, reply_locale
from bot.review.timeline import Entry, timeline
from bot.review.validate import MAX_LINES, EditLine

HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID")


@dataclass(frozen=True)
class MailView:
    headers: list[tuple[str, str]]
    text: str
    text_from_html: bool  # the mail had no text part: this is its HTML as text
    html: str | None  # unsanitised: only ever shown through safe_html.sanitise
    attachments: list[tuple[int, Attachment]]  # numbered from 1, as the download URL counts
    readable: bool


@dataclass
class ItemView:
    item: ReviewItem
    inbound: InboundMessage
    mail: MailView
    request: Request
    segments: list[tuple[str, bool]]
    evidence: tuple[Evidence, ...]
    proposal: Proposal
    reasons: tuple[str, ...]
    payments: list[Candidate]
    invoices: list[Candidate]
    account: AccountRow | None
    open_invoices: list[InvoiceRow]
    unallocated: list[PaymentRow]
    recent_allocations: list[AllocationTable]
    timeline: list[Entry]  # bot/review/timeline.py
    no_reply: str | None
    ask_text: str
    seen: int
    edit_rows: list[EditLine] = field(default_factory=list)
    hints: dict[str, tuple[str, ...]] = field(default_factory=dict)  # payment id -> open invoices its remittance names
    payment_options: list[tuple[str, str]] = field(default_factory=list)
    invoice_options: list[tuple[str, str]] = field(default_factory=list)
    open_invoice_count: int = 0  # of the account, shown or not
    unallocated_count: int = 0
    postings: list[Posting] = field(default_factory=list)  # this request's, to the billing system
    waiting_since: datetime | None = None  # when the question to the partner went out, if one did
    misfits: tuple[str, ...] = ()  # why the proposal no longer fits the ledger (candidates.proposal_misfits)

    @property
    def waiting(self) -> bool:
        """Waiting for the partner: the item is marked so, or its question is already in the outbox."""
        return self.active and (self.item.status == "waiting" or self.waiting_since is not None)

    @property
    def reasons_with_evidence(self) -> list[tuple[str, list[Evidence]]]:
        """Each reason the item is held for with the evidence that gave it: the reason's guidance
        line is shown once, with what the bot saw under it."""
        return [(code, [e for e in self.evidence if e.reason and e.reason.value == code])
                for code in self.reasons]

    @property
    def other_evidence(self) -> list[tuple[str, list[Evidence]]]:
        """The rest of the evidence by rule, in the order the bot recorded it (a rule's line once)."""
        groups: dict[str, list[Evidence]] = {}
        for e in self.evidence:
            if not (e.reason and e.reason.value in self.reasons):
                groups.setdefault(e.rule, []).append(e)
        return list(groups.items())

    @property
    def billing_status(self) -> str | None:
        return billing_status([p.state for p in self.postings])

    @property
    def active(self) -> bool:
        return self.item.status in queries.ACTIVE

    @property
    def approvable(self) -> bool:
        """Approve is offered: an open item whose proposal still fits the ledger."""
        return self.active and bool(self.proposal.allocations) and not self.misfits

    @property
    def editable(self) -> bool:
        """The editor is offered: the account has a payment with money left and an open invoice
        (or more of them than the page lists)."""
        return bool(self.payment_options and self.invoice_options) or self.more_payments or self.more_invoices

    @property
    def more_invoices(self) -> bool:
        """The account has open invoices the page does not list (the billing view has them all)."""
        return self.open_invoice_count > len(self.open_invoices)

    @property
    def more_payments(self) -> bool:
        return self.unallocated_count > len(self.unallocated)


def mail_view(original: Original) -> MailView:
    msg = original.msg
    headers = [(name, header(msg, name)) for name in HEADERS]
    headers = [(n, v) for n, v in headers if v or n in ("From", "To", "Date", "Subject", "Message-ID")]
    html = None
    try:
        part = msg.get_body(preferencelist=("html",))
        if part is not None and part.get_content_type() == "text/html":
            html = decode_text(part.get_payload(decode=True) or b"", part.get_content_charset())
        plain = msg.get_body(preferencelist=("plain",))
    except Exception:  # noqa: BLE001 - broken MIME still shows its text below
        plain = None
    text = original.mail.body if original.readable else original.msg.as_bytes().decode("utf-8", "replace")
    return MailView(headers=headers, text=text, text_from_html=original.readable and plain is None and html is not None,
                    html=html, attachments=list(enumerate(original.mail.attachments, start=1)), readable=original.readable)


def _options(payments: list[Candidate], invoices: list[Candidate], account_id: str | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    def usable(c: Candidate) -> bool:
        return c.balance is not None and c.balance.amount > 0 and (account_id is None or c.account_id == account_id)
    pay = [(c.key, f"{c.key} — {c.balance} unallocated ({c.day})") for c in payments if usable(c)]
    inv = [(c.key, f"{c.key} — {c.balance} open (due {c.day})") for c in invoices if usable(c)]
    return pay, inv


def _edit_rows(proposal: Proposal, request: Request, *, misfits: tuple[str, ...], payments: set[str],
               invoices: set[str]) -> list[EditLine]:
    """The editor's first rows: the proposal (of one that no longer fits, the rows whose payment
    and invoice are still open), else what was read; blank rows to MAX_LINES after them."""
    rows = [EditLine(a.payment_id, a.invoice_number, str(a.amount.amount)) for a in proposal.allocations
            if not misfits or (a.payment_id in payments and a.invoice_number in invoices)]
    if not proposal.allocations:  # the editor starts from what was read
        rows = [EditLine(*row) for row in rows_from_reading(request, payments=payments, invoices=invoices)]
    rows = rows[:MAX_LINES]
    return rows + [EditLine("", "", "")] * (MAX_LINES - len(rows))


def item_view(session: Session, app: App, *, item_id: int) -> ItemView | None:
    item = session.get(ReviewItem, item_id)
    if item is None:
        return None
    inbound = session.get(InboundMessage, item.inbound_id)
    original = read_original(app, inbound)
    request, evidence = parse_request(inbound.request), parse_evidence(inbound.evidence)
    events = queries.audit_events(session, inbound_id=inbound.id)
    proposal = proposal_from(events)
    ledger = (account_slice(session, account_id=inbound.account_id, invoice_pattern=app.settings.invoice_pattern)
              if inbound.account_id else AccountSlice(None))
    account = ledger.account
    named_payments, named_invoices = named_ids(request)
    extra = [r for e in evidence for r in e.rows]
    named = store.ledger_view(session, sender="",
                              invoice_numbers=[*named_invoices, *(a.invoice_number for a in proposal.allocations), *extra],
                              payment_ids=[*named_payments, *(a.payment_id for a in proposal.allocations), *extra])
    payment_rows = list({p.payment_id: p for p in [*named.payments, *ledger.unallocated]}.values())
    invoice_rows = list({i.invoice_number: i for i in [*named.invoices, *ledger.open_invoices, *ledger.hinted]}.values())
    currencies = request_currencies(proposal.allocations, payment_rows, invoice_rows, request, account_id=inbound.account_id,
                                    account_currency=account.currency if account else None)
    kwargs = {"account_id": inbound.account_id, "currencies": currencies}
    payments = payment_candidates(request, evidence, proposal.allocations, payments=payment_rows, **kwargs)
    invoices = invoice_candidates(request, evidence, proposal.allocations, invoices=invoice_rows, **kwargs)
    no_reply = no_reply_because(inbound, original.sender)
    ask_text = ""
    asked_at = queries.waiting_since(session, inbound_id=inbound.id)
    if no_reply is None and asked_at is None:  # once asked, the same question is not offered again
        locale = reply_locale(session, app, account_id=inbound.account_id, sender=original.sender)
        ask_text = ask_content(app, locale=locale, original=original, inbound=inbound, evidence=evidence,
                               case_ref=item.case_ref).body
    payment_options, invoice_options = _options(payments, invoices, inbound.account_id)
    misfits = proposal_misfits([*payments, *invoices], account_id=inbound.account_id)
    rows = _edit_rows(proposal, request, misfits=misfits, payments={k for k, _ in payment_options},
                      invoices={k for k, _ in invoice_options})
    return ItemView(
        item=item, inbound=inbound, mail=mail_view(original), request=request,
        segments=marked_text(request.text, request_spans(request, evidence)), evidence=evidence, proposal=proposal,
        reasons=tuple(r for r in (inbound.reasons or "").split(",") if r), payments=payments, invoices=invoices,
        account=account, open_invoices=ledger.open_invoices, unallocated=ledger.unallocated, recent_allocations=ledger.recent,
        timeline=timeline(session, inbound), no_reply=no_reply, ask_text=ask_text,
        seen=queries.last_event_id(session, inbound_id=inbound.id),
        edit_rows=rows,
        hints=payment_hints(payment_rows, invoice_rows, invoice_pattern=app.settings.invoice_pattern),
        open_invoice_count=ledger.open_invoice_count, unallocated_count=ledger.unallocated_count,
        waiting_since=asked_at, misfits=misfits,
        payment_options=payment_options, invoice_options=invoice_options,
        postings=store.rows_by_inbound(session, table=Posting, inbound_ids=[inbound.id]).get(inbound.id, []),
    )


def attachment(session: Session, app: App, *, item_id: int, n: int) -> Attachment | None:
    """The n-th attachment (from 1) of an item's mail, or None."""
    item = session.get(ReviewItem, item_id)
    if item is None or n < 1:
        return None
    inbound = session.get(InboundMessage, item.inbound_id)
    attachments = read_original(app, inbound).mail.attachments
    return attachments[n - 1] if n <= len(attachments) else None


__all__ = ["ItemView", "MailView", "attachment", "item_view", "mail_view"]
