"""Loops and floods (issue 5, promise 4) on a real database (SQLite and PostgreSQL), a real
Maildir and a file outbox: the bot's own replies fed back are ignored, a flood from one
address is held after the sender limit and answered at most up to the recipient limit, and
bounces of the bot's replies are traced to them and stop replies to an address that keeps
bouncing."""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from email.utils import parseaddr

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from bot.ledger.database import alembic_config, migrate
from bot.ledger.tables import AuditEvent, InboundMessage, OutboundMessage
from bot.replies.digest import queue_digest
from bot.review.actions import reject
from tests.integration.conftest import ANN, BOT_ADDRESS, OLA, TOM, BotWorld, request_mail

APPLY = "Please allocate payment PY00000001 to invoice G000000001."
UNKNOWN_INVOICE = "Please allocate payment PY00000002 to invoice G999999999."
OPS = "ops@billing.example"


def audits(world: BotWorld, action: str) -> list[AuditEvent]:
    return sorted((e for e in world.rows(AuditEvent) if e.action == action), key=lambda e: e.id)


def detail(event: AuditEvent) -> dict:
    return json.loads(event.detail)


def split_head(raw: bytes) -> tuple[bytes, bytes]:
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return head, body


# --------------------------------------------------------------------------- loops

def _every_kind_of_reply(make_world) -> BotWorld:
    """One reply of every kind the bot sends, sent to the file outbox."""
    world = make_world(digest_to=OPS)
    world.deliver(request_mail(body=APPLY, message_id="<loop-applied@bluepeak.example>"))  # confirmation
    world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id="<loop-needs-info@bluepeak.example>"))  # needs_info
    world.deliver(request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY,
                               message_id="<loop-review@bluepeak.example>"))  # review_ack (Tom may not ask)
    world.run()
    with Session(world.app.engine) as session:
        [item] = [i for i in world.review_items() if i.inbound_id == world.inbound("<loop-review@bluepeak.example>").id]
        outcome = reject(session, world.app, item_id=item.id, actor=OPS, reason="Only billing admins may ask.")
        assert outcome.ok, outcome.message  # rejected
    with Session(world.app.engine) as session:
        assert queue_digest(session, settings=world.app.settings, templates_dir=world.app.templates / "email",
                            now=world.now()) == 1  # digest
        session.commit()
    world.run()
    return world


def test_every_reply_the_bot_sends_comes_back_ignored_as_a_loop(make_world):
    world = _every_kind_of_reply(make_world)
    sent = world.outbound()
    assert sorted(r.kind for r in sent) == ["confirmation", "digest", "needs_info", "rejected", "review_ack"]
    assert {r.status for r in sent} == {"sent"}
    files = world.outbox_files()
    assert len(files) == 5
    balances, items = world.balances(), len(world.review_items())

    # Each reply comes back three ways: as sent (a partner's rule forwards it back, or the
    # bot's own address is on the To line), with the loop header stripped by some relay, and
    # resent by a forwarder under its own From. New Message-IDs, so none is a duplicate.
    returned = []
    for n, path in enumerate(files):
        raw = path.read_bytes()
        mid = re.search(rb"^Message-ID: *<([^>]+)>", raw, re.M | re.I).group(1).decode()
        stripped = re.sub(rb"^X-Allocbot-Loop:.*\r?\n", b"", raw, flags=re.M | re.I)
        forwarded = re.sub(rb"^From:.*\r?\n", b"From: Bluepeak forwarder <fwd@bluepeak.example>\r\n", raw, flags=re.M)
        for variant, data in (("as-sent", raw), ("stripped", stripped), ("forwarded", forwarded)):
            data = data.replace(f"<{mid}>".encode(), f"<{variant}.{mid}>".encode(), 1)
            world.deliver(data)
            returned.append(f"<{variant}.{mid}>")
        assert b"X-Allocbot-Loop" not in stripped and b"fwd@bluepeak.example" in forwarded

    report = world.run()

    assert report.decided == {"ignored": 15} and report.sent == 0
    for mid in returned:
        row = world.inbound(mid)
        assert (row.status, row.reasons) == ("ignored", "loop"), mid
    assert len(world.outbound()) == 5  # not one reply to our own mail
    assert world.balances() == balances and len(world.review_items()) == items


# --------------------------------------------------------------------------- floods

