"""Words that mean "a payment", "not yet allocated" and "please allocate", in the languages
allocbot reads.

Matched as word beginnings, case-insensitively, so inflections and compounds count
("betalningen", "Zahlungs-ID", "paiements"); Japanese words match anywhere, as Japanese
has no spaces. Adding a language is adding words here.
"""
from __future__ import annotations

import re
from functools import lru_cache

PAYMENT_WORDS: tuple[str, ...] = (
    # en ("paid" alone is left out: "the invoice is paid" is no payment of ours)
    "payment", "remittance", "transfer", "wire", "deposit", "remitted", "we paid", "we have paid", "we've paid",
    # sv / da / nb
    "betalning", "inbetalning", "överföring", "insättning", "betaling", "indbetaling", "overførsel", "innbetaling",
    "betalat", "betalade", "överfört", "överförde", "overført", "indbetalt", "innbetalt", "vi betalte",
    "vi har betalt", "betalte vi",
    # de
    "zahlung", "überweisung", "zahlungseingang", "gutschrift", "überwiesen", "gezahlt", "eingezahlt",
    # fr
    "paiement", "règlement", "reglement", "virement", "versement", "viré", "versé",
    # es
    "pago", "transferencia", "abono", "pagamos", "transferimos", "transferido",
    # it
    "pagamento", "bonifico", "versamento", "versato", "abbiamo pagato",
    # pt
    "transferência",
    # nl (Flemish "overschrijving" is a transfer; "betaald" alone is left out, as "paid" is)
    "overboeking", "storting", "overgemaakt", "overgeboekt", "overschrijving", "overgeschreven", "deelbetaling",
    "aanbetaling", "hebben betaald", "heb betaald", "heeft betaald", "betaalden", "wij betaalden",
    # part and advance payments are payments too ("Teilzahlung", "acompte", "delbetalning")
    "teilzahlung", "anzahlung", "abschlagszahlung", "restzahlung", "acompte", "acconto", "delbetalning",
    "avbetalning", "delbetaling",
    # pl
    "płatnoś", "platnos", "wpłat", "przelew", "przelal", "przelał", "zapłaciliśmy", "wpłacil", "wpłacił",
    # ja
    "支払", "入金", "振込", "振り込", "送金",
    # cs / tr / fi / zh
    "platb", "úhrad", "převod", "zaplatil", "uhradil", "ödeme", "ödedi", "havale", "eft", "maksu", "maksa", "maksoi", "maksettu",
    "suoritu", "tilisiirt", "付款", "汇款", "匯款", "转账", "轉賬", "支付", "款项", "款項",
)

UNALLOCATED_WORDS: tuple[str, ...] = (
    "unallocated", "unapplied", "oallokerad", "ofördelad", "ikke allokeret", "ikke fordelt", "ufordelt",
    "nicht zugeordnet", "unzugeordnet", "non affecté", "non alloué", "non imputé", "no asignado", "no aplicado",
    "non allocato", "non assegnato", "não alocado", "não aplicado", "niet toegewezen", "nieprzypisan",
    "nierozliczon", "未割当", "未消込",
    # a state, written with a negator: "not yet allocated", "noch nicht verbucht", "ještě nepřiřazená"
    "not allocated", "not yet allocated", "not been allocated", "not yet been allocated", "not applied",
    "not yet applied", "not been applied", "not yet been applied", "nicht verbucht", "nicht gebucht",
    "pas encore affecté", "pas affecté", "pas encore imputé", "non ancora", "inte kopplad", "inte fördelad",
    "inte allokerad", "ikke allokert", "ikke allokeret", "nie przypisan", "nie rozliczon", "nie zaksięgowan",
    "nepřiřazen", "nespárovan", "nezaúčtovan", "nealokovan", "atanmamış", "eşleştirilmemiş",
    "mahsup edilmemiş", "kullanılmamış", "kohdistamat", "未分配", "未核销", "未核銷", "未匹配", "未入账", "未入賬",
)

