"""The whole reading step: a parsed message -> its facts and its request.

Reading is bounded (`bot/reading/limits.py`): where the reader stopped short of the whole
message, `Mail.limits` says why, and the deciding step holds the message for review. A
remittance attachment that may carry the request but could not be read (a scan, one past its
size or page limit, a broken file) is listed in `Mail.unreadable`, and the message is held
too: never guessed (attachments.py). So is an amount in the text read that cannot be read for
certain ("1234 567,89 EUR", amounts.py): an instruction without its amount would have the
smaller of payment and invoice applied, a fragment of it a wrong amount. A forwarded request
is read as the forwarding contact's when their own text only hands it on (forwards.py); `Mail.forwarded_from` then names the
forwarded message's sender.
"""
from __future__ import annotations

from dataclasses import replace
from email.message import Message

from bot.model import Request
from bot.reading.amounts import unclear_amounts
from bot.reading.attachments import document_notes, read_attachments
from bot.reading.extract import read_request
from bot.reading.forwards import (Forwarded, attached_forward, inline_forward, is_covering_note, recipients_of,
                                  to_the_mailbox)
from bot.reading.limits import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_PAGES, MAX_REQUEST_CHARS
from bot.reading.mime import Mail, header, read_mail
from bot.reading.normalise import normalise
from bot.reading.quotes import latest_reply, without_signature_lines


def _forward(msg: Message, mail: Mail, body: str, note: str, *, invoice_pattern: str, payment_pattern: str) -> Forwarded | None:
    """The forwarded message to read as the request, or None (see forwards.py)."""
    if not is_covering_note(note, invoice_pattern=invoice_pattern, payment_pattern=payment_pattern):
        return None
    forward = inline_forward(mail.subject, body) or attached_forward(mail.attachments)
    if forward is None or to_the_mailbox(forward, sender=header(msg, "From"), recipients=recipients_of(msg)):
        return None
    return forward


def _cut(text: str, left: int, limits: list[str], note: str) -> str:
    if len(text) > left:
        if note not in limits:
            limits.append(note)
        return text[:left]
    return text


def read_message(msg: Message, *, invoice_pattern: str, payment_pattern: str, month_first: bool = False,
                 max_chars: int = MAX_REQUEST_CHARS, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
                 max_attachment_pages: int = MAX_ATTACHMENT_PAGES) -> tuple[Mail, Request]:
    """The message's facts and its request, reading at most `max_chars` characters of request
    text as the extractor sees it (after NFKC, which can make one character eighteen), and
    remittance attachments of at most `max_attachment_bytes` bytes and `max_attachment_pages`
    pages (larger ones are listed in `Mail.unreadable`)."""
    mail = read_mail(msg)
    limits = list(mail.limits)
    cut_text = f"the text was read only to its first {max_chars:,} characters"
    body = _cut(mail.body, max_chars, limits, cut_text)  # cut before quotes are: that step is linear too, not free
    # What the extractor reads: invisible characters out, then NFKC (normalise.py); the extractor's
    # own NFKC is idempotent, so the evidence spans point into this text.
    note = normalise(without_signature_lines(latest_reply(body)))
    forward = _forward(msg, mail, body, note, invoice_pattern=invoice_pattern, payment_pattern=payment_pattern)
    subject, attachments = mail.subject, mail.attachments
    if forward is not None:
        subject, attachments = forward.subject, mail.attachments + forward.attachments
        limits.extend(forward.limits)
        note = normalise(without_signature_lines(latest_reply(forward.text)))
    subject = normalise(subject)
    if len(subject) > max_chars:
        subject = subject[:max_chars]
        limits.append(f"the subject was read only to its first {max_chars:,} characters")
    left = max_chars - len(subject)
    text = _cut(note, left, limits, cut_text)
    remittance = read_attachments(attachments, max_chars=left - len(text), max_bytes=max_attachment_bytes,
                                  max_pages=max_attachment_pages)
    limits.extend(remittance.limits)
    request = read_request(
        subject=subject,
        body=text,
        extra_lines=remittance.lines,
        invoice_pattern=invoice_pattern,
        payment_pattern=payment_pattern,
        sent=mail.date.date() if mail.date else None,
        month_first=month_first,
    )
    unreadable = list(remittance.unreadable)
    if request.instructions:
        lines = [*text.split("\n"), *remittance.lines]
        unclear = [amount for line in lines for amount in unclear_amounts(line)]
        unreadable += [f"the amount {amount!r} cannot be read for certain (one amount, or two numbers?)"
                       for amount in dict.fromkeys(unclear)]
    else:
        unreadable += document_notes(attachments, subject=subject, text=text)
    return replace(mail, limits=tuple(limits), unreadable=tuple(unreadable),
                   forwarded_from=forward.from_line if forward else ""), request