def test_a_flood_of_a_thousand_mails_from_one_address(make_world):
    world = make_world(batch_size=1000)  # defaults: 60 requests per sender, 20 replies per address an hour
    limit, reply_limit = world.app.settings.requests_per_sender_hour, world.app.settings.replies_per_address_hour
    assert (limit, reply_limit) == (60, 20)
    for n in range(1000):
        world.deliver(request_mail(body=APPLY, message_id=f"<flood.{n:04d}@bluepeak.example>"))
    world.deliver(request_mail(sender=OLA, sender_name="Ola Nordmann", body="Please allocate payment PY00000009 to invoice G000000009.",
                               message_id="<ola-during-flood@nordvik.example>"))

    started = time.perf_counter()
    report = world.run()
    elapsed = time.perf_counter() - started
    print(f"\nflood of 1,000 mails: one cycle in {elapsed:.1f} s ({report.summary()})")

    flood = sorted((r for r in world.rows(InboundMessage) if r.sender_addr == ANN), key=lambda r: r.id)
    assert len(flood) == 1000 and report.stored == 1001
    normal, held = flood[:limit], flood[limit:]
    assert all("rate_limited" not in r.reasons.split(",") for r in normal)
    assert {(r.status, r.reasons) for r in held} == {("review", "rate_limited")}
    assert normal[0].status == "applied" and world.allocations() == [("PY00000001", "G000000001", 100_00),
                                                                        ("PY00000009", "G000000009", 900_00)]
    # every held request is in the queue with a case reference; none got a reply
    queued = {i.inbound_id for i in world.review_items()}
    assert {r.id for r in held} <= queued
    to_ann = [o for o in world.outbound() if o.to_addr == ANN]
    assert len(to_ann) == reply_limit
    assert {o.inbound_id for o in to_ann} <= {r.id for r in normal}
    assert len(world.outbox_files()) == reply_limit + 1  # and Ola's
    suppressed = audits(world, "reply_suppressed")
    assert len(suppressed) == limit - reply_limit
    assert {(detail(e)["to"], detail(e)["reason"]) for e in suppressed} == {(ANN, "rate_limited")}
    # another sender is not held by somebody else's flood
    ola = world.inbound("<ola-during-flood@nordvik.example>")
    assert ola.status == "applied" and [o.kind for o in world.outbound() if o.to_addr == OLA] == ["confirmation"]
    assert report.decided == Counter({"review": 999, "applied": 2})

    # An hour later both windows have passed: Ann is read and answered again.
    world.later(hours=1, minutes=1)
    world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id="<after-the-hour@bluepeak.example>"))
    world.run()
    later = world.inbound("<after-the-hour@bluepeak.example>")
    assert (later.status, later.reasons) == ("needs_info", "unknown_invoice")
    assert [o.kind for o in world.outbound() if o.inbound_id == later.id] == ["needs_info"]


def test_the_sender_limit_counts_the_address_not_the_name_and_not_machine_mail(make_world):
    world = make_world(requests_per_sender_hour=2)
    for n in range(3):  # Ann's out-of-office replies do not count as requests
        world.deliver(request_mail(body="I am out of the office.", subject="Automatic reply: Payment allocation",
                                   headers={"Auto-Submitted": "auto-replied"}, message_id=f"<ooo.{n}@bluepeak.example>"))
    world.deliver(request_mail(body=APPLY, message_id="<first@bluepeak.example>"))
    world.deliver(request_mail(sender=ANN.upper(), sender_name="A. Admin", body=UNKNOWN_INVOICE, message_id="<second@bluepeak.example>"))
    world.deliver(request_mail(sender_name="Ann Admin (Bluepeak accounts)", body=UNKNOWN_INVOICE, message_id="<third@bluepeak.example>"))

    world.run()

    assert world.inbound("<first@bluepeak.example>").status == "applied"
    assert world.inbound("<second@bluepeak.example>").status == "needs_info"
    third = world.inbound("<third@bluepeak.example>")
    assert (third.status, third.reasons, third.sender_addr) == ("review", "rate_limited", ANN)
    assert "at least 2 earlier requests from ann@bluepeak.example" in json.loads(third.evidence)[0]["detail"]
    assert [o.inbound_id for o in world.outbound() if o.inbound_id == third.id] == []
    assert len(world.outbound()) == 2
    [item] = [i for i in world.review_items() if i.inbound_id == third.id]
    assert item.case_ref == f"ALC-{third.id:06d}"
    [held] = [e for e in audits(world, "review") if e.inbound_id == third.id]
    assert detail(held)["rate_limit"] == {"sender": ANN, "earlier_requests": 2, "per_hour": 2}


def test_the_recipient_limit_on_its_own(make_world):
    world = make_world(replies_per_address_hour=3)
    for n in range(5):
        world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id=f"<ask.{n}@bluepeak.example>"))

    report = world.run()

    assert report.decided == {"needs_info": 5}  # every request decided: the sender limit is 60
    assert [o.kind for o in world.outbound()] == ["needs_info"] * 3 and report.sent == 3
    suppressed = audits(world, "reply_suppressed")
    assert [world.inbound(f"<ask.{n}@bluepeak.example>").id for n in (3, 4)] == [e.inbound_id for e in suppressed]
    assert {detail(e)["reason"] for e in suppressed} == {"rate_limited"}
    assert "3 replies to this address within the last hour" in detail(suppressed[0])["detail"]

    world.later(minutes=61)
    world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id="<ask.later@bluepeak.example>"))
    world.run()
    assert len(world.outbound()) == 4


