"""Forms of the Beschlusskontrolle."""

from datetime import date, datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from authorities.forms.directory import AuthorityFilterForm
from authorities.models import PartnerAgency
from conferences.models import Conference
from followup.models import ActionState, TrafficLight
from siko.collation import german
from siko.validation import check_plausible_date

POLICE = "police"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActionForm(forms.Form):
    text = forms.CharField(
        label=_("Maßnahme"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    owner = forms.ChoiceField(label=_("Zuständig"))
    due_date = forms.DateField(label=_("Fällig am"), widget=DateInput())

    def __init__(self, *args: Any, conference: Conference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conference = conference
        # Every agency with an invitation is offered; the service rejects any other owner.
        self.agencies = {
            str(i.agency.pk): i.agency
            for i in conference.invitations.select_related("agency").order_by(
                german("agency__name")
            )
        }
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)  # declared above; narrows self.fields' Field
        owner.choices = [
            (POLICE, _("Polizei (%(name)s)") % {"name": conference.host.short_name}),
            *[(pk, agency.name) for pk, agency in self.agencies.items()],
        ]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Maßnahme anlegen")))

    def clean_due_date(self) -> date | datetime:
        return check_plausible_date(self.cleaned_data["due_date"])

    def clean_owner(self) -> PartnerAgency | None:
        value = self.cleaned_data["owner"]
        return None if value == POLICE else self.agencies[value]


class ActionStateForm(forms.Form):
    state = forms.ChoiceField(label=_("Status"), choices=ActionState.choices)
    note = forms.CharField(
        label=_("Vermerk"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bei „erledigt“ oder „verworfen“ bitte kurz begründen."),
    )

    def __init__(self, *args: Any, submit_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label or _("Status speichern")))


STATE_FILTER_CHOICES = [
    ("active", _("offen oder in Arbeit")),
    *ActionState.choices,
    ("all", _("alle")),
]
LIGHT_FILTER_CHOICES = [
    ("", _("alle")),
    (TrafficLight.OVERDUE, TrafficLight.OVERDUE.label),
    (TrafficLight.DUE_SOON, TrafficLight.DUE_SOON.label),
    (TrafficLight.ON_TRACK, TrafficLight.ON_TRACK.label),
]


class ActionFilterForm(AuthorityFilterForm):
    """The Beschlusskontrolle's filter; "behoerde" as in AuthorityFilterForm."""

    field_order = ["status", "ampel", "zustaendig", "behoerde", "q"]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATE_FILTER_CHOICES)
    ampel = forms.ChoiceField(label=_("Ampel"), required=False, choices=LIGHT_FILTER_CHOICES)
    zustaendig = forms.ChoiceField(label=_("Zuständig"), required=False)
    q = forms.CharField(label=_("Suche"), required=False)

    def __init__(
        self, *args: Any, show_authority: bool, owner_choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, show_authority=show_authority, **kwargs)
        owner = self.fields["zustaendig"]
        assert isinstance(owner, forms.ChoiceField)  # declared above; narrows self.fields' Field
        owner.choices = [
            ("", _("alle")),
            (POLICE, _("Polizei")),
            *owner_choices,
        ]

    def filters(self) -> dict[str, Any]:
        data = self.valid_data()
        return {
            "state": data.get("status") or "active",
            "light": data.get("ampel") or "",
            "owner": data.get("zustaendig") or "",
            "authority": data.get("behoerde"),
            "search": data.get("q") or "",
        }
