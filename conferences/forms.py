from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from authorities.models import Authority, PartnerAgency
from conferences import uploads
from conferences.enums import (
    ANSWERED_STATES,
    AnswerChannel,
    ConferenceKind,
    DocumentVisibility,
    InvitationState,
)
from conferences.models import AgendaItem, Conference, MandatedTopic
from siko.collation import german
from siko.scoping import scoped_formfield
from siko.validation import check_plausible_date

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _helper(label: "StrOrPromise") -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class ConferenceForm(forms.ModelForm):
    co_hosts: "forms.ModelMultipleChoiceField[Authority]" = forms.ModelMultipleChoiceField(
        label=_("Mitveranstaltende KPB (gemeinsame Konferenz)"),
        required=False,
        queryset=Authority.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Eine gemeinsame Konferenz zählt für jede beteiligte Behörde."),
    )

    class Meta:
        model = Conference
        fields = ["kind", "title", "start", "end", "place"]
        formfield_callback = scoped_formfield
        widgets = {"start": DateTimeInput(), "end": DateTimeInput()}

    def __init__(
        self, *args: Any, host: Authority, clash_url: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        co_hosts = self.fields["co_hosts"]
        assert isinstance(co_hosts, forms.ModelMultipleChoiceField)  # declared above
        # Any of the 47 authorities may co-host; only their names are shown.
        with scopes_disabled():
            co_hosts.queryset = Authority._base_manager.exclude(pk=host.pk).order_by(
                german("short_name")
            )
        if not host.has_autobahnpolizei:
            kind = self.fields["kind"]
            assert isinstance(kind, forms.ChoiceField)  # the model field has choices
            kind.choices = [(ConferenceKind.SIKO.value, ConferenceKind.SIKO.label)]
            kind.help_text = _("Siko-AP nur für Behörden mit Autobahnpolizei.")
        self.helper = _helper(_("Als Entwurf speichern"))
        if clash_url:
            # Issue 15: choosing a date fetches the clash warning into the live region below
            # the dates; without JavaScript it appears on the conference page after saving.
            for name in ("start", "end"):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": clash_url,
                        "hx-trigger": "change",
                        "hx-include": "[name='start'],[name='end']",
                        "hx-target": "#date-clashes",
                        "hx-swap": "innerHTML",
                        "hx-sync": "#date-clashes:replace",
                    }
                )
            # Every field in its order (a subclass adds its own), the live region after "end".
            names = list(self.fields)
            after_end = names.index("end") + 1
            self.helper.layout = Layout(
                *names[:after_end],
                HTML('{% include "conferences/conference/_date_clashes.html" %}'),
                *names[after_end:],
            )

    def clean_start(self) -> date | datetime:
        return check_plausible_date(self.cleaned_data["start"])

    def clean_end(self) -> date | datetime:
        return check_plausible_date(self.cleaned_data["end"])

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data
        cleaned = self.cleaned_data
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("Das Ende muss nach dem Beginn liegen."))
        return cleaned


class DateCheckForm(forms.Form):
    """The dates the conference form sends while they are being chosen (issue 15)."""

    start = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"])
    end = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"], required=False)


