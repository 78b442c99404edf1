"""mime.py and charsets.py: any bytes become a Mail, and mislabelled text is still read."""
from __future__ import annotations

import random

import pytest

from bot.reading.mime import decode_text, html_to_text, read_mail, unflow
from bot.reading.parsing import parse_bytes
from bot.reading.read import read_message

TEXTS = [
    ("Hej, lägg betalningen på fakturan, tack! Mvh Åsa", "cp1252"),
    ("Vänligen koppla vår betalning på 1 234,56 kr till faktura G023559800. Hälsningar Jörgen Öberg", "cp1252"),
    ("Bitte ordnen Sie die Zahlung über 4.321,00 € der Rechnung G099001122 zu. Grüße Jörg Müller", "cp1252"),
    ("Merci d'affecter le règlement de 2 450,00 € à la facture G031415926. Cordialement, Hélène", "cp1252"),
    ("Seña: año, niño, corazón – ¿qué tal? ¡Hola!", "cp1252"),
    ("Obrigado pela atenção, a fatura está paga. São Paulo", "cp1252"),
    ("Tak for hjælpen, beløbet på fakturaen. Søren Ærø", "cp1252"),
    ("Prosimy o przypisanie wpłaty 1 234,56 zł do faktury G089012345. Z poważaniem, Łukasz Żółć", "cp1250"),
    ("Dziękujemy, płatność ok", "cp1250"),
    ("2026年10月2日に123,456円を送金いたしました。請求書G090123456への充当をお願いいたします。", "shift_jis"),
    ("2026年10月2日に123,456円を送金いたしました。請求書G090123456への充当をお願いいたします。", "euc-jp"),
    ("2026年10月2日に123,456円を送金いたしました。請求書G090123456への充当をお願いいたします。", "iso-2022-jp"),
]


@pytest.mark.parametrize(("text", "encoding"), TEXTS, ids=[f"{e}:{t[:12]}" for t, e in TEXTS])
@pytest.mark.parametrize("declared", [None, "utf-8", "x-unknown-charset", "us-ascii"])
def test_mislabelled_or_unlabelled_text_is_read(text: str, encoding: str, declared: str | None) -> None:
    assert decode_text(text.encode(encoding), declared) == text


@pytest.mark.parametrize("declared", ["utf-8", "UTF8", "iso-8859-1", "windows-1252", "latin1", None])
def test_utf8_wins_over_a_single_byte_label(declared: str | None) -> None:
    text = "Vänligen koppla vår betalning – 1 234,56 €"
    assert decode_text(text.encode("utf-8"), declared) == text


@pytest.mark.parametrize(("text", "declared"), [("ÅÄÖ åäö", "iso-8859-1"), ("Grüße", "iso-8859-15"), ("Żółć", "iso-8859-2"), ("コード", "shift_jis")])
def test_a_correct_label_is_trusted(text: str, declared: str) -> None:
    assert decode_text(text.encode(declared), declared) == text


def test_decoding_never_raises() -> None:
    rng = random.Random(7)
    for _ in range(50):
        assert isinstance(decode_text(bytes(rng.randrange(256) for _ in range(300)), rng.choice([None, "utf-8", "bogus", "ascii"])), str)


UNFLOW = [
    ("one \ntwo", False, "one two"),
    ("one \ntwo \nthree\nfour", False, "one two three\nfour"),
    ("Ver \nbindung", True, "Verbindung"),
    ("-- \nsignature", False, "-- \nsignature"),  # the signature separator is not a soft break
    (" >not a quote", False, ">not a quote"),  # space-stuffing removed
    ("5 000,00 \nEUR", False, "5 000,00 EUR"),
    ("hard\r\nbreak", False, "hard\nbreak"),
    ("last \n", False, "last "),
]


@pytest.mark.parametrize(("text", "delsp", "expected"), UNFLOW)
def test_unflow(text: str, delsp: bool, expected: str) -> None:
    assert unflow(text, delsp=delsp) == expected


