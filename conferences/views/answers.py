"""The organiser's side of the answers: live overview, answers received by phone or letter,
participants list as CSV and PDF."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from authorities.requests import AuthenticatedHttpRequest
from conferences import reminders, services
from conferences.documents import exports
from conferences.enums import AnswerChannel
from conferences.forms import RecordAnswerForm
from conferences.models import Conference, Invitation
from conferences.views.planning import ConferenceMixin

# Each poll renews the session; polling stops after 20 minutes so that an unattended page does
# not keep a session alive forever (the idle timeout is 30 minutes).
MAX_POLLS = 40


class AnswersPanelView(ConferenceMixin, TemplateView):
    """The answers panel alone: the conference page reloads it every 30 seconds (htmx)."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    template_name = "conferences/answers/panel.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            polls = max(0, int(self.request.GET.get("n", "0")))
        except ValueError:
            polls = 0
        return super().get_context_data(
            **exports.answers_context(self.get_conference()),
            poll_next=polls + 1,
            polling_stopped=polls >= MAX_POLLS,
            **kwargs,
        )


class RecordAnswerView(ConferenceMixin, FormView):
    """The organiser records an answer that came by phone, letter or e-mail."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/answers/record.html"
    form_class = RecordAnswerForm
    _invitation: Invitation

    def get_invitation(self) -> Invitation:
        if not hasattr(self, "_invitation"):
            self._invitation = get_object_or_404(
                Invitation.objects.select_related("agency"),
                pk=self.kwargs["invitation_pk"],
                conference=self.get_conference(),
            )
        return self._invitation

    def get_initial(self) -> dict[str, Any]:
        invitation = self.get_invitation()
        if not invitation.is_answered:
            return {}
        return {
            "state": invitation.state,
            "comment": invitation.comment,
            "delegate_name": invitation.delegate_name,
            "delegate_function": invitation.delegate_function,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            invitation=self.get_invitation(),
            closed=services.answer_closed_reason(self.get_conference()),
            **kwargs,
        )

    def form_valid(self, form: RecordAnswerForm) -> HttpResponse:
        data = form.cleaned_data
        invitation = self.get_invitation()
        try:
            services.record_answer(
                invitation,
                state=data["state"],
                via=data["via"],
                comment=data["comment"],
                delegate_name=data["delegate_name"],
                delegate_function=data["delegate_function"],
                by=self.request.user,
            )
        except services.ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        recorded = {"agency": invitation.agency.name, "via": AnswerChannel(data["via"]).label}
        messages.success(self.request, _("Antwort von %(agency)s erfasst (%(via)s).") % recorded)
        return HttpResponseRedirect(self.get_conference().get_absolute_url())


class RemindNowView(ConferenceMixin, View):
    """POST: "Erinnerung jetzt senden" to the chosen invitees without an answer."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        conference = self.get_conference()
        chosen = request.POST.getlist("invitation")
        ids = [int(value) for value in chosen if value.isdigit()]
        back = HttpResponseRedirect(conference.get_absolute_url() + "#remind-heading")
        if len(ids) != len(chosen):
            messages.error(request, _("Die Auswahl ist ungültig. Bitte wählen Sie erneut."))
            return back
        try:
            result = reminders.remind_now(conference, invitation_ids=ids, by=self.request.user)
        except services.ConferenceError as error:
            messages.error(request, str(error))
            return back
        if result.reminded:
            messages.success(
                request,
                ngettext(
                    "Erinnerung an %(count)d Behörde versendet: %(names)s.",
                    "Erinnerung an %(count)d Behörden versendet: %(names)s.",
                    len(result.reminded),
                )
                % {"count": len(result.reminded), "names": ", ".join(result.reminded)},
            )
        if result.already_today:
            messages.warning(
                request,
                _(
                    "Heute bereits erinnert, daher nicht noch einmal: %(names)s. Eine Behörde "
                    "wird höchstens einmal am Tag erinnert."
                )
                % {"names": ", ".join(result.already_today)},
            )
        if result.without_address:
            messages.warning(
                request,
                _("Ohne E-Mail-Adresse, bitte telefonisch oder per Brief erinnern: %(names)s.")
                % {"names": ", ".join(result.without_address)},
            )
        return back


def _filename(conference: Conference, extension: str) -> str:
    day = timezone.localtime(conference.start).strftime("%Y-%m-%d")
    return f"teilnehmende-{conference.host.slug}-{day}.{extension}"


class _ParticipantsExportView(ConferenceMixin, View):
    """The conference's participant list as a file: `render` makes its bytes."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    content_type: str
    extension: str
    disposition: str  # "attachment" (save) or "inline" (show in the browser)

    def render(self, conference: Conference) -> bytes:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        conference = self.get_conference()
        response = HttpResponse(self.render(conference), content_type=self.content_type)
        filename = _filename(conference, self.extension)
        response["Content-Disposition"] = f'{self.disposition}; filename="{filename}"'
        return response


class ParticipantsCsvView(_ParticipantsExportView):
    content_type = "text/csv; charset=utf-8"
    extension = "csv"
    disposition = "attachment"

    def render(self, conference: Conference) -> bytes:
        return exports.render_participants_csv(conference)


class ParticipantsPdfView(_ParticipantsExportView):
    content_type = "application/pdf"
    extension = "pdf"
    disposition = "inline"

    def render(self, conference: Conference) -> bytes:
        return exports.render_participants_pdf(conference)
