#!/usr/bin/env python3
"""Build tests/corpus/unseen_forms/: our own cases for issue 17 ("wrong allocations on mail no
one here wrote"), classes 3 (calendar mail), 5 (invisible characters), 6 (how amounts are
written) and 7 (payments named by amount and date only), beside controls a clerk must hold.
Deterministic: the same script writes the same bytes (MIME boundaries come from the seed too).

    python tests/corpus/build_unseen_forms.py [OUT_DIR]

Kinds: `calendar` (invitations, updates, cancellations and replies from the accounts' own admins
whose agenda names a payment and an invoice: ignored), `zero_width` (ids and amounts with
U+200B/200C/200D/2060/FEFF/00AD or <wbr> inside them: applied), `nbsp_amounts` (no-break,
narrow no-break, apostrophe, full-width and lakh groups, ",-" and ":-" whole amounts, mostly in
HTML-only mail and splits with an amount per invoice: applied), `amount_only` (no payment id, only
the amount and the date: applied) and `control` (the same forms where a clerk holds: an amount
no payment has, an invisible character inside a wrong id, a split over the payment, two payments
of the amount and no date; and person-written mail about a meeting, which is applied).

Every case has its own payment(s) and invoices, and every amount is the corpus' only one (but
for the two payments of one amount that the `twin` cases are about), so cases do not depend on
each other. A case that names no payment id has a second payment of the account on the same day,
of another amount: only the amount can tell them apart. Accounts, languages, ids and message ids
come from build_unseen_words.py (run as a script, this folder is on sys.path).
"""
from __future__ import annotations

import csv
import html
import json
import random
import shutil
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from build_unseen_words import ACCOUNTS as WORD_ACCOUNTS
from build_unseen_words import BOT, LANGS, Ids, message_id, money

OUT = Path(__file__).resolve().parent / "unseen_forms"
SEED = 17_0517

# The accounts of the words corpus, and five whose money is written in other ways.
ACCOUNTS = dict(WORD_ACCOUNTS) | {
    "pt-br": ("6210018", "Cerrado Sistemas Ltda.", "pt-BR", "BRL", "cerrado71.com.br",
              [("renata.souza", "Renata Souza", "billing_admin", "Analista de contas a pagar"),
               ("paulo.lima", "Paulo Lima", "account_admin", "Gerente financeiro")]),
    "it-ch": ("6210019", "Ceresio Informatica SA", "it-CH", "CHF", "ceresio35.ch",
              [("chiara.bernasconi", "Chiara Bernasconi", "billing_admin", "Contabilità fornitori"),
               ("luca.rossi", "Luca Rossi", "account_admin", "Responsabile finanze")]),
    "de-ch": ("6210020", "Aarewerk Informatik AG", "de-CH", "CHF", "aarewerk62.ch",
              [("beatrice.meier", "Beatrice Meier", "billing_admin", "Kreditorenbuchhaltung"),
               ("urs.keller", "Urs Keller", "account_admin", "Leiter Finanzen")]),
    "fr-ca": ("6210021", "Érablière Numérique inc.", "fr-CA", "CAD", "erabliere48.ca",
              [("genevieve.tremblay", "Geneviève Tremblay", "billing_admin", "Technicienne comptable"),
               ("francois.gagnon", "François Gagnon", "account_admin", "Contrôleur financier")]),
    "en-in": ("6210022", "Deccan Cloudworks Pvt. Ltd.", "en-IN", "INR", "deccancloud91.in",
              [("priya.iyer", "Priya Iyer", "billing_admin", "Accounts Executive"),
               ("rahul.mehta", "Rahul Mehta", "account_admin", "Finance Controller")]),
}

# --------------------------------------------------------------------------- money and dates

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NB, NNB = "\u00a0", "\u202f"
# name: (group separator or "lakh", decimal mark or None for whole amounts, pattern[, "fw"])
STYLES = {
    "cs_nb": (NB, ",", "{n}" + NB + "Kč"), "cs_nnb": (NNB, ",", "{n}" + NNB + "Kč"),
    "cs_whole": (NB, None, "{n},-" + NB + "Kč"), "cs": (" ", ",", "{n} Kč"),
    "br": (".", ",", "R$" + NB + "{n}"), "br_plain": (".", ",", "R$ {n}"),
    "fi_nb": (NB, ",", "{n}" + NB + "€"), "fi_euroa": (NB, ",", "{n} euroa"),
    "fr_nnb": (NNB, ",", "{n}" + NB + "€"), "fr_nb": (NB, ",", "{n}" + NB + "€"), "frca": (NB, ",", "{n}" + NB + "$"),
    "ch_apos": ("'", ".", "CHF {n}"), "ch_rsq": ("\u2019", ".", "CHF" + NB + "{n}"),
    "ch_whole": ("'", None, "Fr. {n}.–"), "ch_after": ("'", ".", "{n}" + NB + "CHF"),
    "zh_fw": ("，", "．", "{n}元", "fw"), "zh_fwyen": ("，", "．", "￥{n}", "fw"), "zh_yen": (",", ".", "¥{n}"),
    "ja_fw": ("，", None, "{n}円", "fw"), "ja_fwyen": ("，", None, "￥{n}", "fw"),
    "sv_nb": (NB, ",", "{n}" + NB + "kr"), "sv_kolon": (NB, None, "{n}:-"),
    "pl_nb": (NB, ",", "{n}" + NB + "zł"), "nb_dash": (NB, None, "kr" + NB + "{n},-"),
    "in_lakh": ("lakh", ".", "₹{n}"), "in_rs": ("lakh", ".", "Rs. {n}/-"),
    "pt_nb": (NB, ",", "{n}" + NB + "€"), "da_nb": (".", ",", "{n}" + NB + "kr."),
    "tr_nb": (".", ",", "{n}" + NB + "TL"), "es_nb": (".", ",", "{n}" + NB + "€"),
    "nl_nb": (".", ",", "€" + NB + "{n}"),
    "de_nb": (".", ",", "{n}" + NB + "€"),
}
LEDGER_COLUMNS = {  # the billing system's CSV exports, as the README names their columns
    "accounts": "account_id name locale currency", "contacts": "account_id email name role",
    "invoices": "invoice_number account_id issue_date due_date currency amount open_amount",
    "payments": "payment_id account_id received_date currency amount unallocated_amount reference payer_name",
}
DEFAULT_STYLE = {"pt-br": "br_plain", "it-ch": "ch_apos", "de-ch": "ch_apos", "fr-ca": "frca", "en-in": "in_lakh"}


def grouped(whole: int, sep: str) -> str:
    if sep != "lakh":
        return f"{whole:,}".replace(",", sep)
    head, tail = str(whole)[:-3], str(whole)[-3:]
    pairs = []
    while head:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([*pairs, tail])


def written(key: str, currency: str, amount: Decimal, style: str | None) -> str:
    """The amount in the case's style, else as the account's language writes money."""
    style = style or DEFAULT_STYLE.get(key)
    if style is None:
        return money(key.split("-")[0], currency, amount)
    group, point, pattern, *full = STYLES[style]
    whole, frac = f"{amount:.2f}".split(".")
    assert point or frac == "00", (style, amount)
    number = grouped(int(whole), group) + (f"{point}{frac}" if point else "")
    return pattern.format(n=number.translate(FULL_WIDTH) if full else number)


def daxie(amount: Decimal) -> str:
    """Chinese financial capitals (大写金额), as cheques and payment notes write them."""
    digits = "零壹贰叁肆伍陆柒捌玖"

    def four(n: int) -> str:
        out, gap = "", False
        for ch, unit in zip(f"{n:04d}", "仟佰拾 "):
            if ch == "0":
                gap = bool(out)
            else:
                out += ("零" if gap else "") + digits[int(ch)] + unit.strip()
                gap = False
        return out

    whole, frac = f"{amount:.2f}".split(".")
    high, low = divmod(int(whole), 10_000)
    text = (four(high) + "万" if high else "") + ("零" if high and 0 < low < 1000 else "") + four(low) + "元"
    jiao, fen = int(frac[0]), int(frac[1])
    if not jiao and not fen:
        return text + "整"
    return text + (digits[jiao] + "角" if jiao else "零") + (digits[fen] + "分" if fen else "")