# --------------------------------------------------------------------------- bounces

def postfix_dsn(reply: bytes, *, n: int, action: str = "failed", status: str = "5.1.1",
                diagnostic: str = "smtp; 550 5.1.1 <ann@bluepeak.example>: Recipient address rejected: User unknown") -> bytes:
    """Postfix's bounce: a DSN with the whole reply attached as message/rfc822."""
    return (f"""Return-Path: <>
From: MAILER-DAEMON@mx.bluepeak.example (Mail Delivery System)
To: {BOT_ADDRESS}
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce.{n}.{action}@mx.bluepeak.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b{n}"

--b{n}
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--b{n}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.bluepeak.example

Final-Recipient: rfc822; ann@bluepeak.example
Action: {action}
Status: {status}
Diagnostic-Code: {diagnostic}

--b{n}
Content-Type: message/rfc822

""".encode() + reply.replace(b"\r\n", b"\n") + f"\n--b{n}--\n".encode()).replace(b"\n", b"\r\n")


def exchange_ndr(reply: bytes, *, n: int) -> bytes:
    """Exchange Online's bounce: a DSN with only the reply's header section (text/rfc822-headers)."""
    head, _ = split_head(reply)
    return (f"""From: Microsoft Outlook <postmaster@bluepeak.onmicrosoft.com>
To: <{BOT_ADDRESS}>
Subject: Undeliverable: Re: Payment allocation
Message-ID: <ndr.{n}@PR3P193MB0001.outlook.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="n{n}"

--n{n}
Content-Type: text/plain; charset=us-ascii

Your message to ann@bluepeak.example couldn't be delivered.

--n{n}
Content-Type: message/delivery-status

Reporting-MTA: dns;PR3P193MB0001.outlook.com

Final-Recipient: rfc822;ann@bluepeak.example
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp;554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException

--n{n}
Content-Type: text/rfc822-headers

""".encode() + head + f"\n\n--n{n}--\n".encode()).replace(b"\n", b"\r\n")


def threaded_notice(reply_message_id: str, *, n: int) -> bytes:
    """A gateway's plain notice that only threads to the reply (In-Reply-To)."""
    return (f"""From: Mail Delivery Subsystem <mailer-daemon@gateway.bluepeak.example>
To: {BOT_ADDRESS}
Subject: Delivery Status Notification (Failure)
Message-ID: <notice.{n}@gateway.bluepeak.example>
In-Reply-To: {reply_message_id}

Delivery to ann@bluepeak.example failed permanently: 550 5.7.1 Message rejected by policy
""").encode().replace(b"\n", b"\r\n")


def _replies_to_ann(world: BotWorld, count: int, tag: str) -> list[OutboundMessage]:
    for n in range(count):
        world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id=f"<{tag}.{n}@bluepeak.example>"))
    world.run()
    rows = [o for o in world.outbound() if o.to_addr == ANN and o.status == "sent"]
    return rows[-count:]


def _raw_of(world: BotWorld, row: OutboundMessage) -> bytes:
    [path] = [p for p in world.outbox_files() if row.message_id.strip("<>") in p.name]
    return path.read_bytes()


def test_a_bounce_is_traced_to_the_reply_it_returns_by_each_route(world):
    first, second, third = _replies_to_ann(world, 3, "traced")
    world.deliver(postfix_dsn(_raw_of(world, first), n=1))
    world.deliver(exchange_ndr(_raw_of(world, second), n=2))
    world.deliver(threaded_notice(third.message_id, n=3))

    report = world.run()

    assert report.decided == {"ignored": 3} and report.sent == 0
    rows = {o.id: o for o in world.outbound()}
    assert [rows[r.id].status for r in (first, second, third)] == ["bounced"] * 3
    assert rows[first.id].bounce_reason.startswith("5.1.1 (smtp; 550 5.1.1 <ann@bluepeak.example>: Recipient address rejected")
    assert "QuotaExceededException" in rows[second.id].bounce_reason
    assert rows[third.id].bounce_reason == "550 5.7.1 Message rejected by policy"
    assert all(rows[r.id].bounced_at is not None for r in (first, second, third))
    for mid in ("<bounce.1.failed@mx.bluepeak.example>", "<ndr.2@PR3P193MB0001.outlook.com>", "<notice.3@gateway.bluepeak.example>"):
        bounce = world.inbound(mid)
        assert (bounce.status, bounce.reasons) == ("ignored", "bounce")
    traced = audits(world, "bounce_traced")
    assert sorted(o for e in traced for o in detail(e)["outbound_ids"]) == sorted([first.id, second.id, third.id])
    bounced = audits(world, "reply_bounced")  # on the request each reply answered
    assert sorted((e.inbound_id, detail(e)["outbound_id"]) for e in bounced) == sorted(
        (r.inbound_id, r.id) for r in (first, second, third))
    exported = {r["message_id"]: r for r in world.export()}
    assert [r["status"] for r in exported["<traced.0@bluepeak.example>"]["replies"]] == ["bounced"]


