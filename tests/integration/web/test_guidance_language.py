"""The guidance lines on the item page come in the operator's language: the browser's
Accept-Language among the languages allocbot has lines for, English otherwise."""
from __future__ import annotations

import html

import pytest

from bot.review.guidance import reason_line
from tests.integration.conftest import request_mail
from tests.integration.web.test_item import queue_item

UNKNOWN_INVOICE = "Please allocate payment PY00000001 to invoice G000000077."


@pytest.mark.parametrize(("accept_language", "language"), [
    ("sv-SE,sv;q=0.9,en;q=0.5", "sv"),
    ("de-DE", "de"),
    ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
    ("da-DK, en-GB;q=0.8", "en"),
    ("", "en"),
])
def test_the_reason_reads_in_the_browsers_language_with_the_code_in_the_tooltip(web, accept_language, language):
    item = queue_item(web, request_mail(body=UNKNOWN_INVOICE))
    client = web.client("viewer")
    page = client.get(f"/items/{item.id}", headers={"accept-language": accept_language})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert reason_line("unknown_invoice", language) in text
    assert 'title="reason code: unknown_invoice"' in page.text
    if language != "en":
        assert reason_line("unknown_invoice", "en") not in text
