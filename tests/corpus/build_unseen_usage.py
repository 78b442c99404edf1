#!/usr/bin/env python3
"""Build tests/corpus/unseen_usage/: our own cases for issue 15 item 7 (Dutch requests the weakest
of the locales measured; payments named by amount and a locally written date; partial payments;
splits written in prose), beside controls a clerk must hold. Deterministic: the same script writes
the same bytes (MIME boundaries come from the seed too).

    python tests/corpus/build_unseen_usage.py [OUT_DIR]

Kinds: `nl_usage` (Dutch requests in the words Dutch and Flemish bookkeepers use: afletteren,
verrekenen, boeken op, toewijzen, koppelen aan, in mindering brengen, voldoen, "ter voldoening
van", separable verbs split by "te" or by the object: applied), `usage` (the same in the other
locales: polite questions with their business verbs, "settle", "verrechnen", "solder", "compensar":
applied), `local_date` (no payment id, only the amount and the day written the local way: month
names, day-first numbers, "d.d.", and a second payment of the same amount on the day-month swapped
date, so that a date read the wrong way round moves the wrong money: applied), `partial` (part of
a payment to an invoice, the rest kept; a payment short of the invoice: applied), `prose_split`
(a payment split over invoices in sentences, "the rest to G2": applied) and `control` (the new
words negated, put off or asked about; a future payment; an amount or a date no payment has:
held, or no allocation).

Every case has its own payment(s) and invoices; a case that names no payment id has a second
payment of the account on the same day, of another amount: only the amount can tell them apart.
Payments are received 1–12 December 2026 (days that read as a month too, and whose swapped
reading is an earlier day of the year) or in the first days of January 2027, and the mail is sent
from 11 January 2027: a date written without its year is one of last year. Accounts, languages,
ids, message ids and MIME building come from build_unseen_forms.py and build_unseen_words.py (run
as a script, this folder is on sys.path).
"""
from __future__ import annotations

import random
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.headerregistry import Address
from pathlib import Path

from build_unseen_forms import ACCOUNTS, FormIds, fresh_folders, person_message, seal, stamp, write_ledger, written
from build_unseen_words import LANGS, message_id

OUT = Path(__file__).resolve().parent / "unseen_usage"
SEED = 15_0707

# December and January as written after a day number (the genitive where the language has one).
MONTHS = {
    "en": ("December", "January"), "nl": ("december", "januari"), "de": ("Dezember", "Januar"),
    "fr": ("décembre", "janvier"), "es": ("diciembre", "enero"), "it": ("dicembre", "gennaio"),
    "pt": ("dezembro", "janeiro"), "sv": ("december", "januari"), "da": ("december", "januar"),
    "nb": ("desember", "januar"), "pl": ("grudnia", "stycznia"), "cs": ("prosince", "ledna"),
    "fi": ("joulukuuta", "tammikuuta"), "tr": ("Aralık", "Ocak"), "ja": ("", ""), "zh": ("", ""),
}
# Ways a day is written, by account key or language: {d} {dd} day, {m} {mm} month, {mon} its name.
DATES = {
    "en-us": ("{mon} {d}, {y}", "{mm}/{dd}/{y}", "{mon} {d}"),
    "en-gb": ("{d} {mon} {y}", "{dd}/{mm}/{y}", "{d} {mon}"),
    "nl": ("{d} {mon} {y}", "{dd}-{mm}-{y}", "{d} {mon}", "{d}-{m}-{y}"),
    "de": ("{d}. {mon} {y}", "{dd}.{mm}.{y}", "{d}. {mon}", "{d}.{m}."),
    "fr": ("{d} {mon} {y}", "{dd}/{mm}/{y}", "{d} {mon}"), "it": ("{d} {mon} {y}", "{dd}/{mm}/{y}", "{d} {mon}"),
    "es": ("{d} de {mon} de {y}", "{dd}/{mm}/{y}", "{d} de {mon}"),
    "pt": ("{d} de {mon} de {y}", "{dd}/{mm}/{y}", "{d} de {mon}"),
    "sv": ("{d} {mon} {y}", "{y}-{mm}-{dd}", "{d} {mon}"), "da": ("{d}. {mon} {y}", "{dd}.{mm}.{y}", "{d}. {mon}"),
    "nb": ("{d}. {mon} {y}", "{dd}.{mm}.{y}", "{d}. {mon}"), "pl": ("{d} {mon} {y}", "{dd}.{mm}.{y}", "{d} {mon}"),
    "cs": ("{d}. {mon} {y}", "{d}. {m}. {y}", "{d}. {mon}"), "fi": ("{d}. {mon} {y}", "{d}.{m}.{y}", "{d}. {mon}"),
    "tr": ("{d} {mon} {y}", "{dd}.{mm}.{y}", "{d} {mon}"),
    "ja": ("{y}年{m}月{d}日", "{m}月{d}日", "{y}/{mm}/{dd}"), "zh": ("{y}年{m}月{d}日", "{m}月{d}日", "{y}-{mm}-{dd}"),
}


