from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from authorities.enums import AuthorityKind, Regierungsbezirk
from authorities.models import Authority, ComparisonGroup
from reports.selectors import DEFAULT_YEARS, FIRST_YEAR, MAX_YEARS
from reports.state_table import STATUS_FILTER_CHOICES


class StateFilterForm(forms.Form):
    """The filters of the state view; they arrive by GET, so every value is checked here."""

    jahre = forms.IntegerField(
        label=_("Jahre"),
        required=False,
        min_value=1,
        max_value=MAX_YEARS,
        help_text=_("1 bis 10, frühestens ab 2018"),
        error_messages={
            "invalid": _("Bitte eine ganze Zahl von 1 bis 10 angeben."),
            "min_value": _("Bitte eine ganze Zahl von 1 bis 10 angeben."),
            "max_value": _("Bitte eine ganze Zahl von 1 bis 10 angeben."),
        },
    )
    regierungsbezirk = forms.ChoiceField(
        label=_("Regierungsbezirk"),
        required=False,
        choices=[("", _("alle"))] + list(Regierungsbezirk.choices),
    )
    art = forms.ChoiceField(
        label=_("Art"), required=False, choices=[("", _("alle"))] + list(AuthorityKind.choices)
    )
    gruppe = forms.TypedChoiceField(
        label=_("Vergleichsgruppe"), required=False, coerce=int, empty_value=None
    )
    vergleichsjahr = forms.TypedChoiceField(
        label=_("Vergleichsjahr"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Jahrespflicht"), required=False, choices=STATUS_FILTER_CHOICES
    )
    statusjahr = forms.TypedChoiceField(
        label=_("im Jahr"), required=False, coerce=int, empty_value=None
    )
    sortierung = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, groups: list[ComparisonGroup], running_year: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.groups = {g.pk: g for g in groups}
        self.running_year = running_year
        group_field = self.fields["gruppe"]
        year_field = self.fields["vergleichsjahr"]
        assert isinstance(group_field, forms.TypedChoiceField)  # declared above
        assert isinstance(year_field, forms.TypedChoiceField)
        group_field.choices = [("", _("alle"))] + [(g.pk, g.name) for g in groups]
        year_field.choices = [("", _("Vorjahr"))] + [
            (y, str(y)) for y in range(running_year, FIRST_YEAR - 1, -1)
        ]
        status_year_field = self.fields["statusjahr"]
        assert isinstance(status_year_field, forms.TypedChoiceField)
        status_year_field.choices = year_field.choices
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("jahre", css_class="col-sm-6 col-lg-2"),
                Column("regierungsbezirk", css_class="col-sm-6 col-lg-3"),
                Column("art", css_class="col-sm-6 col-lg-2"),
                Column("gruppe", css_class="col-sm-6 col-lg-3"),
                Column("vergleichsjahr", css_class="col-sm-6 col-lg-2"),
            ),
            Row(
                Column("status", css_class="col-sm-6 col-lg-3"),
                Column("statusjahr", css_class="col-sm-6 col-lg-2"),
            ),
            "sortierung",
        )
        self.helper.add_input(Submit("", _("Anzeigen"), css_class="btn-secondary"))

    def filters(self) -> dict[str, Any]:
        """The valid filters with defaults; an invalid field falls back to its default."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data keeps the valid fields even when another one is wrong
            data = self.cleaned_data
        count = data.get("jahre") or DEFAULT_YEARS
        comparison_year = data.get("vergleichsjahr") or max(FIRST_YEAR, self.running_year - 1)
        group_id = data.get("gruppe")
        previous_year = max(FIRST_YEAR, self.running_year - 1)
        return {
            "status": data.get("status") or "",
            "status_year": data.get("statusjahr") or previous_year,
            "sort": data.get("sortierung") or "",
            "count": count,
            "regierungsbezirk": data.get("regierungsbezirk") or "",
            "kind": data.get("art") or "",
            "group": self.groups.get(group_id) if group_id else None,
            "comparison_year": comparison_year,
        }


class DashboardYearForm(forms.Form):
    """The year a dashboard shows, from the query string (?jahr=2024)."""

    def __init__(self, *args: Any, running_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jahr"] = forms.IntegerField(
            required=False, min_value=FIRST_YEAR, max_value=running_year + 1
        )

    def year(self) -> int | None:
        return self.cleaned_data.get("jahr") if self.is_valid() else None


class AuthorityChoiceField(forms.ModelMultipleChoiceField):
    """Names the group an authority belongs to now, so that moving it is no surprise."""

    edited_group_id: int | None = None

    def label_from_instance(self, obj: Authority) -> str:
        if obj.comparison_group_id and obj.comparison_group_id != self.edited_group_id:
            group = obj.comparison_group
            if group is not None:  # set whenever comparison_group_id is
                return _("%(name)s (Gruppe: %(group)s)") % {
                    "name": obj.short_name,
                    "group": group.name,
                }
        return obj.short_name


class ComparisonGroupForm(forms.ModelForm):
    authorities = AuthorityChoiceField(
        label=_("Behörden der Gruppe"),
        queryset=Authority.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 14}),
        help_text=_(
            "Mehrfachauswahl mit Strg (Mac: Cmd). Eine Behörde gehört höchstens einer "
            "Vergleichsgruppe an: wählen Sie hier eine Behörde einer anderen Gruppe, wechselt sie "
            "in diese Gruppe."
        ),
    )

    class Meta:
        model = ComparisonGroup
        fields = ["name"]
        error_messages = {
            "name": {"unique": _("Eine Vergleichsgruppe mit diesem Namen gibt es bereits.")}
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        authorities_field = self.fields["authorities"]
        assert isinstance(authorities_field, AuthorityChoiceField)  # declared above
        authorities_field.queryset = Authority.objects.select_related("comparison_group").order_by(
            "short_name"
        )
        if self.instance.pk:
            authorities_field.edited_group_id = self.instance.pk
            authorities_field.initial = [a.pk for a in self.instance.authorities.all()]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern")))
