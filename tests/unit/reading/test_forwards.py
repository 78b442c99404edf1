"""Forwarded requests (forwards.py): read as the forwarding contact's when their own text only
hands them on; never when the message is a reply, when the note says otherwise, or when the
forwarded message already went to (or came from) the allocation mailbox."""
from __future__ import annotations

import pytest

from bot.model import Request
from bot.reading.forwards import FORWARD_PREFIX
from bot.reading.mime import Mail
from bot.reading.parsing import parse_bytes
from bot.reading.read import read_message
from tests.unit.reading.remittance_files import mail

LARS = "Lars Eriksen <lars.eriksen@oresundmedia.dk>"
LISA = "Lisa Berg <lisa.berg@oresundmedia.dk>"
REQUEST = "Please allocate our payment PY79000001 to invoice G079000001."


def read(subject: str, body: str, **headers: str) -> tuple[Mail, Request]:
    raw = mail(sender=headers.pop("sender", LARS), subject=subject, body=body, **headers)
    return read_message(parse_bytes(raw), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")


def ids(request: Request) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(i.payment_ids, tuple(line.invoice_number for line in i.lines)) for i in request.instructions]


FORWARDED = [(("PY79000001",), ("G079000001",))]

# The separators mail clients write above a forwarded message, and the headers below them.
SEPARATORS = {
    "gmail_en": f"---------- Forwarded message ---------\nFrom: {LISA}\nDate: Thu, 8 Oct 2026 at 16:02\nSubject: Payment\nTo: {LARS}\n\n",
    "gmail_de": f"---------- Weitergeleitete Nachricht ---------\nVon: {LISA}\nDate: Do., 8. Okt. 2026 um 16:02 Uhr\nSubject: Zahlung\nTo: {LARS}\n\n",
    "gmail_fr": f"---------- Message transféré ---------\nDe : {LISA}\nDate: jeu. 8 oct. 2026 à 16:02\nSubject: Paiement\nTo: {LARS}\n\n",
    "gmail_es": f"---------- Mensaje reenviado ---------\nDe: {LISA}\nDate: jue, 8 oct 2026 a las 16:02\nSubject: Pago\nTo: {LARS}\n\n",
    "thunderbird": f"-------- Forwarded Message --------\nSubject: \tPayment\nDate: \tThu, 8 Oct 2026 16:02:00 +0200\nFrom: \t{LISA}\nTo: \t{LARS}\n\n",
    "apple_en": f"Begin forwarded message:\n\nFrom: {LISA}\nSubject: Payment\nDate: 8 October 2026 at 16:02:00 CEST\nTo: {LARS}\n\n",
    "apple_sv": f"Vidarebefordrat brev:\n\nFrån: {LISA}\nÄmne: Betalning\nDatum: 8 oktober 2026 16:02:00 CEST\nTill: {LARS}\n\n",
    "apple_nl": f"Begin doorgestuurd bericht:\n\nVan: {LISA}\nOnderwerp: Betaling\nDatum: 8 oktober 2026 om 16:02:00 CEST\nAan: {LARS}\n\n",
    "outlook_original": f"-----Original Message-----\nFrom: {LISA}\nSent: Thursday, October 8, 2026 4:02 PM\nTo: {LARS}\nSubject: Payment\n\n",
    "outlook_underscores": f"________________________________\nFrom: {LISA}\nSent: Thursday, October 8, 2026 4:02 PM\nTo: {LARS}\nSubject: Payment\n\n",
    "outlook_names_only": "________________________________\nFrom: Lisa Berg\nSent: Thursday, October 8, 2026 4:02 PM\nTo: Lars Eriksen\nSubject: Payment\n\n",
    "outlook_fr": f"-----Message d'origine-----\nDe : {LISA}\nEnvoyé : jeudi 8 octobre 2026 16:02\nÀ : {LARS}\nObjet : Paiement\n\n",
    "outlook_ja": f"-----Original Message-----\n差出人: {LISA}\n送信日時: 2026年10月8日 16:02\n宛先: {LARS}\n件名: お支払い\n\n",
}
NOTES = ["Hi,\n\nPlease handle the below.\n\nThanks\nLars\n", "Bitte erledigen.\n\nGruß\nLars\n",
         "Hej!\n\nKan ni ta hand om nedanstående?\n\n/Lars\n", "", "Merci de traiter.\n", "FW\n"]


