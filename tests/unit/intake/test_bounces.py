"""Bounces give back the Message-ID of the mail they return, in the places real mail systems put
it; delay warnings, read receipts and broken input are not bounces of a reply."""
from __future__ import annotations

import email
import email.policy
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.intake.bounces import BounceReport, original_message_ids, read_bounce
from bot.intake.classify import classify
from bot.model import Reason

REPLY_ID = "<allocbot.7.confirmation.3f9a2b1c0d4e@billing.example>"
REQUEST_ID = "<CAF=request.1@mail.bluepeak.example>"
BOUNCE_ID = "<20261125091500.4F2A1C0123@mx.bluepeak.example>"
CORPUS = Path(__file__).parents[3].parent / "shared" / "corpus"


def parse(raw: str | bytes) -> EmailMessage:
    """Parse exactly as the bot does."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return email.message_from_bytes(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), policy=email.policy.default)


# The bot's reply as the receiving side saw it: our id, threaded to the partner's request.
RETURNED_HEADERS = f"""Return-Path: <allocations@billing.example>
From: Billing allocations <allocations@billing.example>
To: Ann Admin <ann@bluepeak.example>
Subject: Re: Payment allocation
Date: Wed, 25 Nov 2026 09:14:58 +0000
Message-ID: {REPLY_ID}
In-Reply-To: {REQUEST_ID}
References: {REQUEST_ID}
Auto-Submitted: auto-replied
X-Allocbot-Loop: allocations@billing.example
"""

POSTFIX_DSN = f"""Return-Path: <>
From: MAILER-DAEMON@mx.bluepeak.example (Mail Delivery System)
To: allocations@billing.example
Subject: Undelivered Mail Returned to Sender
Date: Wed, 25 Nov 2026 09:15:00 +0000 (UTC)
Message-ID: {BOUNCE_ID}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="4F2A1C0123.1795000500/mx.bluepeak.example"

This is a MIME-encapsulated message.

--4F2A1C0123.1795000500/mx.bluepeak.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.bluepeak.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<ann@bluepeak.example>: host mailstore.bluepeak.example said: 550 5.1.1
    <ann@bluepeak.example>: Recipient address rejected: User unknown

--4F2A1C0123.1795000500/mx.bluepeak.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.bluepeak.example
X-Postfix-Queue-ID: 4F2A1C0123
Arrival-Date: Wed, 25 Nov 2026 09:14:59 +0000 (UTC)

Final-Recipient: rfc822; ann@bluepeak.example
Original-Recipient: rfc822;ann@bluepeak.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mailstore.bluepeak.example
Diagnostic-Code: smtp; 550 5.1.1 <ann@bluepeak.example>: Recipient address
    rejected: User unknown

--4F2A1C0123.1795000500/mx.bluepeak.example
Content-Description: Undelivered Message
Content-Type: message/rfc822

{RETURNED_HEADERS}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello Ann, we have applied payment PY00000001. Message-ID: <not-this-one@example.org>

--4F2A1C0123.1795000500/mx.bluepeak.example--
"""

EXCHANGE_NDR = f"""From: Microsoft Outlook <postmaster@bluepeak.onmicrosoft.com>
To: <allocations@billing.example>
Subject: Undeliverable: Re: Payment allocation
Date: Wed, 25 Nov 2026 09:15:02 +0000
Message-ID: <a1b2c3d4-ndr@PR3P193MB0001.EURP193.PROD.OUTLOOK.COM>
Content-Language: en-US
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="_000_ndr_"

--_000_ndr_
Content-Type: multipart/alternative; boundary="_001_ndr_"

--_001_ndr_
Content-Type: text/plain; charset="us-ascii"

Your message to ann@bluepeak.example couldn't be delivered.
ann wasn't found at bluepeak.example.

Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

--_001_ndr_
Content-Type: text/html; charset="us-ascii"

<html><body><p>Your message to ann@bluepeak.example couldn't be delivered.</p></body></html>

--_001_ndr_--

--_000_ndr_
Content-Type: message/delivery-status

Reporting-MTA: dns;PR3P193MB0001.EURP193.PROD.OUTLOOK.COM
Received-From-MTA: dns;mail.billing.example
Arrival-Date: Wed, 25 Nov 2026 09:15:00 +0000

Final-Recipient: rfc822;ann@bluepeak.example
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not
 found by SMTP address lookup

--_000_ndr_
Content-Type: text/rfc822-headers

Received: from mail.billing.example (203.0.113.5) by PR3P193MB0001.outlook.com
From: Billing allocations <allocations@billing.example>
To: Ann Admin <ann@bluepeak.example>
Subject: Re: Payment allocation
Message-ID:
 {REPLY_ID}
References: {REQUEST_ID}

