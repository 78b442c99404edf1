"""Undo in a real browser: a billing admin reverses the bot's allocation from the request's
page with a reason; the browser refuses an empty reason; a viewer sees no Undo."""
from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import AuditEvent, InboundMessage
from bot.web.app import TOKEN_EXPIRED
from tests.browser.conftest import ADMIN, VIEWER
from tests.integration.conftest import ANN, request_mail

pytestmark = pytest.mark.browser


def applied_request(site) -> int:
    site.world.deliver(request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001."))
    site.world.run()
    with Session(site.world.app.engine) as session:
        [row] = session.exec(select(InboundMessage)).all()
    assert row.status == "applied"
    return row.id


def test_an_admin_undoes_the_bots_allocation_with_a_reason(site, browser_page):
    inbound_id = applied_request(site)
    assert site.world.balances()["PY00000001"] == 0
    page = browser_page
    site.sign_in(page, ADMIN)
    page.goto(f"{site.url}/requests/{inbound_id}")
    assert "PY00000001" in page.inner_text("#undo") and "the bot decided it alone" in page.inner_text("main")
    page.click("#undo button[type=submit]")  # no reason yet: the browser holds the form back
    assert page.url.endswith(f"/requests/{inbound_id}")
    assert site.world.balances()["PY00000001"] == 0
    page.fill("#undo input[name=reason]", "the partner meant invoice G000000002")
    page.click("#undo button[type=submit]")
    page.wait_for_url(re.compile(rf".*/requests/{inbound_id}\?done=undone$"))
    assert "The allocation is reversed." in page.inner_text("main")
    assert "reversed" in page.inner_text("#undo") and "the partner meant invoice G000000002" in page.inner_text("#undo")
    site.screenshot(page, "request-undone")
    balances = site.world.balances()
    assert balances["PY00000001"] == 10000 and balances["G000000001"] == 10000
    with Session(site.world.app.engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "allocation_reversed")).all()
    assert event.actor == ADMIN and event.inbound_id == inbound_id


def test_a_viewer_sees_the_allocation_but_no_undo(site, browser_page):
    inbound_id = applied_request(site)
    page = browser_page
    site.sign_in(page, VIEWER)
    page.goto(f"{site.url}/requests/{inbound_id}")
    assert "PY00000001" in page.inner_text("#undo")
    assert page.locator("#undo form").count() == 0


def test_an_undo_whose_form_token_expired_keeps_the_reason_and_the_second_submit_reverses(site, browser_page):
    inbound_id = applied_request(site)
    page = browser_page
    site.sign_in(page, ADMIN)
    page.goto(f"{site.url}/requests/{inbound_id}")
    page.fill("#undo input[name=reason]", "the partner meant invoice G000000002")
    other_tab = page.context.new_page()
    site.sign_in(other_tab, ADMIN)  # a new session: this tab's form token is stale
    other_tab.close()
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.click("#undo button[type=submit]")
    assert refused.value.status == 403
    assert page.inner_text("[role=alert]").startswith(TOKEN_EXPIRED)
    assert page.input_value("#undo input[name=reason]") == "the partner meant invoice G000000002"
    assert site.world.balances()["PY00000001"] == 0  # nothing reversed on the refused request
    page.click("#undo button[type=submit]")
    page.wait_for_url(re.compile(rf".*/requests/{inbound_id}\?done=undone$"))
    assert site.world.balances()["PY00000001"] == 10000
