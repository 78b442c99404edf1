"""Machine mail is recognised (promise 4: never answered); mail a person wrote is left alone."""
from __future__ import annotations

import email
import email.policy
import json
import os
import random
from email.header import Header
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.intake.classify import MachineMail, classify
from bot.model import Reason

OWN = frozenset({"allocations@billing.example"})
LOOP_HEADER = "X-Allocbot-Loop"
CORPUS = Path(__file__).parents[3].parent / "shared" / "corpus"

BASE_HEADERS = {
    "From": "Anna Berg <anna@partner.example>",
    "To": "Billing allocations <allocations@billing.example>",
    "Subject": "Please allocate our payment",
    "Date": "Mon, 02 Nov 2026 10:28:00 +0000",
    "Message-ID": "<1@partner.example>",
}


def parse(raw: bytes) -> EmailMessage:
    """Parse exactly as the bot does."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def mail(headers: dict[str, str | None] | None = None, body: str = "PY40028173 is for G012345678.",
         content_type: str = 'text/plain; charset="utf-8"') -> EmailMessage:
    """A delivered message: the base headers of a partner's request, overridden (None removes)."""
    merged = {**BASE_HEADERS, **(headers or {})}
    lines = [f"{name}: {value}" for name, value in merged.items() if value is not None]
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}", "", body]
    return parse("\r\n".join(lines).encode("utf-8"))


def multipart(subtype: str, parts: list[tuple[str, str]], headers: dict[str, str | None] | None = None,
              params: str = "", boundary: str = "XX") -> EmailMessage:
    """A multipart message from (content type, body) pairs."""
    body = "".join(f"--{boundary}\r\nContent-Type: {ctype}\r\n\r\n{text}\r\n" for ctype, text in parts)
    return mail(headers, body + f"--{boundary}--\r\n", f'multipart/{subtype}; boundary="{boundary}"{params}')


def dsn(headers: dict[str, str | None] | None = None, report_type: str = "delivery-status") -> EmailMessage:
    """A standard delivery status notification (RFC 3464)."""
    return multipart("report", [
        ("text/plain", "Your message could not be delivered to <old@partner.example>: 550 5.1.1"),
        ("message/delivery-status", "Reporting-MTA: dns; mx.partner.example\r\n\r\n"
                                    "Final-Recipient: rfc822; old@partner.example\r\nAction: failed\r\nStatus: 5.1.1"),
        ("message/rfc822", "From: allocations@billing.example\r\nSubject: Payment allocation confirmed\r\n\r\nDone."),
    ], {"From": "Mail Delivery System <MAILER-DAEMON@mx.partner.example>",
        "Subject": "Undelivered Mail Returned to Sender", **(headers or {})}, f'; report-type="{report_type}"', "DSN")


def encoded(text: str, charset: str = "utf-8") -> str:
    """An RFC 2047 encoded header value, as non-English mail clients send subjects."""
    return Header(text, charset).encode()


def verdict(msg: EmailMessage) -> MachineMail | None:
    return classify(msg, own_addresses=OWN, loop_header=LOOP_HEADER)


def reason(msg: EmailMessage) -> Reason | None:
    found = verdict(msg)
    return found.reason if found else None


# ---- mail a person wrote ------------------------------------------------------------------

PERSON_MAIL = {
    "plain request": mail(),
    "reply to our confirmation": mail({"Subject": "Re: Payment allocation confirmed"}),
    "reply to an out-of-office": mail({"Subject": "Re: Automatic reply: Please allocate our payment"}),
    "German reply to an out-of-office": mail({"Subject": "AW: Automatische Antwort: Zahlung"}),
    "forward of a bounce": mail({"Subject": "Fwd: Undeliverable: Payment allocation confirmed"}),
    "subject starting with Absence, no colon": mail({"Subject": "Absence of remittance for PY40028173"}),
    "subject starting with Undeliverable, no colon": mail({"Subject": "Undeliverable invoice address"}),
    "subject about an out-of-office period": mail({"Subject": "Out of office next week, please apply G012345678"}),
    "Outlook X-Auto-Response-Suppress": mail({"X-Auto-Response-Suppress": "DR, RN, NRN, OOF, AutoReply"}),
    "Auto-Submitted: no": mail({"Auto-Submitted": "no"}),
    "X-Autoreply: no": mail({"X-Autoreply": "no"}),
    "Feedback-ID from a relay": mail({"Feedback-ID": "1:2:ses", "X-Campaign": "transactional"}),
    "noreply sender": mail({"From": "noreply@erp.partner.example", "Subject": "Remittance advice"}),
    "Exchange inbox rule forward": mail({"X-MS-Exchange-Inbox-Rules-Loop": "anna@partner.example"}),
    "Precedence first-class": mail({"Precedence": "first-class"}),
    "person named Bounce in To": mail({"To": "sara.bounce@partner.example, allocations@billing.example"}),
    "Return-Path of a person": mail({"Return-Path": "<anna@partner.example>"}),
    "own address only in To": mail({"Cc": "allocations@billing.example"}),
    "forwarded bounce as attachment": multipart("mixed", [
        ("text/plain", "Your confirmation bounced, see attached. Please resend to anna@partner.example."),
        ("message/rfc822", dsn().as_string()),
    ]),
    "no headers at all": parse(b"\r\nJust a body"),
    "postmaster in the body only": mail(body="Ask postmaster@partner.example, Mailer-Daemon said no."),
}


