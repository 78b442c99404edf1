"""latest_reply and signature lines: only what the sender wrote now is read."""
from __future__ import annotations

import pytest

from bot.reading.quotes import is_signature_line, latest_reply, without_signature_lines

NEW, OLD = "PY11111111", "PY22222222"  # the new request's id; an id that only the history holds

HISTORY = {
    "en_wrote": f"Apply {NEW}.\n\nOn Mon, 28 Sep 2026 at 09:14, Billing <b@x.example> wrote:\n> old {OLD}\n",
    "en_wrote_wrapped": f"Apply {NEW}.\n\nOn Mon, 28 Sep 2026 at 09:14, Billing allocations <allocations@billing.example>\nwrote:\n> old {OLD}\n",
    "de_schrieb": f"Bitte {NEW} buchen.\n\nAm Mo., 28. Sept. 2026 um 09:14 Uhr schrieb Billing <b@x.example>:\n> alt {OLD}\n",
    "fr_a_ecrit": f"Merci d'affecter {NEW}.\n\nLe lun. 28 sept. 2026 à 09:14, Billing <b@x.example> a écrit :\n> ancien {OLD}\n",
    "sv_skrev": f"Lägg {NEW} på fakturan.\n\nDen 28 sep. 2026 kl. 09:14 skrev Billing <b@x.example>:\n> gammal {OLD}\n",
    "da_skrev": f"Læg {NEW} på fakturaen.\n\nDen man. 28. sep. 2026 kl. 09.14 skrev Billing <b@x.example>:\n> gammel {OLD}\n",
    "es_escribio": f"Aplicar {NEW}.\n\nEl lun, 28 sept 2026 a las 9:14, Billing (<b@x.example>) escribió:\n> viejo {OLD}\n",
    "nl_schreef": f"Graag {NEW}.\n\nOp ma 28 sep 2026 om 09:14 schreef Billing <b@x.example>:\n> oud {OLD}\n",
    "it_ha_scritto": f"Abbinare {NEW}.\n\nIl giorno lun 28 set 2026 alle ore 09:14 Billing <b@x.example> ha scritto:\n> vecchio {OLD}\n",
    "pt_escreveu": f"Alocar {NEW}.\n\nEm seg., 28 de set. de 2026 às 09:14, Billing <b@x.example> escreveu:\n> velho {OLD}\n",
    "pl_pisze": f"Przypisać {NEW}.\n\nW dniu 28.09.2026 o 09:14, Billing <b@x.example> pisze:\n> stary {OLD}\n",
    "ja_gmail": f"{NEW}を充当してください。\n\n2026年9月28日(月) 9:14 Billing <b@x.example>:\n> 古い {OLD}\n",
    "iphone": f"Please apply {NEW}.\n\nSent from my iPhone\n\n> On 28 Sep 2026, at 09:14, Billing wrote:\n> old {OLD}\n",
    "outlook_original_message": f"Apply {NEW}.\n\n-----Original Message-----\nFrom: Billing\nSent: Monday, September 28, 2026 9:14 AM\nTo: x\nSubject: y\n\nold {OLD}\n",
    "outlook_underscores": f"Tack, {NEW}.\n\n________________________________\nFrån: Billing <b@x.example>\nSkickat: den 28 september 2026 09:14\nTill: x\nÄmne: y\n\ngammal {OLD}\n",
    # Outlook often shows display names only: a From/Sent/To block is history even without an address.
    "outlook_names_only": f"Apply {NEW}.\n\nFrom: Billing allocations\nSent: Tuesday, September 29, 2026 10:12 AM\nTo: Karin Ek\nSubject: RE: y\n\nold {OLD}\n",
    "outlook_ja_names_only": f"{NEW}を充当してください。\n\n差出人: Ann Admin\n送信日時: 2026年11月2日 9:30\n宛先: 入金消込\n件名: 入金\n\n古い {OLD}\n",
    "outlook_ja_full_width_colons": f"{NEW}を充当してください。\n\n差出人： Billing\n送信日時： 2026年9月28日 9:14\n宛先： x\n件名： y\n\n古い {OLD}\n",
    "outlook_en": f"Apply {NEW}.\n\nFrom: Billing <b@x.example>\nSent: 28 September 2026 09:14\nTo: x\nSubject: y\n\nold {OLD}\n",
    "outlook_de": f"Bitte {NEW}.\n\nVon: Billing <b@x.example>\nGesendet: Montag, 28. September 2026 09:14\nAn: x\nBetreff: y\n\nalt {OLD}\n",
    "outlook_fr": f"Merci {NEW}.\n\nDe : Billing <b@x.example>\nEnvoyé : lundi 28 septembre 2026 09:14\nÀ : x\nObjet : y\n\nancien {OLD}\n",
    "outlook_es": f"Gracias {NEW}.\n\nDe: Billing <b@x.example>\nEnviado el: lunes, 28 de septiembre de 2026 9:14\nPara: x\nAsunto: y\n\nviejo {OLD}\n",
    "outlook_nl": f"Graag {NEW}.\n\nVan: Billing <b@x.example>\nVerzonden: maandag 28 september 2026 09:14\nAan: x\nOnderwerp: y\n\noud {OLD}\n",
    "outlook_it": f"Grazie {NEW}.\n\nDa: Billing <b@x.example>\nInviato: lunedì 28 settembre 2026 09:14\nA: x\nOggetto: y\n\nvecchio {OLD}\n",
    "outlook_pt": f"Obrigado {NEW}.\n\nDe: Billing <b@x.example>\nEnviada em: segunda-feira, 28 de setembro de 2026 09:14\nPara: x\nAssunto: y\n\nvelho {OLD}\n",
    "outlook_pl": f"Dzięki {NEW}.\n\nOd: Billing <b@x.example>\nWysłano: poniedziałek, 28 września 2026 09:14\nDo: x\nTemat: y\n\nstary {OLD}\n",
    "outlook_da": f"Tak {NEW}.\n\nFra: Billing <b@x.example>\nSendt: 28. september 2026 09:14\nTil: x\nEmne: y\n\ngammel {OLD}\n",
    "outlook_ja": f"{NEW}をお願いします。\n\n差出人: Billing <b@x.example>\n送信日時: 2026年9月28日 9:14\n宛先: x\n件名: y\n\n古い {OLD}\n",
    "gmail_forward": f"Please apply {NEW}.\n\n---------- Forwarded message ---------\nFrom: Tim <t@x.example>\nDate: Thu, 1 Oct 2026\nSubject: y\n\nold {OLD}\n",
    "apple_forward_en": f"Please apply {NEW}.\n\nBegin forwarded message:\n\nFrom: Tim <t@x.example>\nSubject: y\nDate: 1 October 2026 at 10:00:00 CEST\nTo: z\n\nold {OLD}\n",
    "apple_forward_fr": f"Merci {NEW}.\n\nDébut du message réexpédié :\n\nDe: Tim <t@x.example>\nObjet: y\nDate: 1 octobre 2026 à 10:00:00 UTC+2\nÀ: z\n\nancien {OLD}\n",
    "apple_forward_de": f"Bitte {NEW}.\n\nAnfang der weitergeleiteten Nachricht:\n\nVon: Tim <t@x.example>\nBetreff: y\nDatum: 1. Oktober 2026 um 10:00:00 MESZ\nAn: z\n\nalt {OLD}\n",
    "quoted_only_marks": f"Apply {NEW}.\n> old {OLD}\n>> older {OLD}\n",
}


