"""Dutch guidance lines (see bot.review.guidance): a billing clerk's words, same meaning as the English."""
from __future__ import annotations

REASONS: dict[str, str] = {
    "unknown_sender": "De afzender is bij geen enkel account contactpersoon: zoek uit wie het is voordat je "
                      "iets doet.",
    "sender_not_authorized": "De afzender is contactpersoon maar mag geen geld toewijzen: laat een bevoegde "
                             "contactpersoon van het account bevestigen en keur dan goed.",
    "sender_auth_failed": "De mail kwam niet door de afzendercontroles (SPF/DKIM/DMARC): mogelijk vervalst; "
                          "bevestig telefonisch of via een bekend adres.",
    "cross_account": "De mail noemt betalingen of facturen van een ander account: pas alleen toe wat bij het "
                     "account van de afzender hoort, of wijs af.",
    "unknown_invoice": "Een genoemde factuur staat niet in het grootboek: vraag de partner om het juiste "
                       "nummer.",
    "unknown_payment": "Een genoemde betaling staat niet in het grootboek: vraag de partner om het juiste "
                       "id.",
    "ambiguous_payment": "Meerdere betalingen kunnen bedoeld zijn: kies de juiste in de editor, of vraag het "
                         "na.",
    "ambiguous_invoice": "Meerdere facturen kunnen bedoeld zijn: kies de juiste in de editor, of vraag het "
                         "na.",
    "amount_mismatch": "De bedragen in de mail kloppen niet met het grootboek: controleer ze en pas de "
                       "regels aan.",
    "currency_mismatch": "De valuta van de mail wijkt af van die van de betaling of factuur: controleer dit "
                         "voor het toepassen.",
    "over_allocation": "Er wordt meer gevraagd dan de betaling nog over heeft of de factuur open heeft: "
                       "verlaag de bedragen in de editor.",
    "invoice_closed": "Een genoemde factuur is al betaald: kies een andere of laat het de partner weten.",
    "payment_fully_allocated": "De genoemde betaling heeft geen saldo meer: kies een andere betaling of laat "
                               "het de partner weten.",
    "no_request_found": "Er staat geen leesbaar toewijzingsverzoek in de mail: lees hem en handel hem zelf "
                        "af, of vraag het na.",
    "duplicate": "Deze mail is al eerder ontvangen: leg hem terzijde tenzij er iets nieuws gevraagd wordt.",
    "auto_reply": "Een automatisch antwoord (afwezigheid): meestal terzijde leggen.",
    "bounce": "Een van onze antwoorden is onbestelbaar teruggekomen: controleer het adres en leg hem dan "
              "terzijde.",
    "loop": "Mail die heen en weer gaat tussen robots: leg hem terzijde.",
    "list_mail": "Mail van een mailinglijst: meestal terzijde leggen.",
    "parse_error": "De mail kon niet gelezen worden: open het origineel en handel hem zelf af.",
    "ambiguous_account": "De afzender is contactpersoon van meerdere accounts: kies de regels van het juiste "
                         "account in de editor.",
    "rate_limited": "De afzender schreef vaker dan per uur toegestaan: controleer of het geen op hol "
                    "geslagen robot is.",
    "message_too_large": "De mail is te groot om te lezen: open het origineel en handel hem zelf af.",
    "message_too_complex": "De mail is te complex om veilig te lezen: open het origineel en handel hem zelf "
                           "af.",
    "forwarded_request": "Het verzoek komt uit een doorgestuurde mail: controleer wie het echt vraagt en "
                         "keur dan goed.",
    "unclear_request": "De mail stelt het verzoek uit, verbindt er voorwaarden aan of trekt het in: lees hem "
                       "voordat je iets doet.",
    "unreadable_attachment": "Een betaaladvies in de bijlage had geen leesbare tekst (een scan?): lees het "
                             "zelf.",
    "billing_rejected": "Het facturatiesysteem weigerde een boeking en het geld is weer vrij: beslis "
                        "opnieuw.",
    "billing_discrepancy": "Een grootboekimport toont wat onze boekingen niet verklaren: controleer het "
                           "facturatiesysteem.",
    "database_error": "Beslissen mislukte door een databasefout: bekijk de fout en keur dan goed of pas aan.",
    "lookalike_sender": "Het domein van de afzender lijkt op het domein van een account: mogelijk "
                        "oplichting; bevestig telefonisch met het account voor het toepassen.",
}

RULES: dict[str, str] = {
    "account": "Op welk account het verzoek is geplaatst.",
    "sender_contact": "Of de afzender een bekende contactpersoon van het account is.",
    "sender_role": "Wat de rol van de afzender toestaat.",
    "sender_auth": "De afzendercontroles van de mail (SPF/DKIM/DMARC).",
    "sender_confirm": "Wie het verzoek kan bevestigen van een afzender die geen geld mag toewijzen.",
    "sender_rate_limit": "Hoe vaak de afzender binnen het uur schreef.",
    "lookalike_sender": "Het domein van de afzender lijkt op het domein van een account.",
    "request": "Waar de mail om vraagt.",
    "stance": "Of de mail het nu vraagt, of het verzoek uitstelt of er voorwaarden aan verbindt.",
    "withdrawn": "De mail trekt een eerder verzoek in.",
    "forwarded": "Het verzoek komt uit een doorgestuurde mail.",
    "conversation": "Hoe deze mail samenhangt met een eerdere vraag van ons.",
    "message_limits": "De mail ging over een leeslimiet heen.",
    "payment_id": "De betaling die de mail noemt.",
    "payment_format": "Tekst die op een betalings-id lijkt maar het niet is.",
    "payment_unnamed": "De mail noemt geen betaling; de bot heeft er een gezocht.",
    "payment_amount": "Het betalingsbedrag dat de mail noemt.",
    "payment_reference": "De betaling gevonden via haar bankreferentie.",
    "payment_date": "De betaling gevonden via de datum in de mail.",
    "payment_choice": "Hoe de bot tussen meerdere betalingen koos.",
    "single_unallocated": "Het account heeft maar één betaling met saldo.",
    "payment_left": "Wat de betaling na de toewijzingen over heeft.",
    "invoice": "Een factuur die de mail noemt.",
    "invoice_format": "Tekst die op een factuurnummer lijkt maar het niet is.",
    "invoices": "De facturen waar het verzoek over gaat.",
    "invoice_left": "Wat er na de toewijzingen op de factuur openstaat.",
    "line_amount": "Het bedrag dat de mail op één factuur zet.",
    "line_currency": "De valuta van een bedrag in de mail.",
    "stated_total": "Het totaal dat de mail noemt.",
    "exact_total": "Of de bedragen precies kloppen met het grootboek.",
    "covers_all": "Of de betaling alle genoemde facturen dekt.",
    "min_rule": "Hoeveel er wordt toegewezen als betaling en facturen verschillen (het kleinste van de "
                "twee).",
}
