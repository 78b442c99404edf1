#!/usr/bin/env python3
"""Build tests/corpus/unseen_words/: our own cases for issue 17 ("wrong allocations on mail no
one here wrote"), classes 1 (negation, postponement, condition), 2 (doubt) and 4 (corrections),
beside controls that must still be applied. Deterministic: the same script writes the same bytes.

    python tests/corpus/build_unseen_words.py [OUT_DIR]

Every case has its own payment P, the invoice G whose open amount equals P's amount (the one
allocation that can ever be right) and a second open invoice H of another amount (the invoice
named wrongly, doubted, or withdrawn). Texts are templates: {P}, {G}, {H}, {AMT} (P's amount
written the way the language writes money). The rule is a careful clerk's: when the mail does
not clearly ask for this allocation now, no money moves (`held`).
"""
from __future__ import annotations

import csv
import html
import json
import random
import shutil
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent / "unseen_words"
SEED = 17_0417
BOT = Address("Billing allocations", "allocations", "billing.example")

# --------------------------------------------------------------------------- accounts

# key: (account_id, name, locale, currency, domain, [(local, name, role, title)])
ACCOUNTS = {
    "en-us": ("6210001", "Brightwater Analytics Inc.", "en-US", "USD", "brightwater62.com",
              [("laura", "Laura Bennett", "billing_admin", "Accounts Payable Lead"),
               ("daniel", "Daniel Reyes", "account_admin", "Finance Manager"),
               ("kevin", "Kevin Hall", "sales", "Sales")]),
    "en-gb": ("6210002", "Ashford & Pike Ltd", "en-GB", "GBP", "ashfordpike19.co.uk",
              [("charlotte", "Charlotte Hughes", "billing_admin", "Credit Controller"),
               ("oliver", "Oliver Grant", "account_admin", "Head of Finance"),
               ("megan", "Megan Ellis", "support", "Service Desk")]),
    "sv": ("6210003", "Solvik Datatjänst AB", "sv-SE", "SEK", "solvik44.se",
           [("karin", "Karin Holm", "billing_admin", "Redovisningsekonom"),
            ("erik", "Erik Sandberg", "account_admin", "Ekonomichef"),
            ("lisa", "Lisa Ek", "sales", "Säljare")]),
    "da": ("6210004", "Havbro IT ApS", "da-DK", "DKK", "havbro27.dk",
           [("mette", "Mette Kjær", "billing_admin", "Bogholder"),
            ("soren", "Søren Dahl", "account_admin", "Økonomichef")]),
    "nb": ("6210005", "Fjellnett Drift AS", "nb-NO", "NOK", "fjellnett83.no",
           [("ingrid", "Ingrid Bakke", "billing_admin", "Regnskapsmedarbeider"),
            ("lars", "Lars Haugen", "account_admin", "Økonomisjef")]),
    "de": ("6210006", "Mainfeld Systemhaus GmbH", "de-DE", "EUR", "mainfeld36.de",
           [("sabine.krueger", "Sabine Krüger", "billing_admin", "Kreditorenbuchhaltung"),
            ("joerg.wagner", "Jörg Wagner", "account_admin", "Leiter Finanzen"),
            ("tim.vogel", "Tim Vogel", "sales", "Vertrieb")]),
    "fr": ("6210007", "Boréal Infogérance SAS", "fr-FR", "EUR", "boreal58.fr",
           [("elodie.lefevre", "Élodie Lefèvre", "billing_admin", "Comptable fournisseurs"),
            ("julien.garnier", "Julien Garnier", "account_admin", "Directeur administratif et financier")]),
    "es": ("6210008", "Nube Levante S.L.", "es-ES", "EUR", "nubelevante71.es",
           [("lucia.martin", "Lucía Martín", "billing_admin", "Responsable de cuentas a pagar"),
            ("javier.ortega", "Javier Ortega", "account_admin", "Director financiero")]),
    "it": ("6210009", "Collina Digitale S.r.l.", "it-IT", "EUR", "collina24.it",
           [("giulia.ferri", "Giulia Ferri", "billing_admin", "Ufficio contabilità"),
            ("marco.conti", "Marco Conti", "account_admin", "Responsabile amministrativo")]),
    "pt": ("6210010", "Atlântico Cloud Lda.", "pt-PT", "EUR", "atlantico65.pt",
           [("ines.carvalho", "Inês Carvalho", "billing_admin", "Contabilista"),
            ("rui.tavares", "Rui Tavares", "account_admin", "Diretor financeiro")]),
    "nl": ("6210011", "Polderwijk IT B.V.", "nl-NL", "EUR", "polderwijk39.nl",
           [("femke", "Femke de Vries", "billing_admin", "Crediteurenadministratie"),
            ("bram", "Bram Jansen", "account_admin", "Financieel manager")]),
    "pl": ("6210012", "Wiślany Serwis IT Sp. z o.o.", "pl-PL", "PLN", "wislany52.pl",
           [("agnieszka.nowak", "Agnieszka Nowak", "billing_admin", "Specjalistka ds. rozliczeń"),
            ("tomasz.wojcik", "Tomasz Wójcik", "account_admin", "Dyrektor finansowy")]),
    "ja": ("6210013", "株式会社さくらクラウド", "ja-JP", "JPY", "sakuracloud47.jp",
           [("m.sato", "佐藤 美咲", "billing_admin", "経理部"),
            ("k.takahashi", "高橋 健一", "account_admin", "経理部 部長")]),
    "cs": ("6210014", "Vltava Data s.r.o.", "cs-CZ", "CZK", "vltavadata18.cz",
           [("petra.dvorakova", "Petra Dvořáková", "billing_admin", "účetní"),
            ("jan.novotny", "Jan Novotný", "account_admin", "finanční ředitel")]),
    "tr": ("6210015", "Boğaziçi Bulut A.Ş.", "tr-TR", "TRY", "bogazici33.com.tr",
           [("elif.yilmaz", "Elif Yılmaz", "billing_admin", "Muhasebe Uzmanı"),
            ("mehmet.demir", "Mehmet Demir", "account_admin", "Finans Müdürü")]),
    "fi": ("6210016", "Järvinet Palvelut Oy", "fi-FI", "EUR", "jarvinet29.fi",
           [("sanna.virtanen", "Sanna Virtanen", "billing_admin", "Kirjanpitäjä"),
            ("mikko.laine", "Mikko Laine", "account_admin", "Talousjohtaja")]),
    "zh": ("6210017", "上海云帆信息技术有限公司", "zh-CN", "CNY", "yunfan56.cn",
           [("wang.fang", "王芳", "billing_admin", "财务部 会计"),
            ("li.wei", "李伟", "account_admin", "财务经理")]),
}

# --------------------------------------------------------------------------- languages