@pytest.mark.parametrize("msg", PERSON_MAIL.values(), ids=PERSON_MAIL.keys())
def test_mail_a_person_wrote_is_not_machine_mail(msg: EmailMessage) -> None:
    assert verdict(msg) is None


# ---- machine mail by header and structure --------------------------------------------------

MACHINE_MAIL = {
    "loop header": (mail({LOOP_HEADER: "1"}), Reason.LOOP),
    "loop header, other case": (mail({LOOP_HEADER.upper(): "yes"}), Reason.LOOP),
    "own From": (mail({"From": "Billing allocations <allocations@billing.example>"}), Reason.LOOP),
    "own From, mixed case": (mail({"From": "Allocations@Billing.Example"}), Reason.LOOP),
    "DSN": (dsn(), Reason.BOUNCE),
    "DSN with neutral sender and subject": (dsn({"From": "ops@mx.example", "Subject": "Notice"}), Reason.BOUNCE),
    "read receipt (MDN)": (dsn({"From": "anna@partner.example", "Subject": "Read: Payment"},
                               "disposition-notification"), Reason.BOUNCE),
    "delivery-status part in multipart/mixed": (multipart("mixed", [
        ("text/plain", "failed"), ("message/delivery-status", "Action: failed")]), Reason.BOUNCE),
    "MAILER-DAEMON sender": (mail({"From": "MAILER-DAEMON@mx.partner.example", "Subject": "Notice"}), Reason.BOUNCE),
    "postmaster sender": (mail({"From": "postmaster@outlook.com", "Subject": "Notice"}), Reason.BOUNCE),
    "Mail Delivery Subsystem name": (mail({"From": "Mail Delivery Subsystem <mds@google.example>"}), Reason.BOUNCE),
    "Exchange NDR sender": (mail({"From": "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"
                                          "@partner.example>"}), Reason.BOUNCE),
    "X-Failed-Recipients": (mail({"X-Failed-Recipients": "old@partner.example"}), Reason.BOUNCE),
    "VERP recipient": (mail({"To": "allocations+verp-b542fb5a9bacda6d@billing.example"}), Reason.BOUNCE),
    "VERP bounces+ recipient": (mail({"Delivered-To": "bounces+anna=partner.example@billing.example"}),
                                Reason.BOUNCE),
    "empty Return-Path": (mail({"Return-Path": "<>"}), Reason.BOUNCE),
    "Auto-Submitted: auto-replied": (mail({"Auto-Submitted": "auto-replied"}), Reason.AUTO_REPLY),
    "Auto-Submitted: auto-generated": (mail({"Auto-Submitted": "auto-generated"}), Reason.AUTO_REPLY),
    "Auto-Submitted with parameters": (mail({"Auto-Submitted": "Auto-Replied; owner-email=a@b.example"}),
                                       Reason.AUTO_REPLY),
    "X-Autoreply": (mail({"X-Autoreply": "yes"}), Reason.AUTO_REPLY),
    "X-Autorespond": (mail({"X-Autorespond": "Out of office"}), Reason.AUTO_REPLY),
    "Precedence: auto_reply": (mail({"Precedence": "auto_reply"}), Reason.AUTO_REPLY),
    "X-Precedence: auto_reply": (mail({"X-Precedence": "auto_reply"}), Reason.AUTO_REPLY),
    "List-Id": (mail({"List-Id": "<news.example.net>"}), Reason.LIST_MAIL),
    "List-Unsubscribe": (mail({"List-Unsubscribe": "<mailto:u@example.net>"}), Reason.LIST_MAIL),
    "List-Post": (mail({"List-Post": "<mailto:list@example.net>"}), Reason.LIST_MAIL),
    "X-Mailman-Version": (mail({"X-Mailman-Version": "2.1.39"}), Reason.LIST_MAIL),
    "Google Groups Mailing-list": (mail({"Mailing-list": "list support@groups.example"}), Reason.LIST_MAIL),
    "Precedence: bulk": (mail({"Precedence": "bulk"}), Reason.LIST_MAIL),
    "Precedence: list": (mail({"Precedence": "list"}), Reason.LIST_MAIL),
    "Precedence: junk": (mail({"Precedence": "junk"}), Reason.LIST_MAIL),
}


