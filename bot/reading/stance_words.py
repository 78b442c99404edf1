"""Words that say what the writer thinks of their own instruction, in the languages allocbot reads.

Vocabulary for stance.py: negators and the allocation verbs they can negate, words that put an
allocation off or make it depend on something, and words of doubt. A phrase is matched at a
word beginning and end, case-insensitively; spaces inside match any whitespace; CJK words
match anywhere. They are the ordinary words of business mail in each language, so that a
new language is new words here, not new code.
"""
from __future__ import annotations

# Negators that stand before the verb they negate ("do not allocate", "ne pas affecter",
# "no apliquen", "nie przypisujcie", "älkää kohdistako", "不要分配").
NEGATORS_BEFORE: tuple[str, ...] = (
    "not", "never", "don't", "don’t", "dont", "do not", "please do not", "mustn't", "shouldn't",
    "inte", "ej", "aldrig", "låt bli att", "ikke", "ikkje", "aldri", "lad være med at", "la være å",
    "nicht", "kein", "keine", "nie", "ne", "n'", "n’", "ne pas", "pas", "jamais",
    "no", "nunca", "non", "mai", "não", "niet", "nooit", "geen", "nigdy", "proszę nie",
    "älkää", "älä", "ei", "emme",
    "不要", "请勿", "請勿", "勿", "别", "別", "不用", "不必", "暂不", "暫不", "先不",
)

# Negators that say an invoice is not the one ("is not for invoice G1", "ne G2", "不是G2"), beside
# those above; "mai" (also a month) is left out there.
NEGATORS_OF_A_NAMING: tuple[str, ...] = (
    "nor", "neither", "doesn't", "doesn’t", "isn't", "isn’t", "aren't", "aren’t", "wasn't", "wasn’t", "není", "nejsou",
    "nepatří", "netýká", "nesouvisí", "nebyla", "nebyl", "不是", "并非", "並非", "不属于", "不屬於", "而非",
)

# After a negator these make it a reminder, not a negation: "don't forget to apply", "n'hésitez pas".
REMINDER_WORDS: tuple[str, ...] = (
    "forget", "hesitate", "glöm", "glem", "glemme", "vergessen", "vergesst", "oubliez", "oublie", "hésitez",
    "olviden", "olvide", "olvidar", "dude", "duden", "dimenticate", "dimentichi", "esitate", "esqueçam",
    "esqueça", "hesitem", "vergeet", "aarzel", "zapomnijcie", "zapomnij", "zapomeňte", "váhejte", "unutmayın",
    "unohtako", "unohtakaa", "epäröikö", "忘记", "忘記", "忘れ",
)

# Negators of the languages that put the verb first ("Koppla inte", "Buchen Sie … nicht",
# "Boek niet", "affectez pas", "ordnen Sie … nicht zu").
NEGATORS_AFTER_VERB: tuple[str, ...] = ("inte", "ej", "ikke", "ikkje", "nicht", "niet", "pas")

# Japanese negates after the verb: 充当しないでください, 消込は控えてください.
NEGATORS_JA: tuple[str, ...] = ("ないで", "ないよう", "なさらないで", "せずに", "控え", "不要", "必要ありません")

