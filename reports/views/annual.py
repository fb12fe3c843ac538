"""Pages of the annual LZPD report (DESIGN R8): list, start, progress, LKA review, finalise,
correction and downloads. The steps live in reports.annual.workflow."""

from typing import Any, ClassVar, Protocol

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views import View
from django.views.generic import FormView, TemplateView

from authorities.models import Authority, User
from authorities.requests import AuthenticatedHttpRequest
from reports.annual import exports, outline_agreement
from reports.annual import generation as report_generation
from reports.annual import workflow as report_workflow
from reports.annual.reminders import sent_report_reminders
from reports.annual.workflow import ReportError, ReportExists
from reports.forms.annual import CorrectionForm, ReportForm, ReviewForm
from reports.models import AnnualReport, ReportStatus
from reports.outline import section_title
from siko.tasks_queue import EnqueueOutcome, watching
from siko.views_base import SikoPermissionMixin

#: Seconds between two polls of the progress fragment: it slows down the longer it waits.
POLL_DELAYS = (1, 1, 2, 2, 3, 5, 5, 8)


def _generation_requested(
    request: HttpRequest, queue: EnqueueOutcome, done: str, report: AnnualReport
) -> HttpResponse:
    """Back to `report`'s page, saying `done` when the generation went to the background
    service; otherwise the row shows it failed and the user is asked to request it again
    (reports.annual.workflow)."""
    if queue.broker_down:
        messages.warning(request, _(report_workflow.BROKER_DOWN_ERROR))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(report.get_absolute_url())


class ReportStep(Protocol):
    """A step of reports.annual.workflow that a button triggers."""

    def __call__(self, report: AnnualReport, *, by: User) -> AnnualReport: ...


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


class AnnualReportListView(SikoPermissionMixin, TemplateView):
    """State bodies: every version of every year. KPB staff: the final versions, with the
    download of the part about their own authority."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.view_annual_reports"
    template_name = "reports/annual/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        reports = AnnualReport.objects.select_related("agreed_by", "finalised_by").defer("data")
        state_reader = user.has_perm("reports.read_annual_report")
        if not state_reader:
            reports = reports.filter(status=ReportStatus.FINAL)
        year = timezone.localdate().year
        reminders = list(sent_report_reminders(year)[:50]) if state_reader else []
        return super().get_context_data(
            reports=list(reports),
            state_reader=state_reader,
            reminder_year=year,
            reminders=reminders,
            can_manage=user.has_perm("reports.manage_annual_report"),
            own_authority=user.authority if user.authority_id else None,
            **kwargs,
        )


class AnnualReportCreateView(SikoPermissionMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "reports.manage_annual_report"
    template_name = "reports/annual/form.html"
    form_class = ReportForm

    def get_initial(self) -> dict[str, Any]:
        year = timezone.localdate().year
        return {"year": year, "period_year": year - 1}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "outline": report_workflow.last_agreed_outline()}

    def form_valid(self, form: ReportForm) -> HttpResponse:
        try:
            report = report_workflow.start_report(
                year=form.cleaned_data["year"],
                period_year=form.cleaned_data["period_year"],
                state_as_of=form.cleaned_data["state_as_of"],
                outline=form.outline(),
                by=self.request.user,
            )
        except ReportExists as exists:
            # A second click on "save" or a second colleague land on the report that exists.
            messages.info(
                self.request,
                _("Für %(year)s gibt es den Bericht bereits; hier können Sie weiterarbeiten.")
                % {"year": exists.report.year},
            )
            return HttpResponseRedirect(exists.report.get_absolute_url())
        except ReportError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        try:
            with watching() as queue:
                report_workflow.request_generation(report, by=self.request.user)
        except ReportError as error:  # the outline is not agreed with the ministry yet
            messages.info(
                self.request,
                _("Der Bericht %(year)s wurde angelegt.") % {"year": report.year}
                + " "
                + str(error),
            )
            return HttpResponseRedirect(report.get_absolute_url())
        done = _("Der Bericht %(year)s wurde angelegt; der Entwurf wird erzeugt.")
        return _generation_requested(self.request, queue, done % {"year": report.year}, report)


class ReportObjectMixin(SikoPermissionMixin, View):
    """For views about one report, `pk` in the URL."""

    def get_report(self) -> AnnualReport:
        if not hasattr(self, "_report"):
            self._report = get_object_or_404(
                AnnualReport.objects.select_related("agreed_by", "finalised_by", "created_by"),
                pk=self.kwargs["pk"],
            )
        return self._report

    def refuse(self, error: ReportError) -> HttpResponse:
        messages.error(self.request, str(error))
        return HttpResponseRedirect(self.get_report().get_absolute_url())


class AnnualReportDetailView(ReportObjectMixin, TemplateView):
    request: AuthenticatedHttpRequest
    permission_required = "reports.read_annual_report"
    template_name = "reports/annual/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        report = self.get_report()
        user = self.request.user
        latest_version = (
            AnnualReport.objects.filter(year=report.year)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        rows = (report.data or {}).get("rows")  # the authorities in the report, for their parts
        return super().get_context_data(
            report=report,
            reviews=list(report.reviews.select_related("created_by")),
            can_manage=user.has_perm("reports.manage_annual_report"),
            can_review=user.has_perm("reports.review_annual_report"),
            is_latest=latest_version == report.version,
            outline_titles=[section_title(entry["key"]) for entry in report.outline],
            outline_proposal=outline_agreement.current_proposal(report.year),
            outline_agreed=outline_agreement.agreed_proposal(report.year, report.outline),
            outline_due=outline_agreement.outline_due(report.year),
            can_propose_outline=user.has_perm("reports.propose_outline"),
            can_decide_outline=user.has_perm("reports.decide_outline"),
            authorities=rows if isinstance(rows, list) else [],
            poll_delay=POLL_DELAYS[0],
            poll_step=0,
            **kwargs,
        )


class AnnualReportProgressView(ReportObjectMixin, TemplateView):
    """The progress fragment polled by htmx; it stops polling when the generation has ended."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.read_annual_report"
    template_name = "reports/annual/_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            step = max(0, int(self.request.GET.get("n", "0")))
        except ValueError:
            step = 0
        step = min(step + 1, len(POLL_DELAYS) - 1)
        return super().get_context_data(
            report=self.get_report(), poll_step=step, poll_delay=POLL_DELAYS[step], **kwargs
        )


