"""The offer of open actions for a planned conference's agenda."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.enums import ConferenceStatus
from conferences.models import Conference
from followup.models import Action


class OfferedActionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return str(
            _("%(text)s – zuständig: %(owner)s, fällig am %(due)s (aus der SiKo vom %(day)s)")
            % {
                "text": obj,
                "owner": obj.owner_name,
                "due": f"{obj.due_date:%d.%m.%Y}",
                "day": f"{timezone.localtime(obj.conference.start):%d.%m.%Y}",
            }
        )


class OfferedActionsForm(forms.Form):
    actions = OfferedActionsField(
        label=_("Offene Maßnahmen früherer Konferenzen"),
        queryset=Action.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Bitte wählen Sie mindestens eine Maßnahme aus.")},
    )

    def __init__(
        self, *args: Any, conference: Conference, offered: QuerySet[Action], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["actions"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # declared above
        field.queryset = offered
        self.helper = FormHelper()
        self.helper.add_input(
            Submit(
                "submit",
                _("Auf die Tagesordnung setzen und alle Eingeladenen informieren")
                if conference.status == ConferenceStatus.SCHEDULED
                else _("Auf die Tagesordnung setzen"),
            )
        )
