"""Calendar mail (issue 17): invitations, updates, cancellations and replies are machine mail,
told by their calendar part, or without one by the subject and texts of the calendar services;
a request that speaks of a meeting or an invitation is not."""
from __future__ import annotations

import pytest

from bot.model import Reason
from tests.unit.intake.test_classify import encoded, mail, multipart, verdict

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nSUMMARY:PY40028173\r\n"
       "END:VEVENT\r\nEND:VCALENDAR")
BODY = "Agenda: walk through how payment PY40028173 relates to invoice G012345678."


def evidence(msg) -> str | None:
    found = verdict(msg)
    assert found is None or found.reason is Reason.AUTO_REPLY, found
    return found.evidence if found else None


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "REPLY", "COUNTER", "PUBLISH", "ADD", "REFRESH",
                                    "DECLINECOUNTER"])
def test_every_itip_method_in_a_calendar_part_is_calendar_mail(method: str) -> None:
    calendar = (f"text/calendar; method={method}", ICS.format(method=method))
    msg = multipart("alternative", [("text/plain", BODY), calendar])
    assert evidence(msg) == f"calendar: text/calendar part, METHOD:{method}"


@pytest.mark.parametrize(("ctype", "disposition", "expected"), [
    ("text/calendar", "", "calendar: text/calendar part, METHOD:REQUEST"),
    ("text/x-vcalendar", "", "calendar: text/x-vcalendar part, METHOD:REQUEST"),
    ("application/ics; name=invite.ics", "",
     "calendar: attachment invite.ics (application/ics), METHOD:REQUEST"),
    ("application/octet-stream", 'attachment; filename="Meeting.ICS"',
     "calendar: attachment Meeting.ICS (application/octet-stream), METHOD:REQUEST"),
    ("application/octet-stream", "attachment; filename*=utf-8''m%C3%B6te.vcs",
     "calendar: attachment m%C3%B6te.vcs (application/octet-stream), METHOD:REQUEST"),
    ("application/octet-stream", "attachment; filename=agenda.dat",
     "calendar: attachment agenda.dat (application/octet-stream), METHOD:REQUEST"),
])
def test_calendar_parts_and_attachments_anywhere_in_the_tree(ctype: str, disposition: str,
                                                             expected: str) -> None:
    part = f"{ctype}\r\nContent-Disposition: {disposition}" if disposition else ctype
    inner = "Content-Type: multipart/alternative; boundary=\"in\"\r\n\r\n" \
            f"--in\r\nContent-Type: text/plain\r\n\r\n{BODY}\r\n" \
            f"--in\r\nContent-Type: {part}\r\n\r\n{ICS.format(method='REQUEST')}\r\n--in--"
    nested = multipart("mixed", [("text/plain", "See below."), ('multipart/related; boundary="rel"',
                                  f"--rel\r\n{inner}\r\n--rel--")])
    assert evidence(nested) == expected


def test_a_calendar_in_an_attached_message_is_somebody_elses_mail() -> None:
    """A forwarded invitation (message/rfc822) is read as the forwarder's mail, and held as a forward."""
    inner = mail({"Subject": "Invitation"}, ICS.format(method="REQUEST"), "text/calendar; method=REQUEST")
    msg = multipart("mixed", [("text/plain", "Please allocate PY40028173 to G012345678."),
                              ("message/rfc822", inner.as_string())])
    assert evidence(msg) is None


def test_exchange_content_class() -> None:
    msg = mail({"Content-Class": "urn:content-classes:calendarmessage"})
    assert evidence(msg) == "calendar: Content-Class: urn:content-classes:calendarmessage"


# Google Calendar's subjects in the languages the bot reads, sent without a calendar part.
GOOGLE_SUBJECTS = [
    "Invitation: Payment walkthrough @ Tue Nov 3, 2026 10am - 11am (CET) (allocations@billing.example)",
    "Updated invitation: Payment walkthrough @ Tue Nov 3, 2026 10am - 11am (CET)",
    "Updated invitation with note: Review @ Wed Nov 4, 2026 2:30pm - 3pm (GMT)",
    "Canceled event: Review @ Wed Nov 4, 2026 2pm - 3pm (GMT)", "Accepted: Review @ Wed Nov 4, 2026 2pm",
    "Declined: Review @ Wed Nov 4, 2026 2pm", "Tentatively accepted: Review @ Wed Nov 4, 2026 14:00",
    "Inbjudan: Genomgång @ tis 3 nov. 2026 10:00 - 11:00 (CET)",
    "Invitation: Gennemgang @ tir. 3. nov. 2026 10.00",
    "Invitasjon: Gjennomgang @ tir. 3. nov. 2026 10:00",
    "Einladung: Zuordnung @ Di. 3. Nov. 2026 10:00 - 11:00 (MEZ)",
    "Aktualisierte Einladung: Zuordnung @ Di. 3. Nov. 2026 10:00",
    "Invitation : Affectation @ mar. 3 nov. 2026 10:00",
    "Invitación: Asignación @ mar 3 nov 2026 10:00 - 11:00 (CET)",
    "Invito: Assegnazione @ mar 3 nov 2026 10:00",
    "Convite: Alocação @ ter 3 de nov de 2026 10:00", "Uitnodiging: Toewijzing @ di 3 nov. 2026 10:00",
    "Zaproszenie: Przypisanie @ wt. 3 lis 2026 10:00", "招待: 入金の確認 @ 2026年11月3日(火) 10:00～11:00 (JST)",
    "Pozvánka: Přiřazení @ út 3. lis 2026 10:00", "Davet: Eşleştirme @ 3 Kas 2026 Sal 10:00",
    "Kutsu: Kohdistus @ ti 3. marrask. 2026 10.00", "邀请：付款核对 @ 2026年11月3日周二 上午10点",
    "Geaccepteerd: Toewijzing @ di 3 nov. 2026 10:00", "Abgelehnt: Zuordnung @ Di. 3. Nov. 2026 10:00",
]