# The verbs of allocating, as a partner writes them when asking (imperative, infinitive, the
# modal passive "should not be applied"); past participles are left out, as "not allocated"
# describes a payment ("nicht zugeordnete Zahlung"), it does not ask anything.
ALLOCATION_VERBS: tuple[str, ...] = (
    # en
    "apply", "applying", "allocate", "allocating", "assign", "assigning", "book", "booking", "post", "posting",
    "match", "matching", "use", "using", "put", "reconcile", "reconciling", "process", "processing", "proceed",
    "go ahead", "settle", "offset", "credit", "do anything", "do that", "do this", "touch",
    "be applied", "be allocated", "be assigned", "be booked", "be posted", "be matched", "be used", "be put",
    # sv / da / nb
    "koppla", "kopplas", "fördela", "fördelas", "fördel", "allokera", "allokeras", "lägg", "lägga", "läggas",
    "boka", "bokas", "avräkna", "avräknas", "matcha", "använd", "använda", "placera", "registrera", "stäm av",
    "fordel", "fordele", "fordeles", "allokér", "alloker", "allokere", "bogfør", "bogføre", "bogføres",
    "placér", "placer", "placere", "knyt", "knytte", "knytt", "anvend", "anvende", "brug", "bruge", "bruk",
    "bruke", "udlign", "udligne", "afstem", "bokfør", "bokføre", "bokføres", "plasser", "plassere", "avregn",
    "avregne", "koble", "registrer", "registrere", "stämma av", "kvitta", "pricka av", "modregne", "modregn",
    "afstemme", "utligne", "utlign", "motregne",
    # de
    "zuordnen", "zuweisen", "buchen", "verbuchen", "verrechnen", "ausgleichen", "anwenden", "verwenden",
    "ordnen", "weisen", "buche", "verbuche", "zugeordnet werden", "gebucht werden", "verbucht werden",
    "verrechnet werden", "zugewiesen werden", "zuzuordnen", "zu buchen", "zu verbuchen", "anrechnen", "ausbuchen",
    "abgleichen", "verrechne",
    # fr
    "affecter", "affectez", "imputer", "imputez", "appliquer", "appliquez", "allouer", "allouez", "lettrer",
    "lettrez", "attribuer", "attribuez", "utiliser", "utilisez", "rapprocher", "rapprochez", "enregistrer",
    "enregistrez", "procéder", "procédez", "être affecté", "être imputé", "être appliqué",
    "solder", "soldez", "compenser", "compensez",
    # es
    "aplicar", "apliquen", "aplique", "asignar", "asignen", "asigne", "imputar", "imputen", "impute",
    "conciliar", "concilien", "utilizar", "utilicen", "utilice", "usar", "usen", "registrar", "registren",
    "proceder", "procedan", "aplíquenlo", "aplíquelo", "aplicarlo", "asígnenlo", "asígnelo", "asignarlo",
    "impútenlo", "impútelo", "imputarlo", "compensar", "compensen", "compense", "saldar", "salden", "liquidar",
    # it
    "applicare", "applicate", "applichi", "abbinare", "abbinate", "abbini", "imputare", "imputate", "imputi",
    "assegnare", "assegnate", "assegni", "allocare", "allocate", "allochi", "associare", "associate",
    "registrare", "registrate", "procedere", "procedete", "utilizzare", "utilizzate", "usate",
    "compensare", "compensate", "saldare", "saldate",
    # pt
    "aloquem", "aloque", "alocar", "apliquem", "atribuir", "atribua", "atribuam", "associar", "associe",
    "associem", "lançar", "lance", "lancem", "use", "usem", "utilize", "utilizem", "baixar", "baixem",
    "prossigam", "prossiga", "dar baixa", "compensar", "compensem", "quitar", "quitem",
    # nl
    "toewijzen", "wijs", "wijst", "koppelen", "koppel", "boeken", "boek", "verrekenen", "verreken",
    "afletteren", "toepassen", "gebruiken", "gebruik", "verwerken", "verwerk", "toekennen", "afboeken", "afboek",
    "wegboeken", "inboeken", "letter", "afletter", "wegstrepen", "toe te wijzen", "te verrekenen", "te koppelen",
    "te boeken", "af te boeken", "af te letteren", "in te boeken", "in mindering brengen", "in mindering te brengen",
    # pl
    "przypisać", "przypisywać", "przypiszcie", "przypisujcie", "przypisz", "przypisuj", "zaksięgować",
    "zaksięgujcie", "księgować", "księgujcie", "rozliczyć", "rozliczać", "rozliczcie", "rozliczajcie",
    "przyporządkować", "zaliczyć", "zaliczać", "zaliczcie", "użyć", "używać", "użyjcie", "przypisywanie",
    "księgowanie", "rozliczanie", "sparować", "sparujcie",
    # cs
    "přiřadit", "přiřaďte", "přiřazovat", "přiřazujte", "zaúčtovat", "zaúčtujte", "účtovat", "účtujte",
    "spárovat", "spárujte", "párovat", "párujte", "použít", "použijte", "používat", "uplatnit", "uplatněte",
    "započítat", "započtěte", "započítejte", "započíst",
    # fi (the connegative after älkää/älä/ei: "älkää kohdistako", "ei saa kohdistaa")
    "kohdista", "kohdistako", "kohdistaa", "kohdistakaa", "kirjatko", "kirjatkaa", "kirjata", "käyttäkö",
    "käyttää", "käyttäkää", "täsmäyttäkö", "täsmäyttää", "hyvittäkö", "hyvittää", "saa kohdistaa",
    "pidä kohdistaa", "saa kirjata",
    # zh / ja
    "分配", "核销", "核銷", "冲销", "沖銷", "匹配", "抵扣", "入账", "入賬", "应用", "應用", "对应", "關聯", "关联",
    "冲抵", "分摊", "处理", "處理", "充当", "消込", "割り当て", "割当", "適用", "紐付け", "紐づけ", "引き当て", "処理",
)

