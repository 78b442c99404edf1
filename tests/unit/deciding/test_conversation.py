"""Reading an answer together with the request it answers (bot/deciding/conversation.py)."""
from __future__ import annotations

import pytest

from bot.deciding.conversation import CANCEL_WITHIN, cancel_span, case_refs, completed_text

INV, PAY = r"G\d{9}", r"PY\d{8}"
EARLIER = "Payment allocation\nPlease allocate payment PY00000001: 60.00 to invoice G000000003 and 40.00 to G000000002."


def complete(earlier: str, answer: str, *, invoices=("G000000002",), payments=("PY00000001",)):
    return completed_text(earlier, answer, invoice_pattern=INV, payment_pattern=PAY,
                          known_invoices=frozenset(invoices), known_payments=frozenset(payments))


def test_the_unknown_invoice_is_replaced_where_it_stood_and_keeps_its_amount():
    done = complete(EARLIER, "Sorry, the first one is G000000001.")
    assert done.replaced == (("G000000003", "G000000001"),) and not done.appended
    assert done.subject == "Payment allocation"
    assert done.body == "Please allocate payment PY00000001: 60.00 to invoice G000000001 and 40.00 to G000000002."


def test_a_malformed_invoice_number_is_replaced():
    done = complete("Subj\nPay PY00000001 to G12345.", "It is G000000001", invoices=())
    assert done.replaced == (("G12345", "G000000001"),) and done.body == "Pay PY00000001 to G000000001."


def test_a_bare_invoice_number_is_replaced():
    done = complete("Subj\nPay PY00000001 to invoice 4711000.", "Sorry: G000000002", invoices=())
    assert done.body == "Pay PY00000001 to invoice G000000002."


def test_an_unknown_payment_is_replaced_by_the_new_payment_id():
    done = complete("Subj\nPlease put PY99999999 on G000000002.", "Wrong id, use PY00000001", payments=())
    assert done.replaced == (("PY99999999", "PY00000001"),)
    assert "PY00000001 on G000000002" in done.body


@pytest.mark.parametrize("earlier, answer", [
    ("Subj\nPay PY00000001 to G000000003 and G000000004.", "It is G000000001."),  # two unknown, one new: which?
    ("Subj\nPay PY00000001 to G000000003 and G000000004.", "G000000001 and G000000002"),  # never paired by position
    (EARLIER, "It is not G000000001, I will check."),  # a negation
    (EARLIER, "It is G000000001, but only 40.00 USD of it."),  # says more than the id: an amount
    (EARLIER, "It is G000000001, paid from PY00000007."),  # and another payment
    (EARLIER, "It is G000000001 or invoice 4711000."),  # and a bare number
    (EARLIER, "It is G12345."),  # a malformed id: asked again, never guessed
    (EARLIER, "Yes, G000000002 and G000000003, as I said."),  # nothing new
    ("Subj\nWe paid 100 USD last week, please allocate it.", "   "),  # nothing at all
], ids=["two_unknown", "two_new", "negation", "amount", "other_payment", "bare_number", "malformed", "nothing_new", "empty"])
def test_anything_but_a_plain_correction_is_never_merged(earlier, answer):
    assert complete(earlier, answer) is None


def test_an_answer_to_a_request_without_unplaced_ids_is_read_after_it_in_full():
    done = complete("Subj\nPlease allocate our payment of last week.", "It was 500.00 EUR on 3 October 2026, for G000000002.")
    assert done.appended and done.replaced == ()
    assert done.body == "Please allocate our payment of last week.\nIt was 500.00 EUR on 3 October 2026, for G000000002."


def test_the_subject_line_stays_the_subject():
    done = complete("Re: Payment G000000003\nPlease allocate PY00000001 to G000000003.", "it is G000000001")
    assert done.subject == "Re: Payment G000000001" and done.body == "Please allocate PY00000001 to G000000001."


@pytest.mark.parametrize("text", [
    "Please cancel this request.", "Cancel", "We would like to withdraw the request.", "Please disregard my email.",
    "Bitte stornieren Sie die Anfrage.", "Vänligen avbryt begäran.", "Merci d'annuler ma demande.",
    "Por favor, cancelar la solicitud.", "Graag annuleren.", "依頼をキャンセルしてください。",
])
def test_cancel_in_many_languages(text):
    assert cancel_span(text) is not None


@pytest.mark.parametrize("text", [
    "Please do not cancel it.", "Bitte nicht stornieren!", "Avbryt inte.", "Thanks, all good!", "",
    "Thanks for the update. " + "Kind regards from the team. " * 12
    + "If you are not the intended recipient, please disregard this e-mail.",  # a disclaimer far down
], ids=["en_negated", "de_negated", "sv_negated", "thanks", "empty", "disclaimer"])
def test_no_cancel(text):
    assert cancel_span(text) is None


def test_case_references_in_a_subject():
    assert case_refs("Re: Your request ALC-000042 and alc-1000001") == (42, 1000001)
    assert case_refs("ALC-42 is too short; XALC-000042 is inside a word") == ()
