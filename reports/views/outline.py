"""Pages of the outline agreement (DESIGN R8): the LZPD proposes the outline of a report's year
from the report's page, the ministry agrees it or asks for changes. The steps live in
reports.annual.outline_agreement."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from authorities.requests import AuthenticatedHttpRequest
from reports.annual import outline_agreement
from reports.annual.outline_agreement import OutlineAgreementError
from reports.forms.annual import OutlineDecisionForm
from reports.models import AnnualReport, OutlineProposal, OutlineState, ReportStatus
from reports.outline import OutlineError, section_title
from siko.views_base import SikoPermissionMixin


def sections_shown(proposal: OutlineProposal) -> list[dict[str, str]]:
    return [
        {"title": section_title(entry["key"]), "intro": entry["intro"]}
        for entry in proposal.sections
    ]


class OutlineProposeView(SikoPermissionMixin, View):
    """The LZPD puts the outline of a draft report before the ministry (POST only)."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.propose_outline"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = get_object_or_404(AnnualReport, pk=self.kwargs["pk"])
        if report.status != ReportStatus.DRAFT:
            messages.error(
                request, _("Die Gliederung wird für einen Entwurf dem Ministerium vorgelegt.")
            )
            return HttpResponseRedirect(report.get_absolute_url())
        try:
            proposal, created = outline_agreement.propose_outline(
                year=report.year, outline=report.outline, by=self.request.user
            )
        except (OutlineAgreementError, OutlineError) as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(report.get_absolute_url())
        if created:
            messages.success(
                request, _("Die Gliederung liegt dem Ministerium des Innern zur Abstimmung vor.")
            )
        else:
            messages.info(
                request,
                _("Diese Gliederung ist bereits beim Ministerium: %(state)s.")
                % {"state": proposal.get_state_display()},
            )
        return HttpResponseRedirect(report.get_absolute_url())


class OutlineDecisionListView(SikoPermissionMixin, TemplateView):
    """The ministry's list: the outlines waiting for its decision, and the decided ones."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.decide_outline"
    template_name = "reports/outline/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pending = outline_agreement.undecided_proposals()
        decided = list(
            OutlineProposal.objects.exclude(state=OutlineState.PROPOSED).order_by(
                "-decided_at", "-pk"
            )[:20]
        )
        return super().get_context_data(
            pending=[
                (p, sections_shown(p), outline_agreement.outline_due(p.year)) for p in pending
            ],
            decided=decided,
            **kwargs,
        )


class OutlineDecideView(SikoPermissionMixin, FormView):
    """The ministry agrees a proposed outline or asks for changes with a comment."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.decide_outline"
    template_name = "reports/outline/decide.html"
    form_class = OutlineDecisionForm

    def get_proposal(self) -> OutlineProposal:
        if not hasattr(self, "_proposal"):
            self._proposal = get_object_or_404(
                OutlineProposal.objects.select_related("proposed_by", "decided_by"),
                pk=self.kwargs["pk"],
            )
        return self._proposal

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        proposal = self.get_proposal()
        return super().get_context_data(
            proposal=proposal,
            sections=sections_shown(proposal),
            due=outline_agreement.outline_due(proposal.year),
            **kwargs,
        )

    def form_valid(self, form: OutlineDecisionForm) -> HttpResponse:
        agree = form.cleaned_data["decision"] == OutlineDecisionForm.AGREE
        try:
            outline_agreement.decide_outline(
                self.get_proposal(),
                by=self.request.user,
                agree=agree,
                comment=form.cleaned_data["comment"],
            )
        except OutlineAgreementError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if agree:
            messages.success(self.request, _("Ihre Zustimmung zur Gliederung ist vermerkt."))
        else:
            messages.success(self.request, _("Ihre Bitte um Änderungen ist beim LZPD angekommen."))
        return HttpResponseRedirect(reverse("reports:annual_report_outlines"))