# Negated verbs written as one word: Czech "nepřiřazujte", Turkish "atamayın", "mahsup etmeyin".
NEGATED_VERB_PATTERNS: tuple[str, ...] = (
    r"ne(?:přiř|zaúčt|účt|spár|pár|použ|uplat|započ)\w*",
    r"(?:ata|uygula|eşleştir|eşle|mahsup\s+et|kapat|işle|kullan|dağıt|aktar|yansıt|kaydet|tahsis\s+et"
    r"|ilişkilendir|bağla|yap|mahsuplaştır)(?:ma|me)(?:yın|yin|yınız|yiniz|sın|sin)",
    r"(?:ata|uygula|eşleştir|mahsup\s+ed|kapat|işle|kullan|yap)(?:ma|me)(?:malısınız|melisiniz|mamalı|meli)",
)

# "Not yet", "noch nicht", "pas encore", "ainda não": with a negator in the same sentence, the
# allocation is put off.
YET_WORDS: tuple[str, ...] = (
    "yet", "noch", "ännu", "endnu", "ennå", "encore", "todavía", "aún", "ancora", "ainda", "nog",
    "jeszcze", "zatím", "ještě", "henüz", "vielä", "まだ", "暂", "暫",
)

# Putting the allocation off or keeping it back: counts in a sentence about the allocation.
POSTPONE_WORDS: tuple[str, ...] = (
    "wait", "hold off", "hold on", "on hold", "postpone", "until", "till we", "not now",
    "vänta", "avvakta", "tills", "till dess", "parkera", "vent", "afvent", "avvent", "indtil",
    "inntil", "warten", "warte", "abwarten", "bis wir", "bis ich",
    "zurückstellen", "zurückhalten", "attendre", "attendez", "jusqu'à ce que", "jusqu’à ce que",
    "en attente", "suspendre", "esperar", "esperen", "espere", "hasta que", "en espera",
    "suspender", "attendere", "attendete", "aspettare", "aspettate", "aspetti", "finché", "fino a quando",
    "in sospeso", "sospendere", "aguardar", "aguardem", "aguarde", "esperem", "até que",
    "segurar", "segurem", "wachten", "wacht", "totdat", "tot we", "tot wij", "aanhouden",
    "in de wacht", "poczekać", "poczekajcie", "wstrzymać", "wstrzymajcie", "dopóki", "počkat",
    "počkejte", "vyčkat", "vyčkejte", "pozdržet", "pozdržte", "dokud", "bekleyin", "bekleyiniz",
    "beklemeye", "bekletin", "askıya", "odottakaa", "odota", "odottaa", "kunnes",
    "等待", "等我们", "等我們", "稍后", "稍後", "暂缓", "暫緩", "之后再", "之後再", "以后再", "以後再",
    "お待ち", "待って", "保留", "後ほど",
)

