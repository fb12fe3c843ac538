"""Calendar replies that SiKo could not assign (conferences.calendar_replies)."""

from django.db.models import QuerySet
from django.views.generic import ListView

from conferences.calendar_replies import unmatched_replies
from conferences.models import CalendarReply
from siko.views_base import SikoPermissionMixin


class UnmatchedRepliesView(SikoPermissionMixin, ListView):
    """The "nicht zugeordnet" list: what the reply mailbox received but changed no answer, with
    the reason; the organisers answer the sender themselves where needed."""

    permission_required = "conferences.view_calendar_replies"
    template_name = "conferences/calendar_replies/unmatched.html"
    paginate_by = 50
    context_object_name = "replies"

    def get_queryset(self) -> "QuerySet[CalendarReply]":
        return unmatched_replies()