@pytest.mark.parametrize(("msg", "expected"), MACHINE_MAIL.values(), ids=MACHINE_MAIL.keys())
def test_machine_mail_is_recognised(msg: EmailMessage, expected: Reason) -> None:
    assert reason(msg) == expected


# ---- subjects --------------------------------------------------------------------------------

OUT_OF_OFFICE_SUBJECTS = [
    "Automatic reply: Please allocate our payment", "AUTOMATIC REPLY: x", "Auto reply: x", "Auto-Reply: x",
    "AutoReply: x", "Autoreply: x", "Auto Response: x", "Out of Office: x", "Out of Office AutoReply: x",
    "Out of the office: x", "Out of Office", "OOO: x", "Autosvar: Fördela vår betalning", "Frånvaro: x",
    "Abwesenheitsnotiz: x", "Automatische Antwort: Bitte Zahlung zuordnen", "Abwesend: x",
    "Réponse automatique : Affectation d'un paiement", "Reponse automatique: x", "Absent : Merci",
    "Absence : x", "Respuesta automática: x", "Fuera de la oficina: x", "Risposta automatica: x",
    "Fuori sede: x", "Resposta automática: x", "Ausente: x", "Automatisch antwoord: x", "Afwezig: x",
    "Automatisk svar: x", "Fraværende: x", "Odpowiedź automatyczna: x", "Poza biurem: x",
    "Automatická odpověď: x", "Automaattinen vastaus: x", "Otomatik yanıt: x", "Автоматический ответ: x",
    "Αυτόματη απάντηση: x", "自動応答: お支払いの件", "自動返信: x", "【自動返信】お支払いの件", "不在: x",
    "自动回复: x", "자동 응답: x", "[EXT] Automatic reply: x", "[EXTERNAL] [SPAM] Out of Office: x",
    "[Auto-Reply] x", "Automatic reply：x",
]


@pytest.mark.parametrize("subject", OUT_OF_OFFICE_SUBJECTS)
def test_out_of_office_subjects_alone_mark_an_auto_reply(subject: str) -> None:
    assert reason(mail({"Subject": encoded(subject)})) == Reason.AUTO_REPLY


def test_japanese_subject_in_iso_2022_jp_is_decoded() -> None:
    assert reason(mail({"Subject": encoded("自動応答: お支払いの件", "iso-2022-jp")})) == Reason.AUTO_REPLY


BOUNCE_SUBJECTS = [
    "Undeliverable: Payment allocation confirmed", "Undelivered Mail Returned to Sender",
    "Delivery Status Notification (Failure)", "Delivery Status Notification (Delay)",
    "Mail delivery failed: returning message to sender", "Returned mail: see transcript for details",
    "failure notice", "Delivery Notification: Delivery has failed", "Message not delivered",
    "Unzustellbar: Zahlung", "Non remis : Paiement", "Olevererbart: Betalning", "Onbestelbaar: Betaling",
    "No entregado: Pago", "Non recapitabile: Pagamento", "Kan ikke leveres: Betaling",
    "Niedostarczalne: Płatność", "配信不能: お支払い", "无法投递: 付款", "[EXT] Undeliverable: x",
]


@pytest.mark.parametrize("subject", BOUNCE_SUBJECTS)
def test_bounce_subjects_alone_mark_a_bounce(subject: str) -> None:
    assert reason(mail({"Subject": encoded(subject)})) == Reason.BOUNCE


# ---- precedence and evidence -----------------------------------------------------------------

def test_loop_wins_over_every_other_signal() -> None:
    both = dsn({"From": "allocations@billing.example", "Auto-Submitted": "auto-replied", "List-Id": "<l.example>"})
    assert reason(both) == Reason.LOOP


def test_bounce_wins_over_auto_submitted() -> None:
    assert reason(dsn({"Auto-Submitted": "auto-replied"})) == Reason.BOUNCE


def test_auto_reply_wins_over_list_headers() -> None:
    assert reason(mail({"Auto-Submitted": "auto-replied", "Precedence": "bulk", "List-Id": "<l>"})) == Reason.AUTO_REPLY


def test_an_auto_reply_with_an_empty_return_path_is_still_an_auto_reply() -> None:
    """RFC 3834 asks auto-responders for Return-Path <> too; the named kind is the better reason."""
    assert reason(mail({"Return-Path": "<>", "Auto-Submitted": "auto-replied"})) == Reason.AUTO_REPLY