@pytest.mark.parametrize("separator", sorted(SEPARATORS))
def test_a_forwarded_request_under_a_covering_note_is_read(separator: str) -> None:
    mail_, request = read("Fwd: Payment", NOTES[0] + "\n" + SEPARATORS[separator] + f"Hi Lars,\n\n{REQUEST}\n\nLisa\n")
    assert ids(request) == FORWARDED
    assert mail_.forwarded_from in (LISA, "Lisa Berg")


@pytest.mark.parametrize("note", NOTES)
@pytest.mark.parametrize("prefix", ["Fwd:", "FW:", "WG:", "TR:", "RV:", "VB:", "Doorst:", "Enc:", "転送:", "[EXT] Fwd:",
                                    "Fwd: Re:", "FW: AW:"])
def test_the_covering_notes_and_prefixes_of_forwards(note: str, prefix: str) -> None:
    mail_, request = read(f"{prefix} Payment", note + "\n" + SEPARATORS["gmail_en"] + REQUEST + "\n")
    assert ids(request) == FORWARDED and mail_.forwarded_from == LISA


@pytest.mark.parametrize("separator", sorted(SEPARATORS))
@pytest.mark.parametrize("prefix", ["Re:", "RE:", "AW:", "SV:", "Antw:", "R:", "Ref:", "返信:", "Re: Fwd:", "AW: WG:", ""])
def test_a_reply_quoting_a_request_never_reads_it(separator: str, prefix: str) -> None:
    """The same message as a reply (or with no prefix at all): the quoted request is history."""
    mail_, request = read(f"{prefix} Payment".strip(), NOTES[0] + "\n" + SEPARATORS[separator] + REQUEST + "\n")
    assert request.instructions == () and mail_.forwarded_from == ""


def test_vs_is_a_forward_only_when_the_separator_says_forwarded() -> None:
    """"VS:" forwards in Danish and Norwegian, but replies in Finnish."""
    forwarded = f"Videresendt melding:\n\nFra: {LISA}\nEmne: Betaling\nDato: 8. oktober 2026\nTil: {LARS}\n\n{REQUEST}\n"
    assert ids(read("VS: Betaling", "Kan I tage jer af nedenstående?\n\n" + forwarded)[1]) == FORWARDED
    for separator in ("outlook_original", "outlook_underscores"):
        assert read("VS: Maksu", "Kiitos!\n\n" + SEPARATORS[separator] + REQUEST + "\n")[1].instructions == ()


def test_the_forwarders_own_instruction_wins_and_nothing_is_added_twice() -> None:
    own = "Please put payment PY11111111 on invoice G011111111.\n\nLars\n\n"
    for forwarded in (SEPARATORS["gmail_en"] + REQUEST, SEPARATORS["gmail_en"] + "Please allocate PY11111111 to G011111111."):
        mail_, request = read("Fwd: Payment", own + forwarded + "\n")
        assert ids(request) == [(("PY11111111",), ("G011111111",))] and mail_.forwarded_from == ""


