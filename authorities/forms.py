from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from siko.scoping import scoped_formfield

from .enums import AuthorityKind, PartnerCategory, Regierungsbezirk
from .models import Authority, Contact, PartnerAgency


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Suche"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("", _("Suchen"), css_class="btn-secondary"))


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

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["routed_via"].queryset = PartnerAgency.objects.filter(
            category="bezirksregierung"
        )
        if user.is_kpb or self.instance.pk:
            del self.fields["authorities"]
        else:
            self.fields["authorities"].queryset = Authority.objects.all()
            self.fields["authorities"].required = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern")))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("category") == PartnerCategory.SCHULAMT and not cleaned.get("routed_via"):
            self.add_error(
                "routed_via", _("Ein Schulamt wird über seine Bezirksregierung eingeladen.")
            )
        return cleaned


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        formfield_callback = scoped_formfield
        fields = ["name", "function", "email", "phone", "deputy_of"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy_of"].queryset = Contact.objects.filter(
            agency=self.instance.agency
        ).exclude(pk=self.instance.pk)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern")))
