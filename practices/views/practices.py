"""Pages of the good-practice exchange (DESIGN R8): the search, one practice, entering and
changing it (the KPB), submitting it, the LZPD's decision, the attachment, and the proposals
fragment the agenda planning page loads. The steps live in practices.services."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from authorities.models import Authority
from authorities.requests import AuthenticatedHttpRequest
from conferences.models import MandatedTopic
from practices import selectors, services
from practices.enums import PracticeState
from practices.errors import PracticeError
from practices.forms.practices import PracticeDecisionForm, PracticeForm, PracticeSearchForm
from practices.models import GoodPractice
from siko.downloads import stored_file_download
from siko.views_base import SikoPermissionMixin

PAGE_SIZE = 25


class PracticeListView(SikoPermissionMixin, TemplateView):
    """The search of published good practice for everyone; the KPB's own practices in every
    state; the LZPD's practices waiting for review."""

    request: AuthenticatedHttpRequest
    permission_required = "practices.list_practices"
    template_name = "practices/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        form = PracticeSearchForm(self.request.GET or None)
        criteria = form.criteria()
        visible = selectors.visible_practices(user)
        found = selectors.search_practices(
            visible.filter(state=PracticeState.PUBLISHED), **criteria
        )
        page = Paginator(found, PAGE_SIZE).get_page(self.request.GET.get("page"))
        own = (
            list(
                visible.filter(authority_id=user.authority_id).exclude(
                    state=PracticeState.PUBLISHED
                )
            )
            if user.authority_id
            else []
        )
        to_review = (
            list(visible.filter(state=PracticeState.SUBMITTED).order_by("submitted_at"))
            if user.has_perm("practices.review_practice")
            else []
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form,
            page_obj=page,
            is_paginated=page.paginator.num_pages > 1,
            practices=list(page.object_list),
            searched=any(criteria.values()),
            own=own,
            to_review=to_review,
            query=query.urlencode(),
            **kwargs,
        )


class PracticeMixin(SikoPermissionMixin):
    """Views of one practice, `pk` in the URL; one the user may not read is a 404."""

    request: Any  # each view declares AuthenticatedHttpRequest
    kwargs: dict[str, Any]

    def get_practice(self) -> GoodPractice:
        if not hasattr(self, "_practice"):
            self._practice = get_object_or_404(
                selectors.visible_practices(self.request.user), pk=self.kwargs["pk"]
            )
        return self._practice

    def get_permission_object(self) -> GoodPractice:
        # A role that reads no practice at all (a partner) is refused before the lookup.
        if not self.request.user.has_perm("practices.list_practices"):
            raise PermissionDenied
        return self.get_practice()


class PracticeDetailView(PracticeMixin, TemplateView):
    request: AuthenticatedHttpRequest
    permission_required = "practices.view_practice"
    template_name = "practices/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        practice = self.get_practice()
        return super().get_context_data(
            practice=practice,
            partners=selectors.partner_names(practice),
            categories=selectors.category_labels(practice),
            **kwargs,
        )


class PracticeCreateView(SikoPermissionMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "practices.add_practice"
    template_name = "practices/form.html"
    form_class = PracticeForm

    def get_authority(self) -> Authority:
        authority_id = self.request.user.authority_id
        assert authority_id is not None  # only KPB staff may add (practices.add_practice)
        return Authority.objects.get(pk=authority_id)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "authority": self.get_authority()}

    def form_valid(self, form: PracticeForm) -> HttpResponse:
        try:
            practice = services.create_practice(
                authority=self.get_authority(), data=form.practice_data(), by=self.request.user
            )
        except PracticeError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Der Entwurf ist gespeichert. Reichen Sie ihn beim LZPD ein, wenn er fertig ist."),
        )
        return HttpResponseRedirect(practice.get_absolute_url())