# A question that opens with one of these and names an allocation verb is a polite request
# ("Could you apply …?"), not a question about the state of an invoice.
REQUEST_OPENERS: tuple[str, ...] = (
    "could you", "can you", "would you", "will you", "could we ask you", "is it possible to", "would it be possible",
    "may we ask you", "may i ask you",
    "kan ni", "kunde ni", "skulle ni", "kan du", "kunde du",
    "könnten sie", "können sie", "würden sie", "könntet ihr", "könnt ihr", "kannst du",
    "pourriez-vous", "pouvez-vous", "pourrais-tu", "peux-tu", "pourriez vous", "pouvez vous",
    "podrían", "podrian", "pueden", "podría", "podria", "puede usted",
    "potreste", "potete", "potrebbe", "potresti",
    "poderiam", "podem", "poderia", "pode",
    "kunt u", "kunnen jullie", "zou u", "zouden jullie", "wilt u", "willen jullie", "kan je", "kun je", "kan u",
    "zoudt u", "zou je", "wil je", "mag ik u vragen", "is het mogelijk", "zou het mogelijk zijn",
    "wäre es möglich", "ist es möglich", "dürfen wir sie bitten", "darf ich sie bitten",
    "serait-il possible", "est-il possible", "serait-ce possible", "sería posible", "es posible",
    "sarebbe possibile", "è possibile", "seria possível", "é possível", "podiam",
    "går det att", "är det möjligt att", "er det muligt at", "er det mulig å", "czy można", "czy byłoby możliwe",
    "bylo by možné", "je možné", "olisiko mahdollista",
    "kan i", "kunne i", "vil i", "vil du", "kunne du", "kan dere", "kunne dere", "vil dere",
    "czy mogą", "czy mogliby", "czy moglibyście", "czy może", "czy mogłaby", "czy mógłby",
    "いただけますか", "いただけませんか", "頂けますか", "頂けませんか", "くださいますか", "お願いできますか",
    "mohli byste", "mohl byste", "mohla byste", "můžete", "mohli bychom vás požádat", "misiniz", "mısınız",
    "voisitteko", "voitteko", "voisitko", "能否", "可否", "可以", "能不能", "是否可以",
)

ALLOCATE_VERBS: tuple[str, ...] = (
    "apply", "allocate", "assign", "match", "post", "book", "put", "use", "reconcile", "set", "applying",
    "allocating", "assigning", "offset", "settle", "credit", "clear",
    "koppla", "fördela", "allokera", "lägga", "boka", "avräkna", "matcha", "applicera", "använda", "placera",
    "føre", "plassere", "stämma av", "stäm av", "kvitta", "pricka av", "bokföra", "avregne", "utligne", "motregne",
    "modregne", "afstemme",
    "zuordnen", "zuweisen", "verbuchen", "buchen", "verrechnen", "ausgleichen", "anwenden", "anrechnen",
    "ausbuchen", "abgleichen", "zuzuordnen",
    "affecter", "imputer", "allouer", "appliquer", "lettrer", "rapprocher", "attribuer", "utiliser", "solder",
    "compenser",
    "aplicar", "asignar", "imputar", "conciliar", "utilizar", "compensar", "saldar", "liquidar",
    "abbinare", "imputare", "assegnare", "allocare", "applicare", "associare", "registrare", "compensare", "saldare",
    "alocar", "atribuir", "associar", "lançar", "baixar", "dar baixa", "quitar",
    "toewijzen", "toekennen", "koppelen", "boeken", "verrekenen", "afletteren", "toepassen", "afboeken", "inboeken",
    "wegboeken", "verwerken", "wegstrepen", "in mindering", "toe te wijzen", "toe te kennen", "af te letteren",
    "af te boeken", "in te boeken",
    "fordele", "allokere", "bogføre", "placere", "knytte", "anvende", "udligne",
    "przypisać", "przypisac", "zaksięgować", "rozliczyć", "przyporządkować", "zaliczyć", "sparować",
    "充当", "消込", "割り当て", "割当",
    "přiřadit", "přiřaďte", "přiřadili", "spárovat", "spárujte", "zaúčtovat", "zaúčtujte", "použít", "použijte",
    "započíst", "započítat", "täsmäyt", "kuitata", "hyvit", "işle",
    "ata", "eşleştir", "mahsup", "uygula", "kapat", "kohdist", "kirjat", "分配", "核销", "核銷", "冲销", "匹配",
    "抵扣",
)