--_000_ndr_--
"""

QMAIL_FAILURE = f"""From: MAILER-DAEMON@mail.bluepeak.example
To: allocations@billing.example
Subject: failure notice
Date: 25 Nov 2026 09:15:03 -0000
Message-ID: <qmail.4711@mail.bluepeak.example>

Hi. This is the qmail-send program at mail.bluepeak.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<ann@bluepeak.example>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <allocations@billing.example>
Received: (qmail 4711 invoked from network); 25 Nov 2026 09:15:02 -0000
{RETURNED_HEADERS}
Hello Ann, we have applied payment PY00000001.
"""

EXIM_FAILURE = f"""From: Mail Delivery System <Mailer-Daemon@mx.bluepeak.example>
To: allocations@billing.example
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1kXyZa-0001Ab-Cd@mx.bluepeak.example>
X-Failed-Recipients: ann@bluepeak.example
Auto-Submitted: auto-replied
Date: Wed, 25 Nov 2026 09:15:04 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ann@bluepeak.example
    SMTP error from remote mail server after RCPT TO:<ann@bluepeak.example>:
    550 5.2.1 The email account that you tried to reach is disabled.

------ This is a copy of the message, including all the headers. ------

{RETURNED_HEADERS}
Hello Ann, we have applied payment PY00000001.
"""

THREADED_NOTICE = f"""From: postmaster@bluepeak.example
To: allocations@billing.example
Subject: Delivery Status Notification (Failure)
Message-ID: <notice.1@bluepeak.example>
In-Reply-To: {REPLY_ID}
References: {REQUEST_ID} {REPLY_ID}

Delivery to the following recipient failed permanently: ann@bluepeak.example
"""


def dsn(action: str, status: str, *, subject: str = "Delivery Status Notification (Delay)",
        diagnostic: str = "smtp; 451 4.4.7 timeout", extra_block: str = "") -> str:
    return f"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: allocations@billing.example
Subject: {subject}
Message-ID: <dsn.{action}@mx.google.com>
MIME-Version: 1.0
Content-Type: multipart/report; boundary="b1"; report-type=delivery-status

--b1
Content-Type: text/plain; charset="UTF-8"

There was a problem delivering your message to ann@bluepeak.example.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com

Final-Recipient: rfc822; ann@bluepeak.example
Action: {action}
Status: {status}
Diagnostic-Code: {diagnostic}
{extra_block}
--b1
Content-Type: text/rfc822-headers

{RETURNED_HEADERS}
--b1--
"""


def test_postfix_dsn_returns_the_reply_it_bounces():
    report = read_bounce(parse(POSTFIX_DSN))
    assert report.message_ids == (REPLY_ID,)  # not the partner's request it answered, not a body line
    assert report.failed
    assert report.recipients == ("ann@bluepeak.example",)
    assert report.reason.startswith("5.1.1 (smtp; 550 5.1.1 <ann@bluepeak.example>: Recipient address rejected: User unknown)")
    assert report.reason.endswith("for ann@bluepeak.example")


def test_exchange_ndr_with_returned_headers_only_and_a_folded_id():
    report = read_bounce(parse(EXCHANGE_NDR))
    assert report.message_ids == (REPLY_ID,)
    assert report.failed and "5.1.10" in report.reason and "RecipientNotFound" in report.reason


def test_qmail_copy_in_the_text():
    report = read_bounce(parse(QMAIL_FAILURE))
    assert report.message_ids == (REPLY_ID,)
    assert report.failed and "5.1.1" in report.reason


def test_exim_copy_in_the_text_and_its_failed_recipients():
    report = read_bounce(parse(EXIM_FAILURE))
    assert report.message_ids == (REPLY_ID,)
    assert report.failed
    assert report.recipients == ("ann@bluepeak.example",)
    assert report.reason.startswith("550 5.2.1")


def test_a_notice_threaded_to_the_reply():
    report = read_bounce(parse(THREADED_NOTICE))
    assert report.message_ids == (REPLY_ID, REQUEST_ID)  # the caller matches them against its own outbox
    assert report.failed and report.reason == "Delivery Status Notification (Failure)"


def test_the_bounce_never_names_its_own_id():
    for raw in (POSTFIX_DSN, EXCHANGE_NDR, QMAIL_FAILURE, EXIM_FAILURE, THREADED_NOTICE):
        msg = parse(raw)
        assert str(msg["Message-ID"]).strip() not in original_message_ids(msg)


def test_every_sample_is_machine_mail_to_the_classifier():
    for raw in (POSTFIX_DSN, EXCHANGE_NDR, QMAIL_FAILURE, EXIM_FAILURE, THREADED_NOTICE, dsn("delayed", "4.4.7")):
        machine = classify(parse(raw), own_addresses=frozenset({"allocations@billing.example"}), loop_header="X-Allocbot-Loop")
        assert machine is not None and machine.reason is Reason.BOUNCE, raw[:80]


