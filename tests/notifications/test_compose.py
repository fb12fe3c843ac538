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