@pytest.mark.parametrize("note", [
    "FYI, see below.", "For your information.", "The below was already handled.", "Don't apply the below yet, we will confirm.",
    "Please do not process the below.", "Zur Info.", "Bereits erledigt.", "För kännedom.", "Redan klart.", "Pour info.",
    "Can you check the below?", "Why was the below not applied?", "Could you confirm the below was applied?",
    "Please apply the below, but only 500,00 EUR of it.", "Please use G011111111 instead.", "参考までに。",
    "Please handle the below.\n" + "We moved offices last week.\n" * 20,
])
def test_a_forward_with_a_note_that_holds_it_back_is_not_read(note: str) -> None:
    mail_, request = read("Fwd: Payment", note + "\n\n" + SEPARATORS["gmail_en"] + REQUEST + "\n")
    assert FORWARDED[0] not in ids(request) and mail_.forwarded_from == ""


@pytest.mark.parametrize("headers", [
    "From: Lisa Berg <lisa.berg@oresundmedia.dk>\nDate: Thu, 8 Oct 2026\nSubject: Payment\nTo: Billing allocations <allocations@billing.example>\n",
    "From: Billing allocations <allocations@billing.example>\nDate: Thu, 8 Oct 2026\nSubject: Payment applied\nTo: Lisa Berg <lisa.berg@oresundmedia.dk>\n",
    "From: Lisa Berg\nSent: Thursday, October 8, 2026\nTo: Billing allocations\nSubject: Payment\n",  # Outlook, names only
    "From: Lisa Berg <lisa.berg@oresundmedia.dk>\nDate: Thu, 8 Oct 2026\nSubject: Payment\nTo: Lars Eriksen <lars.eriksen@oresundmedia.dk>\n"
    "Cc: allocations@billing.example\n",
    "From: Payments <noreply@billing.example>\nDate: Thu, 8 Oct 2026\nSubject: Payment applied\nTo: Lisa Berg <lisa.berg@oresundmedia.dk>\n",
])
def test_a_forward_of_mail_to_or_from_the_mailbox_is_not_read_again(headers: str) -> None:
    """It was read, or written, by the bot already: reading it again could apply it twice."""
    body = "Please handle the below.\n\n---------- Forwarded message ---------\n" + headers + "\n" + REQUEST + "\n"
    mail_, request = read("Fwd: Payment", body)
    assert request.instructions == () and mail_.forwarded_from == ""


def test_a_colleague_copied_on_the_forward_does_not_stop_it() -> None:
    """Only recipients outside the sender's own domain are taken for the mailbox."""
    body = "Please handle the below.\n\n" + SEPARATORS["gmail_en"] + REQUEST + "\n"
    _, request = read("Fwd: Payment", body, to=f"Billing allocations <allocations@billing.example>, {LISA}")
    assert ids(request) == FORWARDED


@pytest.mark.parametrize("quote", ["> ", ""])
def test_a_forward_marker_inside_quoted_history_is_not_a_forward(quote: str) -> None:
    """Below a reply's "On … wrote:" line, quoted with "> " or not (as some clients do), a
    forwarded message is history too."""
    history = "Thanks, noted.\n\n" + SEPARATORS["gmail_en"] + REQUEST
    body = ("Please handle the below.\n\nOn Wed, 7 Oct 2026 at 11:00, Ann Lee <ann.lee@partner.example> wrote:\n\n"
            + "".join(quote + line + "\n" for line in history.split("\n")))
    mail_, request = read("Fwd: Payment", body)
    assert request.instructions == () and mail_.forwarded_from == ""


def test_a_forward_without_forwarded_headers_is_not_read() -> None:
    assert read("Fwd: Payment", "Please handle the below.\n\n---------- Forwarded message ---------\n\n" + REQUEST)[1].instructions == ()
    mail_, request = read("Fwd: Payment", "Please handle this:\n\n" + REQUEST)  # no separator: the sender's own text
    assert ids(request) == FORWARDED and mail_.forwarded_from == ""


def test_only_the_forwarded_messages_own_text_is_read() -> None:
    """Its own quoted history and a forward inside the forward stay history."""
    older = ("\n\nOn Tue, 6 Oct 2026, Lars wrote:\n> Use PY22222222 for G022222222?\n\n"
             + SEPARATORS["outlook_original"] + "Apply PY33333333 to G033333333.\n")
    _, request = read("Fwd: Payment", "Please handle the below.\n\n" + SEPARATORS["gmail_en"] + REQUEST + older)
    assert ids(request) == FORWARDED


