"""Forms of the annual report workflow; the outline is edited as one row of fields per section."""

from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ReportReview
from reports.outline import INTRO_MAX_LENGTH, SECTIONS
from reports.selectors import FIRST_YEAR


class ReportForm(forms.Form):
    """Year, period and outline (Berichtsgliederung) of a report."""

    year = forms.IntegerField(
        label=_("Berichtsjahr"),
        min_value=FIRST_YEAR + 1,
        max_value=2100,
        help_text=_("Der Bericht ist bis zum 31. August dieses Jahres vorzulegen."),
    )
    period_year = forms.IntegerField(
        label=_("Ausgewertetes Kalenderjahr"),
        min_value=FIRST_YEAR,
        max_value=2100,
        help_text=_("Standard: das Vorjahr (vollständig)."),
    )
    state_as_of = forms.DateField(
        label=_("Stand des Berichtsjahres zum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leer lassen: Stand am Tag der Erzeugung."),
    )

    def __init__(
        self,
        *args: Any,
        outline: list[dict[str, str]],
        fixed_year: bool = False,
        submit_label: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if fixed_year:
            self.fields["year"].disabled = True
        position = {entry["key"]: number for number, entry in enumerate(outline, start=1)}
        intros = {entry["key"]: entry.get("intro", "") for entry in outline}
        section_fields = []
        for number, (key, title) in enumerate(SECTIONS.items(), start=1):
            self.fields[f"{key}_include"] = forms.BooleanField(
                label=_("Abschnitt aufnehmen"), required=False, initial=key in position
            )
            self.fields[f"{key}_order"] = forms.IntegerField(
                label=_("Position"),
                min_value=1,
                max_value=len(SECTIONS),
                initial=position.get(key, len(position) + number),
            )
            self.fields[f"{key}_intro"] = forms.CharField(
                label=_("Einleitungstext (optional)"),
                required=False,
                max_length=INTRO_MAX_LENGTH,
                initial=intros.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            section_fields.append(
                Fieldset(
                    title,
                    Row(
                        Column(f"{key}_include", css_class="col-sm-6"),
                        Column(f"{key}_order", css_class="col-sm-6"),
                    ),
                    f"{key}_intro",
                    css_class="border rounded p-2 mb-3",
                )
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(
                Column("year", css_class="col-md-4"),
                Column("period_year", css_class="col-md-4"),
                Column("state_as_of", css_class="col-md-4"),
            ),
            HTML('<h2 class="h5 mt-3">{}</h2>'.format(_("Berichtsgliederung"))),
            HTML(
                '<p class="text-body-secondary">{}</p>'.format(
                    _(
                        "Wählen Sie die Abschnitte, ihre Reihenfolge und optional einen einleitenden "  # noqa: E501
                        "Text. Das Deckblatt steht immer am Anfang."
                    )
                )
            ),
            Div(*section_fields),
            Submit("submit", submit_label or _("Speichern und Entwurf erzeugen")),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns
        if self.errors:
            return cleaned
        chosen = [key for key in SECTIONS if cleaned.get(f"{key}_include")]
        if not chosen:
            raise forms.ValidationError(_("Bitte nehmen Sie mindestens einen Abschnitt auf."))
        orders = [cleaned[f"{key}_order"] for key in chosen]
        if len(set(orders)) != len(orders):
            raise forms.ValidationError(
                _(
                    "Zwei Abschnitte haben dieselbe Position; bitte vergeben Sie jede Position nur "
                    "einmal."
                )
            )
        year = cleaned.get("year")
        if year and cleaned.get("period_year") and cleaned["period_year"] >= year:
            self.add_error(
                "period_year", _("Das ausgewertete Jahr muss vor dem Berichtsjahr liegen.")
            )
        as_of: date | None = cleaned.get("state_as_of")
        if year and as_of and as_of.year != year:
            self.add_error(
                "state_as_of",
                _("Bitte einen Tag im Berichtsjahr %(year)s angeben.") % {"year": year},
            )
        return cleaned

    def outline(self) -> list[dict[str, str]]:
        chosen = [key for key in SECTIONS if self.cleaned_data.get(f"{key}_include")]
        chosen.sort(key=lambda key: self.cleaned_data[f"{key}_order"])
        return [{"key": key, "intro": self.cleaned_data.get(f"{key}_intro", "")} for key in chosen]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Ihre Entscheidung"),
        choices=ReportReview.Decision.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anmerkungen"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Bei Anmerkungen erforderlich; beim Einvernehmen optional."),
    )
    read_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "decision", "comment", "read_sha256", Submit("submit", _("Absenden"))
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns
        if (
            cleaned.get("decision") == ReportReview.Decision.COMMENTED
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Bitte schreiben Sie Ihre Anmerkungen."))
        return cleaned


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Korrektur"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("reason", Submit("submit", _("Korrekturfassung anlegen")))


class OutlineDecisionForm(forms.Form):
    """The ministry's decision on a proposed outline: agree, or ask for changes (with a comment)."""

    AGREE, CHANGES = "agree", "changes"

    decision = forms.ChoiceField(
        label=_("Ihre Entscheidung"),
        choices=[
            (AGREE, _("Der Gliederung zustimmen")),
            (CHANGES, _("Änderungen erbitten")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anmerkungen an das LZPD"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Beim Erbitten von Änderungen erforderlich; bei Zustimmung optional."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("decision", "comment", Submit("submit", _("Absenden")))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns
        if cleaned.get("decision") == self.CHANGES and not (cleaned.get("comment") or "").strip():
            self.add_error(
                "comment",
                _("Bitte schreiben Sie, welche Änderungen Sie an der Gliederung erbitten."),
            )
        return cleaned
