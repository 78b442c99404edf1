"""The exception queue: every review and needs_info request, filtered, searched, counted per
reason and paged by keyset. Every filter is a GET parameter, so a view can be bookmarked."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from bot.ledger.assignment import AssignRefused, assign
from bot.ledger.keyset import Cursor
from bot.ledger.queue_queries import (
    AGE_CHOICES, ITEM_STATUSES, QueueFilter, QueueRow, decisions_of, next_item_id, payment_states, queue_page,
    reason_counts,
)
from bot.ledger.users import list_users
from bot.model import named_ids
from bot.review import actions
from bot.review.proposal import parse_request, proposal_from
from bot.review.queue_columns import amount_text, proposal_text, used_up
from bot.web.deps import WebUser, acting_user, current_user, db, get_app
from bot.web.render import page
from bot.web.security import require_csrf

router = APIRouter()

_REASON = re.compile(r"[a-z][a-z_]{0,63}")


NOTES = {
    "none_next": "No other open item is waiting for you: everything left is assigned to someone else.",
    "claimed": "The item is yours now.", "assigned": "The item is assigned.", "released": "The item is nobody's now.",
    "bulk_rejected": "Rejected {n} item(s); each partner will be told the reason.",
}
ASSIGNED_CHOICES = ("mine", "unassigned")
MAX_BULK = 200


@dataclass(frozen=True)
class ShownRow:
    """A queue row with the words the page shows beside it."""

    row: QueueRow
    amount: str
    proposal: str
    used_up: tuple[str, ...]  # named payments already spent to 0 (for items not yet closed)


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, status: str = "active", reason: str = "", account: str = "", older_than: str = "",
          q: str = "", sort: str = "newest", after: str = "", before: str = "", assigned: str = "", note: str = "",
          n: str = "", user: WebUser = Depends(current_user), session: Session = Depends(db)) -> HTMLResponse:
    filters = read_filters(status=status, reason=reason, account=account, older_than=older_than, q=q, sort=sort,
                           assigned=assigned, me=user.email)
    count = n if re.fullmatch(r"\d{1,4}", n) else "0"
    return queue_view(request, session, user, filters, after=after, before=before,
                      note=NOTES.get(note, "").replace("{n}", count))


def queue_view(request: Request, session: Session, user: WebUser, filters: QueueFilter, *, after: str = "",
               before: str = "", note: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    app = get_app(request)
    now = app.clock()
    rows = queue_page(session, filters=filters, now=now, size=app.settings.web_page_size,
                      after=Cursor.parse(after), before=Cursor.parse(before))
    counts = reason_counts(session, filters=filters, now=now)
    admins = [u.email for u in list_users(session) if u.role == "billing_admin" and u.active]
    return page(request, "queue.html", user=user, now=now, filters=filters, page_rows=rows, counts=counts,
                shown=shown_rows(session, rows.rows), admins=admins, note=note, error=error, status_code=status_code,
                statuses=list(ITEM_STATUSES), ages=AGE_CHOICES, assigned_choices=ASSIGNED_CHOICES,
                link=lambda **changes: queue_link(filters, **changes), paged=bool(after or before))


def shown_rows(session: Session, rows: list[QueueRow]) -> list[ShownRow]:
    """Amount, proposal and used-up payments for a page: two queries, whatever the page size."""
    requests = {r.id: parse_request(r.request_json) for r in rows}
    payment_ids = [p for req in requests.values() for p in named_ids(req)[0]]
    payments = payment_states(session, payment_ids=payment_ids)
    decisions = decisions_of(session, inbound_ids=[r.inbound_id for r in rows])
    return [ShownRow(row=r, amount=amount_text(requests[r.id], payments),
                     proposal=proposal_text(proposal_from(decisions.get(r.inbound_id, [])).allocations),
                     used_up=used_up(requests[r.id], payments) if r.item_status != "closed" else ()) for r in rows]


@router.get("/queue/next")
def next_item(request: Request, after: str = "", user: WebUser = Depends(current_user),
              session: Session = Depends(db)) -> RedirectResponse:
    """The oldest open item after this one that is nobody's or mine; the queue with a note if none."""
    after_id = int(after) if re.fullmatch(r"\d{1,18}", after.strip()) else None
    found = next_item_id(session, after_id=after_id, me=user.email)
    return RedirectResponse(f"/items/{found}" if found else "/queue?note=none_next", status_code=303)


