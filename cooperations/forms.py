"""Forms for cooperation structures: the cooperation itself and the list filter (the CSV
import uses the partner directory's forms, authorities.forms.csv_import)."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from authorities.forms.directory import AuthorityFilterForm
from authorities.forms.r7 import DateInput
from authorities.models import Authority, PartnerAgency
from conferences.enums import ConferenceStatus
from conferences.models import Conference
from cooperations.enums import CooperationKind, CooperationStatus
from cooperations.models import Cooperation
from siko.collation import german
from siko.scoping import scoped_formfield


class ConferenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.start:%d.%m.%Y})"


class CooperationForm(forms.ModelForm):
    """Partners: the agencies responsible for the authority's area; conferences: the
    authority's own (hosted or co-hosted), not cancelled. The services check both again."""

    class Meta:
        model = Cooperation
        formfield_callback = scoped_formfield
        fields = ["name", "kind", "status", "since", "partners", "discussed_at", "notes"]
        field_classes = {"discussed_at": ConferenceChoiceField}
        widgets = {
            "since": DateInput(),
            "partners": forms.CheckboxSelectMultiple,
            "discussed_at": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, authority: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = self.fields["partners"]
        assert isinstance(partners, forms.ModelMultipleChoiceField)  # a many-to-many field
        partners.queryset = PartnerAgency.objects.filter(
            coverages__authority=authority, active=True
        ).order_by(german("name"))
        conferences = self.fields["discussed_at"]
        assert isinstance(conferences, forms.ModelMultipleChoiceField)  # a many-to-many field
        # Offered: the authority's conferences that were not cancelled, and those the
        # cooperation is already linked to (a link stays when its conference is cancelled).
        linked = (
            list(self.instance.discussed_at.values_list("pk", flat=True))
            if self.instance.pk
            else []
        )
        conferences.queryset = (
            Conference.objects.filter(authorities=authority)
            .filter(~Q(status=ConferenceStatus.CANCELLED) | Q(pk__in=linked))
            .distinct()
            .order_by("-start")
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext_lazy("Speichern")))

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("name", "kind", "since", "notes")}


class CooperationFilterForm(AuthorityFilterForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("alle")), *CooperationStatus.choices],
    )
    art = forms.ChoiceField(
        label=gettext_lazy("Art"),
        required=False,
        choices=[("", gettext_lazy("alle")), *CooperationKind.choices],
    )
    field_order = ["status", "art", "behoerde"]

    def filters(self) -> dict[str, Any]:
        data = self.valid_data()
        return {
            "status": data.get("status", ""),
            "kind": data.get("art", ""),
            "authority": data.get("behoerde"),
        }
