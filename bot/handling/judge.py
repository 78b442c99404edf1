"""The stages that decide one stored message, in order; each may end it with a verdict.

Nothing here records an outcome: the stages read the message and the ledger and return a
`Verdict` for `record.py`. The one exception is the conversation stage, which claims the
open request a message answers (a conditional UPDATE in this same transaction), so that two
answers to one request are never both taken."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session

from bot import followups
from bot.bootstrap import App
from bot.deciding.match import decide
from bot.deciding.sender import sender_of
from bot.handling.verdict import Verdict
from bot.intake.classify import classify
from bot.ledger import store
from bot.ledger.tables import InboundMessage
from bot.ledger.trust_queries import trust_context
from bot.model import Decision, Evidence, Reason, Status
from bot.reading.limits import MAX_LINES
from bot.reading.parsing import parse_bytes, too_complex
from bot.reading.read import read_message
from bot.replies.queue import flooding

# The same allocation (payment, invoice, amount) asked for again by the same sender within this
# time is held as `duplicate`: the same request mailed twice under two Message-IDs.
DUPLICATE_WINDOW = timedelta(days=30)


def unread(reason: Reason, detail: str) -> Verdict:
    """Held for review without reading. No reply: nobody was verified."""
    evidence = Evidence("message_limits", detail, reason=reason)
    return Verdict("unread", Decision(Status.REVIEW, (reason,), evidence=(evidence,)), audit={"limit": detail})


def held(decision: Decision, reason: Reason, rule: str, notes: tuple[str, ...]) -> Decision:
    """Held for a person, whatever was decided: the message was read only in part
    (MESSAGE_TOO_COMPLEX), has a remittance attachment the bot could not read
    (UNREADABLE_ATTACHMENT), repeats allocations its sender already had made (DUPLICATE), or
    its request came in a forward (FORWARDED_REQUEST: the same
    request may have reached the mailbox already, by Bcc, an alias or an inbox rule, and a
    forward cannot show it). What it proposed stays as the proposal; nothing is asked."""
    evidence = tuple(Evidence(rule, note, reason=reason) for note in notes)
    return replace(decision, status=Status.REVIEW, reasons=decision.reasons + (reason,), evidence=decision.evidence + evidence)


def judge(session: Session, app: App, row: InboundMessage) -> Verdict:
    settings = app.settings
    # Limits against hostile mail (issue 5, bot/reading/limits.py): too large is not parsed at
    # all; too many or too deep MIME parts, or an overlong header field, are parsed from the
    # header section only (enough to tell machine mail), then held unread.
    size_limit = int(settings.max_message_mb * 1024 * 1024)
    if len(row.raw) > size_limit:
        return unread(Reason.MESSAGE_TOO_LARGE, f"not read: {len(row.raw):,} bytes, more than max_message_mb = "
                                                f"{settings.max_message_mb:g} ({size_limit:,} bytes)")
    msg = parse_bytes(row.raw, max_parts=settings.max_mime_parts, max_depth=settings.max_mime_depth,
                      max_lines=max(MAX_LINES, size_limit // 26))
    machine = classify(msg, own_addresses=frozenset({settings.from_address}), loop_header=settings.loop_header)
    if machine is not None:  # a bounce marks the reply it returns `bounced` (issue 5)
        return Verdict("machine", Decision(Status.IGNORED, (machine.reason,)), machine_evidence=machine.evidence,
                       bounce=msg if machine.reason is Reason.BOUNCE else None)
    if (flood := flooding(session, app, inbound=row)) is not None:  # per-sender limit (issue 5)
        return Verdict("flood", flood[0], audit=flood[1])
    if (why := too_complex(msg)) is not None:
        return unread(Reason.MESSAGE_TOO_COMPLEX, f"not read: {why}")
    return read_and_decide(session, app, row, msg)


def read_and_decide(session: Session, app: App, row: InboundMessage, msg) -> Verdict:
    settings = app.settings
    sender = sender_of(msg, trusted_authserv_id=settings.trusted_authserv_id)  # the headers as received
    locale = store.sender_locale(session, sender=sender.address) or settings.default_locale
    mail, request = read_message(msg, invoice_pattern=settings.invoice_pattern,
                                 payment_pattern=settings.any_payment_pattern,
                                 month_first=locale.replace("_", "-").lower() == "en-us",
                                 max_attachment_bytes=int(settings.max_attachment_mb * 1024 * 1024),
                                 max_attachment_pages=settings.max_attachment_pages)
    view = store.request_view(session, sender=sender.address, request=request)
    decision = decide(request, sender, view, allowed_roles=settings.allowed_roles,
                      **trust_context(session, contacts=view.contacts, roles=settings.allowed_roles))
    answered = None
    if mail.limits:
        decision = held(decision, Reason.MESSAGE_TOO_COMPLEX, "message_limits", mail.limits)
    elif mail.unreadable:
        decision = held(decision, Reason.UNREADABLE_ATTACHMENT, "attachment", mail.unreadable)
    elif mail.forwarded_from:  # the forwarder's request, read and proposed; a person approves it (see held)
        note = f"forwarded message from {mail.forwarded_from}, read as {sender.address or 'the sender'}'s request"
        decision = (held(decision, Reason.FORWARDED_REQUEST, "forwarded", (note,)) if decision.status is Status.APPLIED
                    else replace(decision, evidence=(Evidence("forwarded", note), *decision.evidence)))
    elif (answered := followups.answer(session, app, row=row, mail=mail, sender=sender, request=request,
                                       decision=decision, view=view)) is not None:
        request, decision = answered.request, answered.decision  # an answer to an open request of the thread
    if decision.status is Status.APPLIED and (again := store.repeated_allocations(
            session, sender_addr=row.sender_addr or "", allocations=decision.allocations,
            since=app.clock() - DUPLICATE_WINDOW)):
        decision = held(decision, Reason.DUPLICATE, "duplicate", tuple(
            f"{a.payment_id} → {a.invoice_number}: {a.amount} was already allocated at this sender's request" for a in again))
    return Verdict("read", decision, request=request, mail=mail, sender=sender, answered=answered)
