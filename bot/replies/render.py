"""Decision + billing view → the text of the reply, in the partner's language.

Pure: values in, values out; the only I/O is reading templates. Templates live in
`templates/email/<language>/<kind>.txt`. Each template's first line is `Subject: ...`; the
body starts after it (leading blank lines dropped). The folder is picked by the language of
`locale` ("sv-SE" → `sv/`; en, sv, de, fr, es, nl and ja exist), falling back to `en/` when
there is none; money and dates are always formatted with the full requested locale through
Babel, so an Italian account reads English text with "41.849,86 €".

Template variables: sender_name, re_subject ("" when the original had none), case_ref,
account, allocations, payments, invoices (invoice_number, open_amount, paid, due_date),
problems (code, named, details), and the formatters money(Money) and day(date).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.model import AccountRow, Decision, Evidence, InvoiceRow, Money, PaymentRow

KINDS = ("confirmation", "needs_info", "review_ack", "cancelled", "pending_ack")
FALLBACK_LANGUAGE = "en"
_REPLY_PREFIX = re.compile(r"^\s*(re|sv|aw)\s*(\[\d+\])?\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class BillingSnapshot:
    """The account's billing view AFTER the change, as the confirmation reports it."""

    account: AccountRow
    open_invoices: tuple[InvoiceRow, ...]
    payments: tuple[PaymentRow, ...]  # the payments of this request, unallocated after the change


@dataclass(frozen=True)
class ReplyContent:
    subject: str
    body: str
    locale: str  # language of the text actually used ("sv", or "en" after a fallback)


def render_reply(kind: str, *, decision: Decision, snapshot: BillingSnapshot | None, locale: str,
                 case_ref: str | None, original_subject: str, sender_name: str,
                 templates_dir: Path, hints: dict[str, tuple[str, ...]] | None = None) -> ReplyContent:
    """Render one reply; raises ValueError for an unknown kind or a template without a subject.

    `hints`: payment id -> open invoices its bank remittance names (shown, never applied)."""
    if kind not in KINDS:
        raise ValueError(f"unknown reply kind: {kind!r}")
    babel_locale = _parse_locale(locale)
    language = _language_folder(templates_dir, babel_locale.language, kind)
    template = _environment(Path(templates_dir)).get_template(f"{language}/{kind}.txt")
    text = template.render(
        money=lambda m: format_currency(m.amount, m.currency, locale=babel_locale),
        day=lambda d: format_date(d, format="medium", locale=babel_locale),
        sender_name=one_line(sender_name),
        re_subject=reply_subject(original_subject),
        case_ref=one_line(case_ref or "") or None,
        account=snapshot.account if snapshot else None,
        allocations=decision.allocations,
        payments=_payments(decision, snapshot),
        invoices=_touched_invoices(decision, snapshot),
        problems=_problems(decision),
        hints=hints or {},
    )
    subject, body = _split_subject(text)
    return ReplyContent(subject=subject, body=body, locale=language)


def render_notice(*, account: AccountRow, payments: tuple[PaymentRow, ...], hints: dict[str, tuple[str, ...]],
                  days: int, mailbox: str, sender_name: str, locale: str, templates_dir: Path) -> ReplyContent:
    """The proactive notice of an account's old unallocated payments, in its language."""
    if not payments:
        raise ValueError("a notice lists at least one payment")
    account = replace(account, name=one_line(account.name))  # it is in the subject line
    babel_locale = _parse_locale(locale)
    language = _language_folder(templates_dir, babel_locale.language, "unallocated_notice")
    subject, body = render_text(
        Path(templates_dir), f"{language}/unallocated_notice.txt",
        money=lambda m: format_currency(m.amount, m.currency, locale=babel_locale),
        day=lambda d: format_date(d, format="medium", locale=babel_locale),
        sender_name=one_line(sender_name), account=account, payments=payments, hints=hints, days=days,
        mailbox=one_line(mailbox))
    return ReplyContent(subject=subject, body=body, locale=language)


