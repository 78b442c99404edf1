"""Out-of-office and vacation replies told by their words, for those that carry no machine header
(issue 15 item 5): a Thunderbird or Apple Mail rule, an Exchange or Zimbra notice whose headers a
gateway stripped, a Sieve `vacation` script left at its defaults. They often quote the request
they answer; that quoted request is never acted on nor answered.

The rule, in two routes:

1. **Subject.** A leading auto-reply prefix in any language the bot reads, as the clients and
   servers write it: Outlook/Exchange "Automatic reply:", "Réponse automatique :",
   "Automatische Antwort:", "Autosvar:", "Respuesta automática:", "自動応答:"…; Sieve's "Auto:";
   the titles people give the Gmail, Zimbra and Apple responders ("Out of Office", "Abwesend").
   Alone it is enough: a person does not start their own subject that way. A person answering
   an out-of-office writes "Re: Automatic reply: …", which is not a leading prefix.
2. **Opening lines.** Without such a subject (Apple Mail and Thunderbird rules answer
   "Re: <your subject>"), all three of these:
   - the first three non-blank lines of the message's own text state a present absence ("I am
     out of the office", "Je suis absente du bureau", "Ich bin bis … nicht im Büro", "Jestem
     poza biurem", "不在にしております") or say they are an automatic reply;
   - its own text (before any quote) carries a notice's second mark: a return ("until", "back
     on", "jusqu'au", "bis", "hasta"…), a redirect for urgent matters, or limited access to mail;
   - its own text names no payment or invoice (nothing like `PY40028173`, `G012345678`,
     "invoice 4711"): a notice names none, only the request it quotes does.

   So "I will be out of office next week, so please apply PY… to G… now" is a request (a future
   absence, and it names the payment and invoice), and so is "I'm out of the office today;
   please apply the payment to the March invoice" (no return, redirect or access mark).
"""
from __future__ import annotations

import re

from bot.intake.mailview import Mail, as_written, body_text, leading
from bot.reading.folding import fold

_OPENING_LINES = 3

AUTO_REPLY_SUBJECT = leading(
    r"auto(?:matic|mated)?[- ]?(?:reply|response|answer)|out of (?:the )?office(?: auto-?reply| reply"
    r"| notice)?"
    r"|ooo|away from (?:the |my )?office|vacation(?: reply| response| notice)?|on (?:vacation|leave)|absence"
    r"|auto|autosvar|automatiskt? svar|franvaro(?:nde|meddelande)?|fravaerende|fravær(?:ende)?"
    r"|ikke på kontoret"
    r"|fraværsmelding|fraværsbesked|abwesenheitsnotiz|automatische (?:antwort|abwesenheitsnotiz)|abwesend"
    r"|abwesenheit"
    r"|reponse automatique(?: d'absence(?: du bureau)?)?|absen(?:ce|te?) du bureau|message d'absence|absente?"
    r"|absent\(e\)|(?:en )?congés?|vacances|urlaub|im urlaub|semester|på semester|ferie|på ferie|vakantie"
    r"|vacaciones|in ferie|férias|urlop|dovolená|loma(?:lla)?|izindeyim|tatil(?:deyim)?|休暇|休假"
    r"|respuesta automatica(?: de fuera de la oficina)?|fuera de (?:la )?oficina|risposta automatica"
    r"|fuori (?:sede|ufficio)|resposta automatica|ausente|fora do escritorio|automatisch antwoord"
    r"|afwezig(?:heidsmelding|heidsbericht)?|odpowiedz automatyczna|automatyczna odpowiedz|poza biurem"
    r"|nieobecnosc|automaticka odpoved|mimo kancelar|nepřítomnost|automatikus valasz|automaattinen vastaus"
    r"|poissaolo(?:ilmoitus)?|otomatik (?:yan[ıi]t|cevap)|ofis dışında|raspuns automat|автоматический ответ"
    r"|автоответ|αυτοματη απαντηση|自動応答|自動返信|不在(?:通知)?|自动回复|自動回覆|자동 ?응답|부재(?:중)?",
    needs_separator=True,
)