async def form_data(request: Request) -> FormData:
    return await request.form()  # already read (and cached) by require_csrf


def _back(**params: str) -> RedirectResponse:
    return RedirectResponse("/queue?" + urlencode(params), status_code=303)


def _refuse(request: Request, session: Session, user: WebUser, message: str, *, note: str = "",
            status_code: int = 422) -> HTMLResponse:
    """The queue again with what went wrong (nothing of the refused part was written)."""
    session.rollback()
    return queue_view(request, session, user, QueueFilter(me=user.email), note=note, error=message,
                      status_code=status_code)


@router.post("/queue/items/{item_id}/assign", dependencies=[Depends(require_csrf)])
def assign_item(request: Request, item_id: int, user: WebUser = Depends(acting_user), session: Session = Depends(db),
                form: FormData = Depends(form_data)) -> Response:
    """Claim (to = me), assign to another billing admin, or release (to = "")."""
    act = form.get("act")
    to = user.email if act == "claim" else "" if act == "release" else str(form.get("to") or "").strip().lower()
    admins = {u.email for u in list_users(session) if u.role == "billing_admin" and u.active}
    if to and to not in admins:
        return _refuse(request, session, user, f"{to} is not an active billing admin; the item was not assigned.")
    try:
        assign(session, item_id=item_id, to=to, actor=user.email, now=get_app(request).clock())
    except AssignRefused as exc:
        return _refuse(request, session, user, str(exc), status_code=409)
    session.commit()
    return _back(note="released" if not to else ("claimed" if to == user.email else "assigned"))


@router.post("/queue/reject", dependencies=[Depends(require_csrf)])
def bulk_reject(request: Request, user: WebUser = Depends(acting_user), session: Session = Depends(db),
                form: FormData = Depends(form_data)) -> Response:
    """Reject each ticked item through the item's own reject action (each audited, each its own
    transaction): one that someone else handled meanwhile is reported, the others go through."""
    ids = [int(v) for v in form.getlist("item") if isinstance(v, str) and re.fullmatch(r"\d{1,18}", v)][:MAX_BULK]
    reason = str(form.get("reason") or "").strip()
    if not ids:
        return _refuse(request, session, user, "Tick at least one item to reject.")
    if not reason:
        return _refuse(request, session, user, "Give the reason the partners will be told; nothing was rejected.")
    done, refused = 0, []
    for item_id in dict.fromkeys(ids):
        outcome = actions.reject(session, get_app(request), item_id=item_id, actor=user.email, reason=reason)
        if outcome.ok:
            done += 1
        else:
            refused.append(f"#{item_id}: {outcome.message}")
    if refused:
        return _refuse(request, session, user, "Not rejected: " + " ".join(refused),
                       note=NOTES["bulk_rejected"].replace("{n}", str(done)), status_code=409)
    return _back(note="bulk_rejected", n=str(done))


def read_filters(*, status: str, reason: str, account: str, older_than: str, q: str, sort: str,
                 assigned: str = "", me: str = "") -> QueueFilter:
    """The filter a query string asks for; anything unrecognised means "any"."""
    reason = reason.strip()
    days = int(older_than) if re.fullmatch(r"\d{1,4}", older_than.strip()) else 0
    return QueueFilter(status=status if status in ITEM_STATUSES else "active",
                       reason=reason if _REASON.fullmatch(reason) else "",
                       account=account.strip()[:64], older_than=min(days, 36500), q=q.strip()[:200],
                       oldest_first=sort == "oldest", assigned=assigned if assigned in ASSIGNED_CHOICES else "",
                       me=me)


def queue_link(filters: QueueFilter, **changes: object) -> str:
    """/queue with this filter, some values changed (paging cursors are dropped unless given)."""
    params: dict[str, object] = {"status": filters.status, "reason": filters.reason, "account": filters.account,
                                 "older_than": filters.older_than or "", "q": filters.q,
                                 "sort": "oldest" if filters.oldest_first else "", "assigned": filters.assigned}
    params.update(changes)
    defaults = {"status": "active"}
    kept = {k: v for k, v in params.items() if v not in ("", None) and defaults.get(k) != v}
    return "/queue" + (f"?{urlencode(kept)}" if kept else "")