MONTHS = {  # October, November as written after a day number
    "en": ("October", "November"), "cs": ("října", "listopadu"), "tr": ("Ekim", "Kasım"),
    "fi": ("lokakuuta", "marraskuuta"), "pl": ("października", "listopada"), "pt": ("outubro", "novembro"),
    "nl": ("oktober", "november"), "it": ("ottobre", "novembre"), "es": ("octubre", "noviembre"),
    "de": ("Oktober", "November"), "fr": ("octobre", "novembre"), "sv": ("oktober", "november"),
    "da": ("oktober", "november"), "nb": ("oktober", "november"), "zh": ("", ""), "ja": ("", ""),
}
DATES = {  # account key or language: two ways its writers give a day
    "en-us": ("{mon} {d}", "{mm}/{dd}/{y}"), "en-gb": ("{d} {mon}", "{dd}/{mm}/{y}"),
    "en-in": ("{d} {mon} {y}", "{dd}.{mm}.{y}"), "cs": ("{d}. {mon}", "{d}. {m}. {y}"),
    "tr": ("{d} {mon} {y}", "{dd}.{mm}.{y}"), "fi": ("{d}.{m}.{y}", "{d}. {mon}"), "zh": ("{m}月{d}日", "{y}年{m}月{d}日"),
    "ja": ("{m}月{d}日", "{y}年{m}月{d}日"), "pl": ("{d} {mon}", "{dd}.{mm}.{y}"), "pt": ("{d} de {mon}", "{dd}/{mm}/{y}"),
    "nl": ("{d} {mon}", "{dd}-{mm}-{y}"), "it": ("{d} {mon}", "{dd}/{mm}/{y}"),
    "es": ("{d} de {mon}", "{dd}/{mm}/{y}"),
    "de": ("{d}. {mon}", "{dd}.{mm}.{y}"), "fr": ("{d} {mon}", "{dd}/{mm}/{y}"), "sv": ("{d} {mon}", "{y}-{mm}-{dd}"),
    "da": ("{d}. {mon}", "{dd}.{mm}.{y}"), "nb": ("{d}. {mon}", "{dd}.{mm}.{y}"),
}


def written_date(key: str, day: date, form: int) -> str:
    lang = key.split("-")[0]
    pattern = (DATES.get(key) or DATES[lang])[form]
    return pattern.format(d=day.day, m=day.month, y=day.year, dd=f"{day.day:02d}", mm=f"{day.month:02d}",
                          mon=MONTHS[lang][day.month - 10])


# --------------------------------------------------------------------------- the cases
# (account key, kind, expect, text, options). Text placeholders: {P} payment id, {G} invoice,
# {G1} {G2} {A1} {A2} a split, {AMT} the payment's amount, {X} an amount no payment has, {D} the
# payment's date, {DX} the amount in Chinese capitals, {PX}/{GX} ids no ledger row has, {PS} the
# payment id one digit short. Options: split, partial (the invoices are open for more than is
# paid), whole (a whole amount), fmt (a STYLES name), df (DATES form), mime (plain/html/alt),
# flavor (gmail/outlook HTML), ent (how HTML writes the special characters: raw/named/numeric/
# hex), table (rows of templates), zw ([(placeholder, index, character)]), twin (a second payment
# of the same amount two weeks earlier), nopay (the invoice is open for {X}), fee (the payment is
# the invoice less a bank fee), over (the split is more than the payment), wrong, subj, n (note).
# Calendar options: cal (google, google_noics, outlook, cancel, reply, zoom, thunderbird), title,
# update (Google's updated invitation), ww (Outlook's When/Where lines), cc (Exchange's Content-Class),
# tentative (a tentative reply).
CAL, ZW, NBSP, AMT_ONLY, CTRL = "calendar", "zero_width", "nbsp_amounts", "amount_only", "control"
A, H_, IGN = "applied", "held", "ignored"
Z, ZNJ, ZJ, WJ, BOM, SHY, WBR = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\ue000"