# greetings, closings, subjects, reply prefix, quote header (gmail style), money format
LANGS = {
    "en": dict(greet=["Hi,", "Hello billing team,", "Dear Billing,", "Good morning,"],
               close=["Thanks,", "Best regards,", "Kind regards,", "Many thanks,"],
               subj=["Payment allocation", "Unallocated payment {P}", "Allocation of our payment"],
               re="Re: ", head="On Mon, 2 Nov 2026 at 09:14, {name} <{email}> wrote:"),
    "sv": dict(greet=["Hej,", "Hej!", "God morgon,"], close=["Tack på förhand,", "Vänliga hälsningar,", "Mvh"],
               subj=["Betalningsallokering", "Oallokerad betalning {P}", "Koppling av betalning"],
               re="SV: ", head="Den 2 nov. 2026 kl. 09:14 skrev {name} <{email}>:"),
    "da": dict(greet=["Hej,", "Kære faktureringsteam,", "Goddag,"], close=["Venlig hilsen", "Mange tak,", "Med venlig hilsen"],
               subj=["Placering af betaling", "Ikke-placeret betaling {P}", "Udligning af betaling"],
               re="SV: ", head="Den 2. nov. 2026 kl. 09.14 skrev {name} <{email}>:"),
    "nb": dict(greet=["Hei,", "Hei!", "God dag,"], close=["Med vennlig hilsen", "Takk på forhånd,", "Hilsen"],
               subj=["Fordeling av innbetaling", "Ufordelt innbetaling {P}", "Betaling mot faktura"],
               re="SV: ", head="Den 2. nov. 2026 kl. 09:14 skrev {name} <{email}>:"),
    "de": dict(greet=["Guten Tag,", "Hallo zusammen,", "Sehr geehrte Damen und Herren,"],
               close=["Viele Grüße", "Mit freundlichen Grüßen", "Besten Dank und viele Grüße"],
               subj=["Zuordnung einer Zahlung", "Nicht zugeordnete Zahlung {P}", "Zahlungszuordnung"],
               re="AW: ", head="Am 02.11.2026 um 09:14 schrieb {name} <{email}>:"),
    "fr": dict(greet=["Bonjour,", "Bonjour à tous,", "Madame, Monsieur,"],
               close=["Cordialement,", "Bien à vous,", "Merci d'avance,"],
               subj=["Affectation d'un paiement", "Paiement non affecté {P}", "Lettrage de notre règlement"],
               re="RE: ", head="Le lun. 2 nov. 2026 à 09:14, {name} <{email}> a écrit :"),
    "es": dict(greet=["Hola,", "Buenos días,", "Estimado equipo de facturación:"],
               close=["Saludos,", "Un saludo,", "Muchas gracias,"],
               subj=["Aplicación de pago", "Pago sin asignar {P}", "Asignación de nuestro pago"],
               re="RE: ", head="El lun, 2 nov 2026 a las 9:14, {name} (<{email}>) escribió:"),
    "it": dict(greet=["Buongiorno,", "Gentili signori,", "Salve,"],
               close=["Cordiali saluti,", "Grazie e buona giornata,", "Distinti saluti,"],
               subj=["Abbinamento pagamento", "Pagamento non abbinato {P}", "Imputazione del nostro pagamento"],
               re="R: ", head="Il giorno lun 2 nov 2026 alle ore 09:14 {name} <{email}> ha scritto:"),
    "pt": dict(greet=["Bom dia,", "Olá,", "Caros senhores,"],
               close=["Cumprimentos,", "Com os melhores cumprimentos,", "Atenciosamente,"],
               subj=["Imputação de pagamento", "Pagamento por imputar {P}", "Aplicação do nosso pagamento"],
               re="RE: ", head="No dia seg., 2/11/2026 às 09:14, {name} <{email}> escreveu:"),
    "nl": dict(greet=["Goedemorgen,", "Beste facturatie,", "Hallo,"],
               close=["Met vriendelijke groet,", "Groeten,", "Alvast bedankt,"],
               subj=["Toewijzing betaling", "Niet-toegewezen betaling {P}", "Betaling afletteren"],
               re="RE: ", head="Op ma 2 nov 2026 om 09:14 schreef {name} <{email}>:"),
    "pl": dict(greet=["Dzień dobry,", "Szanowni Państwo,", "Witam,"],
               close=["Pozdrawiam,", "Z poważaniem,", "Z góry dziękuję,"],
               subj=["Rozliczenie płatności", "Nierozliczona płatność {P}", "Przypisanie płatności"],
               re="Odp: ", head="W dniu 2.11.2026 o 09:14 {name} <{email}> napisał(a):"),
    "ja": dict(greet=["ご担当者様", "請求ご担当者様", "いつもお世話になっております。"],
               close=["よろしくお願いいたします。", "以上、よろしくお願い申し上げます。"],
               subj=["入金消込のお願い", "未消込の入金{P}について", "お支払いの充当について"],
               re="Re: ", head="2026年11月2日(月) 9:14 {name} <{email}>:"),
    "cs": dict(greet=["Dobrý den,", "Vážení,", "Dobrý den, vážení kolegové,"],
               close=["S pozdravem", "Děkuji a zdravím", "S přátelským pozdravem"],
               subj=["Přiřazení platby", "Nepřiřazená platba {P}", "Párování platby"],
               re="Re: ", head="Dne po 2. 11. 2026 9:14 {name} <{email}> napsal(a):"),
    "tr": dict(greet=["Merhaba,", "İyi günler,", "Sayın yetkili,"],
               close=["Saygılarımla,", "İyi çalışmalar,", "Teşekkürler,"],
               subj=["Ödeme eşleştirme", "Eşleştirilmemiş ödeme {P}", "Ödemenin faturaya uygulanması"],
               re="YNT: ", head="{name} <{email}>, 2 Kas 2026 Pzt, 09:14 tarihinde şunu yazdı:"),
    "fi": dict(greet=["Hei,", "Hyvää päivää,", "Moi,"],
               close=["Ystävällisin terveisin", "Kiitos etukäteen,", "Terveisin"],
               subj=["Maksun kohdistus", "Kohdistamaton maksu {P}", "Maksun kohdistaminen laskulle"],
               re="VS: ", head="ma 2.11.2026 klo 9.14 {name} <{email}> kirjoitti:"),
    "zh": dict(greet=["您好，", "财务同事您好：", "你好，"],
               close=["谢谢！", "此致\n敬礼", "祝好，"],
               subj=["付款核销申请", "未分配付款{P}", "关于付款分配"],
               re="回复：", head="{name} <{email}> 于2026年11月2日周一 09:14写道："),
}


def money(lang: str, currency: str, amount: Decimal) -> str:
    """The amount as a partner in that language writes it."""
    whole, frac = f"{amount:.2f}".split(".")
    groups = f"{int(whole):,}"
    dot, space = groups.replace(",", "."), groups.replace(",", " ")
    return {
        "en": {"USD": f"${groups}.{frac}", "GBP": f"£{groups}.{frac}"}.get(currency, f"{groups}.{frac} {currency}"),
        "sv": f"{space},{frac} kr", "da": f"{dot},{frac} kr.", "nb": f"kr {space},{frac}",
        "de": f"{dot},{frac} EUR", "fr": f"{space},{frac} €", "es": f"{dot},{frac} €", "it": f"€ {dot},{frac}",
        "pt": f"{dot},{frac} €", "nl": f"€ {dot},{frac}", "pl": f"{space},{frac} zł", "ja": f"{groups}円",
        "cs": f"{space},{frac} Kč", "tr": f"{dot},{frac} TL", "fi": f"{space},{frac} euroa",
        "zh": f"人民币{groups}.{frac}元",
    }[lang]


# --------------------------------------------------------------------------- the cases
# (account key, kind, expect, text[, options]); options: q = quoted earlier text, qa = who
# wrote it ("self" or "billing"), who = contact index, subj = subject, n = note, html = bool.
NEG, DOUBT, CORR, CTRL = "negation", "doubt", "correction", "control"
A, H_ = "applied", "held"

