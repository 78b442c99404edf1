"""Vacation replies without machine headers (issue 15 item 5): a leading auto-reply subject, or a
notice in the opening lines with a return, redirect or mail-access mark and no payment or invoice
of its own; requests that mention an absence stay requests."""
from __future__ import annotations

import pytest

from bot.model import Reason
from tests.unit.intake.test_classify import encoded, mail, reason, verdict

QUOTED = "\n\n> Please allocate payment PY40028173 to invoice G012345678."

SUBJECTS = [
    "Auto: Payment allocation", "Absente du bureau : Affectation", "Absent du bureau : x",
    "Réponse automatique d'absence du bureau : x", "Congés : x", "Vacation: back on 16 Nov", "Urlaub: x",
    "Semester: x", "Ferie: x", "Vakantie: x", "Vacaciones: x", "Férias: x", "Urlop: x", "Dovolená: x",
    "Lomalla: x", "Tatildeyim: x", "休暇: x", "休假：x", "Fraværsmelding: x", "Afwezigheidsbericht: x",
    "Nepřítomnost: x", "Poissaoloilmoitus: x", "Ofis dışında: x",
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_more_vacation_subjects(subject: str) -> None:
    assert reason(mail({"Subject": encoded(subject)}, "x")) == Reason.AUTO_REPLY


# The notices' opening lines in the languages the bot reads, as clients and people write them.
OPENINGS = [
    "Thank you for your email. I am out of the office until 16 November.",
    "I'm currently on annual leave and will return on 16 November.",
    "I am away from the office with limited access to email.",
    "This is an automatic reply. I will respond when I return.",
    "I will be out of the office until Monday 16 November.",
    "Tack för ditt mail. Jag är på semester till och med 16 november.",
    "Jeg er på ferie og er tilbage den 16. november.",
    "Jeg er ikke på kontoret før 16. november, og er tilbake da.",
    "Vielen Dank für Ihre Nachricht. Ich bin bis zum 16.11. nicht im Büro.",
    "Ich befinde mich bis 16.11. im Urlaub.",
    "Je suis absent(e) du bureau jusqu'au 16 novembre.",
    "Je suis actuellement en congés, de retour le 16 novembre.",
    "Estoy fuera de la oficina hasta el 16 de noviembre.",
    "Sono fuori ufficio fino al 16 novembre.",
    "Estou de férias até o dia 16 de novembro.",
    "Ik ben afwezig tot en met 16 november.",
    "Jestem na urlopie do 16 listopada.",
    "Jsem mimo kancelář do 16. listopadu, v naléhavých případech volejte kolegu.",
    "16 Kasım'a kadar izindeyim.",
    "Olen lomalla 16.11. asti.",
    "11月16日まで休暇中です。急ぎの場合は経理までご連絡ください。",
    "我正在休假，11月16日返回。",
]


@pytest.mark.parametrize("opening", OPENINGS)
def test_a_notice_in_the_opening_lines_quoting_a_request(opening: str) -> None:
    found = verdict(mail({"Subject": "Re: Payment allocation"}, f"Hello,\n{opening}{QUOTED}"))
    assert found is not None and found.reason is Reason.AUTO_REPLY
    assert found.evidence.startswith("out-of-office text '")


PERSON_MAIL = {
    "future absence, ids": "I will be out of office next week, so please apply PY40028173 to G012345678 now.",
    "future absence, no return":
        "I will be out of office next week, so please apply the October payment now.",
    "present absence, ids": "I am out of the office until Monday, but please apply PY40028173 to G012345678.",
    "present absence, no notice mark":
        "I'm out of the office today; please apply the payment to the March invoice.",
    "absence past the opening lines":
        "Please apply PY40028173 to G012345678.\nThanks.\nAnn\nI am on leave until 16 Nov.",
    "German, ids":
        "Ich bin bis Freitag nicht im Büro, bitte ordnen Sie PY40028173 der Rechnung G012345678 zu.",
    "French, invoice number": "Je suis absente jusqu'au 16, merci d'affecter le paiement à la facture 4711.",
    "absence in the quote only":
        "Please apply PY40028173 to G012345678.\n\n> I am out of the office until Monday.",
}


@pytest.mark.parametrize("body", PERSON_MAIL.values(), ids=PERSON_MAIL.keys())
def test_requests_that_mention_an_absence_are_requests(body: str) -> None:
    assert verdict(mail({"Subject": "Payment allocation"}, body)) is None