def render_text(templates_dir: Path, name: str, **variables: Any) -> tuple[str, str]:
    """(subject, body) of any `Subject:`-first template, e.g. the operations digest."""
    return _split_subject(_environment(Path(templates_dir)).get_template(name).render(**variables))


def reply_subject(original: str) -> str:
    """"Re: <original>", keeping an existing Re:/SV:/AW: prefix; "" when there was no subject."""
    subject = one_line(original)
    if not subject or _REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}"


def one_line(text: str) -> str:
    """Collapse whitespace and drop control characters: header-safe, template-safe."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text or "")
    return " ".join(cleaned.split())


@lru_cache(maxsize=8)
def _environment(templates_dir: Path) -> Environment:
    # Text mail is not HTML: escaping would show "&amp;" to the partner. Any .html template
    # added later is escaped. StrictUndefined turns a typo in a template into an error.
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(enabled_extensions=("html", "htm"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _parse_locale(locale: str) -> Locale:
    try:
        return Locale.parse((locale or FALLBACK_LANGUAGE).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LANGUAGE)


def template_language(templates_dir: Path, locale: str, kind: str) -> str:
    """The template folder for `locale` that has `kind` ("de" for "de-CH"), else English."""
    return _language_folder(templates_dir, _parse_locale(locale).language, kind)


def _language_folder(templates_dir: Path, language: str, kind: str) -> str:
    if (Path(templates_dir) / language / f"{kind}.txt").is_file():
        return language
    return FALLBACK_LANGUAGE


def _split_subject(text: str) -> tuple[str, str]:
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError("reply template must start with a 'Subject: ...' line")
    body = re.sub(r"\n{3,}", "\n\n", rest.lstrip("\n")).rstrip() + "\n"
    return one_line(first[len("Subject:"):]), body


def _payments(decision: Decision, snapshot: BillingSnapshot | None) -> list[PaymentRow]:
    """The request's payments, in allocation order, with what stays unallocated."""
    if snapshot is None:
        return []
    order = _unique(a.payment_id for a in decision.allocations)
    return sorted(snapshot.payments,
                  key=lambda p: order.index(p.payment_id) if p.payment_id in order else len(order))


def _touched_invoices(decision: Decision, snapshot: BillingSnapshot | None) -> list[dict[str, Any]]:
    """Each invoice an allocation touched with its open amount; absent from the view = paid."""
    if snapshot is None:  # without the billing view we cannot say what is left
        return []
    open_rows = {i.invoice_number: i for i in snapshot.open_invoices}
    touched = []
    for number in _unique(a.invoice_number for a in decision.allocations):
        row = open_rows.get(number)
        currency = next(a.amount.currency for a in decision.allocations if a.invoice_number == number)
        remaining = row.open_amount if row else Money.zero(currency)
        touched.append({"invoice_number": number, "open_amount": remaining,
                        "paid": remaining.amount == 0, "due_date": row.due_date if row else None})
    return touched


def _problems(decision: Decision) -> list[dict[str, Any]]:
    """One entry per reason code with what the partner wrote that we could not place.

    Evidence belongs to a reason when its rule names the reason code (e.g. "unknown_invoice"
    or "match.unknown_invoice"); the named items are the text it read, else the ledger rows.
    Details are kept for evidence that names nothing, so the reply still says what was wrong.
    """
    problems = []
    for reason in _unique(decision.reasons):
        evidence = [e for e in decision.evidence if e.reason == reason or str(reason) in e.rule]
        items = _unique(i for e in evidence for i in _named(e))
        details = _unique(one_line(e.detail) for e in evidence if not _named(e) and one_line(e.detail))
        problems.append({"code": str(reason), "named": items, "details": details})
    return problems


def _named(evidence: Evidence) -> list[str]:
    if evidence.span and one_line(evidence.span.text):
        return [one_line(evidence.span.text)]
    return [one_line(r) for r in evidence.rows if one_line(r)]


def _unique(values) -> list:
    seen: list = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen

