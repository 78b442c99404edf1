"""List and bulk mail: a post sent to many, whoever it claims to be from, is never answered.

RFC 2369/2919 `List-*` fields and the markers of Mailman, Google Groups, ezmlm and fml say so
in their headers. Some lists (Majordomo, LISTSERV, SmartList, older Mailman) show it only in
the addresses they resend from (issue 15 item 6): `Sender:` `owner-list@` or `list-bounces@`,
`Return-Path: <owner-list@…>`, `<list-request@…>` or `<list-return-…@…>`, and ezmlm's
`Delivered-To: mailing list …`.

Not signals: a Return-Path of the form `bounces+…@` or `bounce-…@` (SendGrid, Mailgun and
similar relays use it on one-to-one mail, such as a partner ERP's remittance advice); `Sender:`
of a person (Outlook's "on behalf of").
"""
from __future__ import annotations

import re

from bot.intake.mailview import Mail

_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe", "list-archive",
                 "list-owner", "x-mailman-version", "x-beenthere", "mailing-list", "x-mailing-list",
                 "x-ml-name", "x-mlserver", "x-google-group-id")
_LIST_SENDER = re.compile(r"^(?:owner-.+|.+-owner|.+-bounces(?:\+.*)?|listserv|majordomo)$")
_LIST_RETURN_PATH = re.compile(
    r"^(?:owner-.+|.+-owner|.+-request|.+-bounces(?:\+.*)?|.+-return-.*|listserv|majordomo)$")


def list_header(mail: Mail) -> str | None:
    """RFC 2369/2919 list fields and Mailman/Google Groups/ezmlm/fml markers."""
    return mail.header(_LIST_HEADERS)


def bulk_precedence(mail: Mail) -> str | None:
    return mail.header(("precedence", "x-precedence"), {"bulk", "list", "junk"}.__contains__)


def list_address(mail: Mail) -> str | None:
    """A list manager's resending address in Sender or Return-Path, or ezmlm's Delivered-To."""
    for field, pattern in (("sender", _LIST_SENDER), ("return-path", _LIST_RETURN_PATH)):
        for _, addr in mail.addresses(field):
            if pattern.match(addr.rpartition("@")[0]):
                return f"{field.title()}: {addr}"
    ezmlm = (v for v in mail.values("delivered-to") if v.lower().startswith("mailing list"))
    return next((f"Delivered-To: {v}" for v in ezmlm), None)
