"""What the partner reads: language, number formats, and what each reply says."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.model import AccountRow, Allocation, Decision, Evidence, InvoiceRow, Money, PaymentRow, Reason, Span, Status
from bot.replies.render import BillingSnapshot, render_reply, reply_subject

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "email"
NBSP = "\xa0"


# ---- small builders --------------------------------------------------------------------

def money(amount: str, currency: str = "SEK") -> Money:
    return Money(Decimal(amount), currency)


def account(locale: str = "sv-SE", currency: str = "SEK") -> AccountRow:
    return AccountRow("ACC1", "Kund AB", locale, currency)


def invoice(number: str, open_amount: str, currency: str = "SEK") -> InvoiceRow:
    return InvoiceRow(number, "ACC1", date(2024, 1, 10), date(2024, 2, 9), money("90000", currency),
                      money(open_amount, currency))


def payment(payment_id: str, unallocated: str, currency: str = "SEK") -> PaymentRow:
    return PaymentRow(payment_id, "ACC1", date(2024, 1, 15), money("100000", currency),
                      money(unallocated, currency), "RF18 5390 0754 7034", "Kund AB")


def applied(*allocs: tuple[str, str, str], currency: str = "SEK") -> Decision:
    return Decision(Status.APPLIED, account_id="ACC1",
                    allocations=tuple(Allocation(p, i, money(a, currency)) for p, i, a in allocs))


def needs_info(*reasons: Reason, evidence: tuple[Evidence, ...] = ()) -> Decision:
    return Decision(Status.NEEDS_INFO, reasons=reasons, account_id="ACC1", evidence=evidence)


def said(rule: str, text: str, detail: str = "") -> Evidence:
    """Evidence that read `text` from the request."""
    return Evidence(rule=rule, detail=detail or f"{text} not found", span=Span(0, len(text), text))


def render(kind: str, decision: Decision, *, locale: str = "sv-SE", snapshot: BillingSnapshot | None = None,
           subject: str = "Betalning PY40028173", name: str = "Åsa", case_ref: str | None = "AB-1042",
           templates_dir: Path = TEMPLATES):
    return render_reply(kind, decision=decision, snapshot=snapshot, locale=locale, case_ref=case_ref,
                        original_subject=subject, sender_name=name, templates_dir=templates_dir)


def confirmation(locale: str, currency: str):
    decision = applied(("PY40028173", "G000000001", "16000.00"), ("PY40028173", "G000000002", "42150.14"),
                       currency=currency)
    snapshot = BillingSnapshot(account(locale, currency), (invoice("G000000002", "8150.14", currency),),
                               (payment("PY40028173", "41849.86", currency),))
    return render("confirmation", decision, locale=locale, snapshot=snapshot)


# ---- confirmation ------------------------------------------------------------------------

def test_swedish_account_gets_swedish_text_and_swedish_money():
    reply = confirmation("sv-SE", "SEK")
    assert reply.locale == "sv"
    assert reply.body.startswith("Betalningen är fördelad\n")
    assert "Hej Åsa," in reply.body
    assert f"betalning PY40028173 → faktura G000000001: 16{NBSP}000,00{NBSP}kr" in reply.body
    assert f"betalning PY40028173: 41{NBSP}849,86{NBSP}kr" in reply.body  # what stays unallocated
    assert "faktura G000000001: helt betald" in reply.body  # no longer open
    assert f"faktura G000000002: 8{NBSP}150,14{NBSP}kr kvar att betala" in reply.body
    assert "AB-1042" in reply.body


def test_italian_account_gets_english_text_with_italian_numbers_and_dates():
    reply = confirmation("it-IT", "EUR")
    assert reply.locale == "en"  # no Italian templates: the text falls back to English
    assert reply.body.startswith("Payment allocation confirmed\n")
    assert f"payment PY40028173 → invoice G000000002: 42.150,14{NBSP}€" in reply.body
    assert f"payment PY40028173: 41.849,86{NBSP}€" in reply.body
    assert "invoice G000000001: paid in full" in reply.body
    assert "due 9 feb 2024" in reply.body


def test_british_account_gets_british_formatting():
    reply = confirmation("en-GB", "EUR")
    assert "payment PY40028173: €41,849.86" in reply.body
    assert "due 9 Feb 2024" in reply.body


def test_confirmation_without_billing_view_lists_allocations_but_claims_nothing_else():
    body = render("confirmation", applied(("PY40028173", "G000000001", "16000")), locale="en").body
    assert "payment PY40028173 → invoice G000000001: SEK" in body
    assert "paid in full" not in body and "unallocated on your payments" not in body


def test_unknown_or_empty_locale_falls_back_to_english():
    for locale in ("xx-YY", "", "not a locale"):
        reply = confirmation(locale, "EUR")
        assert reply.body.startswith("Payment allocation confirmed")
        assert "€41,849.86" in reply.body


# ---- subjects ----------------------------------------------------------------------------

@pytest.mark.parametrize(("original", "expected"), [
    ("Betalning PY40028173", "Re: Betalning PY40028173"),
    ("RE: Betalning", "RE: Betalning"),
    ("SV: Betalning", "SV: Betalning"),
    ("aw: Zahlung", "aw: Zahlung"),
    ("Reminder: invoice", "Re: Reminder: invoice"),
    ("  two\r\n  lines\t", "Re: two lines"),
])
def test_reply_subject_keeps_an_existing_reply_prefix(original, expected):
    assert reply_subject(original) == expected
    assert render("review_ack", needs_info(), subject=original).subject == expected


def test_empty_subject_gets_the_bots_own_subject():
    assert render("confirmation", applied(), subject="", locale="sv-SE").subject == "Betalningen är fördelad"
    assert render("needs_info", needs_info(), subject="", locale="en").subject.startswith("More information needed")


# ---- needs_info: every reason names what we could not find ------------------------------

@pytest.mark.parametrize("locale", ["en-GB", "sv-SE"])
def test_unknown_invoice_names_the_invoice_numbers(locale):
    decision = needs_info(Reason.UNKNOWN_INVOICE, evidence=(said("unknown_invoice", "G000000777"),
                                                            said("match.unknown_invoice", "G000000778")))
    body = render("needs_info", decision, locale=locale).body
    line = next(line for line in body.splitlines() if "G000000777" in line)
    assert "G000000777, G000000778" in line
    assert ("could not find these invoices on your account" in line if locale == "en-GB"
            else "hittar inte dessa fakturor på ert konto" in line)


@pytest.mark.parametrize("locale", ["en-GB", "sv-SE"])
def test_unknown_payment_names_the_payment(locale):
    decision = needs_info(Reason.UNKNOWN_PAYMENT, evidence=(said("unknown_payment", "PY99999999"),))
    body = render("needs_info", decision, locale=locale).body
    line = next(line for line in body.splitlines() if "PY99999999" in line)
    assert ("could not find this payment on your account" in line if locale == "en-GB"
            else "hittar inte betalningen på ert konto" in line)


def test_each_reason_lists_only_its_own_evidence():
    decision = needs_info(Reason.UNKNOWN_INVOICE, Reason.UNKNOWN_PAYMENT,
                          evidence=(said("unknown_invoice", "G000000777"), said("unknown_payment", "PY99999999")))
    lines = render("needs_info", decision, locale="en").body.splitlines()
    invoice_line = next(line for line in lines if "invoice" in line and "could not find" in line)
    payment_line = next(line for line in lines if "payment" in line and "could not find" in line)
    assert "G000000777" in invoice_line and "PY99999999" not in invoice_line
    assert "PY99999999" in payment_line and "G000000777" not in payment_line


def test_evidence_without_text_is_explained_by_its_detail():
    decision = needs_info(Reason.UNKNOWN_PAYMENT,
                          evidence=(Evidence("unknown_payment", "no payment of 1 200,00 EUR received on 3 May"),))
    body = render("needs_info", decision, locale="en").body
    assert "the payment you referred to" in body
    assert "no payment of 1 200,00 EUR received on 3 May" in body


@pytest.mark.parametrize(("locale", "words"), [
    ("en", ["could not find an allocation request", "payment id", "reference", "amount", "date",
            "invoice number"]),
    ("sv-SE", ["ingen begäran om fördelning", "betalnings-id", "referens", "belopp", "betalningsdatum",
               "fakturanummer"]),
])
def test_no_request_found_explains_what_a_request_must_contain(locale, words):
    body = render("needs_info", needs_info(Reason.NO_REQUEST_FOUND), locale=locale).body
    for word in words:
        assert word in body


def test_needs_info_is_clearly_the_bots_and_moves_no_money():
    body = render("needs_info", needs_info(Reason.NO_REQUEST_FOUND), locale="en").body
    assert body.startswith("More information needed to allocate your payment")
    assert "have not allocated anything" in body
    assert "automated message" in body


# ---- review_ack --------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "heading", "no_money"), [
    ("en-GB", "Your allocation request is being reviewed", "no money has been moved yet"),
    ("sv-SE", "Er begäran om fördelning granskas", "inga pengar har flyttats än"),
])
def test_review_ack_quotes_the_case_reference_and_moves_no_money(locale, heading, no_money):
    decision = Decision(Status.REVIEW, reasons=(Reason.SENDER_NOT_AUTHORIZED,))
    body = render("review_ack", decision, locale=locale, case_ref="AB-1042").body
    assert body.startswith(heading)
    assert no_money in body
    assert "AB-1042" in body
    assert "sender_not_authorized" not in body and "not authorized" not in body  # internals stay internal


def test_review_ack_without_case_reference_says_no_reference():
    body = render("review_ack", needs_info(), locale="en", case_ref=None).body
    assert "Case reference" not in body


# ---- templates ---------------------------------------------------------------------------

def test_text_is_not_html_escaped():
    body = render("review_ack", needs_info(), locale="en", name="Smith & Sons <AP>").body
    assert "Hello Smith & Sons <AP>," in body


def test_language_without_a_template_uses_english(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "review_ack.txt").write_text("Subject: {{ re_subject }}\n\nEnglish {{ case_ref }}\n")
    reply = render("review_ack", needs_info(), locale="sv-SE", templates_dir=tmp_path)
    assert reply == type(reply)(subject="Re: Betalning PY40028173", body="English AB-1042\n", locale="en")


def test_template_without_subject_line_and_unknown_kind_are_refused(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "review_ack.txt").write_text("Hello\n")
    with pytest.raises(ValueError, match="Subject"):
        render("review_ack", needs_info(), locale="en", templates_dir=tmp_path)
    with pytest.raises(ValueError, match="kind"):
        render("invoice_reminder", needs_info())
