"""Calendar mail: invitations, updates, cancellations and their replies are not requests.

A calendar service writes them for a person who scheduled a meeting; the agenda may name a
payment and an invoice ("walk through how PY… relates to G…"), but nobody asked to allocate
anything, and a confirmation would go to the organizer (issue 17). They are recorded and
never answered.

Two kinds of evidence, the first certain, the second only when it is strong:

1. **Structure**, which only calendar software writes: a `text/calendar` (or
   `text/x-vcalendar`, `application/ics`) part anywhere in the message's own MIME tree, an
   attachment named `.ics`/`.ifb`/`.vcs`, a part whose text starts `BEGIN:VCALENDAR`, or
   Exchange's `Content-Class: urn:content-classes:calendarmessage`. The evidence names the
   iCalendar METHOD (REQUEST, CANCEL, REPLY, COUNTER, PUBLISH…) when the part gives one.
2. **Text** without any calendar part (a gateway dropped it, or the service sent HTML only),
   never on a subject that starts "Re:"/"Fwd:" (a person wrote on top):
   - the subject of Google Calendar and its translations: a leading "Invitation:",
     "Updated invitation:", "Canceled event:", "Accepted:", "Declined:"… *and* the
     " @ <date or time>" that the service puts after the title;
   - a line only a calendar service writes ("Invitation from Google Calendar", "You are
     receiving this email … because you are an attendee", "Forwarding this invitation could
     allow any recipient…");
   - an invitation sentence ("… has invited you to an event", "… is inviting you to a
     scheduled Zoom meeting", and translations) in the first lines *together with* a link or
     mark of a calendar or meeting service (calendar.google.com, zoom.us/j/, Teams' meetup-join
     link, an invite.ics, "Yes - Maybe - No").

A request that mentions a meeting ("as discussed in our meeting on Tuesday", "Invitation to
pay", a subject "Meeting follow-up: apply PY… to G…") has none of these and is read as usual.
"""
from __future__ import annotations

import re
from typing import Any

from bot.intake.mailview import (Mail, as_written, body_text, content_type, filename, is_reply_or_forward,
                                 leading, own_parts, parameter, part_text, raw_headers)
from bot.reading.folding import fold

_CALENDAR_TYPES = frozenset({"text/calendar", "text/x-vcalendar", "application/ics", "application/x-ics",
                             "text/x-ical", "application/calendar"})
_CALENDAR_FILE = re.compile(r"\.(?:ics|ical|icalendar|ifb|vcs)\s*$", re.IGNORECASE)
_METHOD_LINE = re.compile(r"^METHOD\s*:\s*([A-Za-z-]{3,20})\s*$", re.MULTILINE)
_VCALENDAR = re.compile(r"^\s*BEGIN\s*:\s*VCALENDAR\b", re.IGNORECASE)
_OPENING_LINES = 8

# Google Calendar's subject prefixes in the languages the bot reads; Outlook's response
# prefixes ("Accepted:", "Tentative:", "New Time Proposed:") come with a text/calendar part.
_SUBJECT_PREFIX = leading(
    r"invitation|updated invitation(?: with note)?|invitation from google calendar|new event|updated event"
    r"|cancell?ed event(?: with note)?|event cancell?ed|accepted|declined|tentative(?:ly accepted)?|maybe"
    r"|new time proposed|inbjudan|uppdaterad inbjudan|inställd händelse|inställt|accepterad|accepterat"
    r"|avböjd|avböjt|preliminär(?:t)?(?: accepterad)?|opdateret invitation|aflyst begivenhed|aflyst"
    r"|accepteret"
    r"|afvist|foreløbig(?:t accepteret)?|invitasjon|oppdatert invitasjon|avlyst(?: aktivitet)?|godtatt"
    r"|avslått"
    r"|foreløpig(?: godtatt)?|einladung|aktualisierte einladung|abgesagte[rs]? (?:termin|veranstaltung"
    r"|ereignis)"
    r"|abgesagt|angenommen|abgelehnt|vorläufig(?: angenommen)?|mit vorbehalt angenommen"
    r"|invitation mise à jour|événement annulé|annulé|accepté|refusé|provisoire|accepté provisoirement"
    r"|invitación|invitación actualizada|evento cancelado|cancelado|aceptado|rechazado|provisional"
    r"|invito|invito aggiornato|evento annullato|annullato|accettato|rifiutato|provvisorio"
    r"|convite|convite atualizado|aceito|aceite|recusado|provisório|uitnodiging|bijgewerkte uitnodiging"
    r"|geannuleerd(?: evenement| afspraak)?|geaccepteerd|geweigerd|afgewezen|voorlopig(?: geaccepteerd)?"
    r"|zaproszenie|zaktualizowane zaproszenie|odwołane wydarzenie|odwołane|zaakceptowane|odrzucone|wstępnie"
    r"|pozvánka|aktualizovaná pozvánka|zrušená událost|zrušeno|přijato|odmítnuto|předběžně(?: přijato)?"
    r"|davet|davetiye|güncellenmiş davet(?:iye)?|iptal edilen etkinlik|iptal edildi|kabul edildi|reddedildi"
    r"|belki|kutsu|päivitetty kutsu|peruutettu tapahtuma|peruutettu|hyväksytty|hylätty|alustava"
    r"|招待|更新された招待|予定のキャンセル|キャンセル|承諾|承諾済み|辞退|仮承諾|邀请|邀請|已更新的邀请|更新邀请"
    r"|已取消的活动|已取消|已接受|已拒绝|已拒絕|暂定|暫定",
    needs_separator=True,
)
# Google's " @ Tue Nov 3, 2026 10am - 11am (CET)", " @ tis 3 nov. 2026 10:00–11:00", " @ 2026年11月3日"
_SUBJECT_WHEN = re.compile(r"\s@\s.{0,60}?(?:\d{1,2}(?::\d\d|\s?[ap]\.?m\b)|\d{4}|\d年|\d月|\d日)",
                           re.IGNORECASE)

