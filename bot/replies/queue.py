"""Which reply a decision gets, rendered and put in the outbox inside the deciding transaction.

Replies go to the verified From address only. Unknown senders and mail that failed
SPF/DKIM/DMARC get no reply at all: answering them would mail whoever was impersonated.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session

from bot.bootstrap import App
from bot.ledger import journal, store
from bot.ledger.tables import InboundMessage
from bot.model import Decision, Reason, Sender, Status
from bot.reading.mime import Mail
from bot.replies.compose import compose_reply, new_message_id
from bot.replies.render import BillingSnapshot, render_reply

NO_REPLY_REASONS = frozenset({Reason.UNKNOWN_SENDER, Reason.SENDER_AUTH_FAILED})


def reply_kind(decision: Decision, *, acknowledge_review: bool) -> str | None:
    if decision.status is Status.APPLIED:
        return "confirmation"
    if NO_REPLY_REASONS & set(decision.reasons):
        return None
    if decision.status is Status.NEEDS_INFO:
        return "needs_info"
    if decision.status is Status.REVIEW and acknowledge_review:
        return "review_ack"
    return None


def _snapshot(session: Session, decision: Decision) -> BillingSnapshot | None:
    if not decision.account_id:
        return None
    account, invoices, unallocated, _ = store.billing_view(session, account_id=decision.account_id)
    if account is None:
        return None
    # The updated billing view: the request's payments (even when now fully allocated) and
    # every other payment of the account that still has money unallocated.
    involved = store.payments_by_id(session, payment_ids=[a.payment_id for a in decision.allocations])
    others = [p for p in unallocated if p.payment_id not in {i.payment_id for i in involved}]
    return BillingSnapshot(account=account, open_invoices=tuple(invoices), payments=tuple(involved + others))


def queue_reply(session: Session, app: App, *, inbound: InboundMessage, mail: Mail, sender: Sender,
                decision: Decision, case_ref: str | None, now: datetime) -> None:
    kind = reply_kind(decision, acknowledge_review=app.settings.acknowledge_review)
    if kind is None or not sender.address:
        return
    snapshot = _snapshot(session, decision)
    locale = snapshot.account.locale if snapshot else app.settings.default_locale
    content = render_reply(kind, decision=decision, snapshot=snapshot, locale=locale, case_ref=case_ref,
                           original_subject=mail.subject, sender_name=sender.display_name,
                           templates_dir=app.templates / "email")
    # Stored with the outbox row, so a retry re-sends the same id; the random part keeps ids
    # unique across database resets and environments that share the domain.
    message_id = new_message_id(app.settings.from_address, f"allocbot.{inbound.id}.{kind}.{secrets.token_hex(6)}")
    raw = compose_reply(content, to_addr=sender.address, to_name=sender.display_name,
                        from_addr=app.settings.from_address, from_name=app.settings.from_name,
                        in_reply_to=mail.message_id, references=mail.references, message_id=message_id,
                        loop_header=app.settings.loop_header, date=now)
    journal.queue_outbound(session, inbound_id=inbound.id, kind=kind, to_addr=sender.address,
                           message_id=message_id, raw=raw, now=now)
