"""One plain line per reason code and evidence rule, saying what it means and what to do next.

The operator reads guidance, not codes: the page shows the line and keeps the code in a
tooltip. Pure lookup; a code without a line (one added later) falls back to the code itself
with its underscores read as spaces, so nothing ever shows blank. The lines exist in the
languages of the reply templates (en, sv, de, fr, es, nl, ja; tables in guidance_<lang>.py);
a language without its own lines, or a code a language lacks, reads the English line.
"""
from __future__ import annotations

import re

from babel.core import negotiate_locale

from bot.review import guidance_de, guidance_es, guidance_fr, guidance_ja, guidance_nl, guidance_sv

REASONS_EN: dict[str, str] = {
    "unknown_sender": "The sender is not a contact of any account: find out who they are before acting.",
    "sender_not_authorized": "The sender is a contact but may not move money: confirm with an authorised "
                             "contact of the account, then approve.",
    "sender_auth_failed": "The mail failed its sender checks (SPF/DKIM/DMARC): it may be forged; confirm by "
                          "phone or a known address before acting.",
    "cross_account": "The mail names payments or invoices of another account: apply only what belongs to "
                     "the sender's account, or reject.",
    "unknown_invoice": "An invoice named in the mail is not in the ledger: ask the partner for the right "
                       "number.",
    "unknown_payment": "A payment named in the mail is not in the ledger: ask the partner for the right id.",
    "ambiguous_payment": "More than one payment could be the one meant: pick it in the editor, or ask.",
    "ambiguous_invoice": "More than one invoice could be the one meant: pick it in the editor, or ask.",
    "amount_mismatch": "The amounts in the mail do not add up with the ledger: check them and edit the rows.",
    "currency_mismatch": "The mail's currency differs from the payment's or the invoice's: check before "
                         "applying.",
    "over_allocation": "The request asks for more than the payment has left or the invoice has open: "
                       "lower the amounts in the editor.",
    "invoice_closed": "An invoice named is already paid: choose another or tell the partner.",
    "payment_fully_allocated": "The payment named has no money left: choose another payment or tell the "
                               "partner.",
    "no_request_found": "No allocation request could be read in the mail: read it and act by hand, or ask.",
    "duplicate": "This mail was received before: dismiss it unless it asks for something new.",
    "auto_reply": "An automatic reply (out of office): usually dismiss it.",
    "bounce": "A bounce of one of our replies: check the address, then dismiss.",
    "loop": "Mail going back and forth between robots: dismiss it.",
    "list_mail": "Mail from a mailing list: usually dismiss it.",
    "parse_error": "The mail could not be read: open the original and act by hand.",
    "ambiguous_account": "The sender is a contact of several accounts: choose the account's rows in the "
                         "editor.",
    "rate_limited": "The sender wrote more often than allowed within an hour: check it is not a runaway "
                    "robot.",
    "message_too_large": "The mail is too large to read: open the original and act by hand.",
    "message_too_complex": "The mail is too complex to read safely: open the original and act by hand.",
    "forwarded_request": "The request was read from a forwarded mail: check who really asked, then approve.",
    "unclear_request": "The mail puts off, conditions or withdraws the request: read it before acting.",
    "unreadable_attachment": "A remittance attachment had no readable text (a scan?): read it yourself.",
    "billing_rejected": "The billing system refused a posting and its money was released: decide again.",
    "billing_discrepancy": "A ledger import shows what our postings cannot explain: check the billing "
                           "system.",
    "database_error": "Deciding failed on a database error: look at the error, then approve or edit.",
    "lookalike_sender": "The sender's domain resembles an account's domain: possible impersonation; confirm "
                        "with the account by phone before applying.",
}

RULES_EN: dict[str, str] = {
    "account": "Which account the request was placed on.",
    "sender_contact": "Whether the sender is a known contact of the account.",
    "sender_role": "What the sender's role allows them to do.",
    "sender_auth": "The mail's sender checks (SPF/DKIM/DMARC).",
    "sender_confirm": "Who can confirm the request for a sender who may not move money.",
    "sender_rate_limit": "How often the sender wrote within the hour.",
    "lookalike_sender": "The sender's domain resembles an account's domain.",
    "request": "What the mail asks for.",
    "stance": "Whether the mail asks now, or puts off or conditions the request.",
    "withdrawn": "The mail withdraws an earlier request.",
    "forwarded": "The request comes from a forwarded mail.",
    "conversation": "How this mail relates to an earlier question of ours.",
    "message_limits": "The mail went past a reading limit.",
    "payment_id": "The payment the mail names.",
    "payment_format": "Text that looks like a payment id but is not one.",
    "payment_unnamed": "The mail names no payment; the bot looked for one.",
    "payment_amount": "The payment amount the mail states.",
    "payment_reference": "The payment found by its bank reference.",
    "payment_date": "The payment found by the date the mail gives.",
    "payment_choice": "How the bot chose among several payments.",
    "single_unallocated": "The account has only one payment with money left.",
    "payment_left": "What the payment has left after the allocations.",
    "invoice": "An invoice the mail names.",
    "invoice_format": "Text that looks like an invoice number but is not one.",
    "invoices": "The invoices the request covers.",
    "invoice_left": "What the invoice has open after the allocations.",
    "line_amount": "The amount the mail puts on one invoice.",
    "line_currency": "The currency of an amount in the mail.",
    "stated_total": "The total the mail states.",
    "exact_total": "Whether the amounts match the ledger exactly.",
    "covers_all": "Whether the payment covers every invoice named.",
    "min_rule": "How much is allocated when payment and invoices differ (the smaller of the two).",
}

