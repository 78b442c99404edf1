"""Every language folder holds every partner-facing reply, in its own words and its locale's formats.

Each reply is rendered through the code that sends it (render_reply, render_notice, and
rejected_content for a person's rejection) with a full locale, and checked for what a partner
relies on: a subject in their language, the ids and numbers they wrote about, money and dates
as Babel writes them for that locale, and no English left over from the en template. A kind
missing from a folder would silently come out in English, so every folder is checked for all.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from bot.model import (AccountRow, Allocation, AuthVerdict, Decision, Evidence, InvoiceRow, Money, PaymentRow, Reason,
                       Sender, Span, Status)
from bot.reading.mime import Mail
from bot.replies.render import BillingSnapshot, ReplyContent, render_notice, render_reply
from bot.review.replying import Original, rejected_content

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates" / "email"
PARTNER_KINDS = ("confirmation", "needs_info", "review_ack", "rejected", "cancelled", "unallocated_notice")
REQUIRED_LANGUAGES = ("en", "sv", "de", "fr", "es", "nl", "ja")

# language folder -> (full locale to render with, the account's currency, a word every subject carries)
LOCALES = {
    "sv": ("sv_SE", "SEK", "fördel"),
    "de": ("de_DE", "EUR", "zahlung"),
    "fr": ("fr_FR", "EUR", "paiement"),
    "es": ("es_ES", "EUR", "pago"),
    "nl": ("nl_NL", "EUR", "betaling"),
    "ja": ("ja_JP", "JPY", "充当"),
}
FOLDERS = sorted(d.name for d in TEMPLATES.iterdir() if d.is_dir())
TRANSLATED = [language for language in FOLDERS if language != "en"]

CASE_REF = "AB-1042"
SENDER = "Kim Lee"
MAILBOX = "allocations@billing.example"
REASON = "ERR-2291 G000000001"  # what a person wrote; kept free of English words on purpose

# English words that have no business in a translated reply (whole words, any case)
ENGLISH_WORDS = re.compile(r"\b(hello|please|your|payments?|invoices?|allocated|unallocated|allocation|received|paid|"
                           r"thank|automated)\b", re.IGNORECASE)


# ---- small builders --------------------------------------------------------------------

def money(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


def account(locale: str, currency: str) -> AccountRow:
    return AccountRow("ACC1", "Nordlys AS", locale, currency)


def payment(payment_id: str, unallocated: str, currency: str, reference: str = "RF18 5390 0754 7034") -> PaymentRow:
    return PaymentRow(payment_id, "ACC1", date(2024, 1, 15), money("100000", currency), money(unallocated, currency),
                      reference, "Nordlys AS")


def open_invoice(number: str, open_amount: str, currency: str) -> InvoiceRow:
    return InvoiceRow(number, "ACC1", date(2024, 1, 10), date(2024, 2, 9), money("90000", currency),
                      money(open_amount, currency))


def said(rule: str, text: str) -> Evidence:
    """Evidence that read `text` from the request."""
    return Evidence(rule=rule, detail=f"{text} not found", span=Span(0, len(text), text))


@pytest.fixture(scope="module")
def app():
    """What rejected_content reads from the App: where the templates are."""
    return SimpleNamespace(templates=ROOT / "templates")


def original(subject: str) -> Original:
    mail = Mail("<orig-1@kund.example>", subject, f"{SENDER} <kim@kund.example>", None, "", (), "", ())
    return Original(msg=EmailMessage(), mail=mail, sender=Sender("kim@kund.example", SENDER, AuthVerdict(None)))


def render(kind: str, locale: str, currency: str, *, subject: str = "", app=None) -> ReplyContent:
    """One reply of `kind`, rendered the way the bot (or a person's action) renders it."""
    if kind == "rejected":
        return rejected_content(app, locale=locale, original=original(subject), case_ref=CASE_REF, reason=REASON)
    if kind == "unallocated_notice":
        return render_notice(account=account(locale, currency),
                             payments=(payment("PY40028173", "1234.56", currency),
                                       payment("PY40028175", "250.50", currency, reference="")),
                             hints={"PY40028173": ("G000000009",)}, days=14, mailbox=MAILBOX, sender_name=SENDER,
                             locale=locale, templates_dir=TEMPLATES)
    decision, snapshot, hints = _request(kind, currency)
    return render_reply(kind, decision=decision, snapshot=snapshot, locale=locale, case_ref=CASE_REF,
                        original_subject=subject, sender_name=SENDER, templates_dir=TEMPLATES, hints=hints)


def _request(kind: str, currency: str) -> tuple[Decision, BillingSnapshot | None, dict]:
    if kind == "confirmation":  # every branch: a paid and an open invoice, a fully allocated payment, a hint
        decision = Decision(Status.APPLIED, account_id="ACC1", allocations=(
            Allocation("PY40028173", "G000000001", money("16000.00", currency)),
            Allocation("PY40028173", "G000000002", money("42150.14", currency)),
            Allocation("PY40028174", "G000000003", money("3300.00", currency))))
        snapshot = BillingSnapshot(account("", currency), (open_invoice("G000000002", "8150.14", currency),),
                                   (payment("PY40028173", "41849.86", currency), payment("PY40028174", "0", currency)))
        return decision, snapshot, {"PY40028173": ("G000000009",)}
    if kind == "needs_info":  # every branch of the problem list, and a detail line
        return Decision(Status.NEEDS_INFO, account_id="ACC1", reasons=(
            Reason.UNKNOWN_INVOICE, Reason.UNKNOWN_PAYMENT, Reason.NO_REQUEST_FOUND, Reason.AMOUNT_MISMATCH),
            evidence=(said("unknown_invoice", "G000000777"), said("match.unknown_invoice", "G000000778"),
                      said("unknown_payment", "PY99999999"), Evidence("no_request_found", "Z-4711"),
                      said("amount_mismatch", "G000000555"))), None, {}
    if kind == "review_ack":
        return Decision(Status.REVIEW, reasons=(Reason.SENDER_NOT_AUTHORIZED,)), None, {}
    if kind == "cancelled":
        return Decision(Status.CANCELLED, account_id="ACC1"), None, {}
    raise AssertionError(f"no request built for {kind!r}")


# ---- what counts as English text in a template -------------------------------------------

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def readable_text(source: str) -> str:
    """The words of a template a reader can see: the text outside tags and the strings printed by
    `{{ ... }}` (the strings of `{% ... %}` are reason codes compared, never shown)."""
    source = _COMMENT.sub("", source)
    literals = [s for tag in re.findall(r"\{\{.*?\}\}", source, re.DOTALL) for s in re.findall(r'"([^"]*)"', tag)]
    return "\n".join([_TAG.sub("\n", source), *literals])


def english_fragments() -> set[str]:
    """Every phrase of two or more words written in the English partner-facing templates."""
    fragments = set()
    for kind in PARTNER_KINDS:
        text = readable_text((TEMPLATES / "en" / f"{kind}.txt").read_text(encoding="utf-8"))
        for piece in re.split(r"[\n.,:;()\"→]", text):
            if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2:
                fragments.add(" ".join(piece.split()).lower())
    return fragments


def trigrams(text: str) -> set[str]:
    """Every three words in a row within one phrase of `text`."""
    grams = set()
    for piece in re.split(r"[\n.,:;()\"→]", text.lower()):
        words = re.findall(r"[^\W\d_]+", piece)
        grams.update(" ".join(words[i:i + 3]) for i in range(len(words) - 2))
    return grams


ENGLISH = english_fragments()
ENGLISH_TRIGRAMS = set().union(*(trigrams(f) for f in ENGLISH))


def english_leaks(text: str) -> list[str]:
    """English phrases, parts of sentences and single words of the en templates found in `text`."""
    flat = " ".join(text.split()).lower()
    return sorted({f for f in ENGLISH if f in flat} | (trigrams(text) & ENGLISH_TRIGRAMS)
                  | {w.lower() for w in ENGLISH_WORDS.findall(text)})


def test_the_leak_detector_knows_the_english_text_and_finds_it():
    assert len(ENGLISH) > 40
    assert "we have allocated your payment as you asked" in ENGLISH
    assert "one or more of the invoices you named" in ENGLISH  # a string inside a tag
    assert english_leaks("Wir haben\n  we have allocated your\npayment as you asked.") != []
    assert "fully allocated" in english_leaks("  - Zahlung PY1: 5,00 € (fully allocated)")
    assert english_leaks("Bitte prüfen Sie die Rechnung. Please check.") == ["please"]
    assert "is an automated" in english_leaks("This is an automated message. Diese Nachricht kommt automatisch.")
    assert english_leaks("Wir haben Ihre Zahlung wie gewünscht zugeordnet.") == []


# ---- every folder is complete --------------------------------------------------------------

def test_every_required_language_has_a_folder():
    assert set(REQUIRED_LANGUAGES) <= set(FOLDERS)


def test_every_translated_folder_is_tested_with_a_full_locale():
    assert sorted(LOCALES) == TRANSLATED  # a new folder needs its locale, currency and word above


@pytest.mark.parametrize("language", FOLDERS)
def test_every_language_folder_has_every_partner_facing_kind(language):
    missing = [k for k in PARTNER_KINDS if not (TEMPLATES / language / f"{k}.txt").is_file()]
    assert missing == [], f"{language}/ lacks {missing}: those replies would silently go out in English"


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_translation_keeps_the_english_template_logic(language, kind):
    """Only the words change: the same block tags in the same order, the same variables."""
    def tags(path: Path) -> list[str]:
        return [" ".join(t.split()) for t in re.findall(r"\{%.*?%\}", _COMMENT.sub("", path.read_text("utf-8")), re.S)]

    def names(path: Path) -> set[str]:
        expressions = " ".join(re.findall(r"\{\{.*?\}\}|\{%.*?%\}", _COMMENT.sub("", path.read_text("utf-8")), re.S))
        return set(re.findall(r"[A-Za-z_][\w.]*", re.sub(r'"[^"]*"', "", expressions)))

    english, translated = TEMPLATES / "en" / f"{kind}.txt", TEMPLATES / language / f"{kind}.txt"
    assert tags(translated) == tags(english)
    assert names(translated) == names(english)


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_template_source_has_no_english_left_in_any_branch(language, kind):
    """Also the branches this module does not render (one invoice named, none named, ...)."""
    text = readable_text((TEMPLATES / language / f"{kind}.txt").read_text(encoding="utf-8"))
    assert english_leaks(text) == []


# ---- each kind, rendered in each language -------------------------------------------------

@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_reply_is_in_the_accounts_language(language, kind, app):
    locale, currency, word = LOCALES[language]
    reply = render(kind, locale, currency, app=app)
    english = render(kind, "en", currency, app=app)
    assert reply.locale == language and english.locale == "en"
    assert reply.subject and reply.subject != english.subject  # the bot's own subject, translated
    assert word in reply.subject.lower()
    heading = reply.body.splitlines()[0]
    assert heading != english.body.splitlines()[0] and word in heading.lower()
    assert english_leaks(f"{reply.subject}\n{reply.body}") == []
    assert SENDER in reply.body


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("kind", [k for k in PARTNER_KINDS if k != "unallocated_notice"])
def test_reply_to_a_mail_keeps_its_subject(language, kind, app):
    locale, currency, _ = LOCALES[language]
    assert render(kind, locale, currency, subject="Betalning PY40028173", app=app).subject == "Re: Betalning PY40028173"


def _in_locale(amount: str, currency: str, locale: str) -> str:
    """Money as the partner's locale writes it, and proof that it differs from English."""
    value = money(amount, currency)
    written = format_currency(value.amount, value.currency, locale=locale)
    assert written != format_currency(value.amount, value.currency, locale="en")
    return written


@pytest.mark.parametrize("language", TRANSLATED)
def test_confirmation_names_every_row_with_local_money_and_dates(language):
    locale, currency, _ = LOCALES[language]
    body = render("confirmation", locale, currency).body
    for text in ("PY40028173", "PY40028174", "G000000001", "G000000002", "G000000003", "G000000009", "ACC1",
                 "Nordlys AS", CASE_REF):
        assert text in body
    for amount in ("16000.00", "42150.14", "3300.00", "41849.86", "8150.14"):
        assert _in_locale(amount, currency, locale) in body
    assert format_date(date(2024, 2, 9), format="medium", locale=locale) in body  # G000000002 falls due
    allocation = next(line for line in body.splitlines() if "G000000002" in line and "PY40028173" in line)
    assert _in_locale("42150.14", currency, locale) in allocation


def test_french_money_uses_a_narrow_no_break_space_and_a_comma():
    body = render("confirmation", "fr_FR", "EUR").body
    assert "42\u202f150,14\xa0€" in body


def test_german_money_and_due_date():
    body = render("confirmation", "de_DE", "EUR").body
    assert "Zahlung PY40028173 → Rechnung G000000002: 42.150,14\xa0€" in body
    assert "fällig am 09.02.2024" in body


@pytest.mark.parametrize("language", TRANSLATED)
def test_needs_info_names_what_could_not_be_found(language):
    locale, currency, _ = LOCALES[language]
    lines = render("needs_info", locale, currency).body.splitlines()
    invoice_line = next(line for line in lines if "G000000777" in line)
    assert "G000000778" in invoice_line and "PY99999999" not in invoice_line
    payment_line = next(line for line in lines if "PY99999999" in line)
    assert "G000000777" not in payment_line
    assert any("Z-4711" in line for line in lines)  # what the bot read, for a request it could not find
    # amount_mismatch gets its own sentence, which echoes nothing the bot read (tests/unit/replies/test_ask_sentences.py)
    assert sum(line.startswith("  - ") for line in lines) == 4 and not any("G000000555" in line for line in lines)
    assert CASE_REF in "\n".join(lines)


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("kind", ["review_ack", "rejected", "cancelled"])
def test_case_reference_is_quoted(language, kind, app):
    locale, currency, _ = LOCALES[language]
    body = render(kind, locale, currency, app=app).body
    assert CASE_REF in body
    if kind == "rejected":
        assert REASON in body


@pytest.mark.parametrize("language", TRANSLATED)
def test_unallocated_notice_lists_each_payment_with_local_money_and_dates(language):
    locale, currency, _ = LOCALES[language]
    reply = render("unallocated_notice", locale, currency)
    assert "Nordlys AS" in reply.subject and "ACC1" in reply.subject
    lines = reply.body.splitlines()
    first = next(line for line in lines if "PY40028173" in line)
    assert _in_locale("1234.56", currency, locale) in first
    assert format_date(date(2024, 1, 15), format="medium", locale=locale) in first
    assert "RF18 5390 0754 7034" in first
    second = next(line for line in lines if "PY40028175" in line)
    assert _in_locale("250.50", currency, locale) in second
    assert "G000000009" in reply.body and MAILBOX in reply.body and "14" in reply.body


# ---- a language without templates ------------------------------------------------------

@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_unknown_language_falls_back_to_english_with_its_own_formats(kind, app):
    assert not (TEMPLATES / "pt").exists()  # the premise: no Portuguese templates
    reply = render(kind, "pt_BR", "BRL", app=app)
    english = render(kind, "en", "BRL", app=app)
    assert reply.locale == "en"
    assert reply.subject == english.subject
    assert reply.body.splitlines()[0] == english.body.splitlines()[0]
    if kind == "confirmation":
        assert _in_locale("41849.86", "BRL", "pt_BR") in reply.body  # "R$ 41.849,86"
    if kind == "unallocated_notice":
        assert _in_locale("1234.56", "BRL", "pt_BR") in reply.body


# ---- locales as the ledger stores them -------------------------------------------------

@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_ledger_locale_with_a_hyphen_gives_the_same_reply(language, kind, app):
    locale, currency, _ = LOCALES[language]
    assert render(kind, locale.replace("_", "-"), currency, app=app) == render(kind, locale, currency, app=app)


def test_a_regional_locale_uses_its_language_folder_and_its_own_formats():
    reply = render("confirmation", "de-CH", "CHF")
    assert reply.locale == "de" and reply.subject == "Zahlungszuordnung bestätigt"
    swiss, german = (format_currency(Decimal("41849.86"), "CHF", locale=loc) for loc in ("de_CH", "de_DE"))
    assert swiss != german and swiss in reply.body