def test_the_forwarded_subject_counts_as_the_original_did() -> None:
    separator = f"---------- Forwarded message ---------\nFrom: {LISA}\nDate: Thu, 8 Oct 2026\nSubject: Payment PY79000001\nTo: {LARS}\n\n"
    _, request = read("Fwd: Payment PY79000001", "Please handle the below.\n\n" + separator + "Please put it on invoice G079000001.\n")
    assert ids(request) == FORWARDED
    separator = separator.replace("Subject: Payment", "Subject: Re: Payment")
    _, request = read("Fwd: Re: Payment PY79000001", "Please handle the below.\n\n" + separator + "Please put it on invoice G079000001.\n")
    assert [i.payment_ids for i in request.instructions] in ([], [()])  # a reply's subject repeats an earlier request


def attached(inner_headers: str, inner_body: str, *, note: str = "Please take care of the attached request.", count: int = 1) -> bytes:
    part = ('Content-Type: message/rfc822\nContent-Disposition: attachment; filename="request.eml"\n\n'
            f"{inner_headers}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{inner_body}\n")
    return (f"From: {LARS}\nTo: Billing allocations <allocations@billing.example>\nSubject: Payment\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n'
            f"{note}\n" + f"--b\n{part}" * count + "--b--\n").encode()


LISAS_HEADERS = f"From: {LISA}\nTo: {LARS}\nSubject: Payment\nDate: Thu, 08 Oct 2026 16:02:00 +0200\n"


def read_raw(raw: bytes) -> tuple[Mail, Request]:
    return read_message(parse_bytes(raw), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")


def test_a_message_attached_under_a_covering_note_is_read() -> None:
    mail_, request = read_raw(attached(LISAS_HEADERS, REQUEST))
    assert ids(request) == FORWARDED and mail_.forwarded_from == LISA


@pytest.mark.parametrize(("headers", "note", "count"), [
    (LISAS_HEADERS + "Auto-Submitted: auto-replied\n", "Please take care of the attached request.", 1),  # machine mail
    (LISAS_HEADERS.replace(f"To: {LARS}", "To: allocations@billing.example"), "Please handle the attached.", 1),  # seen already
    (LISAS_HEADERS, "FYI, the attached was handled already.", 1),
    (LISAS_HEADERS, "Please take care of the attached requests.", 2),  # which one?
])
def test_an_attached_message_that_is_not_handed_on_is_not_read(headers: str, note: str, count: int) -> None:
    mail_, request = read_raw(attached(headers, REQUEST, note=note, count=count))
    assert request.instructions == () and mail_.forwarded_from == ""


@pytest.mark.parametrize(("subject", "forward"), [
    ("Fwd: x", True), ("FW: x", True), ("fw: x", True), ("WG: x", True), ("TR : x", True), ("RV: x", True), ("VS: x", True),
    ("Doorst: x", True), ("転送: x", True), ("[EXTERNAL] FW: x", True), ("Fwd: Re: x", True),
    ("Re: x", False), ("AW: x", False), ("SV: x", False), ("Re: Fwd: x", False), ("Forward planning", False), ("x", False),
])
def test_forward_prefixes(subject: str, forward: bool) -> None:
    assert bool(FORWARD_PREFIX.match(subject)) is forward


def test_an_attached_message_read_only_in_part_says_so() -> None:
    mail_, request = read_raw(attached(LISAS_HEADERS, REQUEST + "\n" + "x" * 2_100_000 + "\n"))
    assert mail_.limits == ("the attached message: the text part was read only to its first 2,000,000 bytes",)
    assert ids(request) == FORWARDED  # read, and held for review by its limits
