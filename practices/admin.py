"""Good practice in the admin, read only: changes go through the pages and services (reviewed
by the LZPD, audited, mails queued), never around them."""

from django.contrib import admin

from practices.models import GoodPractice
from siko.admin import ReadOnlyAdmin


@admin.register(GoodPractice)
class GoodPracticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "authority", "kind", "state", "published_at"]
    list_filter = ["state", "kind", "topic"]
    search_fields = ["title", "authority__short_name"]
    list_select_related = ["authority"]
