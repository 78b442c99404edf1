"""Billing operations in a real browser: work an item from the queue, roles, hostile mail.

Screenshots of the queue and of an item page are saved in var/test-artifacts/."""
from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import ReviewItem
from bot.service import send_outbox
from bot.cycle import CycleReport
from tests.browser.conftest import ADMIN, VIEWER
from tests.integration.conftest import ANN, body_text, parse_mail, request_mail

pytestmark = pytest.mark.browser

UNKNOWN_INVOICE = "Please allocate 100.00 USD of payment PY00000002 to invoice G000000777."
XSS = "<script>document.title='pwned';alert('script ran')</script>"
IMG = "<img src=x onerror=\"document.title='pwned';alert('onerror ran')\">"


def item_ids(site) -> list[int]:
    with Session(site.world.app.engine) as session:
        return [item.id for item in session.exec(select(ReviewItem).order_by(ReviewItem.id))]


def hostile_mail() -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"Ann Admin <{ANN}>"
    msg["To"] = "allocations@billing.example"
    msg["Subject"] = f"Payment {XSS}"
    msg["Message-ID"] = "<hostile@bluepeak.example>"
    msg["Authentication-Results"] = "mx.billing.example; spf=pass smtp.mailfrom=bluepeak.example; dkim=pass header.d=bluepeak.example; dmarc=pass header.from=bluepeak.example"
    msg.set_content(f"Please allocate payment PY00000002 to invoice G000000888. {XSS} {IMG}")
    msg.add_alternative(f"<html><body><p>Please allocate payment PY00000002 to invoice G000000888.</p>{XSS}{IMG}"
                        f"<a href=\"javascript:alert('link ran')\">click</a></body></html>", subtype="html")
    return msg.as_bytes()


def test_an_admin_edits_and_applies_an_item_and_the_partner_gets_the_confirmation(site, browser_page):
    site.world.deliver(request_mail(body=UNKNOWN_INVOICE, message_id="<edit.me@bluepeak.example>"))
    site.world.run()
    [item_id] = item_ids(site)
    page = browser_page
    site.sign_in(page, ADMIN)

    page.click("nav >> text=Queue")
    assert "ALC-" in page.inner_text("main")
    site.screenshot(page, "queue")
    page.click(f"a[href='/items/{item_id}']")
    page.wait_for_url(re.compile(rf".*/items/{item_id}$"))
    assert "G000000777" in page.inner_text("main")
    site.screenshot(page, "item")

    page.select_option("#payment_1", "PY00000002")
    page.select_option("#invoice_1", "G000000002")
    page.fill("#amount_1", "100.00")
    page.click("text=Apply these allocations")
    page.wait_for_url(re.compile(rf".*/items/{item_id}\?done="))
    site.screenshot(page, "item-applied")

    [confirmation] = [row for row in site.world.outbound() if row.kind == "confirmation"]
    report = CycleReport()
    send_outbox(site.world.app, report)
    assert report.sent == 1
    [sent] = [m for m in map(parse_mail, (p.read_bytes() for p in site.world.outbox_files()))
              if m["Message-ID"] == confirmation.message_id]  # beside the earlier needs_info question
    assert sent["In-Reply-To"] == "<edit.me@bluepeak.example>" and sent["To"].addresses[0].addr_spec == ANN
    assert "G000000002" in body_text(sent)

    page.goto(f"{site.url}/billing/A1")
    row = page.inner_text("#inv-G000000002")
    assert "150.00" in row  # 250.00 open before, 100.00 applied
    assert f"/items/{item_id}" in page.inner_html("main")  # the history links to the request


def test_a_viewer_sees_the_item_but_cannot_act_on_it(site, browser_page):
    site.world.deliver(request_mail(body=UNKNOWN_INVOICE))
    site.world.run()
    [item_id] = item_ids(site)
    page = browser_page
    site.sign_in(page, VIEWER)

    page.goto(f"{site.url}/items/{item_id}")
    assert "G000000777" in page.inner_text("main")
    assert page.locator("form[action$='/approve']").count() == 0
    assert page.locator("text=Apply these allocations").count() == 0
    token = page.get_attribute("input[name=csrf_token]", "value")  # the sign-out form's, a valid token
    response = page.request.post(f"{site.url}/items/{item_id}/dismiss", form={"csrf_token": token, "note": "viewer"})
    assert response.status == 403
    assert site.world.review_items()[0].status == "waiting"  # unchanged: the bot asked the partner


def test_a_hostile_mail_shows_as_text_and_runs_nothing(site, browser_page):
    site.world.deliver(hostile_mail())
    site.world.run()
    [item_id] = item_ids(site)
    page = browser_page
    site.sign_in(page, ADMIN)

    for path in ("/queue", f"/items/{item_id}", "/audit"):
        page.goto(f"{site.url}{path}")
        page.wait_for_load_state("load")
        assert "pwned" not in page.title()
    assert page.dialogs == []  # no alert() ever ran
    page.goto(f"{site.url}/items/{item_id}")
    text = page.inner_text("main")
    assert "<script>document.title='pwned'" in text  # shown, as text
    assert page.locator("main script").count() == 0
    assert page.locator("main img[onerror]").count() == 0
    assert page.locator("main a[href^='javascript:']").count() == 0
    site.screenshot(page, "item-hostile-mail")


def test_an_action_posted_without_its_csrf_token_is_refused(site, browser_page):
    site.world.deliver(request_mail(body=UNKNOWN_INVOICE))
    site.world.run()
    [item_id] = item_ids(site)
    page = browser_page
    site.sign_in(page, ADMIN)

    response = page.request.post(f"{site.url}/items/{item_id}/dismiss", form={"note": "forged"})

    assert response.status == 403
    assert site.world.review_items()[0].status == "waiting"  # unchanged: the bot asked the partner


def test_the_queue_and_an_item_are_readable_on_a_phone(site, chromium):
    """At a phone's width the page itself never scrolls sideways: wide tables scroll in their box."""
    site.world.deliver(request_mail(body=UNKNOWN_INVOICE))
    site.world.run()
    [item_id] = item_ids(site)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        site.sign_in(page, ADMIN)
        for path, shot in (("/queue", "queue-phone"), (f"/items/{item_id}", "item-phone")):
            page.goto(f"{site.url}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            site.screenshot(page, shot)
            assert overflow <= 1, f"{path} is {overflow}px wider than the phone"
    finally:
        context.close()
