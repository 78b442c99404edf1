"""Postings as JSON Lines batches for a billing system's batch import (ALLOCBOT_BILLING=file:DIR),
and its acknowledgements read back from DIR/acks: each posting in exactly one batch file, a
batch numbered before it is written and written again after a crash under the same number."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session

from bot.ledger import postings
from bot.ledger.importer import import_ledger
from bot.ledger.tables import Posting
from tests.integration.conftest import request_mail
from tests.integration.test_reconcile import export


def batches(directory) -> list[list[dict]]:
    return [[json.loads(line) for line in p.read_text().splitlines()] for p in sorted(directory.glob("postings-*.jsonl"))]


def ack(directory, name: str, *lines: str) -> None:
    (directory / "acks").mkdir(parents=True, exist_ok=True)
    (directory / "acks" / name).write_text("".join(line + "\n" for line in lines))


def test_a_batch_file_holds_each_posting_once_and_acks_deliver_or_release_them(make_world, tmp_path):
    out = tmp_path / "billing"
    world = make_world(billing=f"file:{out}")
    world.deliver(request_mail(message_id="<a@bluepeak.example>"))
    world.deliver(request_mail(body="Please allocate payment PY00000002 to invoice G000000002.",
                               message_id="<b@bluepeak.example>"))

    first = world.run()

    assert first.posted == {"handed": 2}
    [batch] = batches(out)
    keys = [p["key"] for p in batch]
    assert keys == [p.key for p in world.rows(Posting)]
    assert set(batch[0]) >= {"key", "kind", "account_id", "payment_id", "invoice_number", "amount", "currency",
                             "message_id"}
    assert [(p["payment_id"], p["invoice_number"], p["amount"]) for p in batch] == [
        ("PY00000001", "G000000001", "100.00"), ("PY00000002", "G000000002", "250.00")]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left
    assert world.run().posted == {} and len(batches(out)) == 1  # nothing written twice

    ack(out, "ack-1.jsonl", json.dumps({"key": keys[0], "status": "accepted"}), "{broken",
        json.dumps({"key": keys[1], "status": "rejected", "reason": "invoice G000000002 is disputed"}),
        json.dumps({"key": "alloc-999-unknown", "status": "accepted"}))
    answered = world.run()

    assert answered.posted == {"accepted": 1, "rejected": 1}
    assert answered.problems == ["ack-1.jsonl line 2: not JSON (Expecting property name enclosed in double quotes)",
                                 "ack-1.jsonl: no posting has the key 'alloc-999-unknown'"]
    assert (out / "acks" / "done" / "ack-1.jsonl").exists() and not (out / "acks" / "ack-1.jsonl").exists()
    states = {p.key: p.state for p in world.rows(Posting)}
    assert states == {keys[0]: "delivered", keys[1]: "rejected"}
    assert world.balances()["PY00000002"] == 500_00 and world.balances()["G000000002"] == 250_00
    assert world.inbound("<b@bluepeak.example>").status == "review"
    assert [r.kind for r in world.outbound()] == []  # delivered is not reflected yet

    with Session(world.app.engine) as session:
        import_ledger(session, export(world, "shown", payments={"PY00000001": "0.00"}, invoices={"G000000001": "0.00"},
                                      allocations=[("PY00000001", "G000000001", "100.00", keys[0])]), now=world.now())
        session.commit()
    assert world.run().confirmed == 1
    assert [(r.inbound_id, r.kind) for r in world.outbound()] == [(world.inbound("<a@bluepeak.example>").id,
                                                                  "confirmation")]


def test_a_batch_numbered_by_a_run_that_died_is_written_under_its_number_with_its_postings_only(make_world, tmp_path):
    out = tmp_path / "billing"
    world = make_world(billing=f"file:{out}")
    world.deliver(request_mail())
    world.run()  # batch 1
    world.deliver(request_mail(body="Please allocate payment PY00000002 to invoice G000000002."))
    world.app.billing.deliver = lambda batch: (_ for _ in ()).throw(KeyboardInterrupt("killed"))  # dies mid-write
    try:
        world.run()
    except KeyboardInterrupt:
        pass
    del world.app.billing.deliver
    numbered = {p.invoice_number: (p.batch, p.handed_at) for p in world.rows(Posting)}
    assert numbered["G000000002"][0] is not None and numbered["G000000002"][1] is None  # numbered, never written
    assert world.run().posted == {}  # the dead run's claim holds it
    world.later(seconds=600)  # the claim ran out

    assert world.run().posted == {"handed": 1}
    assert world.run().posted == {}

    files = batches(out)
    assert [[p["invoice_number"] for p in b] for b in files] == [["G000000001"], ["G000000002"]]
    assert sorted(out.glob("postings-*.jsonl"))[1].name == f"postings-{numbered['G000000002'][0]:08d}.jsonl"


def test_an_unwritable_folder_keeps_postings_waiting_and_mail_decided(make_world, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    world = make_world(billing=f"file:{blocker / 'billing'}", retry_base_seconds=30)
    world.deliver(request_mail())

    report = world.run()

    assert report.decided == {"applied": 1} and report.posted == {"retry": 1}
    [posting] = world.rows(Posting)
    assert posting.state == "pending" and "cannot create the folder" in posting.last_error
    assert world.app.billing.check().startswith(f"{blocker / 'billing'}: cannot create the folder")
    with Session(world.app.engine) as session:
        assert postings.overdue(session, now=world.now() + timedelta(hours=25), after=timedelta(hours=24))[0] == 1
