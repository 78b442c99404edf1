"""Delivery failures told by their words: the subject a mail system gives a bounce, and the
non-delivery text it opens with when nothing else marks it (issue 15 item 6).

Some mail servers send bounces without an empty Return-Path, without Auto-Submitted and
without a DSN part, from `no-reply@` or a plain host address, with the returned mail's own
subject ("Re: Payment allocation confirmed") or a Japanese one. They still open with their
MTA's fixed text, which a person does not write: Postfix "This is the mail system at host",
Exim "This message was created automatically by mail delivery software", Exchange "Delivery
has failed to these recipients or groups" (and its translations), Gmail "Address not found",
qmail "This is the qmail-send program", Sendmail "The original message was received at" with
its "----- Transcript of session follows -----".

The text counts only in the opening of the message's first text part (quoted `>` lines left
out) and never on a subject that starts "Fwd:" or a translation: a person who forwards a
bounce inline writes on top of it, and that mail is theirs.

Subjects count only as the leading text, as for auto-replies (see classify.py); words that
also start ordinary subjects ("Undeliverable invoice address") need the colon mail systems
put after them.
"""
from __future__ import annotations

import re

from bot.intake.mailview import Mail, as_written, body_text, is_forward, leading
from bot.reading.folding import fold

_OPENING_LINES = 60

BOUNCE_SUBJECT_WORD = leading(
    r"undeliverable|unzustellbar|nicht zustellbar|non remis|non distribuable|onbestelbaar|olevererbart"
    r"|no entregado|no se puede entregar|imposible entregar|non recapitabile|nao entregue|kan ikke leveres"
    r"|ikke levert|kunne ikke leveres|niedostarczalne|nedorucitelne|nedoručitelné|kezbesithetetlen"
    r"|toimittamaton"
    r"|ei voitu toimittaa|teslim edilemedi|teslim edilemeyen|iletilemedi|配信不能|配信エラー|配信失敗"
    r"|メール配信エラー|メール配信失敗|メール配送エラー|配送エラー|配送失敗|宛先不明|未配信|送信エラー|送信失敗"
    r"|エラーメール|無法投遞|无法投递|無法傳遞|投递失败|邮件退回|退信|系统退信|전달되지 않음|недоставляемое|не доставлено",
    needs_separator=True,
)
BOUNCE_SUBJECT_PHRASE = leading(
    r"undelivered mail|undeliverable (?:mail|message)|delivery status notification|mail delivery failed"
    r"|mail delivery failure|returned mail|failure notice"
    r"|delivery (?:notification: delivery )?(?:has )?failed"
    r"|delivery failure|message not delivered|non-?delivery (?:report|notification)|nondeliverable"
    r"|warning: could not send message|delivery delayed|mail system error|mail could not be delivered"
    r"|message delivery failure|undelivered message",
    needs_separator=False,
)

# Fixed texts of the common MTAs and hosted services; Exchange and Gmail in their translations.
_NON_DELIVERY = re.compile(fold(
    r"this is the mail system at host|i'm sorry to have to inform you that your message could not"
    r"|this message was created automatically by mail delivery software"
    r"|a message that you sent (?:could not be delivered|has not yet been delivered)"
    r"|delivery has failed to these recipients or groups|diagnostic information for administrators"
    r"|your message (?:to [^\n]{1,200} )?couldn'?t be delivered|your message wasn'?t delivered to"
    r"|the following recipient\(s\) cannot be reached|delivery to the following recipients? failed"
    r"|\*\* (?:address not found|message not delivered|message blocked) \*\*"
    r"|the response from the remote server was|this is the qmail-send program"
    r"|i'm afraid i wasn't able to deliver your message|the original message was received at"
    r"|-{3,} ?transcript of session follows ?-{3,}|-{3,} ?the following addresses had permanent fatal errors"
    r"|sorry, we were unable to deliver your message"
    r"|message could not be delivered to the following recipients"
    r"|die zustellung an folgende empfänger oder gruppen ist fehlgeschlagen|\*\* adresse nicht gefunden \*\*"
    r"|diese nachricht wurde automatisch von der mail-zustellungssoftware erstellt"
    r"|la remise à ces destinataires ou groupes a échoué|\*\* adresse introuvable \*\*"
    r"|error en la entrega a estos destinatarios o grupos|\*\* no se ha encontrado la dirección \*\*"
    r"|recapito non riuscito a questi destinatari o gruppi|\*\* indirizzo non trovato \*\*"
    r"|falha na entrega para estes destinatários ou grupos|\*\* endereço não encontrado \*\*"
    r"|(?:bezorging|levering) (?:aan|bij|voor) deze (?:geadresseerden|ontvangers) of groepen is mislukt"
    r"|\*\* adres niet gevonden \*\*|leveransen till de här mottagarna eller grupperna misslyckades"
    r"|\*\* adressen hittades inte \*\*|levering til disse modtagere eller grupper mislykkedes"
    r"|\*\* adressen blev ikke fundet \*\*|levering til disse mottakerne eller gruppene mislyktes"
    r"|\*\* fant ikke adressen \*\*|dostarczenie do tych adresatów lub grup nie powiodło się"
    r"|\*\* nie znaleziono adresu \*\*|doručení těmto příjemcům nebo skupinám se nezdařilo"
    r"|\*\* adresa nebyla nalezena \*\*|bu alıcılara veya gruplara teslim (?:başarısız oldu|edilemedi)"
    r"|\*\* adres bulunamadı \*\*|toimitus näille vastaanottajille tai ryhmille epäonnistui"
    r"|\*\* osoitetta ei löytynyt \*\*|次の受信者またはグループへの配信に失敗しました|アドレスが見つかりません"
    r"|以下の(?:宛先|アドレス)[^\n]{0,12}(?:配信|配送|送信)(?:に失敗しました|できませんでした)"
    r"|メールを(?:配信|配送)できませんでした|このメールは(?:メール)?配信システムから自動"
    r"|无法传递到以下收件人或组|无法传送到这些收件人或组|無法傳遞到這些收件者或群組|找不到地址"
    r"|邮件(?:无法|未能)(?:送达|投递)(?:到)?以下(?:收件人|地址)|此邮件由邮件(?:投递|传输)系统自动"))


def bounce_subject(mail: Mail) -> str | None:
    subject = mail.subject
    hit = BOUNCE_SUBJECT_WORD.search(fold(subject)) or BOUNCE_SUBJECT_PHRASE.search(fold(subject))
    return f"Subject: {subject}" if hit else None


def non_delivery_text(mail: Mail) -> str | None:
    """An MTA's non-delivery text in the opening lines of the first text part."""
    if is_forward(mail.subject):  # a person passes the bounce on; a bounce itself may carry "Re: <subject>"
        return None
    lines = [line for line in body_text(mail.msg).splitlines()
             if line.strip() and not line.lstrip().startswith(">")]  # a quote is somebody else's text
    text = "\n".join(lines[:_OPENING_LINES])
    opening = fold(text)
    hit = _NON_DELIVERY.search(opening)
    return f"non-delivery text '{as_written(text, hit.group(0))}'" if hit else None
