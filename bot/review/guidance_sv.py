"""Swedish guidance lines (see bot.review.guidance): a billing clerk's words, same meaning as the English."""
from __future__ import annotations

REASONS: dict[str, str] = {
    "unknown_sender": "Avsändaren är inte kontakt för något konto: ta reda på vem det är innan du gör något.",
    "sender_not_authorized": "Avsändaren är kontakt men får inte flytta pengar: bekräfta med en behörig "
                             "kontakt på kontot och godkänn sedan.",
    "sender_auth_failed": "Mejlet klarade inte avsändarkontrollerna (SPF/DKIM/DMARC): det kan vara "
                          "förfalskat; bekräfta per telefon eller via en känd adress.",
    "cross_account": "Mejlet nämner betalningar eller fakturor på ett annat konto: tillämpa bara det som hör "
                     "till avsändarens konto, eller avvisa.",
    "unknown_invoice": "En faktura i mejlet finns inte i reskontran: be partnern om rätt nummer.",
    "unknown_payment": "En betalning i mejlet finns inte i reskontran: be partnern om rätt id.",
    "ambiguous_payment": "Flera betalningar kan vara den som avses: välj den i redigeraren, eller fråga.",
    "ambiguous_invoice": "Flera fakturor kan vara den som avses: välj den i redigeraren, eller fråga.",
    "amount_mismatch": "Beloppen i mejlet stämmer inte med reskontran: kontrollera dem och ändra raderna.",
    "currency_mismatch": "Mejlets valuta skiljer sig från betalningens eller fakturans: kontrollera innan du "
                         "tillämpar.",
    "over_allocation": "Begäran är större än vad betalningen har kvar eller fakturan har öppet: sänk "
                       "beloppen i redigeraren.",
    "invoice_closed": "En faktura som nämns är redan betald: välj en annan eller meddela partnern.",
    "payment_fully_allocated": "Betalningen som nämns har inga pengar kvar: välj en annan betalning eller "
                               "meddela partnern.",
    "no_request_found": "Ingen fördelningsbegäran gick att läsa i mejlet: läs det och hantera det manuellt, "
                        "eller fråga.",
    "duplicate": "Mejlet har tagits emot tidigare: avfärda det om det inte ber om något nytt.",
    "auto_reply": "Ett automatiskt svar (frånvaro): avfärda det oftast.",
    "bounce": "Ett av våra svar studsade: kontrollera adressen och avfärda sedan.",
    "loop": "Mejl som går fram och tillbaka mellan robotar: avfärda det.",
    "list_mail": "Mejl från en e-postlista: avfärda det oftast.",
    "parse_error": "Mejlet gick inte att läsa: öppna originalet och hantera det manuellt.",
    "ambiguous_account": "Avsändaren är kontakt för flera konton: välj kontots rader i redigeraren.",
    "rate_limited": "Avsändaren skrev oftare än tillåtet inom en timme: kontrollera att det inte är en robot "
                    "som skenat.",
    "message_too_large": "Mejlet är för stort för att läsas: öppna originalet och hantera det manuellt.",
    "message_too_complex": "Mejlet är för komplext för att läsas säkert: öppna originalet och hantera det "
                           "manuellt.",
    "forwarded_request": "Begäran lästes från ett vidarebefordrat mejl: kontrollera vem som verkligen "
                         "frågade och godkänn sedan.",
    "unclear_request": "Mejlet skjuter upp, villkorar eller drar tillbaka begäran: läs det innan du gör "
                       "något.",
    "unreadable_attachment": "En betalningsavi i bilagan saknade läsbar text (inskannad?): läs den själv.",
    "billing_rejected": "Faktureringssystemet avvisade en bokning och pengarna frigjordes: besluta på nytt.",
    "billing_discrepancy": "En import av reskontran visar något som våra bokningar inte förklarar: "
                           "kontrollera faktureringssystemet.",
    "database_error": "Beslutet misslyckades på grund av ett databasfel: titta på felet och godkänn eller "
                      "ändra sedan.",
    "lookalike_sender": "Avsändarens domän liknar ett kontos domän: möjlig bedragare; bekräfta med kontot "
                        "per telefon innan du tillämpar.",
}

RULES: dict[str, str] = {
    "account": "Vilket konto begäran lades på.",
    "sender_contact": "Om avsändaren är en känd kontakt på kontot.",
    "sender_role": "Vad avsändarens roll tillåter.",
    "sender_auth": "Mejlets avsändarkontroller (SPF/DKIM/DMARC).",
    "sender_confirm": "Vem som kan bekräfta begäran när avsändaren inte får flytta pengar.",
    "sender_rate_limit": "Hur ofta avsändaren skrev inom timmen.",
    "lookalike_sender": "Avsändarens domän liknar ett kontos domän.",
    "request": "Vad mejlet ber om.",
    "stance": "Om mejlet ber om det nu, eller skjuter upp eller villkorar begäran.",
    "withdrawn": "Mejlet drar tillbaka en tidigare begäran.",
    "forwarded": "Begäran kommer från ett vidarebefordrat mejl.",
    "conversation": "Hur mejlet hänger ihop med en tidigare fråga från oss.",
    "message_limits": "Mejlet gick över en lässpärr.",
    "payment_id": "Betalningen som mejlet nämner.",
    "payment_format": "Text som liknar ett betalnings-id men inte är det.",
    "payment_unnamed": "Mejlet nämner ingen betalning; boten letade efter en.",
    "payment_amount": "Betalningsbeloppet som mejlet anger.",
    "payment_reference": "Betalningen som hittades via sin bankreferens.",
    "payment_date": "Betalningen som hittades via datumet i mejlet.",
    "payment_choice": "Hur boten valde mellan flera betalningar.",
    "single_unallocated": "Kontot har bara en betalning med pengar kvar.",
    "payment_left": "Vad betalningen har kvar efter fördelningarna.",
    "invoice": "En faktura som mejlet nämner.",
    "invoice_format": "Text som liknar ett fakturanummer men inte är det.",
    "invoices": "Fakturorna som begäran gäller.",
    "invoice_left": "Vad fakturan har öppet efter fördelningarna.",
    "line_amount": "Beloppet som mejlet lägger på en faktura.",
    "line_currency": "Valutan för ett belopp i mejlet.",
    "stated_total": "Summan som mejlet anger.",
    "exact_total": "Om beloppen stämmer exakt med reskontran.",
    "covers_all": "Om betalningen täcker alla fakturor som nämns.",
    "min_rule": "Hur mycket som fördelas när betalning och fakturor skiljer sig (det minsta av de två).",
}
