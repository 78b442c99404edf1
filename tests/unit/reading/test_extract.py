"""read_request on single sentences: which words make an instruction, and which do not."""
from __future__ import annotations

from datetime import date

import pytest

from bot.reading.attachments import attachment_lines
from bot.reading.extract import read_request
from bot.reading.mime import Attachment


def _read(body: str, subject: str = "", extra: list[str] | None = None):
    return read_request(subject=subject, body=body, extra_lines=extra or [], invoice_pattern=r"G\d{9}",
                        payment_pattern=r"PY\d{8}", sent=date(2026, 10, 5))


def _pairs(body: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(ins.payment_ids, tuple(line.invoice_number for line in ins.lines)) for ins in _read(body).instructions]


ONE = ((("PY40028173",), ("G012345678",)),)

POLITE_REQUESTS = [
    "Could you please apply our payment PY40028173 to invoice G012345678?",
    "Kan ni koppla betalningen PY40028173 till faktura G012345678?",
    "Könnten Sie bitte die Zahlung PY40028173 der Rechnung G012345678 zuordnen?",
    "Pourriez-vous affecter notre règlement PY40028173 à la facture G012345678 ?",
    "Podrían aplicar el pago PY40028173 a la factura G012345678?",
    "Potreste abbinare il bonifico PY40028173 alla fattura G012345678?",
    "Poderiam alocar o pagamento PY40028173 à fatura G012345678?",
    "Kunnen jullie de betaling PY40028173 toewijzen aan factuur G012345678?",
    "Kan I placere indbetalingen PY40028173 på faktura G012345678?",
    "Czy mogą Państwo przypisać wpłatę PY40028173 do faktury G012345678?",
    "入金PY40028173を請求書G012345678に充当していただけますか？",
]


@pytest.mark.parametrize("body", POLITE_REQUESTS)
def test_a_polite_question_is_a_request(body: str) -> None:
    assert tuple(_pairs(body)) == ONE


STATUS_QUESTIONS = [
    "Is invoice G012345678 paid?",
    "Has payment PY40028173 been allocated to invoice G012345678?",
    "Could you confirm that payment PY40028173 was applied to invoice G012345678?",
    "Why was payment PY40028173 applied to invoice G012345678?",
    "Could you please reverse the allocation of payment PY40028173 to invoice G012345678?",
    "Could you send us a copy of invoice G012345678?",
    "Kan ni bekräfta att PY40028173 är kopplad till G012345678?",
    "Is invoice G012345678 paid? We sent payment PY40028173 last week.",
]


@pytest.mark.parametrize("body", STATUS_QUESTIONS)
def test_a_question_about_a_state_is_no_instruction(body: str) -> None:
    request = _read(body)
    assert request.instructions == ()
    assert request.is_question


EXCLUDED = [
    "The payment PY40028173 should go to invoice G012345678 and not G012345679.",
    "Please apply PY40028173 to G012345678 instead of G012345679.",
    "Bitte die Zahlung PY40028173 der Rechnung G012345678 statt der Rechnung G012345679 zuordnen.",
    "Aplicar el pago PY40028173 a la factura G012345678 y no a la factura G012345679.",
    "Przelew PY40028173 proszę przypisać do faktury G012345678, nie do faktury G012345679.",
    "入金PY40028173は請求書G012345679ではなく、請求書G012345678に充当してください。",
    "Our payment PY40028173 is not yet on invoice G012345678.",  # "not yet" excludes nothing
    "Unsere Zahlung PY40028173 ist noch nicht auf Rechnung G012345678 gebucht.",
    "Please apply payment PY40028173 to invoice no G012345678.",
]


@pytest.mark.parametrize("body", EXCLUDED)
def test_an_invoice_named_to_be_left_alone_is_not_requested(body: str) -> None:
    assert tuple(_pairs(body)) == ONE


PAIRS = [
    "Bitte buchen Sie die Zahlung PY40028173 auf Rechnung G012345678 und die Zahlung PY50028173 auf Rechnung G052345678.",
    "Please apply PY40028173 to G012345678, and PY50028173 to G052345678.",
    "Bitte gleichen Sie Rechnung G012345678 mit der Zahlung PY40028173 aus und Rechnung G052345678 mit der Zahlung PY50028173.",
    "PY40028173 → G012345678; PY50028173 → G052345678",
]


