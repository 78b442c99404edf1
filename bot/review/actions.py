"""What a billing admin can do with a queue item: approve the bot's proposal, edit it and
apply, ask the partner for information, reject with a reason, or dismiss without a reply.

Each action is one transaction, and its first statement is the conditional UPDATE of the
review item (queries.claim_item): of two people acting at once only the first gets the
item; the second is told who handled it and nothing of theirs is written. A form may also
carry `seen`, the newest audit event of the message when the page was shown: if someone
acted since, the action is refused rather than applied on an outdated picture.

Every action is audited with who, when, what, and before/after: the item's and the
message's status and, for allocations, the balances of the payments and invoices touched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.bootstrap import App
from bot.deciding.lookalike import lookalike_evidence
from bot.deciding.sender import authorised_accounts
from bot.ledger import journal, store
from bot.ledger.tables import InboundMessage, ReviewItem
from bot.ledger.trust_queries import contact_domains
from bot.model import Allocation, Decision, LedgerView, Reason, Status
from bot.replies.queue import queue_reply
from bot.replies.render import ReplyContent
from bot.review import queries
from bot.review.proposal import parse_evidence, proposal_from
from bot.review.replying import (
    Original, ask_content, no_reply_because, queue_custom_reply, read_original, reasons_of, rejected_content, reply_locale,
)
from bot.review.validate import EditLine, check_allocations

MAX_TEXT = 10_000


@dataclass(frozen=True)
class Outcome:
    """What came of an action: `done` names it for the page's flash; `message` says why not."""

    ok: bool
    done: str = ""
    message: str = ""
    status_code: int = 200


class Refused(Exception):
    def __init__(self, message: str, status_code: int = 422) -> None:
        super().__init__(message)
        self.message, self.status_code = message, status_code


@dataclass
class _Ctx:
    app: App
    session: Session
    actor: str
    now: datetime
    item: ReviewItem
    inbound: InboundMessage
    item_before: str
    original: Original


def _run(session: Session, app: App, *, item_id: int, actor: str, seen: int | None, to_status: str, resolution: str,
         body: Callable[[_Ctx], str]) -> Outcome:
    """Claim the item, run the action, commit; on refusal roll everything back (the claim too)."""
    if session.in_transaction():
        session.rollback()  # start fresh: the claim is the first statement of this transaction
    now = app.clock()
    try:
        before = queries.claim_item(session, item_id=item_id, to_status=to_status, resolution=resolution, actor=actor, now=now)
        item = session.get(ReviewItem, item_id)
        if item is None:
            raise Refused("There is no such item.", 404)
        if before is None:
            raise Refused(_handled_by(session, item), 409)
        if seen is not None and queries.last_event_id(session, inbound_id=item.inbound_id) != seen:
            session.rollback()  # undo our claim first, so the message names who really acted
            item = session.get(ReviewItem, item_id)
            raise Refused("Someone acted on this item since you opened it: " + _handled_by(session, item, lead=""), 409)
        inbound = session.get(InboundMessage, item.inbound_id)
        ctx = _Ctx(app, session, actor, now, item, inbound, before, read_original(app, inbound))
        done = body(ctx)
        session.commit()
        return Outcome(True, done=done)
    except Refused as exc:
        session.rollback()
        return Outcome(False, message=exc.message, status_code=exc.status_code)
    except BaseException:
        session.rollback()
        raise


def _handled_by(session: Session, item: ReviewItem, *, lead: str = "Already handled by ") -> str:
    event = queries.last_person_event(session, inbound_id=item.inbound_id)
    who = item.closed_by or (event.actor if event else "someone")
    what = item.resolution or (event.action if event else item.status)
    return f"{lead}{who} ({what}); nothing was changed."


def _audit(ctx: _Ctx, action: str, item_after: str, **detail: Any) -> None:
    journal.audit(ctx.session, actor=ctx.actor, action=action, inbound_id=ctx.inbound.id, now=ctx.now, detail={
        "case_ref": ctx.item.case_ref, "item_status": {"before": ctx.item_before, "after": item_after},
        "reasons": list(reasons_of(ctx.inbound)), **detail})


# ---- approve / edit and apply -------------------------------------------------------------

def _money(allocations: tuple[Allocation, ...]) -> list[dict[str, str]]:
    return [{"payment_id": a.payment_id, "invoice_number": a.invoice_number, "amount": str(a.amount.amount),
             "currency": a.amount.currency} for a in allocations]


def _balances(view: LedgerView, allocations: tuple[Allocation, ...]) -> dict[str, str]:
    out = {}
    for a in allocations:
        if (p := view.payment(a.payment_id)) is not None:
            out[a.payment_id] = f"{p.unallocated.amount} {p.unallocated.currency} unallocated"
        if (i := view.invoice(a.invoice_number)) is not None:
            out[a.invoice_number] = f"{i.open_amount.amount} {i.open_amount.currency} open"
    return out


