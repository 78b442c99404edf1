"""Which reply a decision gets, rendered and put in the outbox inside the deciding transaction;
and the limits against floods and bounces that hold requests or replies back (issue 5).

Replies go to the verified From address only. Unknown senders and mail that failed
SPF/DKIM/DMARC get no reply at all: answering them would mail whoever was impersonated.

Limits (the policy, pure, is `bot/replies/limits.py`):
- `flooding`: a request beyond `requests_per_sender_hour` from one sender is held for
  `review` with reason `rate_limited`, unread and unanswered.
- `queue_reply` queues nothing to an address that has `replies_per_address_hour` replies in
  the last hour, or whose last `bounce_threshold` replies bounced; it audits
  `reply_suppressed` instead.
- `note_bounce`: a bounce is traced to the reply it returns by that reply's Message-ID
  (`bot/intake/bounces.py`), which is marked `bounced` with the bounce's reason.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session

from bot.bootstrap import App
from bot.deciding.hints import payment_hints
from bot.intake.bounces import read_bounce
from bot.ledger import journal, postings, store
from bot.ledger.tables import InboundMessage, OutboundMessage
from bot.model import Decision, Evidence, Reason, Sender, Status
from bot.reading.mime import Mail
from bot.replies import limits
from bot.replies.compose import compose_reply, new_message_id
from bot.replies.render import BillingSnapshot, render_reply

NO_REPLY_REASONS = frozenset({Reason.UNKNOWN_SENDER, Reason.SENDER_AUTH_FAILED})


def reply_kind(decision: Decision, *, acknowledge_review: bool) -> str | None:
    if decision.status is Status.APPLIED:
        return "confirmation"
    if decision.status is Status.CANCELLED:
        return "cancelled"
    if NO_REPLY_REASONS & set(decision.reasons) or Reason.RATE_LIMITED in decision.reasons:
        return None
    if decision.status is Status.NEEDS_INFO:
        return "needs_info"
    if decision.status is Status.REVIEW and acknowledge_review:
        return "review_ack"
    return None


def _snapshot(session: Session, decision: Decision) -> BillingSnapshot | None:
    if not decision.account_id:
        return None
    account, invoices, unallocated, _ = store.billing_view(session, account_id=decision.account_id, recent=0)
    if account is None:
        return None
    # The updated billing view: the request's payments (even when now fully allocated) and
    # every other payment of the account that still has money unallocated.
    named = sorted({a.payment_id for a in decision.allocations})
    shown = {p.payment_id: p for p in unallocated if p.payment_id in named}
    if len(shown) < len(named):  # fully allocated now: no longer among the unallocated
        shown.update((p.payment_id, p) for p in store.payments_by_id(session, payment_ids=set(named) - set(shown)))
    involved = [shown[pid] for pid in named if pid in shown]
    others = [p for p in unallocated if p.payment_id not in shown]
    return BillingSnapshot(account=account, open_invoices=tuple(invoices), payments=tuple(involved + others))


def queue_reply(session: Session, app: App, *, inbound: InboundMessage, mail: Mail, sender: Sender,
                decision: Decision, case_ref: str | None, now: datetime) -> OutboundMessage | None:
    """The reply queued for this decision, or None: no reply is due, or a limit holds it back
    (audited as `reply_suppressed`)."""
    kind = reply_kind(decision, acknowledge_review=app.settings.acknowledge_review)
    if kind is None or not sender.address:
        return None
    if kind == "confirmation" and postings.confirmation_waits(session, inbound_id=inbound.id,
                                                              confirm_when=app.settings.confirm_when):
        # confirmed when the billing view shows it (bot/posting/confirming.py); a note first if asked
        inbound.confirm_due = True
        session.add(inbound)
        journal.audit(session, actor="allocbot", action="confirmation_deferred", inbound_id=inbound.id, now=now,
                      detail={"confirm_when": app.settings.confirm_when, "billing": app.billing.name})
        if not app.settings.acknowledge_pending:
            return None
        kind = "pending_ack"
    if (refusal := reply_refusal(session, app, to_addr=sender.address, now=now)) is not None:
        journal.audit(session, actor="allocbot", action="reply_suppressed", inbound_id=inbound.id, now=now,
                      detail={"kind": kind, "to": sender.address, "reason": refusal.reason, "detail": refusal.detail})
        return None
    snapshot = _snapshot(session, decision)
    locale = snapshot.account.locale if snapshot else app.settings.default_locale
    content = render_reply(kind, decision=decision, snapshot=snapshot, locale=locale, case_ref=case_ref,
                           original_subject=mail.subject, sender_name=sender.display_name,
                           templates_dir=app.templates / "email",
                           hints=payment_hints(snapshot.payments, snapshot.open_invoices,
                                                  invoice_pattern=app.settings.invoice_pattern) if snapshot else None)
    # Stored with the outbox row, so a retry re-sends the same id; the random part keeps ids
    # unique across database resets and environments that share the domain.
    message_id = new_message_id(app.settings.from_address, f"allocbot.{inbound.id}.{kind}.{secrets.token_hex(6)}")
    raw = compose_reply(content, to_addr=sender.address, to_name=sender.display_name,
                        from_addr=app.settings.from_address, from_name=app.settings.from_name,
                        in_reply_to=mail.message_id, references=mail.references, message_id=message_id,
                        loop_header=app.settings.loop_header, date=now)
    return journal.queue_outbound(session, inbound_id=inbound.id, kind=kind, to_addr=sender.address,
                                  message_id=message_id, raw=raw, now=now)


# ---- limits against floods and bounces -----------------------------------------------------

def reply_refusal(session: Session, app: App, *, to_addr: str, now: datetime) -> limits.Refusal | None:
    """Why no reply may be queued to `to_addr` now (too many within the hour, or it keeps
    bouncing), or None."""
    settings = app.settings
    return limits.reply_refusal(
        replies_last_hour=journal.count_replies_to(session, to_addr=to_addr, since=limits.window_start(now),
                                                   at_most=settings.replies_per_address_hour),
        per_hour=settings.replies_per_address_hour,
        recent_statuses=journal.recent_reply_statuses(session, to_addr=to_addr, statuses=limits.LEFT_OUTBOX,
                                                      limit=settings.bounce_threshold),
        bounce_threshold=settings.bounce_threshold)


def flooding(session: Session, app: App, *, inbound: InboundMessage) -> tuple[Decision, dict] | None:
    """The hold (`review`, `rate_limited`, no reply) for a message whose sender already sent
    `requests_per_sender_hour` requests within the hour before it, with the figures for the
    audit; None otherwise. Reads only: the deciding step writes what it returns.

    The message is not read: under a flood that is the point. Earlier means stored before it,
    so the first requests of a flood are the ones decided normally. Counting stops at the
    limit, so each check reads at most `requests_per_sender_hour` index entries."""
    per_hour = app.settings.requests_per_sender_hour
    sender = inbound.sender_addr or ""
    earlier = journal.count_earlier_requests(session, sender_addr=sender, since=limits.window_start(inbound.received_at),
                                             before_id=inbound.id, at_most=per_hour)
    if not limits.sender_over_limit(earlier_requests=earlier, per_hour=per_hour):
        return None
    evidence = Evidence("sender_rate_limit", f"at least {earlier} earlier requests from {sender or 'this sender'} within "
                                             f"the hour before this one; the limit is {per_hour} an hour", reason=Reason.RATE_LIMITED)
    return (Decision(Status.REVIEW, (Reason.RATE_LIMITED,), evidence=(evidence,)),
            {"rate_limit": {"sender": sender, "earlier_requests": earlier, "per_hour": per_hour}})


def note_bounce(session: Session, app: App, *, inbound: InboundMessage, msg: EmailMessage, now: datetime) -> list[OutboundMessage]:
    """Trace a bounce (message `inbound`) to the replies it returns and mark them `bounced`
    with its reason. Audited on the bounce (`bounce_traced` / `bounce_untraced`), on each
    reply's request (`reply_bounced`), and `replies_stopped` when an address has now bounced
    `bounce_threshold` times in a row. A delay warning marks nothing. Returns the rows marked."""
    report = read_bounce(msg)
    rows = journal.mark_bounced(session, message_ids=list(report.message_ids), reason=report.reason or "bounced",
                                now=now) if report.failed else []
    journal.audit(session, actor="allocbot", action="bounce_traced" if rows else "bounce_untraced", inbound_id=inbound.id,
                  now=now, detail={"failed": report.failed, "message_ids": list(report.message_ids), "reason": report.reason,
                                   "recipients": list(report.recipients), "outbound_ids": [r.id for r in rows]})
    threshold = app.settings.bounce_threshold
    for row in rows:
        journal.audit(session, actor="allocbot", action="reply_bounced", inbound_id=row.inbound_id, now=now,
                      detail={"outbound_id": row.id, "kind": row.kind, "to": row.to_addr, "message_id": row.message_id,
                              "reason": row.bounce_reason, "bounce_inbound_id": inbound.id})
    for to_addr in dict.fromkeys(r.to_addr for r in rows):
        recent = journal.recent_reply_statuses(session, to_addr=to_addr, statuses=limits.LEFT_OUTBOX, limit=threshold)
        if limits.replies_stopped(recent, bounce_threshold=threshold):
            journal.audit(session, actor="allocbot", action="replies_stopped", inbound_id=inbound.id, now=now,
                          detail={"to": to_addr, "bounce_threshold": threshold,
                                  "detail": f"the last {threshold} replies to {to_addr} bounced; no more replies go to it"})
    return rows