def written_date(key: str, day: date, form: int) -> str:
    lang = key.split("-")[0]
    pattern = (DATES.get(key) or DATES[lang])[form]
    return pattern.format(d=day.day, m=day.month, y=day.year, dd=f"{day.day:02d}", mm=f"{day.month:02d}",
                          mon=MONTHS[lang][0 if day.month == 12 else 1])


# --------------------------------------------------------------------------- the cases
# (account key, kind, expect, text, options). Placeholders: {P} payment id, {G} invoice, {H} another
# open invoice, {AMT} the payment's amount, {D} its date, {A1} the part of the payment for {G} (part)
# or for {G1} (split, with {A2} for {G2}), {X} an amount no payment has. Options: df (DATES form),
# part (the payment is {A1} plus a rest that stays unallocated), short (the invoice is open for more
# than the payment), split, rest_open (in a split, {G2} is open for more than the rest), twin (a
# second payment of the amount two weeks earlier), swap (a second payment of the amount on the
# day-month swapped date), nopay ({X} is the invoice's amount, no payment has it), mime, n (note).
NL, USAGE, DATE, PART, SPLIT, CTRL = "nl_usage", "usage", "local_date", "partial", "prose_split", "control"
A, H_, NONE = "applied", "held", "none"

CASES: list[tuple] = [
    # ------------------------------------------------------------------ Dutch, as bookkeepers write it
    ("nl", NL, A, "Graag betaling {P} afletteren op factuur {G}.", {}),
    ("nl", NL, A, "Kunt u de betaling {P} afletteren tegen factuur {G}?", dict(n="question with afletteren")),
    ("nl", NL, A, "Wilt u onze overboeking {P} verrekenen met factuur {G}?", {}),
    ("nl", NL, A, "Betaling {P} mag geboekt worden op factuur {G}.", dict(n="passive: mag geboekt worden")),
    ("nl", NL, A, "Wij verzoeken u vriendelijk het bedrag van {AMT} (betaling {P}) toe te wijzen aan factuur {G}.",
     dict(n="separable verb split by te")),
    ("nl", NL, A, "Zou u betaling {P} willen koppelen aan factuur {G}?", {}),
    ("nl", NL, A, "Betaling {P} is bestemd voor factuur {G}.", dict(n="is bestemd voor")),
    ("nl", NL, A, "De betaling {P} heeft betrekking op factuur {G}. Graag zo verwerken.", {}),
    ("nl", NL, A, "Gelieve betaling {P} af te boeken op factuur {G}.", dict(n="Flemish gelieve, afboeken")),
    ("nl", NL, A, "Kan je betaling {P} wegboeken tegen factuur {G}?", dict(n="informal kan je, wegboeken")),
    ("nl", NL, A, "Hierbij het verzoek om betaling {P} in mindering te brengen op factuur {G}.",
     dict(n="in mindering brengen")),
    ("nl", NL, A, "Betaling {P} hoort bij factuur {G}, graag zo inboeken.", {}),
    ("nl", NL, A, "Wij hebben factuur {G} voldaan met betaling {P}.", dict(n="voldaan")),
    ("nl", NL, A, "Ter voldoening van factuur {G} hebben wij {AMT} overgemaakt (betaling {P}).",
     dict(n="ter voldoening van")),
    ("nl", NL, A, "Kunnen jullie de betaling {P} nog even aan factuur {G} toewijzen?", {}),
    ("nl", NL, A, "Kunt u factuur {G} afletteren met onze betaling {P}?", dict(n="invoice first")),
    ("nl", NL, A, "Zoudt u zo vriendelijk willen zijn betaling {P} te verrekenen met factuur {G}?", {}),
    ("nl", NL, A, "Kunt u de ontvangst {P} koppelen aan factuurnummer {G}? Alvast dank.", dict(n="ontvangst")),
    ("nl", NL, A, "Letter betaling {P} a.u.b. af op factuur {G}.", dict(n="separable: letter … af")),
    ("nl", NL, A, "Onze betaling {P} graag in zijn geheel op factuur {G} boeken.", dict(mime="alt")),
    ("nl", NL, A, "De betaling {P} is voor factuur {G}. Kunt u die daarmee wegstrepen?", dict(n="wegstrepen")),
    ("nl", NL, A, "Ik zie dat onze betaling {P} nog niet is toegewezen. Kunt u deze alsnog op factuur {G} "
     "boeken?", dict(n="nog niet toegewezen (state), alsnog")),
    ("nl", NL, A, "Wij hebben op {D} {AMT} overgemaakt. Graag dit bedrag afletteren op factuur {G}.",
     dict(df=0, n="no id: amount and date")),
    ("nl", NL, A, "Onze betaling d.d. {D} van {AMT} is voor factuur {G}.", dict(df=1, n="d.d. dd-mm-yyyy")),
    ("nl", NL, A, "Graag het bedrag van {AMT} dat wij op {D} hebben betaald toewijzen aan factuur {G}.",
     dict(df=2, n="het bedrag van …, year-less date")),
    ("nl", NL, A, "Kunt u onze storting van {D} ({AMT}) verrekenen met factuur {G}?", dict(df=3)),
    ("nl", NL, A, "Van betaling {P} graag {A1} afletteren op factuur {G}; het restant blijft openstaan.",
     dict(part=True, n="partial, restant")),
    ("nl", NL, A, "Dit is een deelbetaling: betaling {P} graag boeken op factuur {G}, het restant van de "
     "factuur volgt later.", dict(short=True, n="deelbetaling, invoice open for more")),
    ("nl", NL, A, "Betaling {P} graag verdelen: {A1} op factuur {G1} en {A2} op factuur {G2}.", dict(split=True)),
    ("nl", NL, A, "Van betaling {P} is {A1} voor factuur {G1}; het restant mag naar factuur {G2}.",
     dict(split=True, n="rest to G2")),
    ("nl", NL, A, "Wij hebben op {D} {AMT} betaald voor factuur {G}. Wilt u dit verwerken?",
     dict(df=0, n="perfect tense: hebben … betaald")),
    ("nl", NL, A, "Factuur {G} hebben wij op {D} voldaan ({AMT}). Graag de betaling afletteren.", dict(df=1)),
    ("nl", NL, A, "Onze overschrijving van {AMT} van {D} is bestemd voor factuur {G}.",
     dict(df=2, n="Flemish overschrijving")),
    ("nl", NL, A, "Hierbij laten wij u weten dat betaling {P} betrekking heeft op factuur {G}. Gaarne afletteren.",
     {}),
    ("nl", NL, A, "Het ontvangen bedrag {P} kan worden verrekend met de openstaande post {G}.",
     dict(n="openstaande post")),
    ("de", USAGE, A, "Wir haben die Rechnung {G} am {D} mit {AMT} bezahlt. Bitte entsprechend ausbuchen.",
     dict(df=2, n="perfect tense: haben … bezahlt")),
    # ------------------------------------------------------------------ the other locales' business words
    ("en-gb", USAGE, A, "Could you offset payment {P} against invoice {G}, please?", {}),
    ("en-us", USAGE, A, "Can you settle invoice {G} with payment {P}?", {}),
    ("en-gb", USAGE, A, "Would you mind applying our payment {P} to invoice {G}?", dict(n="would you mind applying")),
    ("en-us", USAGE, A, "Can you please credit payment {P} to invoice {G}?", {}),
    ("de", USAGE, A, "Könnten Sie die Zahlung {P} bitte auf die Rechnung {G} anrechnen?", {}),
    ("de", USAGE, A, "Würden Sie unsere Zahlung {P} gegen die Rechnung {G} ausbuchen?", {}),
    ("fr", USAGE, A, "Pourriez-vous solder la facture {G} avec notre règlement {P} ?", {}),
    ("fr", USAGE, A, "Serait-il possible d'affecter notre virement {P} à la facture {G} ?", {}),
    ("es", USAGE, A, "¿Podrían compensar el pago {P} con la factura {G}?", {}),
    ("es", USAGE, A, "¿Sería posible aplicar nuestra transferencia {P} a la factura {G}?", {}),
    ("it", USAGE, A, "Potreste compensare il nostro bonifico {P} con la fattura {G}?", {}),
    ("it", USAGE, A, "Sarebbe possibile saldare la fattura {G} con il pagamento {P}?", {}),
    ("pt", USAGE, A, "Poderiam dar baixa da fatura {G} com o pagamento {P}?", {}),
    ("pt", USAGE, A, "Seria possível imputar a nossa transferência {P} à fatura {G}?", {}),
    ("sv", USAGE, A, "Kan ni stämma av betalningen {P} mot faktura {G}?", {}),
    ("sv", USAGE, A, "Skulle ni kunna kvitta inbetalningen {P} mot faktura {G}?", {}),
    ("da", USAGE, A, "Kan I modregne betaling {P} i faktura {G}?", {}),
    ("nb", USAGE, A, "Kan dere avregne innbetaling {P} mot faktura {G}?", {}),
    ("nb", USAGE, A, "Vil dere utligne faktura {G} med innbetaling {P}?", {}),
    ("pl", USAGE, A, "Czy mogą Państwo sparować wpłatę {P} z fakturą {G}?", {}),
    ("cs", USAGE, A, "Mohli byste započíst platbu {P} na fakturu {G}?", {}),
    ("fi", USAGE, A, "Voisitteko täsmäyttää maksun {P} laskulle {G}?", {}),
    ("tr", USAGE, A, "{P} numaralı ödemeyi {G} numaralı faturaya işleyebilir misiniz?", {}),
    # ------------------------------------------------------------------ amount and a locally written date
    ("de", DATE, A, "Unsere Zahlung vom {D} über {AMT} ist für die Rechnung {G}.", dict(df=0, swap=True)),
    ("de", DATE, A, "Bitte die Überweisung über {AMT} vom {D} mit Rechnung {G} verrechnen.", dict(df=1, swap=True)),
    ("de", DATE, A, "Wir haben am {D} {AMT} überwiesen, bitte auf Rechnung {G} buchen.", dict(df=2, twin=True)),
    ("fr", DATE, A, "Notre virement de {AMT} du {D} est à imputer sur la facture {G}.", dict(df=1, swap=True)),
    ("fr", DATE, A, "Merci de lettrer notre règlement du {D} ({AMT}) avec la facture {G}.", dict(df=0)),
    ("es", DATE, A, "Les rogamos apliquen la transferencia de {AMT} del {D} a la factura {G}.", dict(df=0, twin=True)),
    ("es", DATE, A, "El pago de {AMT} realizado el {D} corresponde a la factura {G}.", dict(df=1, swap=True)),
    ("it", DATE, A, "Il bonifico di {AMT} effettuato il {D} va imputato alla fattura {G}.", dict(df=1, swap=True)),
    ("pt", DATE, A, "A transferência de {AMT} feita em {D} destina-se à fatura {G}.", dict(df=0)),
    ("en-gb", DATE, A, "Our payment of {AMT} on {D} is for invoice {G}.", dict(df=1, swap=True)),
    ("en-us", DATE, A, "We sent {AMT} on {D}; please apply that payment to invoice {G}.", dict(df=1, swap=True,
                                                                                           n="month first")),
    ("en-gb", DATE, A, "Please allocate the {AMT} we transferred on {D} to invoice {G}.", dict(df=0, twin=True)),
    ("sv", DATE, A, "Vi betalade {AMT} den {D}, koppla gärna betalningen till faktura {G}.", dict(df=0, twin=True)),
    ("da", DATE, A, "Vores indbetaling på {AMT} den {D} vedrører faktura {G}.", dict(df=1, swap=True)),
    ("nb", DATE, A, "Innbetalingen på {AMT} {D} gjelder faktura {G}.", dict(df=0)),
    ("pl", DATE, A, "Wpłatę {AMT} z dnia {D} prosimy rozliczyć z fakturą {G}.", dict(df=1, swap=True)),
    ("cs", DATE, A, "Platbu {AMT} ze dne {D} prosím spárujte s fakturou {G}.", dict(df=0)),
    ("fi", DATE, A, "Maksoimme {D} {AMT}; kohdistakaa maksu laskulle {G}.", dict(df=1, swap=True)),
    ("tr", DATE, A, "{D} tarihli {AMT} tutarındaki ödememizi {G} faturasına mahsup ediniz.", dict(df=0, twin=True)),
    ("nl", DATE, A, "Onze betaling van {AMT} op {D} graag afletteren op factuur {G}.", dict(df=1, swap=True)),
    ("nl", DATE, A, "De overboeking van {D} ter hoogte van {AMT} is voor factuur {G}.", dict(df=0, twin=True)),
    ("ja", DATE, A, "{D}に{AMT}をお振込みしました。請求書{G}への消込をお願いします。", dict(df=2, swap=True)),
    # ------------------------------------------------------------------ partial payments
    ("en-gb", PART, A, "Please apply {A1} of payment {P} to invoice {G} and keep the rest unallocated.",
     dict(part=True)),
    ("en-us", PART, A, "From payment {P}, please allocate {A1} to invoice {G}. The remainder stays on account.",
     dict(part=True, n="amount after the payment id")),
    ("de", PART, A, "Bitte von der Zahlung {P} nur {A1} auf die Rechnung {G} buchen, der Rest bleibt offen.",
     dict(part=True)),
    ("fr", PART, A, "Sur le paiement {P}, merci d'affecter {A1} à la facture {G} ; le solde reste non affecté.",
     dict(part=True)),
    ("es", PART, A, "Del pago {P}, apliquen {A1} a la factura {G}; el resto queda pendiente de aplicar.",
     dict(part=True)),
    ("sv", PART, A, "Av betalningen {P} ska {A1} kopplas till faktura {G}, resten får ligga kvar.", dict(part=True)),
    ("en-gb", PART, A, "Payment {P} is a part payment towards invoice {G}; the balance will follow.",
     dict(short=True, n="part payment, invoice open for more")),
    ("de", PART, A, "Die Zahlung {P} ist eine Teilzahlung auf die Rechnung {G}, der Restbetrag folgt.",
     dict(short=True)),
    ("it", PART, A, "Il pagamento {P} è un acconto sulla fattura {G}.", dict(short=True)),
    # ------------------------------------------------------------------ splits written in prose
    ("en-gb", SPLIT, A, "Of payment {P}, {A1} is for invoice {G1} and {A2} for invoice {G2}.", dict(split=True)),
    ("en-us", SPLIT, A, "Please use {A1} of payment {P} for invoice {G1} and the remaining {A2} for invoice {G2}.",
     dict(split=True)),
    ("en-gb", SPLIT, A, "Please apply {A1} of payment {P} to invoice {G1} and the rest to invoice {G2}.",
     dict(split=True, n="the rest to G2")),
    ("de", SPLIT, A, "Von der Zahlung {P} bitte {A1} auf Rechnung {G1} buchen und den Rest auf Rechnung {G2}.",
     dict(split=True, n="den Rest auf G2")),
    ("fr", SPLIT, A, "Le paiement {P} couvre la facture {G1} pour {A1} et la facture {G2} pour {A2}.",
     dict(split=True, n="invoice then 'pour' amount")),
    ("es", SPLIT, A, "Con el pago {P} cubrimos la factura {G1} por {A1} y la factura {G2} por {A2}.",
     dict(split=True)),
    ("sv", SPLIT, A, "Betalning {P}: {A1} avser faktura {G1} och resterande {A2} faktura {G2}.", dict(split=True)),
    ("en-gb", SPLIT, A, "Please apply {A1} of payment {P} to invoice {G1} and the balance to invoice {G2}.",
     dict(split=True, rest_open=True, n="the rest to G2, which is open for more")),
    # ------------------------------------------------------------------ controls
    ("nl", CTRL, H_, "Graag betaling {P} nog niet afletteren op factuur {G}; wij laten nog weten welke factuur "
     "het wordt.", dict(n="nog niet afletteren")),
    ("nl", CTRL, H_, "Betaling {P} niet verrekenen met factuur {G}, die factuur betwisten wij.",
     dict(n="niet verrekenen")),
    ("nl", CTRL, H_, "Kunt u betaling {P} pas afboeken op factuur {G} nadat wij de creditnota hebben ontvangen?",
     dict(n="pas … nadat")),
    ("nl", CTRL, NONE, "Kunt u nagaan of betaling {P} al is afgeletterd op factuur {G}?", dict(n="status question")),
    ("nl", CTRL, H_, "Misschien hoort betaling {P} bij factuur {G}, maar dat moet ik nog navragen.",
     dict(n="misschien")),
    ("nl", CTRL, NONE, "Wij hebben factuur {G} ontvangen en zullen deze volgende week betalen.",
     dict(n="a payment still to be made")),
    ("nl", CTRL, H_, "Wij hebben op {D} {X} overgemaakt; graag afletteren op factuur {G}.",
     dict(nopay=True, df=0, n="no payment of that amount")),
    ("de", CTRL, H_, "Bitte die Zahlung {P} noch nicht mit der Rechnung {G} verrechnen.", dict(n="noch nicht")),
    ("de", CTRL, H_, "Bitte die Zahlung {P} noch nicht der Rechnung {G} zuordnen.", dict(n="noch nicht … zuordnen")),
    ("nl", CTRL, H_, "Graag betaling {P} nog niet op factuur {G} afboeken.", dict(n="nog niet … afboeken")),
    ("nl", CTRL, NONE, "Wij hebben factuur {G} nog niet betaald; de betaling volgt eind van de maand.",
     dict(n="not paid yet")),
    ("nl", CTRL, NONE, "Factuur {G} is volgens ons al betaald. Waarom ontvangen wij een herinnering?",
     dict(n="a question why")),
    ("nl", CTRL, H_, "Van betaling {P} graag {X} afletteren op factuur {G}; het restant blijft openstaan.",
     dict(part=True, over=True, n="the part is more than the invoice is open for")),
    ("fr", CTRL, H_, "Ne soldez pas encore la facture {G} avec le règlement {P}, nous attendons un avoir.",
     dict(n="ne … pas encore")),
    ("es", CTRL, H_, "No compensen todavía el pago {P} con la factura {G}.", dict(n="no … todavía")),
    ("en-gb", CTRL, H_, "Please do not offset payment {P} against invoice {G} until we have approved it.",
     dict(n="do not offset until")),
    ("en-gb", CTRL, NONE, "Could you tell us whether payment {P} has been offset against invoice {G}?",
     dict(n="status question")),
    ("de", CTRL, H_, "Wir haben am {D} {AMT} überwiesen, bitte auf Rechnung {G} buchen.",
     dict(df=1, swap=True, other_day=True, n="the date is no payment's day: two payments fit")),
    ("en-gb", CTRL, H_, "Please apply {X} of payment {P} to invoice {G} and keep the rest unallocated.",
     dict(part=True, over=True, n="the part is more than the invoice is open for")),
]


