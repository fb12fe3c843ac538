"""Sends outbox rows. A row is claimed with a conditional UPDATE so only one worker sends it."""

from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from .enums import MailState
from .models import OutgoingMail


def send_mail_row(mail_id: int) -> bool:
    claimed = OutgoingMail.objects.filter(pk=mail_id, state=MailState.QUEUED).update(
        state=MailState.SENDING, sending_since=timezone.now(), attempts=F("attempts") + 1
    )
    if claimed != 1:
        return False
    mail = OutgoingMail.objects.get(pk=mail_id)
    message = EmailMultiAlternatives(mail.subject, mail.body_text, to=[mail.to])
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    message.send()
    OutgoingMail.objects.filter(pk=mail_id).update(state=MailState.SENT, sent_at=timezone.now())
    return True
