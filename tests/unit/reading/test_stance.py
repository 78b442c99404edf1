"""What a writer says about their own instruction, read from the text alone (issue 17, classes 1, 2, 4).

Each case is a request as a partner writes it and what a careful clerk does with it: `clear`
(the named allocation is asked for now), `held` (it is put off, conditioned, doubted or
withdrawn: no money moves), or the invoices asked for after a correction.
"""
from __future__ import annotations

import pytest

from bot.deciding.match import decide
from bot.model import Reason, Sender, AuthVerdict, Status
from bot.reading.extract import read_request
from tests.unit.deciding.builders import ALICE, ROLES, account, contact, invoice, ledger, payment

PY, G1, G2 = "PY40000001", "G400000001", "G400000002"


def read(body: str):
    return read_request(subject="Payment allocation", body=body, extra_lines=[], invoice_pattern=r"G\d{9}",
                        payment_pattern=r"PY\d{8}")


def asked(body: str) -> list[str]:
    """The invoices the request asks for, or ["held"] when it holds the request."""
    request = read(body)
    if request.hedges:
        return ["held"]
    return [line.invoice_number for ins in request.instructions for line in ins.lines]


HELD = [
    # negation, postponement, condition
    f"Please do NOT allocate payment {PY} to invoice {G1} yet; we will tell you which invoice.",
    f"Bitte die Zahlung {PY} nicht auf {G1} oder {G2} buchen.",
    f"Bitte buchen Sie {PY} nicht auf {G1}, {G2} oder eine andere Rechnung.",
    f"Please don't apply {PY} to {G1}, nor to {G2}.",
    f"Payment {PY} is not for {G1}, {G2} or any other invoice of ours.",
    f"Don't apply {PY} to {G1}.",
    f"Please wait before applying {PY} to {G1}, our controller still has to approve it.",
    f"Please hold off on allocating {PY} to {G1}.",
    f"Apply {PY} to {G1} once we confirm the amount with our bank.",
    f"Apply {PY} to {G1} unless you have already received a credit note from us.",
    f"Apply {PY} to {G1} only if it has not been applied already.",
    f"Bitte ordnen Sie die Zahlung {PY} noch nicht der Rechnung {G1} zu.",
    f"Bitte {PY} erst dann auf {G1} buchen, wenn wir es bestätigen.",
    f"Merci de ne pas encore affecter le paiement {PY} à la facture {G1}.",
    f"N'affectez pas {PY} à {G1} avant notre confirmation, s'il vous plaît.",
    f"Por favor, no apliquen todavía el pago {PY} a la factura {G1}.",
    f"Vi preghiamo di non abbinare ancora il pagamento {PY} alla fattura {G1}.",
    f"Por favor, não apliquem o pagamento {PY} à fatura {G1} até que confirmemos.",
    f"Wijs betaling {PY} nog niet toe aan factuur {G1}.",
    f"Koppla inte betalningen {PY} till faktura {G1} ännu.",
    f"Vent venligst med at fordele betalingen {PY} til faktura {G1}.",
    f"Ikke fordel innbetalingen {PY} til faktura {G1} før vi har bekreftet.",
    f"Proszę jeszcze nie przypisywać płatności {PY} do faktury {G1}.",
    f"Prosím zatím nepřiřazujte platbu {PY} k faktuře {G1}.",
    f"{PY} numaralı ödemeyi henüz {G1} faturasına atamayın.",
    f"Älkää vielä kohdistako maksua {PY} laskulle {G1}.",
    f"请暂时不要将付款{PY}分配到发票{G1}。",
    f"入金{PY}を請求書{G1}に充当しないでください。",
    # doubt
    f"Apply {PY} to {G1}. Hmm, or was it {G2}? Let me double-check before you do anything.",
    f"I think {PY} is for {G1}, but I'm not sure.",
    f"Bitte {PY} auf {G1} buchen. Oder war es {G2}? Ich prüfe das noch.",
    f"Affectez {PY} à {G1}, je pense, mais je dois vérifier.",
    f"Prosím přiřaďte platbu {PY} k faktuře {G1}, ale nejsem si jistý.",
    f"请将付款{PY}分配到发票{G1}，还是{G2}？我再确认一下。",
]


@pytest.mark.parametrize("body", HELD)
def test_a_request_put_off_conditioned_doubted_or_withdrawn_is_held(body: str) -> None:
    assert asked(body) in (["held"], [])
    assert read(body).hedges, "held for a person with the words that hold it as evidence"