CASES: list[tuple] = [
    # ------------------------------------------------------------------ English
    ("en-us", NEG, H_, "Please do NOT allocate payment {P} to invoice {G} yet. We will tell you which invoice it "
     "belongs to once our AP team has reconciled the account.", dict(n="do NOT … yet; invoice to be named later")),
    ("en-gb", NEG, H_, "We have seen payment {P} on your portal. Please hold off on applying it to invoice {G} "
     "for now, our controller still has to approve the allocation. I'll get back to you next week.",
     dict(n="hold off … for now; approval pending")),
    ("en-us", NEG, H_, "Regarding payment {P}: don't apply it to invoice {G}. We are disputing that invoice with "
     "your account manager, so please leave the payment unallocated for the time being.",
     dict(n="don't apply; nothing else asked")),
    ("en-gb", NEG, H_, "Once our controller has signed off, please apply payment {P} to invoice {G}. "
     "I expect her approval by Friday and will confirm then.", dict(n="once … signed off: conditional, later")),
    ("en-us", NEG, H_, "Payment {P} can go to invoice {G}, but only if {G} has not been applied already from our "
     "second transfer. We may have paid it twice, so let's talk before anything is booked.",
     dict(n="only if … not applied already; talk first")),
    ("en-us", DOUBT, H_, "Please apply payment {P} to invoice {G}. Hmm, or was it {H}? Let me double-check "
     "before you do anything.", dict(n="or was it …? let me double-check")),
    ("en-gb", DOUBT, H_, "I think payment {P} is for invoice {G}, but I'm not 100% sure. I'll check with "
     "accounting and come back to you.", dict(n="I think … not sure; will come back")),
    ("en-us", DOUBT, H_, "Payment {P} should maybe go against {G}? Our books are a bit of a mess this month, "
     "so I'd rather confirm with our bookkeeper first.", dict(n="maybe …? confirm first", html=True)),
    ("en-us", CORR, A, "Don't apply payment {P} to {H} – apply it to invoice {G} instead.",
     dict(n="don't … instead: G alone")),
    ("en-gb", CORR, A, "Please ignore my previous email, the right invoice is {G}. Please apply payment {P} there.",
     dict(q="Hello,\n\nPlease apply payment {P} to invoice {H}.\n\nThanks,\nCharlotte", qa="self", who=0,
          subj="Re: Payment allocation", n="ignore my previous email (quoted asks for H)")),
    ("en-us", CORR, A, "Correction to my email from this morning: payment {P} is not for invoice {H} but for "
     "invoice {G}. Please allocate it to {G}.", dict(n="correction: not H but G")),
    ("en-gb", CORR, A, "Sorry, typo in my mail below – I meant {G}, not {H}. Payment {P} should be allocated "
     "to invoice {G}.", dict(q="Hi,\n\nCould you allocate payment {P} to invoice {H}, please?\n\nOliver",
                             qa="self", who=1, subj="Re: Allocation of our payment", n="sorry, typo – I meant G")),
    ("en-us", CORR, A, "Do not apply it to {H}. Please apply payment {P} to invoice {G}.",
     dict(n="negated H, clear positive G", html=True)),
    ("en-gb", CORR, H_, "Correction: payment {P} is not for invoice {H} after all. I'll send you the correct "
     "invoice number as soon as I have it.", dict(n="correction with no invoice left")),
    ("en-us", CTRL, A, "Please allocate payment {P} to invoice {G}. No other invoices are affected. Don't hesitate "
     "to contact me if anything is unclear.", dict(n="harmless negations")),
    ("en-gb", CTRL, A, "Our payment {P} of {AMT} has not been allocated yet. Could you please apply it to "
     "invoice {G}? Please do not reply to the noreply address our system uses; write to me directly.",
     dict(n="not yet allocated (state), do not reply to noreply", html=True)),
    ("en-us", CTRL, A, "It is for invoice {G} – please apply payment {P} to it. If you have any questions, "
     "just let me know.",
     dict(q="Hello,\n\nWe have received your payment {P} but could not match it to an invoice. Could you tell "
          "us which invoice it is for?\n\nBilling allocations", qa="billing", subj="Re: Unallocated payment {P}",
          n="answer to our question, plain instruction")),
    # ------------------------------------------------------------------ Swedish
    ("sv", NEG, H_, "Koppla inte betalningen {P} till faktura {G} ännu. Vi återkommer med vilken faktura den "
     "gäller när vi har stämt av med vår ekonomiavdelning.", dict(n="koppla inte … ännu")),
    ("sv", NEG, H_, "Betalning {P} kan kopplas till faktura {G} såvida inte vår bank återkallar överföringen. "
     "Det beskedet får vi först på fredag.", dict(n="såvida inte: condition unknown until Friday")),
    ("sv", DOUBT, H_, "Betalning {P} avser faktura {G}, tror jag, men jag är inte helt säker. Jag dubbelkollar "
     "med redovisningen och återkommer.", dict(n="tror jag … inte helt säker")),
    ("sv", DOUBT, H_, "Kan ni lägga {P} på faktura {G}? Eller var det {H}? Vänta lite, jag kollar upp det innan "
     "ni gör något.", dict(n="eller var det …? vänta", html=True)),
    ("sv", CORR, A, "Rättelse till mitt förra mejl: betalning {P} ska inte kopplas till {H} utan till faktura {G}.",
     dict(n="rättelse: inte H utan G")),
    ("sv", CORR, A, "Ursäkta, jag skrev fel fakturanummer nedan. Jag menade {G}, inte {H}. Lägg alltså "
     "betalning {P} på faktura {G}.",
     dict(q="Hej,\n\nVänligen koppla betalning {P} till faktura {H}.\n\nMvh\nKarin", qa="self", who=0,
          subj="SV: Betalningsallokering", n="skrev fel … menade G")),
    ("sv", CORR, H_, "Rättelse: betalning {P} gäller inte {H}. Det kan vara {G}, men det måste jag kontrollera "
     "först. Jag återkommer.", dict(n="correction that is itself unclear")),
    ("sv", CTRL, A, "Vi ber er koppla betalning {P} till faktura {G}. Inga andra fakturor berörs. Tveka inte att "
     "höra av er om något är oklart.", dict(n="inga andra, tveka inte")),
    ("sv", CTRL, A, "Vår betalning {P} på {AMT} är fortfarande inte allokerad. Vänligen koppla den till "
     "faktura {G}.", dict(n="inte allokerad (state)")),
    # ------------------------------------------------------------------ Danish
    ("da", NEG, H_, "Lad venligst være med at placere betaling {P} på faktura {G} endnu. Vi vender tilbage med "
     "det rigtige fakturanummer, når vi har afstemt kontoen.", dict(n="lad være med … endnu")),
    ("da", NEG, H_, "Betaling {P} skal først udlignes mod faktura {G}, når vores økonomichef har godkendt det. "
     "Vent venligst, til I hører fra os.", dict(n="først når … godkendt; vent")),
    ("da", DOUBT, H_, "Jeg tror, at betaling {P} hører til faktura {G}, men jeg er ikke sikker. Jeg tjekker det "
     "lige med bogholderiet og vender tilbage.", dict(n="jeg tror … ikke sikker")),
    ("da", CORR, A, "Rettelse: betaling {P} skal ikke placeres på {H}, men på faktura {G}. Beklager forvirringen.",
     dict(n="rettelse: ikke H men G", html=True)),
    ("da", CORR, A, "Se venligst bort fra min tidligere mail – den rigtige faktura er {G}. Placér venligst "
     "betaling {P} på den.",
     dict(q="Hej,\n\nVil I placere betaling {P} på faktura {H}?\n\nVenlig hilsen\nMette", qa="self", who=0,
          subj="SV: Placering af betaling", n="se bort fra min tidligere mail")),
    ("da", CTRL, A, "Vil I venligst placere vores betaling {P} på faktura {G}? Der er ingen andre fakturaer, der "
     "berøres. Tøv ikke med at kontakte mig, hvis der er spørgsmål.", dict(n="ingen andre, tøv ikke")),
    ("da", CTRL, A, "Betaling {P} på {AMT} vedrører faktura {G}. Udlign den venligst mod fakturaen.",
     dict(n="plain")),
    # ------------------------------------------------------------------ Norwegian
    ("nb", NEG, H_, "Vennligst vent med å føre innbetalingen {P} mot faktura {G} til vi har fått kreditnotaen. "
     "Vi gir beskjed når den er på plass.", dict(n="vent med … til")),
    ("nb", DOUBT, H_, "Innbetaling {P} gjelder faktura {G}, tror jeg – eller var det {H}? Jeg må dobbeltsjekke "
     "før dere gjør noe.", dict(n="eller var det …? dobbeltsjekke")),
    ("nb", DOUBT, H_, "Kanskje innbetaling {P} skal føres mot faktura {G}, men jeg er usikker. Jeg sjekker med "
     "regnskap og kommer tilbake til dere.", dict(n="kanskje … usikker")),
    ("nb", CORR, A, "Innbetaling {P} skal ikke føres mot {H}. Før den mot faktura {G} i stedet, takk.",
     dict(n="ikke H; G i stedet")),
    ("nb", CORR, A, "Beklager, skrivefeil i forrige e-post: jeg mente {G}, ikke {H}. Innbetaling {P} skal altså "
     "føres mot faktura {G}.",
     dict(q="Hei,\n\nVennligst før innbetaling {P} mot faktura {H}.\n\nHilsen Ingrid", qa="self", who=0,
          subj="SV: Fordeling av innbetaling", n="skrivefeil … mente G")),
    ("nb", CTRL, A, "Vennligst før innbetaling {P} mot faktura {G}. Ingen andre fakturaer er berørt. Ikke nøl med "
     "å ta kontakt om noe er uklart.", dict(n="ingen andre, ikke nøl", html=True)),
    ("nb", CTRL, A, "Kan dere fordele innbetalingen {P} på {AMT} til faktura {G}? Takk.", dict(n="polite question")),
    # ------------------------------------------------------------------ German
    ("de", NEG, H_, "Bitte ordnen Sie die Zahlung {P} noch NICHT der Rechnung {G} zu. Wir teilen Ihnen mit, "
     "welche Rechnung gemeint ist, sobald unsere Buchhaltung den Abgleich abgeschlossen hat.",
     dict(n="noch NICHT zuordnen")),
    ("de", NEG, H_, "Bitte warten Sie mit der Verrechnung der Zahlung {P} auf die Rechnung {G}, bis unser "
     "Controller die Freigabe erteilt hat.", dict(n="warten … bis Freigabe")),
    ("de", NEG, H_, "Die Zahlung {P} bitte nur dann mit der Rechnung {G} verrechnen, wenn die Gutschrift zu dieser "
     "Rechnung nicht schon gebucht wurde. Im Zweifel bitte erst Rücksprache mit mir halten.",
     dict(n="nur dann, wenn … nicht schon", html=True)),
    ("de", DOUBT, H_, "Ich glaube, die Zahlung {P} gehört zur Rechnung {G}, bin mir aber nicht sicher. Ich kläre "
     "das mit unserer Buchhaltung und melde mich wieder.", dict(n="ich glaube … nicht sicher")),
    ("de", DOUBT, H_, "Bitte die Zahlung {P} auf die Rechnung {G} buchen. Hm, oder war es doch {H}? Ich prüfe das "
     "noch einmal, bitte vorerst nichts buchen.", dict(n="oder war es doch …?")),
    ("de", CORR, A, "Bitte verrechnen Sie die Zahlung {P} nicht mit {H}, sondern mit der Rechnung {G}.",
     dict(n="nicht H, sondern G")),
    ("de", CORR, A, "Korrektur zu meiner Mail unten: Richtig ist die Rechnung {G}, nicht {H}. Bitte ordnen Sie "
     "die Zahlung {P} der Rechnung {G} zu.",
     dict(q="Guten Tag,\n\nbitte ordnen Sie die Zahlung {P} der Rechnung {H} zu.\n\nViele Grüße\nJörg Wagner",
          qa="self", who=1, outlook=True, subj="AW: Zuordnung einer Zahlung", n="Korrektur, quoted asks for H")),
    ("de", CORR, H_, "Korrektur: Die Zahlung {P} gehört nicht zur Rechnung {H}. Die richtige Rechnungsnummer "
     "schicke ich Ihnen, sobald ich sie habe.", dict(n="correction with no invoice left")),
    ("de", CTRL, A, "Bitte ordnen Sie unsere noch nicht zugeordnete Zahlung {P} der Rechnung {G} zu. Weitere "
     "Rechnungen sind nicht betroffen. Bei Fragen stehe ich Ihnen gerne zur Verfügung.",
     dict(n="noch nicht zugeordnete (state), nicht betroffen")),
    ("de", CTRL, A, "Die Zahlung {P} über {AMT} ist für die Rechnung {G}, bitte entsprechend zuordnen. Zögern Sie "
     "nicht, mich bei Rückfragen anzurufen.", dict(n="zögern Sie nicht", html=True)),
    # ------------------------------------------------------------------ French
    ("fr", NEG, H_, "Merci de NE PAS affecter le paiement {P} à la facture {G} pour le moment : nous vous "
     "indiquerons la bonne facture dès que notre comptabilité aura fait le rapprochement.",
     dict(n="NE PAS … pour le moment")),
    ("fr", NEG, H_, "Une fois que nous aurons reçu l'avoir, vous pourrez affecter le paiement {P} à la facture "
     "{G}. D'ici là, merci de patienter.", dict(n="une fois que … ; patienter")),
    ("fr", DOUBT, H_, "Je pense que le paiement {P} correspond à la facture {G}, mais je n'en suis pas certaine. "
     "Je vérifie auprès de la comptabilité et je reviens vers vous.", dict(who=0, n="je pense … pas certaine")),
    ("fr", DOUBT, H_, "Pouvez-vous affecter le paiement {P} à la facture {G} ? Euh, ou était-ce la {H} ? Laissez-moi "
     "vérifier avant de faire quoi que ce soit.", dict(n="ou était-ce …? laissez-moi vérifier", html=True)),
    ("fr", CORR, A, "Correction : le paiement {P} n'est pas pour la facture {H}, mais pour la facture {G}. Merci "
     "de l'affecter à {G}.", dict(n="correction : pas H mais G")),
    ("fr", CORR, A, "Veuillez ignorer mon précédent e-mail : la bonne facture est la {G}. Merci d'y affecter le "
     "paiement {P}.",
     dict(q="Bonjour,\n\nMerci d'affecter le paiement {P} à la facture {H}.\n\nCordialement,\nJulien Garnier",
          qa="self", who=1, subj="RE: Affectation d'un paiement", n="ignorer mon précédent e-mail")),
    ("fr", CORR, A, "N'affectez pas le paiement {P} à la facture {H}. Affectez-le plutôt à la facture {G}.",
     dict(n="n'affectez pas H ; plutôt G")),
    ("fr", CORR, H_, "Petite correction : ce n'est pas la facture {H} pour le paiement {P}… je crois que c'est la "
     "{G}, mais je dois encore vérifier.", dict(n="correction that is itself unclear")),
    ("fr", CTRL, A, "Merci d'affecter le paiement {P} à la facture {G}. Aucune autre facture n'est concernée. "
     "N'hésitez pas à me contacter si besoin.", dict(n="aucune autre, n'hésitez pas")),
    ("fr", CTRL, A, "Notre règlement {P} de {AMT} n'a pas encore été affecté. Pourriez-vous l'affecter à la "
     "facture {G} ? Merci de ne pas répondre à l'adresse noreply de notre outil, mais directement à moi.",
     dict(n="pas encore affecté (state), ne pas répondre au noreply")),
    # ------------------------------------------------------------------ Spanish
    ("es", NEG, H_, "Por favor, NO apliquen todavía el pago {P} a la factura {G}; les indicaremos la factura "
     "correcta en cuanto terminemos la conciliación.", dict(n="NO … todavía")),
    ("es", NEG, H_, "Apliquen el pago {P} a la factura {G} solo cuando les confirmemos que la nota de crédito está "
     "contabilizada. Hasta entonces, esperen por favor.", dict(n="solo cuando … confirmemos")),
    ("es", DOUBT, H_, "Creo que el pago {P} corresponde a la factura {G}, pero no estoy segura. Lo consulto con "
     "contabilidad y les digo algo.", dict(who=0, n="creo … no estoy segura")),
    ("es", DOUBT, H_, "Apliquen el pago {P} a la factura {G}. Mmm, ¿o era la {H}? Déjenme comprobarlo antes de que "
     "hagan nada.", dict(n="¿o era …? déjenme comprobarlo")),
    ("es", CORR, A, "No apliquen el pago {P} a la factura {H}; aplíquenlo a la factura {G} en su lugar.",
     dict(n="no H; G en su lugar", html=True)),
    ("es", CORR, A, "Perdón, error tipográfico en mi correo anterior: quería decir {G}, no {H}. Por favor, apliquen "
     "el pago {P} a la factura {G}.",
     dict(q="Hola,\n\nPor favor, apliquen el pago {P} a la factura {H}.\n\nSaludos,\nLucía", qa="self", who=0,
          subj="RE: Aplicación de pago", n="error tipográfico … quería decir G")),
    ("es", CTRL, A, "Les agradeceríamos que aplicaran el pago {P} a la factura {G}. No hay otras facturas "
     "afectadas. No duden en contactarme si tienen alguna pregunta.", dict(n="no hay otras, no duden")),
    ("es", CTRL, A, "Por favor, apliquen nuestro pago {P} de {AMT} a la factura {G}. Gracias.", dict(n="plain")),
    # ------------------------------------------------------------------ Italian
    ("it", NEG, H_, "Vi preghiamo di NON abbinare ancora il pagamento {P} alla fattura {G}: vi comunicheremo noi "
     "la fattura corretta.", dict(n="NON … ancora")),
    ("it", NEG, H_, "Potete imputare il pagamento {P} alla fattura {G}, a meno che il nostro ufficio legale non "
     "contesti la fattura entro venerdì. Vi daremo conferma lunedì.", dict(n="a meno che … entro venerdì")),
    ("it", DOUBT, H_, "Penso che il pagamento {P} sia per la fattura {G}, ma non ne sono sicuro. Verifico con la "
     "contabilità e vi faccio sapere.", dict(who=1, n="penso … non ne sono sicuro")),
    ("it", CORR, A, "Correzione: il pagamento {P} non va sulla fattura {H} ma sulla fattura {G}.",
     dict(n="correzione: non H ma G")),
    ("it", CORR, A, "Ignorate la mia e-mail precedente: la fattura giusta è la {G}. Vi prego di imputare lì il "
     "pagamento {P}.",
     dict(q="Buongiorno,\n\nvi chiedo di abbinare il pagamento {P} alla fattura {H}.\n\nGiulia", qa="self", who=0,
          subj="R: Abbinamento pagamento", n="ignorate la mia e-mail precedente", html=True)),
    ("it", CTRL, A, "Vi chiediamo di abbinare il pagamento {P} alla fattura {G}. Nessun'altra fattura è "
     "interessata. Non esitate a contattarmi per qualsiasi chiarimento.", dict(n="nessun'altra, non esitate")),
    ("it", CTRL, A, "Potreste imputare il nostro pagamento {P} di {AMT} alla fattura {G}? Grazie mille.",
     dict(n="polite question")),
    # ------------------------------------------------------------------ Portuguese
    ("pt", NEG, H_, "Por favor, NÃO imputem ainda o pagamento {P} à fatura {G}; informaremos qual é a fatura "
     "correta assim que a nossa contabilidade confirmar.", dict(n="NÃO … ainda")),
    ("pt", NEG, H_, "Só apliquem o pagamento {P} à fatura {G} depois de recebermos a nota de crédito. Até lá, "
     "aguardem, por favor.", dict(n="só … depois de; aguardem")),
    ("pt", DOUBT, H_, "Acho que o pagamento {P} é da fatura {G}, mas não tenho a certeza. Vou confirmar com a "
     "contabilidade e volto a contactar.", dict(n="acho … não tenho a certeza")),
    ("pt", DOUBT, H_, "Podem aplicar o pagamento {P} à fatura {G}? Hum, ou era a {H}? Deixem-me verificar antes de "
     "fazerem alguma coisa.", dict(n="ou era …? deixem-me verificar", html=True)),
    ("pt", CORR, A, "Correção: o pagamento {P} não é para a fatura {H}, mas sim para a fatura {G}.",
     dict(n="correção: não H mas sim G")),
    ("pt", CORR, A, "Não apliquem o pagamento {P} à fatura {H}. Em vez disso, apliquem-no à fatura {G}, por favor.",
     dict(n="não H; em vez disso G")),
    ("pt", CTRL, A, "Solicitamos que o pagamento {P} seja imputado à fatura {G}. Nenhuma outra fatura é afetada. "
     "Não hesitem em contactar-me em caso de dúvida.", dict(n="nenhuma outra, não hesitem, em caso de dúvida")),
    ("pt", CTRL, A, "Podem aplicar o nosso pagamento {P} de {AMT} à fatura {G}? Obrigado.",
     dict(who=1, n="polite question")),
    # ------------------------------------------------------------------ Dutch
    ("nl", NEG, H_, "Gelieve betaling {P} nog niet aan factuur {G} toe te wijzen. Wij laten u weten om welke "
     "factuur het gaat zodra onze administratie de afstemming heeft gedaan.", dict(n="nog niet toewijzen")),
    ("nl", NEG, H_, "Zodra wij de creditnota hebben ontvangen, mag u betaling {P} aan factuur {G} toewijzen. Tot "
     "die tijd graag nog even wachten.", dict(n="zodra … ; wachten")),
    ("nl", DOUBT, H_, "Ik denk dat betaling {P} bij factuur {G} hoort, maar ik weet het niet zeker. Ik check het "
     "even bij de boekhouding en kom erop terug.", dict(n="ik denk … niet zeker")),
    ("nl", CORR, A, "Correctie: betaling {P} is niet voor factuur {H}, maar voor factuur {G}. Wilt u hem aan {G} "
     "toewijzen?", dict(n="correctie: niet H maar G")),
    ("nl", CORR, A, "Excuses, tikfout in mijn vorige mail: ik bedoelde {G}, niet {H}. Wijs betaling {P} dus toe aan "
     "factuur {G}.",
     dict(q="Hallo,\n\nGraag betaling {P} toewijzen aan factuur {H}.\n\nGroeten,\nFemke", qa="self", who=0,
          subj="RE: Toewijzing betaling", n="tikfout … bedoelde G")),
    ("nl", CTRL, A, "Graag betaling {P} toewijzen aan factuur {G}. Er zijn geen andere facturen bij betrokken. "
     "Aarzel niet om contact met mij op te nemen als er vragen zijn.", dict(n="geen andere, aarzel niet")),
    ("nl", CTRL, A, "Kunt u onze betaling {P} van {AMT} aan factuur {G} koppelen? Alvast bedankt.",
     dict(n="polite question", html=True)),
    # ------------------------------------------------------------------ Polish
    ("pl", NEG, H_, "Proszę jeszcze NIE przypisywać płatności {P} do faktury {G}. Poinformujemy Państwa, której "
     "faktury dotyczy, gdy tylko dział księgowości to potwierdzi.", dict(n="jeszcze NIE przypisywać")),
    ("pl", NEG, H_, "Płatność {P} proszę rozliczyć z fakturą {G} dopiero po otrzymaniu od nas potwierdzenia.",
     dict(n="dopiero po … potwierdzenia")),
    ("pl", DOUBT, H_, "Wydaje mi się, że płatność {P} dotyczy faktury {G}, ale nie jestem pewna. Sprawdzę to "
     "w księgowości i wrócę do Państwa.", dict(who=0, n="wydaje mi się … nie jestem pewna")),
    ("pl", DOUBT, H_, "Proszę przypisać płatność {P} do faktury {G}. Hmm, a może to była {H}? Muszę to jeszcze "
     "sprawdzić, proszę na razie nic nie robić.", dict(n="a może …? na razie nic nie robić")),
    ("pl", CORR, A, "Korekta: płatność {P} nie dotyczy faktury {H}, tylko faktury {G}. Proszę przypisać ją do {G}.",
     dict(n="korekta: nie H, tylko G")),
    ("pl", CORR, A, "Przepraszam, pomyłka w poprzednim mailu – chodziło mi o fakturę {G}, a nie {H}. Proszę "
     "przypisać płatność {P} do faktury {G}.",
     dict(q="Dzień dobry,\n\nproszę przypisać płatność {P} do faktury {H}.\n\nPozdrawiam,\nTomasz Wójcik",
          qa="self", who=1, subj="Odp: Rozliczenie płatności", n="pomyłka … chodziło mi o G")),
    ("pl", CTRL, A, "Proszę o przypisanie płatności {P} do faktury {G}. Nie dotyczy to żadnych innych faktur. "
     "W razie pytań zapraszam do kontaktu.", dict(n="nie dotyczy innych")),
    # ------------------------------------------------------------------ Japanese
    ("ja", NEG, H_, "お支払い{P}は、まだ請求書{G}に充当しないでください。どの請求書に充当するかは、経理部で確認でき次第"
     "ご連絡いたします。", dict(n="まだ…しないでください")),
    ("ja", NEG, H_, "経理部長の承認が取れてから、お支払い{P}を請求書{G}に充当してください。承認が取れ次第ご連絡します。",
     dict(n="承認が取れてから: later")),
    ("ja", DOUBT, H_, "お支払い{P}は請求書{G}の分だと思いますが、確信がありません。経理に確認してから改めてご連絡します"
     "ので、それまでお待ちください。", dict(n="と思いますが確信がありません")),
    ("ja", CORR, A, "訂正です。お支払い{P}は請求書{H}ではなく、請求書{G}に充当してください。",
     dict(n="訂正: HではなくG")),
    ("ja", CORR, A, "先ほどのメールに誤りがありました。正しい請求書番号は{G}です。お支払い{P}を請求書{G}に充当して"
     "ください。{H}への充当は不要です。",
     dict(q="ご担当者様\n\nお支払い{P}を請求書{H}に充当してください。\n\n佐藤", qa="self", who=0,
          subj="Re: 入金消込のお願い", n="誤りがありました; 正しくはG", html=True)),
    ("ja", CTRL, A, "お支払い{P}（{AMT}）を請求書{G}に充当していただけますでしょうか。他の請求書には影響ありません。"
     "ご不明な点がございましたら、お気軽にお問い合わせください。", dict(n="他の請求書には影響ありません")),
    # ------------------------------------------------------------------ Czech
    ("cs", NEG, H_, "Prosím, zatím nepřiřazujte platbu {P} k faktuře {G}. Dáme vám vědět, které faktury se týká, "
     "jakmile to ověří naše účtárna.", dict(n="zatím nepřiřazujte")),
    ("cs", NEG, H_, "Platbu {P} přiřaďte k faktuře {G}, až vám to potvrdíme. Zatím prosím počkejte.",
     dict(n="až vám to potvrdíme; počkejte")),
    ("cs", DOUBT, H_, "Myslím, že platba {P} patří k faktuře {G}, ale nejsem si jistá. Ověřím si to s účetním "
     "oddělením a ozvu se.", dict(who=0, n="myslím … nejsem si jistá")),
    ("cs", CORR, A, "Oprava: platbu {P} prosím nepřiřazujte k faktuře {H}, ale k faktuře {G}.",
     dict(n="oprava: ne H, ale G")),
    ("cs", CORR, A, "Omlouvám se, v předchozím e-mailu byl překlep – měla jsem na mysli fakturu {G}, ne {H}. "
     "Platbu {P} prosím přiřaďte k faktuře {G}.",
     dict(q="Dobrý den,\n\nprosím o přiřazení platby {P} k faktuře {H}.\n\nS pozdravem\nPetra", qa="self", who=0,
          subj="Re: Přiřazení platby", n="překlep … měla jsem na mysli G")),
    ("cs", CTRL, A, "Prosím o přiřazení platby {P} k faktuře {G}. Žádných dalších faktur se to netýká. V případě "
     "dotazů mě neváhejte kontaktovat.", dict(n="netýká se, neváhejte")),
    ("cs", CTRL, A, "Mohli byste naši platbu {P} ve výši {AMT} přiřadit k faktuře {G}? Děkuji.",
     dict(n="polite question", html=True)),
    # ------------------------------------------------------------------ Turkish
    ("tr", NEG, H_, "Lütfen {P} numaralı ödemeyi henüz {G} numaralı faturaya uygulamayın. Hangi faturaya ait "
     "olduğunu muhasebe ekibimiz kontrol ettikten sonra size bildireceğiz.", dict(n="henüz uygulamayın")),
    ("tr", NEG, H_, "{P} numaralı ödemeyi {G} faturasına mahsup etmeden önce lütfen finans müdürümüzün onayını "
     "bekleyin.", dict(n="önce … onayını bekleyin")),
    ("tr", DOUBT, H_, "Sanırım {P} numaralı ödeme {G} numaralı faturaya ait, ama emin değilim. Muhasebeyle kontrol "
     "edip size geri döneceğim.", dict(n="sanırım … emin değilim")),
    ("tr", CORR, A, "Düzeltme: {P} numaralı ödeme {H} faturasına değil, {G} faturasına uygulanmalıdır.",
     dict(n="düzeltme: H değil, G")),
    ("tr", CORR, A, "Lütfen önceki e-postamı dikkate almayın; doğru fatura {G}. {P} numaralı ödemeyi bu faturaya "
     "uygulayın.",
     dict(q="Merhaba,\n\n{P} numaralı ödemeyi {H} numaralı faturaya uygular mısınız?\n\nElif", qa="self", who=0,
          subj="YNT: Ödeme eşleştirme", n="önceki e-postamı dikkate almayın")),
    ("tr", CTRL, A, "{P} numaralı ödememizin {G} numaralı faturaya uygulanmasını rica ederiz. Başka hiçbir fatura "
     "etkilenmemektedir. Herhangi bir sorunuz olursa bizimle iletişime geçmekten çekinmeyin.",
     dict(n="başka hiçbir, çekinmeyin")),
    ("tr", CTRL, A, "{AMT} tutarındaki {P} numaralı ödememizi {G} numaralı faturaya uygular mısınız? Teşekkürler.",
     dict(n="polite question")),
    # ------------------------------------------------------------------ Finnish
    ("fi", NEG, H_, "Älkää vielä kohdistako maksua {P} laskulle {G}. Ilmoitamme oikean laskun heti, kun "
     "kirjanpitomme on tehnyt täsmäytyksen.", dict(n="älkää vielä kohdistako")),
    ("fi", NEG, H_, "Odottakaa maksun {P} kohdistamisessa laskulle {G}, kunnes talousjohtajamme on hyväksynyt sen.",
     dict(n="odottakaa … kunnes")),
    ("fi", DOUBT, H_, "Luulen, että maksu {P} kuuluu laskulle {G}, mutta en ole varma. Tarkistan asian "
     "kirjanpidosta ja palaan asiaan.", dict(n="luulen … en ole varma", html=True)),
    ("fi", CORR, A, "Korjaus: maksu {P} ei kuulu laskulle {H} vaan laskulle {G}. Kohdistakaa se siis laskulle {G}.",
     dict(n="korjaus: ei H vaan G")),
    ("fi", CORR, A, "Pahoittelen, edellisessä viestissäni oli kirjoitusvirhe: tarkoitin laskua {G}, en {H}. "
     "Kohdistakaa maksu {P} laskulle {G}.",
     dict(q="Hei,\n\nkohdistakaa maksu {P} laskulle {H}.\n\nTerveisin\nSanna", qa="self", who=0,
          subj="VS: Maksun kohdistus", n="kirjoitusvirhe … tarkoitin G")),
    ("fi", CTRL, A, "Pyydämme kohdistamaan maksun {P} laskulle {G}. Muita laskuja asia ei koske. Älkää epäröikö "
     "ottaa yhteyttä, jos on kysyttävää.", dict(n="ei koske, älkää epäröikö")),
    ("fi", CTRL, A, "Voisitteko kohdistaa maksumme {P} ({AMT}) laskulle {G}? Kiitos.", dict(n="polite question")),
    # ------------------------------------------------------------------ Chinese
    ("zh", NEG, H_, "请暂时不要将付款{P}分配到发票{G}。待我们财务部核对完毕后，会告知您对应的发票。",
     dict(n="暂时不要")),
    ("zh", NEG, H_, "在我们的财务总监批准之前，请先不要把付款{P}核销到发票{G}。", dict(n="批准之前 … 先不要")),
    ("zh", DOUBT, H_, "我觉得付款{P}应该是发票{G}的，但我不太确定。我跟会计核实一下再回复您。",
     dict(n="我觉得 … 不太确定")),
    ("zh", CORR, A, "更正：付款{P}不是用于发票{H}，而是用于发票{G}。请将其分配到发票{G}。",
     dict(n="更正: 不是H, 而是G", html=True)),
    ("zh", CORR, A, "抱歉，我上一封邮件的发票号写错了，应该是{G}，不是{H}。请把付款{P}分配到发票{G}。",
     dict(q="您好，\n\n请将付款{P}分配到发票{H}。\n\n王芳", qa="self", who=0, subj="回复：付款核销申请",
          n="写错了 … 应该是G")),
    ("zh", CTRL, A, "请将付款{P}分配到发票{G}。不涉及其他发票。如有任何问题，请随时与我联系。",
     dict(n="不涉及其他发票")),
    ("zh", CTRL, A, "麻烦将我们金额为{AMT}的付款{P}核销到发票{G}，谢谢。", dict(n="plain")),
]