_BY_LOCALE: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "en": (REASONS_EN, RULES_EN),
    **{m.__name__.rsplit("_", 1)[1]: (m.REASONS, m.RULES)
       for m in (guidance_sv, guidance_de, guidance_fr, guidance_es, guidance_nl, guidance_ja)},
}

LANGUAGES: tuple[str, ...] = tuple(_BY_LOCALE)

# One Accept-Language item: a language range (RFC 4647: "*" or letters/digits in dashed parts),
# then an optional ";q=" weight; anything else in the header is ignored rather than guessed at.
_RANGE = re.compile(r"\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def _language(locale: str | None) -> str:
    return (locale or "en").replace("-", "_").split("_")[0].lower()


def _tables(locale: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return _BY_LOCALE.get(_language(locale), _BY_LOCALE["en"])


def _ranked(accept_language: str) -> list[str]:
    """The header's language ranges, most wanted first (q=0 means "not this one")."""
    weighted = []
    for position, item in enumerate(accept_language.split(",")):
        match = _RANGE.match(item)
        if not match or match.group(1) == "*":
            continue
        try:
            q = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
        if 0 < q <= 1:
            weighted.append((-q, position, match.group(1).replace("_", "-")))
    return [tag for _, _, tag in sorted(weighted)]


def operator_language(accept_language: str | None, *, default: str = "en") -> str:
    """The guidance language that best fits a browser's Accept-Language header.

    Babel does the matching (an exact language, else the language part of a regional tag, so
    `sv-SE` reads Swedish); the header parsing only orders the ranges by their q-values. A header
    that names none of the guidance languages, is `*`, empty or garbage gives `default`.
    """
    found = negotiate_locale(_ranked(accept_language or ""), list(LANGUAGES), sep="-", aliases=None)
    return found.lower() if found else default


REASON_LABELS: dict[str, str] = {
    "unknown_sender": "unknown sender", "sender_not_authorized": "sender not authorised",
    "sender_auth_failed": "sender checks failed", "cross_account": "another account's items",
    "unknown_invoice": "unknown invoice", "unknown_payment": "unknown payment",
    "ambiguous_payment": "which payment?", "ambiguous_invoice": "which invoice?",
    "amount_mismatch": "amounts differ", "currency_mismatch": "currencies differ",
    "over_allocation": "more than is left", "invoice_closed": "invoice already paid",
    "payment_fully_allocated": "payment used up", "no_request_found": "no request found",
    "duplicate": "duplicate", "auto_reply": "auto-reply", "bounce": "bounce", "loop": "mail loop",
    "list_mail": "mailing-list mail", "parse_error": "unreadable mail", "ambiguous_account": "which account?",
    "rate_limited": "too many mails", "message_too_large": "mail too large",
    "message_too_complex": "mail too complex", "forwarded_request": "forwarded request",
    "unclear_request": "unclear request", "unreadable_attachment": "unreadable attachment",
    "billing_rejected": "billing refused it", "billing_discrepancy": "billing differs",
    "database_error": "database error", "lookalike_sender": "look-alike sender",
}


def reason_label(code: str) -> str:
    """A reason in two or three words for a badge or a filter option; the code and its guidance
    line go in the tooltip. A code added later reads as its words."""
    return REASON_LABELS.get(str(code), str(code).replace("_", " "))


def _fallback(code: str) -> str:
    return (code or "").replace("_", " ").strip().capitalize() or "—"


def reason_line(code: str, locale: str | None = "en") -> str:
    """What the reason means and what to do, in the operator's language."""
    return _tables(locale)[0].get(str(code), _fallback(str(code)))


def rule_line(rule: str, locale: str | None = "en") -> str:
    """What an evidence rule looked at."""
    return _tables(locale)[1].get(str(rule), _fallback(str(rule)))


__all__ = ["LANGUAGES", "REASONS_EN", "REASON_LABELS", "RULES_EN", "operator_language", "reason_label",
           "reason_line", "rule_line"]
