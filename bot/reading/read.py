"""The whole reading step: a parsed message -> its facts and its request.

Reading is bounded (`bot/reading/limits.py`): where the reader stopped short of the whole
message, `Mail.limits` says why, and the deciding step holds the message for review.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace
from email.message import Message

from bot.model import Request
from bot.reading.attachments import read_attachments
from bot.reading.extract import read_request
from bot.reading.limits import MAX_REQUEST_CHARS
from bot.reading.mime import Mail, read_mail
from bot.reading.quotes import latest_reply, without_signature_lines


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def read_message(msg: Message, *, invoice_pattern: str, payment_pattern: str, month_first: bool = False,
                 max_chars: int = MAX_REQUEST_CHARS) -> tuple[Mail, Request]:
    """The message's facts and its request, reading at most `max_chars` characters of request
    text as the extractor sees it (after NFKC, which can make one character eighteen)."""
    mail = read_mail(msg)
    limits = list(mail.limits)
    subject = mail.subject
    if len(_nfkc(subject)) > max_chars:
        subject = _nfkc(subject)[:max_chars]
        limits.append(f"the subject was read only to its first {max_chars:,} characters")
    left = max_chars - len(_nfkc(subject))
    body = mail.body
    if len(body) > left:  # cut before quotes are: that step is linear too, not free
        body = body[:left]
        limits.append(f"the text was read only to its first {max_chars:,} characters")
    body = _nfkc(without_signature_lines(latest_reply(body)))  # what the extractor reads (NFKC is idempotent)
    if len(body) > left:
        body = body[:left]
        if not any("the text was read only" in note for note in limits):
            limits.append(f"the text was read only to its first {max_chars:,} characters")
    extra, notes = read_attachments(mail.attachments, max_chars=left - len(body))
    limits.extend(notes)
    request = read_request(
        subject=subject,
        body=body,
        extra_lines=extra,
        invoice_pattern=invoice_pattern,
        payment_pattern=payment_pattern,
        sent=mail.date.date() if mail.date else None,
        month_first=month_first,
    )
    return (replace(mail, limits=tuple(limits)) if limits != list(mail.limits) else mail), request