# A present absence, or a statement that this is an automatic reply, per language.
_ABSENT = re.compile(fold(
    r"\bi(?: am|'m|’m) (?:currently |now |presently |still )?(?:out of (?:the )?office|ooo\b|away\b|absent"
    r"|on (?:[a-z]+ )?(?:vacation|holiday|holidays|leave)\b|not (?:in|at) (?:the |my )?(?:office|desk|work)"
    r"|out (?:until|till|through|from)|travell?ing|off (?:work|until))"
    r"|\bi will be (?:out of (?:the )?office|away|absent|on (?:[a-z]+ )?(?:vacation|holiday|leave))"
    r" (?:until|till|through|from [^\n]{1,40} (?:until|to|through))"
    r"|this is an automat(?:ic|ed)(?:ally generated)? (?:reply|response|message|notification)"
    r"|\bje suis (?:actuellement |en ce moment )?(?:(?:absente?|absent\(e\))(?: du bureau)?|en congés?"
    r"|en vacances|en déplacement|hors du bureau|en dehors du bureau|indisponible|en formation)"
    r"|\bje serai absente? (?:jusqu|du )|ceci est une réponse automatique|message d'absence"
    r"|\bich bin (?:derzeit |zurzeit |momentan |aktuell |leider |ab [^\n]{1,30} |vom [^\n]{1,40} )?"
    r"(?:bis [^\n]{1,40} )?(?:nicht (?:im büro|erreichbar|im haus|am arbeitsplatz)|abwesend|im urlaub"
    r"|in urlaub|außer haus|auf (?:geschäfts)?reise|in elternzeit)"
    r"|\bich befinde mich [^\n]{0,60}(?:urlaub|außer haus|nicht im büro)|dies ist eine automatische"
    r"|\b(?:estoy|me encuentro) (?:actualmente )?(?:fuera de (?:la )?oficina|de vacaciones|ausente|de viaje"
    r"|de baja|de permiso)|esta es una respuesta automática"
    r"|\b(?:sono|sarò) (?:attualmente )?(?:fuori (?:ufficio|sede)|in (?:ferie|vacanza|congedo|trasferta)"
    r"|assente)"
    r"|questa è una risposta automatica|\b(?:estou|encontro-me) (?:atualmente )?(?:fora do escritório"
    r"|de férias|ausente|em viagem|de licença)|esta é uma resposta automática"
    r"|\bik ben (?:momenteel |tot [^\n]{1,40} |van [^\n]{1,40} )?(?:niet (?:op kantoor|aanwezig|bereikbaar)"
    r"|afwezig|met vakantie|op vakantie|met verlof|buiten kantoor)|dit is een automatisch"
    r"|\bjag är (?:för närvarande |just nu |)(?:på semester|ledig|tjänstledig|borta|inte på kontoret"
    r"|frånvarande|på tjänsteresa|föräldraledig|sjukskriven)|detta är ett automatiskt svar"
    r"|\bjeg er (?:pt\. |p\.t\. |i øjeblikket |for tiden |for øyeblikket )?(?:på ferie|fraværende"
    r"|ikke på kontoret|ude af huset|på barsel|borte|på reise|i permisjon)|dette er et automatisk svar"
    r"|\b(?:jestem|przebywam) (?:obecnie |aktualnie )?(?:poza biurem|na urlopie|nieobecn[ya]|w podróży)"
    r"|to jest (?:automatyczna odpowiedź|wiadomość automatyczna)"
    r"|\bjsem (?:momentálně |nyní )?(?:mimo kancelář|na dovolené|nepřítomen|nepřítomna|na služební cestě)"
    r"|toto je automatická odpověď|ofis dışındayım|izindeyim|tatildeyim|ofiste değilim"
    r"|ofiste bulunmamaktayım|bu (?:bir )?otomatik (?:yanıttır|cevaptır|mesajdır)"
    r"|\bolen (?:tällä hetkellä |parhaillaan )?(?:lomalla|poissa|matkoilla|työmatkalla|sairauslomalla)"
    r"|tämä on automaattinen vastaus|不在にしております|不在にしています|休暇をいただいております|休暇中|不在です"
    r"|出張中|自動(?:応答|返信)(?:メッセージ|です)|このメールは自動(?:送信|返信)"
    r"|我(?:目前|现在|正在)?(?:不在办公室|不在辦公室|休假|出差)|本人(?:目前)?(?:休假|不在)"
    r"|(?:这|這)是(?:一封)?自(?:动|動)回(?:复|覆)|此为自动回复"))
