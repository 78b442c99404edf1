"""The item page's decisions (issue 16): a sales contact's request keeps its proposal, a
look-alike sender needs an explicit confirmation, the Ask text is the partner's language only,
an allocation can be undone with a reason, and every request has a page. Real database
(SQLite and PostgreSQL), the real app in FastAPI's TestClient."""
from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from bot.ledger.tables import Allocation, AuditEvent, InboundMessage
from bot.review import actions
from bot.review.replying import reply_text
from bot.review.validate import EditLine
from tests.integration.conftest import ANN, OLA, TOM, request_mail
from tests.integration.web.conftest import serve
from tests.integration.web.test_item import queue_item


@pytest.fixture
def web(world, tmp_path, monkeypatch):
    yield from serve(world, tmp_path, monkeypatch)


def _rows(web, table):
    return web.world.rows(table)


def _inbound_of(web) -> InboundMessage:
    return sorted(_rows(web, InboundMessage), key=lambda r: r.id)[-1]


def _allocation_id(web) -> int:
    [a] = [a for a in _rows(web, Allocation) if a.released_at is None]
    return a.id


# ---- 1. the sender blocks, the proposal stays --------------------------------------------

def test_a_sales_contacts_exact_request_is_held_with_its_proposal_and_approved_by_a_person(web):
    item = queue_item(web, request_mail(TOM, sender_name="Tom Seller"))
    assert web.world.allocations() == []  # promise 2: never applied by the bot
    inbound = _inbound_of(web)
    assert inbound.status == "review" and inbound.reasons == "sender_not_authorized"
    [decided] = [json.loads(e.detail) for e in _rows(web, AuditEvent) if e.action == "review"]
    assert [(a["payment_id"], a["invoice_number"]) for a in decided["allocations"]] == [("PY00000001", "G000000001")]
    evidence = json.loads(inbound.evidence)
    assert any(e["rule"] == "sender_confirm" and e["detail"].startswith("confirm with ")
               and e["detail"].endswith(", then approve") for e in evidence)
    admin = web.client("admin")
    assert "then approve" in admin.get(f"/requests/{inbound.id}").text
    response = admin.post_form(f"/items/{item.id}/approve")
    assert response.status_code == 303, response.text
    assert web.world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert not [r for r in web.world.outbound() if r.kind == "confirmation"]  # Tom may not be told of A1's money


# ---- 6. look-alike senders -----------------------------------------------------------------

def test_edit_and_apply_for_a_lookalike_sender_is_refused_without_the_confirmation(web):
    item = queue_item(web, request_mail("eve@bluepeak-payments.example", sender_name="Ann Admin"))
    admin = web.client("admin")
    response = admin.post_form(f"/items/{item.id}/edit", {"payment_1": "PY00000001", "invoice_1": "G000000001",
                                                          "amount_1": "100.00"})
    assert response.status_code == 422
    assert "impersonating" in response.text and "bluepeak.example" in response.text
    assert web.world.allocations() == []
    with Session(web.world.app.engine) as session:
        outcome = actions.edit_and_apply(session, web.world.app, item_id=item.id, actor="admin@billing.example",
                                         lines=[EditLine("PY00000001", "G000000001", "100.00")], confirm_lookalike=True)
    assert outcome.ok, outcome.message
    assert web.world.allocations() == [("PY00000001", "G000000001", 10000)]


def test_an_unrelated_unknown_sender_needs_no_lookalike_confirmation(web):
    item = queue_item(web, request_mail("someone@elsewhere.example"))
    with Session(web.world.app.engine) as session:
        inbound = session.get(InboundMessage, item.inbound_id)
        assert actions.lookalike_warning(session, inbound=inbound, sender_address="someone@elsewhere.example") is None
        assert actions.lookalike_warning(session, inbound=inbound, sender_address="x@b1uepeak.example")


# ---- 7. the Ask text -----------------------------------------------------------------------

