"""The audit log in a real browser (issue 16): each event reads as a sentence (amounts as people
write them, a reversal with what was reversed and why), and its JSON opens behind a toggle."""
from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import Allocation
from tests.browser.conftest import ADMIN
from tests.integration.conftest import request_mail

pytestmark = pytest.mark.browser


def test_the_audit_log_reads_as_sentences_and_opens_the_json_on_request(site, browser_page):
    site.world.deliver(request_mail(body="Please allocate payment PY00000001 to invoice G000000001."))
    site.world.run()
    with Session(site.world.app.engine) as session:
        allocation_id = session.exec(select(Allocation)).one().id
    page = browser_page
    site.sign_in(page, ADMIN)
    page.goto(f"{site.url}/audit?action=applied")
    applied = page.locator("tr.event-row").first
    sentence = applied.locator("p.sentence").inner_text()
    assert sentence.startswith("The bot applied message #") and sentence.endswith(
        ": PY00000001 → G000000001 100.00 USD")
    toggle = applied.locator("details.json")
    code = toggle.locator("code")
    assert not code.is_visible()  # the JSON waits behind its toggle
    toggle.locator("summary").click()
    assert code.is_visible()
    shown = json.loads(code.inner_text())
    assert shown["allocations"][0]["payment_id"] == "PY00000001"

    inbound_id = sentence.split("#")[1].split(":")[0]
    page.goto(f"{site.url}/requests/{inbound_id}")
    form = page.locator(f"form[action='/allocations/{allocation_id}/undo']")
    form.locator("[name=reason]").fill("partner paid G000000002 instead")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/requests/{inbound_id}?done=undone")
    page.goto(f"{site.url}/audit")
    lines = page.locator("p.sentence").all_inner_texts()
    assert (f"{ADMIN} (billing_admin) reversed an allocation of message #{inbound_id}: "
            "PY00000001 → G000000001 100.00 USD, because “partner paid G000000002 instead”") in lines
    assert f"{ADMIN} (billing_admin) signed in" in lines and f"The bot stored message #{inbound_id}" in lines
    assert not [line for line in lines if "_" in line.replace(f"{ADMIN} (billing_admin)", "") or "{" in line]
    site.screenshot(page, "audit-log")
