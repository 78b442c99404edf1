"""The billing system in the web UI (issue 13): a person's approval is posted like the bot's,
the item page says the request is applied and awaiting the billing system, the dashboard
counts it, and the partner is confirmed only once the billing system shows it."""
from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session

from bot.ledger.importer import import_ledger
from bot.ledger.tables import Posting
from tests.integration.conftest import request_mail
from tests.integration.test_reconcile import export
from tests.integration.web.conftest import serve
from tests.integration.web.test_item import TWO_REQUESTS, queue_item


@pytest.fixture
def filed_web(make_world, tmp_path, monkeypatch):
    yield from serve(make_world(billing=f"file:{tmp_path / 'billing'}"), tmp_path, monkeypatch)


def test_an_approval_waits_for_the_billing_system_and_the_pages_say_so(filed_web, tmp_path):
    web = filed_web
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")

    response = admin.post_form(f"/items/{item.id}/approve")

    assert response.status_code == 303
    [posting] = web.world.rows(Posting)
    assert (posting.state, posting.payment_id, posting.invoice_number) == ("pending", "PY00000001", "G000000001")
    assert [r.kind for r in web.world.outbound() if r.kind == "confirmation"] == []
    page = " ".join(admin.get(f"/items/{item.id}").text.split())
    assert "applied, awaiting the billing system" in page and posting.key in page
    dashboard = admin.get("/").text
    assert re.search(r'id="postings-waiting"><span class="n">1<', dashboard)

    web.world.run()  # the batch file is written; the billing system accepts and its data shows it
    (tmp_path / "billing" / "acks").mkdir(parents=True, exist_ok=True)
    (tmp_path / "billing" / "acks" / "a.jsonl").write_text(json.dumps({"key": posting.key, "status": "accepted"}) + "\n")
    web.world.run()
    with Session(web.world.app.engine) as session:
        import_ledger(session, export(web.world, "shown", payments={"PY00000001": "0.00"}, invoices={"G000000001": "0.00"},
                                      allocations=[("PY00000001", "G000000001", "100.00", posting.key)]),
                      now=web.world.now())
        session.commit()
    assert web.world.run().confirmed == 1
    assert [r.kind for r in web.world.outbound() if r.kind == "confirmation"] == ["confirmation"]
    assert "shown by the billing system" in admin.get(f"/items/{item.id}").text