# Asking to be told something, or to undo something, is no allocation request even when the
# question names an allocation verb.
STATUS_WORDS: tuple[str, ...] = (
    "why", "varför", "warum", "pourquoi", "por qué", "perché", "waarom", "hvorfor", "dlaczego", "por que", "なぜ",
    "reverse", "undo", "cancel", "remove", "ångra", "rückgängig", "stornieren", "annuler", "anular", "annullare",
    "confirm", "check", "verify", "tell", "let us know", "let me know", "whether", "see if", "find out", "explain",
    "bekräfta", "kontrollera", "meddela", "berätta", "se om",
    "bestätigen", "prüfen", "überprüfen", "mitteilen", "sagen", "nachsehen",
    "confirmer", "vérifier", "indiquer", "dire si",
    "confirmar", "verificar", "comprobar", "indicar", "decir",
    "confermare", "verificare", "controllare", "indicare", "dirci",
    "informar", "dizer",
    "bevestigen", "controleren", "nagaan", "laten weten",
    "bekræfte", "kontrollere", "oplyse", "fortælle",
    "potwierdzić", "sprawdzić", "poinformować",
    "確認", "教え",
    "proč", "potvrdit", "potvrďte", "zkontrolovat", "ověřit", "sdělit", "zrušit", "niçin", "teyit",
    "onaylay", "kontrol", "iptal", "bildir", "miksi", "vahvist", "tarkist", "kerto", "peruut", "peruuta", "为什么", "為什麼",
    "确认", "核实", "核實", "告诉", "告訴", "取消",
)


def _is_cjk(word: str) -> bool:
    return ord(word[0]) >= 0x2E80


