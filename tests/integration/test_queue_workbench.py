"""The queue as a workbench (issue 16): amount and proposal columns, claim / assign with the
"mine / unassigned" filter, "next item", bulk reject of junk and the used-up payment flag,
through the real app in FastAPI's test client on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import AuditEvent, ReviewItem
from bot.ledger.users import add_user, hasher_for
from tests.integration.conftest import TOM, request_mail
from tests.integration.web.conftest import PASSWORD, USERS, serve
from tests.integration.web.test_item import TWO_REQUESTS, queue_item

ADMIN = USERS["admin"][0]
EMILY = "emily@billing.example"


@pytest.fixture
def web(world, tmp_path, monkeypatch):
    yield from serve(world, tmp_path, monkeypatch)


@pytest.fixture
def emily(web):
    with Session(web.world.app.engine) as session:
        add_user(session, email=EMILY, password=PASSWORD, role="billing_admin", now=web.world.now(),
                 hasher=hasher_for(web.world.app.settings))
        session.commit()
    client = web.client(None)
    assert client.sign_in(EMILY).status_code == 303
    return client


def row_html(page_text: str, item_id: int) -> str:
    start = page_text.index(f'data-item="{item_id}"')
    return page_text[start:page_text.index("</tr>", start)]


def item(web, item_id: int) -> ReviewItem:
    with Session(web.world.app.engine) as session:
        return session.get(ReviewItem, item_id)


def events(web, action: str) -> list[AuditEvent]:
    with Session(web.world.app.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_queue_shows_the_amount_and_the_bots_proposal(web):
    held = queue_item(web, request_mail(body=TWO_REQUESTS))
    row = row_html(web.client("admin").get("/queue").text, held.id)
    assert '<td class="amount">100.00 USD, 500.00 USD</td>' in row
    assert "PY00000001 → G000000001 100.00 USD" in row


def test_claim_assign_release_are_audited_and_filter_mine_and_unassigned(web, emily):
    first = queue_item(web, request_mail(body=TWO_REQUESTS))
    second = queue_item(web, request_mail(body="Please allocate payment PY00000002 to invoice G000000099."))
    admin = web.client("admin")
    response = admin.post_form(f"/queue/items/{first.id}/assign", {"act": "claim"}, csrf=True)
    assert response.status_code == 303 and item(web, first.id).assigned_to == ADMIN
    assert ADMIN in row_html(admin.get("/queue").text, first.id)
    mine = admin.get("/queue?assigned=mine").text
    assert f'data-item="{first.id}"' in mine and f'data-item="{second.id}"' not in mine
    free = admin.get("/queue?assigned=unassigned").text
    assert f'data-item="{second.id}"' in free and f'data-item="{first.id}"' not in free

    assert admin.post_form(f"/queue/items/{second.id}/assign", {"to": EMILY}).status_code == 303
    assert item(web, second.id).assigned_to == EMILY and item(web, second.id).assigned_at is not None
    assert f'data-item="{second.id}"' in emily.get("/queue?assigned=mine").text
    assert admin.post_form(f"/queue/items/{first.id}/assign", {"act": "release"}).status_code == 303
    assert item(web, first.id).assigned_to == ""
    claimed, assigned, released = events(web, "claimed"), events(web, "assigned"), events(web, "released")
    assert [e.actor for e in claimed + assigned + released] == [ADMIN, ADMIN, ADMIN]
    assert json.loads(assigned[0].detail)["assigned_to"] == {"before": "", "after": EMILY}


def test_viewers_and_forged_forms_cannot_assign_and_strangers_are_refused(web):
    held = queue_item(web, request_mail(body=TWO_REQUESTS))
    viewer = web.client("viewer")
    assert viewer.post_form(f"/queue/items/{held.id}/assign", {"act": "claim"}).status_code == 403
    admin = web.client("admin")
    assert admin.post(f"/queue/items/{held.id}/assign", data={"act": "claim"}).status_code == 403  # no CSRF token
    refused = admin.post_form(f"/queue/items/{held.id}/assign", {"to": "viewer@billing.example"})
    assert refused.status_code == 422 and "not an active billing admin" in refused.text
    assert item(web, held.id).assigned_to == "" and events(web, "assigned") == []


def from_tom(subject: str) -> bytes:
    """A request from a contact who may not instruct: an open item for review."""
    return request_mail(sender=TOM, sender_name="Tom Seller", subject=subject,
                        body="Please allocate payment PY00000001 to invoice G000000001.")


def test_next_item_skips_items_held_by_others_and_says_when_none_is_left(web, emily):
    queue_item(web, request_mail(body=TWO_REQUESTS))  # waiting for the partner: never "next"
    a, b, c = (queue_item(web, from_tom(f"Allocation {n}")) for n in (1, 2, 3))
    assert (a.status, b.status, c.status) == ("open", "open", "open")
    admin = web.client("admin")
    admin.post_form(f"/queue/items/{b.id}/assign", {"to": EMILY})
    response = admin.get(f"/queue/next?after={a.id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/items/{c.id}"
    assert emily.get(f"/queue/next?after={a.id}", follow_redirects=False).headers["location"] == f"/items/{b.id}"
    assert admin.get(f"/queue/next?after={c.id}", follow_redirects=False).headers["location"] == f"/items/{a.id}"
    admin.post_form(f"/queue/items/{a.id}/assign", {"to": EMILY})
    admin.post_form(f"/queue/items/{c.id}/assign", {"to": EMILY})
    none = admin.get(f"/queue/next?after={a.id}", follow_redirects=False)
    assert none.headers["location"] == "/queue?note=none_next"
    assert "No other open item is waiting for you" in admin.get(none.headers["location"]).text


def test_bulk_reject_rejects_each_through_the_reject_action_and_reports_a_stale_one(web):
    a = queue_item(web, request_mail(body=TWO_REQUESTS))
    b = queue_item(web, request_mail(body="Please allocate payment PY00000002 to invoice G000000099."))
    admin = web.client("admin")
    assert admin.post_form(f"/items/{b.id}/dismiss", {"note": "dup"}).status_code == 303  # b is stale now
    response = admin.post("/queue/reject", data={"csrf_token": admin.csrf("/queue"), "reason": "Not a request",
                                                 "item": [str(a.id), str(b.id)]}, follow_redirects=False)
    assert response.status_code == 409
    assert "Rejected 1 item(s)" in response.text and f"#{b.id}: Already handled by" in response.text
    assert (item(web, a.id).status, item(web, a.id).resolution) == ("closed", "rejected")
    assert item(web, b.id).resolution == "dismissed"
    rejected = events(web, "rejected")
    assert len(rejected) == 1 and json.loads(rejected[0].detail)["reason"] == "Not a request"
    empty = admin.post("/queue/reject", data={"csrf_token": admin.csrf("/queue"), "item": [str(a.id)]})
    assert empty.status_code == 422 and "Give the reason" in empty.text


def test_an_open_item_naming_a_used_up_payment_is_flagged(web):
    held = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    assert "used up" not in row_html(admin.get("/queue").text, held.id)
    queue_item(web, request_mail(body="Please allocate payment PY00000001 to invoice G000000001."))  # applied
    assert web.world.balances()["PY00000001"] == 0
    assert "PY00000001 used up" in row_html(admin.get("/queue").text, held.id)


def chart_bars(page_text: str, css_class: str) -> dict[str, int]:
    import re
    svg = page_text[page_text.index(f'class="chart {css_class}"'):]
    svg = svg[:svg.index("</svg>")]
    return {label: int(n) for label, n in re.findall(r'<g class="bar" data-label="([^"]+)" data-total="(\d+)">', svg)}


def test_dashboard_counts_waiting_for_the_partner_and_plots_outcomes_and_age(web):
    queue_item(web, request_mail(body=TWO_REQUESTS))  # needs_info, question sent: waiting
    queue_item(web, from_tom("Allocation 1"))  # open for review
    queue_item(web, from_tom("Allocation 2"))
    with Session(web.world.app.engine) as session:  # one of them has been open for four days
        old = session.exec(select(ReviewItem).where(ReviewItem.status == "open")).first()
        old.created_at = web.world.now() - timedelta(days=4)
        session.add(old)
        session.commit()
    text = web.client("viewer").get("/").text
    waiting = text[text.index('id="queue-waiting"'):]
    assert '<span class="n">1</span>' in waiting[:200]
    assert chart_bars(text, "age-chart") == {"under 1 day": 1, "1–3 days": 0, "3–7 days": 1, "over 7 days": 0}
    today = web.world.now().strftime("%m-%d")
    outcomes = chart_bars(text, "outcomes-chart")
    assert outcomes[today] == 3 and sum(outcomes.values()) == 3
    assert 'data-series="review" data-count="2"' in text and 'data-series="needs_info" data-count="1"' in text


def test_the_audit_log_reads_as_sentences_with_the_json_behind_a_toggle(web):
    held = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    assert admin.post_form(f"/items/{held.id}/approve").status_code == 303
    text = admin.get("/audit").text
    assert (f"admin@billing.example (billing_admin) approved case {held.case_ref}: "
            "PY00000001 → G000000001 100.00 USD") in text
    assert f"The bot asked the partner for information on case {held.case_ref}: unknown invoice" in text
    assert '<details class="json"><summary>JSON</summary>' in text


def test_a_reversal_and_an_unlock_read_as_sentences_naming_what_and_whom(web):
    from bot.ledger.signin_limits import record_unlock
    from bot.ledger.tables import Allocation, InboundMessage
    web.world.deliver(request_mail())
    web.world.run()
    with Session(web.world.app.engine) as session:
        allocation_id = session.exec(select(Allocation)).one().id
        inbound_id = session.exec(select(InboundMessage)).one().id
        record_unlock(session, email=USERS["viewer"][0], by=ADMIN, now=web.world.now())
        session.commit()
    admin = web.client("admin")
    undone = admin.post_form(f"/allocations/{allocation_id}/undo", {"reason": "partner paid G000000002 instead"})
    assert undone.status_code == 303
    text = admin.get("/audit").text
    assert (f"{ADMIN} (billing_admin) reversed an allocation of message #{inbound_id}: "
            "PY00000001 → G000000001 100.00 USD, because “partner paid G000000002 instead”") in text
    assert f"The bot applied message #{inbound_id}: PY00000001 → G000000001 100.00 USD" in text
    assert f"{ADMIN} (billing_admin) unlocked the sign-in of {USERS['viewer'][0]}" in text


def test_the_queue_shows_reasons_as_words_with_the_code_and_guidance_in_the_tooltip(web):
    from bot.review.guidance import reason_line
    held = queue_item(web, request_mail(TOM))
    page = web.client("viewer").get("/queue").text
    row = row_html(page, held.id)
    tooltip = f'title="sender_not_authorized: {reason_line("sender_not_authorized")}"'
    assert f'data-reason="sender_not_authorized" {tooltip}>sender not authorised</span>' in row
    assert ">held for review</span>" in row and ">review<" not in row
    assert '<option value="sender_not_authorized" >sender not authorised</option>' in page


def test_the_request_page_shows_times_as_every_other_page_and_the_outcome_in_words(web):
    from bot.ledger.tables import InboundMessage
    held = queue_item(web, request_mail(TOM))
    with Session(web.world.app.engine) as session:
        inbound = session.get(InboundMessage, held.inbound_id)
    text = web.client("viewer").get(f"/requests/{inbound.id}").text
    assert f"<dd>{inbound.received_at.strftime('%Y-%m-%d %H:%M')} UTC</dd>" in text
    assert ">held for review</span>" in text and ">sender not authorised</span>" in text