# --------------------------------------------------------------------------- building


def case_ledger(ids: FormIds, currency: str, opts: dict, received: date,
                decoy: bool) -> tuple[dict, list, list, list]:
    """(values for the text, payments [(id, amount, day)], invoices [(number, open amount)], the
    allocations that are right if the case is applied)."""
    v: dict = {"P": ids.payment(), "H": ids.invoice()}
    invoices = [(v["H"], ids.amount(currency))]
    if opts.get("split"):
        a1, a2 = ids.split(currency, False)
        v.update(A1=a1, A2=a2, AMT=a1 + a2, G1=ids.invoice(), G2=ids.invoice())
        invoices += [(v["G1"], a1), (v["G2"], a2 + (ids.amount(currency) if opts.get("rest_open") else 0))]
        allocations = [(v["P"], v["G1"], a1), (v["P"], v["G2"], a2)]
    elif opts.get("part"):
        a1, rest = ids.split(currency, False)
        v.update(A1=a1, AMT=a1 + rest, G=ids.invoice())
        if opts.get("over"):
            v["X"] = a1 + rest // 2
        invoices.append((v["G"], a1 + (0 if opts.get("over") else ids.amount(currency))))
        allocations = [(v["P"], v["G"], a1)]
    else:
        v.update(G=ids.invoice(), AMT=ids.amount(currency))
        if opts.get("nopay"):
            v["X"] = ids.amount(currency)
        extra = ids.amount(currency) if opts.get("short") else 0
        invoices.append((v["G"], v.get("X", v["AMT"]) + extra))
        allocations = [(v["P"], v["G"], v["AMT"])]
    payments = [(v["P"], v["AMT"], received)] + ([(ids.payment(), ids.amount(currency), received)] if decoy else [])
    if opts.get("twin"):
        payments.append((ids.payment(), v["AMT"], received - timedelta(weeks=2)))
    if opts.get("swap"):
        payments.append((ids.payment(), v["AMT"], date(received.year, received.day, received.month)))
    return v, payments, invoices, allocations