@lru_cache(maxsize=8)
def word_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of `words` at a word beginning (spaces inside a word match any whitespace)."""

    def alternatives(selected: list[str]) -> str:
        escaped = (re.escape(w).replace(r"\ ", r"\s+") for w in sorted(selected, key=len, reverse=True))
        return "|".join(escaped) or "(?!)"

    latin = alternatives([w for w in words if not _is_cjk(w)])
    cjk = alternatives([w for w in words if _is_cjk(w)])
    return re.compile(rf"(?<![^\W\d_])(?:{latin})|(?:{cjk})", re.IGNORECASE)

# An invoice named right after one of these is excluded, not requested ("to G1 and not G2",
# "statt G2"): only short words and invoice words may stand between. Japanese puts it after.
NEGATIONS: tuple[str, ...] = (
    "not", "instead of", "rather than", "except", "inte", "ej", "istället för", "i stället för", "utom",
    "nicht", "statt", "anstatt", "anstelle von", "außer", "pas", "au lieu de", "plutôt que", "sauf",
    "no a", "no al", "no en", "no para", "en lugar de", "en vez de", "excepto", "salvo",
    "non", "invece di", "invece che", "anziché", "tranne", "não", "em vez de", "ao invés de", "exceto",
    "niet", "in plaats van", "behalve", "ikke", "i stedet for", "undtagen", "nie", "zamiast", "oprócz",
)
NEGATIONS_AFTER: tuple[str, ...] = ("ではなく", "じゃなく", "以外")
# Turkish denies after the invoice's word: "G1 faturasına değil, G2 faturasına".
NEGATIONS_AFTER_WORD: tuple[str, ...] = ("değil", "degil")

# A remittance table's column of the amount paid per invoice (not the invoice's own amount).
PAID_COLUMN_WORDS: tuple[str, ...] = (
    "paid", "amount paid", "payment", "remitted", "allocate", "betalt", "betalning", "inbetalt", "bezahlt",
    "zahlbetrag", "zahlung", "gezahlt", "payé", "paiement", "réglé", "montant réglé", "pagado", "pago", "importe pagado",
    "pagato", "pagamento", "importo pagato", "valor pago", "betaald", "betaling", "zapłacono", "wpłata", "płatność",
    "支払", "入金", "振込",
)

# The text refers to an attachment ("see attached", "siehe Anhang", "se bifogad fil").
ATTACHMENT_WORDS: tuple[str, ...] = (
    "attached", "attachment", "enclosed", "see file", "bifogad", "bifogat", "bifogar", "bilaga", "bilagan", "bilagd",
    "vedhæftet", "vedhæftede", "vedlagt", "vedlagte", "bilag", "vedlegg", "anhang", "anbei", "beigefügt", "angehängt",
    "anlage", "pièce jointe", "pièces jointes", "ci-joint", "ci-joints", "en pj", "adjunto", "adjunta", "adjuntamos",
    "anexo", "anexa", "em anexo", "allegato", "allegata", "in allegato", "bijlage", "bijgevoegd", "bijgaand",
    "załącznik", "w załączeniu", "liite", "liitteenä", "添付",
)

# A covering note that says the forwarded request is there for information, was handled, or
# must wait: the forwarded text is then not read as a request (forwards.py).
FORWARD_HOLD_WORDS: tuple[str, ...] = (
    "fyi", "fya", "for info", "for your info", "for your information", "for reference", "for the record", "already",
    "done", "ignore", "disregard", "wait", "hold", "don't", "don’t", "do not", "not", "cancel",
    "för kännedom", "för info", "fkk", "redan", "vänta", "ignorera", "avvakta", "inte", "ej",
    "til orientering", "til info", "allerede", "vent", "ikke",
    "zur info", "zur kenntnis", "zur information", "bereits", "schon erledigt", "erledigt", "warten", "ignorieren", "nicht",
    "pour info", "pour information", "pour rappel", "déjà", "attendre", "ignorer", "ne pas", "pas encore",
    "para su información", "para tu información", "para información", "ya", "esperar", "ignorar", "no",
    "per conoscenza", "per informazione", "per info", "già", "attendere", "ignorare", "non",
    "para conhecimento", "para informação", "já", "aguardar", "não",
    "ter info", "ter informatie", "ter kennisname", "al gedaan", "al verwerkt", "wachten", "negeren", "niet",
    "do wiadomości", "dla informacji", "już", "czekać", "nie",
    "ご参考", "参考", "済み", "済", "既に", "すでに", "保留", "不要",
)

# A part of a payment: "500,00 EUR of payment PY…", "€ 500 van betaling PY…", "500 € du paiement PY…"
# (written before the payment; amount_lines.py).
PART_OF_WORDS: tuple[str, ...] = (
    "of", "from", "out of", "van", "uit", "von", "aus", "de", "du", "del", "dal", "dalla", "do", "da", "di", "av",
    "af", "fra", "från", "z", "ze",
)
# The payment as the source of what follows: "From payment PY…, please allocate 500 EUR to G1",
# "Van betaling PY… graag € 500 afletteren op G1", "Sur le paiement PY…, merci d'affecter 500 €".
SOURCE_WORDS: tuple[str, ...] = (
    "from", "out of", "van", "uit", "von", "aus", "sur", "du", "del", "dal", "dalla", "do", "da", "av", "af", "fra",
    "från", "z", "ze",
)
# What stands between the payment and its own amount: "payment PY… of 1.000 EUR", "betaling van",
# "Zahlung über", "paiement d'un montant de", "pago por importe de".
AMOUNT_OF_WORDS: tuple[str, ...] = (
    "of", "for", "in the amount of", "amounting to", "totalling", "van", "ter waarde van", "ter hoogte van", "groot",
    "von", "über", "in höhe von", "de", "d'un montant de", "du montant de", "pour un montant de", "à hauteur de",
    "por", "por importe de", "por valor de", "di", "dell'importo di", "da", "no valor de", "på", "om", "na",
    "na kwotę", "w kwocie", "ve výši", "v hodnotě", "tutarında", "av", "af",
)
# Between an invoice and the amount that goes on it, in prose: "la facture G1 pour 500 €",
# "la factura G1 por 500 €", "invoice G1 for 500 EUR", "factuur G1 voor € 500".
INVOICE_AMOUNT_LINKS: tuple[str, ...] = (
    "for", "pour", "por", "per", "für", "voor", "för", "på", "za",
)

# The perfect tense puts words between its auxiliary and "paid" ("Wij hebben op 3 december € 500
# betaald", "Wir haben die Rechnung gestern bezahlt"): a payment of ours, unless a negator stands
# between. "De factuur is betaald" (a state) has no such auxiliary and is no payment named.
PAID_AUXILIARIES: tuple[str, ...] = ("hebben", "heb", "hebt", "heeft", "haben", "habe", "hat", "har", "have", "has")
PAID_PARTICIPLES: tuple[str, ...] = ("betaald", "bezahlt", "beglichen", "betalt", "paid", "voldaan")
PAID_GAP_NEGATORS: tuple[str, ...] = ("niet", "nog", "nicht", "noch", "kein", "keine", "geen", "not", "never",
                                      "nooit", "ikke", "inte", "ej", "aldrig")


@lru_cache(maxsize=1)
def paid_regex() -> re.Pattern[str]:
    """Auxiliary, at most ten other words, participle: "hebben wij op 3 december € 500 betaald"."""
    aux, part = "|".join(PAID_AUXILIARIES), "|".join(PAID_PARTICIPLES)
    negator = "|".join(PAID_GAP_NEGATORS)
    return re.compile(rf"(?<![^\W\d_])(?:{aux})(?:\s+(?!(?:{negator})(?!\S))\S+){{0,10}}?\s+(?:{part})(?![^\W\d_])",
                      re.IGNORECASE)
