"""After the conference: attendance, minutes and the approval round (thin views).

The organiser's pages resolve the conference in the authority scope (ConferenceMixin). Partners
comment through a signed link (no account): GET shows the version read-only, only POST adds a
comment.
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView
from django_scopes import scopes_disabled

from authorities.requests import AuthenticatedHttpRequest
from conferences.enums import ConferenceStatus
from conferences.models import Invitation
from conferences.services import ConferenceError
from conferences.views.partner import expired_link
from conferences.views.planning import ConferenceMixin
from followup import minutes as minutes_services
from followup.forms.minutes import (
    AttendanceForm,
    CirculateForm,
    CommentForm,
    CorrectionForm,
    MinutesForm,
    ResolveCommentForm,
)
from followup.models import Minutes, MinutesComment, MinutesStatus
from followup.outcomes import save_minutes_with_actions
from siko.views_base import SikoPermissionMixin

BAD_LINK_TEMPLATE = "conferences/minutes/bad_link.html"


def _comment_link_expired(request: HttpRequest, minutes: Minutes) -> HttpResponse:
    return expired_link(
        request,
        expires_at=minutes.link_expires_at,
        reason=_(
            "Die Abstimmung über dieses Protokoll liegt länger zurück; der Link zum Protokoll wird "
            "nicht mehr angeboten."
        ),
    )


class AttendanceView(ConferenceMixin, FormView):
    """Per invitation: present or not, and who attended; counts per R2 category."""

    permission_required = "conferences.change_conference"
    template_name = "conferences/minutes/attendance.html"
    form_class = AttendanceForm
    request: AuthenticatedHttpRequest

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "invitations": minutes_services.attendance_invitations(self.get_conference()),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        return super().get_context_data(
            closed=minutes_services.recording_closed_reason(conference),
            summary=minutes_services.attendance_summary(conference.invitations.all()),
            **kwargs,
        )

    def form_valid(self, form: AttendanceForm) -> HttpResponse:
        try:
            minutes_services.record_attendance(
                self.get_conference(), attendance=form.attendance(), by=self.request.user
            )
        except ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request, _("Anwesenheit gespeichert; die Konferenz gilt als durchgeführt.")
        )
        return redirect("conferences:attendance", pk=self.get_conference().pk)


class MinutesView(ConferenceMixin, TemplateView):
    """The current version with its comments, and every earlier version."""

    permission_required = "conferences.view_conference"
    template_name = "conferences/minutes/detail.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        versions = list(
            conference.minutes_versions.select_related("approved_by").order_by("-version")
        )
        current = versions[0] if versions else None
        context: dict[str, Any] = {
            "versions": versions,
            "current": current,
            "closed": minutes_services.recording_closed_reason(conference),
            "held": conference.status == ConferenceStatus.HELD,
        }
        if current is not None:
            current.conference = conference
            context.update(minutes_services.minutes_context(current))
            context.pop("conference")  # ConferenceMixin adds it
            context["comments"] = list(current.comments.select_related("invitation__agency"))
            context["open_comments"] = sum(1 for c in context["comments"] if not c.resolved_at)
            context["deadline_passed"] = bool(
                current.comment_deadline and current.comment_deadline <= timezone.now()
            )
            context["resolve_form"] = ResolveCommentForm()
        return super().get_context_data(**context, **kwargs)


class _MinutesChangeMixin(ConferenceMixin):
    permission_required = "conferences.change_conference"

    def current(self) -> Minutes | None:
        return minutes_services.current_minutes(self.get_conference())

    def back(self) -> HttpResponseRedirect:
        return redirect("conferences:minutes", pk=self.get_conference().pk)


class MinutesEditView(_MinutesChangeMixin, TemplateView):
    """Writes the draft per agenda item; the first visit after the conference creates it."""

    template_name = "conferences/minutes/edit.html"
    request: AuthenticatedHttpRequest

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        conference = self.get_conference()
        current = self.current()
        if current is None:
            reason = minutes_services.recording_closed_reason(conference)
            if reason or conference.status != ConferenceStatus.HELD:
                # GET never writes: show why there is nothing to edit yet.
                return self.render_to_response(
                    self.get_context_data(
                        closed=reason
                        or _(
                            "Bitte erfassen Sie zuerst die Anwesenheit; danach kann "
                            "das Protokoll geschrieben werden."
                        )
                    )
                )
            return self.render_to_response(self.get_context_data(start_needed=True))
        if current.is_approved:
            messages.error(
                request,
                _(
                    "Das Protokoll ist freigegeben und kann nicht mehr "
                    "geändert werden. Für eine Korrektur legen Sie bitte eine "
                    "neue Fassung an."
                ),
            )
            return self.back()
        return self.render_to_response(
            self.get_context_data(form=MinutesForm(minutes=current), minutes=current)
        )

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        conference = self.get_conference()
        try:
            if "start" in request.POST:
                minutes_services.get_or_create_draft(conference, by=request.user)
                return redirect("conferences:minutes_edit", pk=conference.pk)
            current = self.current()
            if current is None:
                raise ConferenceError(_("Es gibt noch keinen Protokollentwurf."))
            form = MinutesForm(request.POST, minutes=current)
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(form=form, minutes=current), status=400
                )
            try:
                _minutes, made = save_minutes_with_actions(
                    current,
                    notes=form.cleaned_data["notes"],
                    entries=form.entries(),
                    proposals=form.proposals(),
                    by=request.user,
                )
            except ConferenceError as error:
                # Nothing was saved: the form keeps what was typed.
                form.add_error(None, str(error))
                return self.render_to_response(
                    self.get_context_data(form=form, minutes=current), status=400
                )
        except ConferenceError as error:
            messages.error(request, str(error))
            return self.back()
        messages.success(request, _("Protokollentwurf gespeichert."))
        if made:
            messages.success(
                request,
                ngettext(
                    "%(n)d Maßnahme in die Beschlusskontrolle übernommen.",
                    "%(n)d Maßnahmen in die Beschlusskontrolle übernommen.",
                    len(made),
                )
                % {"n": len(made)},
            )
        return self.back()


class MinutesCirculateView(_MinutesChangeMixin, FormView):
    template_name = "conferences/minutes/circulate.html"
    form_class = CirculateForm
    request: AuthenticatedHttpRequest

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "conference": self.get_conference()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        attending = minutes_services.attending_invitations(conference)
        return super().get_context_data(
            minutes=self.current(),
            with_address=[i for i in attending if i.recipient_email],
            without_address=[i for i in attending if not i.recipient_email],
            **kwargs,
        )

    def form_valid(self, form: CirculateForm) -> HttpResponse:
        current = self.current()
        try:
            if current is None:
                raise ConferenceError(_("Es gibt noch keinen Protokollentwurf."))
            minutes_services.circulate_minutes(
                current, deadline=form.cleaned_data["deadline"], by=self.request.user
            )
        except ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Der Entwurf wird an die anwesenden Behörden versandt."))
        return self.back()


class CommentResolveView(_MinutesChangeMixin, View):
    http_method_names = ["post"]
    request: AuthenticatedHttpRequest

    def post(self, request: AuthenticatedHttpRequest, pk: int, comment_pk: int) -> HttpResponse:
        comment = get_object_or_404(
            MinutesComment, pk=comment_pk, minutes__conference=self.get_conference()
        )
        form = ResolveCommentForm(request.POST)
        try:
            if not form.is_valid():
                raise ConferenceError(
                    _("Bitte beschreiben Sie kurz, wie der Kommentar erledigt wurde.")
                )
            minutes_services.resolve_comment(
                comment, resolution=form.cleaned_data["resolution"], by=request.user
            )
            messages.success(request, _("Kommentar als erledigt vermerkt."))
        except ConferenceError as error:
            messages.error(request, str(error))
        return self.back()


class MinutesApproveView(_MinutesChangeMixin, TemplateView):
    """GET shows what approval means; POST freezes the version as PDF."""

    template_name = "conferences/minutes/approve.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        current = self.current()
        open_comments = current.comments.filter(resolved_at__isnull=True).count() if current else 0
        return super().get_context_data(minutes=current, open_comments=open_comments, **kwargs)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        current = self.current()
        try:
            if current is None:
                raise ConferenceError(_("Es gibt noch keinen Protokollentwurf."))
            minutes_services.approve_minutes(current, by=request.user)
        except ConferenceError as error:
            messages.error(request, str(error))
            return redirect("conferences:minutes_approve", pk=pk)
        messages.success(request, _("Das Protokoll ist freigegeben und als PDF gespeichert."))
        return self.back()


class MinutesCorrectionView(_MinutesChangeMixin, FormView):
    template_name = "conferences/minutes/correction.html"
    form_class = CorrectionForm
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(minutes=self.current(), **kwargs)

    def form_valid(self, form: CorrectionForm) -> HttpResponse:
        current = self.current()
        try:
            if current is None:
                raise ConferenceError(_("Es gibt noch kein Protokoll."))
            correction = minutes_services.start_correction(
                current, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Fassung %(n)d angelegt; sie ist ein Entwurf.") % {"n": correction.version},
        )
        return redirect("conferences:minutes_edit", pk=self.get_conference().pk)


class MinutesPdfView(ConferenceMixin, View):
    """The frozen PDF of an approved version, exactly as stored."""

    permission_required = "conferences.view_conference"
    request: AuthenticatedHttpRequest

    def get(self, request: AuthenticatedHttpRequest, pk: int, version: int) -> FileResponse:
        minutes = get_object_or_404(
            Minutes,
            conference=self.get_conference(),
            version=version,
            status=MinutesStatus.APPROVED,
        )
        if not minutes.pdf:
            raise Http404
        filename = f"protokoll-{minutes.conference.host.slug}-v{minutes.version}.pdf"
        return FileResponse(
            minutes.pdf.open("rb"), content_type="application/pdf", filename=filename
        )


class MinutesCommentView(SikoPermissionMixin, View):
    public = True
    public_reason = "Attending partner agencies comment on circulated minutes by signed link"

    template_name = "conferences/minutes/comment.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        with scopes_disabled():
            found = minutes_services.resolve_comment_token(token)
            if found is None:
                return render(request, BAD_LINK_TEMPLATE, status=404)
            if found[1].link_expired():
                return _comment_link_expired(request, found[1])
            return self._page(request, *found, CommentForm())

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        with scopes_disabled():
            found = minutes_services.resolve_comment_token(token)
            if found is None:
                return render(request, BAD_LINK_TEMPLATE, status=404)
            invitation, minutes = found
            if minutes.link_expired():
                return _comment_link_expired(request, minutes)
            form = CommentForm(request.POST)
            if not form.is_valid():
                return self._page(request, invitation, minutes, form, status=400)
            try:
                minutes_services.add_comment(
                    minutes, invitation=invitation, text=form.cleaned_data["text"]
                )
            except ConferenceError as error:
                messages.error(request, str(error))
                return self._page(request, invitation, minutes, form, status=409)
        messages.success(
            request,
            _(
                "Vielen Dank. Ihr Kommentar ist eingegangen; die einladende "
                "Behörde berücksichtigt ihn vor der Freigabe."
            ),
        )
        return HttpResponseRedirect(request.path)

    def _page(
        self,
        request: HttpRequest,
        invitation: Invitation,
        minutes: Minutes,
        form: CommentForm | None,
        *,
        status: int = 200,
    ) -> HttpResponse:
        open_ = (
            minutes.status == MinutesStatus.CIRCULATED
            and minutes.comment_deadline
            and timezone.now() <= minutes.comment_deadline
        )
        context = {
            **minutes_services.minutes_context(minutes),
            "invitation": invitation,
            "own_comments": list(minutes.comments.filter(invitation=invitation)),
            "form": form if open_ else None,
            "comments_open": open_,
        }
        return render(request, self.template_name, context, status=status)


class MinutesCommentPdfView(SikoPermissionMixin, View):
    """The approved PDF for an attending agency, through its link."""

    public = True
    public_reason = "Attending partner agencies download the approved minutes by signed link"

    def get(self, request: HttpRequest, token: str) -> HttpResponse | FileResponse:
        with scopes_disabled():
            found = minutes_services.resolve_comment_token(token)
            if found is not None and found[1].link_expired():
                return _comment_link_expired(request, found[1])
            if found is None or not found[1].is_approved or not found[1].pdf:
                return render(request, BAD_LINK_TEMPLATE, status=404)
            minutes = found[1]
            filename = f"protokoll-{minutes.conference.host.slug}-v{minutes.version}.pdf"
            return FileResponse(
                minutes.pdf.open("rb"), content_type="application/pdf", filename=filename
            )