CASES: list[tuple] = [
    # ------------------------------------------------------------------ calendar mail
    ("en-us", CAL, IGN, "Agenda:\n1. Allocate payment {P} to invoice {G}\n2. Remaining open items on our "
     "account\n\nLaura", dict(cal="google", title="Payment {P} / invoice {G} – allocation check")),
    ("de", CAL, IGN, "Hallo zusammen,\nbitte die Zahlung {P} der Rechnung {G} zuordnen – lasst uns das kurz "
     "gemeinsam durchgehen.\nSabine", dict(cal="google", title="Abstimmung Zahlung {P} zu Rechnung {G}")),
    ("es", CAL, IGN, "Revisamos juntos la aplicación del pago {P} ({AMT}) a la factura {G}.",
     dict(cal="google", title="Aplicación del pago {P} a la factura {G}")),
    ("cs", CAL, IGN, "Program: přiřadit platbu {P} k faktuře {G}, ostatní otevřené položky.",
     dict(cal="google", title="Přiřazení platby {P} k faktuře {G}")),
    ("tr", CAL, IGN, "Gündem: {P} numaralı ödemenin {G} numaralı faturaya uygulanması.",
     dict(cal="google", title="{P} ödemesinin {G} faturasına uygulanması")),
    ("zh", CAL, IGN, "议程：将付款{P}分配到发票{G}，并核对其他未结发票。",
     dict(cal="google", title="付款{P}核销发票{G}")),
    ("pl", CAL, IGN, "Proszę o przypisanie płatności {P} do faktury {G} – omówimy to na spotkaniu.",
     dict(cal="google", title="Rozliczenie płatności {P} z fakturą {G}")),
    ("en-us", CAL, IGN, "Moved to Tuesday. Agenda unchanged: please allocate payment {P} ({AMT}) to invoice {G}.",
     dict(cal="google", update=True, title="Allocation: payment {P} / invoice {G}", n="updated invitation")),
    ("de", CAL, IGN, "Neuer Termin. Themen: Zahlung {P}, Rechnung {G}.",
     dict(cal="google", update=True, title="Zahlung {P} / Rechnung {G}", n="updated invitation")),
    ("fi", CAL, IGN, "Käydään läpi maksun {P} kohdistus laskulle {G}.",
     dict(cal="google_noics", title="Maksun {P} kohdistus laskulle {G}", n="Google invitation, .ics stripped")),
    ("en-gb", CAL, IGN, "Hi all,\n\nA quick call to agree the allocation of payment {P} to invoice {G}. Please "
     "apply it before the call if you can.\n\nCharlotte",
     dict(cal="outlook", ww=True, title="Allocation of payment {P} to invoice {G}", n="asks to apply, in an agenda")),
    ("fr", CAL, IGN, "Bonjour,\n\nJe vous propose un point rapide sur l'affectation du paiement {P} à la facture "
     "{G}.\n\nÉlodie", dict(cal="outlook", title="Affectation du paiement {P} sur la facture {G}")),
    ("nl", CAL, IGN, "Graag betaling {P} toewijzen aan factuur {G}; we lopen het samen even door.",
     dict(cal="outlook", ww=True, title="Toewijzing betaling {P} aan factuur {G}")),
    ("ja", CAL, IGN, "お支払い{P}を請求書{G}に充当いただく件について、お打ち合わせをお願いいたします。",
     dict(cal="outlook", title="入金{P}の請求書{G}への充当について")),
    ("it", CAL, IGN, "Vi chiediamo di imputare il pagamento {P} alla fattura {G}; ne parliamo in call.",
     dict(cal="outlook", cc=True, title="Imputazione pagamento {P} su fattura {G}", n="Content-Class header")),
    ("de", CAL, IGN, "Der Termin entfällt, wir klären die Zuordnung der Zahlung {P} zur Rechnung {G} per E-Mail.",
     dict(cal="cancel", title="Zuordnung Zahlung {P} / Rechnung {G}")),
    ("sv", CAL, IGN, "Mötet ställs in. Vi återkommer per mejl om betalning {P} och faktura {G}.",
     dict(cal="cancel", title="Koppling av betalning {P} till faktura {G}")),
    ("en-us", CAL, IGN, "Works for me. We want payment {P} on invoice {G}.",
     dict(cal="reply", title="Allocation of payment {P} to invoice {G}", n="accepted, with a comment")),
    ("da", CAL, IGN, "Det passer fint. Betaling {P} hører til faktura {G}.",
     dict(cal="reply", title="Placering af betaling {P} på faktura {G}")),
    ("pt", CAL, IGN, "Talvez me atrase uns minutos. O pagamento {P} é da fatura {G}.",
     dict(cal="reply", tentative=True, title="Imputação do pagamento {P} à fatura {G}")),
    ("en-gb", CAL, IGN, "Agenda: payment {P} ({AMT}) – which invoice? We think {G}.",
     dict(cal="zoom", title="Payment {P} allocation to {G}")),
    ("es", CAL, IGN, "Orden del día: aplicar el pago {P} a la factura {G}.",
     dict(cal="zoom", title="Pago {P} – factura {G}")),
    ("nb", CAL, IGN, "Vi går gjennom fordelingen av innbetaling {P} mot faktura {G}.",
     dict(cal="thunderbird", title="Fordeling av innbetaling {P} mot faktura {G}")),
    # ------------------------------------------------------------------ zero-width characters
    ("en-us", ZW, A, "Please apply payment {P} to invoice {G}. Thank you!",
     dict(zw=[("P", 2, Z), ("G", 1, Z)], n="ZWSP after the prefixes (copied from a portal)")),
    ("en-gb", ZW, A, "Could you allocate our payment {P} of {AMT} against invoice {G}, please?",
     dict(zw=[("P", 6, SHY), ("G", 5, SHY)], mime="alt", ent="named", n="&shy; in both ids (Word)")),
    ("de", ZW, A, "bitte ordnen Sie unsere Zahlung {P} über {AMT} der Rechnung {G} zu.",
     dict(zw=[("P", 6, WJ), ("AMT", 3, Z)], n="word joiner in the id, ZWSP in the amount")),
    ("fr", ZW, A, "Merci d'affecter notre règlement {P} à la facture {G}.",
     dict(zw=[("G", 4, Z), ("P", 2, Z)], mime="html", flavor="outlook", ent="numeric", n="&#8203; in both ids")),
    ("es", ZW, A, "Les agradecería que aplicaran el pago {P} a la factura {G}.",
     dict(zw=[("G", 3, BOM)], n="BOM inside the invoice")),
    ("it", ZW, A, "Vi preghiamo di imputare il pagamento {P} alla fattura {G}. Grazie.",
     dict(zw=[("P", 5, ZJ)], n="ZWJ inside the payment id")),
    ("pt", ZW, A, "Solicitamos a imputação do pagamento {P} à fatura {G}.",
     dict(zw=[("G", 6, ZNJ)], mime="alt", ent="named", n="&zwnj; inside the invoice")),
    ("nl", ZW, A, "Wilt u betaling {P} van {AMT} toewijzen aan factuur {G}?",
     dict(zw=[("P", 4, Z), ("G", 7, Z), ("AMT", 4, Z)], n="ZWSP in ids and amount")),
    ("sv", ZW, A, "Vänligen koppla betalning {P} till faktura {G}.",
     dict(zw=[("G", 5, SHY)], n="soft hyphen, plain")),
    ("da", ZW, A, "Vil I placere betaling {P} på faktura {G}? På forhånd tak.",
     dict(zw=[("P", 2, WJ), ("G", 2, WJ)], n="word joiners")),
    ("nb", ZW, A, "Vennligst før innbetaling {P} mot faktura {G}.", dict(zw=[("P", 6, Z)])),
    ("pl", ZW, A, "Proszę o rozliczenie płatności {P} z fakturą {G}.",
     dict(zw=[("P", 4, ZNJ), ("G", 4, ZNJ)], mime="html", ent="named", n="&zwnj; in both ids, HTML only")),
    ("cs", ZW, A, "prosím o přiřazení platby {P} ve výši {AMT} k faktuře {G}.",
     dict(zw=[("AMT", 3, Z), ("P", 6, Z)])),
    ("tr", ZW, A, "{P} numaralı ödememizi {G} numaralı faturaya uygulamanızı rica ederiz.",
     dict(zw=[("P", 4, BOM)], n="BOM inside the id at the start of the text")),
    ("fi", ZW, A, "Kohdistakaa maksu {P} laskulle {G}, kiitos.", dict(zw=[("G", 6, SHY)])),
    ("zh", ZW, A, "请将付款{P}核销至发票{G}，谢谢。", dict(zw=[("P", 0, Z), ("P", 6, Z)], n="ZWSP before and inside")),
    ("ja", ZW, A, "お支払い{P}を請求書{G}に充当してください。", dict(zw=[("G", 5, Z)])),
    ("en-us", ZW, A, "Please split payment {P}: {A1} to invoice {G1} and {A2} to invoice {G2}.",
     dict(split=True, zw=[("A1", 4, Z), ("G2", 3, Z)], n="split, ZWSP in an amount and an invoice")),
    ("de", ZW, A, "Bitte die Zahlung {P} auf die Rechnung {G} buchen.",
     dict(zw=[("P", 3, Z), ("G", 6, Z)], mime="html", flavor="outlook", subj="Zahlung {P}",
          n="HTML only; ZWSP in the subject too")),
    ("cs", ZW, A, "Platbu {P} prosím rozúčtujte takto:",
     dict(split=True, table=[["Faktura", "Částka"], ["{G1}", "{A1}"], ["{G2}", "{A2}"]], mime="html",
          flavor="outlook", ent="numeric", zw=[("G1", 5, Z), ("G2", 5, Z)], n="split in a table")),
    ("tr", ZW, A, "{P} numaralı ödememizin {A1} tutarını {G1} faturasına, {A2} tutarını {G2} faturasına uygulayın "
     "lütfen.", dict(split=True, zw=[("A1", 2, WJ)], n="split, word joiner in an amount")),
    ("fi", ZW, A, "Pyydämme kohdistamaan maksun {P} laskulle {G}.",
     dict(zw=[("P", 3, ZJ)], mime="alt", ent="named", n="&zwj;")),
    ("zh", ZW, A, "麻烦把付款{P}分配到发票{G}，谢谢！", dict(zw=[("G", 4, BOM)], mime="html", ent="numeric")),
    ("en-gb", ZW, A, "Please apply payment {P} to invoice {G}.",
     dict(zw=[("P", 6, WBR), ("G", 5, WBR)], mime="html", n="<wbr> inside both ids")),
    ("es", ZW, A, "Les ruego apliquen el pago {P} por importe de {AMT} a la factura {G}.",
     dict(zw=[("AMT", 3, SHY)], n="soft hyphen in the amount")),
    ("it", ZW, A, "Vi chiediamo di ripartire il pagamento {P}: {A1} sulla fattura {G1} e {A2} sulla fattura {G2}.",
     dict(split=True, zw=[("A1", 5, Z), ("G1", 2, Z)], mime="html", ent="numeric", n="split, &#8203;")),
    # ------------------------------------------------------------------ grouped amounts
    ("cs", NBSP, A, "Platbu {P} prosím rozdělte takto: {A1} na fakturu {G1} a {A2} na fakturu {G2}.",
     dict(split=True, fmt="cs_nb", mime="html", flavor="outlook", ent="named")),
    ("cs", NBSP, A, "Zaplatili jsme {AMT} platbou {P}. Přiřaďte ji prosím k faktuře {G}.",
     dict(fmt="cs_nnb", mime="alt", ent="numeric")),
    ("cs", NBSP, A, "Posíláme platbu {P} na {AMT}, patří k faktuře {G}.",
     dict(whole=True, fmt="cs_whole", mime="html", ent="named", n="'12 345,- Kč'")),
    ("cs", NBSP, A, "Platbu {P} prosím rozúčtujte na tyto faktury (částečné úhrady):",
     dict(split=True, partial=True, fmt="cs_nb", table=[["Faktura", "Uhrazeno"], ["{G1}", "{A1}"], ["{G2}", "{A2}"]],
          mime="html", flavor="outlook", ent="named", n="partial payments in a table")),
    ("pt-br", NBSP, A, "Segue o pagamento {P} no valor de {AMT}. Favor baixar a fatura {G}.",
     dict(fmt="br", mime="html", ent="named")),
    ("pt-br", NBSP, A, "Favor aplicar o pagamento {P} da seguinte forma: {A1} na fatura {G1} e {A2} na fatura {G2}.",
     dict(split=True, fmt="br", mime="alt", ent="named")),
    ("pt-br", NBSP, A, "Conforme planilha abaixo, o pagamento {P} refere-se às faturas:",
     dict(split=True, table=[["Fatura", "Valor"], ["{G1}", "{A1}"], ["{G2}", "{A2}"]], mime="html")),
    ("fi", NBSP, A, "Maksu {P} kohdistetaan seuraavasti: {A1} laskulle {G1} ja {A2} laskulle {G2}.",
     dict(split=True, fmt="fi_nb", mime="html", ent="named")),
    ("fi", NBSP, A, "Maksoimme {AMT} maksulla {P}. Kohdistakaa se laskulle {G}.",
     dict(fmt="fi_nb", mime="alt", ent="numeric")),
    ("fi", NBSP, A, "Maksu {P} jakautuu osasuorituksina: laskulle {G1} {A1} ja laskulle {G2} {A2}.",
     dict(split=True, partial=True, fmt="fi_euroa", mime="html", ent="named", n="amount after its invoice")),
    ("fr", NBSP, A, "Merci de répartir notre virement {P} comme suit\u00a0: {A1} sur la facture {G1} et {A2} sur "
     "la facture {G2}.", dict(split=True, fmt="fr_nnb", mime="html", flavor="outlook", ent="numeric")),
    ("fr", NBSP, A, "Notre paiement {P} d'un montant de {AMT} correspond à la facture {G}. Merci de "
     "l'affecter\u00a0!",
     dict(fmt="fr_nb", mime="alt", ent="named")),
    ("fr-ca", NBSP, A, "Veuillez appliquer le paiement {P} ainsi\u00a0: {A1} à la facture {G1} et {A2} à la "
     "facture {G2}.", dict(split=True, fmt="frca", mime="html", ent="named")),
    ("it-ch", NBSP, A, "Vi preghiamo di ripartire il pagamento {P} come segue: {A1} sulla fattura {G1} e {A2} "
     "sulla fattura {G2}.", dict(split=True, fmt="ch_apos", mime="html")),
    ("it-ch", NBSP, A, "Il nostro pagamento {P} di {AMT} si riferisce alla fattura {G}.",
     dict(fmt="ch_rsq", mime="alt", ent="named", n="typographic apostrophe groups")),
    ("de-ch", NBSP, A, "Die Zahlung {P} über {AMT} ist für die Rechnung {G} bestimmt.",
     dict(whole=True, fmt="ch_whole", mime="html", n="'Fr. 12'345.–'")),
    ("de-ch", NBSP, A, "Bitte verbuchen Sie unsere Zahlung {P} wie folgt:",
     dict(split=True, fmt="ch_after", table=[["Rechnung", "Betrag"], ["{G1}", "{A1}"], ["{G2}", "{A2}"]],
          mime="html", flavor="outlook", ent="named")),
    ("zh", NBSP, A, "请将付款{P}分别核销至发票{G1}和{G2}，金额分别为{A1}、{A2}。",
     dict(split=True, fmt="zh_fw", mime="html", n="full-width, amounts listed with 、")),
    ("zh", NBSP, A, "我司已支付{AMT}（付款编号{P}），请核销发票{G}。", dict(fmt="zh_fwyen", mime="alt")),
    ("zh", NBSP, A, "付款{P}金额为人民币{DX}（{AMT}），请核销发票{G}。",
     dict(fmt="zh_yen", mime="html", n="大写 capitals beside the figures")),
    ("ja", NBSP, A, "お支払い{P}（{AMT}）を請求書{G}に充当くださいますようお願いいたします。",
     dict(fmt="ja_fw", mime="html")),
    ("ja", NBSP, A, "お支払い{P}を、請求書{G1}に{A1}、請求書{G2}に{A2}をそれぞれ充当してください。",
     dict(split=True, fmt="ja_fwyen", mime="alt")),
    ("sv", NBSP, A, "Vi har betalat {AMT} med betalning {P}. Koppla den till faktura {G}, tack.",
     dict(whole=True, fmt="sv_kolon", mime="html", ent="named", n="'12 345:-'")),
    ("sv", NBSP, A, "Betalning {P} ska fördelas så här: {A1} på faktura {G1} och {A2} på faktura {G2}.",
     dict(split=True, fmt="sv_nb", mime="alt", ent="named")),
    ("pl", NBSP, A, "Płatność {P} proszę rozliczyć następująco: {A1} na fakturę {G1} oraz {A2} na fakturę {G2}.",
     dict(split=True, fmt="pl_nb", mime="html", flavor="outlook", ent="numeric")),
    ("nb", NBSP, A, "Innbetaling {P} på {AMT} gjelder faktura {G}.",
     dict(whole=True, fmt="nb_dash", mime="html", ent="named", n="'kr 12 345,-'")),
    ("en-in", NBSP, A, "Kindly adjust payment {P} as follows: {A1} against invoice {G1} and {A2} against invoice "
     "{G2}.", dict(split=True, fmt="in_lakh", mime="html", n="lakh groups")),
    ("en-in", NBSP, A, "We have remitted {AMT} vide payment {P}. Please adjust the same against invoice {G}.",
     dict(fmt="in_rs", mime="alt")),
    ("pt", NBSP, A, "O pagamento {P}, no valor de {AMT}, destina-se à fatura {G}.",
     dict(fmt="pt_nb", mime="html", ent="named")),
    ("da", NBSP, A, "Betaling {P} bedes fordelt således: {A1} på faktura {G1} og {A2} på faktura {G2}.",
     dict(split=True, fmt="da_nb", mime="html", ent="named")),
    ("tr", NBSP, A, "{P} numaralı ödememizden {A1} tutarı {G1} faturasına, {A2} tutarı {G2} faturasına mahsup "
     "edilsin.", dict(split=True, fmt="tr_nb", mime="html", flavor="outlook", ent="named")),
    ("es", NBSP, A, "Les detallo el reparto del pago {P}: {A1} a la factura {G1} y {A2} a la factura {G2}.",
     dict(split=True, fmt="es_nb", mime="html", flavor="outlook", ent="named")),
    ("nl", NBSP, A, "Betaling {P} graag als volgt verdelen:",
     dict(split=True, fmt="nl_nb", table=[["Factuur", "Bedrag"], ["{G1}", "{A1}"], ["{G2}", "{A2}"]],
          mime="html", ent="named")),
    ("de", NBSP, A, "anbei die Aufteilung unserer Zahlung {P}: {A1} auf Rechnung {G1}, {A2} auf Rechnung {G2}.",
     dict(split=True, partial=True, fmt="de_nb", mime="html", flavor="outlook", ent="named", n="partial payments")),
    # ------------------------------------------------------------------ payment named by amount and date only
    ("cs", AMT_ONLY, A, "Dne {D} jsme uhradili {AMT}. Prosím přiřaďte tuto platbu k faktuře {G}.", dict(df=1)),
    ("cs", AMT_ONLY, A, "{D} odešla z našeho účtu platba {AMT} – patří k faktuře {G}. Děkuji za spárování.",
     dict(df=0)),
    ("cs", AMT_ONLY, A, "Platbou ve výši {AMT} ze dne {D} hradíme faktury {G1} ({A1}) a {G2} ({A2}).",
     dict(split=True, df=0, n="split, amounts after the invoices")),
    ("tr", AMT_ONLY, A, "{D} tarihinde {AMT} tutarında ödeme yaptık. Bu ödemeyi {G} numaralı faturaya "
     "uygulamanızı rica ederiz.", dict(df=0)),
    ("tr", AMT_ONLY, A, "{D} tarihli {AMT} havalemizi {G} faturasına mahsup eder misiniz?", dict(df=1)),
    ("fi", AMT_ONLY, A, "Maksoimme {D} {AMT}. Kohdistakaa maksu laskulle {G}.", dict(df=0, n="date beside amount")),
    ("fi", AMT_ONLY, A, "{D} suoritettu {AMT} maksu kuuluu laskulle {G}.", dict(df=1)),
    ("fi", AMT_ONLY, A, "Maksoimme {D} yhteensä {AMT}: laskulle {G1} {A1} ja laskulle {G2} {A2}.",
     dict(split=True, df=1)),
    ("zh", AMT_ONLY, A, "我司于{D}支付了{AMT}，请将该笔款项核销至发票{G}。", dict(df=1)),
    ("zh", AMT_ONLY, A, "{D}汇出的{AMT}是支付发票{G}的，麻烦核销一下。", dict(df=0)),
    ("zh", AMT_ONLY, A, "我们在{D}付款{AMT}，其中{A1}用于发票{G1}，{A2}用于发票{G2}。", dict(split=True, df=0)),
    ("pl", AMT_ONLY, A, "W dniu {D} zapłaciliśmy {AMT}. Prosimy o zaksięgowanie tej wpłaty na fakturę {G}.",
     dict(df=1)),
    ("pl", AMT_ONLY, A, "{D} wysłaliśmy przelew na kwotę {AMT} – dotyczy faktury {G}.", dict(df=0)),
    ("pt", AMT_ONLY, A, "No dia {D} efetuámos uma transferência de {AMT}. Agradecemos que a imputem à fatura {G}.",
     dict(df=1)),
    ("pt-br", AMT_ONLY, A, "Fizemos um pagamento de {AMT} em {D}. Favor baixar a fatura {G} com esse valor.",
     dict(df=1)),
    ("nl", AMT_ONLY, A, "Op {D} hebben wij {AMT} overgemaakt. Wilt u dit bedrag toewijzen aan factuur {G}?",
     dict(df=0)),
    ("nl", AMT_ONLY, A, "Ons bedrag van {AMT}, betaald op {D}, is voor factuur {G1} ({A1}) en factuur {G2} ({A2}).",
     dict(split=True, df=1)),
    ("it", AMT_ONLY, A, "In data {D} abbiamo effettuato un bonifico di {AMT}. Vi preghiamo di imputarlo alla "
     "fattura {G}.", dict(df=1)),
    ("it", AMT_ONLY, A, "Il bonifico di {AMT} del {D} è a saldo della fattura {G}.", dict(df=0)),
    ("es", AMT_ONLY, A, "El {D} les transferimos {AMT}. Por favor, apliquen ese importe a la factura {G}.",
     dict(df=0)),
    ("es", AMT_ONLY, A, "Con la transferencia de {AMT} del {D} pagamos la factura {G1} por {A1} y la factura {G2} "
     "por {A2}.", dict(split=True, df=1)),
    ("de", AMT_ONLY, A, "wir haben am {D} {AMT} überwiesen. Bitte ordnen Sie den Betrag der Rechnung {G} zu.",
     dict(df=1, n="date beside amount")),
    ("de", AMT_ONLY, A, "Unsere Überweisung über {AMT} vom {D} ist für die Rechnung {G}.", dict(df=0)),
    ("de", AMT_ONLY, A, "Bitte die Zahlung über {AMT} vom {D} der Rechnung {G} zuordnen.",
     dict(twin=True, df=1, n="two payments of the amount, the date tells")),
    ("fr", AMT_ONLY, A, "Nous avons réglé {AMT} le {D}. Merci d'affecter ce règlement à la facture {G}.", dict(df=0)),
    ("fr", AMT_ONLY, A, "Notre virement du {D} d'un montant de {AMT} concerne la facture {G}.", dict(df=1)),
    ("sv", AMT_ONLY, A, "Vi betalade {AMT} den {D}. Koppla gärna betalningen till faktura {G}.", dict(df=0)),
    ("sv", AMT_ONLY, A, "Betalningen på {AMT} som vi gjorde {D} avser faktura {G}.",
     dict(twin=True, df=1, n="two payments of the amount, the date tells")),
    ("en-us", AMT_ONLY, A, "We paid {AMT} on {D}. Please allocate it to invoice {G}.", dict(df=0)),
    ("en-gb", AMT_ONLY, A, "Our transfer of {AMT} on {D} covers invoice {G1} ({A1}) and invoice {G2} ({A2}).",
     dict(split=True, df=0)),
    ("ja", AMT_ONLY, A, "{D}に{AMT}をお振込みいたしました。請求書{G}への充当をお願いいたします。", dict(df=0)),
    ("ja", AMT_ONLY, A, "{D}付で{AMT}を送金済みです。請求書{G}に消し込みをお願いします。", dict(df=1)),
    ("da", AMT_ONLY, A, "Vi betalte {AMT} den {D}. Venligst placer beløbet på faktura {G}.", dict(df=0)),
    ("nb", AMT_ONLY, A, "Vi betalte {AMT} den {D}. Kan dere føre beløpet mot faktura {G}?", dict(df=1)),
    # ------------------------------------------------------------------ controls
    ("cs", CTRL, H_, "Dne {D} jsme zaplatili {X}. Přiřaďte to prosím k faktuře {G}.",
     dict(nopay=True, df=1, n="no payment of that amount")),
    ("tr", CTRL, H_, "{D} tarihinde {X} ödedik, {G} faturasına uygulayın lütfen.",
     dict(nopay=True, df=0, n="no payment of that amount")),
    ("fi", CTRL, H_, "Maksoimme {D} {X} laskusta {G}. Kohdistakaa maksu, kiitos.",
     dict(fee=True, df=1, n="the bank kept a fee: no payment of that amount")),
    ("zh", CTRL, H_, "我们{D}付了{X}，请核销发票{G}。", dict(nopay=True, df=0, n="no payment of that amount")),
    ("de", CTRL, H_, "Wir haben am {D} {X} überwiesen, bitte der Rechnung {G} zuordnen.",
     dict(nopay=True, fmt="de_nb", df=1, mime="html", ent="named", n="no payment of that amount, HTML")),
    ("en-us", CTRL, H_, "We wired {X} on {D} for invoice {G}. Please apply.",
     dict(fee=True, df=0, n="the bank kept a fee: no payment of that amount")),
    ("pl", CTRL, H_, "Przelew na {X} z dnia {D} proszę rozliczyć z fakturą {G}.",
     dict(nopay=True, fmt="pl_nb", df=1, mime="html", ent="numeric", n="no payment of that amount")),
    ("en-gb", CTRL, H_, "Please apply payment {PX} to invoice {G}.",
     dict(wrong=True, zw=[("PX", 5, Z)], n="ZWSP inside a payment id no ledger has")),
    ("de", CTRL, H_, "Bitte die Zahlung {P} der Rechnung {GX} zuordnen.",
     dict(wrong=True, zw=[("GX", 4, SHY)], mime="html", ent="named", n="&shy; inside an invoice no ledger has")),
    ("fr", CTRL, H_, "Merci d'affecter le paiement {PS} à la facture {G}.",
     dict(wrong=True, zw=[("PS", 4, Z)], n="ZWSP inside a payment id one digit short")),
    ("ja", CTRL, H_, "お支払い{P}を請求書{GX}に充当してください。",
     dict(wrong=True, zw=[("GX", 3, BOM)], n="BOM inside an invoice no ledger has")),
    ("cs", CTRL, H_, "Platbu {P} prosím rozdělte takto: {A1} na fakturu {G1} a {A2} na fakturu {G2}.",
     dict(split=True, over=True, fmt="cs_nb", mime="html", ent="named", n="the split is more than the payment")),
    ("sv", CTRL, H_, "Vi har betalat {AMT}. Koppla den till faktura {G}, tack.",
     dict(twin=True, n="two payments of the amount, no date")),
    ("en-us", CTRL, A, "Thanks for the call this morning. As agreed, please apply payment {P} to invoice {G}. I'll "
     "send an invite for the follow-up meeting next week.", dict(n="a meeting mentioned, no calendar part")),
    ("de", CTRL, A, "wie gerade im Teams-Termin besprochen: Bitte ordnen Sie die Zahlung {P} der Rechnung {G} zu. "
     "Die Einladung für nächste Woche schicke ich separat.",
     dict(mime="alt", n="a meeting mentioned, no calendar part")),
    ("es", CTRL, A, "Gracias por la invitación a la reunión del martes. Mientras tanto, apliquen por favor el pago "
     "{P} a la factura {G}.", dict(n="thanks for an invitation, no calendar part")),
]