def test_the_question_to_a_swedish_partner_is_swedish_only_and_does_not_echo_the_mail(web):
    chatter = "We moved offices last week and our accountant changed, so please bear with us on this one."
    queue_item(web, request_mail(OLA, "Please allocate payment PY00000009 to invoice G000000555.\n\n" + chatter,
                                 sender_name="Ola Nordmann"))
    [question] = [r for r in web.world.outbound() if r.kind == "needs_info"]
    body = reply_text(question.raw)
    assert "G000000555" in body and "Ola Nordmann" in body
    for english in ("Something", "unknown", "invoice", "Please", "could not", chatter[:30]):
        assert english not in body, english


# ---- 8. undo, and every request has a page ------------------------------------------------

def test_an_auto_applied_request_has_a_page_with_its_allocation_and_undo(web):
    web.world.deliver(request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001. <script>x</script>"))
    web.world.run()
    inbound = _inbound_of(web)
    assert inbound.status == "applied"
    admin = web.client("admin")
    page = admin.get(f"/requests/{inbound.id}")
    assert page.status_code == 200
    assert "<script>x</script>" not in page.text and "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "PY00000001" in page.text and f'action="/allocations/{_allocation_id(web)}/undo"' in page.text
    assert "none: the bot decided it alone" in page.text
    viewer = web.client("viewer")
    assert 'action="/allocations/' not in viewer.get(f"/requests/{inbound.id}").text


def test_undo_needs_a_reason_and_a_billing_admin_then_gives_the_money_back_and_is_audited(web):
    web.world.deliver(request_mail(ANN))
    web.world.run()
    inbound, allocation_id = _inbound_of(web), _allocation_id(web)
    assert web.world.balances()["PY00000001"] == 0
    viewer = web.client("viewer")
    assert viewer.post_form(f"/allocations/{allocation_id}/undo", {"reason": "wrong invoice"}).status_code == 403
    admin = web.client("admin")
    assert admin.post_form(f"/allocations/{allocation_id}/undo", {"reason": "x"}, csrf=False).status_code == 403
    refused = admin.post_form(f"/allocations/{allocation_id}/undo", {"reason": "  "})
    assert refused.status_code == 422 and "say why" in refused.text
    assert web.world.balances()["PY00000001"] == 0
    done = admin.post_form(f"/allocations/{allocation_id}/undo", {"reason": "partner paid G000000002 instead",
                                                                 "back": f"/requests/{inbound.id}"})
    assert done.status_code == 303 and done.headers["location"] == f"/requests/{inbound.id}?done=undone"
    balances = web.world.balances()
    assert balances["PY00000001"] == 10000 and balances["G000000001"] == 10000
    [event] = [e for e in _rows(web, AuditEvent) if e.action == "allocation_reversed"]
    detail = json.loads(event.detail)
    assert event.actor == "admin@billing.example" and detail["reason"] == "partner paid G000000002 instead"
    assert event.inbound_id == inbound.id
    assert "reversed" in admin.get(done.headers["location"]).text
    again = admin.post_form(f"/allocations/{allocation_id}/undo", {"reason": "again"})
    assert again.status_code == 409 and "moves no money any more" in again.text
    assert admin.post_form("/allocations/999999/undo", {"reason": "x"}).status_code == 404


def test_a_queued_request_links_to_its_item_and_an_unknown_request_is_404(web):
    item = queue_item(web, request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000077."))
    admin = web.client("admin")
    page = admin.get(f"/requests/{item.inbound_id}").text
    assert f'href="/items/{item.id}"' in page and item.case_ref in page
    assert admin.get("/requests/999999").status_code == 404
    assert web.client(None).get(f"/requests/{item.inbound_id}", follow_redirects=False).status_code in (302, 303)


# ---- the partials, in the item page's own context -----------------------------------------

def _partial(web, name: str, item_id: int, *, role: str = "billing_admin") -> str:
    from bot.review.item_view import item_view
    from bot.web.deps import WebUser
    from bot.web.render import templates

    with Session(web.world.app.engine) as session:
        view = item_view(session, web.world.app, item_id=item_id)
        return templates.env.get_template(name).render(v=view, user=WebUser(1, "a@b.example", role),
                                                        csrf_token="TOKEN", form={})


def test_the_undo_partial_lists_this_requests_allocations_with_a_form_for_admins_only(web):
    item = queue_item(web, request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000077."))
    admin = web.client("admin")
    assert admin.post_form(f"/items/{item.id}/edit", {"payment_1": "PY00000001", "invoice_1": "G000000001",
                                                      "amount_1": "40.00"}).status_code == 303
    html = _partial(web, "item_undo.html", item.id)
    assert "G000000001" in html and 'action="/allocations/' in html and 'value="TOKEN"' in html
    assert f'name="back" value="/items/{item.id}"' in html and "required" in html
    assert 'action="/allocations/' not in _partial(web, "item_undo.html", item.id, role="viewer")
    undone = admin.post_form(f"/allocations/{_allocation_id(web)}/undo",
                             {"reason": "typo", "back": f"/items/{item.id}"})
    assert undone.headers["location"] == f"/items/{item.id}?done=undone"
    assert "reversed" in _partial(web, "item_undo.html", item.id)


def test_the_lookalike_partial_warns_and_asks_for_a_confirmation_on_the_forms_there_are(web):
    item = queue_item(web, request_mail("eve@bluepeak-payments.example"))
    html = _partial(web, "item_lookalike.html", item.id)
    assert "Possible impersonation" in html and "bluepeak-payments.example resembles bluepeak.example" in html
    ann = queue_item(web, request_mail(ANN, "Please allocate payment PY00000002 to invoice G000000077."))
    assert "Possible impersonation" not in _partial(web, "item_lookalike.html", ann.id)  # the account's own domain
    # an unknown sender gets no proposal, so there is no Approve to confirm: only the editor's tick
    assert 'form="approve-form"' not in html and 'form="edit-form" required' in html


def test_the_billing_search_finds_a_request_by_case_reference_or_message_id(web):
    web.world.deliver(request_mail(ANN, message_id="<applied.1@bluepeak.example>"))
    web.world.run()
    inbound = _inbound_of(web)
    admin = web.client("viewer")
    for q in (f"ALC-{inbound.id:06d}", "applied.1@bluepeak.example", "<applied.1@bluepeak.example>"):
        page = admin.get("/billing", params={"q": q}).text
        assert f'href="/requests/{inbound.id}"' in page, q
    assert 'href="/requests/' not in admin.get("/billing", params={"q": "ALC-999999"}).text


# ---- 2. where a case stands: the bot's question went out -----------------------------------

def test_an_item_whose_question_went_out_waits_and_can_still_be_acted_on(web):
    from bot.review import queries

    item = queue_item(web, request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000077."))
    [question] = web.world.outbound()
    assert item.status == "waiting" and question.kind == "needs_info"  # the deciding step marked it
    with Session(web.world.app.engine) as session:
        assert queries.waiting_since(session, inbound_id=item.inbound_id) == question.created_at
        assert queries.mark_waiting(session, item_id=item.id) is False  # once: it waits already
        session.commit()
    assert [i.status for i in web.world.review_items()] == ["waiting"]
    response = web.client("admin").post_form(f"/items/{item.id}/edit", {"payment_1": "PY00000001",
                                                                        "invoice_1": "G000000001", "amount_1": "10.00"})
    assert response.status_code == 303 and web.world.allocations() == [("PY00000001", "G000000001", 1000)]


def test_the_billing_view_links_an_applied_request_to_its_page(web):
    web.world.deliver(request_mail(ANN, message_id="<applied.2@bluepeak.example>"))
    web.world.run()
    inbound = _inbound_of(web)
    assert web.world.allocations(), "the request was not applied"
    page = web.client("viewer").get("/billing/A1").text
    assert f'<a href="/requests/{inbound.id}" class="subject">' in page
    assert web.client("viewer").get(f"/requests/{inbound.id}").status_code == 200
