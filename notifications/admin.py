"""The outbox and the reminders in the admin: records, read only; failed mails can be sent again
("erneut senden"), through the outbox like every mail (notifications.queue.requeue_failed)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications import queue
from notifications.models import OutgoingMail, Reminder
from siko.admin import ReadOnlyAdmin


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "kind",
        "subject",
        "to",
        "state",
        "attempts",
        "sent_at",
        "conference",
    ]
    list_filter = ["state", "kind", ("conference", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "to", "correlation_id"]
    date_hierarchy = "created"
    list_select_related = ["conference"]
    exclude = ["body_html", "ics"]
    actions = ["send_again"]

    @admin.action(description=_("Fehlgeschlagene Mails erneut senden"))
    def send_again(self, request: HttpRequest, mails: QuerySet[OutgoingMail]) -> None:
        count = queue.requeue_failed(mails.values_list("pk", flat=True))
        self.message_user(
            request,
            gettext("%(count)d fehlgeschlagene Mails werden erneut gesendet.") % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["due_at", "rule", "stage", "recipient", "sent_at", "cancelled_at"]
    list_filter = ["rule", "stage"]
    search_fields = ["subject_key", "recipient"]
    date_hierarchy = "due_at"
