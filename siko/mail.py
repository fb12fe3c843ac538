from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class LocalMailboxBackend(BaseEmailBackend):
    """Delivers mail into the database; administrators read it at /postfach/ (embedded mode)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from siko.models import LocalMail

        sent = 0
        for message in email_messages:
            LocalMail.objects.create(
                from_email=message.from_email,
                recipients=", ".join(message.recipients()),
                subject=str(message.subject)[:300],
                body=str(message.body),
                message=message.message().as_string(),
            )
            sent += 1
        return sent