# --------------------------------------------------------------------------- calendar texts

GOOGLE = {  # intro, (title, when, calendar, who, organizer, details), footer, why, subject date
    "en": ("You have been invited to the following event.", ("Title", "When", "Calendar", "Who", "organizer",
           "Event details"), "Invitation from Google Calendar", "You are receiving this courtesy email at the "
           "account {bot} because you are an attendee of this event.", "Tue 10 Nov 2026 10am - 10:30am (EST)"),
    "de": ("Sie wurden zu folgendem Termin eingeladen.", ("Titel", "Wann", "Kalender", "Teilnehmer", "Organisator",
           "Termindetails"), "Einladung von Google Kalender", "Sie erhalten diese E-Mail unter {bot}, da Sie ein "
           "Gast dieses Termins sind.", "Di. 10. Nov. 2026 10:00 - 10:30 (MEZ)"),
    "es": ("Has recibido una invitación para el siguiente evento.", ("Título", "Cuándo", "Calendario", "Invitados",
           "organizador", "Detalles del evento"), "Invitación de Google Calendar", "Has recibido este correo "
           "electrónico en la cuenta {bot} porque eres un invitado de este evento.",
           "mar 10 nov 2026 10:00 - 10:30 (CET)"),
    "cs": ("Byli jste pozváni na tuto událost.", ("Název", "Kdy", "Kalendář", "Účastníci", "organizátor",
           "Podrobnosti události"), "Pozvánka z Kalendáře Google", "Tento e-mail jste obdrželi na účet {bot}, "
           "protože jste hostem této události.", "út 10. lis 2026 10:00 - 10:30 (SEČ)"),
    "tr": ("Aşağıdaki etkinliğe davet edildiniz.", ("Başlık", "Ne zaman", "Takvim", "Katılımcılar", "düzenleyen",
           "Etkinlik ayrıntıları"), "Google Takvim davetiyesi", "Bu etkinliğin davetlisi olduğunuz için bu "
           "e-postayı {bot} hesabında alıyorsunuz.", "10 Kas 2026 Sal 12:00 - 12:30 (GMT+3)"),
    "zh": ("您已受邀参加以下活动。", ("标题", "时间", "日历", "参加者", "组织者", "活动详情"), "Google 日历邀请",
           "您之所以会在 {bot} 帐号收到这封邮件，是因为您是此活动的邀请对象。", "2026年11月10日周二 17:00 - 17:30 (CST)"),
    "pl": ("Otrzymujesz zaproszenie na poniższe wydarzenie.", ("Tytuł", "Kiedy", "Kalendarz", "Uczestnicy",
           "organizator", "Szczegóły wydarzenia"), "Zaproszenie z Kalendarza Google", "Otrzymujesz tę wiadomość na "
           "konto {bot}, ponieważ jesteś gościem tego wydarzenia.", "wt., 10 lis 2026 10:00 - 10:30 (CET)"),
    "fi": ("Sinut on kutsuttu seuraavaan tapahtumaan.", ("Otsikko", "Milloin", "Kalenteri", "Osallistujat",
           "järjestäjä", "Tapahtuman tiedot"), "Kutsu Google Kalenterista", "Saat tämän sähköpostin tilille {bot}, "
           "koska olet tämän tapahtuman vieras.", "ti 10. marrask. 2026 11:00 - 11:30 (EET)"),
}
GOOGLE_UPDATE = {"en": ("Updated invitation", "This event has been changed."),
                 "de": ("Aktualisierte Einladung", "Dieser Termin wurde geändert.")}
