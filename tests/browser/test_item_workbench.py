"""The item page as a workbench in a real browser (issue 16): guidance instead of codes, the
partner's text beside the reading on a wide screen and above it on a phone, the result before
the actions, locale amounts in the editor, a refused edit keeping what was typed (422, 409, and a
form token renewed in another tab), "waiting for the partner" once the question went out, the
question in the partner's language only, no editor when nothing is left, and the keys.
(The one-screen layout and its screenshot: test_item_one_screen.py.)"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.ledger.tables import AuditEvent, ReviewItem
from bot.review.guidance import reason_line
from bot.web.app import CSP, TOKEN_EXPIRED
from tests.browser.conftest import ADMIN, VIEWER
from tests.integration.conftest import ANN, OLA, TOM, request_mail

pytestmark = pytest.mark.browser

UNKNOWN_INVOICE = "Please allocate 100.00 USD of payment PY00000002 to invoice G000000777."


def queued(site, body: str = UNKNOWN_INVOICE, sender: str = ANN, **mail) -> ReviewItem:
    site.world.deliver(request_mail(sender, body, **mail))
    site.world.run()
    with Session(site.world.app.engine) as session:
        return session.exec(select(ReviewItem).order_by(ReviewItem.id.desc())).first()


def open_item(site, page, item: ReviewItem, who: str = ADMIN) -> None:
    site.sign_in(page, who)
    page.goto(f"{site.url}/items/{item.id}")


def type_row(page, n: int, payment_id: str, invoice_number: str, amount: str) -> None:
    """Row n of the editor, as a clerk fills it in: payment, invoice, amount."""
    page.select_option(f"#payment_{n}", payment_id)
    page.select_option(f"#invoice_{n}", invoice_number)
    page.fill(f"#amount_{n}", amount)


def editing(site, page, amount: str) -> ReviewItem:
    """An item (an unknown invoice) open in the editor, its first row typed as PY00000002 → G000000002."""
    item = queued(site)
    open_item(site, page, item)
    type_row(page, 1, "PY00000002", "G000000002", amount)
    return item


def test_reasons_read_as_guidance_with_the_code_in_a_tooltip_and_spans_as_text(site, browser_page):
    item = queued(site)
    page = browser_page
    open_item(site, page, item)
    guidance = page.locator("ul.guidance li[data-code=unknown_invoice]")
    assert guidance.locator(".line").inner_text() == reason_line("unknown_invoice")
    assert guidance.get_attribute("title") == "reason code: unknown_invoice"
    main = page.inner_text("main")
    assert "characters" not in main and not re.search(r"\d+–\d+", main)
    assert page.locator("pre.request-text").count() == 1  # the partner's text, highlighted once
    assert any("G000000777" in m for m in page.locator("pre.request-text mark").all_inner_texts())
    assert page.locator("#approve-form").count() == 0 and "Nothing proposed yet" in page.inner_text("#result")
    assert "allocbot run --once" in page.inner_text("#edit-form")
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
    page.set_viewport_size({"width": 390, "height": 800})
    text, reading = page.locator(".partner-text").bounding_box(), page.locator(".reading-column").bounding_box()
    assert reading["y"] >= text["y"] + text["height"] - 1


def test_an_edit_in_a_locale_format_is_applied_and_blank_rows_are_ignored(site, browser_page):
    page = browser_page
    item = editing(site, page, "250,00")  # a comma for the decimals
    page.click("#edit-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=edited$"))
    balances = site.world.balances()
    assert balances["G000000002"] == 0 and balances["PY00000002"] == 25000


def test_a_refused_edit_shows_the_reason_and_keeps_what_was_typed(site, browser_page):
    page = browser_page
    item = editing(site, page, "1.234,50")
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


def test_a_form_token_renewed_in_another_tab_keeps_what_was_typed_and_the_second_submit_applies(site, browser_page):
    page = browser_page
    item = editing(site, page, "125,00")
    type_row(page, 2, "PY00000001", "G000000001", "100")
    before = site.world.balances()
    other_tab = page.context.new_page()
    site.sign_in(other_tab, ADMIN)  # signing in again starts a new session: this tab's form token is stale
    other_tab.close()
    with Session(site.world.app.engine) as session:  # and a colleague noted something meanwhile
        session.add(AuditEvent(at=datetime.now(UTC), actor="other@billing.example", action="note",
                               inbound_id=item.inbound_id))
        session.commit()
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.click("#edit-form button[type=submit]")
    assert refused.value.status == 403
    assert page.inner_text("[role=alert]").startswith(TOKEN_EXPIRED)
    assert "Someone acted on this item since you opened it" in page.inner_text("[role=alert]")
    assert [page.input_value(f"#{field}_{n}") for n in (1, 2) for field in ("payment", "invoice", "amount")] == [
        "PY00000002", "G000000002", "125,00", "PY00000001", "G000000001", "100"]
    assert site.world.balances() == before  # nothing applied on the refused request
    page.click("#edit-form button[type=submit]")  # the page carries the session's token now
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=edited$"))
    balances = site.world.balances()
    assert (balances["G000000002"], balances["PY00000002"], balances["G000000001"]) == (12500, 37500, 0)


def test_a_post_from_another_site_with_a_stale_token_gets_the_plain_refusal(site, browser_page):
    page = browser_page
    item = editing(site, page, "125,00")
    forged = page.request.post(f"{site.url}/items/{item.id}/edit", headers={"Origin": "http://evil.example"}, form={
        "csrf_token": "stale", "payment_1": "PY00000002", "invoice_1": "G000000777", "amount_1": "250"})
    assert forged.status == 403
    assert "G000000777" not in forged.text() and 'name="csrf_token"' not in forged.text()
    assert site.world.balances()["PY00000002"] == 50000


def test_an_item_whose_question_the_bot_sent_waits_and_ask_is_not_prefilled(site, browser_page):
    item = queued(site)  # an unknown invoice: the bot asked the partner itself
    page = browser_page
    open_item(site, page, item)
    assert "Waiting for the partner since" in page.inner_text("#waiting")
    assert page.inner_text("h1 .badge") == "waiting"
    assert page.input_value("form.ask textarea[name=body]") == ""
    page.locator("#asked > summary").click()  # the question itself, one click from the note
    assert "G000000777" in page.inner_text("#asked pre.mail")


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


# A Swedish partner's mail with chatter the question must not repeat; words only the English
# reply template has (a Swedish reply shares none of them).
CHATTER = "Vi har flyttat kontoret och vår revisor har bytts ut, så ha tålamod med oss."
ENGLISH = ("Hello", "Please", "Something", "invoice", "payment", "request", "could not", "reply", "allocat")


def test_the_ask_text_for_a_swedish_partner_is_swedish_only_and_does_not_echo_the_mail(site, browser_page):
    # more than the invoice has open: held for a person, so no question went out yet and Ask is pre-filled
    body = f"Hej! Fördela 1000,00 SEK av betalning PY00000009 till faktura G000000009.\n\n{CHATTER}"
    item = queued(site, body, sender=OLA, sender_name="Ola Nordmann")
    page = browser_page
    open_item(site, page, item)
    text = page.input_value("form.ask textarea[name=body]")
    assert "Hej Ola Nordmann" in text and "Vi behöver mer information" in text and item.case_ref in text
    for english in ENGLISH:
        assert english.lower() not in text.lower(), english
    assert CHATTER[:25] not in text and "Fördela 1000,00" not in text


def test_the_question_the_bot_sent_a_swedish_partner_reads_swedish_on_the_item_page(site, browser_page):
    body = f"Hej, fördela betalning PY00000009 till faktura G000000555, tack.\n\n{CHATTER}"
    item = queued(site, body, sender=OLA, sender_name="Ola Nordmann")  # an unknown invoice: the bot asked
    page = browser_page
    open_item(site, page, item)
    page.locator("#conv > summary").click()  # the conversation is folded under the actions
    page.locator(".conversation .entry.reply summary").first.click()
    question = page.inner_text(".conversation .entry.reply pre.mail")
    assert "G000000555" in question and "Hej Ola Nordmann" in question
    for english in ENGLISH:
        assert english.lower() not in question.lower(), english
    assert CHATTER[:25] not in question


def test_no_editor_when_nothing_is_left_and_a_viewer_gets_no_actions(site, browser_page):
    first = queued(site, "Please allocate payment PY00000001 to invoice G000000777.")
    second = queued(site, "Please allocate payment PY00000002 to invoice G000000778.")
    page = browser_page
    open_item(site, page, first)
    type_row(page, 1, "PY00000001", "G000000001", "100")
    type_row(page, 2, "PY00000002", "G000000002", "250")
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
