"""Sender trust on the item page, in a real browser: a sales contact's exact request keeps its
proposal and says whom to confirm with; a look-alike domain's request cannot be approved
until the operator ticks the impersonation check."""
from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import ReviewItem
from tests.browser.conftest import ADMIN
from tests.integration.conftest import TOM, request_mail

pytestmark = pytest.mark.browser
EXACT = "Please allocate payment PY00000001 to invoice G000000001."


def queued(site, raw: bytes) -> ReviewItem:
    site.world.deliver(raw)
    site.world.run()
    with Session(site.world.app.engine) as session:
        [item] = session.exec(select(ReviewItem)).all()
    return item


def approve(page) -> None:
    page.click("#approve-form button[type=submit]")


def test_a_sales_contacts_request_keeps_its_proposal_and_names_whom_to_confirm_with(site, browser_page):
    item = queued(site, request_mail(TOM, EXACT, sender_name="Tom Seller"))
    assert site.world.allocations() == []  # the bot never applies it itself
    page = browser_page
    site.sign_in(page, ADMIN)
    page.goto(f"{site.url}/items/{item.id}")
    main = page.inner_text("main")
    assert "confirm with Ann Admin (billing_admin), then approve" in main
    result = page.inner_text("#result")  # the kept proposal, with the balances it leaves
    assert "PY00000001" in result and "G000000001" in result and "proposed no allocations" not in result
    approve(page)
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=approved$"))
    assert site.world.allocations() == [("PY00000001", "G000000001", 10000)]


def test_a_lookalike_sender_is_flagged_and_approving_needs_the_tick(site, browser_page):
    item = queued(site, request_mail("ann@bluepeak-payments.example", EXACT))
    page = browser_page
    site.sign_in(page, ADMIN)
    page.goto(f"{site.url}/items/{item.id}")
    assert "Possible impersonation" in page.inner_text("main")
    assert "bluepeak-payments.example" in page.inner_text("main")
    box = page.locator('input[name=confirm_lookalike][form="edit-form"]')
    assert box.count() == 1 and box.get_attribute("required") is not None
    page.select_option("#edit-form select[name=payment_1]", "PY00000001")
    page.select_option("#edit-form select[name=invoice_1]", "G000000001")
    page.fill("#edit-form input[name=amount_1]", "100.00")
    page.click("#edit-form button[type=submit]")  # not ticked: the browser holds the form back
    assert page.url.endswith(f"/items/{item.id}") and site.world.allocations() == []
    box.check()
    page.click("#edit-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=edited$"))
    assert site.world.allocations() == [("PY00000001", "G000000001", 10000)]
