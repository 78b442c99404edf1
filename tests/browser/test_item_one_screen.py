"""The item page as one screen for deciding (issue 16): on 1400×900 the partner's text, what
the bot read, the candidates, the result and Approve are on the first screen; the mail is shown
once (the original, the billing view and the conversation fold away under the actions); each
guidance line is on the page once; a proposal the money has moved away from is said in words
with no Approve; a closed item says what became of it.

The full-page screenshot goes to var/test-artifacts/item.png (the README's copy is
docs/screenshots/item.png)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_item_workbench import open_item, queued
from tests.integration.conftest import ANN, TOM

pytestmark = pytest.mark.browser

SCREENSHOT = ARTIFACTS / "item.png"
SIGNATURE = "Bluepeak Ltd, accounts payable"
# A sales contact names the payment and the invoice: the bot keeps the proposal, a person confirms.
FROM_SALES = ("Hello,\n\nplease allocate payment PY00000001 to invoice G000000002 (100.00 USD).\n\n"
              f"Thanks,\nTom (sales)\n{SIGNATURE}\n+1 555 0100\n")
WIDE = {"width": 1400, "height": 900}


def top(page, selector: str) -> float:
    return page.locator(selector).bounding_box()["y"]


def test_deciding_fits_the_first_screen_and_the_mail_is_shown_once(site, browser_page):
    item = queued(site, FROM_SALES, sender=TOM)
    page = browser_page
    page.set_viewport_size(WIDE)
    open_item(site, page, item)
    approve = page.locator("#approve-button").bounding_box()
    assert approve["y"] + approve["height"] <= WIDE["height"], approve  # Approve without scrolling
    assert top(page, "#result") < WIDE["height"] and top(page, ".item-actions") < 1200
    assert page.inner_text("main").count(SIGNATURE) == 1  # the partner's text only
    assert "Tom (sales)" not in page.inner_text(".read")  # the reading shows what was read, not the mail
    assert "100.00 USD" in page.inner_text(".read")
    for fold in ("#mail", "#billing", "#conv"):  # folded, and under the actions
        assert page.locator(fold).get_attribute("open") is None, fold
        assert top(page, fold) > top(page, ".item-actions"), fold
    page.locator("#mail > summary").click()
    assert SIGNATURE in page.inner_text("#mail pre.mail")  # the original is one click away
    page.locator("#mail > summary").click()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_each_guidance_line_is_on_the_page_once(site, browser_page):
    item = queued(site, FROM_SALES, sender=TOM)
    page = browser_page
    open_item(site, page, item)
    page.locator(".evidence-checks > summary").click()  # the rest of the evidence, open too
    lines = [*page.locator("ul.guidance > li > .line").all_inner_texts(), *page.locator(".rule").all_inner_texts()]
    assert len(lines) >= 3
    text = page.inner_text("main")
    for line in lines:
        assert text.count(line.strip()) == 1, line
    # the evidence that gave the reason sits under it: who may confirm
    assert "confirm with Ann Admin (billing_admin), then approve" in page.inner_text("ul.guidance")


def test_a_proposal_the_money_moved_away_from_is_said_in_words_and_cannot_be_approved(site, browser_page):
    held = queued(site, FROM_SALES, sender=TOM)  # proposes PY00000001 → G000000002, 100.00 USD
    queued(site, "Please allocate payment PY00000001 to invoice G000000001.", sender=ANN)  # uses it up
    assert site.world.balances()["PY00000001"] == 0
    page = browser_page
    open_item(site, page, held)
    result = page.inner_text("#result")
    assert "no longer fits the ledger" in result
    assert "Payment PY00000001 has no unallocated money left; the proposal puts 100.00 USD on it." in result
    assert not re.search(r"-\s?\d", result) and "→" not in result  # no negative balance previewed
    assert page.locator("#approve-form").count() == 0 and "there is no Approve" in result
    for form in ("#edit-form", "form.ask", "form.reject"):  # what can still be done
        assert page.locator(form).is_visible(), form


def test_a_closed_item_says_what_became_of_it_and_why_it_was_held(site, browser_page):
    item = queued(site, FROM_SALES, sender=TOM)
    page = browser_page
    open_item(site, page, item)
    page.click("#approve-button")
    page.wait_for_url(re.compile(rf".*/items/{item.id}\?done=approved$"))
    result = page.inner_text("#result")
    assert "after approving" not in result and "→" not in result
    assert "This item is closed: approved by admin@billing.example" in result
    assert "Allocations of this request" in result and page.locator("#undo").is_visible()
    assert page.inner_text("#summary-h") == "Why it was held"
    assert page.locator("details#candidates").get_attribute("open") is None
    assert page.locator(".shortcuts").count() == 0


def test_the_key_badge_on_approve_is_readable(site, browser_page):
    item = queued(site, FROM_SALES, sender=TOM)
    page = browser_page
    open_item(site, page, item)
    colours = page.evaluate("""() => {
        const b = document.querySelector('#approve-button'), k = b.querySelector('kbd');
        const s = (e) => getComputedStyle(e);
        return {button: s(b).color, key: s(k).color, keyBack: s(k).backgroundColor, back: s(b).backgroundColor};
    }""")
    assert colours["key"] == colours["button"]  # the button's text colour on the button's background
    assert colours["keyBack"] in ("rgba(0, 0, 0, 0)", "transparent"), colours
    assert colours["key"] != colours["back"]


def test_with_nothing_proposed_the_editor_starts_from_what_was_read_and_there_is_no_approve(site, browser_page):
    # an unknown second invoice holds the whole request; the first line was read right
    item = queued(site, "Please allocate payment PY00000002: 200.00 USD to invoice G000000002 and 50.00 USD to "
                        "G000000777.")
    page = browser_page
    page.set_viewport_size(WIDE)
    open_item(site, page, item)
    assert "Nothing proposed yet" in page.inner_text("#result") and page.locator("#approve-form").count() == 0
    assert [page.input_value(f"#{f}_1") for f in ("payment", "invoice", "amount")] == [
        "PY00000002", "G000000002", "200.00"]
    assert page.input_value("#payment_2") == ""  # G000000777 is not in the ledger: not offered
    result = page.locator("#result").bounding_box()
    assert top(page, "#edit-form") - (result["y"] + result["height"]) < 150  # the editor next, no Approve card
    marked = page.locator("pre.request-text mark").all_inner_texts()
    assert "PY00000002" in marked and "G000000002" in marked  # the payment id is highlighted too


def test_a_lookalike_warning_comes_first_and_asks_only_for_what_can_be_done(site, browser_page):
    item = queued(site, "Please allocate payment PY00000001 to invoice G000000001.",
                  sender="ann@bluepeak-payments.example")
    page = browser_page
    open_item(site, page, item)
    assert top(page, "#lookalike") < top(page, ".workbench")
    for form in ("approve-form", "edit-form"):  # a tick for each form there is, and only for those
        boxes = page.locator(f'input[name=confirm_lookalike][form="{form}"]').count()
        assert boxes == page.locator(f"#{form}").count(), form
    assert page.locator("#edit-form").count() == 1
    warning = page.inner_text("#lookalike")
    assert "bluepeak-payments.example" in warning
    assert "bluepeak-payments.example resembles bluepeak.example" in warning
    assert page.inner_text("main").count("resembles bluepeak.example") == 1  # said once, in the warning


def test_candidates_beyond_the_first_few_fold_but_proposed_and_named_rows_stay_in_view(site, browser_page):
    item = queued(site, FROM_SALES, sender=TOM)
    page = browser_page
    open_item(site, page, item)
    for kind in ("Payments", "Invoices"):
        assert page.locator(f".candidates h3:has-text('{kind}') .count").inner_text().startswith("(")
    visible = page.locator(".candidates > .table-wrap tr.chosen").count()
    assert visible == 2  # PY00000001 and G000000002, outside any fold
    assert page.locator(".candidates .more-candidates tr.chosen, .candidates .more-candidates tr.named").count() == 0
