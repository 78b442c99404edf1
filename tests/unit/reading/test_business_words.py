"""Issue 15 item 7: the verbs accountants use for allocating and settling (words.py, stance_words.py)
make a polite question a request, and never make a negated, put-off or questioned one apply."""
from __future__ import annotations

from datetime import date

import pytest

from bot.reading.extract import read_request

P, G, H = "PY40028173", "G012345678", "G012345679"


def _read(text: str):
    return read_request(subject="", body=text, extra_lines=[], invoice_pattern=r"G\d{9}",
                        payment_pattern=r"PY\d{8}", sent=date(2027, 1, 11))


@pytest.mark.parametrize("text", [
    f"Kan je betaling {P} wegboeken tegen factuur {G}?",
    f"Zoudt u zo vriendelijk willen zijn betaling {P} te verrekenen met factuur {G}?",
    f"Could you offset payment {P} against invoice {G}, please?",
    f"Würden Sie unsere Zahlung {P} gegen die Rechnung {G} ausbuchen?",
    f"Pourriez-vous solder la facture {G} avec notre règlement {P} ?",
    f"¿Podrían compensar el pago {P} con la factura {G}?",
    f"Kan ni stämma av betalningen {P} mot faktura {G}?",
    f"{P} numaralı ödemeyi {G} numaralı faturaya işleyebilir misiniz?",
])
def test_a_polite_question_with_a_business_verb_is_a_request(text: str) -> None:
    request = _read(text)
    assert [line.invoice_number for ins in request.instructions for line in ins.lines] == [G]
    assert not request.hedges


@pytest.mark.parametrize("text", [
    f"Bitte die Zahlung {P} noch nicht der Rechnung {G} zuordnen.",
    f"Bitte die Zahlung {P} noch nicht mit der Rechnung {G} verrechnen.",
    f"Graag betaling {P} nog niet op factuur {G} afboeken.",
    f"Graag betaling {P} nog niet afletteren op factuur {G}.",
    f"Ne soldez pas encore la facture {G} avec le règlement {P}.",
    f"No compensen todavía el pago {P} con la factura {G}.",
    f"Kunt u betaling {P} pas afboeken op factuur {G} nadat wij de creditnota hebben ontvangen?",
])
def test_a_new_verb_put_off_or_negated_holds(text: str) -> None:
    request = _read(text)
    assert request.hedges or not any(ins.lines for ins in request.instructions)


@pytest.mark.parametrize("text", [
    f"Kunt u nagaan of betaling {P} al is afgeletterd op factuur {G}?",
    f"Could you tell us whether payment {P} has been offset against invoice {G}?",
])
def test_a_question_about_the_state_is_no_request(text: str) -> None:
    assert not _read(text).instructions


def test_a_state_told_with_a_participle_does_not_hold() -> None:
    request = _read(f"Ik zie dat onze betaling {P} nog niet is toegewezen. "
                    f"Kunt u deze alsnog op factuur {G} boeken?")
    assert not request.hedges and [ins.lines[0].invoice_number for ins in request.instructions] == [G]


def test_a_negator_between_auxiliary_and_participle_names_no_payment() -> None:
    assert not _read(f"Wij hebben factuur {G} nog niet betaald.").instructions


def test_the_payments_own_amount_and_a_part_of_it_are_told_apart() -> None:
    [ins] = _read(f"Van de betaling {P} van EUR 1.000,00 graag EUR 600,00 op factuur {G}.").instructions
    assert ins.payment_amount.value == 1000 and ins.lines[0].amount.value == 600


def test_two_amounts_after_the_source_stay_the_payments() -> None:
    [ins] = _read(f"From payment {P}, 6 000,00 EUR and 4 000,00 EUR go to {G} and {H}.").instructions
    assert [line.amount for line in ins.lines] == [None, None]
