"""The conference list's filters, kept in the URL (issue 15): year, status, kind, authority and
Regierungsbezirk. Authority and Regierungsbezirk are offered only to those who see more than
their own authority; a KPB's list is scoped to its conferences anyway."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, FilterSet, ModelChoiceFilter

from authorities.enums import Regierungsbezirk
from authorities.forms.directory import filter_helper
from authorities.models import Authority
from conferences.enums import ConferenceKind, ConferenceStatus
from conferences.models import Conference, ConferenceQuerySet
from siko.collation import german

#: The decree dates from 2018; conferences entered afterwards go back no further.
FIRST_YEAR = 2018


def _years() -> list[tuple[int, str]]:
    next_year = timezone.localdate().year + 1
    return [(year, str(year)) for year in range(next_year, FIRST_YEAR - 1, -1)]


def _authorities(request: HttpRequest | None) -> QuerySet[Authority]:
    # Called per request, inside the request's scope (Authority's manager is scoped).
    return Authority.objects.order_by(german("short_name"))


class ConferenceFilterForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = filter_helper(_("Filtern"))
        self.helper.form_class = "row row-cols-sm-2 row-cols-lg-auto g-2 align-items-end"


class ConferenceFilter(FilterSet):
    jahr = ChoiceFilter(label=_("Jahr"), choices=_years, method="in_year", empty_label=_("alle"))
    status = ChoiceFilter(
        label=_("Status"), choices=ConferenceStatus.choices, empty_label=_("alle")
    )
    art = ChoiceFilter(
        label=_("Art"), field_name="kind", choices=ConferenceKind.choices, empty_label=_("alle")
    )
    behoerde = ModelChoiceFilter(
        label=_("Behörde"),
        field_name="authorities",
        queryset=_authorities,
        to_field_name="slug",
        empty_label=_("alle"),
        distinct=True,
    )
    regierungsbezirk = ChoiceFilter(
        label=_("Regierungsbezirk"),
        field_name="authorities__regierungsbezirk",
        choices=Regierungsbezirk.choices,
        empty_label=_("alle"),
        distinct=True,
    )

    class Meta:
        model = Conference
        fields: list[str] = []
        form = ConferenceFilterForm

    def __init__(self, *args: Any, show_authority: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_authority:
            del self.filters["behoerde"]
            del self.filters["regierungsbezirk"]

    def in_year(self, queryset: ConferenceQuerySet, name: str, value: str) -> ConferenceQuerySet:
        return queryset.in_year(int(value))
