"""The whole reading step: a parsed message -> its facts and its request."""
from __future__ import annotations

from email.message import Message

from bot.model import Request
from bot.reading.attachments import attachment_lines
from bot.reading.extract import read_request
from bot.reading.mime import Mail, read_mail
from bot.reading.quotes import latest_reply, without_signature_lines


def read_message(msg: Message, *, invoice_pattern: str, payment_pattern: str, month_first: bool = False) -> tuple[Mail, Request]:
    mail = read_mail(msg)
    body = without_signature_lines(latest_reply(mail.body))
    request = read_request(
        subject=mail.subject,
        body=body,
        extra_lines=attachment_lines(mail.attachments),
        invoice_pattern=invoice_pattern,
        payment_pattern=payment_pattern,
        sent=mail.date.date() if mail.date else None,
        month_first=month_first,
    )
    return mail, request
