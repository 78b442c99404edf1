"""The queue as a workbench and the dashboard's charts in a real browser (issue 16): claim an
item, tick two and reject them with one reason, read the dashboard's SVG figures."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ADMIN, VIEWER
from tests.integration.conftest import TOM, request_mail

pytestmark = pytest.mark.browser


def from_tom(subject: str) -> bytes:
    return request_mail(sender=TOM, sender_name="Tom Seller", subject=subject,
                        body="Please allocate payment PY00000001 to invoice G000000001.")


def test_an_admin_claims_one_item_and_bulk_rejects_two(site, browser_page):
    for n in (1, 2, 3):
        site.world.deliver(from_tom(f"Allocation {n}"))
        site.world.run()
    ids = sorted(item.id for item in site.world.review_items())
    page = browser_page
    site.sign_in(page, ADMIN)
    page.goto(f"{site.url}/queue")
    page.click(f"tr[data-item='{ids[0]}'] button[value=claim]")
    page.wait_for_url(f"{site.url}/queue?note=claimed")
    assert "The item is yours now." in page.inner_text("main")
    assert ADMIN in page.inner_text(f"tr[data-item='{ids[0]}'] td.assignee")
    page.goto(f"{site.url}/queue?assigned=mine")
    assert page.locator("tr.item-row").count() == 1

    page.goto(f"{site.url}/queue")
    page.check(f"tr[data-item='{ids[1]}'] input[name=item]")
    page.check(f"tr[data-item='{ids[2]}'] input[name=item]")
    page.fill("#bulk-reject input[name=reason]", "Sent twice")
    page.click("#bulk-reject button[type=submit]")
    page.wait_for_url(f"{site.url}/queue?note=bulk_rejected&n=2")
    assert "Rejected 2 item(s)" in page.inner_text("main")
    statuses = {item.id: (item.status, item.resolution) for item in site.world.review_items()}
    assert statuses[ids[1]] == statuses[ids[2]] == ("closed", "rejected") and statuses[ids[0]][0] == "open"
    site.screenshot(page, "queue-workbench")

    page.goto(f"{site.url}/")
    age = page.locator("svg.age-chart g.bar[data-label='under 1 day']")
    assert age.get_attribute("data-total") == "1"  # the one left open
    assert "under 1 day: 1" in age.locator("title").text_content()
    site.screenshot(page, "dashboard-charts")


def test_a_viewer_sees_the_queue_without_claim_or_bulk_reject(site, browser_page):
    site.world.deliver(from_tom("Allocation"))
    site.world.run()
    page = browser_page
    site.sign_in(page, VIEWER)
    page.goto(f"{site.url}/queue")
    assert page.locator("tr.item-row").count() == 1
    assert page.locator("#bulk-reject").count() == 0 and page.locator("form.assign").count() == 0
