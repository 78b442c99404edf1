"""The reply as the partner's mail client sees it: headers, threading, loop guards, body."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest

from bot.replies.compose import compose_reply, new_message_id
from bot.replies.render import ReplyContent

FROM = "allocations@billing.example"
OUTLOOK_ID = "<AM0PR10MB3346A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9B0@AM0PR10MB3346.EURPRD10.PROD.OUTLOOK.COM>"


def content(subject: str = "Re: Betalning PY40028173", body: str = "Betalningen är fördelad\n\nHej Åsa,\n",
            locale: str = "sv") -> ReplyContent:
    return ReplyContent(subject=subject, body=body, locale=locale)


def compose(reply: ReplyContent | None = None, **overrides) -> bytes:
    args = dict(to_addr="asa@kund.example", to_name="Åsa Öberg", from_addr=FROM, from_name="Fakturering Kund",
                in_reply_to="<orig-1@kund.example>", references=("<root@kund.example>",),
                message_id="<allocbot.42.confirmation@billing.example>", loop_header="X-Allocbot-Loop",
                date=datetime(2024, 5, 3, 9, 30, tzinfo=timezone(timedelta(hours=2))))
    args.update(overrides)
    return compose_reply(reply or content(), **args)


def parsed(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_headers_round_trip():
    msg = parsed(compose())
    assert msg["From"].addresses[0].display_name == "Fakturering Kund"
    assert msg["From"].addresses[0].addr_spec == FROM
    assert [a.addr_spec for a in msg["To"].addresses] == ["asa@kund.example"]
    assert msg["To"].addresses[0].display_name == "Åsa Öberg"
    assert msg["Subject"] == "Re: Betalning PY40028173"
    assert msg["Date"].datetime == datetime(2024, 5, 3, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert msg["Message-ID"] == "<allocbot.42.confirmation@billing.example>"
    assert msg["In-Reply-To"] == "<orig-1@kund.example>"
    assert msg["References"].split() == ["<root@kund.example>", "<orig-1@kund.example>"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Allocbot-Loop"] == FROM
    assert msg["Content-Language"] == "sv"
    assert msg["Reply-To"] is None and msg["Cc"] is None and msg["Precedence"] is None


def test_ascii_subject_stays_readable_and_non_ascii_subject_decodes():
    assert b"\r\nSubject: Re: Betalning PY40028173\r\n" in compose()
    assert parsed(compose(content(subject="Re: Betalning för G000000001")))["Subject"] == \
        "Re: Betalning för G000000001"


def test_body_is_utf8_text_and_bytes_are_smtp_ready():
    raw = compose()
    msg = parsed(raw)
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == "Betalningen är fördelad\n\nHej Åsa,\n"
    assert raw.isascii()  # quoted-printable: no relay needs 8BITMIME
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only, as an SMTP server receives it


def test_non_ascii_display_names_are_encoded():
    raw = compose(from_name="Faktureringsgruppen på Kund Öst", to_name='Åsa "AP", Öberg')
    msg = parsed(raw)
    assert msg["From"].addresses[0].display_name == "Faktureringsgruppen på Kund Öst"
    assert msg["To"].addresses[0].display_name == 'Åsa "AP", Öberg'
    assert len(msg["To"].addresses) == 1


def test_ids_without_brackets_and_raw_references_are_normalised():
    msg = parsed(compose(in_reply_to="orig-1@kund.example",
                         references=("<a@x.example>  <b@x.example>", "c@x.example", "", "<orig-1@kund.example>")))
    assert msg["In-Reply-To"] == "<orig-1@kund.example>"
    assert msg["References"].split() == ["<a@x.example>", "<b@x.example>", "<c@x.example>",
                                         "<orig-1@kund.example>"]


def test_long_outlook_message_ids_are_never_mangled():
    raw = compose(in_reply_to=OUTLOOK_ID, references=(OUTLOOK_ID.replace("AM0", "DB9"),) * 3)
    msg = parsed(raw)
    assert msg["In-Reply-To"] == OUTLOOK_ID
    assert msg["References"].split() == [OUTLOOK_ID.replace("AM0", "DB9"), OUTLOOK_ID]
    assert f"In-Reply-To: {OUTLOOK_ID}\r\n".encode() in raw  # whole, not folded into encoded-words


def test_missing_original_message_id_omits_threading_headers():
    msg = parsed(compose(in_reply_to="", references=()))
    assert msg["In-Reply-To"] is None and msg["References"] is None


def test_missing_original_message_id_keeps_the_original_chain():
    msg = parsed(compose(in_reply_to="  ", references=("<root@kund.example>",)))
    assert msg["In-Reply-To"] is None
    assert msg["References"] == "<root@kund.example>"


@pytest.mark.parametrize("subject", [
    "",
    "Ärende: " + "väldigt långt ämne " * 60,
    "x" * 1200,
    "line one\r\nInjected: header",
])
def test_odd_subjects_never_break_the_message(subject):
    raw = compose(content(subject=subject))
    msg = parsed(raw)
    assert msg["Subject"] == " ".join(subject.split())
    assert msg["Injected"] is None
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_names_with_line_breaks_are_flattened():
    msg = parsed(compose(to_name="Åsa\r\nBcc: evil@example.com", from_name=""))
    assert msg["Bcc"] is None
    assert msg["To"].addresses[0].display_name == "Åsa Bcc: evil@example.com"
    assert str(msg["From"]) == FROM


def test_naive_date_is_taken_as_utc():
    msg = parsed(compose(date=datetime(2024, 5, 3, 9, 30)))
    assert msg["Date"].datetime == datetime(2024, 5, 3, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("to_addr", ["Åsa at Kund", "", "a@b@c", "åsa@kund.example"])
def test_not_an_address_is_refused_with_value_error(to_addr):
    with pytest.raises(ValueError, match="not an e-mail address"):
        compose(to_addr=to_addr)


def test_address_in_angle_brackets_is_accepted():
    assert parsed(compose(to_addr="<asa@kund.example>"))["To"].addresses[0].addr_spec == "asa@kund.example"


def test_new_message_id_is_deterministic_and_on_our_domain():
    assert new_message_id("Allocations@Billing.Example", "allocbot.42.confirmation") == \
        "<allocbot.42.confirmation@billing.example>"
    assert new_message_id(FROM, "allocbot.42.confirmation") == new_message_id(FROM, "allocbot.42.confirmation")


def test_new_message_id_keeps_odd_tokens_valid_and_distinct():
    first = new_message_id(FROM, "allocbot.<a b@c>.confirmation")
    second = new_message_id(FROM, "allocbot.<a_b@c>.confirmation")
    assert first != second
    for msg_id in (first, second):
        assert msg_id.count("@") == 1 and msg_id.count("<") == 1 and " " not in msg_id
        assert parsed(compose(message_id=msg_id))["Message-ID"] == msg_id
    with pytest.raises(ValueError):
        new_message_id(FROM, " ")
