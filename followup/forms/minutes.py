"""Forms of attendance and minutes. Rows per invitation or agenda item are rendered as tables by
their templates; the single-purpose forms use crispy helpers."""

from datetime import datetime, timedelta
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conferences.enums import InvitationState
from conferences.forms import DateTimeInput
from conferences.models import Conference, Invitation
from followup.minutes import default_attended_by, latest_comment_deadline
from followup.models import Minutes, OutcomeType
from followup.outcomes import ActionProposal
from siko.validation import check_date_window, check_plausible_date

PRESENT_CHOICES = [("", _("nicht erfasst")), ("yes", _("anwesend")), ("no", _("nicht anwesend"))]


def _helper(label: str | Promise) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class AttendanceForm(forms.Form):
    """Per invitation: present or not, and who attended for the agency."""

    def __init__(self, *args: Any, invitations: list[Invitation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for invitation in invitations:
            present = {True: "yes", False: "no", None: ""}[invitation.attended]
            attended_by = invitation.attended_by or default_attended_by(invitation)
            self.fields[f"present_{invitation.pk}"] = forms.ChoiceField(
                label=_("Anwesenheit: %(agency)s") % {"agency": invitation.agency.name},
                choices=PRESENT_CHOICES,
                required=False,
                initial=present,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"by_{invitation.pk}"] = forms.CharField(
                label=_("Anwesend für %(agency)s") % {"agency": invitation.agency.name},
                max_length=200,
                required=False,
                initial=attended_by,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.rows.append(
                (invitation, self[f"present_{invitation.pk}"], self[f"by_{invitation.pk}"])
            )

    def attendance(self) -> dict[int, tuple[bool | None, str]]:
        result = {}
        for invitation, _present, _by in self.rows:
            value = self.cleaned_data.get(f"present_{invitation.pk}", "")
            attended = {"yes": True, "no": False}.get(value)
            result[invitation.pk] = (attended, self.cleaned_data.get(f"by_{invitation.pk}", ""))
        return result


class MinutesForm(forms.Form):
    """General notes plus, per agenda item, what was reported and the outcome."""

    notes = forms.CharField(
        label=_("Allgemeines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Markdown oder einfacher Text; HTML wird nicht übernommen."),
    )

    def __init__(self, *args: Any, minutes: Minutes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notes"].initial = minutes.notes
        conference = minutes.conference
        self.agencies = {
            str(i.agency_id): i.agency
            for i in conference.invitations.exclude(state=InvitationState.PENDING)
            .select_related("agency")
            .order_by("agency__name")
        }
        owners = [
            ("police", _("%(host)s (Polizei)") % {"host": conference.host.short_name}),
            *((pk, agency.name) for pk, agency in self.agencies.items()),
        ]
        self.rows = []
        for entry in minutes.entries.select_related("action"):
            self.fields[f"report_{entry.pk}"] = forms.CharField(
                label=_("Bericht"),
                required=False,
                initial=entry.report,
                widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
            )
            self.fields[f"type_{entry.pk}"] = forms.ChoiceField(
                label=_("Art des Ergebnisses"),
                choices=OutcomeType.choices,
                initial=entry.outcome_type,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"outcome_{entry.pk}"] = forms.CharField(
                label=_("Ergebnis"),
                required=False,
                initial=entry.outcome,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
            owner = due = None
            if entry.action_id is None:  # the Beschlusskontrolle follows an action up
                self.fields[f"owner_{entry.pk}"] = forms.ChoiceField(
                    label=_("Zuständig für die Maßnahme"),
                    choices=owners,
                    required=False,
                    widget=forms.Select(attrs={"class": "form-select"}),
                )
                self.fields[f"due_{entry.pk}"] = forms.DateField(
                    label=_("Maßnahme fällig am"),
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
                    help_text=_("Nur bei Ergebnis „Maßnahme“: mit Fälligkeit wird sie angelegt."),
                )
                owner, due = self[f"owner_{entry.pk}"], self[f"due_{entry.pk}"]
            self.rows.append(
                (
                    entry,
                    self[f"report_{entry.pk}"],
                    self[f"type_{entry.pk}"],
                    self[f"outcome_{entry.pk}"],
                    owner,
                    due,
                )
            )

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data
        cleaned = self.cleaned_data
        for name, value in list(cleaned.items()):
            if name.startswith("due_") and value:
                try:
                    check_plausible_date(value)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def proposals(self) -> dict[int, ActionProposal]:
        """Owner and due date per entry whose outcome is an action not yet made."""
        result = {}
        for entry, *_fields in self.rows:
            due = self.cleaned_data.get(f"due_{entry.pk}")
            if self.cleaned_data.get(f"type_{entry.pk}") != OutcomeType.ACTION or not due:
                continue
            owner = self.cleaned_data.get(f"owner_{entry.pk}") or "police"
            result[entry.pk] = ActionProposal(due, self.agencies.get(owner))
        return result

    def entries(self) -> dict[int, dict[str, str]]:
        return {
            entry.pk: {
                "report": self.cleaned_data[f"report_{entry.pk}"],
                "outcome_type": self.cleaned_data[f"type_{entry.pk}"],
                "outcome": self.cleaned_data[f"outcome_{entry.pk}"],
            }
            for entry, *_fields in self.rows
        }


class CirculateForm(forms.Form):
    deadline = forms.DateTimeField(label=_("Kommentarfrist bis"), widget=DateTimeInput())

    def __init__(self, *args: Any, conference: Conference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conference = conference
        default = timezone.localtime() + timedelta(days=14)
        self.fields["deadline"].initial = default.replace(
            hour=12, minute=0, second=0, microsecond=0
        )
        self.helper = _helper(_("Entwurf an die anwesenden Behörden versenden"))

    def clean_deadline(self) -> datetime:
        deadline = self.cleaned_data["deadline"]
        check_date_window(
            deadline,
            earliest=timezone.localdate(),
            latest=latest_comment_deadline(self.conference),
            message=_(
                "Bitte wählen Sie eine Kommentarfrist zwischen dem %(earliest)s und dem "
                "%(latest)s (höchstens ein Jahr nach der Konferenz)."
            ),
        )
        return deadline


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Ihr Kommentar"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Kommentar senden"))


class ResolveCommentForm(forms.Form):
    resolution = forms.CharField(label=_("Erledigung"), max_length=2000, widget=forms.TextInput())


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Korrektur"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Neue Fassung anlegen"))