def test_what_is_not_a_bounce_of_a_reply_marks_nothing(world):
    [reply] = _replies_to_ann(world, 1, "kept")
    raw = _raw_of(world, reply)
    world.deliver(postfix_dsn(raw, n=1, action="delayed", status="4.4.7", diagnostic="smtp; 451 4.4.7 timeout"))
    stranger = raw.replace(reply.message_id.encode(), b"<somebody-elses@billing.example>")
    world.deliver(postfix_dsn(stranger, n=2))

    world.run()

    assert [o.status for o in world.outbound()] == ["sent"]
    untraced = audits(world, "bounce_untraced")
    assert [(detail(e)["failed"], detail(e)["message_ids"]) for e in untraced] == [
        (False, [reply.message_id]), (True, ["<somebody-elses@billing.example>"])]


def test_replies_stop_after_three_bounces_in_a_row(world):
    threshold = world.app.settings.bounce_threshold
    assert threshold == 3
    r1, r2, r3 = _replies_to_ann(world, 3, "bouncy")
    world.deliver(postfix_dsn(_raw_of(world, r1), n=1))
    world.deliver(postfix_dsn(_raw_of(world, r2), n=2))
    world.run()
    # Two bounces, and r3 went out since: Ann is still answered.
    [r4] = _replies_to_ann(world, 1, "still-answered")
    world.deliver(postfix_dsn(_raw_of(world, r3), n=3))
    world.run()
    assert audits(world, "replies_stopped") == []  # r4 is the newest, not bounced (yet)
    world.deliver(postfix_dsn(_raw_of(world, r4), n=4))
    world.run()

    [stopped] = audits(world, "replies_stopped")
    assert detail(stopped)["to"] == ANN and stopped.inbound_id == world.inbound("<bounce.4.failed@mx.bluepeak.example>").id
    sent_before = len(world.outbound())
    world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id="<after-stop@bluepeak.example>"))
    world.deliver(request_mail(sender=OLA, sender_name="Ola Nordmann", body="Please allocate payment PY00000009 to invoice G999999999.",
                               message_id="<ola@nordvik.example>"))
    report = world.run()

    after_stop = world.inbound("<after-stop@bluepeak.example>")
    assert after_stop.status == "needs_info" and report.decided == {"needs_info": 2}  # still decided
    assert [o.to_addr for o in world.outbound()[sent_before:]] == [OLA]  # only Ola is answered
    [suppressed] = [e for e in audits(world, "reply_suppressed") if e.inbound_id == after_stop.id]
    assert detail(suppressed)["reason"] == "bounce_threshold" and detail(suppressed)["to"] == ANN
    # no amount of time lifts it: the bounces are not a rate
    world.later(hours=25)
    world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id="<next-day@bluepeak.example>"))
    world.run()
    assert [o.to_addr for o in world.outbound()[sent_before:]] == [OLA]


# --------------------------------------------------------------------------- schema

def test_the_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_the_migration_fills_in_the_sender_of_stored_mail(engine):
    cfg = alembic_config(engine)
    try:
        command.downgrade(cfg, "0003")
        with engine.begin() as conn:
            for n, sender in enumerate(["Ann Admin <Ann@Bluepeak.example>", "tom@bluepeak.example", "", "not an address"]):
                conn.execute(text("INSERT INTO inboundmessage (dedup_key, message_id, source, raw, from_addr, subject, received_at, "
                                  "status, reasons, evidence, request, error) VALUES (:k, :k, '', :raw, :sender, '', :at, "
                                  "'received', '', '[]', '{}', '')"),
                             {"k": f"<m{n}@x>", "raw": b"x", "sender": sender, "at": "2026-11-25 09:00:00"})
        migrate(engine)
        with engine.connect() as conn:
            got = conn.execute(text("SELECT from_addr, sender_addr FROM inboundmessage ORDER BY id")).all()
        assert [tuple(r) for r in got] == [("Ann Admin <Ann@Bluepeak.example>", ANN), ("tom@bluepeak.example", TOM),
                                           ("", ""), ("not an address", parseaddr("not an address")[1].lower())]
    finally:
        migrate(engine)
