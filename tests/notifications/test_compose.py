"""The outbox's message class writes the same bytes as Django's while encoding a subject once."""

import re
from email.header import decode_header, make_header

import pytest
from django.core.mail import EmailMultiAlternatives

from notifications.compose import OutboxMessage, encoded_subject

SUBJECTS = [
    "Einladung: Sicherheitskonferenz 2027 am 01.07.2027",
    "Einladung: Sicherheitskonferenz Polizeipräsidium Mönchengladbach 2027 am 01.07.2027 – für "
    "Schulamt für die Stadt Mönchengladbach",
    "ä" * 200,
    "Kurz: Grüße",
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_an_outbox_message_is_byte_for_byte_djangos(subject):
    def raw(cls: type[EmailMultiAlternatives]) -> bytes:
        message = cls(
            subject,
            "Text",
            "SiKo <siko@example.org>",
            ["partner@example.org"],
            headers={"Message-ID": "<1@siko.example>", "Date": "Wed, 02 Dec 2026 10:00:00 -0000"},
        )
        message.attach_alternative("<p>Text</p>", "text/html")
        # The headers above the first part are compared, without the random boundary.
        headers = message.message().as_bytes().split(b"\n\n", 1)[0]
        return re.sub(rb'boundary="[^"]+"', b"", headers)

    assert raw(OutboxMessage) == raw(EmailMultiAlternatives)


def test_the_subject_stays_text_for_the_backends():
    message = OutboxMessage("Grüße", "Text", "siko@example.org", ["partner@example.org"])
    message.message()
    assert message.subject == "Grüße"
    encoded = encoded_subject("Grüße")
    assert encoded.isascii() and str(make_header(decode_header(encoded))) == "Grüße"
    assert encoded_subject("plain") == "plain"


def test_the_envelope_sender_is_the_bare_address_and_the_from_header_unchanged():
    from email.utils import formataddr

    from notifications.compose import build_message
    from notifications.models import OutgoingMail

    sender = formataddr(("SiKo NRW - Polizeipräsidium Dortmund", "siko@example.org"), "utf-8")
    mail = OutgoingMail(to="partner@example.org", subject="Grüße", body_text="Text")
    message = build_message(mail, from_email=sender)
    assert message.from_email == "siko@example.org"  # MAIL FROM
    reference = EmailMultiAlternatives(
        "Grüße", "Text", sender, ["partner@example.org"], headers={"Message-ID": mail.message_id}
    )
    for header in ("From", "Subject", "To", "Message-ID"):
        assert message.message()[header] == reference.message()[header]


def test_the_boundaries_set_beforehand_keep_every_part_intact():
    import email
    import email.policy

    from notifications.compose import attach_calendar

    text, html = "Text\n--\nZeile\n" * 50, "<p>Text</p>\n" * 50
    ics = "BEGIN:VCALENDAR\r\nSUMMARY:Größe\r\nEND:VCALENDAR\r\n"
    message = OutboxMessage("Grüße", text, "siko@example.org", ["partner@example.org"])
    message.attach_alternative(html, "text/html")
    attach_calendar(message, ics, "REQUEST")
    mime = message.message()
    boundaries = [part.get_boundary() for part in mime.walk() if part.is_multipart()]
    assert len(boundaries) == 2 and len(set(boundaries)) == 2 and all(boundaries)
    parsed = email.message_from_bytes(mime.as_bytes(), policy=email.policy.default)
    assert [part.get_content_type() for part in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    assert parsed.get_body(("plain",)).get_content() == text
    assert parsed.get_body(("html",)).get_content() == html
    attachment = next(parsed.iter_attachments())
    assert attachment.get_content().decode() == ics