@pytest.mark.parametrize("body", PAIRS)
def test_pairs_in_one_sentence_are_separate_instructions(body: str) -> None:
    assert _pairs(body) == [(("PY40028173",), ("G012345678",)), (("PY50028173",), ("G052345678",))]


def test_two_payments_for_one_invoice_stay_one_instruction() -> None:
    assert _pairs("Please apply PY40028173 and PY50028173 to G012345678.") == [(("PY40028173", "PY50028173"), ("G012345678",))]


AMOUNTS = [
    # body, payment amount, per-invoice amounts
    ("Please apply payment PY40028173 to G012345678 – £1,800.00 and G012345679 – £1,200.00.", None, ["1800.00", "1200.00"]),
    ("Payment PY40028173 covers G012345678 and G012345679, £900.00 in total.", "900.00", [None, None]),
    ("Our payment PY40028173 of €1,000.00 covers G012345678 (€600.00) and G012345679.", "1000.00", ["600.00", None]),
    ("Apply G012345678 (500,00 EUR) and G012345679 from PY40028173.", None, ["500.00", None]),
    ("3 889,84 kr of payment PY40028173 to invoice G012345678.", None, ["3889.84"]),
    ("Our payment of 41.849,86 EUR for invoice G012345678.", "41849.86", [None]),
    ("G012345678 and G012345679: 1 000,00 EUR of payment PY40028173", "1000.00", [None, None]),
    ("Vi har overført 8.950,00 kr. Beløbet skal placeres på faktura G012345678.", "8950.00", [None]),
]


@pytest.mark.parametrize(("body", "payment", "lines"), AMOUNTS)
def test_which_amount_goes_where(body: str, payment: str | None, lines: list[str | None]) -> None:
    [ins] = _read(body).instructions
    assert (str(ins.payment_amount.value) if ins.payment_amount else None) == payment
    assert [str(line.amount.value) if line.amount else None for line in ins.lines] == lines


def test_a_date_on_an_invoice_row_is_not_the_payment_date() -> None:
    extra = ["Invoice  Invoice date  Amount", "G012345678  2026-09-01  1 234,56 SEK"]
    [ins] = _read("Please allocate our payment PY40028173 as in the attached file.", extra=extra).instructions
    assert ins.paid_on is None
    [ins] = _read("Our payment PY40028173 of 2 October 2026 is for the attached invoices.", extra=extra).instructions
    assert ins.paid_on == date(2026, 10, 2)


def test_the_subject_counts_only_when_the_body_names_nothing() -> None:
    assert _pairs_subject("Please apply PY40028173 to G012345678", "Sent from my iPhone") == list(ONE)
    assert _pairs_subject("Payment PY99999999 for G099999999", "Please apply PY40028173 to G012345678.") == list(ONE)


def _pairs_subject(subject: str, body: str) -> list:
    return [(ins.payment_ids, tuple(line.invoice_number for line in ins.lines)) for ins in _read(body, subject).instructions]


def test_japanese_sentences_end_at_the_full_stop() -> None:
    [ins] = _read("2026年10月2日に123,456円を送金いたしました。請求書G012345678への充当をお願いいたします。").instructions
    assert (str(ins.payment_amount.value), ins.payment_amount.currency, ins.paid_on) == ("123456", "JPY", date(2026, 10, 2))
    assert [line.amount for line in ins.lines] == [None]


def _csv(text: str, encoding: str = "utf-8") -> list[str]:
    return attachment_lines((Attachment("advice.csv", "text/csv", text.encode(encoding)),))


def test_csv_rows_become_lines() -> None:
    assert _csv("Fakturanummer;Belopp;Valuta\nG012121212;1 234,56;SEK\n") == ["Fakturanummer  Belopp  Valuta", "G012121212  1 234,56  SEK"]
    assert _csv('Invoice,Amount\nG012121212,"1,234.56"\n') == ["Invoice  Amount", "G012121212  1,234.56"]


