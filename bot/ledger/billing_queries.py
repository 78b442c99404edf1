"""What the web UI's billing pages read: the accounts list, one account's billing view (open
invoices, payments with their unallocated section, allocation history with the request that
caused each allocation) and the search over accounts, invoices and payments.

Read-only; every function takes keyword arguments and never commits. Lists are keyset-paged
so an account with thousands of invoices stays one small query per page. Money stays in
integer minor units next to its currency; totals are per currency."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from bot.ledger.tables import Account, Allocation, Contact, InboundMessage, Invoice, Payment, ReviewItem

INVOICE_PAGE = 200
PAYMENT_PAGE = 200
SEARCH_LIMIT = 25

# A keyset cursor: a row's sort key (a date and an id) as "YYYY-MM-DD~ID" in a query string.
Cursor = tuple[date, str]


def encode_cursor(key: Cursor | None) -> str | None:
    return f"{key[0].isoformat()}~{key[1]}" if key else None


def decode_cursor(text: str | None) -> Cursor | None:
    """A cursor from the query string; anything malformed means "from the start"."""
    if not text or "~" not in text:
        return None
    day, _, ident = text.partition("~")
    try:
        return date.fromisoformat(day), ident
    except ValueError:
        return None


@dataclass(frozen=True)
class Totals:
    count: int
    amounts: tuple[tuple[str, int], ...]  # (currency, minor units), one per currency


@dataclass(frozen=True)
class HistoryRow:
    id: int
    created_at: datetime
    payment_id: str
    invoice_number: str
    currency: str
    amount_minor: int
    created_by: str
    inbound_id: int | None
    review_item_id: int | None
    case_ref: str | None
    subject: str | None
    message_id: str | None


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None  # the first row of the next page (invoices, payments) or the last shown (history)
    paged: bool = False  # this is not the first page


@dataclass(frozen=True)
class AccountPage:
    account: Account
    contacts: list[Contact]
    open_invoices: Totals
    unallocated: Totals  # payments with money unallocated: how many and how much
    payment_count: int
    invoices: Page
    payments: Page
    history: Page
    allocation_count: int


@dataclass(frozen=True)
class AccountSummary:
    account: Account
    open_invoice_count: int
    open_amounts: tuple[tuple[str, int], ...]
    unallocated_amounts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SearchHit:
    kind: str  # account | invoice | payment
    account_id: str
    row: object  # the Account, Invoice or Payment
    cursor: str | None = None  # the page of the account's list the row is on, when not the first


@dataclass
class SearchResults:
    accounts: list[SearchHit] = field(default_factory=list)
    invoices: list[SearchHit] = field(default_factory=list)
    payments: list[SearchHit] = field(default_factory=list)
    more: set[str] = field(default_factory=set)  # kinds with more hits than shown

    @property
    def empty(self) -> bool:
        return not (self.accounts or self.invoices or self.payments)


# ------------------------------------------------------------------------- accounts list

def accounts_page(session: Session, *, after: str | None, limit: int) -> tuple[list[AccountSummary], str | None]:
    """Accounts by id, `limit` at a time after the id `after`, each with its open invoice count
    and open and unallocated totals; and the id to continue after (None on the last page)."""
    stmt = select(Account).order_by(Account.account_id).limit(limit + 1)
    if after:
        stmt = stmt.where(Account.account_id > after)
    accounts = list(session.exec(stmt).all())
    more = len(accounts) > limit
    accounts = accounts[:limit]
    ids = [a.account_id for a in accounts]
    counts: dict[str, int] = {}
    open_amounts: dict[str, list[tuple[str, int]]] = {}
    for account_id, currency, n, total in session.exec(
            select(Invoice.account_id, Invoice.currency, func.count(), func.sum(Invoice.open_minor))
            .where(col(Invoice.account_id).in_(ids), Invoice.open_minor > 0)
            .group_by(Invoice.account_id, Invoice.currency).order_by(Invoice.currency)).all():
        counts[account_id] = counts.get(account_id, 0) + n
        open_amounts.setdefault(account_id, []).append((currency, int(total)))
    unallocated: dict[str, list[tuple[str, int]]] = {}
    for account_id, currency, total in session.exec(
            select(Payment.account_id, Payment.currency, func.sum(Payment.unallocated_minor))
            .where(col(Payment.account_id).in_(ids), Payment.unallocated_minor > 0)
            .group_by(Payment.account_id, Payment.currency).order_by(Payment.currency)).all():
        unallocated.setdefault(account_id, []).append((currency, int(total)))
    summaries = [AccountSummary(a, counts.get(a.account_id, 0), tuple(open_amounts.get(a.account_id, ())),
                                tuple(unallocated.get(a.account_id, ()))) for a in accounts]
    return summaries, (ids[-1] if more and ids else None)


# ------------------------------------------------------------------------- one account

def _totals(session: Session, *, table, balance, account_id: str) -> Totals:
    rows = session.exec(select(table.currency, func.count(), func.sum(balance))
                        .where(table.account_id == account_id, balance > 0)
                        .group_by(table.currency).order_by(table.currency)).all()
    return Totals(count=sum(n for _, n, _ in rows), amounts=tuple((c, int(s)) for c, _, s in rows))


def _beyond(day_col, id_col, key: Cursor, *, descending: bool, inclusive: bool):
    """Rows past `key` in a list sorted by (day, id), ascending or descending; `inclusive`
    keeps the key's own row. The rows before a key are those past it in the opposite order."""
    day, ident = key
    later = (day_col < day) if descending else (day_col > day)
    same = (id_col <= ident if inclusive else id_col < ident) if descending else (id_col >= ident if inclusive else id_col > ident)
    return or_(later, and_(day_col == day, same))


