"""Property (issue 17): negating, postponing, conditioning or doubting any instruction of the sample
corpus never turns it into money moved.

Every sample request that the reader and matcher apply is read again with one sentence more, in
its own language and in others, right after the instruction or at the end of the text: "Sorry,
please do not allocate it yet", "Please wait with this until we have confirmed it", "Only do it
once our controller has approved the payment", "Hmm, or was it G…? I need to check that first".
None of them may be applied. Pure: the ledger CSVs are read into a LedgerView, no database.
"""
from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.deciding.match import decide
from bot.deciding.sender import sender_of
from bot.model import AccountRow, ContactRow, InvoiceRow, LedgerView, Money, PaymentRow, Request, Status
from bot.reading.extract import read_request
from bot.reading.parsing import parse_bytes
from bot.reading.read import read_message
from tests.integration.conftest import SHARED, unavailable

SAMPLE = SHARED / "corpus" / "sample"
ROLES = ("billing_admin", "account_admin")
PATTERNS = {"invoice_pattern": r"G\d{9}", "payment_pattern": r"PY\d{8}"}

# Our own sentences (not the bot's word lists): negate, put off, condition, doubt ({other}: another invoice).
FRAMES: dict[str, tuple[str, str, str, str]] = {
    "en": ("Sorry, please do not allocate it yet.", "Please wait with this until we have confirmed it internally.",
           "Only do it once our controller has approved the payment.", "Hmm, or was it {other}? I need to check first."),
    "sv": ("Förlåt, koppla inte betalningen ännu.", "Vänta med detta tills vi har bekräftat det internt.",
           "Gör det först när vår controller har godkänt betalningen.", "Hmm, eller var det {other}? Låt mig kolla."),
    "da": ("Undskyld, fordel ikke betalingen endnu.", "Vent venligst med dette, indtil vi har bekræftet det.",
           "Gør det først når vores controller har godkendt betalingen.", "Hmm, eller var det {other}? Det tjekker jeg."),
    "nb": ("Beklager, ikke fordel innbetalingen ennå.", "Vent med dette inntil vi har bekreftet det internt.",
           "Gjør det først når kontrolleren vår har godkjent betalingen.", "Hmm, eller var det {other}? Jeg sjekker."),
    "de": ("Entschuldigung, bitte buchen Sie die Zahlung noch nicht.", "Bitte warten Sie damit, bis wir es bestätigt haben.",
           "Bitte erst dann buchen, wenn unser Controlling sie freigegeben hat.", "Hmm, oder war es {other}? Ich prüfe das."),
    "fr": ("Pardon, n'affectez pas encore le paiement.", "Merci d'attendre jusqu'à ce que nous l'ayons confirmé.",
           "Ne le faites qu'une fois que notre contrôleur aura validé le paiement.",
           "Hmm, ou était-ce {other} ? Je dois d'abord vérifier."),
    "es": ("Perdón, no apliquen todavía el pago.", "Esperen, por favor, hasta que lo confirmemos internamente.",
           "Háganlo solo cuando nuestro controller haya aprobado el pago.", "Mmm, ¿o era {other}? Tengo que comprobarlo."),
    "it": ("Scusate, non abbinate ancora il pagamento.", "Vi prego di aspettare finché non lo avremo confermato.",
           "Fatelo solo dopo che il nostro controller avrà approvato il pagamento.",
           "Hmm, oppure era {other}? Devo prima controllare."),
    "pt": ("Desculpem, não apliquem o pagamento ainda.", "Aguardem, por favor, até que confirmemos internamente.",
           "Façam isso só depois que nosso controller aprovar o pagamento.", "Hmm, ou era {other}? Preciso verificar."),
    "nl": ("Sorry, wijs de betaling nog niet toe.", "Wacht hier alstublieft mee totdat wij het hebben bevestigd.",
           "Doe het pas als onze controller de betaling heeft goedgekeurd.", "Hmm, of was het {other}? Ik controleer het."),
    "pl": ("Przepraszam, proszę jeszcze nie przypisywać płatności.", "Proszę poczekać, dopóki tego nie potwierdzimy.",
           "Proszę to zrobić dopiero po zatwierdzeniu płatności.", "Hmm, czy raczej {other}? Muszę to sprawdzić."),
    "ja": ("申し訳ありませんが、まだ充当しないでください。", "社内で確認が取れるまでお待ちください。",
           "当社の承認後に処理してください。", "あれ、それとも{other}でしたっけ？確認します。"),
}
LANGUAGES = sorted(FRAMES)


