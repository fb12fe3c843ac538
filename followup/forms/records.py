"""The form of "Konferenz nachtragen": the conference's data, its agenda, who was invited and
present, and optionally the minutes as a PDF, in one page with a fieldset per part."""

from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority, PartnerAgency
from conferences.forms import ConferenceForm
from conferences.models import MandatedTopic
from conferences.services import ConferenceError
from followup.records import MINUTES_UPLOAD_MAX_BYTES, check_minutes_size

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: The most free agenda items (one per line) an entry takes.
MAX_FREE_ITEMS = 30


def _agency_choices(
    label: "StrOrPromise", **kwargs: Any
) -> "forms.ModelMultipleChoiceField[PartnerAgency]":
    """Checkboxes of the host's partner agencies (the queryset is set per form)."""
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=PartnerAgency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


class ConferenceRecordForm(ConferenceForm):
    topics: "forms.ModelMultipleChoiceField[MandatedTopic]" = forms.ModelMultipleChoiceField(
        label=_("Behandelte Pflichtthemen"),
        queryset=MandatedTopic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sie stehen in dieser Reihenfolge auf der Tagesordnung."),
    )
    free_items = forms.CharField(
        label=_("Weitere Tagesordnungspunkte"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Einer je Zeile; sie folgen auf die Pflichtthemen."),
    )
    invited = _agency_choices(
        _("Eingeladene Partnerbehörden"),
        error_messages={"required": _("Bitte wählen Sie mindestens eine Partnerbehörde aus.")},
    )
    present = _agency_choices(
        _("Davon anwesend"),
        required=False,
        help_text=_("Eingeladene Behörden, die nicht angekreuzt sind, gelten als nicht anwesend."),
    )
    minutes_pdf = forms.FileField(
        label=_("Protokoll als PDF (freiwillig)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: Any, host: Authority, **kwargs: Any) -> None:
        super().__init__(*args, host=host, **kwargs)
        topics = self.fields["topics"]
        assert isinstance(topics, forms.ModelMultipleChoiceField)  # declared above
        # Every topic: the service checks that it applied in the conference's year.
        topics.queryset = MandatedTopic.objects.order_by("order", "title")
        for name in ("invited", "present"):
            agencies = self.fields[name]
            assert isinstance(agencies, forms.ModelMultipleChoiceField)  # declared above
            agencies.queryset = PartnerAgency.objects.filter(coverages__authority=host).order_by(
                "category", "name"
            )
        self.fields["minutes_pdf"].help_text = _(
            "Das unterschriebene oder abgestimmte Protokoll, höchstens %(mb)d MB."
        ) % {"mb": MINUTES_UPLOAD_MAX_BYTES // (1024 * 1024)}
        self.fields["start"].help_text = _("Beginn der bereits durchgeführten Konferenz.")
        self.fields["co_hosts"].help_text = _(
            "Die Mitveranstalter werden nicht benachrichtigt; sie sehen die Konferenz in ihrer "
            "Liste."
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Termin"), "kind", "title", "start", "end", "place", "co_hosts"),
            Fieldset(_("Tagesordnung"), "topics", "free_items"),
            Fieldset(_("Einladung und Anwesenheit"), "invited", "present"),
            Fieldset(_("Protokoll"), "minutes_pdf"),
        )
        self.helper.add_input(Submit("submit", _("Konferenz nachtragen")))

    def clean_free_items(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["free_items"].splitlines()]
        titles = [line for line in lines if line]
        if len(titles) > MAX_FREE_ITEMS:
            raise forms.ValidationError(
                _("Bitte höchstens %(n)d weitere Tagesordnungspunkte.") % {"n": MAX_FREE_ITEMS}
            )
        if any(len(title) > 200 for title in titles):
            raise forms.ValidationError(
                _("Ein Tagesordnungspunkt darf höchstens 200 Zeichen lang sein.")
            )
        return titles

    def clean_minutes_pdf(self) -> UploadedFile | None:
        upload = self.cleaned_data["minutes_pdf"]
        if upload:
            try:
                check_minutes_size(upload.size or 0)
            except ConferenceError as error:
                raise forms.ValidationError(str(error)) from error
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        invited = set(cleaned.get("invited") or [])
        if invited and set(cleaned.get("present") or []) - invited:
            self.add_error(
                "present", _("Als anwesend können nur eingeladene Behörden angekreuzt werden.")
            )
        return cleaned

    def attendance(self) -> dict[PartnerAgency, tuple[bool | None, str]]:
        present = set(self.cleaned_data["present"])
        return {agency: (agency in present, "") for agency in self.cleaned_data["invited"]}
