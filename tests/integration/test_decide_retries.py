"""A message whose deciding keeps failing on a database error (issue 15 item 3): it waits for
the next cycle `decide_attempts` times, then is held for review with the error as evidence
(reason `database_error`), unanswered; the messages beside it are decided as usual. On a real
database (SQLite and PostgreSQL), a real Maildir and file outbox."""
from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import OperationalError

import bot.service
from bot.ledger.tables import AuditEvent
from tests.integration.conftest import request_mail

STUCK = "<stuck@bluepeak.example>"
GOOD = "<good@bluepeak.example>"


class DriverError(Exception):
    pass


@pytest.fixture
def stuck_world(make_world, monkeypatch):
    """Deciding STUCK fails every time as a statement the database refuses for it alone would."""
    world = make_world(decide_attempts=3)
    real = bot.service.judge

    def judge(session, app, row):
        if row.message_id == STUCK:
            raise OperationalError("UPDATE payment SET …", {}, DriverError("canceling statement due to statement timeout"))
        return real(session, app, row)

    monkeypatch.setattr(bot.service, "judge", judge)
    world.deliver(request_mail(message_id=STUCK))
    return world


def test_a_message_that_keeps_failing_on_a_database_error_is_held_for_review_after_the_cap(stuck_world):
    world = stuck_world
    world.deliver(request_mail(body="Please allocate payment PY00000002 to invoice G000000002.", message_id=GOOD))

    reports = [world.run() for _ in range(3)]

    assert [dict(r.decided) for r in reports] == [{"applied": 1, "retry": 1}, {"retry": 1}, {"review": 1}]
    held = world.inbound(STUCK)
    assert (held.status, held.reasons) == ("review", "database_error")
    assert "OperationalError" in held.error and "statement timeout" in held.error
    [evidence] = json.loads(held.evidence)
    assert evidence["kind"] == "database_error" and evidence["attempts"] == 3 and "statement timeout" in evidence["error"]
    [item] = world.review_items()
    assert (item.inbound_id, item.reasons) == (held.id, "database_error")
    assert world.inbound(GOOD).status == "applied"
    assert len(world.outbox_files()) == 1  # the good request's confirmation; the held one is not answered
    actions = [e.action for e in world.rows(AuditEvent) if e.inbound_id == held.id]
    assert actions.count("decide_deferred") == 3 and actions.count("held_after_retries") == 1

    later = world.run()  # held: never tried again
    assert dict(later.decided) == {}
    assert [e.action for e in world.rows(AuditEvent) if e.inbound_id == held.id].count("decide_deferred") == 3


def test_below_the_cap_the_message_waits_and_is_decided_once_the_database_lets_it(stuck_world, monkeypatch):
    world = stuck_world

    assert [dict(world.run().decided) for _ in range(2)] == [{"retry": 1}, {"retry": 1}]
    assert world.inbound(STUCK).status == "received" and world.review_items() == []
    monkeypatch.undo()  # the database takes it now

    assert dict(world.run().decided) == {"applied": 1}
    assert world.inbound(STUCK).status == "applied" and world.review_items() == []
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]