GOOGLE_SUBJ = {"en": "Invitation", "de": "Einladung", "es": "Invitación", "cs": "Pozvánka", "tr": "Davetiye",
               "zh": "邀请", "pl": "Zaproszenie", "fi": "Kutsu"}
TEAMS = {  # title, join, click, id, passcode
    "en": ("Microsoft Teams meeting", "Join on your computer, mobile app or room device",
           "Click here to join the meeting", "Meeting ID", "Passcode"),
    "fr": ("Réunion Microsoft Teams", "Rejoindre sur votre ordinateur, application mobile ou appareil de salle",
           "Cliquez ici pour participer à la réunion", "ID de la réunion", "Code secret"),
    "nl": ("Microsoft Teams-vergadering", "Deelnemen op uw computer, mobiele app of apparaat in de ruimte",
           "Klik hier om deel te nemen aan de vergadering", "Vergadering-id", "Wachtwoordcode"),
    "ja": ("Microsoft Teams 会議", "コンピューター、モバイル アプリケーション、またはルーム デバイスで参加する",
           "ここをクリックして会議に参加してください", "会議 ID", "パスコード"),
    "it": ("Riunione di Microsoft Teams",
           "Partecipa da computer, app per dispositivi mobili o dispositivo della sala",
           "Fai clic qui per partecipare alla riunione", "ID riunione", "Passcode"),
}
WHEN_WHERE = {
    "en": "When: Tuesday, 10 November 2026 09:00-09:30 (UTC+00:00) Dublin, Edinburgh, Lisbon, London.\n"
          "Where: Microsoft Teams Meeting",
    "nl": "Wanneer: dinsdag 10 november 2026 10:00-10:30 (UTC+01:00) Amsterdam, Berlijn, Bern, Rome, Stockholm, "
          "Wenen.\nWaar: Microsoft Teams-vergadering",
}
PREFIX = {"cancel": {"de": "Abgesagt: ", "sv": "Inställt: "},
          "reply": {"en": "Accepted: ", "da": "Accepteret: ", "pt": "Provisório: "}}
