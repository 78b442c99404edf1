"""A partner's answer to a request that is still open: completing it, or cancelling it.

An answer is a message in the thread of an earlier request whose review item is still open
(our reply's Message-ID or their own earlier mail in In-Reply-To/References, or the case
reference in the subject). Only a registered contact allowed to move that request's
account's money may answer it; anybody else's message is decided on its own, and the earlier
item stays as it was.

- "Cancel" with nothing else asked: the earlier item is closed as `cancelled`, the answer's
  outcome is `cancelled`, and the partner is told (reply kind `cancelled`).
- An answer to a `needs_info` request: the answer is decided on its own first; if that does
  not apply it, the earlier request completed by the answer (`deciding/conversation.py`) is
  decided instead. Either way the earlier item is closed: `completed` when the answer was
  applied, `superseded` otherwise (the answer then has the queue item, with the earlier
  request's text in it).
- An answer to a request held for `review` is decided on its own (a person has the case);
  the earlier item stays open.

The earlier item is claimed (`claim_item`, a conditional UPDATE that takes its row lock)
before anything is decided, so a person acting on it at the same moment and the answer never
both move money.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from bot.bootstrap import App
from bot.deciding.conversation import cancel_span, case_refs, completed_text, names_any_id
from bot.deciding.match import decide
from bot.deciding.sender import authorised_accounts
from bot.ledger import journal, store
from bot.ledger.tables import InboundMessage, ReviewItem
from bot.ledger.trust_queries import trust_context
from bot.ledger.threads import open_origin, reopen, set_resolution
from bot.model import Decision, Evidence, LedgerView, Request, Sender, Status
from bot.reading.extract import read_request
from bot.reading.identifiers import find_ids, letter_prefix
from bot.reading.mime import Mail
from bot.review.queries import claim_item


@dataclass(frozen=True)
class Answer:
    """How an answer was decided, and what becomes of the earlier request's item."""

    request: Request
    decision: Decision
    origin: InboundMessage
    item: ReviewItem
    resolution: str  # completed | superseded | cancelled


def _may_answer(sender: Sender, origin: InboundMessage, view: LedgerView, app: App) -> bool:
    accounts = authorised_accounts(sender, view.contacts, allowed_roles=app.settings.allowed_roles)[0]
    if origin.account_id:
        return origin.account_id in accounts
    return bool(accounts) and sender.address == (origin.sender_addr or "")


def _earlier_text(origin: InboundMessage) -> str:
    try:
        return str(json.loads(origin.request or "{}").get("text") or "")
    except (ValueError, AttributeError):
        return ""


def _ids(text: str, pattern: str) -> list[str]:
    return [f.value for f in find_ids(text, pattern=pattern, prefix=letter_prefix(pattern)) if f.valid]


def _claim(session: Session, item: ReviewItem, app: App) -> str | None:
    """Close the item for the bot (as `superseded` until it knows better); the status it had,
    or None when a person closed it a moment ago."""
    return claim_item(session, item_id=item.id, to_status="closed", resolution="superseded", actor="allocbot",
                      now=app.clock())


def _answer_body(request: Request) -> str:
    """What the answer itself says: its read text without the subject line (quotes already cut)."""
    return request.text.partition("\n")[2]


