"""The item page: the mail shown safely, what the bot read and why, candidates, the billing
view, the conversation; attachments as downloads; who may see the action forms."""
from __future__ import annotations

import re
from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import ReviewItem
from tests.integration.conftest import ANN, BOT_ADDRESS, request_mail

TWO_REQUESTS = ("Please allocate payment PY00000001 to invoice G000000001.\n"
                "Also allocate payment PY00000002 to invoice G000000077.")
ACTIONS = ("approve", "edit", "ask", "reject", "dismiss")


def queue_item(web, raw: bytes) -> ReviewItem:
    """Deliver one mail, run a cycle, return the review item it made."""
    web.world.deliver(raw)
    web.world.run()
    with Session(web.world.app.engine) as session:
        items = session.exec(select(ReviewItem).order_by(ReviewItem.id.desc())).all()
    assert items, "the mail made no review item"
    return items[0]


def hostile_mail() -> bytes:
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.billing.example; spf=pass smtp.mailfrom=bluepeak.example; dkim=pass; dmarc=pass"
    msg["From"] = f"Ann <{ANN}>"
    msg["To"] = BOT_ADDRESS
    msg["Subject"] = "<script>alert(1)</script> allocation"
    msg["Message-ID"] = "<hostile.1@bluepeak.example>"
    msg.set_content("Allocate PY00000001 to G000000077 <script>alert(1)</script> <img src=x onerror=alert(1)>")
    msg.add_alternative('<p onclick="alert(2)">Allocate <b>PY00000001</b> to G000000077</p><script>alert(1)</script>'
                        '<img src=x onerror=alert(1)><a href="javascript:alert(3)">click</a>'
                        '<iframe src="https://evil.example/"></iframe><style>p{}</style>', subtype="html")
    msg.add_attachment(b"invoice,amount\nG000000077,100.00\n", maintype="text", subtype="csv",
                       filename='../../etc/"remit";<b>.csv')
    msg.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="scan.png")
    return msg.as_bytes()


def test_the_item_page_shows_mail_reading_candidates_billing_view_and_conversation(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS, subject="Allocation please"))
    page = web.client("viewer").get(f"/items/{item.id}")
    assert page.status_code == 200
    text = page.text
    assert item.case_ref in text and "unknown_invoice" in text
    # the original mail: headers and text
    assert "Allocation please" in text and ANN in text and BOT_ADDRESS in text
    assert "Also allocate payment PY00000002 to invoice G000000077." in text
    # what was read (the span it came from is highlighted in the partner's text)
    assert "<li>Invoice G000000001</li>" in text and "<mark>G000000001</mark>" in text
    assert "<mark>G000000077</mark>" in text
    assert "invoice G000000077 is not in the ledger" in text  # the evidence
    # candidates: the proposal, named rows, unnamed rows with why
    assert "proposed: 100.00 USD" in text and "named in the mail" in text
    assert "not in the ledger" in text and "not mentioned in the mail" in text
    # billing view: open invoices and unallocated payments of A1, never A2's
    billing = text[text.index('id="billing-h"'):text.index('id="conv-h"')]
    assert "G000000002" in billing and "PY00000002" in billing and "PY00000009" not in billing
    # conversation: the request, the bot's decision, the needs_info reply with its text
    conversation = text[text.index('id="conv-h"'):]
    assert "Request received" in conversation and "Reply: question to the partner" in conversation
    assert "We could not find this invoice" in conversation and "Asked the partner" in conversation
    assert "why: unknown invoice" in conversation and "unknown_invoice" not in conversation.split("<pre")[0]


def test_candidates_say_why_other_accounts_and_currencies_were_not_chosen(web):
    body = "Please allocate payment PY00000009 to invoice G000000001."  # A2's SEK payment, A1's invoice
    item = queue_item(web, request_mail(body=body))
    text = web.client("admin").get(f"/items/{item.id}").text
    candidates = text[text.index('id="cand-h"'):text.index('id="billing-h"')]
    row = candidates[candidates.index("PY00000009"):]
    row = row[:row.index("</tr>")]
    assert "other account (A2)" in row and "different currency (SEK)" in row and "named in the mail" in row