# A notice's second mark: when the writer is back, whom to ask meanwhile, how they read mail.
_NOTICE = re.compile(fold(
    r"\buntil\b|\btill\b|\bthrough\b|back (?:on|in|at)|\breturn|urgent|limited access|no access"
    r"|access to (?:my )?e-?mail"
    r"|will (?:reply|respond|get back)|not be (?:read|forwarded)|jusqu|de retour|retour le|urgen"
    r"|accès (?:limité|à mes)"
    r"|répondrai|\bbis\b|zurück|dringend|eingeschränkt|kein(?:en)? zugriff|beantworte|wieder im büro|hasta"
    r"|de vuelta|regres|acceso limitado|responderé|fino al|rientr|accesso limitato|risponderò|\baté\b"
    r"|de volta"
    r"|retorno|acesso limitado|responderei|\btot\b|\bt/m\b|terug|weer aanwezig|spoed|beperkte toegang"
    r"|beantwoord|\btill\b|t\.o\.m|tillbaka|åter|brådskande|begränsad tillgång|besvara|\btil og med\b|tilbage"
    r"|tilbake|haster|begrænset adgang|begrenset tilgang|besvare|\bdo\b|wracam|powrot|pilne"
    r"|ograniczony dostęp"
    r"|odpowiem|vracím|návrat|naléhav|omezený přístup|odpovím|kadar|döneceğim|dönüşümde|acil|sınırlı erişim"
    r"|yanıt vereceğim|\basti\b|saakka|palaan|kiireellis|rajoitettu|vastaan|まで|戻り|復帰|急ぎ|至急|返信いたします"
    r"|ご連絡いたします|至\s?\d|之前|返回|回来|回來|紧急|緊急|回复您|回覆您"))
# Something a request names: an id like PY40028173 or G012345678 (not "tel 0701234567"), or "invoice 4711".
_NAMES_ITEM = re.compile(fold(
    r"\b(?!(?:on|at|to|or|tel|mob|fax|ph|nr|no)\b)[a-z]{1,3}[- ]?\d{6,}\b"
    r"|(?:invoice|faktura|rechnung|facture|factura|fattura|fatura|factuur|lasku|payment|betalning|zahlung"
    r"|paiement|pago|pagamento|betaling|płatność|platba|ödeme|maksu)\s*(?:no\.?|nr\.?|#)?\s*\d{4,}"
    r"|請求書|发票|發票|支払|付款"))
# Where the writer's own text ends: a quote, or the header block of the message it answers.
_QUOTE_START = re.compile(fold(
    r"^\s*(?:>|-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original"
    r"|messaggio originale|mensagem original|oorspronkelijk bericht|originalmeddelande|oprindelig meddelelse"
    r"|opprinnelig melding|wiadomość oryginalna|původní zpráva|orijinal ileti|alkuperäinen viesti)"
    r"|_{10,}|(?:from|von|de|från|fra|van|od|da|lähettäjä|kimden|发件人|寄件者|差出人)\s*[:：]"
    r"|on .{4,80} wrote:|le .{4,80} a écrit|am .{4,80} schrieb|el .{4,80} escribió|il .{4,80} ha scritto"
    r"|em .{4,80} escreveu|op .{4,80} schreef|den .{4,80} skrev|w dniu .{4,80} napisał)"), re.MULTILINE)


def vacation_subject(mail: Mail) -> str | None:
    subject = mail.subject
    return f"Subject: {subject}" if AUTO_REPLY_SUBJECT.search(fold(subject)) else None


def vacation_opening(mail: Mail) -> str | None:
    """Route 2 of the module's rule: an absence in the opening lines, a notice's mark, no ids."""
    text = body_text(mail.msg)
    own = fold(text)
    if quote := _QUOTE_START.search(own):
        own = own[:quote.start()]
    lines = [line.strip() for line in own.splitlines() if line.strip()]
    opening = "\n".join(lines[:_OPENING_LINES])
    absent = _ABSENT.search(opening)
    if absent is None or _NOTICE.search(" ".join(lines)) is None or _NAMES_ITEM.search(own):
        return None
    return f"out-of-office text '{as_written(text, absent.group(0))}'"
