"""The Ask form's starting text (the needs_info reply) says what is needed for every reason, in every language.

An operator may Ask about any reason, not only the partner-fixable ones the bot asks about
itself. Whatever the reason, the partner must read a plain request in their language, and never
what the bot looked at: evidence details and ledger rows can hold an account id (here "1001")
or another account's data.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.model import PARTNER_FIXABLE, Decision, Evidence, Reason, Status
from bot.replies.render import render_reply

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "email"
LANGUAGES = ("en", "de", "es", "fr", "ja", "nl", "sv")
LEAK = "1001"

# The old catch-all sentence of each language, which said nothing useful and echoed what the bot read.
GENERIC = {
    "en": "needs checking", "de": "muss noch geprüft werden", "es": "debemos revisar", "fr": "doit être vérifié",
    "ja": "確認が必要な点", "nl": "moet worden gecontroleerd", "sv": "behöver kontrolleras",
}
# What tells an unauthorised sender to have a registered billing contact write (or to write from one).
REGISTERED = {
    "en": "registered billing contacts", "de": "hinterlegten Ansprechpartnern", "es": "contactos de facturación registrados",
    "fr": "contacts de facturation enregistrés", "ja": "ご登録の請求担当者", "nl": "geregistreerde contactpersonen",
    "sv": "faktureringskontakter som är registrerade",
}


def leaky(reason: Reason) -> Evidence:
    """Evidence of the kind a person may Ask about: it names no text of the mail, only ledger rows."""
    return Evidence(rule=f"check.{reason}", detail=f"account {LEAK}", rows=(LEAK,), reason=reason)


def ask_body(language: str, *reasons: Reason) -> str:
    decision = Decision(Status.NEEDS_INFO, reasons=reasons, account_id=LEAK,
                        evidence=tuple(leaky(r) for r in reasons))
    reply = render_reply("needs_info", decision=decision, snapshot=None, locale=language, case_ref="AB-1042",
                         original_subject="Payment", sender_name="Kim", templates_dir=TEMPLATES)
    assert reply.locale == language
    return reply.body


def problem_lines(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith("  - ")]


def assert_no_line_repeated(body: str) -> None:
    repeated = [line for line, n in Counter(line.strip() for line in body.splitlines() if line.strip()).items() if n > 1]
    assert not repeated, repeated


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_every_reason_gets_a_plain_sentence(language, reason):
    body = ask_body(language, reason)
    assert len(problem_lines(body)) == 1
    assert f"account {LEAK}" not in body  # an evidence detail
    if reason not in PARTNER_FIXABLE:  # those echo the ids the partner wrote, on purpose
        assert LEAK not in body
    assert str(reason) not in body
    assert GENERIC[language] not in body
    assert_no_line_repeated(body)


@pytest.mark.parametrize("language", LANGUAGES)
def test_all_reasons_at_once_say_each_thing_once(language):
    body = ask_body(language, *[r for r in Reason if r not in PARTNER_FIXABLE])
    assert LEAK not in body and GENERIC[language] not in body
    assert not any(str(r) in body for r in Reason)
    assert_no_line_repeated(body)
    assert len(problem_lines(body)) == 7  # sender, payment, invoice, amount, account, confirm, other


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unauthorised_sender_is_told_to_have_a_registered_contact_write(language):
    assert REGISTERED[language] in ask_body(language, Reason.SENDER_NOT_AUTHORIZED)


def test_the_sender_sentence_is_written_once_for_several_sender_reasons():
    body = ask_body("en", Reason.SENDER_NOT_AUTHORIZED, Reason.UNKNOWN_SENDER)
    assert body.count("registered billing contacts") == 1
    assert "have your billing administrator send the request" in body
    assert problem_lines(body) == [
        "  - We can only act on requests from the registered billing contacts of your account. Please have your "
        "billing administrator send the request, or write to us from a registered address."]


def test_reasons_sharing_a_sentence_give_it_once():
    body = ask_body("en", Reason.AMOUNT_MISMATCH, Reason.OVER_ALLOCATION, Reason.CURRENCY_MISMATCH)
    assert problem_lines(body) == [
        "  - The amounts in your request do not match the payment and the invoices. Please confirm the amount "
        "to put on each invoice, in the payment's currency."]


@pytest.mark.parametrize("reason, words", [
    (Reason.AMBIGUOUS_PAYMENT, "which payment you mean"),
    (Reason.PAYMENT_FULLY_ALLOCATED, "already been allocated in full"),
    (Reason.INVOICE_CLOSED, "already been paid in full"),
    (Reason.CROSS_ACCOUNT, "not all on one account"),
    (Reason.UNCLEAR_REQUEST, "you want the payment allocated now"),
    (Reason.BOUNCE, "confirm the payment and the invoice number(s) you want it put on"),
])
def test_english_sentence_says_what_is_needed(reason, words):
    assert words in ask_body("en", reason)


def test_partner_fixable_texts_still_name_what_the_partner_wrote():
    body = ask_body("en", Reason.UNKNOWN_INVOICE)
    assert f"We could not find this invoice on your account: {LEAK}. Please check the invoice number." in body