def _completed(session: Session, app: App, *, origin: InboundMessage, item: ReviewItem, sender: Sender,
               answer: Request, mail: Mail) -> tuple[Request, Decision] | None:
    """The earlier request completed by the answer, decided; None when that reads no request."""
    settings = app.settings
    earlier = _earlier_text(origin)
    if not earlier:
        return None
    known = store.ledger_view(session, sender=sender.address, invoice_numbers=_ids(earlier, settings.invoice_pattern),
                              payment_ids=_ids(earlier, settings.any_payment_pattern))
    completion = completed_text(earlier, _answer_body(answer), invoice_pattern=settings.invoice_pattern,
                                payment_pattern=settings.any_payment_pattern,
                                known_invoices=frozenset(i.invoice_number for i in known.invoices),
                                known_payments=frozenset(p.payment_id for p in known.payments))
    if completion is None:
        return None
    request = read_request(subject=completion.subject, body=completion.body, extra_lines=[],
                           invoice_pattern=settings.invoice_pattern, payment_pattern=settings.any_payment_pattern,
                           sent=mail.date.date() if mail.date else None)
    if not request.instructions:
        return None
    view = store.request_view(session, sender=sender.address, request=request)
    decision = decide(request, sender, view, allowed_roles=settings.allowed_roles,
                      **trust_context(session, contacts=view.contacts, roles=settings.allowed_roles))
    what = (", ".join(f"{old} → {new}" for old, new in completion.replaced) if completion.replaced
            else "the answer's text read after the earlier request's")
    evidence = Evidence("conversation", f"read together with {item.case_ref} (message {origin.id}): {what}",
                        rows=tuple(new for _, new in completion.replaced))
    return request, replace(decision, evidence=(evidence, *decision.evidence))


def answer(session: Session, app: App, *, row: InboundMessage, mail: Mail, sender: Sender, request: Request,
           decision: Decision, view: LedgerView) -> Answer | None:
    """The message as an answer to an open earlier request, or None when it answers none
    (then it stands on its own). `decision` is the message decided on its own."""
    found = open_origin(session, message_ids=[mail.in_reply_to, *mail.references],
                        case_inbound_ids=case_refs(mail.subject), before_id=row.id)
    if found is None:
        return None
    origin, item = found
    if not _may_answer(sender, origin, view, app):
        return None
    settings, body = app.settings, _answer_body(request)
    bare = not request.instructions and not names_any_id(body, invoice_pattern=settings.invoice_pattern,
                                                         payment_pattern=settings.any_payment_pattern)
    if bare and (cancel := cancel_span(body)) is not None:
        if _claim(session, item, app) is None:
            return None  # a person closed it a moment ago
        evidence = Evidence("conversation", f"the partner cancelled {item.case_ref} (message {origin.id})", cancel)
        return Answer(request, Decision(Status.CANCELLED, (), origin.account_id, (), (evidence,)), origin, item, "cancelled")
    if origin.status != Status.NEEDS_INFO.value:
        return None  # a person has the case; the answer is decided on its own
    if decision.status is Status.APPLIED:  # complete on its own: it answers the request only if it moves its money
        if not _touches(decision, _earlier_text(origin), app) or _claim(session, item, app) is None:
            return None
        return Answer(request, decision, origin, item, "completed")
    if any(ins.lines and ins.payment_ids for ins in request.instructions):
        return None  # a request of its own, not applied: decided on its own, the earlier one stays open
    if (was := _claim(session, item, app)) is None:
        return None
    done = _completed(session, app, origin=origin, item=item, sender=sender, answer=request, mail=mail)
    if done is None:  # not a plain correction: the answer stands on its own, the earlier item stays open
        reopen(session, item_id=item.id, status=was)
        return None
    request, decision = done
    return Answer(request, decision, origin, item, "completed" if decision.status is Status.APPLIED else "superseded")


def _touches(decision: Decision, earlier: str, app: App) -> bool:
    """Whether the answer's allocations use the earlier request's payment or invoices."""
    named = {*_ids(earlier, app.settings.invoice_pattern), *_ids(earlier, app.settings.any_payment_pattern)}
    return any(a.payment_id in named or a.invoice_number in named for a in decision.allocations)


def close_origin(session: Session, *, answered: Answer, decision: Decision, inbound_id: int, now: datetime) -> str:
    """Record how the earlier item was closed (after the answer's allocations were written,
    which may have turned an apply into a hold); audited on the earlier request. Returns the
    resolution."""
    if decision.status is Status.CANCELLED:
        resolution = "cancelled"
    else:
        resolution = "completed" if decision.status is Status.APPLIED else "superseded"
    set_resolution(session, item_id=answered.item.id, resolution=resolution)
    journal.audit(session, actor="allocbot", action=f"item_{resolution}", inbound_id=answered.origin.id, now=now,
                  detail={"case_ref": answered.item.case_ref, "answer_inbound_id": inbound_id,
                          "answer_status": decision.status.value})
    return resolution
