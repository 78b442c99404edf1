"""The item page as a workbench in a real browser (issue 16): guidance instead of codes, the
partner's text beside the reading on a wide screen and above it on a phone, the result before
the actions, locale amounts in the editor, a refused edit keeping what was typed, "waiting for
the partner" once the question went out, no editor when nothing is left, and the keys.

The full-page screenshot of an item goes to var/test-artifacts/item.png (the README's copy is
docs/screenshots/item.png)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import AuditEvent, ReviewItem
from bot.review.guidance import reason_line
from bot.web.app import CSP
from tests.browser.conftest import ADMIN, ARTIFACTS, VIEWER
from tests.integration.conftest import ANN, TOM, request_mail

pytestmark = pytest.mark.browser

UNKNOWN_INVOICE = "Please allocate 100.00 USD of payment PY00000002 to invoice G000000777."
SCREENSHOT = ARTIFACTS / "item.png"  # copied to docs/screenshots/ for the README by hand


def queued(site, body: str = UNKNOWN_INVOICE, sender: str = ANN) -> ReviewItem:
    site.world.deliver(request_mail(sender, body))
    site.world.run()
    with Session(site.world.app.engine) as session:
        return session.exec(select(ReviewItem).order_by(ReviewItem.id.desc())).first()


def open_item(site, page, item: ReviewItem, who: str = ADMIN) -> None:
    site.sign_in(page, who)
    page.goto(f"{site.url}/items/{item.id}")


def test_reasons_read_as_guidance_with_the_code_in_a_tooltip_and_spans_as_text(site, browser_page):
    item = queued(site)
    page = browser_page
    open_item(site, page, item)
    guidance = page.locator("ul.guidance li[data-code=unknown_invoice]")
    assert guidance.inner_text() == reason_line("unknown_invoice")
    assert guidance.get_attribute("title") == "reason code: unknown_invoice"
    main = page.inner_text("main")
    assert "characters" not in main and not re.search(r"\d+–\d+", main)
    assert page.locator("pre.request-text").count() == 1  # the partner's text, highlighted once
    assert any("G000000777" in m for m in page.locator("pre.request-text mark").all_inner_texts())
    assert "allocbot run --once" in page.inner_text("#approve-form")
    assert "n next item" in page.inner_text(".shortcuts")
    assert page.get_attribute("#next-item", "href") == f"/queue/next?after={item.id}"


def test_the_text_sits_beside_the_reading_on_a_wide_screen_and_above_it_on_a_phone(site, browser_page):
    item = queued(site)
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 900})
    open_item(site, page, item)
    text, reading = page.locator(".partner-text").bounding_box(), page.locator(".reading-column").bounding_box()
    result, actions = page.locator("#result").bounding_box(), page.locator(".item-actions").bounding_box()
    assert text["x"] + text["width"] <= reading["x"] and abs(text["y"] - reading["y"]) < 5
    assert result["y"] >= max(text["y"] + text["height"], reading["y"] + reading["height"]) - 1
    assert actions["y"] > result["y"]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    text, reading = page.locator(".partner-text").bounding_box(), page.locator(".reading-column").bounding_box()
    assert reading["y"] >= text["y"] + text["height"] - 1


def test_an_edit_in_a_locale_format_is_applied_and_blank_rows_are_ignored(site, browser_page):
    item = queued(site)
    page = browser_page
    open_item(site, page, item)
    page.select_option("#payment_1", "PY00000002")
    page.select_option("#invoice_1", "G000000002")
    page.fill("#amount_1", "2 50,00".replace(" ", ""))  # 250,00: a comma for the decimals
    page.click("#edit-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=edited$"))
    balances = site.world.balances()
    assert balances["G000000002"] == 0 and balances["PY00000002"] == 25000


def test_a_refused_edit_shows_the_reason_and_keeps_what_was_typed(site, browser_page):
    item = queued(site)
    page = browser_page
    open_item(site, page, item)
    page.select_option("#payment_1", "PY00000002")
    page.select_option("#invoice_1", "G000000002")
    page.fill("#amount_1", "1.234,50")
    page.click("#edit-form button[type=submit]")
    assert "invoice G000000002 has 250.00 USD open" in page.inner_text("[role=alert]")
    assert page.input_value("#amount_1") == "1.234,50" and page.input_value("#invoice_1") == "G000000002"
    # someone else acts meanwhile: 409, and the typed rows survive again
    with Session(site.world.app.engine) as session:
        session.add(AuditEvent(at=datetime.now(UTC), actor="other@billing.example", action="note",
                               inbound_id=item.inbound_id))
        session.commit()
    page.fill("#amount_1", "12,50")
    page.click("#edit-form button[type=submit]")
    assert "Someone acted on this item" in page.inner_text("[role=alert]")
    assert page.input_value("#amount_1") == "12,50"
    assert site.world.balances()["G000000002"] == 25000


def test_an_item_whose_question_the_bot_sent_waits_and_ask_is_not_prefilled(site, browser_page):
    item = queued(site)  # an unknown invoice: the bot asked the partner itself
    page = browser_page
    open_item(site, page, item)
    assert "Waiting for the partner since" in page.inner_text("#waiting")
    assert page.inner_text("h1 .badge") == "waiting"
    assert page.input_value("form.ask textarea[name=body]") == ""


def test_after_a_person_asks_the_item_waits_for_the_partner(site, browser_page):
    item = queued(site, "Please allocate payment PY00000001 to invoice G000000001.", sender=TOM)
    page = browser_page
    open_item(site, page, item)
    assert page.locator("#waiting").count() == 0
    assert page.input_value("form.ask textarea[name=body]") != ""
    page.click("form.ask button[type=submit]")
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=asked$"))
    assert "Waiting for the partner since" in page.inner_text("#waiting")
    assert page.input_value("form.ask textarea[name=body]") == ""


def test_no_editor_when_nothing_is_left_and_a_viewer_gets_no_actions(site, browser_page):
    first = queued(site, "Please allocate payment PY00000001 to invoice G000000777.")
    second = queued(site, "Please allocate payment PY00000002 to invoice G000000778.")
    page = browser_page
    open_item(site, page, first)
    for n, (pid, number, amount) in enumerate((("PY00000001", "G000000001", "100"), ("PY00000002", "G000000002", "250")), 1):
        page.select_option(f"#payment_{n}", pid)
        page.select_option(f"#invoice_{n}", number)
        page.fill(f"#amount_{n}", amount)
    page.click("#edit-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/items/{first.id}\?done=edited$"))
    page.goto(f"{site.url}/items/{second.id}")
    assert page.locator("#edit-form").count() == 0 and page.locator("#nothing-left").is_visible()
    viewer = page.context.browser.new_context().new_page()
    open_item(site, viewer, second, VIEWER)
    assert viewer.locator("form[method=post][action^='/items/']").count() == 0
    viewer.context.close()


@pytest.fixture
def scripted_page(chromium):
    """item.js runs only where the page's CSP lets the site's own script run (script-src 'self')."""
    assert "script-src 'self'" in CSP
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_keys_and_running_totals(site, scripted_page):
    item = queued(site)
    page = scripted_page
    open_item(site, page, item)
    page.click("button.add-row[data-key=PY00000002]")
    page.click("button.add-row[data-key=G000000002]")
    assert page.input_value("#payment_1") == "PY00000002" and page.input_value("#invoice_1") == "G000000002"
    assert page.input_value("#amount_1") == "250.00"
    assert "invoice G000000002 left 0.00" in page.inner_text("#edit-totals")
    page.fill("#amount_1", "300,00")
    assert "Total 300.00" in page.inner_text("#edit-totals") and "left -50.00" in page.inner_text("#edit-totals")
    page.locator("h1").click()
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "amount_1"
    page.locator("h1").click()
    with page.expect_request(re.compile(rf".*/queue/next\?after={item.id}$")):  # then redirected onwards
        page.keyboard.press("n")
