from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from authorities.enums import AuthorityKind, PartnerCategory, Regierungsbezirk
from authorities.models import Authority, Contact, Coverage, PartnerAgency, User
from authorities.selectors import agency_with_same_name
from siko.collation import german
from siko.permissions import agency_exclusive_to_own_area
from siko.scoping import scoped_formfield

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def filter_helper(label: "StrOrPromise") -> FormHelper:
    """The crispy helper of a filter form: sent by GET (so no CSRF token in the URL)."""
    helper = FormHelper()
    helper.form_method = "get"
    helper.disable_csrf = True
    helper.add_input(Submit("", label, css_class="btn-secondary"))
    return helper


class AuthorityFilterForm(forms.Form):
    """A list filter across authorities: the "behoerde" choice is offered only to users who
    see more than their own authority (show_authority); subclasses add their own fields."""

    behoerde = forms.ModelChoiceField(
        label=_("Behörde"),
        required=False,
        queryset=Authority.objects.none(),
        to_field_name="slug",
        empty_label=_("alle"),
    )

    def __init__(self, *args: Any, show_authority: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if show_authority:
            behoerde = self.fields["behoerde"]
            assert isinstance(behoerde, forms.ModelChoiceField)  # declared above
            behoerde.queryset = Authority.objects.order_by(german("short_name"))
        else:
            del self.fields["behoerde"]
        self.helper = filter_helper(_("Filtern"))

    def valid_data(self) -> dict[str, Any]:
        """The cleaned values of a valid filter; nothing (every filter off) otherwise."""
        return self.cleaned_data if self.is_bound and self.is_valid() else {}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Suche"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = filter_helper(_("Suchen"))


class AuthoritySearchForm(SearchForm):
    regierungsbezirk = forms.ChoiceField(
        label=_("Regierungsbezirk"),
        required=False,
        choices=[("", _("alle"))] + list(Regierungsbezirk.choices),
    )
    kind = forms.ChoiceField(
        label=_("Art"), required=False, choices=[("", _("alle"))] + list(AuthorityKind.choices)
    )


class PartnerSearchForm(SearchForm):
    category = forms.ChoiceField(
        label=_("Kategorie"),
        required=False,
        choices=[("", _("alle"))] + list(PartnerCategory.choices),
    )


class PartnerAgencyForm(forms.ModelForm):
    authorities = forms.ModelMultipleChoiceField(
        label=_("Zuständig für die KPB"),
        queryset=Authority.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = PartnerAgency
        formfield_callback = scoped_formfield
        fields = ["name", "category", "seat", "address", "responsibility", "routed_via", "active"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        routed_via = self.fields["routed_via"]
        assert isinstance(routed_via, forms.ModelChoiceField)  # a foreign key
        routed_via.queryset = PartnerAgency.objects.filter(category="bezirksregierung")
        if user.is_kpb or self.instance.pk:
            del self.fields["authorities"]
        else:
            authorities = self.fields["authorities"]
            assert isinstance(authorities, forms.ModelMultipleChoiceField)  # declared above
            authorities.queryset = Authority.objects.all()
            authorities.required = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern")))

    def clean_name(self) -> str:
        """Stored with single spaces; a name that differs from another agency's only in case or
        spacing is that agency (as in the CSV import)."""
        name = " ".join(self.cleaned_data["name"].split())
        existing = agency_with_same_name(name, exclude_pk=self.instance.pk)
        if existing is None:
            return name
        own_authority_id = self.user.authority_id if self.user.is_kpb else None
        if (
            own_authority_id is not None
            and not Coverage.objects.filter(agency=existing, authority_id=own_authority_id).exists()
        ):
            raise forms.ValidationError(
                _(
                    "„%(name)s“ steht bereits im Verzeichnis, ist aber nicht für den Bereich Ihrer "
                    "Behörde zuständig. Änderungen daran nimmt das LZPD vor."
                ),
                code="duplicate_name",
                params={"name": name},
            )
        if self.user.is_kpb and not agency_exclusive_to_own_area(self.user, existing):
            raise forms.ValidationError(
                _(
                    "„%(name)s“ steht bereits im Verzeichnis (als „%(existing)s“). Diese Behörde ist "  # noqa: E501
                    "für mehrere Kreispolizeibehörden zuständig; Änderungen nimmt das LZPD vor."
                ),
                code="duplicate_name",
                params={"name": name, "existing": existing.name},
            )
        raise forms.ValidationError(
            _(
                "„%(name)s“ steht bereits im Verzeichnis (als „%(existing)s“). Groß- und "
                "Kleinschreibung und Leerzeichen zählen beim Namen nicht; bitte ergänzen Sie die "
                "vorhandene Partnerbehörde."
            ),
            code="duplicate_name",
            params={"name": name, "existing": existing.name},
        )

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data
        cleaned = self.cleaned_data
        if cleaned.get("category") == PartnerCategory.SCHULAMT and not cleaned.get("routed_via"):
            self.add_error(
                "routed_via", _("Ein Schulamt wird über seine Bezirksregierung eingeladen.")
            )
        return cleaned


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        formfield_callback = scoped_formfield
        fields = ["salutation", "name", "function", "email", "phone", "deputy_of"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        deputy_of = self.fields["deputy_of"]
        assert isinstance(deputy_of, forms.ModelChoiceField)  # a foreign key
        deputy_of.queryset = Contact.objects.filter(agency=self.instance.agency).exclude(
            pk=self.instance.pk
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern")))


class SikoStartYearForm(forms.Form):
    """The LZPD's start year of an authority's SiKo use (the service checks the range)."""

    siko_start_year = forms.IntegerField(
        label=_("SiKo genutzt seit (Jahr)"),
        required=False,
        error_messages={"invalid": _("Bitte geben Sie das Jahr als Zahl ein, z. B. 2023.")},
        help_text=_(
            "Jahre davor zeigen Lagebild, Diagramme und Jahresbericht als „nicht erfasst“ und "
            "zählen in keinem Anteil. Leer lassen: das Jahr der ersten in SiKo erfassten "
            "Konferenz der Behörde."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern")))
