"""CSV import (upload → preview → confirm) and export of the partner directory, and the
import's view that the cooperation structures' import shares (CsvImportView).

The uploaded file is not stored: the preview page carries its text in a signed, compressed
form field (salted, valid for an hour, bound to the user). Confirming re-checks every row
against the data as they are then, so the confirmation can never write more than a fresh
preview would show.
"""

from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.core import signing
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from authorities.csv_io import (
    MAX_ROWS,
    FileReport,
    ImportPreview,
    apply_partner_import,
    export_partner_csv,
    parse_partner_csv,
)
from authorities.enums import PartnerCategory
from authorities.forms.csv_import import CsvConfirmForm, CsvUploadForm
from authorities.models import PartnerAgency
from authorities.requests import AuthenticatedHttpRequest
from authorities.services import DirectoryError
from siko.views_base import SikoPermissionMixin

PreviewT = TypeVar("PreviewT", bound=FileReport)


class CsvImportView(SikoPermissionMixin, View, Generic[PreviewT]):
    """GET: the upload form and the format. POST: a file gives the preview, a token applies it.

    A subclass names its templates and the token's salt, reads the file (`parse`) and applies
    the confirmed preview (`apply`)."""

    request: AuthenticatedHttpRequest
    upload_template: str
    preview_template: str
    token_salt: str
    token_max_age = 60 * 60
    #: The status of the upload page that shows the file's errors.
    file_error_status = 200

    def parse(self, data: bytes) -> PreviewT:
        raise NotImplementedError

    def apply(self, preview: PreviewT) -> HttpResponse:
        """Writes the preview; returns the redirect, or `reject` with the service's message."""
        raise NotImplementedError

    def get_upload_context(self) -> dict[str, Any]:
        """What the upload page shows besides the form: the format's allowed values."""
        return {"max_rows": MAX_ROWS}

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return self.render_upload(CsvUploadForm())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if "token" in request.POST:
            return self.confirm(request)
        form = CsvUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_upload(form)
        data = form.cleaned_data["file"].read()
        preview = self.parse(data)
        if preview.file_errors:
            return self.render_upload(
                form, file_errors=preview.file_errors, status=self.file_error_status
            )
        token = signing.dumps(
            {"user": request.user.pk, "csv": data.decode("utf-8-sig")},
            salt=self.token_salt,
            compress=True,
        )
        confirm_form = CsvConfirmForm(initial={"token": token})
        return render(request, self.preview_template, {"preview": preview, "form": confirm_form})

    def confirm(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            payload = signing.loads(
                request.POST["token"], salt=self.token_salt, max_age=self.token_max_age
            )
        except signing.SignatureExpired:
            return self.reject(
                _(
                    "Die Vorschau ist abgelaufen. Bitte laden Sie die Datei erneut "
                    "hoch; es wurde nichts geändert."
                )
            )
        except signing.BadSignature:
            return self.reject(
                _(
                    "Die Vorschau ist ungültig oder wurde verändert. Bitte laden Sie "
                    "die Datei erneut hoch; es wurde nichts geändert."
                )
            )
        if (
            not isinstance(payload, dict)
            or payload.get("user") != request.user.pk
            or not isinstance(payload.get("csv"), str)
        ):
            return self.reject(
                _(
                    "Diese Vorschau gehört nicht zu Ihrer Anmeldung. Bitte laden Sie "
                    "die Datei erneut hoch; es wurde nichts geändert."
                )
            )
        return self.apply(self.parse(payload["csv"].encode("utf-8")))

    def reject(self, message: str) -> HttpResponse:
        return self.render_upload(CsvUploadForm(), file_errors=[message], status=400)

    def render_upload(
        self,
        form: CsvUploadForm,
        *,
        file_errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {"form": form, "file_errors": file_errors or [], **self.get_upload_context()}
        return render(self.request, self.upload_template, context, status=status)


class PartnerImportView(CsvImportView[ImportPreview]):
    """A row with an error is not written; all other rows are."""

    permission_required = "authorities.import_partners"
    upload_template = "authorities/partner/import.html"
    preview_template = "authorities/partner/import_preview.html"
    token_salt = "authorities.partner-import"

    def parse(self, data: bytes) -> ImportPreview:
        return parse_partner_csv(data, user=self.request.user)

    def apply(self, preview: ImportPreview) -> HttpResponse:
        try:
            result = apply_partner_import(preview, by=self.request.user)
        except DirectoryError as error:
            return self.reject(str(error))
        messages.success(
            self.request,
            _(
                "Import abgeschlossen: %(created)s neu angelegt, %(updated)s geändert, "
                "%(unchanged)s unverändert, %(failed)s Zeile(n) nicht übernommen."
            )
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "failed": result.failed,
            },
        )
        for failure in result.failures:
            messages.warning(self.request, failure)
        return HttpResponseRedirect(reverse("authorities:partner_list"))

    def get_upload_context(self) -> dict[str, Any]:
        return {**super().get_upload_context(), "categories": PartnerCategory.choices}


class PartnerExportView(SikoPermissionMixin, View):
    """The directory as CSV in the import format: a KPB gets its area, state bodies everything."""

    request: AuthenticatedHttpRequest
    permission_required = "authorities.view_directory"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        agencies = PartnerAgency.objects.all()
        user = request.user
        if user.is_kpb:
            authority = user.authority
            assert authority is not None  # a KPB account has its authority (User's constraint)
            agencies = agencies.filter(coverages__authority=authority)
            scope_name = authority.slug
        else:
            scope_name = "nrw"
        # The byte order mark makes Excel read the file as UTF-8.
        response = HttpResponse(
            "\ufeff" + export_partner_csv(agencies), content_type="text/csv; charset=utf-8"
        )
        filename = f"partnerverzeichnis-{scope_name}-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