def _view(ctx: _Ctx, lines: list[EditLine]) -> LedgerView:
    return store.ledger_view(ctx.session, sender=ctx.original.sender.address,
                             invoice_numbers=[line.invoice_number for line in lines], payment_ids=[line.payment_id for line in lines])


def _apply(ctx: _Ctx, lines: list[EditLine], resolution: str) -> str:
    view = _view(ctx, lines)
    sender_accounts, _, _ = authorised_accounts(ctx.original.sender, view.contacts, allowed_roles=ctx.app.settings.allowed_roles)
    checked = check_allocations(lines, payments={p.payment_id: p for p in view.payments},
                                invoices={i.invoice_number: i for i in view.invoices},
                                request_account=ctx.inbound.account_id, sender_accounts=sender_accounts)
    if not checked.ok:
        raise Refused("Nothing was applied: " + "; ".join(checked.problems) + ".")
    repeated = queries.allocated_since(ctx.session, pairs=[(a.payment_id, a.invoice_number) for a in checked.allocations],
                                       since=ctx.item.created_at)
    if repeated:  # e.g. the partner answered and the bot applied the answer: applying again would book it twice
        raise Refused("Nothing was applied: " + "; ".join(f"{p} was already allocated to {i} by {who} after this request arrived"
                                                          for p, i, who in repeated) + ". Check the billing view.", 409)
    before = _balances(view, checked.allocations)
    try:
        store.apply_allocations(ctx.session, allocations=checked.allocations, inbound_id=ctx.inbound.id, actor=ctx.actor,
                                now=ctx.now, reflected=ctx.app.billing.reflects_at_once)
    except store.LedgerConflict as exc:  # the money moved since it was checked: nothing is applied
        raise Refused(f"The ledger refused it ({exc}); nothing was applied.", 409) from exc
    ctx.session.expire_all()
    after = _balances(_view(ctx, lines), checked.allocations)
    inbound_before = ctx.inbound.status
    ctx.inbound.status = Status.APPLIED.value  # the reasons it was held for stay on the message
    ctx.session.add(ctx.inbound)
    blocked = no_reply_because(ctx.inbound, ctx.original.sender)
    if blocked is None and checked.account_id not in sender_accounts:  # the confirmation shows the account's billing view
        blocked = f"the sender is not an authorised contact of account {checked.account_id}"
    if blocked is None:
        decision = Decision(Status.APPLIED, (), checked.account_id, checked.allocations)
        queued = queue_reply(ctx.session, ctx.app, inbound=ctx.inbound, mail=ctx.original.mail, sender=ctx.original.sender,
                             decision=decision, case_ref=ctx.item.case_ref, now=ctx.now)
        if queued is None and not ctx.inbound.confirm_due:  # a rate or bounce limit held it back (audited)
            blocked = "a reply limit for this address held the confirmation back"
    proposed = proposal_from(queries.audit_events(ctx.session, inbound_id=ctx.inbound.id)).allocations
    _audit(ctx, resolution, "closed", inbound_status={"before": inbound_before, "after": Status.APPLIED.value},
           account_id=checked.account_id, proposed=_money(proposed), allocations=_money(checked.allocations),
           balances={"before": before, "after": after}, no_reply=blocked,
           reply=None if blocked else ("confirmation when the billing system shows it" if ctx.inbound.confirm_due
                                       else "confirmation"))
    return resolution


LOOKALIKE_FIELD = "confirm_lookalike"  # the form's checkbox, value "yes"


def lookalike_warning(session: Session, *, inbound: InboundMessage, sender_address: str) -> str | None:
    """Why this mail may be impersonating an account (the decision's evidence, else the
    contacts' domains now), or None. Only an unknown sender can be a look-alike."""
    for e in parse_evidence(inbound.evidence):
        if e.rule == "lookalike_sender":
            return e.detail
    if Reason.UNKNOWN_SENDER.value not in reasons_of(inbound) or not sender_address:
        return None
    flag = lookalike_evidence(sender_address, contact_domains(session))
    return flag.detail if flag else None


def _require_lookalike_confirmed(ctx: _Ctx, confirmed: bool) -> None:
    warning = lookalike_warning(ctx.session, inbound=ctx.inbound, sender_address=ctx.original.sender.address)
    if warning and not confirmed:
        raise Refused(f"Nothing was applied: this mail may be impersonating an account ({warning}). Confirm with the "
                      "account by phone or a known address, then tick \"I have confirmed this sender\" to apply.")


