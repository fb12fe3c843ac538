"""Reading the audit trail: who may see which entries, and the filter of the page /protokoll/.

KPB staff see the entries filed under their own authority; the LZPD, LKA, IM and
administrators see all. The authority and user choices come from the entries the reader may
see, so a KPB's list never names another KPB's staff.
"""

from datetime import datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from siko.audit import ACTIONS
from siko.models import AuditEntry
from siko.organisations import OrganisationKind, OrganisationMember

BERLIN = ZoneInfo("Europe/Berlin")


def visible_entries(user: OrganisationMember) -> "QuerySet[AuditEntry]":
    entries = AuditEntry.objects.select_related("actor", "authority")
    if user.organisation_kind == OrganisationKind.KPB and not user.is_superuser:
        # A KPB user always has an authority (a check constraint on the user model).
        return entries.filter(authority_id=user.authority_id or 0)
    return entries


def object_type_label(label: str) -> str:
    if label == "person":
        return str(_("Person (pseudonymisiert)"))
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


class AuditFilterForm(forms.Form):
    authority: "forms.ModelChoiceField[Model]" = forms.ModelChoiceField(
        label=_("Behörde"), queryset=None, required=False, empty_label=_("alle")
    )
    object_type = forms.ChoiceField(label=_("Objektart"), required=False)
    object_id = forms.CharField(label=_("Objekt-Nr."), required=False, max_length=60)
    actor: "forms.ModelChoiceField[Model]" = forms.ModelChoiceField(
        label=_("Benutzer"), queryset=None, required=False, empty_label=_("alle")
    )
    action = forms.ChoiceField(label=_("Aktion"), required=False)
    since = forms.DateField(
        label=_("von"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("bis"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, entries: "QuerySet[AuditEntry]", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        authority_model = cast(type[Model], AuditEntry._meta.get_field("authority").related_model)
        authority_field = cast(forms.ModelChoiceField, self.fields["authority"])
        authority_field.queryset = authority_model._default_manager.filter(
            pk__in=entries.values("authority")
        ).order_by("pk")
        actor_field = cast(forms.ModelChoiceField, self.fields["actor"])
        actor_field.queryset = (
            get_user_model().objects.filter(pk__in=entries.values("actor")).order_by("username")
        )
        types = entries.order_by().values_list("object_type", flat=True).distinct()
        type_field = cast(forms.ChoiceField, self.fields["object_type"])
        labelled: list[tuple[str, str]] = sorted(
            ((t, object_type_label(t)) for t in types), key=lambda choice: choice[1]
        )
        type_field.choices = [("", str(_("alle"))), *labelled]
        action_field = cast(forms.ChoiceField, self.fields["action"])
        action_field.choices = [("", _("alle"))] + [(k, v) for k, v in ACTIONS.items()]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("", _("Filtern")))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("„bis“ liegt vor „von“."))
        return cleaned

    def apply(self, entries: "QuerySet[AuditEntry]") -> "QuerySet[AuditEntry]":
        data = self.cleaned_data
        if data.get("authority"):
            entries = entries.filter(authority=data["authority"])
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"])
        if data.get("object_id"):
            entries = entries.filter(object_id=data["object_id"].strip())
        if data.get("actor"):
            entries = entries.filter(actor=data["actor"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("since"):
            entries = entries.filter(created__gte=datetime.combine(data["since"], time(), BERLIN))
        if data.get("until"):
            end = datetime.combine(data["until"], time.max, BERLIN)
            entries = entries.filter(created__lte=end)
        return entries