class AnnualReportUpdateView(ReportObjectMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "reports.manage_annual_report"
    template_name = "reports/annual/form.html"
    form_class = ReportForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.get_report().status != ReportStatus.DRAFT:
            return self.refuse(ReportError(_("Nur ein Entwurf kann geändert werden.")))
        return super().get(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        report = self.get_report()
        return {
            "year": report.year,
            "period_year": report.period_year,
            "state_as_of": report.state_as_of,
        }

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "outline": self.get_report().outline,
            "fixed_year": True,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form: ReportForm) -> HttpResponse:
        report = self.get_report()
        try:
            report = report_workflow.update_draft(
                report,
                by=self.request.user,
                period_year=form.cleaned_data["period_year"],
                state_as_of=form.cleaned_data["state_as_of"],
                outline=form.outline(),
            )
        except ReportError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        try:
            with watching() as queue:
                report_workflow.request_generation(report, by=self.request.user)
        except ReportError as error:  # e.g. the changed outline is with the ministry again
            messages.info(self.request, _("Gespeichert.") + " " + str(error))
            return HttpResponseRedirect(report.get_absolute_url())
        done = _("Gespeichert; der Entwurf wird neu erzeugt.")
        return _generation_requested(self.request, queue, done, report)


class ReportStepView(ReportObjectMixin, View):
    """A button of the workflow (POST only): one step, then back to the report's page."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.manage_annual_report"
    http_method_names = ["post"]
    step: ClassVar[ReportStep]
    done_message = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            with watching() as queue:
                type(self).step(self.get_report(), by=self.request.user)
        except ReportError as error:
            return self.refuse(error)
        return _generation_requested(request, queue, _(self.done_message), self.get_report())


class AnnualReportGenerateView(ReportStepView):
    step = staticmethod(report_workflow.request_generation)
    done_message = gettext_noop("Der Entwurf wird erzeugt.")


class AnnualReportFinaliseView(ReportStepView):
    step = staticmethod(report_workflow.finalise)
    done_message = gettext_noop("Die Endfassung wird erzeugt.")


class AnnualReportReviewView(ReportObjectMixin, FormView):
    """The LKA reads the generated draft and agrees or comments."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.review_annual_report"
    template_name = "reports/annual/review.html"
    form_class = ReviewForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The agreement is the LKA's own act: not even an administrator gives it for them.
        if request.user.is_authenticated and not request.user.is_lka:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return {"read_sha256": self.get_report().sha256}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form: ReviewForm) -> HttpResponse:
        try:
            report = report_workflow.record_review(
                self.get_report(),
                by=self.request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                read_sha256=form.cleaned_data["read_sha256"],
            )
        except ReportError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if report.status == ReportStatus.AGREED:
            messages.success(self.request, _("Ihr Einvernehmen ist vermerkt."))
        else:
            messages.success(self.request, _("Ihre Anmerkungen sind beim LZPD angekommen."))
        return HttpResponseRedirect(report.get_absolute_url())


class AnnualReportCorrectionView(ReportObjectMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "reports.manage_annual_report"
    template_name = "reports/annual/correction.html"
    form_class = CorrectionForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form: CorrectionForm) -> HttpResponse:
        try:
            correction = report_workflow.start_correction(
                self.get_report(), by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ReportError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        with watching() as queue:
            report_workflow.request_generation(correction, by=self.request.user)
        done = _("Fassung %(version)s wurde angelegt; der Entwurf wird erzeugt.")
        return _generation_requested(
            self.request, queue, done % {"version": correction.version}, correction
        )


class AnnualReportPdfView(ReportObjectMixin, View):
    request: AuthenticatedHttpRequest
    permission_required = "reports.read_annual_report"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = self.get_report()
        if not report.has_pdf:
            raise Http404
        with report.pdf.open("rb") as handle:
            content = handle.read()
        return _download(content, report_generation.file_name(report), "application/pdf")


class AnnualReportPartView(ReportObjectMixin, View):
    """The part of the report about one authority; KPB staff get it for final versions."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.read_annual_report_part"

    def get_permission_object(self) -> Authority:
        # Scoped: another KPB's authority is not found (404).
        return get_object_or_404(Authority, slug=self.kwargs["slug"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = self.get_report()
        if report.data is None or not (
            report.is_final or request.user.has_perm("reports.read_annual_report")
        ):
            raise Http404
        slug = self.kwargs["slug"]
        try:
            pdf = report_generation.authority_part_pdf(report, slug)
        except KeyError:
            raise Http404 from None
        return _download(pdf, report_generation.file_name(report, part=slug), "application/pdf")


class AnnualReportExportView(ReportObjectMixin, View):
    """The report's figures, one row per authority, as CSV or XLSX."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.read_annual_report"
    FORMATS = {
        "csv": (exports.report_csv, "text/csv; charset=utf-8"),
        "xlsx": (
            exports.report_xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = self.get_report()
        render, content_type = self.FORMATS[self.kwargs["fmt"]]
        if report.data is None:
            raise Http404
        return _download(
            render(report.data),
            report_generation.file_name(report, suffix=self.kwargs["fmt"]),
            content_type,
        )