def approve(session: Session, app: App, *, item_id: int, actor: str, seen: int | None = None,
            confirm_lookalike: bool = False) -> Outcome:
    """Apply the allocations the bot proposed, after the same checks as the bot's own."""
    def body(ctx: _Ctx) -> str:
        _require_lookalike_confirmed(ctx, confirm_lookalike)
        proposal = proposal_from(queries.audit_events(session, inbound_id=ctx.inbound.id)).allocations
        if not proposal:
            raise Refused("The bot proposed no allocations for this request; use Edit and apply.")
        view = _view(ctx, [EditLine(a.payment_id, a.invoice_number, "") for a in proposal])
        for a in proposal:
            row = view.payment(a.payment_id)
            if row is not None and row.amount.currency != a.amount.currency:
                raise Refused(f"Nothing was applied: payment {a.payment_id} is now in {row.amount.currency}, "
                              f"the proposal in {a.amount.currency}.")
        return _apply(ctx, [EditLine(a.payment_id, a.invoice_number, str(a.amount.amount)) for a in proposal], "approved")
    return _run(session, app, item_id=item_id, actor=actor, seen=seen, to_status="closed", resolution="approved", body=body)


def edit_and_apply(session: Session, app: App, *, item_id: int, actor: str, lines: list[EditLine],
                   seen: int | None = None, confirm_lookalike: bool = False) -> Outcome:
    """Apply allocations a person chose (payment, invoices, amounts), checked like the bot's."""
    def body(ctx: _Ctx) -> str:
        _require_lookalike_confirmed(ctx, confirm_lookalike)
        return _apply(ctx, lines, "edited")
    return _run(session, app, item_id=item_id, actor=actor, seen=seen, to_status="closed", resolution="edited", body=body)


# ---- replies without money -------------------------------------------------------------

def _text(value: str, what: str) -> str:
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Refused(f"Write {what} first.")
    if len(text) > MAX_TEXT:
        raise Refused(f"{what.capitalize()} is too long (at most {MAX_TEXT} characters).")
    return text


def ask(session: Session, app: App, *, item_id: int, actor: str, body: str, seen: int | None = None) -> Outcome:
    """Send the partner a needs_info reply with the person's text; the item waits for the answer."""
    def run(ctx: _Ctx) -> str:
        text = _text(body, "the question")
        blocked = no_reply_because(ctx.inbound, ctx.original.sender)
        if blocked:
            raise Refused(f"No question can be sent: {blocked}.")
        locale = reply_locale(session, app, account_id=ctx.inbound.account_id, sender=ctx.original.sender)
        template = ask_content(app, locale=locale, original=ctx.original, inbound=ctx.inbound,
                               evidence=parse_evidence(ctx.inbound.evidence), case_ref=ctx.item.case_ref)
        reply = queue_custom_reply(session, app, inbound=ctx.inbound, original=ctx.original, kind="needs_info",
                                   content=ReplyContent(template.subject, text + "\n", template.locale), now=ctx.now)
        _audit(ctx, "asked", "waiting", reply="needs_info", to=reply.to_addr, message_id=reply.message_id,
               subject=template.subject, body=text)
        return "asked"
    return _run(session, app, item_id=item_id, actor=actor, seen=seen, to_status="waiting", resolution="", body=run)


def reject(session: Session, app: App, *, item_id: int, actor: str, reason: str, seen: int | None = None) -> Outcome:
    """Close the item as rejected and tell the partner why (the templated `rejected` reply)."""
    def run(ctx: _Ctx) -> str:
        text = _text(reason, "a reason")
        blocked = no_reply_because(ctx.inbound, ctx.original.sender)
        reply = None
        if blocked is None:
            locale = reply_locale(session, app, account_id=ctx.inbound.account_id, sender=ctx.original.sender)
            content = rejected_content(app, locale=locale, original=ctx.original, case_ref=ctx.item.case_ref, reason=text)
            reply = queue_custom_reply(session, app, inbound=ctx.inbound, original=ctx.original, kind="rejected",
                                       content=content, now=ctx.now)
        _audit(ctx, "rejected", "closed", reason=text, reply="rejected" if reply else None,
               to=reply.to_addr if reply else None, message_id=reply.message_id if reply else None, no_reply=blocked)
        return "rejected"
    return _run(session, app, item_id=item_id, actor=actor, seen=seen, to_status="closed", resolution="rejected", body=run)


def dismiss(session: Session, app: App, *, item_id: int, actor: str, note: str = "", seen: int | None = None) -> Outcome:
    """Close the item without a reply (spam, a duplicate, handled elsewhere), with an optional note."""
    def run(ctx: _Ctx) -> str:
        _audit(ctx, "dismissed", "closed", note=(note or "").strip()[:MAX_TEXT], reply=None)
        return "dismissed"
    return _run(session, app, item_id=item_id, actor=actor, seen=seen, to_status="closed", resolution="dismissed", body=run)


__all__ = ["LOOKALIKE_FIELD", "MAX_TEXT", "Outcome", "Refused", "approve", "ask", "dismiss", "edit_and_apply",
           "lookalike_warning", "reject"]