def _keyset(session: Session, stmt, *, day_col, id_col, start: Cursor | None, limit: int, descending: bool,
            key_of) -> Page:
    """One page from `start` (inclusive); the next page's cursor is its first row's key."""
    if start is not None:
        stmt = stmt.where(_beyond(day_col, id_col, start, descending=descending, inclusive=True))
    order = (col(day_col).desc(), col(id_col).desc()) if descending else (day_col, id_col)
    rows = list(session.exec(stmt.order_by(*order).limit(limit + 1)).all())
    nxt = encode_cursor(key_of(rows[limit])) if len(rows) > limit else None
    return Page(rows=rows[:limit], next_cursor=nxt, paged=start is not None)


def open_invoices_page(session: Session, *, account_id: str, start: Cursor | None, limit: int = INVOICE_PAGE) -> Page:
    """Open invoices by due date, then number."""
    stmt = select(Invoice).where(Invoice.account_id == account_id, Invoice.open_minor > 0)
    return _keyset(session, stmt, day_col=Invoice.due_date, id_col=Invoice.invoice_number, start=start, limit=limit,
                   descending=False, key_of=lambda i: (i.due_date, i.invoice_number))


def payments_page(session: Session, *, account_id: str, start: Cursor | None, limit: int = PAYMENT_PAGE) -> Page:
    """Every payment of the account (fully allocated ones too), newest received first."""
    stmt = select(Payment).where(Payment.account_id == account_id)
    return _keyset(session, stmt, day_col=Payment.received_date, id_col=Payment.payment_id, start=start, limit=limit,
                   descending=True, key_of=lambda p: (p.received_date, p.payment_id))


def allocation_history(session: Session, *, account_id: str, before: int | None, limit: int) -> Page:
    """The account's allocations newest first, each with the request that caused it: its
    review item when it has one, else the stored message's subject and Message-ID."""
    stmt = (select(Allocation, ReviewItem.id, ReviewItem.case_ref, InboundMessage.subject, InboundMessage.message_id)
            .join(Payment, col(Payment.payment_id) == col(Allocation.payment_id))
            .outerjoin(InboundMessage, col(InboundMessage.id) == col(Allocation.inbound_id))
            .outerjoin(ReviewItem, col(ReviewItem.inbound_id) == col(Allocation.inbound_id))
            .where(Payment.account_id == account_id))
    if before is not None:
        stmt = stmt.where(col(Allocation.id) < before)
    rows = session.exec(stmt.order_by(col(Allocation.id).desc()).limit(limit + 1)).all()
    history = [HistoryRow(id=a.id, created_at=a.created_at, payment_id=a.payment_id, invoice_number=a.invoice_number,
                          currency=a.currency, amount_minor=a.amount_minor, created_by=a.created_by,
                          inbound_id=a.inbound_id, review_item_id=item_id, case_ref=case_ref, subject=subject,
                          message_id=message_id)
               for a, item_id, case_ref, subject, message_id in rows[:limit]]
    nxt = str(history[-1].id) if len(rows) > limit else None
    return Page(rows=history, next_cursor=nxt, paged=before is not None)


