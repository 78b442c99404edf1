"""The original mail of a queue item and the replies a person sends about it.

Replies follow the bot's own rule (bot/replies/queue.py): they go to the verified From
address of the original request only, never to an unknown sender or to mail that failed
SPF/DKIM/DMARC, because that would mail whoever was impersonated.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session

from bot.bootstrap import App
from bot.deciding.sender import sender_of
from bot.ledger import journal, store
from bot.ledger.tables import Account, InboundMessage, OutboundMessage
from bot.model import AuthVerdict, Decision, Evidence, Reason, Sender, Status
from bot.reading.mime import Mail, read_mail
from bot.reading.parsing import parse_bytes
from bot.replies.compose import compose_reply, new_message_id
from bot.replies.queue import NO_REPLY_REASONS
from bot.replies.render import ReplyContent, render_reply, render_text, reply_subject, template_language


@dataclass(frozen=True)
class Original:
    """The stored request as the deciding step read it: its facts and its verified sender."""

    msg: EmailMessage
    mail: Mail
    sender: Sender
    readable: bool = True


def read_original(app: App, inbound: InboundMessage) -> Original:
    """The stored bytes read again; mail that cannot be read at all names nobody (no reply)."""
    msg = parse_bytes(inbound.raw)
    try:
        sender = sender_of(msg, trusted_authserv_id=app.settings.trusted_authserv_id)
        return Original(msg=msg, mail=read_mail(msg), sender=sender, readable=True)
    except Exception:  # noqa: BLE001 - the bot stored it as an error; people still need to close it
        return Original(msg=msg, mail=Mail("", "", "", None, "", (), "", ()), sender=Sender("", "", AuthVerdict(None)),
                        readable=False)


def reasons_of(inbound: InboundMessage) -> tuple[str, ...]:
    return tuple(r for r in (inbound.reasons or "").split(",") if r)


def no_reply_because(inbound: InboundMessage, sender: Sender) -> str | None:
    """Why nobody may be answered about this message (the reasons `reply_kind` never answers,
    or no usable From address); None when its sender may be."""
    blocked = {r.value for r in NO_REPLY_REASONS} & set(reasons_of(inbound))
    if Reason.SENDER_AUTH_FAILED.value in blocked or sender.auth.failed:
        return "the mail failed SPF/DKIM/DMARC: a reply would go to whoever was impersonated"
    if blocked:
        return "the sender is not a registered contact: a reply could reach an impersonated address"
    if not sender.address:
        return "the mail has no single usable From address"
    return None


def reply_locale(session: Session, app: App, *, account_id: str | None, sender: Sender) -> str:
    """The account's locale (as for the bot's replies), else the sender's account's, else the default."""
    account = session.get(Account, account_id) if account_id else None
    if account is not None and account.locale:
        return account.locale
    return store.sender_locale(session, sender=sender.address) or app.settings.default_locale


def ask_content(app: App, *, locale: str, original: Original, inbound: InboundMessage, evidence: tuple[Evidence, ...],
                case_ref: str | None) -> ReplyContent:
    """The templated needs_info reply for this message's reasons: the Ask form's starting text."""
    reasons = tuple(Reason(r) for r in reasons_of(inbound) if r in Reason._value2member_map_)
    decision = Decision(Status.NEEDS_INFO, reasons or (Reason.NO_REQUEST_FOUND,), inbound.account_id, (), evidence)
    return render_reply("needs_info", decision=decision, snapshot=None, locale=locale, case_ref=case_ref,
                        original_subject=original.mail.subject, sender_name=original.sender.display_name,
                        templates_dir=app.templates / "email")


def rejected_content(app: App, *, locale: str, original: Original, case_ref: str | None, reason: str) -> ReplyContent:
    """The templated `rejected` reply in the account's language, carrying the person's reason."""
    templates_dir = app.templates / "email"
    language = template_language(templates_dir, locale, "rejected")
    subject, body = render_text(templates_dir, f"{language}/rejected.txt", sender_name=original.sender.display_name,
                                re_subject=reply_subject(original.mail.subject), case_ref=case_ref, reason=reason.strip())
    return ReplyContent(subject=subject, body=body, locale=language)


def queue_custom_reply(session: Session, app: App, *, inbound: InboundMessage, original: Original, kind: str,
                       content: ReplyContent, now: datetime) -> OutboundMessage:
    """Put a reply a person wrote (or chose) in the outbox, threaded to the original mail."""
    message_id = new_message_id(app.settings.from_address, f"allocbot.{inbound.id}.{kind}.{secrets.token_hex(6)}")
    raw = compose_reply(content, to_addr=original.sender.address, to_name=original.sender.display_name,
                        from_addr=app.settings.from_address, from_name=app.settings.from_name,
                        in_reply_to=original.mail.message_id, references=original.mail.references,
                        message_id=message_id, loop_header=app.settings.loop_header, date=now)
    return journal.queue_outbound(session, inbound_id=inbound.id, kind=kind, to_addr=original.sender.address,
                                  message_id=message_id, raw=raw, now=now)


def reply_text(raw: bytes) -> str:
    """The body text of a reply in the outbox, for the conversation on the item page."""
    try:
        return read_mail(parse_bytes(raw)).body
    except Exception:  # noqa: BLE001 - a page must show, whatever the bytes
        return raw.decode("utf-8", "replace")


__all__ = ["Original", "ask_content", "no_reply_because", "queue_custom_reply", "read_original", "reasons_of",
           "rejected_content", "reply_locale", "reply_text"]
