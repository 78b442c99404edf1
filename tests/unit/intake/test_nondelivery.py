"""Bounces and list posts without machine headers (issue 15 item 6): told by an MTA's fixed
non-delivery text in the opening lines, a bounce subject, or a list manager's resending address;
never a forward of a bounce, nor a relay's bounces+ Return-Path on one-to-one mail."""
from __future__ import annotations

import pytest

from bot.model import Reason
from tests.unit.intake.test_classify import encoded, mail, reason, verdict

OPENINGS = [
    "This is the mail system at host mx.partner.example.",
    "This message was created automatically by mail delivery software.",
    "A message that you sent could not be delivered to one or more of its recipients.",
    "Delivery has failed to these recipients or groups:",
    "Your message to ann@partner.example couldn't be delivered.",
    "** Address not found **", "** Message not delivered **",
    "Hi. This is the qmail-send program at mx.partner.example.",
    "The original message was received at Wed, 25 Nov 2026 09:14:58 GMT",
    "   ----- Transcript of session follows -----",
    "Sorry, we were unable to deliver your message to the following address.",
    "Die Zustellung an folgende Empfänger oder Gruppen ist fehlgeschlagen:",
    "La remise à ces destinataires ou groupes a échoué :",
    "Error en la entrega a estos destinatarios o grupos:",
    "Recapito non riuscito a questi destinatari o gruppi:",
    "Falha na entrega para estes destinatários ou grupos:",
    "Bezorging aan deze geadresseerden of groepen is mislukt:",
    "Leveransen till de här mottagarna eller grupperna misslyckades:",
    "Levering til disse modtagere eller grupper mislykkedes:",
    "Levering til disse mottakerne eller gruppene mislyktes:",
    "Dostarczenie do tych adresatów lub grup nie powiodło się:",
    "Doručení těmto příjemcům nebo skupinám se nezdařilo:",
    "Bu alıcılara veya gruplara teslim başarısız oldu:",
    "Toimitus näille vastaanottajille tai ryhmille epäonnistui:",
    "次の受信者またはグループへの配信に失敗しました:", "** アドレスが見つかりません **", "无法传递到以下收件人或组:",
    "** Adresse nicht gefunden **", "** Adresse introuvable **", "** Adressen hittades inte **",
]


@pytest.mark.parametrize("opening", OPENINGS)
def test_non_delivery_texts_in_the_opening(opening: str) -> None:
    body = f"{opening}\n\n    ann.old@partner.example\n    550 5.1.1 User unknown\n"
    found = verdict(mail({"Subject": "Re: Payment allocation confirmed", "From": "no-reply@partner.example"},
                         body))
    assert found is not None and found.reason is Reason.BOUNCE
    assert found.evidence.startswith("non-delivery text")


@pytest.mark.parametrize("subject", ["【メール配信エラー】お支払いの件", "メール配信失敗: x", "宛先不明: x", "退信: x",
                                     "系统退信: x", "Message delivery failure", "Mail could not be delivered",
                                     "Teslim edilemedi: x", "Nedoručitelné: x", "Ei voitu toimittaa: x"])
def test_more_bounce_subjects(subject: str) -> None:
    assert reason(mail({"Subject": encoded(subject)}, "x")) == Reason.BOUNCE


def test_an_exchange_ndr_header_and_a_returned_header_part() -> None:
    assert reason(mail({"X-MS-Exchange-Message-Is-Ndr": ""})) == Reason.BOUNCE
    from tests.unit.intake.test_classify import multipart
    returned = multipart("mixed", [("text/plain", "Undelivered."), ("text/rfc822-headers", "Subject: x")])
    assert verdict(returned).evidence == "MIME part text/rfc822-headers"


LIST_MAIL = {
    "Sender owner-": ({"Sender": "owner-partners@lists.example"}, "Sender: owner-partners@lists.example"),
    "Sender -owner": ({"Sender": "partners-owner@lists.example"}, "Sender: partners-owner@lists.example"),
    "Sender -bounces": ({"Sender": "partners-bounces@lists.example"},
                        "Sender: partners-bounces@lists.example"),
    "Return-Path owner-": ({"Return-Path": "<owner-partners@lists.example>"},
                           "Return-Path: owner-partners@lists.example"),
    "Return-Path -request": ({"Return-Path": "<partners-request@lists.example>"},
                             "Return-Path: partners-request@lists.example"),
    "Return-Path ezmlm -return-": ({"Return-Path": "<partners-return-42-ann=partner.example@lists.example>"},
                                   "Return-Path: partners-return-42-ann=partner.example@lists.example"),
    "ezmlm Delivered-To": ({"Delivered-To": "mailing list partners@lists.example"},
                           "Delivered-To: mailing list partners@lists.example"),
    "fml X-ML-Name": ({"X-ML-Name": "partners"}, "X-Ml-Name: partners"),
    "Google Groups id": ({"X-Google-Group-Id": "123456"}, "X-Google-Group-Id: 123456"),
}


@pytest.mark.parametrize(("headers", "evidence"), LIST_MAIL.values(), ids=LIST_MAIL.keys())
def test_list_posts_told_by_their_addresses(headers: dict[str, str], evidence: str) -> None:
    found = verdict(mail(headers))
    assert found is not None and (found.reason, found.evidence) == (Reason.LIST_MAIL, evidence)


PERSON_MAIL = {
    "relay Return-Path bounces+":
        mail({"Return-Path": "<bounces+4711-ab=billing.example@em.partner.example>"}),
    "relay Return-Path bounce-": mail({"Return-Path": "<bounce-mc.us1_4711@mail.partner.example>"}),
    "Sender of a person": mail({"Sender": "Eva Assistant <eva@partner.example>"}),
    "shared mailbox named -request": mail({"Sender": "payment-request@partner.example"}),
    "forward of a bounce inline": mail({"Subject": "Fwd: Payment allocation confirmed"},
                                       "Please apply PY40028173 to G012345678.\n\n"
                                       "---------- Forwarded message ---------\n"
                                       "Delivery has failed to these recipients or groups:"),
    "NDR text only quoted": mail({"Subject": "Re: Payment"}, "Apply PY40028173 to G012345678.\n\n"
                                 "> This is the mail system at host mx.partner.example."),
    "a request mentioning a failed delivery": mail(body="Your mail could not be delivered to my old address; "
                                                        "please apply PY40028173 to G012345678."),
}


@pytest.mark.parametrize("msg", PERSON_MAIL.values(), ids=PERSON_MAIL.keys())
def test_person_mail_that_looks_like_a_bounce_or_a_list(msg) -> None:
    assert verdict(msg) is None
