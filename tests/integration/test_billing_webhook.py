"""Postings to a billing system's webhook (ALLOCBOT_BILLING=http://…) on a real loopback
HTTP server that checks every signature: each allocation delivered once by key, the money
released when the billing system refuses it, retries while it is away, and the partner
confirmed only when the billing view shows the change."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.ledger import postings
from bot.ledger.importer import import_ledger
from bot.ledger.tables import Allocation, Posting
from tests.integration.billing_receiver import SECRET, BillingReceiver
from tests.integration.conftest import body_text, request_mail
from tests.integration.test_reconcile import export

PY2_G1_G2 = "Please allocate payment PY00000002: 100.00 to invoice G000000001 and 250.00 to invoice G000000002."


@pytest.fixture
def receiver():
    r = BillingReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def hooked(make_world, receiver):
    def make(**settings):
        return make_world(billing=receiver.url, billing_secret=SECRET, retry_base_seconds=30, **settings)
    return make


def kinds(world) -> list[str]:
    return [r.kind for r in world.outbound()]


def test_each_allocation_is_delivered_once_signed_and_confirmed_only_once_the_export_reflects_it(hooked, receiver):
    world = hooked()
    world.deliver(request_mail(body=PY2_G1_G2, message_id="<two@bluepeak.example>"))

    report = world.run()

    assert report.decided == {"applied": 1} and report.posted == {"delivered": 2}
    sent = world.rows(Posting)
    assert receiver.keys() == [p.key for p in sent] and receiver.bad_signatures == 0
    assert {(p["payment_id"], p["invoice_number"], p["amount"], p["currency"], p["kind"], p["message_id"],
             p["account_id"]) for p in receiver.taken} == {
        ("PY00000002", "G000000001", "100.00", "USD", "allocate", "<two@bluepeak.example>", "A1"),
        ("PY00000002", "G000000002", "250.00", "USD", "allocate", "<two@bluepeak.example>", "A1")}
    assert kinds(world) == []  # delivered is not reflected: nobody is confirmed yet
    [record] = world.export()
    assert (record["status"], record["billing_status"]) == ("applied", "awaiting_billing")

    assert world.run().posted == {}  # nothing is delivered twice
    with Session(world.app.engine) as session:
        import_ledger(session, export(world, "reflected", payments={"PY00000002": "150.00"},
                                      invoices={"G000000001": "0.00", "G000000002": "0.00"},
                                      allocations=[(p.payment_id, p.invoice_number, f"{p.amount_minor / 100:.2f}", p.key)
                                                   for p in sent]), now=world.now())
        session.commit()
    after = world.run()

    assert after.confirmed == 1 and kinds(world) == ["confirmation"]
    [record] = world.export()
    assert record["billing_status"] == "reflected"
    assert world.balances()["PY00000002"] == 150_00  # the billing system's figure, counted once
    text = body_text(world.outbox_messages()[0])
    assert "$150.00" in text and "G000000002" in text
    assert len(receiver.answers) == 2


def test_a_billing_system_that_applies_at_once_gets_the_partner_confirmed_in_the_same_cycle(hooked, receiver):
    receiver.reflect = True
    world = hooked()
    world.deliver(request_mail())

    report = world.run()

    assert report.posted == {"reflected": 1} and report.confirmed == 1 and report.sent == 1
    [posting] = world.rows(Posting)
    assert (posting.state, posting.reflected_by) == ("reflected", "billing")
    assert kinds(world) == ["confirmation"]


def test_confirm_when_delivered_confirms_on_the_billing_systems_acceptance(hooked):
    world = hooked(confirm_when="delivered")
    world.deliver(request_mail())
    assert world.run().confirmed == 1 and kinds(world) == ["confirmation"]


def test_acknowledge_pending_sends_a_short_note_first_and_the_confirmation_later(hooked, receiver):
    world = hooked(acknowledge_pending=True)
    world.deliver(request_mail())
    world.run()
    assert kinds(world) == ["pending_ack"]
    assert "as soon as the billing system shows the change" in " ".join(body_text(world.outbox_messages()[0]).split())

    [posting] = world.rows(Posting)
    with Session(world.app.engine) as session:
        import_ledger(session, export(world, "shown", payments={"PY00000001": "0.00"}, invoices={"G000000001": "0.00"},
                                      allocations=[("PY00000001", "G000000001", "100.00", posting.key)]), now=world.now())
        session.commit()
    world.run()
    assert kinds(world) == ["pending_ack", "confirmation"]


def test_a_refused_posting_releases_the_money_and_holds_the_request_without_a_confirmation(hooked, receiver):
    receiver.refuse["G000000002"] = "invoice G000000002 is in a closed period"
    world = hooked()
    world.deliver(request_mail(body=PY2_G1_G2, message_id="<refused@bluepeak.example>"))

    report = world.run()

    assert report.posted == {"delivered": 1, "rejected": 1}
    balances = world.balances()
    assert (balances["PY00000002"], balances["G000000001"], balances["G000000002"]) == (400_00, 0, 250_00)
    inbound = world.inbound("<refused@bluepeak.example>")
    assert inbound.status == "review" and "billing_rejected" in inbound.reasons and not inbound.confirm_due
    [item] = world.review_items()
    assert item.status == "open"
    [released] = [a for a in world.rows(Allocation) if a.released_at is not None]
    assert released.invoice_number == "G000000002" and "closed period" in released.release_reason
    assert kinds(world) == []  # no confirmation, ever: the reflection of the other one changes nothing
    assert world.run().confirmed == 0
    [record] = world.export()
    assert record["billing_status"] == "rejected"
    assert [a["invoice_number"] for a in record["allocations"]] == ["G000000001"]


def test_a_billing_system_that_is_down_gets_everything_later_and_mail_is_still_decided(hooked, receiver):
    receiver.stop()
    world = hooked()
    world.deliver(request_mail())
    world.deliver(request_mail(body="Please allocate payment PY00000002 to invoice G000000002."))

    down = world.run()

    assert down.decided == {"applied": 2} and down.posted == {"retry": 1}  # the rest is not knocked on in vain
    assert {p.state for p in world.rows(Posting)} == {"pending"}
    assert sorted(bool("ConnectError" in p.last_error) for p in world.rows(Posting)) == [False, True]
    receiver.start()
    assert world.run().posted == {"delivered": 1}  # the one not tried yet; the refused one backs off
    world.later(seconds=31)
    assert world.run().posted == {"delivered": 1}
    assert sorted(receiver.keys()) == sorted(p.key for p in world.rows(Posting))


def test_a_5xx_is_retried_after_the_backoff_and_taken_once(hooked, receiver):
    receiver.script = [503]
    world = hooked()
    world.deliver(request_mail())
    assert world.run().posted == {"retry": 1}
    world.later(seconds=31)
    assert world.run().posted == {"delivered": 1}
    assert [status for _key, status in receiver.answers] == [503, 200] and len(receiver.keys()) == 1


def test_a_crash_after_the_billing_system_took_it_delivers_it_again_under_the_same_key(hooked, receiver, monkeypatch):
    world = hooked()
    world.deliver(request_mail())
    real = postings.record_answer

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed before the answer was recorded")
    monkeypatch.setattr(postings, "record_answer", crash)
    with pytest.raises(KeyboardInterrupt):
        world.run()
    monkeypatch.setattr(postings, "record_answer", real)
    assert world.run().posted == {}  # still claimed by the dead run
    world.later(seconds=600)  # the claim ran out

    assert world.run().posted == {"delivered": 1}
    [posting] = world.rows(Posting)
    assert [status for _key, status in receiver.answers] == [200, 409]  # the billing system knew the key
    assert receiver.keys() == [posting.key] and posting.state == "delivered"


def test_a_wrong_secret_is_retried_never_taken_as_a_refusal(make_world, receiver):
    world = make_world(billing=receiver.url, billing_secret="whsec_" + "A" * 32)
    world.deliver(request_mail())
    assert world.run().posted == {"retry": 1}
    assert receiver.bad_signatures == 1 and world.balances()["PY00000001"] == 0  # still allocated, waiting


def test_a_connector_that_says_nothing_of_a_posting_leaves_it_waiting(database_url, tmp_path, engines):
    from bot.bootstrap import bootstrap
    from bot.ledger.importer import import_ledger as load
    from bot.posting.port import Answer
    from bot.posting.testing import RecordingBilling
    from bot.service import run_cycle
    from bot.settings import load_settings
    from tests.integration.conftest import deliver, standard_ledger

    billing = RecordingBilling(answer=lambda p: None if p.invoice_number == "G000000002" else Answer(p.key, "reflected"))
    app = bootstrap(load_settings(database_url=database_url, mailbox=f"maildir:{tmp_path / 'mb'}",
                                  outbox=f"file:{tmp_path / 'out'}"), billing=billing)
    engines.append(app.engine)
    with Session(app.engine) as session:
        load(session, standard_ledger(tmp_path / "ledger"))
        session.commit()
    deliver(tmp_path / "mb", request_mail(body=PY2_G1_G2))

    report = run_cycle(app)

    assert report.posted == {"reflected": 1, "retry": 1} and report.confirmed == 0
    assert [len(b.postings) for b in billing.batches] == [2]
    with Session(app.engine) as session:
        waiting = session.exec(select(Posting).where(Posting.state == "pending")).one()
        assert waiting.invoice_number == "G000000002" and "gave no answer" in waiting.last_error