ZOOM = {  # inviting, topic, time, join, id, passcode
    "en": ("{name} is inviting you to a scheduled Zoom meeting.", "Topic", "Time", "Nov 10, 2026 09:00 AM London",
           "Join Zoom Meeting", "Meeting ID", "Passcode"),
    "es": ("{name} le está invitando a una reunión de Zoom programada.", "Tema", "Hora", "10 nov 2026 10:00 Madrid",
           "Unirse a la reunión Zoom", "ID de reunión", "Código de acceso"),
}
THUNDERBIRD = {"nb": ("Invitasjon", "Du har blitt invitert til en hendelse", "Tittel", "Når",
                      "tirsdag 10. november 2026 10:00 – 10:30 Europe/Oslo", "Arrangør", "Deltakere", "Detaljer")}

# --------------------------------------------------------------------------- building blocks

ENTITIES = {"named": {NB: "&nbsp;", SHY: "&shy;", ZNJ: "&zwnj;", ZJ: "&zwj;", Z: "&ZeroWidthSpace;",
                      WJ: "&NoBreak;", BOM: "&#65279;", NNB: "&#8239;"}}


def esc(text: str, ent: str) -> str:
    """Text as HTML: escaped, the special characters as the case's client writes them, <wbr> as a tag."""
    out = html.escape(text, quote=False)
    for ch in (NB, NNB, SHY, Z, ZNJ, ZJ, WJ, BOM):
        if ent == "named":
            out = out.replace(ch, ENTITIES["named"][ch])
        elif ent in ("numeric", "hex"):
            out = out.replace(ch, f"&#{ord(ch)};" if ent == "numeric" else f"&#x{ord(ch):X};")
    return out.replace(WBR, "<wbr>")


def html_doc(paras: list[str], table: list[list[str]] | None, flavor: str, ent: str) -> str:
    """An HTML body the way Gmail or Outlook writes one; the table (if any) after the second paragraph."""
    cells = table or []
    if flavor == "outlook":
        def para(text: str) -> str:
            return text and "".join(f'<p class="MsoNormal">{esc(line, ent) if line else "<o:p>&nbsp;</o:p>"}'
                           f'{"<o:p></o:p>" if line else ""}</p>\n' for line in text.split("\n"))
        gap = '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        grid = ('<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" style="border-collapse:'
                'collapse;border:none">\n' + "".join(
                    "<tr>" + "".join(f'<td width="180" valign="top" style="border:solid windowtext 1.0pt;padding:0cm '
                                     f'5.4pt"><p class="MsoNormal">{esc(c, ent)}<o:p></o:p></p></td>' for c in row)
                    + "</tr>\n" for row in cells) + "</table>\n") if cells else ""
        blocks = [para(p) for p in paras[:2]] + [grid] + [para(p) for p in paras[2:]]
        return ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns="http://www.w3.org/TR/REC-html40">'
                '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta name="Generator" '
                'content="Microsoft Word 15 (filtered medium)"><style><!--\np.MsoNormal, li.MsoNormal, div.MsoNormal'
                '\n\t{margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;}\n--></style></head>\n'
                '<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">'
                f'<div class="WordSection1">\n{gap.join(b for b in blocks if b.strip())}</div></body></html>')

    def para(text: str) -> str:
        return text and "".join(f"<div>{esc(line, ent) if line else '<br>'}</div>" for line in text.split("\n"))
    grid = ('<table border="1" cellpadding="4" style="border-collapse:collapse"><tbody>' + "".join(
        "<tr>" + "".join(f"<td>{esc(c, ent)}</td>" for c in row) + "</tr>" for row in cells)
        + "</tbody></table>") if cells else ""
    blocks = [para(p) for p in paras[:2]] + [grid] + [para(p) for p in paras[2:]]
    return f'<div dir="ltr">{"<div><br></div>".join(b for b in blocks if b)}</div>\n'


