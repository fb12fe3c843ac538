from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from siko.models import DocumentCheck


@admin.register(DocumentCheck)
class DocumentCheckAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
