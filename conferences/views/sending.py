"""The sending progress of a conference's invitation mails, polled by htmx."""

from typing import Any

from django.views.generic import TemplateView

from authorities.requests import AuthenticatedHttpRequest
from conferences import sending
from conferences.views.planning import ConferenceMixin

#: Seconds between two polls of the progress fragment: it slows down the longer it waits.
POLL_DELAYS = (1, 1, 2, 2, 3, 5, 5, 8)


class SendProgressView(ConferenceMixin, TemplateView):
    """ "123 von 250 versendet"; the fragment stops polling once every mail is sent or failed."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    template_name = "conferences/invitation/_send_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            step = max(0, int(self.request.GET.get("n", "0")))
        except ValueError:
            step = 0
        step = min(step + 1, len(POLL_DELAYS) - 1)
        return super().get_context_data(
            progress=sending.progress(self.get_conference()),
            poll_step=step,
            poll_delay=POLL_DELAYS[step],
            **kwargs,
        )
