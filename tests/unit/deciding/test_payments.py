"""Which payment a request means: by id, bank reference, amount (+ date), or "our unallocated
payment"; anything short of one clear candidate is held, never guessed."""
from __future__ import annotations

from datetime import date

import pytest

from bot.deciding.payments import reference_in
from bot.model import Reason, Status
from tests.unit.deciding.builders import (
    allocations, amount, assert_explained, contact, instruction, invoice, ledger, line, payment, request, run,
)

G1, G2 = "G000000001", "G000000002"
PY1, PY2, PY3 = "PY00000001", "PY00000002", "PY00000003"
OCT1, OCT2 = date(2026, 10, 1), date(2026, 10, 2)
REF = "INV PAYMENT OCT"


def ask(*lines, ids=(), text=None, **kw):
    """A request of one instruction naming `lines` (invoice numbers or lines)."""
    lines = [line(x) if isinstance(x, str) else x for x in lines]
    return request(instruction(lines, ids, text=text, **kw))


CASES = [
    # -- by id ------------------------------------------------------------------------------
    ("id", ask(G1, ids=[PY1]), [invoice(G1, "1000.00"), payment(PY1, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("id_unknown", ask(G1, ids=[PY1]), [invoice(G1, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    ("id_other_account", ask(G1, ids=[PY1]), [invoice(G1, "1000.00"), payment(PY1, "1000.00", account="B9")],
     Status.REVIEW, [Reason.CROSS_ACCOUNT], []),
    ("id_two_ids", ask(G1, ids=[PY1, PY2]), [invoice(G1, "1000.00"), payment(PY1, "500.00"), payment(PY2, "500.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("id_fully_allocated", ask(G1, ids=[PY1]), [invoice(G1, "1000.00"), payment(PY1, "0.00", amount="1000.00")],
     Status.REVIEW, [Reason.PAYMENT_FULLY_ALLOCATED], []),
    ("id_amount_agrees", ask(G1, ids=[PY1], payment_amount=amount("1000.00", "EUR")),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00")], Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("id_amount_agrees_with_unallocated", ask(G1, ids=[PY1], payment_amount=amount("400.00")),
     [invoice(G1, "1000.00"), payment(PY1, "400.00", amount="900.00")], Status.APPLIED, [], [(PY1, G1, "400.00")]),
    ("id_amount_disagrees", ask(G1, ids=[PY1], payment_amount=amount("999.00", "EUR")),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00")], Status.REVIEW, [Reason.AMOUNT_MISMATCH], []),
    ("id_amount_in_other_currency", ask(G1, ids=[PY1], payment_amount=amount("1000.00", "EUR", "€")),
     [invoice(G1, "1000.00", currency="SEK"), payment(PY1, "1000.00", currency="SEK")],
     Status.REVIEW, [Reason.CURRENCY_MISMATCH], []),
    ("id_kr_fits_nok", ask(G1, ids=[PY1], payment_amount=amount("1000", symbol="kr")),
     [invoice(G1, "1000.00", currency="NOK"), payment(PY1, "1000.00", currency="NOK")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("id_kr_not_eur", ask(G1, ids=[PY1], payment_amount=amount("1000", symbol="kr")),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00")], Status.REVIEW, [Reason.CURRENCY_MISMATCH], []),
    # -- by bank reference ------------------------------------------------------------------
    ("ref", ask(G1, text=f"paid with RF18 5390 0754 7034 for {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00", reference="RF18 5390 0754 7034"), payment(PY2, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("ref_spacing_case", ask(G1, text=f"ref rf18539007547034 for {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00", reference="RF18 5390 0754 7034"), payment(PY2, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("ref_accents", ask(G1, text=f"virement « facture decembre 2026 » pour {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "800.00", reference="Facture Décembre 2026"), payment(PY2, "1000.00")],
     Status.APPLIED, [], [(PY1, G1, "800.00")]),
    ("ref_inside_longer_token", ask(G1, text=f"transfer ACME 20261 for {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00", reference="ACME 2026"), payment(PY2, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    ("ref_prefixed", ask(G1, text=f"transfer XACME 2026 for {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00", reference="ACME 2026"), payment(PY2, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    ("ref_common_word_is_no_reference", ask(G1, text=f"please allocate our payment to {G1}", mentions_payment=True),
     [invoice(G1, "1000.00"), payment(PY1, "600.00", reference="Payment"), payment(PY2, "1000.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("ref_amount_disagrees", ask(G1, text=f"{REF}, 900.00 EUR, for {G1}", payment_amount=amount("900.00", "EUR")),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00", reference=REF)],
     Status.REVIEW, [Reason.AMOUNT_MISMATCH], []),
    ("ref_shared_by_amount", ask(G1, text=f"{REF} 700.00 for {G1}", payment_amount=amount("700.00")),
     [invoice(G1, "1000.00"), payment(PY1, "700.00", reference=REF), payment(PY2, "900.00", reference=REF)],
     Status.APPLIED, [], [(PY1, G1, "700.00")]),
    ("ref_shared_by_date", ask(G1, text=f"{REF} on 2 Oct for {G1}", paid_on=OCT2),
     [invoice(G1, "1000.00"), payment(PY1, "700.00", reference=REF, received=OCT1),
      payment(PY2, "900.00", reference=REF, received=OCT2)],
     Status.APPLIED, [], [(PY2, G1, "900.00")]),
    ("ref_shared_by_exact_total", ask(G1, G2, text=f"{REF} for {G1} {G2}"),
     [invoice(G1, "600.00"), invoice(G2, "400.00"), payment(PY1, "1000.00", reference=REF),
      payment(PY2, "900.00", reference=REF)],
     Status.APPLIED, [], [(PY1, G1, "600.00"), (PY1, G2, "400.00")]),
    ("ref_shared_none_fits", ask(G1, text=f"{REF} for {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "700.00", reference=REF), payment(PY2, "900.00", reference=REF),
      payment(PY3, "950.00", reference=REF)],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("ref_shared_two_fit", ask(G1, text=f"{REF} for {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00", reference=REF), payment(PY2, "1000.00", reference=REF)],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("ref_of_other_account_ignored", ask(G1, text=f"{REF} for {G1}"),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00", reference=REF, account="B9")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    # -- by amount, amount + date -----------------------------------------------------------
    ("amount", ask(G1, payment_amount=amount("700.00", "EUR")),
     [invoice(G1, "1000.00"), payment(PY1, "700.00"), payment(PY2, "900.00")],
     Status.APPLIED, [], [(PY1, G1, "700.00")]),
    ("amount_fits_none", ask(G1, payment_amount=amount("800.00", "EUR")),
     [invoice(G1, "1000.00"), payment(PY1, "700.00"), payment(PY2, "900.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    ("amount_wrong_currency", ask(G1, payment_amount=amount("700.00", "USD", "$")),
     [invoice(G1, "1000.00"), payment(PY1, "700.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    ("amount_shared_date_narrows", ask(G1, payment_amount=amount("700.00"), paid_on=OCT2),
     [invoice(G1, "1000.00"), payment(PY1, "700.00", received=OCT1), payment(PY2, "700.00", received=OCT2)],
     Status.APPLIED, [], [(PY2, G1, "700.00")]),
    ("amount_shared_no_date", ask(G1, payment_amount=amount("700.00")),
     [invoice(G1, "1000.00"), payment(PY1, "700.00", received=OCT1), payment(PY2, "700.00", received=OCT2)],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("amount_shared_same_date", ask(G1, payment_amount=amount("700.00"), paid_on=OCT1),
     [invoice(G1, "1000.00"), payment(PY1, "700.00", received=OCT1), payment(PY2, "700.00", received=OCT1)],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    # -- "our unallocated payment" ----------------------------------------------------------
    ("ours_single_equal", ask(G1, mentions_payment=True),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00"), payment(PY2, "0.00", amount="50.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("ours_single_differs", ask(G1, mentions_payment=True), [invoice(G1, "1000.00"), payment(PY1, "999.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("ours_two", ask(G1, mentions_payment=True),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00"), payment(PY2, "1000.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("ours_two_one_equal", ask(G1, mentions_payment=True),
     [invoice(G1, "1000.00"), payment(PY1, "1000.00"), payment(PY2, "300.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    # -- "our 1 000,00 EUR payment to G1": the amount beside the invoice names the payment -----
    ("stated_whole", ask(line(G1, "1000.00", "EUR"), mentions_payment=True),
     [invoice(G1, "1500.00"), payment(PY1, "1000.00"), payment(PY2, "300.00")],
     Status.APPLIED, [], [(PY1, G1, "1000.00")]),
    ("stated_two_whole", ask(line(G1, "1000.00"), mentions_payment=True),
     [invoice(G1, "1500.00"), payment(PY1, "1000.00"), payment(PY2, "1000.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("stated_part_of_a_payment", ask(line(G1, "1000.00"), mentions_payment=True),
     [invoice(G1, "1500.00"), payment(PY1, "1000.00", amount="2500.00"), payment(PY2, "300.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("stated_other_currency", ask(line(G1, "1000.00", "SEK"), mentions_payment=True),
     [invoice(G1, "1500.00"), payment(PY1, "1000.00"), payment(PY2, "300.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("stated_one_line_without_amount", ask(line(G1, "1000.00"), G2, mentions_payment=True),
     [invoice(G1, "1500.00"), invoice(G2, "200.00"), payment(PY1, "1200.00"), payment(PY2, "300.00")],
     Status.REVIEW, [Reason.AMBIGUOUS_PAYMENT], []),
    ("ours_none", ask(G1, mentions_payment=True), [invoice(G1, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
    ("nothing_about_payment", ask(G1), [invoice(G1, "1000.00"), payment(PY1, "1000.00")],
     Status.NEEDS_INFO, [Reason.UNKNOWN_PAYMENT], []),
]


@pytest.mark.parametrize("req, rows, status, reasons, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_payment_choice(req, rows, status, reasons, expected):
    decision = run(req, ledger(contact(), *rows))
    assert (decision.status, set(decision.reasons), allocations(decision)) == (status, set(reasons), expected)
    assert_explained(decision)


REFERENCES = [
    ("exact", "RF18 5390 0754 7034", "ref RF18 5390 0754 7034.", True),
    ("spacing_removed", "RF18 5390 0754 7034", "ref RF18539007547034", True),
    ("spacing_changed", "INV PAYMENT OCT", "inv-payment  oct", True),
    ("case", "INV PAYMENT OCT", "Inv Payment Oct", True),
    ("accents", "Facture Décembre", "facture decembre", True),
    ("accents_in_text", "Facture Decembre", "FACTURE DÉCEMBRE", True),
    ("line_break", "INV PAYMENT OCT", "INV PAYMENT\nOCT", True),
    ("suffix_digit", "ACME 2026", "ACME 20261", False),
    ("prefix_letter", "ACME 2026", "XACME 2026", False),
    ("inside_id", "12345678", "PY12345678", False),
    ("another_month", "INV PAYMENT OCT", "INV PAYMENT OCTOBER", False),
    ("partial", "INV PAYMENT OCT", "INV PAYMENT", False),
    ("too_short", "AB 1", "AB 1", False),
    ("one_common_word", "Payment", "our payment of last week", False),
    ("empty", "", "anything", False),
]


@pytest.mark.parametrize("reference, text, found", [r[1:] for r in REFERENCES], ids=[r[0] for r in REFERENCES])
def test_reference_in(reference, text, found):
    assert reference_in(reference, text) is found