def test_mail_with_script_and_event_handlers_is_shown_as_text_or_sanitised(web):
    item = queue_item(web, hostile_mail())
    response = web.client("admin").get(f"/items/{item.id}")
    assert response.status_code == 200
    html = response.text
    tags = re.findall(r"<script[^>]*>", html, re.IGNORECASE)  # only the site's own file, from its head
    assert [re.fullmatch(r'<script src="(/static/[^"?]+)\?v=[^"]*" defer>', t).group(1) for t in tags] == ["/static/item.js"]
    assert "onerror" not in html.replace("onerror=alert(1)&gt;", "").lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.IGNORECASE)  # no event handler attribute on any tag
    assert "javascript:" not in html.lower() and "<iframe" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the subject and text body, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "HTML version" in html and "sanitised" in html and "1 image not shown" in html
    assert "<b>PY00000001</b>" in html  # harmless markup survives the sanitiser
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_attachments_are_listed_and_download_as_attachments(web):
    item = queue_item(web, hostile_mail())
    client = web.client("viewer")
    page = client.get(f"/items/{item.id}").text
    assert f"/items/{item.id}/attachments/1" in page and f"/items/{item.id}/attachments/2" in page
    assert "text/csv" in page and "image/png" in page and "9 bytes" in page and "33 bytes" in page
    first = client.get(f"/items/{item.id}/attachments/1")
    assert first.status_code == 200 and first.content == b"invoice,amount\nG000000077,100.00\n"
    assert first.headers["content-type"] == "application/octet-stream"
    disposition = first.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    name = re.search(r'filename="([^"]*)"', disposition).group(1)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name) and "/" not in name and name.endswith("csv")
    assert name == "etc_remit_b.csv"
    assert client.get(f"/items/{item.id}/attachments/3").status_code == 404
    assert client.get(f"/items/{item.id}/attachments/0").status_code == 404


