"""German guidance lines (see bot.review.guidance): a billing clerk's words, same meaning as the English."""
from __future__ import annotations

REASONS: dict[str, str] = {
    "unknown_sender": "Der Absender ist bei keinem Konto als Kontakt hinterlegt: erst klären, wer es ist.",
    "sender_not_authorized": "Der Absender ist Kontakt, darf aber keine Zahlungen zuordnen: mit einem "
                             "berechtigten Kontakt des Kontos bestätigen, dann freigeben.",
    "sender_auth_failed": "Die Mail hat die Absenderprüfung (SPF/DKIM/DMARC) nicht bestanden: evtl. "
                          "gefälscht; telefonisch oder über eine bekannte Adresse bestätigen.",
    "cross_account": "Die Mail nennt Zahlungen oder Rechnungen eines anderen Kontos: nur anwenden, was zum "
                     "Konto des Absenders gehört, oder ablehnen.",
    "unknown_invoice": "Eine genannte Rechnung ist nicht im Hauptbuch: den Partner nach der richtigen Nummer "
                       "fragen.",
    "unknown_payment": "Eine genannte Zahlung ist nicht im Hauptbuch: den Partner nach der richtigen ID "
                       "fragen.",
    "ambiguous_payment": "Mehrere Zahlungen kommen in Frage: im Editor die richtige wählen oder nachfragen.",
    "ambiguous_invoice": "Mehrere Rechnungen kommen in Frage: im Editor die richtige wählen oder nachfragen.",
    "amount_mismatch": "Die Beträge in der Mail passen nicht zum Hauptbuch: prüfen und die Zeilen anpassen.",
    "currency_mismatch": "Die Währung der Mail weicht von der der Zahlung oder Rechnung ab: vor dem Anwenden "
                         "prüfen.",
    "over_allocation": "Verlangt wird mehr, als die Zahlung noch hat oder die Rechnung offen hat: die "
                       "Beträge im Editor senken.",
    "invoice_closed": "Eine genannte Rechnung ist schon bezahlt: eine andere wählen oder dem Partner "
                      "Bescheid geben.",
    "payment_fully_allocated": "Die genannte Zahlung ist schon voll zugeordnet: eine andere Zahlung wählen "
                               "oder dem Partner Bescheid geben.",
    "no_request_found": "In der Mail war keine Zuordnungsanfrage zu erkennen: lesen und von Hand bearbeiten, "
                        "oder nachfragen.",
    "duplicate": "Diese Mail kam schon einmal: verwerfen, außer sie verlangt etwas Neues.",
    "auto_reply": "Eine automatische Antwort (Abwesenheit): meist verwerfen.",
    "bounce": "Eine unserer Antworten kam unzustellbar zurück: Adresse prüfen, dann verwerfen.",
    "loop": "Mails, die zwischen Robotern hin- und hergehen: verwerfen.",
    "list_mail": "Mail von einer Mailingliste: meist verwerfen.",
    "parse_error": "Die Mail ließ sich nicht lesen: das Original öffnen und von Hand bearbeiten.",
    "ambiguous_account": "Der Absender ist Kontakt mehrerer Konten: im Editor die Zeilen des richtigen "
                         "Kontos wählen.",
    "rate_limited": "Der Absender hat öfter geschrieben als pro Stunde erlaubt: prüfen, ob ein Roboter außer "
                    "Kontrolle ist.",
    "message_too_large": "Die Mail ist zu groß zum Lesen: das Original öffnen und von Hand bearbeiten.",
    "message_too_complex": "Die Mail ist zu komplex, um sie sicher zu lesen: das Original öffnen und von "
                           "Hand bearbeiten.",
    "forwarded_request": "Die Anfrage stammt aus einer weitergeleiteten Mail: prüfen, wer wirklich fragt, "
                         "dann freigeben.",
    "unclear_request": "Die Mail verschiebt, knüpft an Bedingungen oder zieht die Anfrage zurück: erst "
                       "lesen, dann handeln.",
    "unreadable_attachment": "Ein Zahlungsavis im Anhang hatte keinen lesbaren Text (ein Scan?): selbst "
                             "lesen.",
    "billing_rejected": "Das Abrechnungssystem hat eine Buchung abgelehnt, das Geld ist wieder frei: neu "
                        "entscheiden.",
    "billing_discrepancy": "Ein Hauptbuch-Import zeigt, was unsere Buchungen nicht erklären: das "
                           "Abrechnungssystem prüfen.",
    "database_error": "Die Entscheidung scheiterte an einem Datenbankfehler: den Fehler ansehen, dann "
                      "freigeben oder bearbeiten.",
    "lookalike_sender": "Die Domain des Absenders ähnelt der eines Kontos: möglicher Betrug; vor dem "
                        "Anwenden telefonisch beim Konto bestätigen.",
}

RULES: dict[str, str] = {
    "account": "Auf welchem Konto die Anfrage gebucht wurde.",
    "sender_contact": "Ob der Absender ein bekannter Kontakt des Kontos ist.",
    "sender_role": "Was die Rolle des Absenders erlaubt.",
    "sender_auth": "Die Absenderprüfung der Mail (SPF/DKIM/DMARC).",
    "sender_confirm": "Wer die Anfrage eines nicht berechtigten Absenders bestätigen kann.",
    "sender_rate_limit": "Wie oft der Absender in der Stunde geschrieben hat.",
    "lookalike_sender": "Die Domain des Absenders ähnelt der eines Kontos.",
    "request": "Worum die Mail bittet.",
    "stance": "Ob die Mail jetzt bittet oder die Anfrage verschiebt bzw. an Bedingungen knüpft.",
    "withdrawn": "Die Mail zieht eine frühere Anfrage zurück.",
    "forwarded": "Die Anfrage stammt aus einer weitergeleiteten Mail.",
    "conversation": "Wie diese Mail mit einer früheren Rückfrage von uns zusammenhängt.",
    "message_limits": "Die Mail hat eine Lesegrenze überschritten.",
    "payment_id": "Die Zahlung, die die Mail nennt.",
    "payment_format": "Text, der wie eine Zahlungs-ID aussieht, aber keine ist.",
    "payment_unnamed": "Die Mail nennt keine Zahlung; der Bot hat eine gesucht.",
    "payment_amount": "Der Zahlungsbetrag laut Mail.",
    "payment_reference": "Die Zahlung, gefunden über ihre Bankreferenz.",
    "payment_date": "Die Zahlung, gefunden über das Datum in der Mail.",
    "payment_choice": "Wie der Bot zwischen mehreren Zahlungen gewählt hat.",
    "single_unallocated": "Das Konto hat nur eine Zahlung mit Restbetrag.",
    "payment_left": "Was der Zahlung nach den Zuordnungen bleibt.",
    "invoice": "Eine Rechnung, die die Mail nennt.",
    "invoice_format": "Text, der wie eine Rechnungsnummer aussieht, aber keine ist.",
    "invoices": "Die Rechnungen, die die Anfrage betrifft.",
    "invoice_left": "Was auf der Rechnung nach den Zuordnungen offen ist.",
    "line_amount": "Der Betrag, den die Mail einer Rechnung zuweist.",
    "line_currency": "Die Währung eines Betrags in der Mail.",
    "stated_total": "Die Summe laut Mail.",
    "exact_total": "Ob die Beträge genau zum Hauptbuch passen.",
    "covers_all": "Ob die Zahlung alle genannten Rechnungen deckt.",
    "min_rule": "Wie viel zugeordnet wird, wenn Zahlung und Rechnungen abweichen (der kleinere Betrag).",
}
