"""Conference documents: the organiser uploads, deletes and announces them; police and state
bodies download them from the conference page, invited agencies through their answer link.

A document is only ever a download: `Content-Disposition: attachment` with the type found in
its content and `X-Content-Type-Options: nosniff`, so that no browser shows or runs it as a
page of SiKo.
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView
from django_scopes import scopes_disabled

from authorities.requests import AuthenticatedHttpRequest
from conferences import uploads
from conferences.forms import DocumentUploadForm
from conferences.models import ConferenceDocument
from conferences.views.partner import linked_invitation
from conferences.views.planning import ConferenceMixin
from siko.downloads import stored_file_download
from siko.views_base import SikoPermissionMixin


def document_response(document: ConferenceDocument) -> FileResponse:
    """The stored file as a download, never displayed inline and never sniffed."""
    return stored_file_download(
        document.file, filename=uploads.download_name(document), content_type=document.content_type
    )


class _DocumentMixin(ConferenceMixin):
    """The document of the URL within the conference (which is resolved inside the scope)."""

    _document: ConferenceDocument

    def get_document(self) -> ConferenceDocument:
        if not hasattr(self, "_document"):
            self._document = get_object_or_404(
                ConferenceDocument.objects.select_related("conference__host"),
                pk=self.kwargs["document_pk"],
                conference=self.get_conference(),
            )
        return self._document


class DocumentsView(ConferenceMixin, FormView):
    """Upload a document and manage the conference's documents."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/uploads/manage.html"
    form_class = DocumentUploadForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        return super().get_context_data(
            documents=list(
                ConferenceDocument.objects.filter(conference=conference)
                .select_related("uploaded_by")
                .order_by("uploaded_at", "pk")
            ),
            announced_to=uploads.announced_invitations(conference).count(),
            **kwargs,
        )

    def form_valid(self, form: DocumentUploadForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            result = uploads.upload_document(
                self.get_conference(),
                upload=data["file"],
                title=data["title"],
                visibility=data["visibility"],
                by=self.request.user,
            )
        except uploads.DocumentError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        if result.created:
            messages.success(
                self.request,
                _("Die Unterlage „%(title)s“ ist gespeichert.") % {"title": result.document.title},
            )
        else:
            messages.info(
                self.request,
                _("Diese Datei ist bereits als „%(title)s“ gespeichert; nichts wurde geändert.")
                % {"title": result.document.title},
            )
        return HttpResponseRedirect(self.request.path)

    def form_invalid(self, form: DocumentUploadForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DocumentDownloadView(_DocumentMixin, View):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
        return document_response(self.get_document())


class DocumentDeleteView(_DocumentMixin, TemplateView):
    """GET asks, POST deletes."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/uploads/delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(document=self.get_document(), **kwargs)

    def post(self, request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
        try:
            document = self.get_document()
        except Http404:
            # A second click on "Endgültig löschen": the document is gone already.
            messages.info(request, _("Die Unterlage ist bereits gelöscht."))
            return redirect("conferences:documents", pk=self.get_conference().pk)
        title = document.title
        try:
            uploads.delete_document(document, by=self.request.user)
        except uploads.ConferenceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Die Unterlage „%(title)s“ ist gelöscht.") % {"title": title}
            )
        return redirect("conferences:documents", pk=self.get_conference().pk)


class DocumentAnnounceView(_DocumentMixin, View):
    """POST: „Dokument an alle Eingeladenen ankündigen“ (once per agency)."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
        document = self.get_document()
        try:
            queued = uploads.announce_document(document, by=self.request.user)
        except uploads.ConferenceError as error:
            messages.error(request, str(error))
        else:
            if queued:
                messages.success(
                    request,
                    ngettext(
                        "Die Unterlage „%(title)s“ wird %(count)d eingeladenen Behörde "
                        "angekündigt.",
                        "Die Unterlage „%(title)s“ wird %(count)d eingeladenen Behörden "
                        "angekündigt.",
                        queued,
                    )
                    % {"title": document.title, "count": queued},
                )
            else:
                messages.info(
                    request,
                    _(
                        "Die Unterlage „%(title)s“ ist allen Eingeladenen bereits angekündigt; "
                        "es wurde keine weitere Mail versendet."
                    )
                    % {"title": document.title},
                )
        return redirect("conferences:documents", pk=self.get_conference().pk)


class PartnerDocumentView(SikoPermissionMixin, View):
    """An invited agency downloads a document of its own conference through its answer link."""

    public = True
    public_reason = "Invited agencies download the conference's documents through their answer link"
    http_method_names = ["get"]

    def get(
        self, request: HttpRequest, token: str, document_pk: int
    ) -> HttpResponse | FileResponse:
        with scopes_disabled():
            invitation = linked_invitation(request, token)
            if isinstance(invitation, HttpResponse):
                return invitation
            document = (
                uploads.partner_documents(invitation.conference).filter(pk=document_pk).first()
            )
            if document is None:
                raise Http404
            return document_response(document)