def ical_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continued after a space."""
    parts, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode())
        if size + width > (74 if parts else 75):
            parts.append(current)
            current, size = "", 0
        current += ch
        size += width
    return "\r\n ".join([*parts, current])


def ics(method: str, ev: dict, prodid: str) -> str:
    """One VEVENT as the client sends it (times in UTC)."""
    attendee_state = ev.get("partstat", "NEEDS-ACTION")
    lines = [
        "BEGIN:VCALENDAR", f"PRODID:{prodid}", "VERSION:2.0", "CALSCALE:GREGORIAN", f"METHOD:{method}",
        "BEGIN:VEVENT", f"DTSTART:{ev['start']:%Y%m%dT%H%M%SZ}",
        f"DTEND:{ev['start'] + timedelta(minutes=30):%Y%m%dT%H%M%SZ}", f"DTSTAMP:{ev['stamp']:%Y%m%dT%H%M%SZ}",
        f'ORGANIZER;CN="{ev["organizer"].display_name}":mailto:{ev["organizer"].addr_spec}', f"UID:{ev['uid']}",
        f'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={attendee_state};RSVP=TRUE;'
        f'CN="{ev["attendee"].display_name}":mailto:{ev["attendee"].addr_spec}',
        f"DESCRIPTION:{ical_text(ev['desc'])}", f"LOCATION:{ical_text(ev.get('where', ''))}",
        f"SEQUENCE:{1 if method == 'CANCEL' or ev.get('update') else 0}", f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
        f"SUMMARY:{ical_text(ev['title'])}", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def attach_ics(msg: EmailMessage, text: str, method: str, name: str = "invite.ics") -> None:
    msg.add_attachment(text.encode(), maintype="application", subtype="ics", filename=name,
                       params={"method": method})


def calendar_message(style: str, lang: str, ev: dict, rng: random.Random) -> tuple[EmailMessage, str]:
    """(the message, its subject): what Google Calendar, Outlook/Exchange, Zoom in Outlook or Thunderbird send."""
    org, title, desc = ev["organizer"], ev["title"], ev["desc"]
    msg = EmailMessage(policy=policy.SMTP)
    if style in ("google", "google_noics"):
        intro, lab, footer, why, when = GOOGLE[lang]
        word, intro = GOOGLE_UPDATE[lang] if ev.get("update") else (GOOGLE_SUBJ[lang], intro)
        eid = f"{rng.getrandbits(120):030x}"
        plain = (f"{intro}\n\n{lab[0]}: {title}\n{desc}\n{lab[1]}: {when}\n\n{lab[2]}: {BOT.addr_spec}\n{lab[3]}:\n"
                 f"    * {org.display_name} - {lab[4]}\n    * {BOT.addr_spec}\n\n{lab[5]}:  "
                 f"https://calendar.google.com/calendar/event?action=VIEW&eid={eid}\n\n{footer}: "
                 f"https://calendar.google.com/calendar/\n\n{why.format(bot=BOT.addr_spec)}\n")
        rich = ('<span itemscope itemtype="http://schema.org/InformAction"><span itemprop="object" itemscope '
                'itemtype="http://schema.org/Event"><meta itemprop="eventStatus" content="http://schema.org/'
                f'EventScheduled"/></span></span><div><p>{html.escape(intro)}</p><h3>{html.escape(title)}</h3>'
                f"<p>{html.escape(desc).replace(chr(10), '<br>')}</p><p><b>{lab[1]}</b> {html.escape(when)}</p>"
                f'<p><a href="https://calendar.google.com/calendar/event?action=RESPOND&amp;eid={eid}">{lab[5]}'
                f'</a></p><p>{html.escape(footer)}</p><p>{html.escape(why.format(bot=BOT.addr_spec))}</p></div>')
        msg.set_content(plain)
        msg.add_alternative(rich, subtype="html")
        if style == "google":
            invite = ics("REQUEST", ev, "-//Google Inc//Google Calendar 70.9054//EN")
            msg.add_alternative(invite, subtype="calendar", params={"method": "REQUEST"})
            attach_ics(msg, invite, "REQUEST")
        msg["Sender"] = "Google Calendar <calendar-notification@google.com>"
        msg["Reply-To"] = org
        return msg, f"{word}: {title} @ {when} ({BOT.addr_spec})"
    if style == "thunderbird":
        subj, intro, t, w, when, o, who, det = THUNDERBIRD[lang]
        plain = (f"{intro}\n\n{t}: {title}\n{w}: {when}\n{o}: {org.display_name} <{org.addr_spec}>\n{who}:\n"
                 f"{org.display_name} <{org.addr_spec}>\n{BOT.addr_spec}\n\n{det}:\n{desc}\n")
        invite = ics("REQUEST", ev, "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN")
        msg.set_content(plain)
        msg.add_alternative(invite, subtype="calendar", params={"method": "REQUEST"})
        attach_ics(msg, invite, "REQUEST")
        return msg, f"{subj}: {title} @ {when}"
    # Outlook / Exchange: the organizer's own words, then the meeting service's block
    method = {"cancel": "CANCEL", "reply": "REPLY"}.get(style, "REQUEST")
    if style == "zoom":
        inviting, topic, time_, when, join, mid_label, code_label = ZOOM[lang]
        mid, code = rng.randrange(10**10, 10**11), rng.randrange(100000, 999999)
        block = (f"{inviting.format(name=org.display_name)}\n\n{topic}: {title}\n{time_}: {when}\n\n{join}\n"
                 f"https://us02web.zoom.us/j/{mid}?pwd={rng.getrandbits(120):030x}\n\n{mid_label}: "
                 f"{str(mid)[:3]} {str(mid)[3:7]} {str(mid)[7:]}\n{code_label}: {code}\n")
        ev["where"] = f"https://us02web.zoom.us/j/{mid}"
    elif style == "outlook":
        head, join, click, mid_label, code_label = TEAMS[lang]
        rule = "_" * 80
        block = (f"{rule}\n{head}\n{join}\n{click}<https://teams.microsoft.com/l/meetup-join/19%3ameeting_"
                 f"{rng.getrandbits(160):040x}%40thread.v2/0>\n{mid_label}: {rng.randrange(100, 999)} "
                 f"{rng.randrange(100, 999)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}\n{code_label}: "
                 f"{rng.getrandbits(30):08x}\n{rule}\n")
        ev["where"] = TEAMS[lang][0]
    else:
        block = ""
    ww = f"{WHEN_WHERE[lang]}\n\n*~*~*~*~*~*~*~*~*~*\n\n" if ev.get("ww") else ""
    plain = f"{ww}{desc}\n\n{block}".rstrip("\n") + "\n"
    prefix = PREFIX.get(style, {}).get(lang, "")
    if style == "reply":
        ev = dict(ev, organizer=BOT, attendee=org, partstat="TENTATIVE" if ev.get("tentative") else "ACCEPTED")
    msg.set_content(plain)
    msg.add_alternative(html_doc([ww.strip(), desc, block.strip()], None, "outlook", "raw"), subtype="html")
    msg.add_alternative(ics(method, ev, "Microsoft Exchange Server 2010"), subtype="calendar",
                        params={"method": method})
    if ev.get("cc"):
        msg["Content-Class"] = "urn:content-classes:calendarmessage"
    return msg, prefix + title


class FormIds(Ids):
    """Ids with whole amounts, lakh-sized rupees and splits whose total is unique too."""

    def amount(self, currency: str) -> Decimal:
        if currency == "INR":
            return self._unique(lambda: Decimal(self.rng.randrange(15_000_000, 900_000_000)) / 100)
        return super().amount(currency)

    def whole(self) -> Decimal:
        return self._unique(lambda: Decimal(self.rng.randrange(1_500, 90_000)))

    def split(self, currency: str, whole: bool) -> tuple[Decimal, Decimal]:
        while True:
            a1, a2 = (self.whole(), self.whole()) if whole else (self.amount(currency), self.amount(currency))
            if a1 + a2 not in self.seen:
                self.seen.add(a1 + a2)
                return a1, a2


def case_ledger(ids: FormIds, currency: str, opts: dict, decoy: bool) -> tuple[dict, list, list, list]:
    """(values for the text, payments [(id, amount, weeks before the case's date)], invoices [(number,
    open amount)], the allocations that are right if the case is applied). A decoy is a second payment
    on the case's date, of another amount: where the mail names no payment id, the date alone never
    tells which payment it is."""
    def fresh() -> Decimal:
        return ids.whole() if opts.get("whole") else ids.amount(currency)

    v: dict = {"P": ids.payment(), "H": ids.invoice()}
    invoices = [(v["H"], fresh())]
    if opts.get("split"):
        a1, a2 = ids.split(currency, bool(opts.get("whole")))
        v.update(A1=a1, A2=a2, AMT=a1 + a2, G1=ids.invoice(), G2=ids.invoice())
        extra = (fresh(), fresh()) if opts.get("partial") else (0, 0)
        invoices += [(v["G1"], a1 + extra[0]), (v["G2"], a2 + extra[1])]
        paid = a1 + a2 - (a2 / 2).quantize(Decimal("1")) if opts.get("over") else a1 + a2
        allocations = [(v["P"], v["G1"], a1), (v["P"], v["G2"], a2)]
    else:
        v.update(G=ids.invoice(), AMT=fresh())
        paid = v["AMT"]
        if opts.get("nopay"):
            v["X"] = fresh()
            invoices.append((v["G"], v["X"]))
        elif opts.get("fee"):
            v["X"], paid = v["AMT"], v["AMT"] - Decimal("25.00")
            invoices.append((v["G"], v["X"]))
        else:
            invoices.append((v["G"], v["AMT"]))
        allocations = [(v["P"], v["G"], v["AMT"])]
    payments = [(v["P"], paid, 0)] + ([(ids.payment(), fresh(), 0)] if decoy else [])
    if opts.get("twin"):
        payments.append((ids.payment(), paid, 2))
    if opts.get("wrong"):
        v.update(PX=ids.payment(), GX=ids.invoice(), PS=v["P"][:-1])
    return v, payments, invoices, allocations


def fill_values(v: dict, key: str, currency: str, received: date, opts: dict) -> dict:
    """Every placeholder as written, with the case's invisible characters put inside."""
    fill = {}
    for name, value in v.items():
        fill[name] = written(key, currency, value, opts.get("fmt")) if isinstance(value, Decimal) else value
    if "AMT" in v:
        fill["DX"] = daxie(v["AMT"])
    fill["D"] = written_date(key, received, opts.get("df", 0))
    for name, at, ch in sorted(opts.get("zw", []), key=lambda z: -z[1]):
        fill[name] = fill[name][:at] + ch + fill[name][at:]
    return fill


