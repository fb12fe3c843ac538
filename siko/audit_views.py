"""The readable audit trail (/protokoll/): filtered, paginated, a KPB sees its own entries."""

from typing import Any

from django.db.models import QuerySet
from django.views.generic import ListView

from siko.audit import ACTIONS
from siko.audit_trail import AuditFilterForm, object_type_label, visible_entries
from siko.models import AuditEntry
from siko.organisations import OrganisationMember
from siko.views_base import SikoPermissionMixin


class AuditLogView(SikoPermissionMixin, ListView):
    permission_required = "siko.view_audit_log"
    template_name = "siko/audit_log.html"
    paginate_by = 50
    context_object_name = "entries"

    def get_queryset(self) -> "QuerySet[AuditEntry]":
        user: OrganisationMember = self.request.user  # type: ignore[assignment]
        entries = visible_entries(user)
        self.filter_form = AuditFilterForm(self.request.GET or None, entries=entries)
        if self.filter_form.is_bound and self.filter_form.is_valid():
            entries = self.filter_form.apply(entries)
        return entries

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for entry in context["entries"]:
            entry.action_text = ACTIONS.get(entry.action, entry.action)
            entry.type_text = object_type_label(entry.object_type)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter_form=self.filter_form, query=query.urlencode())
        return context
