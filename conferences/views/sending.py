"""The sending progress of a conference's invitation mails, polled by htmx."""

from typing import Any

from django.views.generic import TemplateView

from authorities.requests import AuthenticatedHttpRequest
from conferences import sending
from conferences.views.planning import ConferenceMixin
from siko.polling import next_poll


class SendProgressView(ConferenceMixin, TemplateView):
    """ "123 von 250 versendet"; the fragment stops polling once every mail is sent or failed."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    template_name = "conferences/invitation/_send_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            progress=sending.progress(self.get_conference()),
            **next_poll(self.request),
            **kwargs,
        )
