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


ANN_TWO = request_mail(body="Please allocate payment PY00000001 to invoice G000000001.\n"
                            "Also allocate payment PY00000002 to invoice G000000077.")
ANN_ONE = request_mail(body="Please allocate payment PY00000001 to invoice G000000001.")


def test_the_queue_shows_amount_proposal_reasons_in_words_and_flags_a_used_up_payment(site, browser_page):
    site.world.deliver(ANN_TWO)  # G000000077 is unknown: the bot asks, keeping PY00000001 → G000000001
    site.world.run()
    [held] = site.world.review_items()
    page = browser_page
    site.sign_in(page, ADMIN)
    page.goto(f"{site.url}/queue")
    row = page.locator(f"tr[data-item='{held.id}']")
    assert row.locator("td.amount").inner_text() == "100.00 USD, 500.00 USD"
    assert row.locator("td.proposal").inner_text() == "PY00000001 → G000000001 100.00 USD"
    assert "asked the partner" in row.inner_text() and "needs_info" not in row.inner_text()
    reason = row.locator("td.reasons .badge.reason")
    assert reason.inner_text() == "unknown invoice"
    assert reason.get_attribute("title").startswith("unknown_invoice: An invoice named in the mail is not in")
    assert row.locator(".badge.used-up").count() == 0

    site.world.deliver(ANN_ONE)  # applied at once: PY00000001 has nothing left
    site.world.run()
    page.goto(f"{site.url}/queue")
    flag = page.locator(f"tr[data-item='{held.id}'] td.proposal .badge.used-up")
    assert flag.inner_text() == "PY00000001 used up"
    assert flag.get_attribute("title") == "PY00000001 has nothing left to allocate"
    assert [o.strip() for o in page.locator("select[name=reason] option").all_inner_texts()] == [
        "any", "unknown invoice"]
    page.select_option("select[name=reason]", label="unknown invoice")
    page.click("form.queue-filters button[type=submit]")
    page.wait_for_url("**reason=unknown_invoice**")
    assert page.locator("tr.item-row").count() == 1
    site.screenshot(page, "queue-used-up")


def test_the_dashboard_counts_who_waits_for_the_partner_and_plots_outcomes_per_day(site, browser_page):
    site.world.deliver(ANN_TWO)  # needs_info: the question went out, the item waits for the partner
    site.world.run()
    site.world.deliver(from_tom("Allocation"))  # held for review: Tom may not move money
    site.world.run()
    site.world.deliver(request_mail(body="Please allocate payment PY00000002 to invoice G000000002."))
    site.world.run()  # applied
    page = browser_page
    site.sign_in(page, VIEWER)
    assert page.locator("#queue-waiting .n").inner_text() == "1"
    assert "waiting for the partner" in page.locator("#queue-waiting").inner_text()
    assert "held for review today" in page.locator("#today-review").inner_text()
    assert "asked the partner today" in page.locator("#today-needs_info").inner_text()
    today = site.world.now().strftime("%m-%d")
    bar = page.locator(f"svg.outcomes-chart g.bar[data-label='{today}']")
    assert bar.get_attribute("data-total") == "3"
    parts = {p.get_attribute("data-series"): p.get_attribute("data-count")
             for p in bar.locator("rect.part").all()}
    assert {k: v for k, v in parts.items() if v != "0"} == {"applied": "1", "review": "1", "needs_info": "1"}
    assert bar.locator("rect.part.applied").bounding_box()["height"] > 0
    legend = page.locator("svg.outcomes-chart + p.legend").inner_text()
    assert "held for review" in legend and "asked the partner" in legend
    site.screenshot(page, "dashboard-outcomes")
