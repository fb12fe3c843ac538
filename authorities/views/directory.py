from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import DeleteView, DetailView, FormView, ListView

from authorities import selectors, services
from authorities.forms.directory import (
    AuthoritySearchForm,
    ContactForm,
    PartnerAgencyForm,
    PartnerSearchForm,
    SikoStartYearForm,
)
from authorities.models import ADDRESSEE_ORDER, Authority, Contact, PartnerAgency
from authorities.requests import AuthenticatedHttpRequest
from siko.collation import german
from siko.views_base import SikoPermissionMixin


class AuthorityListView(SikoPermissionMixin, ListView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.list_authorities"
    template_name = "authorities/authority/list.html"
    context_object_name = "authorities"

    def get_queryset(self) -> QuerySet[Authority]:
        self.form = AuthoritySearchForm(self.request.GET or None)
        filters = self.form.cleaned_data if self.form.is_valid() else {}
        return selectors.authority_list(
            search=filters.get("q", ""),
            regierungsbezirk=filters.get("regierungsbezirk", ""),
            kind=filters.get("kind", ""),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(form=self.form, **kwargs)


class AuthorityDetailView(SikoPermissionMixin, DetailView):
    """An authority's area, its partners by category and the categories still without partner."""

    request: AuthenticatedHttpRequest
    permission_required = "authorities.view_authority"
    template_name = "authorities/authority/detail.html"
    context_object_name = "authority"

    def get_queryset(self) -> QuerySet[Authority]:
        return Authority.objects.select_related("comparison_group")

    def get_permission_object(self) -> Authority:
        self.object = self.get_object()
        return self.object

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The object was loaded for the permission check already.
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        groups = selectors.partners_by_category(self.object)
        return super().get_context_data(
            groups=groups, gaps=[g for g in groups if g.is_gap], **kwargs
        )


class AuthorityStartYearView(SikoPermissionMixin, FormView):
    """The LZPD sets the year from which SiKo judges an authority (years before it: "nicht
    erfasst")."""

    request: AuthenticatedHttpRequest
    permission_required = "authorities.set_start_year"
    template_name = "authorities/authority/start_year.html"
    form_class = SikoStartYearForm

    def get_authority(self) -> Authority:
        if not hasattr(self, "authority"):
            self.authority = get_object_or_404(Authority, slug=self.kwargs["slug"])
        return self.authority

    def get_initial(self) -> dict[str, Any]:
        return {"siko_start_year": self.get_authority().siko_start_year}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(authority=self.get_authority(), **kwargs)

    def form_valid(self, form: SikoStartYearForm) -> HttpResponse:
        authority = self.get_authority()
        try:
            services.set_siko_start_year(
                authority, year=form.cleaned_data["siko_start_year"], by=self.request.user
            )
        except services.DirectoryError as error:
            form.add_error("siko_start_year", str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Startjahr gespeichert."))
        return HttpResponseRedirect(authority.get_absolute_url())


class PartnerListView(SikoPermissionMixin, ListView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.view_directory"
    template_name = "authorities/partner/list.html"
    context_object_name = "agencies"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[PartnerAgency]:
        self.form = PartnerSearchForm(self.request.GET or None)
        filters = self.form.cleaned_data if self.form.is_valid() else {}
        return selectors.partner_list(
            search=filters.get("q", ""), category=filters.get("category", "")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(form=self.form, **kwargs)


class PartnerObjectMixin(SikoPermissionMixin):
    """Resolves the agency inside the scope: another area's agency is a 404."""

    kwargs: dict[str, Any]  # the view's URL arguments

    def get_agency(self) -> PartnerAgency:
        if not hasattr(self, "_agency"):
            self._agency = get_object_or_404(
                PartnerAgency.objects.select_related("routed_via"), slug=self.kwargs["slug"]
            )
        return self._agency

    def get_permission_object(self) -> PartnerAgency:
        return self.get_agency()


class PartnerDetailView(PartnerObjectMixin, DetailView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.view_partner"
    template_name = "authorities/partner/detail.html"
    context_object_name = "agency"

    def get_object(self, queryset: QuerySet[PartnerAgency] | None = None) -> PartnerAgency:
        return self.get_agency()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        agency = self.object
        coverages = list(
            agency.coverages.select_related("authority").order_by(german("authority__short_name"))
        )
        return super().get_context_data(
            contacts=agency.contacts.select_related("deputy_of").order_by(*ADDRESSEE_ORDER),
            coverages=coverages,
            # An agency of one KPB's area is kept by that KPB, a shared one by the LZPD
            # (siko.permissions.agency_exclusive_to_own_area).
            maintained_by=coverages[0].authority if len(coverages) == 1 else None,
            **kwargs,
        )

    def get_queryset(self) -> QuerySet[PartnerAgency]:  # pragma: no cover - get_object overrides
        return PartnerAgency.objects.all()


class PartnerCreateView(SikoPermissionMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.add_partner"
    template_name = "authorities/partner/form.html"
    form_class = PartnerAgencyForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form: PartnerAgencyForm) -> HttpResponse:
        user = self.request.user
        # KPB staff add agencies of their own area (their form has no choice of authorities).
        own = user.authority if user.is_kpb else None
        authorities = [own] if own is not None else list(form.cleaned_data["authorities"])
        data = {k: v for k, v in form.cleaned_data.items() if k != "authorities"}
        try:
            agency = services.create_partner(data=data, authorities=authorities, by=user)
        except services.DirectoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Partnerbehörde „%(name)s“ angelegt.") % {"name": agency})
        return HttpResponseRedirect(agency.get_absolute_url())


class PartnerUpdateView(PartnerObjectMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.change_partner"
    template_name = "authorities/partner/form.html"
    form_class = PartnerAgencyForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "instance": self.get_agency(),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(agency=self.get_agency(), **kwargs)

    def form_valid(self, form: PartnerAgencyForm) -> HttpResponse:
        try:
            agency = services.update_partner(
                self.get_agency(), data=form.cleaned_data, by=self.request.user
            )
        except services.DirectoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Änderungen gespeichert."))
        return HttpResponseRedirect(agency.get_absolute_url())


class ContactCreateView(PartnerObjectMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.change_partner"
    template_name = "authorities/contact/form.html"
    form_class = ContactForm

    def get_contact(self) -> Contact:
        return Contact(agency=self.get_agency())

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_contact()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(agency=self.get_agency(), **kwargs)

    def form_valid(self, form: ContactForm) -> HttpResponse:
        try:
            services.save_contact(form.instance, by=self.request.user)
        except services.DirectoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Ansprechperson gespeichert."))
        return HttpResponseRedirect(self.get_agency().get_absolute_url())


class ContactUpdateView(ContactCreateView):
    def get_contact(self) -> Contact:
        return get_object_or_404(Contact, pk=self.kwargs["pk"], agency=self.get_agency())


class ContactDeleteView(PartnerObjectMixin, DeleteView):
    request: AuthenticatedHttpRequest
    permission_required = "authorities.change_partner"
    template_name = "authorities/contact/confirm_delete.html"
    context_object_name = "contact"

    def get_object(self, queryset: QuerySet[Contact] | None = None) -> Contact:
        return get_object_or_404(Contact, pk=self.kwargs["pk"], agency=self.get_agency())

    def form_valid(self, form: Form) -> HttpResponse:
        try:
            services.delete_contact(self.object, by=self.request.user)
        except services.DirectoryError as error:
            messages.error(self.request, str(error))
            return HttpResponseRedirect(self.get_agency().get_absolute_url())
        messages.success(self.request, _("Ansprechperson gelöscht."))
        return HttpResponseRedirect(self.get_agency().get_absolute_url())
