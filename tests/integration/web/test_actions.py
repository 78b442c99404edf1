"""The review actions through the web UI: approve, edit and apply, ask, reject, dismiss; each
audited, each checked like the bot's own allocations, and only once per item."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bot.ledger.tables import AuditEvent, InboundMessage, ReviewItem
from bot.ledger.users import add_user, hasher_for
from bot.service import CycleReport, send_outbox
from tests.integration.conftest import ANN, OLA, account, body_text, invoice, request_mail, write_ledger
from tests.integration.web.conftest import PASSWORD
from tests.integration.web.test_item import TWO_REQUESTS, queue_item

PROPOSAL = {"PY00000001": 10000, "G000000001": 10000}  # what the bot proposed for TWO_REQUESTS: 100.00 USD


def person_events(web, action: str) -> list[dict]:
    return [json.loads(e.detail) | {"actor": e.actor} for e in web.world.rows(AuditEvent) if e.action == action]


def item_row(web, item_id: int) -> ReviewItem:
    with Session(web.world.app.engine) as session:
        return session.get(ReviewItem, item_id)


def inbound_row(web, inbound_id: int) -> InboundMessage:
    with Session(web.world.app.engine) as session:
        return session.get(InboundMessage, inbound_id)


def replies(web, kind: str):
    return [r for r in web.world.outbound() if r.kind == kind]


def send(web) -> None:
    send_outbox(web.world.app, CycleReport())


def test_approve_applies_the_proposal_closes_the_item_confirms_and_audits(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    assert web.world.allocations() == []
    admin = web.client("admin")
    response = admin.post_form(f"/items/{item.id}/approve")
    assert response.status_code == 303 and response.headers["location"] == f"/items/{item.id}?done=approved"
    assert web.world.allocations() == [("PY00000001", "G000000001", 10000)]
    balances = web.world.balances()
    assert balances["PY00000001"] == 0 and balances["G000000001"] == 0 and balances["PY00000002"] == 50000
    closed = item_row(web, item.id)
    assert (closed.status, closed.resolution, closed.closed_by) == ("closed", "approved", "admin@billing.example")
    assert closed.closed_at is not None
    inbound = inbound_row(web, item.inbound_id)
    assert inbound.status == "applied" and inbound.reasons == "unknown_invoice"  # held for this reason, kept
    [confirmation] = replies(web, "confirmation")
    assert confirmation.to_addr == ANN and confirmation.inbound_id == item.inbound_id
    [event] = person_events(web, "approved")
    assert event["actor"] == "admin@billing.example" and event["item_status"] == {"before": "waiting", "after": "closed"}
    assert event["inbound_status"] == {"before": "needs_info", "after": "applied"}
    assert event["balances"]["before"] == {"PY00000001": "100.00 USD unallocated", "G000000001": "100.00 USD open"}
    assert event["balances"]["after"] == {"PY00000001": "0.00 USD unallocated", "G000000001": "0.00 USD open"}
    assert event["reasons"] == ["unknown_invoice"] and event["reply"] == "confirmation"
    # the same confirmation an automatic apply sends, threaded to the request, in the outbox
    send(web)
    [mail] = [m for m in web.world.outbox_messages() if "confirmed" in body_text(m)]
    assert mail["To"].addresses[0].addr_spec == ANN and mail["In-Reply-To"]
    assert "payment PY00000001 → invoice G000000001: $100.00" in body_text(mail)
    assert "invoice G000000001: paid in full" in body_text(mail) and item.case_ref in body_text(mail)
    page = admin.get(response.headers["location"]).text
    assert "Approved: the proposal is applied" in page and 'action="/items/' not in page  # closed: no forms


def test_a_second_approve_of_the_same_item_applies_nothing_more(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    first_form = admin.get(f"/items/{item.id}").text  # both "tabs" opened before either acted
    assert admin.post_form(f"/items/{item.id}/approve").status_code == 303
    counts = web.world.table_counts()
    again = admin.post_form(f"/items/{item.id}/approve")
    assert again.status_code == 409 and "Already handled by admin@billing.example (approved)" in again.text
    edit = admin.post_form(f"/items/{item.id}/edit", {"payment_1": "PY00000002", "invoice_1": "G000000002", "amount_1": "10.00"})
    assert edit.status_code == 409
    assert web.world.table_counts() == counts and web.world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert len(replies(web, "confirmation")) == 1 and 'name="seen"' in first_form


def test_an_action_on_a_page_that_is_out_of_date_is_refused(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    seen = int(admin.get(f"/items/{item.id}").text.split('name="seen" value="')[1].split('"')[0])
    assert admin.post_form(f"/items/{item.id}/ask", {"body": "Which invoice did you mean?", "seen": str(seen)}).status_code == 303
    stale = admin.post_form(f"/items/{item.id}/approve", {"seen": str(seen)})
    assert stale.status_code == 409 and "acted on this item since you opened it: admin@billing.example (asked)" in stale.text
    assert web.world.allocations() == [] and item_row(web, item.id).status == "waiting"


def test_edit_applies_what_the_person_chose(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    form = {"payment_1": "PY00000002", "invoice_1": "G000000002", "amount_1": "250.00",
            "payment_2": "PY00000002", "invoice_2": "G000000001", "amount_2": "60",
            "payment_3": "PY00000002", "invoice_3": "G000000001", "amount_3": "40.00"}
    response = web.client("admin").post_form(f"/items/{item.id}/edit", form)
    assert response.status_code == 303 and response.headers["location"].endswith("?done=edited")
    assert web.world.allocations() == [("PY00000002", "G000000001", 10000), ("PY00000002", "G000000002", 25000)]
    assert web.world.balances()["PY00000002"] == 15000 and web.world.balances()["PY00000001"] == 10000
    assert item_row(web, item.id).resolution == "edited"
    [event] = person_events(web, "edited")
    assert event["proposed"] == [{"payment_id": "PY00000001", "invoice_number": "G000000001", "amount": "100.00", "currency": "USD"}]
    assert event["balances"]["before"]["PY00000002"] == "500.00 USD unallocated"
    assert event["balances"]["after"]["PY00000002"] == "150.00 USD unallocated"
    assert len(replies(web, "confirmation")) == 1


def _eur_invoice(web) -> None:
    web.world.import_ledger(write_ledger(web.world.root / "eur", accounts=[account("A1", "Bluepeak Cloud Inc.", "en", "USD")],
                                         invoices=[invoice("G000000003", "50.00", currency="EUR")]))


@pytest.mark.parametrize("form, message", [
    ({"payment_1": "PY00000001", "invoice_1": "G000000002", "amount_1": "150.00"},
     "payment PY00000001 has 100.00 USD unallocated; these rows put 150.00 USD on it"),
    ({"payment_1": "PY00000002", "invoice_1": "G000000001", "amount_1": "60.00",
      "payment_2": "PY00000001", "invoice_2": "G000000001", "amount_2": "60.00"},
     "invoice G000000001 has 100.00 USD open; these rows put 120.00 USD on it"),
    ({"payment_1": "PY00000009", "invoice_1": "G000000001", "amount_1": "10.00"},
     "payment PY00000009 belongs to account A2, not to the request&#39;s account A1"),
    ({"payment_1": "PY00000001", "invoice_1": "G000000003", "amount_1": "10.00"},
     "invoice G000000003 is in EUR, payment PY00000001 in USD"),
])
def test_edit_that_the_ledger_checks_refuse_changes_nothing(web, form, message):
    _eur_invoice(web)
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    counts, balances = web.world.table_counts(), web.world.balances()
    response = admin.post_form(f"/items/{item.id}/edit", form)
    assert response.status_code == 422 and message in response.text and "Nothing was applied" in response.text
    assert web.world.table_counts() == counts and web.world.balances() == balances
    assert item_row(web, item.id).status == "waiting"  # unchanged: the bot's question is out
    assert f'value="{form["amount_1"]}"' in response.text  # the form comes back as it was typed


def test_an_overdraw_that_slips_past_the_check_is_refused_by_the_ledger(web, monkeypatch):
    """Money that moved between the check and the write: the conditional UPDATE refuses it."""
    import bot.review.actions as actions
    from bot.model import Allocation, Money

    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    real_check = actions.check_allocations

    def outdated_check(lines, **kwargs):  # as if the payment had had more when it was checked
        checked = real_check(lines, **kwargs)
        more = tuple(Allocation(a.payment_id, a.invoice_number, Money(a.amount.amount + 1, a.amount.currency))
                     for a in checked.allocations)
        return replace(checked, allocations=more)

    monkeypatch.setattr(actions, "check_allocations", outdated_check)
    counts = web.world.table_counts()
    response = web.client("admin").post_form(f"/items/{item.id}/approve")
    assert response.status_code == 409 and "The ledger refused it" in response.text and "nothing was applied" in response.text
    assert web.world.allocations() == [] and item_row(web, item.id).status == "waiting"
    assert web.world.table_counts() == counts | {"auditevent": counts["auditevent"] + 1}  # only the sign-in


def test_ask_sends_the_edited_question_and_the_item_waits(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    page = admin.get(f"/items/{item.id}").text
    assert "We could not find this invoice on your account: G000000077" in page  # the templated text, prefilled
    question = "Hello Ann,\n\nG000000077 is not one of your invoices. Did you mean G000000002?\n\nBilling"
    response = admin.post_form(f"/items/{item.id}/ask", {"body": question})
    assert response.status_code == 303 and response.headers["location"].endswith("?done=asked")
    assert item_row(web, item.id).status == "waiting" and inbound_row(web, item.inbound_id).status == "needs_info"
    asked = replies(web, "needs_info")
    assert len(asked) == 2 and asked[-1].to_addr == ANN  # the bot's own question, then the person's
    send(web)
    [mail] = [m for m in web.world.outbox_messages() if "Did you mean G000000002?" in body_text(m)]
    assert body_text(mail).replace("\r\n", "\n").strip() == question
    assert mail["In-Reply-To"] == inbound_row(web, item.inbound_id).message_id and mail["Auto-Submitted"] == "auto-replied"
    [event] = person_events(web, "asked")
    assert event["item_status"] == {"before": "waiting", "after": "waiting"} and event["body"].startswith("Hello Ann")
    assert web.world.allocations() == []
    # a waiting item can still be decided
    assert admin.post_form(f"/items/{item.id}/dismiss", {"note": "answered by phone"}).status_code == 303
    assert item_row(web, item.id).status == "closed"


def test_reject_sends_the_reason_in_the_accounts_language(web):
    item = queue_item(web, request_mail(sender=OLA, sender_name="Ola Nordmann",
                                        body="Fördela betalning PY00000009 på faktura G000000099."))
    response = web.client("admin").post_form(f"/items/{item.id}/reject", {"reason": "Fakturan är redan betald via autogiro."})
    assert response.status_code == 303 and response.headers["location"].endswith("?done=rejected")
    closed = item_row(web, item.id)
    assert (closed.status, closed.resolution) == ("closed", "rejected")
    [reply] = replies(web, "rejected")
    assert reply.to_addr == OLA
    send(web)
    [mail] = [m for m in web.world.outbox_messages() if "autogiro" in body_text(m)]
    text = body_text(mail)
    assert "har inte fördelat något" in text and "Fakturan är redan betald via autogiro." in text and item.case_ref in text
    assert mail["Subject"].startswith("Re: ")
    [event] = person_events(web, "rejected")
    assert event["reason"] == "Fakturan är redan betald via autogiro." and event["reply"] == "rejected"
    assert web.world.allocations() == []


def test_reject_and_ask_need_their_text(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    counts = web.world.table_counts()
    assert admin.post_form(f"/items/{item.id}/reject", {"reason": "   "}).status_code == 422
    assert admin.post_form(f"/items/{item.id}/ask", {"body": ""}).status_code == 422
    assert web.world.table_counts() == counts and item_row(web, item.id).status == "waiting"


def test_dismiss_closes_without_any_reply(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    outbound = len(web.world.outbound())
    response = web.client("admin").post_form(f"/items/{item.id}/dismiss", {"note": "duplicate of ALC-000009"})
    assert response.status_code == 303 and response.headers["location"].endswith("?done=dismissed")
    assert len(web.world.outbound()) == outbound
    closed = item_row(web, item.id)
    assert (closed.status, closed.resolution, closed.closed_by) == ("closed", "dismissed", "admin@billing.example")
    [event] = person_events(web, "dismissed")
    assert event["note"] == "duplicate of ALC-000009" and event["reply"] is None


def test_unknown_senders_get_no_reply_whatever_is_done(web):
    item = queue_item(web, request_mail(sender="billing@bluepeak-payments.example", body=TWO_REQUESTS))
    admin = web.client("admin")
    outbound = len(web.world.outbound())
    asked = admin.post_form(f"/items/{item.id}/ask", {"body": "Who are you?"})
    assert asked.status_code == 422 and "No question can be sent" in asked.text
    form = {"payment_1": "PY00000001", "invoice_1": "G000000001", "amount_1": "100.00"}
    refused = admin.post_form(f"/items/{item.id}/edit", form)  # a look-alike of bluepeak.example
    assert refused.status_code == 422 and web.world.allocations() == []
    form["confirm_lookalike"] = "yes"
    assert admin.post_form(f"/items/{item.id}/edit", form).status_code == 303  # billing ops verified it by phone
    assert web.world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert len(web.world.outbound()) == outbound == 0
    [event] = person_events(web, "edited")
    assert event["reply"] is None and "not a registered contact" in event["no_reply"]


def test_failed_sender_authentication_gets_no_reject_reply(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS, auth="fail"))
    response = web.client("admin").post_form(f"/items/{item.id}/reject", {"reason": "Not from Bluepeak."})
    assert response.status_code == 303
    assert replies(web, "rejected") == [] and web.world.outbound() == []
    assert "SPF/DKIM/DMARC" in person_events(web, "rejected")[0]["no_reply"]


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_admins_approving_at_once_apply_it_once(web, monkeypatch):
    """Two real connections on PostgreSQL: the second waits on the item's row lock, then
    finds it closed and changes nothing."""
    import bot.review.actions as actions

    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    with Session(web.world.app.engine) as session:
        add_user(session, email="second@billing.example", password=PASSWORD, role="billing_admin", now=web.world.now(), hasher=hasher_for(web.world.app.settings))
        session.commit()
    first, second = web.client("admin"), web.client(None)
    assert second.sign_in("second@billing.example").status_code == 303
    tokens = {id(c): c.csrf("/") for c in (first, second)}
    inside, release = threading.Event(), threading.Event()
    real_apply = actions.store.apply_allocations

    def slow_apply(session, **kwargs):  # hold the first transaction open after its claim
        real_apply(session, **kwargs)
        inside.set()
        release.wait(20)

    monkeypatch.setattr(actions.store, "apply_allocations", slow_apply)
    results: dict[str, object] = {}

    def post(name, client):
        results[name] = client.post_form(f"/items/{item.id}/approve", {"csrf_token": tokens[id(client)]}, csrf=False)

    a = threading.Thread(target=post, args=("first", first))
    a.start()
    assert inside.wait(20)
    b = threading.Thread(target=post, args=("second", second))
    b.start()
    _wait_for_lock_waiter(web.world.database_url)
    release.set()
    a.join(30)
    b.join(30)
    assert results["first"].status_code == 303
    assert results["second"].status_code == 409 and "Already handled by admin@billing.example" in results["second"].text
    assert web.world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert len(replies(web, "confirmation")) == 1 and len(person_events(web, "approved")) == 1


def _wait_for_lock_waiter(url: str) -> None:
    """Until a backend waits on a row lock (the second approve's claim), at most 10 s."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(100):
            waiting = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                   "AND datname = current_database()").fetchone()[0]
            if waiting:
                return
            time.sleep(0.1)
    pytest.fail("the second approve never waited for the first")
