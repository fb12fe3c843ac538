from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from siko.models import AuditEntry, DocumentCheck, LocalMail


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records in the admin: operators read and filter them; changes go through SiKo's pages
    and services (audited), never around them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created", "action", "object_type", "object_repr", "authority", "actor"]
    list_filter = ["action", "object_type", "authority"]
    search_fields = ["object_repr", "object_id"]
    date_hierarchy = "created"
    list_select_related = ["authority", "actor"]


@admin.register(LocalMail)
class LocalMailAdmin(ReadOnlyAdmin):
    list_display = ["created", "subject", "recipients"]
    search_fields = ["subject", "recipients"]
    date_hierarchy = "created"
    exclude = ["message"]


@admin.register(DocumentCheck)
class DocumentCheckAdmin(ReadOnlyAdmin):
    """The weekly check of stored documents (read only): when, how many, which differ."""

    list_display = ["checked_at", "checked", "result"]
    readonly_fields = ["checked_at", "checked", "problem_lines"]
    fields = ["checked_at", "checked", "problem_lines"]

    @admin.display(description=_("Ergebnis"))
    def result(self, check: DocumentCheck) -> str:
        if check.ok:
            return str(_("alle stimmen überein"))
        return str(_("%(count)d Abweichungen")) % {"count": len(check.problems)}

    @admin.display(description=_("Abweichungen"))
    def problem_lines(self, check: DocumentCheck) -> str:
        return "\n".join(check.problems) or "–"