def test_a_viewer_sees_no_forms_and_may_not_act(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    viewer = web.client("viewer")
    page = viewer.get(f"/items/{item.id}").text
    for action in ACTIONS:
        assert f'action="/items/{item.id}/{action}"' not in page
    before = web.world.table_counts()
    for action in ACTIONS:
        response = viewer.post_form(f"/items/{item.id}/{action}", {"reason": "no", "body": "x", "payment_1": "PY00000001",
                                                                  "invoice_1": "G000000001", "amount_1": "1.00"})
        assert response.status_code == 403, action
    assert web.world.table_counts() == before
    admin_page = web.client("admin").get(f"/items/{item.id}").text
    for action in ACTIONS:
        assert f'action="/items/{item.id}/{action}"' in admin_page
    assert admin_page.count('name="csrf_token"') >= len(ACTIONS)


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_without_its_csrf_token_is_refused(web, action):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    admin = web.client("admin")
    before = web.world.table_counts()
    response = admin.post_form(f"/items/{item.id}/{action}", {"reason": "x", "body": "x"}, csrf=False)
    assert response.status_code == 403
    assert web.world.table_counts() == before
    assert [i.status for i in web.world.review_items()] == [item.status]  # unchanged


def test_the_item_page_needs_sign_in_and_an_existing_item(web):
    item = queue_item(web, request_mail(body=TWO_REQUESTS))
    response = web.client(None).get(f"/items/{item.id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/login?next=/items/{item.id}"
    assert web.client(None).get(f"/items/{item.id}/attachments/1", follow_redirects=False).status_code == 303
    assert web.client("admin").get("/items/999").status_code == 404


def test_no_reply_is_offered_for_mail_from_an_unknown_sender(web):
    item = queue_item(web, request_mail(sender="billing@bluepeak-payments.example", body=TWO_REQUESTS))
    page = web.client("admin").get(f"/items/{item.id}").text
    assert "No reply will be sent about this request" in page and "not a registered contact" in page
    assert 'name="body"' not in page  # no question form


def test_a_payment_whose_remittance_names_an_open_invoice_shows_the_hint_and_moves_nothing(web, tmp_path):
    from tests.integration.conftest import standard_ledger

    ledger = standard_ledger(tmp_path / "hint-ledger")
    payments = ledger / "payments.csv"
    payments.write_text(payments.read_text().replace("BLUEPEAK 20261020", "Rechnung G000000002"))
    web.world.import_ledger(ledger)
    item = queue_item(web, request_mail(body="Please allocate payment PY00000001 to invoice G000000077."))
    page = web.client("viewer").get(f"/items/{item.id}")
    assert "remittance names G000000002" in page.text
    assert web.world.allocations() == []


def test_a_request_the_partner_cancelled_shows_as_cancelled_everywhere(web):
    from tests.integration.conftest import body_text

    item = queue_item(web, request_mail(body="Please allocate payment PY00000001 to invoice G000000077."))
    [question] = web.world.outbox_messages()
    web.world.deliver(request_mail(body="Please cancel this request.", subject=f"Re: {question['Subject']}",
                                   headers={"In-Reply-To": question["Message-ID"], "References": question["Message-ID"]}))
    web.world.run()
    assert "cancelled" in body_text(web.world.outbox_messages()[-1])
    viewer = web.client("viewer")
    page = viewer.get(f"/items/{item.id}")
    assert page.status_code == 200 and "cancelled" in page.text
    for path in ("/", "/queue?status=all", "/audit", "/billing/A1"):
        assert viewer.get(path).status_code == 200, path


def test_a_long_account_lists_its_oldest_rows_links_the_rest_and_takes_any_typed_id(web, tmp_path):
    from bot.review.billing_rows import ROWS_SHOWN
    from tests.integration.conftest import account, contact, invoice, payment, write_ledger

    n, day = ROWS_SHOWN + 10, date(2026, 6, 1)
    inv = [f"G{100 + k:09d}" for k in range(n)]
    pay = [f"PY{100 + k:08d}" for k in range(n)]
    web.world.import_ledger(write_ledger(
        tmp_path / "long-ledger", accounts=[account("A1")], contacts=[contact(ANN)],
        invoices=[invoice(i, "100.00", due_date=str(day + timedelta(days=k))) for k, i in enumerate(inv)],
        payments=[payment(p, "50.00", received_date=str(day + timedelta(days=k)),
                          reference=f"Rechnung {inv[-1]}" if k == 0 else f"REF {k}") for k, p in enumerate(pay)]))
    item = queue_item(web, request_mail(body=f"Please allocate payment {pay[-1]} to invoice {inv[-2]} and G000000777."))
    admin = web.client("admin")
    text = admin.get(f"/items/{item.id}").text
    billing = text[text.index('id="billing-h"'):text.index('id="conv-h"')]
    assert f"{ROWS_SHOWN} of {n + 2} shown" in billing  # and the standard ledger's two, due in October
    assert 'href="/billing/A1#invoices"' in billing and 'href="/billing/A1#payments"' in billing
    assert billing.count("<tr>") == 2 * ROWS_SHOWN + 2  # and the two head rows
    assert inv[ROWS_SHOWN - 1] in billing and inv[ROWS_SHOWN] not in billing  # the oldest due first
    candidates = text[text.index('id="cand-h"'):text.index('id="billing-h"')]
    assert inv[-2] in candidates and pay[-1] in candidates  # named: listed however far down they are
    assert f"remittance names {inv[-1]}" in billing  # the hint of a shown payment, beyond the listed invoices
    # nothing proposed: the editor starts from the line read right; the next rows take any typed id
    assert f'<input id="invoice_1" name="invoice_1" value="{inv[-2]}" list="invoice-choices"' in text
    assert '<input id="invoice_2" name="invoice_2" value="" list="invoice-choices"' in text
    assert '<select id="invoice_1"' not in text and '<datalist id="payment-choices">' in text

    edit = admin.post_form(f"/items/{item.id}/edit", {"payment_1": pay[-3], "invoice_1": inv[-3], "amount_1": "50.00"})
    assert edit.status_code == 303, edit.text
    assert web.world.allocations() == [(pay[-3], inv[-3], 5000)]


def test_a_short_account_lists_everything_and_offers_its_rows_to_choose_from(web):
    text = web.client("admin").get(f"/items/{queue_item(web, request_mail(body=TWO_REQUESTS)).id}").text
    assert '<select id="invoice_1" name="invoice_1">' in text and "shown, <a" not in text and "<datalist" not in text
