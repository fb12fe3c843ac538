"""Replies as calendar programs send them to the ORGANIZER of a meeting request (RFC 6047), as
raw messages for the reply mailbox: Outlook's (Exchange) and Thunderbird's."""

import base64
import quopri
from datetime import UTC, datetime

from django.utils import timezone

ERIKA = "erika.beispiel@example.org"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def outlook_reply(
    uid: str,
    *,
    partstat: str = "ACCEPTED",
    sender: str = ERIKA,
    attendee: str = ERIKA,
    stamp: datetime | None = None,
    message_id: str = "<outlook-1@example.org>",
    method: str = "REPLY",
    comment: str = "Ich komme gern.",
) -> bytes:
    """As Outlook (Exchange) sends it: multipart/alternative, the text quoted-printable, the
    calendar base64 with METHOD:REPLY, X-MS headers."""
    stamp = stamp or timezone.now()
    calendar = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            f"METHOD:{method}",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "BEGIN:VEVENT",
            f"ATTENDEE;PARTSTAT={partstat};CN=Erika Beispiel:mailto:{attendee}",
            f"COMMENT;LANGUAGE=de-DE:{comment}",
            "SUMMARY;LANGUAGE=de-DE:Angenommen: SiKo Dortmund Frühjahr",
            f"UID:{uid}",
            "SEQUENCE:0",
            f"DTSTAMP:{_stamp(stamp)}",
            "DTSTART:20270302T090000Z",
            "DTEND:20270302T120000Z",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    text = quopri.encodestring(f"{comment}\r\nGrüße, Erika Beispiel".encode()).decode()
    encoded = base64.encodebytes(calendar.encode()).decode()
    return (
        f'From: "Beispiel, Erika" <{sender}>\r\n'
        "To: SiKo Antworten <siko-antworten@polizei.nrw.example>\r\n"
        "Subject: Angenommen: SiKo Dortmund Frühjahr\r\n"
        "Thread-Topic: SiKo Dortmund Frühjahr\r\n"
        f"Date: {stamp.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Accept-Language: de-DE, en-US\r\n"
        "Content-Language: de-DE\r\n"
        "X-MS-Has-Attach:\r\n"
        "X-MS-TNEF-Correlator:\r\n"
        "X-MS-Exchange-Calendar-Series-Instance-Id: BAAAAIIA4AB0xbcQGoLgCAAAAAA==\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="_000_outlook_"\r\n'
        "\r\n"
        "--_000_outlook_\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        f"{text}\r\n"
        "--_000_outlook_\r\n"
        'Content-Type: text/calendar; charset="utf-8"; method=REPLY\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{encoded}"
        "--_000_outlook_--\r\n"
    ).encode()


def thunderbird_reply(
    uid: str,
    *,
    partstat: str = "DECLINED",
    sender: str = ERIKA,
    stamp: datetime | None = None,
    message_id: str = "<tb-1@example.org>",
    delegate: tuple[str, str] | None = None,
) -> bytes:
    """As Thunderbird sends it: multipart/mixed with a multipart/alternative (text and
    text/calendar; method=REPLY, 8bit) and the same calendar attached as invite.ics."""
    stamp = stamp or timezone.now()
    attendees = [f"ATTENDEE;RSVP=TRUE;CN=Erika Beispiel;PARTSTAT={partstat};ROLE=REQ-PARTICIPANT"]
    if delegate:
        name, address = delegate
        attendees[0] += f';DELEGATED-TO="mailto:{address}"'
    attendees[0] += f":mailto:{ERIKA}"
    if delegate:
        attendees.append(
            f'ATTENDEE;CN={name};PARTSTAT=NEEDS-ACTION;DELEGATED-FROM="mailto:{ERIKA}"'
            f":mailto:{address}"
        )
    calendar = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
            "VERSION:2.0",
            "METHOD:REPLY",
            "BEGIN:VEVENT",
            "CREATED:20261201T100000Z",
            f"DTSTAMP:{_stamp(stamp)}",
            f"UID:{uid}",
            "SUMMARY:SiKo Dortmund Frühjahr",
            "ORGANIZER;CN=Petra Planer:mailto:siko-antworten@polizei.nrw.example",
            *attendees,
            "DTSTART:20270302T090000Z",
            "DTEND:20270302T120000Z",
            "SEQUENCE:0",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    return (
        f"From: Erika Beispiel <{sender}>\r\n"
        "To: siko-antworten@polizei.nrw.example\r\n"
        "Subject: Abgelehnt: SiKo Dortmund Frühjahr\r\n"
        f"Date: {stamp.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: {message_id}\r\n"
        "User-Agent: Mozilla Thunderbird\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="------------tb-mixed"\r\n'
        "\r\n"
        "--------------tb-mixed\r\n"
        'Content-Type: multipart/alternative; boundary="------------tb-alt"\r\n'
        "\r\n"
        "--------------tb-alt\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Erika Beispiel hat die Einladung abgelehnt.\r\n"
        "--------------tb-alt\r\n"
        "Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{calendar}"
        "--------------tb-alt--\r\n"
        "--------------tb-mixed\r\n"
        'Content-Type: application/ics; name="invite.ics"\r\n'
        'Content-Disposition: attachment; filename="invite.ics"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{base64.encodebytes(calendar.encode()).decode()}"
        "--------------tb-mixed--\r\n"
    ).encode()