def account_page(session: Session, *, account_id: str, invoices_from: Cursor | None = None,
                 payments_from: Cursor | None = None, history_before: int | None = None,
                 history_limit: int = 50, invoice_limit: int = INVOICE_PAGE,
                 payment_limit: int = PAYMENT_PAGE) -> AccountPage | None:
    """Everything the account page shows; None for an unknown account."""
    account = session.get(Account, account_id)
    if account is None:
        return None
    contacts = list(session.exec(select(Contact).where(Contact.account_id == account_id)
                                 .order_by(Contact.role, Contact.email)).all())
    payment_count = session.exec(select(func.count()).select_from(Payment).where(Payment.account_id == account_id)).one()
    allocation_count = session.exec(select(func.count()).select_from(Allocation)
                                    .join(Payment, col(Payment.payment_id) == col(Allocation.payment_id))
                                    .where(Payment.account_id == account_id)).one()
    return AccountPage(
        account=account, contacts=contacts,
        open_invoices=_totals(session, table=Invoice, balance=Invoice.open_minor, account_id=account_id),
        unallocated=_totals(session, table=Payment, balance=Payment.unallocated_minor, account_id=account_id),
        payment_count=payment_count,
        invoices=open_invoices_page(session, account_id=account_id, start=invoices_from, limit=invoice_limit),
        payments=payments_page(session, account_id=account_id, start=payments_from, limit=payment_limit),
        history=allocation_history(session, account_id=account_id, before=history_before, limit=history_limit),
        allocation_count=allocation_count,
    )


# ------------------------------------------------------------------------- search

_SEPARATORS = re.compile(r"[\s\-_./]+")


def compact_id(text: str) -> str:
    """An identifier as typed, made comparable: no spaces, hyphens, dots or slashes; upper case."""
    return _SEPARATORS.sub("", text).upper()


def _compacted(column):
    """A stored identifier compacted in SQL the way `compact_id` compacts what was typed."""
    return func.replace(func.replace(func.upper(column), " ", ""), "-", "")


def _page_start(session: Session, *, table, day_col, id_col, extra, row, key: Cursor, limit: int,
                descending: bool) -> str | None:
    """The cursor of the page an account-list row is on (None when it is on the first page).
    Pages start at a row key, so a row further down starts its own page."""
    before = session.exec(select(func.count()).select_from(table)
                          .where(table.account_id == row.account_id, *extra,
                                 _beyond(day_col, id_col, key, descending=not descending, inclusive=False))).one()
    return encode_cursor(key) if before >= limit else None


def search(session: Session, *, q: str, limit: int = SEARCH_LIMIT, invoice_page: int = INVOICE_PAGE,
           payment_page: int = PAYMENT_PAGE) -> SearchResults:
    """Accounts by id or name (case-insensitive, contains); invoices by number and payments by
    id, however spaced, hyphenated or cased; payments also by reference or payer name."""
    results = SearchResults()
    text = q.strip().lower()
    if not text:
        return results
    compact = compact_id(q)

    accounts = session.exec(select(Account).where(or_(func.lower(Account.account_id).contains(text, autoescape=True),
                                                      func.lower(Account.name).contains(text, autoescape=True)))
                            .order_by(Account.account_id).limit(limit + 1)).all()
    results.accounts = [SearchHit("account", a.account_id, a) for a in accounts[:limit]]
    if len(accounts) > limit:
        results.more.add("account")

    if compact:
        invoices = session.exec(select(Invoice).where(_compacted(Invoice.invoice_number).contains(compact, autoescape=True))
                                .order_by(Invoice.invoice_number).limit(limit + 1)).all()
        for i in invoices[:limit]:
            cursor = None
            if i.open_minor > 0:
                cursor = _page_start(session, table=Invoice, day_col=Invoice.due_date, id_col=Invoice.invoice_number,
                                     extra=(Invoice.open_minor > 0,), row=i, key=(i.due_date, i.invoice_number),
                                     limit=invoice_page, descending=False)
            results.invoices.append(SearchHit("invoice", i.account_id, i, cursor))
        if len(invoices) > limit:
            results.more.add("invoice")

    conditions = [func.lower(Payment.reference).contains(text, autoescape=True),
                  func.lower(Payment.payer_name).contains(text, autoescape=True)]
    if compact:
        conditions.append(_compacted(Payment.payment_id).contains(compact, autoescape=True))
    payments = session.exec(select(Payment).where(or_(*conditions))
                            .order_by(Payment.payment_id).limit(limit + 1)).all()
    for p in payments[:limit]:
        cursor = _page_start(session, table=Payment, day_col=Payment.received_date, id_col=Payment.payment_id, extra=(),
                             row=p, key=(p.received_date, p.payment_id), limit=payment_page, descending=True)
        results.payments.append(SearchHit("payment", p.account_id, p, cursor))
    if len(payments) > limit:
        results.more.add("payment")
    return results