# A condition on the allocation: counts in a sentence about the allocation.
CONDITION_WORDS: tuple[str, ...] = (
    "unless", "provided that", "providing that",
    "as long as", "only after", "only when", "only if", "assuming that", "after we", "as soon as we",
    "såvida inte", "förutsatt att", "först när", "först efter", "så snart vi", "medmindre",
    "forudsat at", "først når", "med mindre", "forutsatt at", "sofern", "vorausgesetzt",
    "es sei denn", "außer wenn", "sobald", "erst wenn", "erst dann", "erst nach", "erst nachdem", "nur wenn", "nur falls", "nachdem wir",
    "sauf si", "à moins que", "à condition que", "pourvu que", "dès que", "une fois que", "seulement si",
    "uniquement si", "seulement après", "a menos que", "salvo que", "siempre que", "siempre y cuando",
    "una vez que", "solo si", "sólo si", "solo cuando", "a meno che", "purché",
    "a condizione che", "una volta che", "non appena", "solo se", "soltanto se", "solo dopo", "salvo se",
    "contanto que", "assim que", "só se", "somente se", "apenas se", "só depois",
    "tenzij", "mits", "zodra", "pas als", "pas nadat", "alleen als", "alleen indien", "op voorwaarde",
    "chyba że", "pod warunkiem", "gdy tylko", "jak tylko", "dopiero gdy", "dopiero po", "tylko jeśli",
    "tylko jeżeli", "ledaže", "za předpokladu", "jakmile", "teprve až", "pouze pokud", "jen pokud",
    "jen když", "sürece", "şartıyla", "koşuluyla", "madıkça", "medikçe", "sonra",
    "ellei", "paitsi jos", "edellyttäen", "heti kun", "kun olemme", "vasta kun", "vain jos",
    "除非", "一旦", "确认后", "確認後", "之后", "之後", "待我们", "待我們",
    "限り", "次第", "確認してから", "承認後", "承認してから",
)

# A condition only in some of its uses: "once our controller has approved it", not "once
# again" or "at once".
CONDITION_PATTERNS: tuple[str, ...] = (
    r"(?<!at\s)\bonce\b(?!\s+(?:again|more|a\s+(?:day|week|month|year)))",
)

# "If" words: a condition only when a negator or an "already/still" word follows closely
# ("if it has not been applied", "if G… is still open"); "let us know if …" stays harmless.
IF_WORDS: tuple[str, ...] = (
    "if", "ifall", "om", "hvis", "wenn", "falls", "si", "s'il", "s’il", "se", "caso", "als", "indien",
    "jeśli", "jeżeli", "gdyby", "o ile", "pokud", "jestli", "jestliže", "eğer", "jos", "如果", "若", "假如",
    "もし", "場合",
)
ALREADY_WORDS: tuple[str, ...] = (
    "already", "still", "redan", "fortfarande", "allerede", "stadig", "fortsatt", "bereits", "schon", "noch",
    "déjà", "encore", "toujours", "ya", "todavía", "aún", "già", "ancora", "já", "ainda", "al", "reeds", "nog",
    "już", "nadal", "wciąż", "již", "už", "stále", "ještě", "zaten", "hâlâ", "henüz", "jo", "vielä", "yhä",
    "已", "已经", "已經", "仍", "还", "還", "既に", "すでに", "まだ",
)