def test_only_the_paid_column_of_a_remittance_is_kept() -> None:
    text = "Rechnungsnummer;Rechnungsbetrag;Skonto;Zahlbetrag;Währung\nG012121212;1.000,00;20,00;980,00;€\n"
    assert _csv(text, "cp1252") == ["Rechnungsnummer  Zahlbetrag  Währung", "G012121212  980,00  €"]
    # a "Payment ID" column is no amount column: nothing is left out
    assert _csv("Payment ID,Invoice,Amount\nPY12345678,G012121212,10.00\n") == ["Payment ID  Invoice  Amount", "PY12345678  G012121212  10.00"]


def test_non_tabular_attachments_are_skipped() -> None:
    assert attachment_lines((Attachment("scan.pdf", "application/pdf", b"%PDF-1.4 G012345678"),)) == []


@pytest.mark.parametrize("subject", ["Re: Payment PY10000001 for invoice G100000001", "SV: Betalning PY10000001 faktura G100000001",
                                     "AW: Zahlung PY10000001 Rechnung G100000001", "Fwd: Payment PY10000001 for invoice G100000001"])
def test_a_reply_subject_never_makes_an_instruction(subject: str) -> None:
    """A thank-you reply keeps the old request in its subject: applying it again would be wrong."""
    assert _read("Thanks, that looks right now.", subject=subject).instructions == ()


def test_a_fresh_subject_fills_in_what_the_body_lacks() -> None:
    request = _read("Please apply this payment to invoice G100000001.", subject="Payment PY10000001")
    assert [i.payment_ids for i in request.instructions] == [("PY10000001",)]


POLITE_REQUESTS_MORE = [
    "Mohli byste prosím přiřadit platbu PY40028173 k faktuře G012345678?",
    "PY40028173 numaralı ödemeyi G012345678 numaralı faturaya atayabilir misiniz?",
    "Voisitteko kohdistaa maksun PY40028173 laskulle G012345678?",
    "能否将付款PY40028173分配到发票G012345678？",
]


@pytest.mark.parametrize("body", POLITE_REQUESTS_MORE)
def test_a_polite_question_is_a_request_in_czech_turkish_finnish_and_chinese(body: str) -> None:
    assert _pairs(body) == list(ONE)


SPLITS_IN_PROSE = [
    "Please split payment PY40028173 as follows: 6 000,00 EUR to G012345678 and 4 000,00 EUR to G012345679.",
    "Our payment PY40028173 of 10,000.00 EUR: please put 6,000.00 EUR on G012345678 and the remaining "
    "4,000.00 EUR on G012345679.",
    "Z platby PY40028173 prosím přiřaďte 6 000,00 EUR k faktuře G012345678 a 4 000,00 EUR k faktuře G012345679.",
    "PY40028173 numaralı ödemeden 6.000,00 EUR'yu G012345678 faturasına, 4.000,00 EUR'yu G012345679 faturasına "
    "mahsup ediniz.",
    "Maksusta PY40028173 kohdistakaa 6 000,00 EUR laskulle G012345678 ja 4 000,00 EUR laskulle G012345679.",
    "Bitte teilen Sie die Zahlung PY40028173 auf: 6.000,00 EUR auf G012345678 und 4.000,00 EUR auf G012345679.",
]


@pytest.mark.parametrize("body", SPLITS_IN_PROSE)
def test_a_split_written_amount_first_puts_each_amount_on_the_invoice_after_it(body: str) -> None:
    [ins] = _read(body).instructions
    lines = [(line.invoice_number, str(line.amount.value)) for line in ins.lines]
    assert lines == [("G012345678", "6000.00"), ("G012345679", "4000.00")]
    assert ins.payment_ids == ("PY40028173",)


def test_a_japanese_split_puts_the_amount_after_ni_on_that_invoice() -> None:
    [ins] = _read("お支払いPY40028173を、請求書G012345678に￥６，０００、請求書G012345679に￥４，０００を"
                  "それぞれ充当してください。").instructions
    assert [(line.invoice_number, str(line.amount.value)) for line in ins.lines] == [
        ("G012345678", "6000"), ("G012345679", "4000")]


def test_amounts_that_do_not_alternate_with_invoices_stay_the_payments_to_check() -> None:
    [ins] = _read("From payment PY40028173, 6 000,00 EUR and 4 000,00 EUR go to G012345678 and G012345679.").instructions
    assert [line.amount for line in ins.lines] == [None, None] and ins.payment_amount is not None