CORRECTED = [
    (f"Don't apply it to {G1}, apply it to {G2} instead. Payment {PY}.", [G2]),
    (f"Please do not allocate {PY} to {G1} but to {G2}.", [G2]),
    (f"Do not apply {PY} to {G1}. Please apply it to {G2}.", [G2]),
    (f"Koppla inte {PY} till {G1}, utan till {G2}.", [G2]),
    (f"Bitte {PY} nicht auf {G1} buchen, sondern auf {G2}.", [G2]),
    (f"Correction: not {G1} but {G2}, payment {PY}.", [G2]),
    (f"Don't apply {PY} to {G1}, it belongs to invoice {G2}.", [G2]),
    # a denial with no verb of allocating: "is not for", "doesn't belong to", "ne G1", "不是G1"
    (f"Sorry, my mistake: payment {PY} is not for invoice {G1}, it belongs to invoice {G2}.", [G2]),
    (f"Payment {PY} doesn't belong to {G1}. It is for {G2}.", [G2]),
    (f"Die Zahlung {PY} gehört nicht zu Rechnung {G1}, sondern zu Rechnung {G2}.", [G2]),
    (f"Le virement {PY} ne concerne pas la facture {G1} mais la facture {G2}.", [G2]),
    (f"El pago {PY} no corresponde a la factura {G1}; corresponde a la factura {G2}.", [G2]),
    (f"Il bonifico {PY} non riguarda la fattura {G1}, bensì la fattura {G2}.", [G2]),
    (f"O pagamento {PY} não se refere à fatura {G1}, mas sim à fatura {G2}.", [G2]),
    (f"Betaling {PY} hoort niet bij factuur {G1} maar bij factuur {G2}.", [G2]),
    (f"Betalningen {PY} hör inte till faktura {G1} utan till faktura {G2}.", [G2]),
    (f"Indbetalingen {PY} vedrører ikke faktura {G1}, men faktura {G2}.", [G2]),
    (f"Wpłata {PY} nie jest za fakturę {G1}, tylko za fakturę {G2}.", [G2]),
    (f"Platba {PY} nepatří k faktuře {G1}. Patří k faktuře {G2}, ne {G1}.", [G2]),
    (f"Přiřaďte prosím platbu {PY} k faktuře {G2}, ne {G1}.", [G2]),
    (f"Quise decir {G2}, no {G1}. Apliquen el pago {PY} a {G2}.", [G2]),
    (f"{PY} numaralı ödeme {G1} faturası için değil, {G2} faturası içindir.", [G2]),
    (f"Maksu {PY} ei ole laskulle {G1} vaan laskulle {G2}.", [G2]),
    (f"付款{PY}并非用于发票{G1}，而是用于发票{G2}。", [G2]),
    (f"入金{PY}は請求書{G2}に充当してください。請求書{G1}への充当は不要です。", [G2]),
    (f"No asignen el pago {PY} a {G1}; asígnenlo a {G2} en su lugar.", [G2]),
    (f"Não apliquem {PY} à fatura {G1}. Em vez disso, apliquem-no à fatura {G2}.", [G2]),
]


@pytest.mark.parametrize(("body", "invoices"), CORRECTED)
def test_a_correction_asks_only_for_the_corrected_invoice(body: str, invoices: list[str]) -> None:
    request = read(body)
    assert asked(body) == invoices
    assert [ins.payment_ids for ins in request.instructions] == [(PY,)]


CLEAR = [
    f"Please apply payment {PY} to invoice {G1}. Don't hesitate to contact me if you have questions.",
    f"Please apply {PY} to {G1}. No other invoices are affected.",
    f"Please apply {PY} to {G1}. If anything is unclear, let me know.",
    f"Please don't forget to apply {PY} to {G1}.",
    f"No olviden aplicar el pago {PY} a la factura {G1}, por favor.",
    f"Bitte ordnen Sie unsere nicht zugeordnete Zahlung {PY} der Rechnung {G1} zu.",
    f"Merci d'affecter le paiement {PY} à la facture {G1} et de laisser le reste non affecté.",
    f"Only 500.00 EUR of payment {PY} should go to invoice {G1} for now.",
    f"Please apply {PY} to {G1} and not to {G2}.",
    f"Prosím přiřaďte platbu {PY} k faktuře {G1}.",
    f"Lütfen {PY} numaralı ödemeyi {G1} faturasına mahsup ediniz.",
    f"Kohdistakaa maksu {PY} laskulle {G1}.",
    f"请将付款{PY}分配到发票{G1}。",
    f"请将付款{PY}分别核销至发票{G1}。",  # 分别 "respectively" holds 别 "don't"
    # a negator that denies no invoice: a number, a state, something that did not happen yet
    f"Please apply payment {PY} to Invoice No {G1}.",
    f"Payment {PY} has not been applied to {G1} yet. Please apply it to {G1}.",
    f"Notre paiement {PY} n'a pas encore été affecté. Merci de l'affecter à la facture {G1}.",
    f"We never received a reminder for {G2}'s sibling; please apply {PY} to {G1}.",
]


@pytest.mark.parametrize("body", CLEAR)
def test_a_clear_request_with_harmless_negations_is_read(body: str) -> None:
    assert asked(body) == [G1]


def test_an_unclear_request_is_held_for_review_with_its_words_as_evidence() -> None:
    request = read(f"Please do NOT allocate payment {PY} to invoice {G1} yet.")
    rows = ledger(contact(ALICE), account(), invoice(G1, "100.00"), payment(PY, "100.00"))

    decision = decide(request, Sender(ALICE, "Alice", AuthVerdict(None)), rows, allowed_roles=ROLES)

    assert decision.status is Status.REVIEW and decision.allocations == ()
    assert Reason.UNCLEAR_REQUEST in decision.reasons
    assert {e.span.text for e in decision.evidence if e.reason is Reason.UNCLEAR_REQUEST} >= {"yet"}
    assert any(e.rule == "withdrawn" and e.rows == (G1,) for e in decision.evidence)