@pytest.mark.parametrize("action, status", [("delayed", "4.4.7"), ("delivered", "2.0.0"), ("relayed", "2.0.0"),
                                            ("expanded", "2.0.0")])
def test_a_dsn_that_reports_no_failure_is_not_a_bounce(action, status):
    report = read_bounce(parse(dsn(action, status)))
    assert report.message_ids == (REPLY_ID,)
    assert not report.failed and report.reason == "" and report.recipients == ()


def test_one_recipient_failed_of_two():
    second = "\nFinal-Recipient: rfc822; bo@bluepeak.example\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1 denied\n"
    report = read_bounce(parse(dsn("delivered", "2.0.0", subject="Delivery Status Notification", extra_block=second)))
    assert report.failed
    assert report.recipients == ("bo@bluepeak.example",)
    assert report.reason == "5.7.1 (smtp; 550 5.7.1 denied) for bo@bluepeak.example"


def test_a_status_without_an_action_decides_by_its_class():
    failed = dsn("", "5.2.2", diagnostic="smtp; 552 mailbox full").replace("Action: \n", "")
    assert read_bounce(parse(failed)).failed
    delayed = dsn("", "4.2.2", diagnostic="smtp; 452 mailbox full").replace("Action: \n", "")
    assert not read_bounce(parse(delayed)).failed


@pytest.mark.parametrize("subject", ["Warning: message 1kXyZa-0001Ab-Cd delayed 24 hours",
                                     "Delayed Mail (still being retried)", "Delivery delayed: Re: Payment allocation"])
def test_a_delay_warning_without_a_dsn_is_not_a_bounce(subject):
    raw = EXIM_FAILURE.replace("Subject: Mail delivery failed: returning message to sender", f"Subject: {subject}")
    report = read_bounce(parse(raw))
    assert report.message_ids == (REPLY_ID,) and not report.failed


def test_a_read_receipt_is_not_a_bounce():
    raw = f"""From: Ann Admin <ann@bluepeak.example>
To: allocations@billing.example
Subject: Read: Re: Payment allocation
Message-ID: <mdn.1@bluepeak.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="m"

--m
Content-Type: text/plain

Your message was read on Wednesday.

--m
Content-Type: message/disposition-notification

Reporting-UA: bluepeak.example; Outlook
Final-Recipient: rfc822;ann@bluepeak.example
Original-Message-ID: {REPLY_ID}
Disposition: manual-action/MDN-sent-manually; displayed

--m--
"""
    assert not read_bounce(parse(raw)).failed


def test_smtputf8_bounce_with_global_parts():
    raw = POSTFIX_DSN.replace("Content-Type: message/delivery-status", "Content-Type: message/global-delivery-status") \
                     .replace("Content-Type: message/rfc822", "Content-Type: message/global")
    report = read_bounce(parse(raw))
    assert report.message_ids == (REPLY_ID,)
    assert report.failed and report.recipients == ("ann@bluepeak.example",) and "5.1.1" in report.reason


def test_mail_without_any_trace_names_nothing():
    raw = "From: MAILER-DAEMON@x.example\nTo: allocations@billing.example\nSubject: Returned mail\n\nSomething went wrong.\n"
    report = read_bounce(parse(raw))
    assert report == BounceReport((), True, "Returned mail", ())


def test_the_discourse_hard_bounce_from_the_external_corpus():
    path = CORPUS / "external" / "mail" / "hard_bounce_via_verp_2.eml"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing at {path}")
        pytest.skip(f"corpus not present at {path}")
    report = read_bounce(parse(path.read_bytes()))
    assert report.message_ids == ()  # the returned message carries no Message-ID
    assert report.failed and report.recipients == ("linux-admin@b-s-c.co.jp",)
    assert report.reason == '5.1.1 (X-Postfix; unknown user: "linux-admin") for linux-admin@b-s-c.co.jp'


class Hostile:
    """Anything that blows up when read."""

    def raw_items(self):
        raise RuntimeError("broken header section")

    def get_payload(self, *args, **kwargs):
        raise RecursionError("too deep")


def test_never_raises():
    assert read_bounce(Hostile()) == BounceReport((), False, "")
    assert read_bounce(None).message_ids == ()
    broken = POSTFIX_DSN.replace('boundary="4F2A1C0123.1795000500/mx.bluepeak.example"', 'boundary="nope"')
    assert isinstance(read_bounce(parse(broken)), BounceReport)
    assert read_bounce(parse(b"\xff\xfe\x00garbage\r\n\r\n\x00")).message_ids == ()


def test_at_most_twenty_ids():
    refs = " ".join(f"<r{i}@x.example>" for i in range(100))
    raw = f"From: MAILER-DAEMON@x.example\nSubject: failure notice\nReferences: {refs}\n\nno.\n"
    assert len(original_message_ids(parse(raw))) == 20
