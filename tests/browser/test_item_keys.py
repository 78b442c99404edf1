"""The item page's keys and editor script as a careful clerk expects (issue 16): `a` asks before
it moves money and never fires from a link, a button or a folded section; the running total reads
"1,234" as the server does in the account's locale; a row on a used-up payment shows what it
overdraws; "+ editor" fills an amount only once a row has both a payment and an invoice; on a
phone the editor's rows stack so the chosen id is read whole (var/test-artifacts/item-editor-phone.png)."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_item_one_screen import FROM_SALES
from tests.browser.test_item_workbench import open_item, queued, scripted_page, type_row  # noqa: F401 - a fixture
from tests.integration.conftest import ANN, OLA, TOM

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 800}


def held_proposal(site, page):
    """An item the bot holds with a proposal of one allocation (PY00000001 → G000000002, 100.00 USD)."""
    item = queued(site, FROM_SALES, sender=TOM)
    open_item(site, page, item)
    assert page.locator("#approve-button").is_visible()
    return item


def dialogs(page) -> list[str]:
    """Every dialog the page opens from now on, answered by the test itself."""
    seen: list[str] = []
    page.on("dialog", lambda d: seen.append(d.message))
    return seen


def test_a_asks_first_and_a_dismissed_question_applies_nothing(site, scripted_page):
    page = scripted_page
    item = held_proposal(site, page)
    before = site.world.balances()
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("h1").click()
    page.keyboard.press("a")
    page.wait_for_timeout(500)  # time for a submit the dismissal must not have made
    assert asked == ["Approve and apply the bot's proposal (1 allocation)?"]
    assert page.url.endswith(f"/items/{item.id}") and site.world.balances() == before
    page.once("dialog", lambda d: d.accept())
    page.keyboard.press("a")
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=approved$"))
    after = site.world.balances()
    moved = (before["PY00000001"] - after["PY00000001"], before["G000000002"] - after["G000000002"])
    assert moved == (10000, 10000)  # 100.00 USD off the payment and the invoice


@pytest.mark.parametrize("focus", ["#mail > summary", "#next-item", "#edit-form button[type=submit]"])
def test_a_on_a_summary_link_or_button_does_nothing(site, scripted_page, focus):
    page = scripted_page
    item = held_proposal(site, page)
    before = site.world.balances()
    seen = dialogs(page)
    page.focus(focus)
    page.keyboard.press("a")
    page.wait_for_timeout(500)
    assert seen == [] and page.url.endswith(f"/items/{item.id}")
    assert site.world.balances() == before


def test_1_234_on_an_english_account_totals_a_thousand_as_the_server_reads_it(site, scripted_page):
    page = scripted_page
    item = queued(site, sender=ANN)  # account A1, locale en
    open_item(site, page, item)
    assert page.get_attribute("#edit-form", "data-decimal") == "."
    type_row(page, 1, "PY00000002", "G000000002", "1,234")
    totals = page.inner_text("#edit-totals")
    assert totals.startswith("Total 1234.00") and "invoice G000000002 left -984.00" in totals
    page.click("#edit-form button[type=submit]")  # the server reads the same thousand
    assert "these rows put 1234.00 USD on it" in page.inner_text("[role=alert]")


def test_1_234_on_a_swedish_account_is_a_decimal(site, scripted_page):
    page = scripted_page
    item = queued(site, "Hej! Fördela 1000,00 SEK av betalning PY00000009 till faktura G000000009.", sender=OLA)
    open_item(site, page, item)
    assert page.get_attribute("#edit-form", "data-decimal") == ","
    type_row(page, 1, "PY00000009", "G000000009", "1,234")
    assert page.inner_text("#edit-totals").startswith("Total 1.23")  # 1.234 SEK, as the server reads it


def test_without_a_decimal_mark_1_234_is_shown_ambiguous(site, scripted_page):
    page = scripted_page
    item = queued(site, sender=ANN)
    # the page as the server renders it for an account whose locale has no known decimal mark
    page.route(re.compile(rf".*/items/{item.id}$"), lambda route: route.fulfill(
        response=route.fetch(), body=route.fetch().text().replace('data-decimal="."', 'data-decimal=""')))
    open_item(site, page, item)
    assert page.get_attribute("#edit-form", "data-decimal") == ""
    type_row(page, 1, "PY00000002", "G000000002", "1,234")
    type_row(page, 2, "PY00000001", "G000000001", "50")
    totals = page.inner_text("#edit-totals")
    assert totals.startswith("Total 50.00") and "row 1 ambiguous: 1,234" in totals
    assert "over" in page.get_attribute("#edit-totals", "class")


def test_a_row_on_a_used_up_payment_shows_a_negative_left(site, scripted_page):
    page = scripted_page
    item = held_proposal(site, page)  # the editor starts from PY00000001 → G000000002, 100.00
    assert page.input_value("#payment_1") == "PY00000001"
    queued(site, "Please allocate payment PY00000001 to invoice G000000001.", sender=ANN)  # uses it up
    assert site.world.balances()["PY00000001"] == 0
    page.click("#edit-form button[type=submit]")  # refused: the typed rows come back on today's balances
    assert "payment PY00000001 has 0.00 USD unallocated" in page.inner_text("[role=alert]")
    assert page.url.endswith(f"/items/{item.id}/edit") or page.input_value("#payment_1") == "PY00000001"
    assert '"payment:PY00000001": "0.00"' in page.get_attribute("#edit-form", "data-left")
    totals = page.inner_text("#edit-totals")
    assert "payment PY00000001 left -100.00" in totals
    assert "over" in page.get_attribute("#edit-totals", "class")


def test_add_to_the_editor_fills_the_amount_only_once_payment_and_invoice_are_chosen(site, scripted_page):
    page = scripted_page
    item = queued(site, sender=ANN)
    open_item(site, page, item)
    page.click("button.add-row[data-key=PY00000002]")
    assert page.input_value("#payment_1") == "PY00000002" and page.input_value("#amount_1") == ""
    assert page.evaluate("document.activeElement.id") == "invoice_1"  # what the row needs next
    page.click("#edit-form button[type=submit]")
    alert = page.inner_text("[role=alert]")
    assert "row 1 has a payment but no invoice" in alert and "(none)" not in alert
    assert site.world.balances()["PY00000002"] == 50000
    page.goto(f"{site.url}/items/{item.id}")
    page.click("button.add-row[data-key=G000000002]")  # an invoice alone: no amount either
    assert page.input_value("#invoice_1") == "G000000002" and page.input_value("#amount_1") == ""
    page.click("button.add-row[data-key=PY00000002]")  # now both: the smaller balance
    assert page.input_value("#amount_1") == "250.00"


def test_on_a_phone_the_editor_rows_stack_and_the_chosen_id_is_read_whole(site, scripted_page):
    page = scripted_page
    page.set_viewport_size(PHONE)
    item = queued(site, sender=ANN)
    open_item(site, page, item)
    type_row(page, 1, "PY00000002", "G000000002", "10")
    pay, inv = page.locator("#payment_1").bounding_box(), page.locator("#invoice_1").bounding_box()
    amount = page.locator("#amount_1").bounding_box()
    assert inv["y"] >= pay["y"] + pay["height"] and amount["y"] >= inv["y"] + inv["height"]  # stacked
    for select, chosen in (("#payment_1", "PY00000002"), ("#invoice_1", "G000000002")):
        fits = page.evaluate("""([sel, id]) => {
            const s = document.querySelector(sel), style = getComputedStyle(s);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = style.font;
            const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
            return {room: room, text: ctx.measureText(id).width, right: s.getBoundingClientRect().right};
        }""", [select, chosen])
        assert fits["text"] <= fits["room"], (select, fits)  # the id, with room for the arrow
        assert fits["right"] <= PHONE["width"], (select, fits)  # and on the screen
    page.locator("#edit-form").screenshot(path=str(site.screenshot(page, "item-editor-phone")))
