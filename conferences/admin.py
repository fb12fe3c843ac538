"""Conferences and their invitations in the admin, read only: changes go through the planning
pages and services (audited, mails queued), never around them."""

from django.contrib import admin
from django.http import HttpRequest

from conferences.models import Conference, Invitation
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
