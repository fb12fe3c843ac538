"""Konferenz nachtragen: KPB staff enter a conference held outside SiKo (thin view)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from conferences.forms import ConferenceForm
from conferences.services import ConferenceError
from conferences.views.planning import ConferenceCreateView
from followup.forms.records import ConferenceRecordForm
from followup.records import record_past_conference


class ConferenceRecordView(ConferenceCreateView):
    """The host is the user's own authority, as when planning (ConferenceCreateView)."""

    template_name = "conferences/conference/record.html"
    form_class = ConferenceRecordForm

    def form_valid(self, form: ConferenceForm) -> HttpResponse:
        assert isinstance(form, ConferenceRecordForm)  # form_class
        upload = form.cleaned_data["minutes_pdf"]
        try:
            conference = record_past_conference(
                host=self.get_host(),
                data={k: form.cleaned_data[k] for k in ("kind", "title", "start", "end", "place")},
                co_hosts=form.cleaned_data["co_hosts"],
                topics=form.cleaned_data["topics"],
                free_titles=form.cleaned_data["free_items"],
                attendance=form.attendance(),
                minutes_pdf=upload.read() if upload else None,
                by=self.request.user,
            )
        except ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Die Konferenz ist nachgetragen und zählt als durchgeführt. Es wurde nichts "
                "versendet."
            ),
        )
        return HttpResponseRedirect(conference.get_absolute_url())
