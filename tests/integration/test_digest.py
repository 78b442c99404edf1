"""Queue figures and the daily digest on a real database (SQLite and PostgreSQL), after the bot
has decided a mix of mail: what billing operations read in `allocbot status` and their inbox."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

import bot.service
from bot.cycle import CycleReport
from bot.ledger.stats import queue_stats
from bot.replies.digest import queue_digest
from bot.replies.file import FileOutbox
from bot.replies.outbox import Connectionless, DeliveryError
from tests.integration.conftest import ANN, BOT_ADDRESS, TOM, BotWorld, body_text, parse_mail, request_mail

OPS = ("ops@billing.example", "lead@billing.example")
APPLIED = "Please allocate payment PY00000001 to invoice G000000001."
NEEDS_INFO = "Please allocate payment PY00000002 to invoice G999999999."  # no such invoice


class PickyOutbox(Connectionless):
    """Delivers to a folder, except: mail to Tom is refused for good (5xx), and mail naming the
    unknown invoice is refused for now (4xx) -- so the outbox has one failed and one retrying."""

    name = "picky"

    def __init__(self, folder: Path) -> None:
        self.files = FileOutbox(folder)

    def send(self, raw: bytes, *, to: str, message_id: str) -> None:
        if to == TOM:
            raise DeliveryError("550 5.1.1 mailbox unavailable", permanent=True)
        if b"G999999999" in raw:
            raise DeliveryError("421 4.3.2 try again later")
        self.files.send(raw, to=to, message_id=message_id)


def at_noon(world: BotWorld) -> BotWorld:
    """Move the app's clock to today's noon (UTC), so no test straddles midnight."""
    now = world.now()
    world.later(seconds=(now.replace(hour=12, minute=0, second=0, microsecond=0) - now).total_seconds())
    return world


def decided_mix(make_world, tmp_path: Path, **settings) -> tuple[BotWorld, datetime, datetime]:
    """An applied request, one held for review (Tom may not ask) and one needing information,
    decided in that order; returns the world and the clock before and after the cycle."""
    world = at_noon(make_world(outbox=PickyOutbox(tmp_path / "outbox"), **settings))
    world.deliver(request_mail(body=APPLIED, message_id="<applied@bluepeak.example>"))
    world.deliver(request_mail(sender=TOM, sender_name="Tom Seller", body=APPLIED, message_id="<review@bluepeak.example>"))
    world.deliver(request_mail(body=NEEDS_INFO, message_id="<needs-info@bluepeak.example>"))
    before = world.now()
    report = world.run()
    after = world.now()
    assert dict(report.decided) == {"applied": 1, "review": 1, "needs_info": 1}
    assert (report.sent, report.failed, report.deferred) == (1, 1, 1)
    return world, before, after


def stats(world: BotWorld):
    with Session(world.app.engine) as session:
        return queue_stats(session, now=world.now())


def digest(world: BotWorld) -> int:
    with Session(world.app.engine) as session:
        queued = queue_digest(session, settings=world.app.settings, templates_dir=world.app.templates / "email", now=world.now())
        session.commit()
    return queued


def digest_rows(world: BotWorld):
    return [r for r in world.outbound() if r.kind == "digest"]


# --------------------------------------------------------------------------- figures

def test_queue_stats_count_open_items_todays_outcomes_and_the_outbox(make_world, tmp_path):
    world, before, after = decided_mix(make_world, tmp_path)
    world.deliver(request_mail(body=APPLIED.replace("PY00000001", "PY00000002"), message_id="<waiting@bluepeak.example>"))
    bot.service.intake(world.app, CycleReport())  # stored, not yet decided

    s = stats(world)

    assert s.open_items == {"review": 1, "needs_info": 1} and s.queue_size == 2
    assert before <= s.oldest_open_at <= after
    assert s.oldest_open_at == min(item.created_at for item in world.review_items())
    assert s.waiting == 1
    assert s.unfiled == 0  # a Maildir files at once
    assert s.decided_today == {"applied": 1, "review": 1, "needs_info": 1}
    assert (s.outbox_pending, s.outbox_deferred, s.outbox_failed) == (1, 1, 1)
    assert before <= s.oldest_pending_at <= after


def test_todays_outcomes_start_again_at_midnight_but_the_open_queue_stays(make_world, tmp_path):
    world, before, _ = decided_mix(make_world, tmp_path)
    world.later(days=1)

    s = stats(world)

    assert s.decided_today == {}
    assert s.open_items == {"review": 1, "needs_info": 1}
    assert s.oldest_open_at >= before


def test_an_item_closed_by_a_person_leaves_the_queue(make_world, tmp_path):
    world, _, _ = decided_mix(make_world, tmp_path)
    [review] = [i for i in world.review_items() if i.inbound_id == world.inbound("<review@bluepeak.example>").id]
    with Session(world.app.engine) as session:
        item = session.get(type(review), review.id)
        item.status = "closed"
        session.add(item)
        session.commit()

    s = stats(world)

    assert s.open_items == {"needs_info": 1} and s.queue_size == 1


def test_an_empty_database_has_empty_figures(world):
    s = stats(world)

    assert (s.open_items, s.oldest_open_at, s.waiting, s.unfiled) == ({}, None, 0, 0)
    assert (s.outbox_pending, s.outbox_deferred, s.outbox_failed, s.oldest_pending_at) == (0, 0, 0, None)
    assert s.decided_today == {} and s.queue_size == 0


# --------------------------------------------------------------------------- the digest

def test_the_digest_is_queued_once_per_recipient_with_the_days_figures(make_world, tmp_path):
    world, _, _ = decided_mix(make_world, tmp_path, digest_to=list(OPS))
    day = world.now().date().isoformat()

    assert digest(world) == 2

    rows = digest_rows(world)
    assert sorted(r.to_addr for r in rows) == sorted(OPS)
    assert all(r.status == "pending" and r.inbound_id is None for r in rows)
    assert len({r.message_id for r in rows}) == 2
    for row in rows:
        msg = parse_mail(row.raw)
        assert [a.addr_spec for a in msg["To"].addresses] == [row.to_addr]
        assert msg["From"].addresses[0].addr_spec == BOT_ADDRESS
        assert msg["Auto-Submitted"] == "auto-generated"
        assert msg["X-Allocbot-Loop"] == BOT_ADDRESS
        assert msg["In-Reply-To"] is None and msg["Message-ID"] == row.message_id
        assert str(msg["Subject"]) == f"Allocation queue {day}: 2 open, 1 applied today"
        text = " ".join(body_text(msg).split())
        assert f"daily digest for {day}" in text
        assert "Open items: 2 (needs_info 1, review 1)" in text
        assert re.search(r"Oldest open item: \d{4}-\d\d-\d\d \d\d:\d\d UTC \(0\.\d hours\)", text), text
        assert "Waiting to be read: 0" in text
        for status, n in (("applied", 1), ("needs_info", 1), ("review", 1), ("ignored", 0), ("error", 0)):
            assert f"{status}: {n}" in text
        assert "Waiting to be sent: 1 (1 refused for now, retrying)" in text
        assert "Failed for good: 1" in text


def test_the_digest_is_queued_once_a_day_and_again_the_next_day(make_world, tmp_path):
    world, _, _ = decided_mix(make_world, tmp_path, digest_to=list(OPS))
    assert digest(world) == 2

    world.later(hours=11, minutes=59)  # 23:59 the same day
    assert digest(world) == 0  # a restart, or a second worker, on the same day
    assert len(digest_rows(world)) == 2

    world.later(days=1)
    assert digest(world) == 2
    rows = digest_rows(world)
    assert len(rows) == 4 and len({r.message_id for r in rows}) == 4
    day = world.now().date().isoformat()
    [subject] = {str(parse_mail(r.raw)["Subject"]) for r in rows[2:]}
    assert subject == f"Allocation queue {day}: 2 open, 0 applied today"
    assert "applied: 0" in " ".join(body_text(parse_mail(rows[2].raw)).split())


def test_no_digest_without_recipients(make_world, tmp_path):
    world, _, _ = decided_mix(make_world, tmp_path)

    assert digest(world) == 0
    assert digest_rows(world) == []


def test_a_quiet_days_digest_says_so(make_world):
    world = at_noon(make_world(digest_to=["ops@billing.example"]))
    day = world.now().date().isoformat()

    assert digest(world) == 1

    [row] = digest_rows(world)
    msg = parse_mail(row.raw)
    assert str(msg["Subject"]) == f"Allocation queue {day}: 0 open, 0 applied today"
    text = " ".join(body_text(msg).split())
    assert "Open items: 0 Oldest open item: none" in text
    assert "Waiting to be sent: 0 Failed for good: 0 This digest" in text


def test_the_queued_digest_is_sent_into_the_file_outbox(make_world, tmp_path):
    world = at_noon(make_world(digest_to=list(OPS)))
    world.deliver(request_mail(body=APPLIED, message_id="<applied@bluepeak.example>"))
    world.deliver(request_mail(sender=TOM, sender_name="Tom Seller", body=APPLIED, message_id="<review@bluepeak.example>"))
    world.run()
    replies = {p.name for p in world.outbox_files()}
    assert len(replies) == 2
    day = world.now().date().isoformat()

    assert digest(world) == 2
    report = CycleReport()
    bot.service.send_outbox(world.app, report)

    assert (report.sent, report.failed, report.deferred) == (2, 0, 0)
    assert all(r.status == "sent" and r.sent_at is not None for r in digest_rows(world))
    sent = [parse_mail(p.read_bytes()) for p in world.outbox_files() if p.name not in replies]
    assert sorted(a.addr_spec for m in sent for a in m["To"].addresses) == sorted(OPS)
    for msg in sent:
        assert msg["Auto-Submitted"] == "auto-generated"
        assert str(msg["Subject"]) == f"Allocation queue {day}: 1 open, 1 applied today"
        assert "Open items: 1 (review 1)" in " ".join(body_text(msg).split())
    # sent once: a second pass and a second digest the same day add nothing
    assert digest(world) == 0
    again = CycleReport()
    bot.service.send_outbox(world.app, again)
    assert again.sent == 0 and len(world.outbox_files()) == 4
    assert ANN not in {a.addr_spec for m in sent for a in m["To"].addresses}
