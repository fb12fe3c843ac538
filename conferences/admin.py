"""Conferences and their invitations in the admin, read only: changes go through the planning
pages and services (audited, mails queued), never around them."""

from django.contrib import admin
from django.http import HttpRequest

from conferences.models import CalendarReply, Conference, Invitation
from siko.admin import ReadOnlyAdmin


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = readonly_fields = ("agency", "contact", "state", "sent_at", "answered_at", "attended")
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Conference)
class ConferenceAdmin(ReadOnlyAdmin):
    list_display = ["title", "host", "start", "status", "kind", "entered_afterwards"]
    list_filter = ["status", "kind", "entered_afterwards", "host__regierungsbezirk"]
    search_fields = ["title", "host__short_name", "place"]
    date_hierarchy = "start"
    list_select_related = ["host"]
    inlines = [InvitationInline]


@admin.register(CalendarReply)
class CalendarReplyAdmin(ReadOnlyAdmin):
    """What the reply mailbox received and what became of it (conferences.calendar_replies)."""

    list_display = ["received", "sender", "subject", "method", "partstat", "outcome", "conference"]
    list_filter = ["outcome", "method"]
    search_fields = ["sender", "subject", "message_id", "uid"]
    date_hierarchy = "received"
    list_select_related = ["conference"]