def _money(value: str, currency: str) -> Money:
    return Money(Decimal(value), currency)


def _rows(name: str) -> list[dict[str, str]]:
    with (SAMPLE / "ledger" / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sample_ledger() -> LedgerView:
    day = date.fromisoformat
    return LedgerView(
        tuple(ContactRow(r["account_id"], r["email"], r["name"], r["role"]) for r in _rows("contacts")),
        tuple(AccountRow(r["account_id"], r["name"], r["locale"], r["currency"]) for r in _rows("accounts")),
        tuple(InvoiceRow(r["invoice_number"], r["account_id"], day(r["issue_date"]), day(r["due_date"]),
                         _money(r["amount"], r["currency"]), _money(r["open_amount"], r["currency"]))
              for r in _rows("invoices")),
        tuple(PaymentRow(r["payment_id"], r["account_id"], day(r["received_date"]), _money(r["amount"], r["currency"]),
                         _money(r["unallocated_amount"], r["currency"]), r["reference"], r["payer_name"])
              for r in _rows("payments")),
    )


def _reread(request: Request, insert_at: int, sentence: str, *, month_first: bool) -> Request:
    """The request text read again with `sentence` inserted at `insert_at` (subject stays the subject)."""
    text = request.text[:insert_at] + sentence + request.text[insert_at:]
    subject, _, body = text.partition("\n")
    return read_request(subject=subject, body=body, extra_lines=[], month_first=month_first, **PATTERNS)


def _applied_sample_cases(ledger: LedgerView) -> list[tuple[str, Request, object, str, bool]]:
    expected = [json.loads(line) for line in (SAMPLE / "expected.jsonl").read_text("utf-8").splitlines() if line]
    locales = {a.account_id: a.locale for a in ledger.accounts}
    cases = []
    for case in (c for c in expected if c["expect"] == "applied"):
        msg = parse_bytes((SAMPLE / "mail" / case["file"]).read_bytes())
        sender = sender_of(msg, trusted_authserv_id="mx.billing.example")
        account = next((c.account_id for c in ledger.contacts if c.email.lower() == sender.address), "")
        month_first = locales.get(account, "").endswith("US")
        _, request = read_message(msg, month_first=month_first, **PATTERNS)
        cases.append((case["file"], request, sender, locales.get(account, "en")[:2], month_first))
    return cases


def test_negated_postponed_conditioned_or_doubted_sample_requests_are_never_applied() -> None:
    if not (SAMPLE / "expected.jsonl").is_file():
        unavailable(f"the shared sample corpus {SAMPLE} is missing")
    ledger = sample_ledger()
    applied_as_is, tried, moved = 0, 0, []
    for index, (name, request, sender, language, month_first) in enumerate(_applied_sample_cases(ledger)):
        again = _reread(request, len(request.text), "", month_first=month_first)
        if decide(again, sender, ledger, allowed_roles=ROLES).status is not Status.APPLIED:
            continue  # the property is about requests that are applied as written
        applied_as_is += 1
        named = {line.invoice_number for ins in again.instructions for line in ins.lines}
        other = next(i.invoice_number for i in ledger.invoices if i.invoice_number not in named)
        end_of_instruction = max(ins.span.end for ins in again.instructions)
        for lang in dict.fromkeys([language, LANGUAGES[index % 12], LANGUAGES[(index + 5) % 12]]):
            for frame in FRAMES[lang]:
                sentence = frame.format(other=other)
                for at, glue in ((end_of_instruction, " "), (len(again.text), "\n\n")):
                    tried += 1
                    mutated = _reread(again, at, glue + sentence, month_first=month_first)
                    decision = decide(mutated, sender, ledger, allowed_roles=ROLES)
                    if decision.status is Status.APPLIED or decision.allocations:
                        moved.append(f"{name} + {sentence!r}")
    assert applied_as_is >= 95, "the sample's applied requests are applied as written"
    assert tried >= applied_as_is * 16
    assert moved == [], f"{len(moved)} of {tried} applied:\n" + "\n".join(sorted(set(moved))[:60])
