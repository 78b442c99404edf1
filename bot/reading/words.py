"""Words that mean "a payment" and "not yet allocated", in the languages allocbot reads.

Matched as word beginnings, case-insensitively, so inflections and compounds count
("betalningen", "Zahlungs-ID", "paiements"). Adding a language is adding words here.
"""
from __future__ import annotations

PAYMENT_WORDS: tuple[str, ...] = (
    # en
    "payment", "remittance", "transfer", "wire", "deposit",
    # sv / da / nb
    "betalning", "inbetalning", "överföring", "insättning", "betaling", "indbetaling", "overførsel", "innbetaling",
    # de
    "zahlung", "überweisung", "zahlungseingang", "gutschrift",
    # fr
    "paiement", "règlement", "reglement", "virement", "versement",
    # es
    "pago", "transferencia", "abono",
    # it
    "pagamento", "bonifico", "versamento",
    # pt
    "transferência",
    # nl
    "overboeking", "storting",
    # pl
    "płatnoś", "platnos", "wpłat", "przelew",
    # ja
    "支払", "入金", "振込", "送金",
)

UNALLOCATED_WORDS: tuple[str, ...] = (
    "unallocated", "unapplied", "oallokerad", "ofördelad", "ikke allokeret", "ikke fordelt", "ufordelt",
    "nicht zugeordnet", "unzugeordnet", "non affecté", "non alloué", "non imputé", "no asignado", "no aplicado",
    "non allocato", "non assegnato", "não alocado", "não aplicado", "niet toegewezen", "nieprzypisan",
    "nierozliczon", "未割当", "未消込",
)