@pytest.mark.parametrize("name", sorted(HISTORY))
def test_history_is_cut(name: str) -> None:
    reply = latest_reply(HISTORY[name])
    assert NEW in reply
    assert OLD not in reply


KEPT = {
    "bullets": "Please apply payment PY11111111 to:\n- G012345678\n- G012345679\n\nThanks\nAnna\n",
    "table_after_greeting": "Hi,\n\nKind regards,\nAnna\n\nG012345678  1 000,00 EUR\nG012345679  2 000,00 EUR\n",
    "no_history": "Please apply PY11111111 to G012345678.",
}


@pytest.mark.parametrize("name", sorted(KEPT))
def test_the_request_is_kept(name: str) -> None:
    reply = latest_reply(KEPT[name])
    for token in ("PY11111111", "G012345678"):
        if token in KEPT[name]:
            assert token in reply


def test_a_message_that_is_only_history_reads_as_nothing_new() -> None:
    assert "PY2" not in latest_reply("---------- Forwarded message ---------\nFrom: a <a@b>\n\nPY22222222")


SIGNATURE = [
    "Tel: +44 20 7946 0958", "Tél. : +33 4 91 23 45 67", "Tfn 08-123 45 67", "Tlf. +45 33 12 34 56",
    "Phone: (415) 555-0132", "Mobile: +44 7700 900123", "Handy: 0171 2345678", "Fax +49 40 3012 3456-99",
    "TEL: 03-1234-5678", "IBAN: GB33 BUKB 2020 1555 5555 55", "IBAN DE89 3704 0044 0532 0130 00 | BIC COBADEFFXXX",
    "VAT No: GB 123 4567 89", "USt-IdNr.: DE 123 456 789", "Moms.nr SE556677889901", "BTW-nr: NL123456789B01",
    "KvK 12345678 | BTW NL123456789B01", "CVR-nr. 12345678", "MWST CHE-123.456.789", "P.IVA 01234567890",
    "NIP 123-456-78-90", "CIF B12345678", "NIF 501234567", "Tax no. 27/123/45678", "Org.nr 556677-8899",
    "Organisationsnummer 556677-8899", "Company No. 04512398", "Account ID 5347111", "Bankgiro 123-4567",
    "Share capital: GBP 50,000.00", "Aktiekapital 100 000 kr", "Stammkapital: 25.000,00 EUR",
    "Capitale sociale € 10.000,00 i.v.", "Kapitał zakładowy 50 000,00 zł", "Capital social: 10 000,00 €",
    "Calanque Solutions – SAS au capital de 10 000,00 €", "80331 München", "D-20457 Hamburg", "411 03 Göteborg",
    "SE-411 03 Göteborg", "00-950 Warszawa", "1100-148 Lisboa", "2100 København Ø", "1012 AB Amsterdam",
    "www.example.com", "https://example.com/contact", "E-mail k.becker@example.de",
]
NOT_SIGNATURE = [
    "Please apply payment PY40028173 to invoice G012345678",
    "BTW, please apply payment PY40028173 to invoice G012345678",
    "Mobile payment PY40028173 goes to G012345678",
    "Handy reminder: apply PY40028173",
    "1500 kr ska läggas på faktura G012345678",
    "2500.00 GBP to invoice G012345678",
    "12345 EUR paid",
    "Invoice G012345678 – 1 234,56 EUR",
]


@pytest.mark.parametrize("line", SIGNATURE)
def test_signature_lines(line: str) -> None:
    assert is_signature_line(line)


@pytest.mark.parametrize("line", NOT_SIGNATURE)
def test_request_lines_are_not_signature(line: str) -> None:
    assert not is_signature_line(line)


def test_blanking_keeps_offsets() -> None:
    text = "Apply PY40028173 to G012345678.\nTel: +44 20 7946 0958\n80331 München\nThanks"
    blanked = without_signature_lines(text)
    assert blanked.split("\n") == ["Apply PY40028173 to G012345678.", "", "", "Thanks"]