@pytest.mark.parametrize("subject", GOOGLE_SUBJECTS)
def test_google_calendar_subjects_without_a_calendar_part(subject: str) -> None:
    found = evidence(mail({"Subject": encoded(subject)}))
    assert found is not None and found.startswith("calendar: Subject: ")


INVITATION_OPENINGS = [
    "Ann Admin has invited you to an event", "You have been invited to the following event.",
    "Ann Admin is inviting you to a scheduled Zoom meeting.", "Ann Admin har bjudit in dig till en händelse",
    "Ann Admin har inviteret dig til en begivenhed", "Ann Admin har invitert deg til en aktivitet",
    "Ann Admin hat Sie zu einem Termin eingeladen", "Ann Admin vous a invité à un événement",
    "Ann Admin te ha invitado a un evento",
    "Ann Admin ti ha invitato a un evento",
    "Ann Admin convidou você para um evento",
    "Ann Admin heeft je uitgenodigd voor een afspraak", "Ann Admin zaprosił Cię na wydarzenie",
    "Ann Admin vás pozval na událost",
    "Ann Admin sizi bir etkinliğe davet etti",
    "Ann Admin on kutsunut sinut tapahtumaan",
    "Ann Adminさんがあなたを予定に招待しました", "Ann Admin 邀请您参加活动",
]


@pytest.mark.parametrize("opening", INVITATION_OPENINGS)
def test_invitation_texts_with_a_calendar_link(opening: str) -> None:
    body = f"{opening}\n\n{BODY}\n\nhttps://calendar.google.com/calendar/event?action=VIEW&eid=x"
    found = evidence(mail({"Subject": "Payment walkthrough"}, body))
    assert found is not None and found.startswith("calendar: invitation text")


@pytest.mark.parametrize("footer", [
    "Invitation from Google Calendar: https://calendar.google.com/calendar/",
    "Einladung von Google Kalender: https://calendar.google.com/calendar/",
    "You are receiving this email because you are an attendee on the event.",
    "Forwarding this invitation could allow any recipient to send a response to the organizer",
])
def test_the_footers_only_calendar_services_write(footer: str) -> None:
    found = evidence(mail({"Subject": "Payment walkthrough"}, f"{BODY}\n\n{footer}"))
    assert found is not None and found.startswith("calendar: invitation text")


PERSON_MAIL = {
    "meeting mentioned":
        mail(body="As discussed in our meeting on Tuesday, please allocate PY40028173 to G012345678."),
    "meeting subject": mail({"Subject": "Meeting follow-up: apply PY40028173 to G012345678"}),
    "invitation subject without @ time": mail({"Subject": "Invitation: allocate PY40028173 to G012345678"}),
    "accepted subject without @ time":
        mail({"Subject": "Accepted: your proposal, apply PY40028173 to G012345678"}),
    "email address in subject": mail({"Subject": "Invitation: ann@partner.example 2026"}),
    "invited, no calendar link":
        mail(body="Ann has invited you to an event next week. Apply PY40028173 to G012345678."),
    "calendar link, no invitation":
        mail(body="Apply PY40028173 to G012345678. Book a call: https://calendar.google.com/x"),
    "reply to an invitation": mail({"Subject": "Re: Invitation: Review @ Wed Nov 4, 2026 2pm"},
                                   "Apply PY40028173 to G012345678.\n\n> Invitation from Google Calendar"),
    "forward of an invitation text": mail({"Subject": "Fwd: Invitation: Review @ Wed Nov 4, 2026 2pm"},
                                          "Please apply PY40028173 to G012345678.\n\n"
                                          "Ann has invited you to an event\nhttps://calendar.google.com/x"),
    "the word VCALENDAR in text":
        mail(body="Our ERP exports BEGIN:VCALENDAR files; apply PY40028173 to G012345678."),
}


@pytest.mark.parametrize("msg", PERSON_MAIL.values(), ids=PERSON_MAIL.keys())
def test_requests_about_meetings_are_not_calendar_mail(msg) -> None:
    assert verdict(msg) is None
