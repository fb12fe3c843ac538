"""R7 records per authority: Hospitationen and crisis-staff exercises of the cities and
districts (lists with the figures per year, create, edit). KPB staff keep their own authority's
records; state bodies read all of them."""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Aggregate, Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.forms import ModelForm
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView

from authorities.forms.r7 import ExerciseForm, HospitationForm, R7FilterForm
from authorities.models import Authority, Exercise, Hospitation, User
from authorities.requests import AuthenticatedHttpRequest
from siko.audit import log_action
from siko.views_base import SikoPermissionMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: An R7 record: both kinds belong to one authority.
R7Record = Hospitation | Exercise


@transaction.atomic
def save_r7_record(record: R7Record, *, action: str, by: User) -> R7Record:
    """Saves a Hospitation or an Exercise and audits it (the form validated the fields)."""
    record.save()
    log_action(action, record, actor=by, authority=record.authority)
    return record


class R7ListView(SikoPermissionMixin, ListView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.list_r7_records"
    paginate_by = 50
    model: type[R7Record]
    date_field = ""
    second_figure: Aggregate  # the figures' third column, next to the count per year

    def get_filter_form(self) -> R7FilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = R7FilterForm(
                self.request.GET or None, show_authority=not self.request.user.authority_id
            )
        return self._filter_form

    def base_queryset(self) -> QuerySet:
        filters = self.get_filter_form().filters()
        qs = self.model.objects.all()
        if filters["authority"] is not None:
            qs = qs.filter(authority=filters["authority"])
        return qs

    def get_queryset(self) -> QuerySet:
        qs = self.base_queryset()
        year = self.get_filter_form().filters()["year"]
        if year:
            qs = qs.filter(**{f"{self.date_field}__year": year})
        return qs.select_related("authority")

    def figures(self) -> list[dict[str, Any]]:
        return list(
            self.base_queryset()
            .annotate(year=ExtractYear(self.date_field))
            .values("year")
            .annotate(count=Count("pk"), second=self.second_figure)
            .order_by("-year")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return super().get_context_data(
            form=self.get_filter_form(),
            figures=self.figures(),
            can_add=user.has_perm("authorities.add_r7_record"),
            # Scoping shows a KPB only its own records, so the rule needs no record.
            can_change=user.has_perm("authorities.change_r7_record"),
            **kwargs,
        )


class HospitationListView(R7ListView):
    model = Hospitation
    date_field = "start_date"
    template_name = "authorities/r7/hospitation_list.html"
    context_object_name = "hospitations"
    second_figure = Sum("participants")

    def get_queryset(self) -> QuerySet[Hospitation]:
        return super().get_queryset().select_related("agency")


class ExerciseListView(R7ListView):
    model = Exercise
    date_field = "date"
    template_name = "authorities/r7/exercise_list.html"
    context_object_name = "exercises"
    second_figure = Count("pk", filter=Q(liaison_took_part=True))


class R7FormView(SikoPermissionMixin, FormView):
    """Create (no pk) or edit (pk) one record of the user's authority."""

    request: AuthenticatedHttpRequest
    model: type[R7Record]
    list_url = ""
    audit_action = ""
    heading: "StrOrPromise" = ""
    template_name = "authorities/r7/form.html"

    def get_record(self) -> R7Record | None:
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_record"):
            # Scoped: another authority's record is a 404.
            record = get_object_or_404(
                self.model.objects.select_related("authority"), pk=self.kwargs["pk"]
            )
            assert isinstance(record, Hospitation | Exercise)  # of self.model
            self._record = record
        return self._record

    def get_permission_object(self) -> Authority | None:
        record = self.get_record()
        return record.authority if record is not None else None

    def get_authority(self) -> Authority:
        record = self.get_record()
        if record is not None:
            return record.authority
        authority = self.request.user.authority
        if authority is None:
            raise PermissionDenied
        return authority

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "authority": self.get_authority(),
            "instance": self.get_record(),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            record=self.get_record(),
            list_url=reverse(self.list_url),
            heading=self.heading,
            **kwargs,
        )

    def form_valid(self, form: ModelForm) -> HttpResponse:
        record = form.save(commit=False)
        record.authority = self.get_authority()
        save_r7_record(record, action=self.audit_action, by=self.request.user)
        messages.success(self.request, _("Gespeichert."))
        return HttpResponseRedirect(reverse(self.list_url))


class HospitationCreateView(R7FormView):
    permission_required = "authorities.add_r7_record"
    model = Hospitation
    form_class = HospitationForm
    list_url = "authorities:hospitation_list"
    audit_action = "hospitation.saved"
    heading = gettext_lazy("Hospitation erfassen")


class HospitationUpdateView(HospitationCreateView):
    permission_required = "authorities.change_r7_record"
    heading = gettext_lazy("Hospitation bearbeiten")


class ExerciseCreateView(R7FormView):
    permission_required = "authorities.add_r7_record"
    model = Exercise
    form_class = ExerciseForm
    list_url = "authorities:exercise_list"
    audit_action = "exercise.saved"
    heading = gettext_lazy("Krisenstabsübung erfassen")


class ExerciseUpdateView(ExerciseCreateView):
    permission_required = "authorities.change_r7_record"
    heading = gettext_lazy("Krisenstabsübung bearbeiten")
