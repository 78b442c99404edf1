"""French guidance lines (see bot.review.guidance): a billing clerk's words, same meaning as the English."""
from __future__ import annotations

REASONS: dict[str, str] = {
    "unknown_sender": "L'expéditeur n'est contact d'aucun compte : vérifiez qui il est avant d'agir.",
    "sender_not_authorized": "L'expéditeur est un contact mais ne peut pas affecter de paiements : faites "
                             "confirmer par un contact habilité du compte, puis approuvez.",
    "sender_auth_failed": "Le mail a échoué aux contrôles d'expéditeur (SPF/DKIM/DMARC) : il peut être "
                          "falsifié ; confirmez par téléphone ou via une adresse connue.",
    "cross_account": "Le mail cite des paiements ou des factures d'un autre compte : n'appliquez que ce qui "
                     "relève du compte de l'expéditeur, ou rejetez.",
    "unknown_invoice": "Une facture citée n'est pas dans le grand livre : demandez le bon numéro au "
                       "partenaire.",
    "unknown_payment": "Un paiement cité n'est pas dans le grand livre : demandez le bon identifiant au "
                       "partenaire.",
    "ambiguous_payment": "Plusieurs paiements peuvent correspondre : choisissez-le dans l'éditeur, ou "
                         "demandez.",
    "ambiguous_invoice": "Plusieurs factures peuvent correspondre : choisissez-la dans l'éditeur, ou "
                         "demandez.",
    "amount_mismatch": "Les montants du mail ne concordent pas avec le grand livre : vérifiez-les et "
                       "corrigez les lignes.",
    "currency_mismatch": "La devise du mail diffère de celle du paiement ou de la facture : vérifiez avant "
                         "d'appliquer.",
    "over_allocation": "La demande dépasse le reste du paiement ou le solde de la facture : baissez les "
                       "montants dans l'éditeur.",
    "invoice_closed": "Une facture citée est déjà payée : choisissez-en une autre ou prévenez le partenaire.",
    "payment_fully_allocated": "Le paiement cité n'a plus de solde : choisissez un autre paiement ou "
                               "prévenez le partenaire.",
    "no_request_found": "Aucune demande d'affectation lisible dans le mail : lisez-le et traitez-le à la "
                        "main, ou demandez.",
    "duplicate": "Ce mail a déjà été reçu : classez-le sauf s'il demande quelque chose de nouveau.",
    "auto_reply": "Une réponse automatique (absence) : en général, classez-la.",
    "bounce": "Une de nos réponses n'a pas été distribuée : vérifiez l'adresse, puis classez.",
    "loop": "Des mails échangés en boucle entre robots : classez-les.",
    "list_mail": "Un mail de liste de diffusion : en général, classez-le.",
    "parse_error": "Le mail n'a pas pu être lu : ouvrez l'original et traitez-le à la main.",
    "ambiguous_account": "L'expéditeur est contact de plusieurs comptes : choisissez les lignes du bon "
                         "compte dans l'éditeur.",
    "rate_limited": "L'expéditeur a écrit plus souvent que permis en une heure : vérifiez qu'il ne s'agit "
                    "pas d'un robot emballé.",
    "message_too_large": "Le mail est trop volumineux pour être lu : ouvrez l'original et traitez-le à la "
                         "main.",
    "message_too_complex": "Le mail est trop complexe pour être lu sans risque : ouvrez l'original et "
                           "traitez-le à la main.",
    "forwarded_request": "La demande vient d'un mail transféré : vérifiez qui demande vraiment, puis "
                         "approuvez.",
    "unclear_request": "Le mail reporte, conditionne ou retire la demande : lisez-le avant d'agir.",
    "unreadable_attachment": "Un avis de paiement joint n'avait pas de texte lisible (un scan ?) : lisez-le "
                             "vous-même.",
    "billing_rejected": "Le système de facturation a refusé une écriture et son montant a été libéré : "
                        "décidez à nouveau.",
    "billing_discrepancy": "Un import du grand livre montre ce que nos écritures n'expliquent pas : vérifiez "
                           "le système de facturation.",
    "database_error": "La décision a échoué sur une erreur de base de données : consultez l'erreur, puis "
                      "approuvez ou corrigez.",
    "lookalike_sender": "Le domaine de l'expéditeur ressemble à celui d'un compte : usurpation possible ; "
                        "confirmez par téléphone avec le compte avant d'appliquer.",
}

RULES: dict[str, str] = {
    "account": "Le compte sur lequel la demande a été placée.",
    "sender_contact": "Si l'expéditeur est un contact connu du compte.",
    "sender_role": "Ce que le rôle de l'expéditeur lui permet.",
    "sender_auth": "Les contrôles d'expéditeur du mail (SPF/DKIM/DMARC).",
    "sender_confirm": "Qui peut confirmer la demande d'un expéditeur non habilité.",
    "sender_rate_limit": "Combien de fois l'expéditeur a écrit dans l'heure.",
    "lookalike_sender": "Le domaine de l'expéditeur ressemble à celui d'un compte.",
    "request": "Ce que demande le mail.",
    "stance": "Si le mail demande maintenant, ou reporte ou conditionne la demande.",
    "withdrawn": "Le mail retire une demande précédente.",
    "forwarded": "La demande vient d'un mail transféré.",
    "conversation": "Le lien entre ce mail et une de nos questions précédentes.",
    "message_limits": "Le mail a dépassé une limite de lecture.",
    "payment_id": "Le paiement cité dans le mail.",
    "payment_format": "Un texte qui ressemble à un identifiant de paiement sans en être un.",
    "payment_unnamed": "Le mail ne cite aucun paiement ; le bot en a cherché un.",
    "payment_amount": "Le montant du paiement indiqué dans le mail.",
    "payment_reference": "Le paiement trouvé par sa référence bancaire.",
    "payment_date": "Le paiement trouvé par la date donnée dans le mail.",
    "payment_choice": "Comment le bot a choisi entre plusieurs paiements.",
    "single_unallocated": "Le compte n'a qu'un seul paiement avec un solde.",
    "payment_left": "Ce qui reste sur le paiement après les affectations.",
    "invoice": "Une facture citée dans le mail.",
    "invoice_format": "Un texte qui ressemble à un numéro de facture sans en être un.",
    "invoices": "Les factures visées par la demande.",
    "invoice_left": "Ce qui reste dû sur la facture après les affectations.",
    "line_amount": "Le montant que le mail affecte à une facture.",
    "line_currency": "La devise d'un montant du mail.",
    "stated_total": "Le total indiqué dans le mail.",
    "exact_total": "Si les montants concordent exactement avec le grand livre.",
    "covers_all": "Si le paiement couvre toutes les factures citées.",
    "min_rule": "Le montant affecté quand paiement et factures diffèrent (le plus petit des deux).",
}