def build(out: Path = OUT) -> Counter:
    """Write the corpus; the number of cases by (kind, language)."""
    rng = random.Random(SEED)
    ids = FormIds(rng)
    fresh_folders(out)
    invoices, payments, expected = [], [], []
    rotation = dict.fromkeys(ACCOUNTS, 0)
    start = datetime(2027, 1, 11, 7, 40, tzinfo=UTC)
    for n, (key, kind, expect, text, opts) in enumerate(CASES, 1):
        account_id, company, _locale, currency, domain, contacts = ACCOUNTS[key]
        lang = key.split("-")[0]
        allowed = [c for c in contacts if c[2] in ("billing_admin", "account_admin")]
        local, name, _role, title = allowed[rotation[key] % len(allowed)]
        rotation[key] += 1
        sender = Address(name, local, domain)

        received = date(2026, 12, 1 + n % 11) if opts.get("swap") or n % 3 else date(2027, 1, 2 + n % 7)
        v, pays, invs, allocs = case_ledger(ids, currency, opts, received, decoy="{P}" not in text)
        issued = received - timedelta(days=35 + n % 13)
        invoices += [[number, account_id, issued.isoformat(), (issued + timedelta(days=30)).isoformat(), currency,
                      f"{amount}", f"{amount}"] for number, amount in invs]
        payments += [[pay, account_id, day.isoformat(), currency, f"{amount}", f"{amount}",
                      f"{company.split()[0].upper()[:10]} {day:%Y%m%d}", company] for pay, amount, day in pays]
        fill = {k: written(key, currency, x, None) if isinstance(x, Decimal) else x for k, x in v.items()}
        # other_day: the mail names a day on which no payment of the amount came in
        fill["D"] = written_date(key, received + timedelta(days=1) if opts.get("other_day") else received,
                                 opts.get("df", 0))

        when = start + timedelta(minutes=37 * n + rng.randrange(0, 30))
        L = LANGS[lang]
        subjects = L["subj"] if "{P}" in text else [s for s in L["subj"] if "{P}" not in s]
        subject = subjects[n % len(subjects)].format(**fill)
        signature = f"{L['close'][(n // 2) % len(L['close'])]}\n{name}\n{title}\n{company}"
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
                         "note": f"[{key}] {opts.get('n', '')}".strip(), "lang": lang, "text": text})

    write_ledger(out, ACCOUNTS, invoices, payments, expected)
    return Counter((e["kind"], e["lang"]) for e in expected)


if __name__ == "__main__":
    counts = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    for kind in dict.fromkeys(k for k, _ in counts):
        langs = sorted((lang, n) for (k, lang), n in counts.items() if k == kind)
        print(f"{kind:<13} {sum(n for _, n in langs):>3}  " + " ".join(f"{lang}={n}" for lang, n in langs))