BROKEN = {
    "empty": b"",
    "garbage": bytes(range(256)) * 4,
    "no_headers": b"Please apply PY40028173 to G012345678\n",
    "unknown_charset": b"Subject: x\nContent-Type: text/plain; charset=x-klingon\n\nPlease apply PY40028173 \xe9\n",
    "bad_base64": b"Subject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n!!!not base64@@@\n",
    "bad_quoted_printable": b"Subject: x\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=E9=\n",
    "unknown_transfer_encoding": b"Content-Type: text/plain\nContent-Transfer-Encoding: x-weird\n\nhi\n",
    "bad_date": b"Date: yesterday-ish\nSubject: x\n\nhi\n",
    "absurd_date": b"Date: Mon, 99 Foo 20260 99:99:99 +9999\nSubject: x\n\nhi\n",
    "bad_from": b'From: <<<@@@>>>, "unterminated\nSubject: =?utf-8?q?broken\n\nhi\n',
    "bad_encoded_words": b"Subject: =?unknown-8bit?b?////?=\nFrom: =?utf-8?b?%%%?= <a@b>\n\nhi",
    "missing_boundary": b'Content-Type: multipart/mixed; boundary="abc"\n\nno parts here\n',
    "no_boundary_param": b"Content-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nhi\n--x--\n",
    "deeply_nested": b"Content-Type: multipart/mixed; boundary=a\n\n" + b"--a\nContent-Type: multipart/mixed; boundary=a\n\n" * 300,
    "null_bytes": b"Subject: \x00\x00\nContent-Type: text/plain\n\n\x00\x00 PY40028173\n",
    "broken_html": b"Content-Type: text/html\n\n<html><body><table><tr><td>G012345678<td>1.500,00</table><<<>>\n",
    "duplicate_params": b'Content-Type: text/plain; charset="utf-8"; charset="latin1"; format=flowed; delsp=\n\nhi \nthere\n',
    "rfc2231_charset": b"Content-Type: text/plain; charset*=us-ascii'en'utf-8\n\nhi\n",
    "attachment_without_payload": b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename="a.csv"\nContent-Transfer-Encoding: base64\n\n--b--\n',
    "huge_line": b"Subject: x\n\n" + b"9" * 3_000_000 + b"\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_mail_never_raises(name: str) -> None:
    msg = parse_bytes(BROKEN[name])
    mail = read_mail(msg)
    assert isinstance(mail.body, str) and isinstance(mail.subject, str)
    _, request = read_message(msg, invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    assert isinstance(request.instructions, tuple)


def test_random_bytes_never_raise() -> None:
    rng = random.Random(11)
    for _ in range(40):
        msg = parse_bytes(bytes(rng.randrange(256) for _ in range(1500)))
        read_message(msg, invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")


def test_missing_headers_are_empty_not_errors() -> None:
    mail = read_mail(parse_bytes(b"just a body\n"))
    assert (mail.message_id, mail.subject, mail.from_header, mail.date, mail.references) == ("", "", "", None, ())
    assert mail.body == "just a body\n"


def _multipart(*parts: str) -> bytes:
    body = "".join(f"--b\n{p}\n" for p in parts)
    return f'Subject: s\nContent-Type: multipart/mixed; boundary="b"\n\n{body}--b--\n'.encode()


def test_first_plain_text_wins_and_attachments_are_collected() -> None:
    raw = _multipart(
        "Content-Type: text/plain; charset=utf-8\n\nthe body",
        "Content-Type: text/html\n\n<p>html copy</p>",
        'Content-Type: text/csv; name="r.csv"\nContent-Disposition: attachment; filename="r.csv"\n\nG1;1,00',
    )
    mail = read_mail(parse_bytes(raw))
    assert mail.body == "the body"
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [("r.csv", "text/csv", b"G1;1,00")]


def test_html_when_there_is_no_plain_text() -> None:
    raw = b"Content-Type: text/html; charset=utf-8\n\n<table><tr><td>G012345678</td><td>1.500,00</td></tr></table>"
    assert read_mail(parse_bytes(raw)).body.split() == ["G012345678", "1.500,00"]


def test_an_attached_message_is_not_read() -> None:
    inner = "Subject: old\nContent-Type: text/plain\n\nPlease apply PY22222222 to G022222222\n"
    raw = _multipart("Content-Type: message/rfc822\nContent-Disposition: attachment\n\n" + inner)
    mail = read_mail(parse_bytes(raw))
    assert "PY22222222" not in mail.body
    assert [a.content_type for a in mail.attachments] == ["message/rfc822"]


def test_format_flowed_is_joined() -> None:
    raw = b"Content-Type: text/plain; charset=utf-8; format=flowed\n\nPlease apply PY40028173 to G 012 \n345 678.\n"
    assert read_mail(parse_bytes(raw)).body == "Please apply PY40028173 to G 012 345 678.\n"


@pytest.mark.parametrize(
    "html",
    [
        '<p>Apply PY1.</p><div class="gmail_quote"><div class="gmail_attr">On … wrote:</div><blockquote class="gmail_quote">old PY2</blockquote></div>',
        '<p>Apply PY1.</p><div class="moz-cite-prefix">Le …, a écrit :</div><blockquote type="cite">old PY2</blockquote>',
        '<p>Apply PY1.</p><blockquote type="cite">old PY2</blockquote>',
        '<p>Apply PY1.</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> x</div>old PY2',
        '<p>Apply PY1.</p><div class="yahoo_quoted">old PY2</div>',
    ],
)
def test_html_quotes_are_cut(html: str) -> None:
    text = html_to_text(html)
    assert "PY1" in text and "PY2" not in text


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks_decide_and_vanish(encoding: str) -> None:
    text = "Fakturanummer\tBelopp\nG012121212\t1 234,56"
    assert decode_text(text.encode(encoding), None) == text
