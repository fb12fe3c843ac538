"""Forms of the good-practice exchange: entering a practice, the LZPD's decision, the search."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from authorities.enums import PartnerCategory
from authorities.models import Authority, PartnerAgency
from conferences.models import AgendaItem, MandatedTopic
from cooperations.models import Cooperation
from followup.models import Action
from practices import attachments
from practices.enums import PracticeKind
from practices.models import GoodPractice
from practices.services import PracticeData
from siko.collation import german


class PracticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Art"), choices=PracticeKind.choices)
    title = forms.CharField(label=_("Titel"), max_length=200)
    summary = forms.CharField(
        label=_("Zusammenfassung"), widget=forms.Textarea(attrs={"rows": 4}), max_length=6000
    )
    topic = forms.ModelChoiceField(
        label=_("Pflichtthema"),
        queryset=MandatedTopic.objects.none(),
        required=False,
        empty_label=_("– kein Pflichtthema –"),
    )
    categories = forms.MultipleChoiceField(
        label=_("Beteiligte Partnerkategorien"),
        choices=PartnerCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Beteiligte Partnerbehörden"),
        queryset=PartnerAgency.objects.none(),
        required=False,
        help_text=_("Aus dem Partnerverzeichnis Ihres Bereichs; mehrere mit Strg oder ⌘."),
    )
    result = forms.CharField(
        label=_("Ergebnis"), widget=forms.Textarea(attrs={"rows": 4}), max_length=6000
    )
    contact_function = forms.CharField(
        label=_("Ansprechstelle (Funktion)"),
        max_length=200,
        help_text=_("Eine Funktion, z. B. „Leitungsstab, Sachgebiet Prävention“."),
    )
    contact_consent = forms.BooleanField(
        label=_("Die genannte Person ist mit der Nennung ihres Namens einverstanden"),
        required=False,
    )
    contact_name = forms.CharField(
        label=_("Name der Ansprechperson (nur mit Einverständnis)"),
        max_length=150,
        required=False,
    )
    source_agenda_item = forms.ModelChoiceField(
        label=_("aus dem Tagesordnungspunkt"),
        queryset=AgendaItem.objects.none(),
        required=False,
    )
    source_action = forms.ModelChoiceField(
        label=_("aus der Maßnahme"), queryset=Action.objects.none(), required=False
    )
    source_cooperation = forms.ModelChoiceField(
        label=_("aus der Kooperation"), queryset=Cooperation.objects.none(), required=False
    )
    attachment = forms.FileField(
        label=_("Anlage (optional)"), required=False, widget=forms.ClearableFileInput()
    )
    remove_attachment = forms.BooleanField(label=_("Gespeicherte Anlage entfernen"), required=False)

    def __init__(
        self,
        *args: Any,
        authority: Authority,
        practice: GoodPractice | None = None,
        **kwargs: Any,
    ) -> None:
        if practice is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "kind": practice.kind,
                "title": practice.title,
                "summary": practice.summary,
                "topic": practice.topic_id,
                "categories": list(practice.categories.values_list("category", flat=True)),
                "partners": list(practice.partners.values_list("pk", flat=True)),
                "result": practice.result,
                "contact_function": practice.contact_function,
                "contact_consent": practice.contact_consent,
                "contact_name": practice.contact_name,
                "source_agenda_item": practice.source_agenda_item_id,
                "source_action": practice.source_action_id,
                "source_cooperation": practice.source_cooperation_id,
            }
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["topic"].queryset = MandatedTopic.objects.active()
        # Scoped by the request: the agencies of the KPB's own area.
        fields["partners"].queryset = PartnerAgency.objects.filter(active=True).order_by(
            german("name")
        )
        fields["source_agenda_item"].queryset = (
            AgendaItem.objects.filter(conference__authorities=authority)
            .select_related("conference")
            .order_by("-conference__start", "order")
        )
        fields["source_agenda_item"].label_from_instance = lambda item: (
            f"{item.conference.start:%d.%m.%Y} {item.conference.title}: {item.title}"
        )
        fields["source_action"].queryset = (
            Action.objects.filter(conference__authorities=authority)
            .select_related("conference")
            .order_by("-conference__start", "pk")
        )
        fields["source_action"].label_from_instance = lambda action: (
            f"{action.conference.start:%d.%m.%Y}: {action.text[:80]}"
        )
        fields["source_cooperation"].queryset = Cooperation.objects.filter(
            authority=authority
        ).order_by(german("name"))
        fields["attachment"].help_text = attachments.help_text()
        if practice is None or not practice.attachment:
            del fields["remove_attachment"]
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(
            Submit("submit", _("Speichern") if practice else _("Entwurf anlegen"))
        )

    def practice_data(self) -> PracticeData:
        data = self.cleaned_data
        return PracticeData(
            kind=data["kind"],
            title=data["title"],
            summary=data["summary"],
            result=data["result"],
            contact_function=data["contact_function"],
            topic=data["topic"],
            categories=data["categories"],
            partners=data["partners"],
            contact_consent=data["contact_consent"],
            contact_name=data["contact_name"],
            source_agenda_item=data["source_agenda_item"],
            source_action=data["source_action"],
            source_cooperation=data["source_cooperation"],
            attachment=data.get("attachment") or None,
            remove_attachment=bool(data.get("remove_attachment")),
        )


class PracticeDecisionForm(forms.Form):
    PUBLISH, RETURN = "publish", "return"

    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[(PUBLISH, _("Veröffentlichen")), (RETURN, _("Mit Anmerkung zurückgeben"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anmerkung an die Behörde"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text=_("Beim Zurückgeben erforderlich."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Entscheidung speichern")))


class PracticeSearchForm(forms.Form):
    q = forms.CharField(label=_("Suchbegriff"), required=False, max_length=200)
    thema = forms.ModelChoiceField(
        label=_("Pflichtthema"),
        queryset=MandatedTopic.objects.none(),
        required=False,
        empty_label=_("alle Themen"),
    )
    kategorie = forms.ChoiceField(label=_("Partnerkategorie"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["thema"].queryset = MandatedTopic.objects.all()
        fields["kategorie"].choices = [("", _("alle Kategorien")), *PartnerCategory.choices]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("", _("Suchen")))

    def criteria(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {"text": "", "topic": None, "category": ""}
        data = self.cleaned_data
        return {"text": data["q"], "topic": data["thema"], "category": data["kategorie"]}