@pytest.mark.parametrize(("msg", "evidence"), [
    (mail({"Auto-Submitted": "auto-replied"}), "Auto-Submitted: auto-replied"),
    (mail({LOOP_HEADER: "1"}), f"{LOOP_HEADER}: 1"),
    (mail({"From": "allocations@billing.example"}), "From: allocations@billing.example"),
    (dsn(), "Content-Type: multipart/report; report-type=delivery-status"),
    (mail({"Subject": encoded("Autosvar: Fördela")}), "Subject: Autosvar: Fördela"),
    (mail({"List-Id": "<news.example.net>"}), "List-Id: <news.example.net>"),
    (mail({"Precedence": "bulk"}), "Precedence: bulk"),
])
def test_evidence_names_the_signal(msg: EmailMessage, evidence: str) -> None:
    found = verdict(msg)
    assert found is not None and found.evidence == evidence


def test_own_addresses_are_compared_case_insensitively() -> None:
    msg = mail({"From": "allocations@billing.example"})
    assert classify(msg, own_addresses=frozenset({"Allocations@Billing.Example"}), loop_header="") is not None


# ---- never raises ---------------------------------------------------------------------------

GARBAGE = [
    b"", b"\x00\xff\xfe" * 50, b"From:\r\n\r\n", b":::\r\n\r\n", b"\xff\xfe: \xff\r\n\r\n\xff",
    b"From: \"\\\r\nTo: <<<@@>>>\r\nSubject: =?utf-8?b?!!!?=\r\n\r\n",
    b"From: =?unknown-8bit?q?=FF?= <a@\xff.example>\r\nSubject: =?x-bogus?q?a?=\r\n\r\n",
    b"Content-Type: multipart/report; boundary=\r\n\r\n--\r\n",
    b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n",
    b"Subject: Automatic reply: \xe4\xf6\xfc\r\nAuto-Submitted: \xff\r\nPrecedence:\r\nList-Id:\r\n\r\nbody",
    b"From: a@b, , ,;;; <>\r\nReturn-Path: <\r\nTo: @\r\nDelivered-To: bounces+\r\n\r\n",
    b"Content-Type: text/plain; charset=\"nonexistent-charset\"\r\nMessage-ID: <<<\r\n\r\n\xff",
    b"\r\n".join([b"X-H%d: v" % i for i in range(5000)]) + b"\r\n\r\n",
]


@pytest.mark.parametrize("raw", GARBAGE, ids=range(len(GARBAGE)))
def test_broken_input_never_raises(raw: bytes) -> None:
    result = verdict(parse(raw))
    assert result is None or isinstance(result, MachineMail)


def test_mutated_messages_never_raise() -> None:
    rng = random.Random(20261102)
    seeds = [dsn().as_bytes(), mail({"Subject": encoded("Autosvar: Fördela")}).as_bytes(), mail().as_bytes()]
    for _ in range(600):
        raw = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        verdict(parse(bytes(raw)))


class _Exploding(EmailMessage):
    """A message whose every accessor raises, like headers that fail under policy.default."""

    def raw_items(self):  # type: ignore[override]
        raise ValueError("broken header")

    def get_payload(self, *args, **kwargs):  # type: ignore[override]
        raise ValueError("broken body")


def test_a_message_whose_accessors_raise_gives_none() -> None:
    assert verdict(_Exploding()) is None


def test_deep_and_wide_multiparts_are_walked_without_recursion() -> None:
    """500 levels: the stdlib parser itself recurses past about 1000, before classify runs."""
    deep = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(500))
    wide = multipart("mixed", [("message/delivery-status", "Action: failed")] + [("text/plain", "x")] * 5000)
    assert verdict(parse(deep)) is None
    assert reason(wide) == Reason.BOUNCE


# ---- the shared corpora ---------------------------------------------------------------------

def _corpus_cases() -> list[tuple[str, Path, bool]]:
    cases = []
    for name in ("sample", "external"):
        folder = CORPUS / name
        for line in (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                cases.append((f"{name}/{row['file']}", folder / "mail" / row["file"], row["expect"] == "ignored"))
    return cases


def test_corpus_machine_mail_is_recognised_and_human_mail_is_not() -> None:
    if not (CORPUS / "sample" / "expected.jsonl").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing at {CORPUS}")
        pytest.skip(f"corpus not present at {CORPUS}")
    wrong = []
    for label, path, is_machine in _corpus_cases():
        found = verdict(parse(path.read_bytes()))
        if (found is not None) != is_machine:
            wrong.append(f"{label}: expected {'machine' if is_machine else 'person'}, got {found}")
    assert not wrong, "\n".join(wrong)
