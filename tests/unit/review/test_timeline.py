"""The conversation on the item page reads as words, not codes."""
from __future__ import annotations

from bot.review.timeline import event_summary, event_title, reply_title


def test_actions_and_reply_kinds_read_as_what_happened():
    assert event_title("review") == "Held for review"
    assert event_title("needs_info") == "Asked the partner"
    assert event_title("asked") == "Asked the partner"  # "asked the partner about" without its dangling word
    assert event_title("approved") == "Approved" and event_title("some_new_action") == "Some new action"
    assert reply_title("needs_info") == "Reply: question to the partner"
    assert reply_title("review_ack") == "Reply: acknowledgement (held for review)"


def test_a_summary_names_reasons_by_label_and_amounts_as_written():
    bot = {"allocations": [{"payment_id": "PY1", "invoice_number": "G1", "amount": {"amount": "1234.5",
                                                                                   "currency": "EUR"}}],
           "reasons": ["unknown_invoice", "sender_not_authorized"]}
    said = event_summary("review", bot)
    assert said == "PY1 → G1: 1,234.5 EUR; why: unknown invoice, sender not authorised"
    person = {"allocations": [{"payment_id": "PY1", "invoice_number": "G1", "amount": "10.00", "currency": "USD"}],
              "note": "checked by phone"}
    assert event_summary("edited", person) == "PY1 → G1: 10.00 USD; note: checked by phone"