_SERVICE_LINES = re.compile(fold(
    r"(?:invitation|einladung|inbjudan|invitasjon|invito|convite|uitnodiging|zaproszenie|pozvánka|kutsu"
    r"|invitación|davet)[^\n]{0,25}google[ -]?(?:calendar|kalender|agenda|kalendarz|kalendář|takvim|kalenter"
    r"|calendario)|google[ -]?(?:カレンダー|日历|日曆)[^\n]{0,6}(?:からの招待|的邀请|的邀請)"
    r"|you are receiving this (?:courtesy )?email (?:at the account [^\n]{1,80} )?"
    r"because you are an (?:attendee|guest)"
    r"|forwarding this invitation could allow any recipient|to stop receiving future updates for this event"))
_INVITED = re.compile(fold(
    r"(?:has|have) invited you to|you(?:'ve| have) been invited to|is inviting you to a scheduled"
    r"|har bjudit in dig|du har bjudits in|har inviteret dig|du er blevet inviteret|har invitert deg"
    r"|du er invitert"
    r"|hat (?:sie|dich) .{0,80}eingeladen|(?:sie wurden|du wurdest) .{0,80}eingeladen|lädt sie .{0,60} ein"
    r"|vous a invitée?|vous avez été invitée?|vous invite à une réunion"
    r"|te ha invitado|le ha invitado|has sido invitad[oa]|se le ha invitado|le está invitando"
    r"|te está invitando"
    r"|ti ha invitat[oa]|sei stat[oa] invitat[oa]|ti sta invitando|la sta invitando"
    r"|convidou você|te convidou|você foi convidad[oa]|está convidando você"
    r"|heeft (?:je|u) uitgenodigd|(?:je|u) bent uitgenodigd|nodigt (?:je|u) uit"
    r"|zaprosił(?:a)? (?:cię|pana|panią)|zaprasza (?:cię|pana|panią)|został(?:eś|aś|a|) zaproszon"
    r"|(?:vás|tě) pozval|byl(?:i|a)? jste pozván|(?:sizi|seni) .{0,60}davet (?:etti|ediyor)|davet edildiniz"
    r"|on kutsunut sinut|sinut on kutsuttu|招待しました|招待されました|招待しています|からの招待"
    r"|邀请您参加|邀請您參加|邀请你参加|您已受邀|邀请了您|邀請了您"))
_SERVICE_MARKS = re.compile(
    r"calendar\.google\.com|meet\.google\.com|zoom\.us/[jw]/|teams\.microsoft\.com/l/meetup-join"
    r"|outlook\.(?:live|office365?)\.com/(?:owa/.{0,40})?calendar|icloud\.com/(?:calendar|invitation)"
    r"|webex\.com/(?:meet|join)|invite\.ics|invitation\.ics|\byes\b\s*[-–|]\s*\bmaybe\b\s*[-–|]\s*\bno\b",
    re.IGNORECASE)


def calendar_part(mail: Mail) -> str | None:
    """Structure only calendar software writes; the evidence names the part and its METHOD."""
    content_class = mail.first("content-class")
    if "calendarmessage" in content_class.lower():
        return f"calendar: Content-Class: {content_class}"
    for part in own_parts(mail.msg):
        kind = content_type(part)
        if kind.startswith("multipart/"):
            continue
        name = filename(part)
        text = part_text(part, 16 * 1024) if kind in _CALENDAR_TYPES or name or kind.startswith(
            "application/") or kind == "text/plain" else ""
        if kind in _CALENDAR_TYPES or _CALENDAR_FILE.search(name) or _VCALENDAR.match(text):
            return "calendar: " + _describe(part, kind, name, text)
    return None


def _describe(part: Any, kind: str, name: str, text: str) -> str:
    """"text/calendar part, METHOD:REQUEST" or "attachment invite.ics (application/ics), METHOD:CANCEL"."""
    method = parameter(raw_headers(part).get("content-type", [""])[0], "method")
    if not method and (hit := _METHOD_LINE.search(text)):
        method = hit.group(1)
    where = f"attachment {name} ({kind})" if name else f"{kind} part"
    return where + (f", METHOD:{method.upper()}" if method else "")


def calendar_subject(mail: Mail) -> str | None:
    """Google Calendar's "Invitation: Title @ Tue Nov 3, 2026 10am - 11am (CET) (ann@…)"."""
    subject = mail.subject
    if _SUBJECT_PREFIX.search(fold(subject)) and _SUBJECT_WHEN.search(subject):
        return f"calendar: Subject: {subject}"
    return None


def calendar_text(mail: Mail) -> str | None:
    """A service's own footer line, or an invitation sentence with a calendar/meeting link."""
    if is_reply_or_forward(mail.subject):
        return None
    text = body_text(mail.msg)
    folded = fold(text)
    if hit := _SERVICE_LINES.search(folded):
        return f"calendar: invitation text '{as_written(text, hit.group(0))}'"
    opening = "\n".join([line for line in folded.splitlines() if line.strip()][:_OPENING_LINES])
    if (hit := _INVITED.search(opening)) and (mark := _SERVICE_MARKS.search(text)):
        return f"calendar: invitation text '{as_written(text, hit.group(0))}' with {mark.group(0)}"
    return None

