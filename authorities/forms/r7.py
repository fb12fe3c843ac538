"""Forms for the R7 records: Hospitationen and crisis-staff exercises."""

from datetime import date, datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from authorities.forms.directory import AuthorityFilterForm
from authorities.models import Authority, Exercise, Hospitation, PartnerAgency
from siko.scoping import scoped_formfield
from siko.validation import check_plausible_date


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", _("Speichern")))
    return helper


class HospitationForm(forms.ModelForm):
    class Meta:
        model = Hospitation
        formfield_callback = scoped_formfield
        fields = [
            "agency",
            "agency_name",
            "direction",
            "start_date",
            "end_date",
            "participants",
            "notes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, authority: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        assert isinstance(agency, forms.ModelChoiceField)  # a foreign key
        agency.queryset = PartnerAgency.objects.filter(coverages__authority=authority).order_by(
            "name"
        )
        participants = self.fields["participants"]
        assert isinstance(participants, forms.IntegerField)  # a PositiveIntegerField
        participants.min_value = 1
        self.helper = _helper()

    def clean_start_date(self) -> date | datetime:
        return check_plausible_date(self.cleaned_data["start_date"])

    def clean_end_date(self) -> date | datetime:
        return check_plausible_date(self.cleaned_data["end_date"])

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data
        cleaned = self.cleaned_data
        if not cleaned.get("agency") and not cleaned.get("agency_name", "").strip():
            self.add_error(
                "agency",
                _(
                    "Bitte wählen Sie eine Partnerbehörde oder nennen Sie "
                    "die andere Behörde oder Stelle."
                ),
            )
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Das Ende darf nicht vor dem Beginn liegen."))
        if cleaned.get("participants") == 0:
            self.add_error("participants", _("Mindestens eine Person."))
        return cleaned


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = ["organiser", "title", "date", "liaison_took_part", "notes"]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, authority: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = authority.area_units
        self.fields["organiser"].help_text = (
            _("Im Bezirk: %(units)s") % {"units": ", ".join(units)} if units else ""
        )
        self.helper = _helper()

    def clean_date(self) -> date | datetime:
        return check_plausible_date(self.cleaned_data["date"])


class R7FilterForm(AuthorityFilterForm):
    jahr = forms.IntegerField(label=_("Jahr"), required=False, min_value=2000, max_value=2100)
    field_order = ["jahr", "behoerde"]

    def filters(self) -> dict[str, Any]:
        data = self.valid_data()
        return {"year": data.get("jahr"), "authority": data.get("behoerde")}