class ConfirmUpdateForm(forms.Form):
    confirm_notify = forms.BooleanField(
        label=_(
            "Alle Eingeladenen erhalten eine Änderungsmitteilung mit aktualisiertem "
            "Kalendereintrag."
        ),
        required=True,
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Absage (steht in der Mitteilung)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Konferenz absagen"), css_class="btn-danger"))


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["topic", "title", "notes", "duration_minutes", "presenter"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topic = self.fields["topic"]
        assert isinstance(topic, forms.ModelChoiceField)  # a foreign key
        topic.queryset = MandatedTopic.objects.active()
        topic.empty_label = _("freier Tagesordnungspunkt")
        self.helper = _helper(_("Speichern"))


class InviteForm(forms.Form):
    agencies: "forms.ModelMultipleChoiceField[PartnerAgency]" = forms.ModelMultipleChoiceField(
        label=_("Partnerbehörden"),
        queryset=PartnerAgency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Bitte wählen Sie mindestens eine Partnerbehörde aus.")},
    )

    def __init__(self, *args: Any, conference: Conference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = self.fields["agencies"]
        assert isinstance(agencies, forms.ModelMultipleChoiceField)  # declared above
        agencies.queryset = PartnerAgency.objects.filter(
            coverages__authority__in=conference.authorities.all(), active=True
        )


class RecordAnswerForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Antwort"), choices=[(s.value, s.label) for s in ANSWERED_STATES]
    )
    via = forms.ChoiceField(
        label=_("Eingegangen"),
        choices=[(c.value, c.label) for c in AnswerChannel if c != AnswerChannel.LINK],
    )
    delegate_name = forms.CharField(label=_("Name der Vertretung"), required=False, max_length=150)
    delegate_function = forms.CharField(
        label=_("Funktion der Vertretung"), required=False, max_length=150
    )
    comment = forms.CharField(
        label=_("Anmerkung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Antwort erfassen"))

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data
        return _check_delegate(self, self.cleaned_data)


def _check_delegate(form: forms.Form, cleaned: dict[str, Any]) -> dict[str, Any]:
    """A delegation names who attends: name and function, both required."""
    if cleaned.get("state") == InvitationState.DELEGATED:
        for name in ("delegate_name", "delegate_function"):
            if not (cleaned.get(name) or "").strip():
                form.add_error(name, _("Bitte nennen Sie Name und Funktion der Vertretung."))
    return cleaned


class AnswerForm(forms.Form):
    """The partner's answer through the signed link: radios in a fieldset with a legend.

    Rendered by templates/conferences/partner/_answer_form.html, written out as crispy-forms
    renders it (a field added here must be added there)."""

    state = forms.ChoiceField(
        label=_("Ihre Antwort"),
        widget=forms.RadioSelect,
        choices=[
            (InvitationState.ACCEPTED.value, _("Zusage – wir nehmen teil")),
            (InvitationState.TENTATIVE.value, _("Vorläufige Zusage – Teilnahme noch nicht sicher")),
            (InvitationState.DECLINED.value, _("Absage – wir nehmen nicht teil")),
            (
                InvitationState.DELEGATED.value,
                _("Vertretung – eine andere Person nimmt für uns teil"),
            ),
        ],
        error_messages={
            "required": _("Bitte wählen Sie eine Antwort."),
            "invalid_choice": _("Bitte wählen Sie eine Antwort."),
        },
    )
    delegate_name = forms.CharField(
        label=_("Name der Vertretung"),
        required=False,
        max_length=150,
        help_text=_("Nur bei Vertretung."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    delegate_function = forms.CharField(
        label=_("Funktion der Vertretung"),
        required=False,
        max_length=150,
        help_text=_("Nur bei Vertretung, z. B. „Ständige Vertreterin der Behördenleitung“."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    comment = forms.CharField(
        label=_("Anmerkung (freiwillig)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data
        return _check_delegate(self, self.cleaned_data)


class OverviewRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse Ihrer Behörde oder Ihre dienstliche Adresse"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Die Adresse, unter der die Polizei Sie als Ansprechperson führt."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Link anfordern"))


class DocumentUploadForm(forms.Form):
    """A document for the conference (conferences.uploads): the file is judged by its content
    here already, so that a refused file gets its German message at the field."""

    file = forms.FileField(
        label=_("Datei"),
        help_text=_(
            "PDF, ODT, DOCX, ODP, PPTX, XLSX, PNG oder JPEG. Der Dateityp wird am Inhalt erkannt."
        ),
    )
    title = forms.CharField(
        label=_("Titel"),
        required=False,
        max_length=200,
        help_text=_("Leer lassen, um den Dateinamen zu verwenden."),
    )
    visibility = forms.ChoiceField(
        label=_("Sichtbar für"),
        choices=DocumentVisibility.choices,
        initial=DocumentVisibility.PARTNERS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Hochladen"))  # crispy sets the multipart enctype itself
        limit = settings.SIKO_DOCUMENT_MAX_BYTES
        self.fields["file"].help_text = _(
            "PDF, ODT, DOCX, ODP, PPTX, XLSX, PNG oder JPEG, höchstens %(mb)s MB. Der Dateityp "
            "wird am Inhalt erkannt, nicht am Namen."
        ) % {"mb": uploads.megabytes(limit)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            uploads.detect_document_type(upload)
        except uploads.DocumentError as error:
            raise forms.ValidationError(str(error)) from error
        return upload
