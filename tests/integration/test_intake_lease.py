"""Intake under the intake lease, on a real database and a real Maildir: the holder stores and
renews; a worker whose lease another worker took stores nothing more, and the mail it left
stays in the Maildir's new/ for the new holder."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

import bot.service
from bot.cycle import CycleReport, Guard, LeaseTicket
from bot.ledger.leases import acquire_lease, lease_holder
from bot.ledger.tables import InboundMessage
from tests.integration.conftest import BotWorld, request_mail

LEASE = "intake"
TTL = timedelta(seconds=60)
A = LeaseTicket(LEASE, "worker-a", TTL)
B = LeaseTicket(LEASE, "worker-b", TTL)


def take(world: BotWorld, ticket: LeaseTicket) -> bool:
    with Session(world.app.engine) as session:
        held = acquire_lease(session, name=ticket.name, holder=ticket.holder, now=world.now(), ttl=ticket.ttl)
        session.commit()
    return held


def holder(world: BotWorld) -> tuple[str, object] | None:
    with Session(world.app.engine) as session:
        return lease_holder(session, name=LEASE, now=world.now())


def run_intake(world: BotWorld, ticket: LeaseTicket) -> CycleReport:
    report = CycleReport()
    bot.service.intake(world.app, report, Guard(lease=ticket))
    return report


def names(world: BotWorld, sub: str) -> list[str]:
    return sorted(p.name.split(":", 1)[0] for p in (world.maildir / sub).iterdir() if p.is_file())


def stored_ids(world: BotWorld) -> list[str]:
    return sorted(r.message_id for r in world.rows(InboundMessage))


def test_the_lease_holder_stores_the_mail_and_renews_its_lease(world):
    assert take(world, A)
    world.later(seconds=45)  # most of the lease's time has gone by
    delivered = [world.deliver(request_mail(message_id=f"<held-{i}@bluepeak.example>")) for i in range(3)]

    report = run_intake(world, A)

    assert (report.stored, report.duplicates, report.stopped) == (3, 0, "")
    assert stored_ids(world) == [f"<held-{i}@bluepeak.example>" for i in range(3)]
    assert names(world, "new") == [] and names(world, "cur") == sorted(p.name for p in delivered)
    # each store renewed the lease, so it now runs from (about) this moment, not from the acquisition
    name, expires_at = holder(world)
    assert name == "worker-a"
    assert expires_at > world.now() + TTL - timedelta(seconds=5)
    world.later(seconds=30)  # past the first expiry time: still worker-a's
    assert not take(world, B)


def test_a_worker_that_lost_its_lease_stores_nothing_and_leaves_the_mail_in_new(world):
    assert take(world, A)
    world.later(seconds=TTL.total_seconds() + 1)  # worker-a stalled; its lease ran out
    assert take(world, B)
    delivered = [world.deliver(request_mail(message_id=f"<fenced-{i}@bluepeak.example>")) for i in range(2)]

    report = run_intake(world, A)

    assert (report.stored, report.duplicates, report.stopped) == (0, 0, "lease lost")
    assert world.rows(InboundMessage) == []
    assert names(world, "new") == sorted(p.name for p in delivered) and names(world, "cur") == []
    assert holder(world)[0] == "worker-b"  # the failed renewal did not take it back

    # the new holder stores the very same mail
    later = run_intake(world, B)

    assert (later.stored, later.stopped) == (2, "")
    assert stored_ids(world) == ["<fenced-0@bluepeak.example>", "<fenced-1@bluepeak.example>"]
    assert names(world, "new") == [] and names(world, "cur") == sorted(p.name for p in delivered)


def test_a_worker_that_never_held_the_lease_stores_nothing(world):
    world.deliver(request_mail(message_id="<nolease@bluepeak.example>"))

    report = run_intake(world, A)

    assert (report.stored, report.stopped) == (0, "lease lost")
    assert world.rows(InboundMessage) == [] and len(names(world, "new")) == 1


def test_losing_the_lease_between_two_messages_stops_after_the_one_in_hand(world, monkeypatch):
    assert take(world, A)
    first = world.deliver(request_mail(message_id="<first@bluepeak.example>"), name="1800000001.M1P1.host")
    second = world.deliver(request_mail(message_id="<second@bluepeak.example>"), name="1800000002.M2P1.host")
    mailbox = world.app.mailbox
    told = mailbox.stored

    def stored_then_taken_over(key: str) -> None:
        told(key)
        if key == first.name:  # while worker-a was busy, its lease expired and worker-b took it
            world.later(seconds=TTL.total_seconds() + 1)
            assert take(world, B)

    monkeypatch.setattr(mailbox, "stored", stored_then_taken_over)

    report = run_intake(world, A)

    assert (report.stored, report.stopped) == (1, "lease lost")
    assert stored_ids(world) == ["<first@bluepeak.example>"]
    assert names(world, "cur") == [first.name] and names(world, "new") == [second.name]
    monkeypatch.undo()

    assert run_intake(world, B).stored == 1
    assert stored_ids(world) == ["<first@bluepeak.example>", "<second@bluepeak.example>"]
    assert names(world, "new") == []


def test_a_full_cycle_after_the_handover_decides_and_answers_the_fenced_mail_once(world):
    assert take(world, A)
    world.later(seconds=TTL.total_seconds() + 1)
    assert take(world, B)
    world.deliver(request_mail(message_id="<handover@bluepeak.example>"))
    assert run_intake(world, A).stopped == "lease lost"

    report = bot.service.run_cycle(world.app, Guard(lease=B))

    assert (report.stored, dict(report.decided), report.sent) == (1, {"applied": 1}, 1)
    assert world.inbound("<handover@bluepeak.example>").status == "applied"
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]
    assert len(world.outbox_files()) == 1
    assert names(world, "new") == []