# Doubt about the allocation itself: counts anywhere in the writer's own text.
DOUBT_WORDS: tuple[str, ...] = (
    "not sure", "unsure", "not certain", "uncertain", "i think", "maybe", "perhaps", "possibly", "probably",
    "hmm", "or was it", "or is it", "or should it be", "let me check", "let me double-check", "let me double check",
    "let me verify", "let me confirm", "i'll check", "i’ll check", "i will check", "i need to check",
    "i'll double-check", "i’ll double-check", "i need to double-check", "i have to check", "i must check",
    "i'll verify", "i’ll verify", "i need to verify", "i'll get back", "i’ll get back", "i will get back",
    "i might be wrong", "i may be wrong", "i can't remember", "i don't remember", "not 100",
    "inte säker", "osäker", "jag tror", "kanske", "möjligen", "troligen", "eller var det", "eller är det",
    "låt mig kolla", "jag ska kolla", "jag kollar", "dubbelkolla", "återkommer", "ikke sikker", "usikker",
    "jeg tror", "måske", "muligvis", "sandsynligvis", "lad mig tjekke", "jeg tjekker", "dobbelttjekke",
    "vender tilbage", "kanskje", "muligens", "sannsynligvis", "la meg sjekke", "jeg sjekker", "dobbeltsjekke",
    "kommer tilbake", "nicht sicher", "unsicher", "ich glaube", "ich denke", "vielleicht", "möglicherweise",
    "wahrscheinlich", "oder war es", "oder ist es", "oder doch", "ich prüfe", "ich muss prüfen",
    "ich muss nachsehen", "ich schaue nach", "nochmal prüfen", "noch einmal prüfen", "nochmals prüfen",
    "ich melde mich", "komme darauf zurück", "pas sûr", "pas sûre", "pas certain", "pas certaine", "incertain",
    "je pense", "je crois", "peut-être", "probablement", "ou était-ce", "ou est-ce", "je vérifie",
    "je dois vérifier", "laissez-moi vérifier", "je reviens vers vous", "je reviendrai", "revérifier",
    "no estoy seguro", "no estoy segura", "no sé si", "creo que", "quizás", "quizá", "tal vez", "a lo mejor",
    "probablemente", "o era", "déjame comprobar", "déjeme comprobar", "lo compruebo", "tengo que comprobar",
    "non sono sicuro", "non sono sicura", "non so se", "credo che", "penso che", "forse", "probabilmente",
    "oppure era", "fammi controllare", "mi faccia controllare", "devo controllare", "ricontrollo",
    "não tenho certeza", "não sei se", "acho que", "creio que", "talvez", "provavelmente", "ou era",
    "ou seria", "deixa eu verificar", "deixe-me verificar", "vou verificar", "preciso verificar",
    "vou conferir", "niet zeker", "onzeker", "ik denk", "ik geloof", "misschien", "waarschijnlijk",
    "of was het", "of is het", "ik controleer", "ik moet nagaan", "ik moet controleren", "dubbelchecken",
    "kom erop terug", "laat me even", "nie jestem pewien", "nie jestem pewna", "nie wiem czy", "myślę że",
    "myślę, że", "chyba", "być może", "prawdopodobnie", "czy raczej", "muszę sprawdzić", "sprawdzę",
    "niech sprawdzę", "nejsem si jistý", "nejsem si jistá", "nevím jestli", "nevím, jestli", "myslím", "možná", "pravděpodobně",
    "nebo to byla", "nebo to bylo", "nebo spíš", "musím ověřit", "ověřím", "zkontroluji", "zkontroluju",
    "emin değilim", "sanırım", "galiba", "belki", "muhtemelen", "yoksa", "kontrol edeyim", "tekrar kontrol",
    "en ole varma", "epävarma", "luulen", "ehkä", "kenties", "todennäköisesti", "vai oliko", "vai onko",
    "tarkistan", "pitää tarkistaa", "täytyy tarkistaa", "palaan asiaan",
    "不确定", "不確定", "不太确定", "不敢确定", "我觉得", "我覺得", "也许", "也許", "或许", "或許", "还是", "還是",
    "或者是", "我再确认", "我再確認", "我再核对", "我再核對", "核实一下", "让我确认", "讓我確認", "让我查", "嗯",
    "確かではありません", "自信がありません", "わかりません", "分かりません", "たぶん", "多分", "かもしれません",
    "それとも", "でしたっけ", "確認します", "確認させて", "えーと", "うーん",
)

# A clause that turns from a withdrawn allocation to the one meant ("…, but to G2", "…, sondern").
CONTRAST_WORDS: tuple[str, ...] = (
    "but", "instead", "rather", "in its place", "utan", "istället", "i stället", "men", "i stedet", "sondern", "stattdessen",
    "aber", "mais", "plutôt", "pero", "sino", "en cambio", "en su lugar", "en lugar de eso", "ma", "bensì", "invece", "mas", "em vez", "maar",
    "ale", "lecz", "tylko", "nýbrž", "ale", "místo toho", "ama", "fakat", "bunun yerine", "vaan", "mutta",
    "sen sijaan", "但", "而是", "改为", "改為", "ではなく", "代わりに",
)
