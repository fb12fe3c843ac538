"""CSV import (upload → preview → confirm) and export of the partner directory.

The uploaded file is not stored: the preview page carries its text in a signed, compressed
form field (salted, valid for an hour, bound to the user). Confirming re-checks every row
against the directory as it is then, so the confirmation can never write more than a fresh
preview would show.
"""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from authorities.csv_io import (
    MAX_BYTES,
    MAX_ROWS,
    ImportPreview,
    apply_partner_import,
    export_partner_csv,
    parse_partner_csv,
)
from authorities.enums import PartnerCategory
from authorities.models import PartnerAgency
from authorities.requests import AuthenticatedHttpRequest
from authorities.services import DirectoryError
from siko.views_base import SikoPermissionMixin

TOKEN_SALT = "authorities.partner-import"
TOKEN_MAX_AGE = 60 * 60


class PartnerImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV-Datei"),
        help_text=gettext_lazy("UTF-8, Trennzeichen Semikolon oder Komma, höchstens 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", gettext_lazy("Vorschau anzeigen")))

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Die Datei ist zu groß (höchstens 2 MB). Bitte teilen Sie sie auf.")
            )
        return upload


class PartnerImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("confirm", gettext_lazy("Import bestätigen")))


class PartnerImportView(SikoPermissionMixin, View):
    """GET: the upload form and the format. POST: a file gives the preview, a token applies it."""

    request: AuthenticatedHttpRequest
    permission_required = "authorities.import_partners"
    upload_template = "authorities/partner/import.html"
    preview_template = "authorities/partner/import_preview.html"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return self.render_upload(PartnerImportUploadForm())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if "token" in request.POST:
            return self.confirm(request)
        form = PartnerImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_upload(form)
        data = form.cleaned_data["file"].read()
        preview = parse_partner_csv(data, user=request.user)
        if preview.file_errors:
            return self.render_upload(form, file_errors=preview.file_errors)
        token = signing.dumps(
            {"user": request.user.pk, "csv": data.decode("utf-8-sig")},
            salt=TOKEN_SALT,
            compress=True,
        )
        return self.render_preview(preview, PartnerImportConfirmForm(initial={"token": token}))

    def confirm(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            payload = signing.loads(request.POST["token"], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
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
        preview = parse_partner_csv(payload["csv"].encode("utf-8"), user=request.user)
        try:
            result = apply_partner_import(preview, by=request.user)
        except DirectoryError as error:
            return self.reject(str(error))
        messages.success(
            request,
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
            messages.warning(request, failure)
        return HttpResponseRedirect(reverse("authorities:partner_list"))

    def reject(self, message: str) -> HttpResponse:
        return self.render_upload(PartnerImportUploadForm(), file_errors=[message], status=400)

    def render_upload(
        self,
        form: PartnerImportUploadForm,
        *,
        file_errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "form": form,
            "file_errors": file_errors or [],
            "categories": PartnerCategory.choices,
            "max_rows": MAX_ROWS,
        }
        return render(self.request, self.upload_template, context, status=status)

    def render_preview(
        self, preview: ImportPreview, form: PartnerImportConfirmForm
    ) -> HttpResponse:
        return render(self.request, self.preview_template, {"preview": preview, "form": form})


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