# Extra phrasings of the same classes (still our own words), to reach every class in the
# languages above with more than one form.
CASES += [
    ("en-gb", DOUBT, H_, "Apply payment {P} to invoice {G}, please. Actually, wait – I'm not sure that's right. "
     "Let me check with accounting and come back to you.", dict(n="actually, wait – not sure")),
    ("en-us", CORR, A, "Quick correction: not {H} but {G}. Please allocate payment {P} in full to invoice {G}.",
     dict(n="correction: not H but G, full")),
    ("sv", NEG, H_, "Avvakta med att koppla betalning {P} till faktura {G}. Vi vill först få en kreditnota från er.",
     dict(n="avvakta")),
    ("de", DOUBT, H_, "Vielleicht gehört die Zahlung {P} zur Rechnung {G}. Ich muss das aber erst mit der "
     "Buchhaltung abklären, bitte noch nichts buchen.", dict(n="vielleicht … erst abklären")),
    ("es", CORR, H_, "Corrección: el pago {P} no es para la factura {H}. Todavía no sé a qué factura corresponde; "
     "les escribo en cuanto lo sepa.", dict(n="correction with no invoice left")),
    ("it", DOUBT, H_, "Imputate il pagamento {P} alla fattura {G}. Anzi no, aspettate: forse era la {H}. Ricontrollo "
     "e vi scrivo.", dict(n="anzi no, aspettate: forse")),
    ("da", DOUBT, H_, "Måske skal betaling {P} placeres på faktura {G}, måske på {H} – jeg er i tvivl. Vent "
     "venligst, til jeg har talt med vores revisor.", dict(n="måske … i tvivl")),
    ("nl", DOUBT, H_, "Wijs betaling {P} toe aan factuur {G}. Hmm, of was het {H}? Laat me het eerst even "
     "nakijken voordat u iets doet.", dict(n="of was het …? eerst nakijken")),
    ("ja", DOUBT, H_, "お支払い{P}を請求書{G}に充当してください。あ、もしかすると{H}だったかもしれません。確認しますので、"
     "少々お待ちください。", dict(n="もしかすると…かもしれません")),
    ("cs", DOUBT, H_, "Platbu {P} prosím přiřaďte k faktuře {G}. Nebo to byla {H}? Počkejte, ještě si to ověřím.",
     dict(n="nebo to byla …? počkejte")),
    ("tr", DOUBT, H_, "{P} numaralı ödemeyi {G} faturasına uygulayın. Hmm, yoksa {H} miydi? Lütfen ben kontrol "
     "edene kadar bir şey yapmayın.", dict(n="yoksa … miydi? kontrol edene kadar")),
    ("fi", DOUBT, H_, "Kohdistakaa maksu {P} laskulle {G}. Vai oliko se sittenkin {H}? Tarkistan vielä, älkää "
     "tehkö mitään ennen sitä.", dict(n="vai oliko se sittenkin …?")),
    ("zh", DOUBT, H_, "请把付款{P}分配到发票{G}。嗯，还是{H}？我再确认一下，请先不要操作。", dict(n="还是…？我再确认一下")),
    ("pt", CORR, H_, "Correção: o pagamento {P} não é da fatura {H}. Talvez seja da {G}, mas ainda estou a "
     "confirmar.", dict(n="correction that is itself unclear")),
    ("it", CORR, A, "Non imputate il pagamento {P} alla fattura {H}, imputatelo invece alla fattura {G}.",
     dict(n="non H; invece G")),
    ("sv", CTRL, A, "Det gäller faktura {G}. Koppla betalning {P} dit, tack. Hör av er om ni undrar något.",
     dict(q="Hej,\n\nVi har tagit emot betalning {P} men kan inte se vilken faktura den avser. Vilken faktura "
          "gäller den?\n\nBilling allocations", qa="billing", subj="SV: Oallokerad betalning {P}",
          n="answer to our question, plain instruction")),
    ("de", CTRL, A, "Die Zahlung {P} ist für die Rechnung {G}. Bitte ordnen Sie sie dort zu.",
     dict(q="Guten Tag,\n\nwir haben Ihre Zahlung {P} erhalten, konnten sie aber keiner Rechnung zuordnen. Zu "
          "welcher Rechnung gehört sie?\n\nBilling allocations", qa="billing", outlook=True,
          subj="AW: Nicht zugeordnete Zahlung {P}", n="answer to our question, plain instruction")),
    ("es", NEG, H_, "No apliquen el pago {P} a la factura {G} hasta que les confirmemos el importe final.",
     dict(n="no … hasta que")),
]