class PracticeUpdateView(PracticeMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "practices.change_practice"
    template_name = "practices/form.html"
    form_class = PracticeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        practice = self.get_practice()
        return {
            **super().get_form_kwargs(),
            "authority": practice.authority,
            "practice": practice,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(practice=self.get_practice(), **kwargs)

    def form_valid(self, form: PracticeForm) -> HttpResponse:
        practice = self.get_practice()
        was_published = practice.is_published
        try:
            practice = services.update_practice(
                practice, data=form.practice_data(), by=self.request.user
            )
        except PracticeError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if was_published:
            messages.warning(
                self.request,
                _(
                    "Die Änderung ist gespeichert. Die gute Praxis liegt dem LZPD erneut zur "
                    "Prüfung vor und ist bis zur Veröffentlichung landesweit nicht sichtbar."
                ),
            )
        else:
            messages.success(self.request, _("Die gute Praxis ist gespeichert."))
        return HttpResponseRedirect(practice.get_absolute_url())


class PracticeSubmitView(PracticeMixin, View):
    """The KPB submits its practice to the LZPD (POST only)."""

    request: AuthenticatedHttpRequest
    permission_required = "practices.change_practice"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        practice = self.get_practice()
        try:
            services.submit_practice(practice, by=self.request.user)
        except PracticeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Die gute Praxis liegt dem LZPD zur Prüfung vor."))
        return HttpResponseRedirect(practice.get_absolute_url())


class PracticeDecideView(PracticeMixin, FormView):
    """The LZPD publishes a submitted practice or returns it with a comment."""

    request: AuthenticatedHttpRequest
    permission_required = "practices.review_practice"
    template_name = "practices/decide.html"
    form_class = PracticeDecisionForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        practice = self.get_practice()
        return super().get_context_data(
            practice=practice,
            partners=selectors.partner_names(practice),
            categories=selectors.category_labels(practice),
            **kwargs,
        )

    def form_valid(self, form: PracticeDecisionForm) -> HttpResponse:
        publish = form.cleaned_data["decision"] == PracticeDecisionForm.PUBLISH
        try:
            practice = services.decide_practice(
                self.get_practice(),
                by=self.request.user,
                publish=publish,
                comment=form.cleaned_data["comment"],
            )
        except PracticeError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if publish:
            messages.success(self.request, _("Die gute Praxis ist landesweit veröffentlicht."))
        else:
            messages.success(self.request, _("Die gute Praxis ist an die Behörde zurückgegeben."))
        return HttpResponseRedirect(practice.get_absolute_url())


class PracticeAttachmentView(PracticeMixin, View):
    """The attachment as a download only: never shown inline, never sniffed."""

    request: AuthenticatedHttpRequest
    permission_required = "practices.view_practice"
    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        practice = self.get_practice()
        if not practice.attachment:
            raise Http404
        return stored_file_download(
            practice.attachment,
            filename=practice.attachment_name or "anlage",
            content_type=practice.attachment_type or "application/octet-stream",
        )


class PracticeProposalsView(SikoPermissionMixin, TemplateView):
    """Fragment for the agenda planning page (htmx): published practices of other KPBs for
    the mandated topics of the agenda (`thema`, repeated) and the topic just chosen for a new
    item (`topic`, the form's select). Ids that are no topic are ignored."""

    request: AuthenticatedHttpRequest
    permission_required = "practices.list_practices"
    template_name = "practices/_proposals.html"
    MAX_TOPICS = 12

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        raw = [self.request.GET.get("topic", ""), *self.request.GET.getlist("thema")]
        ids = list(dict.fromkeys(int(v) for v in raw if v.isdigit()))[: self.MAX_TOPICS]
        found = {t.pk: t for t in MandatedTopic.objects.filter(pk__in=ids)}
        topics = [found[pk] for pk in ids if pk in found]
        proposals = selectors.practice_proposals(
            topics, exclude_authority_id=self.request.user.authority_id
        )
        return super().get_context_data(
            proposals=[(topic, shown) for topic, shown in proposals if shown],
            without=[topic for topic, shown in proposals if not shown],
            search_url=reverse("practices:list"),
            **kwargs,
        )
