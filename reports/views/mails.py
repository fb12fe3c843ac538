"""Failed mails that no conference's mail log shows (overview links, yearly reminders, report
notices): LZPD and administrators see them and send them again (thin view; the outbox does it)."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from authorities.requests import AuthenticatedHttpRequest
from notifications import queue
from siko.views_base import SikoPermissionMixin


class FailedMailsView(SikoPermissionMixin, TemplateView):
    request: AuthenticatedHttpRequest
    permission_required = "notifications.resend_mail"
    template_name = "reports/failed_mails.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            mails=queue.failed_without_conference().order_by("-created", "-pk")[:200], **kwargs
        )

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        raw = request.POST.get("mail", "")
        if raw == "alle":
            ids = list(queue.failed_without_conference().values_list("pk", flat=True))
        elif raw.isdigit():
            ids = list(
                queue.failed_without_conference().filter(pk=int(raw)).values_list("pk", flat=True)
            )
        else:
            ids = []
        count = queue.requeue_failed(ids)
        if count:
            messages.success(
                request,
                _(
                    "%(count)d Mail(s) werden erneut gesendet. Ob sie zugestellt wurden, sehen "
                    "Sie hier in einigen Minuten."
                )
                % {"count": count},
            )
        else:
            messages.warning(
                request,
                _("Diese Mail ist nicht mehr fehlgeschlagen; es wurde nichts erneut gesendet."),
            )
        return redirect("reports:failed_mails")