# --------------------------------------------------------------------------- building


class Ids:
    """Unique invoice numbers, payment ids and amounts from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.seen = rng, set()

    def _unique(self, make):
        while (value := make()) in self.seen:
            pass
        self.seen.add(value)
        return value

    def invoice(self) -> str:
        return self._unique(lambda: f"G0{self.rng.randrange(10**8):08d}")

    def payment(self) -> str:
        return self._unique(lambda: f"PY{self.rng.randrange(10**7, 10**8)}")

    def amount(self, currency: str) -> Decimal:
        if currency == "JPY":
            return self._unique(lambda: Decimal(self.rng.randrange(150_000, 6_000_000)))
        return self._unique(lambda: Decimal(self.rng.randrange(150_000, 9_000_000)) / 100)


def message_id(rng: random.Random, domain: str, n: int) -> str:
    style = n % 4
    if style == 0:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+"
        return "<CA" + "".join(rng.choice(alphabet) for _ in range(44)) + "@mail.gmail.com>"
    if style == 1:
        box = f"{rng.choice(['AM9PR04MB', 'DB9PR07MB', 'PAXPR02MB', 'VI1PR08MB'])}{rng.randrange(1000, 9999)}"
        return f"<{box}{rng.getrandbits(96):024X}@{box}.eurprd0{rng.randrange(1, 9)}.prod.outlook.com>"
    if style == 2:
        return f"<{rng.randrange(10**11, 10**12)}.{rng.randrange(1000, 99999)}.{rng.getrandbits(63)}@{domain}>"
    h = f"{rng.getrandbits(128):032X}"
    return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@{domain}>"


def quote_block(lang: str, text: str, author: Address, outlook: bool, subject: str) -> str:
    if outlook:
        head = (f"-----Ursprüngliche Nachricht-----\nVon: {author.display_name} <{author.addr_spec}>\n"
                f"Gesendet: Montag, 2. November 2026 09:14\nAn: {BOT.addr_spec}\nBetreff: {subject}\n\n")
        return "\n\n" + head + text
    head = LANGS[lang]["head"].format(name=author.display_name, email=author.addr_spec)
    return "\n\n" + head + "\n" + "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def html_body(own: str, quoted: str | None) -> str:
    paras = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in own.split("\n\n"))
    extra = ""
    if quoted:
        head, _, rest = quoted.strip("\n").partition("\n")
        rest = "\n".join(line[2:] if line.startswith("> ") else line.lstrip(">") for line in rest.split("\n"))
        extra = (f'<div class="gmail_quote"><div>{html.escape(head)}</div><blockquote style="margin:0 0 0 .8ex;'
                 f'border-left:1px solid #ccc;padding-left:1ex">{html.escape(rest).replace(chr(10), "<br>")}'
                 f"</blockquote></div>")
    return ("<html><head><meta charset=\"utf-8\"><style>p{margin:0 0 8px;font-family:Calibri,Arial}</style>"
            f"</head><body>{paras}{extra}</body></html>")


def build(out: Path = OUT) -> dict:
    rng = random.Random(SEED)
    ids = Ids(rng)
    if out.exists():
        for sub in ("ledger", "mail"):
            shutil.rmtree(out / sub, ignore_errors=True)
    (out / "ledger").mkdir(parents=True, exist_ok=True)
    (out / "mail").mkdir(parents=True, exist_ok=True)

    invoices, payments, expected = [], [], []
    rotation = {key: 0 for key in ACCOUNTS}
    start = datetime(2026, 11, 3, 7, 40, tzinfo=UTC)
    for n, case in enumerate(CASES, 1):
        key, kind, expect, text = case[:4]
        opts = case[4] if len(case) > 4 else {}
        account_id, company, _locale, currency, domain, contacts = ACCOUNTS[key]
        lang = key.split("-")[0]
        L = LANGS[lang]
        allowed = [c for c in contacts if c[2] in ("billing_admin", "account_admin")]
        who = opts.get("who")
        if who is None:
            who = rotation[key] % len(allowed)
            rotation[key] += 1
        local, name, _role, title = allowed[who]
        sender = Address(name, local, domain)

        pay, inv_g, inv_h = ids.payment(), ids.invoice(), ids.invoice()
        amt, other = ids.amount(currency), ids.amount(currency)
        issued = (start - timedelta(days=40 + n % 17)).date()
        for number, amount in ((inv_g, amt), (inv_h, other)):
            invoices.append([number, account_id, issued.isoformat(), (issued + timedelta(days=30)).isoformat(),
                             currency, f"{amount}", f"{amount}"])
        received = (start - timedelta(days=3 + n % 11)).date()
        payments.append([pay, account_id, received.isoformat(), currency, f"{amt}", f"{amt}",
                         f"{company.split()[0].upper()[:10]} {received:%Y%m%d}", company])

        fill = dict(P=pay, G=inv_g, H=inv_h, AMT=money(lang, currency, amt))
        subject = (opts.get("subj") or L["subj"][n % len(L["subj"])]).format(**fill)
        greet, close = L["greet"][n % len(L["greet"])], L["close"][(n // 2) % len(L["close"])]
        signature = f"{close}\n{name}\n{title}\n{company}"
        if n % 3 == 0:
            signature += f"\nTel. +{rng.randrange(30, 49)} {rng.randrange(10, 99)} {rng.randrange(100000, 999999)}"
        own = f"{greet}\n\n{text.format(**fill)}\n\n{signature}"
        quoted = None
        if opts.get("q"):
            author = sender if opts.get("qa") == "self" else BOT
            quoted = quote_block(lang, opts["q"].format(**fill), author, opts.get("outlook", False),
                                 subject.split(": ", 1)[-1].split("：", 1)[-1])

        when = start + timedelta(minutes=37 * n + rng.randrange(0, 30))
        msg = EmailMessage(policy=policy.SMTP)
        msg["Authentication-Results"] = (f"mx.billing.example; spf=pass smtp.mailfrom={domain}; "
                                         f"dkim=pass header.d={domain}; dmarc=pass header.from={domain}")
        msg["Received"] = (f"from mail.{domain} (mail.{domain} [192.0.2.{rng.randrange(2, 250)}]) by "
                           f"mx.billing.example with ESMTPS; {format_datetime(when + timedelta(seconds=41))}")
        msg["From"] = sender
        msg["To"] = BOT
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        mid = message_id(rng, domain, n)
        msg["Message-ID"] = mid
        if quoted and opts.get("qa") == "self":
            earlier = message_id(rng, domain, n)
            msg["In-Reply-To"] = earlier
            msg["References"] = earlier
        plain = own + (quoted or "") + "\n"
        msg.set_content(plain, cte="quoted-printable" if n % 2 else "8bit")
        if opts.get("html"):
            msg.add_alternative(html_body(own, quoted), subtype="html", cte="quoted-printable")
        name_of_file = f"{n:04d}.eml"
        (out / "mail" / name_of_file).write_bytes(msg.as_bytes())

        allocations = ([{"payment_id": pay, "invoice_number": inv_g, "amount": f"{amt:.2f}", "currency": currency}]
                       if expect == A else [])
        expected.append({"file": name_of_file, "message_id": mid, "expect": expect, "kind": kind,
                         "sender": sender.addr_spec, "allocations": allocations,
                         "note": f"[{lang}] {opts.get('n', '')}".strip(), "lang": lang})

    def write(stem: str, header: list[str], rows: list[list[str]]) -> None:
        with (out / "ledger" / f"{stem}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    write("accounts", ["account_id", "name", "locale", "currency"],
          [[a[0], a[1], a[2], a[3]] for a in ACCOUNTS.values()])
    write("contacts", ["account_id", "email", "name", "role"],
          [[a[0], f"{local}@{a[4]}", name, role] for a in ACCOUNTS.values() for local, name, role, _ in a[5]])
    write("invoices", ["invoice_number", "account_id", "issue_date", "due_date", "currency", "amount",
                       "open_amount"], invoices)
    write("payments", ["payment_id", "account_id", "received_date", "currency", "amount", "unallocated_amount",
                       "reference", "payer_name"], payments)
    (out / "expected.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in expected),
                                        encoding="utf-8")
    counts: dict = {}
    for e in expected:
        counts.setdefault(e["kind"], {}).setdefault(e["lang"], 0)
        counts[e["kind"]][e["lang"]] += 1
    return counts


if __name__ == "__main__":
    result = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    for kind, by_lang in result.items():
        print(f"{kind:<11} {sum(by_lang.values()):>3}  " + " ".join(f"{k}={v}" for k, v in sorted(by_lang.items())))