def stamp(msg: EmailMessage, sender: Address, subject: str, when: datetime, mid: str, rng: random.Random) -> None:
    """The headers our receiving server leaves on every message (the From domain passes), before the
    content headers the message already has."""
    domain = sender.domain
    content = list(msg.items())
    for name in {name for name, _ in content}:
        del msg[name]
    ours = {
        "Authentication-Results": f"mx.billing.example; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; "
                                  f"dmarc=pass header.from={domain}",
        "Received": f"from mail.{domain} (mail.{domain} [198.51.100.{rng.randrange(2, 250)}]) by mx.billing.example "
                    f"with ESMTPS; {format_datetime(when + timedelta(seconds=23))}",
        "From": sender, "To": BOT, "Subject": subject, "Date": format_datetime(when), "Message-ID": mid,
    }
    for name, value in [*ours.items(), *content]:
        msg[name] = value


def person_message(text: str, fill: dict, opts: dict, greet: str, signature: str, n: int) -> EmailMessage:
    paras = [greet, text.format(**fill), signature]
    table = [[cell.format(**fill) for cell in row] for row in opts.get("table", [])]
    grid = "\n".join("\t".join(row) for row in table)
    plain = ("\n\n".join(paras[:2]) + (f"\n\n{grid}" if grid else "") + f"\n\n{signature}\n").replace(WBR, "")
    mime = opts.get("mime", "plain")
    rich = html_doc(paras, table, opts.get("flavor", "gmail"), opts.get("ent", "raw"))
    msg = EmailMessage(policy=policy.SMTP)
    if mime == "html":
        msg.set_content(rich, subtype="html", cte="quoted-printable")
    else:
        msg.set_content(plain, cte="quoted-printable" if n % 2 else "8bit")
        if mime == "alt":
            msg.add_alternative(rich, subtype="html", cte="quoted-printable")
    return msg


def fresh_folders(out: Path) -> None:
    """An empty ledger/ and mail/ under `out` (expected.jsonl is written over)."""
    for sub in ("ledger", "mail"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True, exist_ok=True)


def seal(msg: EmailMessage, rng: random.Random) -> None:
    """MIME-Version on the top part only, and boundaries from the seed: the same bytes each build."""
    for i, part in enumerate(msg.walk()):
        if part is not msg:
            del part["MIME-Version"]
        if part.is_multipart():
            part.set_boundary(f"{'0' * 12}{rng.getrandbits(64):016x}{i}")


def write_ledger(out: Path, accounts: dict, invoices: list, payments: list, expected: list[dict]) -> None:
    """The ledger CSVs of `accounts` (with their contacts), the invoices and payments, and expected.jsonl."""
    tables = {"accounts": [list(a[:4]) for a in accounts.values()],
              "contacts": [[a[0], f"{local}@{a[4]}", name, role] for a in accounts.values()
                           for local, name, role, _ in a[5]],
              "invoices": invoices, "payments": payments}
    for stem, rows in tables.items():
        with (out / "ledger" / f"{stem}.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([LEDGER_COLUMNS[stem].split(), *rows])
    (out / "expected.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in expected),
                                        encoding="utf-8")


def build(out: Path = OUT) -> Counter:
    """Write the corpus; the number of cases by (kind, language)."""
    rng = random.Random(SEED)
    ids = FormIds(rng)
    fresh_folders(out)

    invoices, payments, expected = [], [], []
    rotation = dict.fromkeys(ACCOUNTS, 0)
    start = datetime(2026, 11, 4, 7, 40, tzinfo=UTC)
    for n, (key, kind, expect, text, opts) in enumerate(CASES, 1):
        account_id, company, _locale, currency, domain, contacts = ACCOUNTS[key]
        lang = key.split("-")[0]
        allowed = [c for c in contacts if c[2] in ("billing_admin", "account_admin")]
        local, name, _role, title = allowed[rotation[key] % len(allowed)]
        rotation[key] += 1
        sender = Address(name, local, domain)

        v, pays, invs, allocs = case_ledger(ids, currency, opts, decoy=kind == AMT_ONLY or "{P}" not in text)
        received = date(2026, 10, 26) + timedelta(days=n % 9)
        issued = received - timedelta(days=35 + n % 13)
        invoices += [[number, account_id, issued.isoformat(), (issued + timedelta(days=30)).isoformat(), currency,
                      f"{amount}", f"{amount}"] for number, amount in invs]
        for pay, amount, weeks in pays:
            day = received - timedelta(weeks=weeks)
            payments.append([pay, account_id, day.isoformat(), currency, f"{amount}", f"{amount}",
                             f"{company.split()[0].upper()[:10]} {day:%Y%m%d}", company])
        fill = fill_values(v, key, currency, received, opts)

        when = start + timedelta(minutes=37 * n + rng.randrange(0, 30))
        L = LANGS[lang]
        if kind == CAL:
            ev = dict(opts, organizer=sender, attendee=BOT, title=opts["title"].format(**fill),
                      desc=text.format(**fill), uid=f"{rng.getrandbits(128):032x}@{domain}",
                      start=datetime(2026, 11, 10, 9, tzinfo=UTC), stamp=when)
            msg, subject = calendar_message(opts["cal"], lang, ev, rng)
            mid = (f"<{rng.getrandbits(96):024x}@google.com>" if opts["cal"].startswith("google")
                   else message_id(rng, domain, 1))
        else:
            subjects = L["subj"] if "{P}" in text or "{P}" in str(opts.get("table")) else \
                [s for s in L["subj"] if "{P}" not in s]
            subject = (opts.get("subj") or subjects[n % len(subjects)]).format(**fill).replace(WBR, "")
            signature = f"{L['close'][(n // 2) % len(L['close'])]}\n{name}\n{title}\n{company}"
            if n % 3 == 0:
                phone = (rng.randrange(30, 49), rng.randrange(10, 99), rng.randrange(100000, 999999))
                signature += "\nTel. +{} {} {}".format(*phone)
            msg = person_message(text, fill, opts, L["greet"][n % len(L["greet"])], signature, n)
            mid = message_id(rng, domain, n)
        stamp(msg, sender, subject, when, mid, rng)
        seal(msg, rng)
        file_name = f"{n:04d}.eml"
        (out / "mail" / file_name).write_bytes(msg.as_bytes())

        allocations = ([{"payment_id": p, "invoice_number": g, "amount": f"{a:.2f}", "currency": currency}
                        for p, g, a in allocs] if expect == A else [])
        expected.append({"file": file_name, "message_id": mid, "expect": expect, "kind": kind,
                         "sender": sender.addr_spec, "allocations": allocations,
                         "note": f"[{key}] {opts.get('cal', '')} {opts.get('n', '')}".replace("  ", " ").strip(),
                         "lang": lang})

    write_ledger(out, ACCOUNTS, invoices, payments, expected)
    return Counter((e["kind"], e["lang"]) for e in expected)


if __name__ == "__main__":
    counts = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    for kind in dict.fromkeys(k for k, _ in counts):
        langs = sorted((lang, n) for (k, lang), n in counts.items() if k == kind)
        print(f"{kind:<13} {sum(n for _, n in langs):>3}  " + " ".join(f"{lang}={n}" for lang, n in langs))
