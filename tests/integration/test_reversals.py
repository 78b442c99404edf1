"""An operator's reversal of an allocation, posted to the billing system as the allocation was
(issue 13): its money comes back when the billing system shows the reversal, never before;
a refused reversal leaves the allocation standing."""
from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.ledger.importer import import_ledger
from bot.ledger.reversals import ReversalError, reverse_allocation
from bot.ledger.tables import Allocation, AuditEvent, Posting
from tests.integration.billing_receiver import SECRET, BillingReceiver
from tests.integration.conftest import request_mail
from tests.integration.test_cli import Cli, words
from tests.integration.test_reconcile import export


@pytest.fixture
def receiver():
    r = BillingReceiver().start()
    yield r
    r.stop()


def applied(world) -> Allocation:
    world.deliver(request_mail())
    assert world.run().decided == {"applied": 1}
    [allocation] = world.rows(Allocation)
    return allocation


def reverse(world, allocation_id: int, reason: str = "partner paid the wrong invoice") -> Posting:
    with Session(world.app.engine) as session:
        posting = reverse_allocation(session, allocation_id=allocation_id, actor="ops@billing.example", reason=reason,
                                     now=world.now(), reflected=world.app.billing.reflects_at_once)
        session.commit()
        session.refresh(posting)
        return posting


def test_with_the_builtin_billing_system_a_reversal_gives_the_money_back_at_once_and_only_once(world):
    allocation = applied(world)

    posting = reverse(world, allocation.id)

    assert (posting.kind, posting.state, posting.amount_minor) == ("reverse", "reflected", 100_00)
    assert world.balances()["PY00000001"] == 100_00 and world.balances()["G000000001"] == 100_00
    [event] = [e for e in world.rows(AuditEvent) if e.action == "allocation_reversed"]
    assert event.actor == "ops@billing.example" and "wrong invoice" in event.detail
    for bad, why in ((allocation.id, "moves no money any more"), (999, "there is no allocation 999")):
        with pytest.raises(ReversalError, match=why):
            reverse(world, bad)
    assert world.balances()["PY00000001"] == 100_00


def test_a_reversal_needs_a_reason(world):
    allocation = applied(world)
    with pytest.raises(ReversalError, match="say why"):
        reverse(world, allocation.id, reason="  ")


def test_through_a_webhook_the_money_comes_back_only_when_the_billing_system_shows_the_reversal(make_world, receiver):
    world = make_world(billing=receiver.url, billing_secret=SECRET)
    allocation = applied(world)
    [original] = world.rows(Posting)

    reversal = reverse(world, allocation.id)
    assert world.run().posted == {"delivered": 1}

    assert [(p["kind"], p["key"]) for p in receiver.taken] == [("allocate", original.key), ("reverse", reversal.key)]
    assert world.balances()["PY00000001"] == 0  # delivered, not shown: still allocated
    with Session(world.app.engine) as session:
        result = import_ledger(session, export(world, "undone", allocations=[]), now=world.now()).reconciliation
        session.commit()
    assert result.discrepancies == [] and result.reflected == 1
    assert world.balances()["PY00000001"] == 100_00 and world.balances()["G000000001"] == 100_00
    assert {p.kind: p.state for p in world.rows(Posting)} == {"allocate": "delivered", "reverse": "reflected"}


def test_a_refused_reversal_leaves_the_allocation_standing(make_world, receiver):
    world = make_world(billing=receiver.url, billing_secret=SECRET)
    allocation = applied(world)
    receiver.refuse["G000000001"] = "period 2026-10 is closed"

    reverse(world, allocation.id)
    assert world.run().posted == {"rejected": 1}

    assert world.balances()["PY00000001"] == 0 and world.rows(Allocation)[0].released_at is None
    assert world.export()[0]["status"] == "applied"  # the request is not held: the money never moved back
    [refused] = [p for p in world.rows(Posting) if p.kind == "reverse"]
    assert refused.state == "rejected" and "period 2026-10 is closed" in refused.reason


def test_the_command_reverses_and_says_when_the_money_comes_back(tmp_path):
    from tests.integration.conftest import deliver, standard_ledger

    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'allocbot.db'}")
    cli.ok("ledger", "import", str(standard_ledger(tmp_path / "ledger")))
    deliver(cli.maildir, request_mail())
    cli.ok("run", "--once")

    done = cli.ok("allocations", "reverse", "1", "--reason", "wrong invoice", "--by", "ops@billing.example")
    again = cli("allocations", "reverse", "1", "--reason", "wrong invoice")

    assert done.startswith("allocation 1 reversed: posting rev-1-") and "its money is back" in words(done)
    assert again.returncode == 1 and "moves no money any more" in again.stderr
