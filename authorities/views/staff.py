"""Staff accounts: the administration's CSV import and the setup link of a new account.

The import works like the partner import (upload → preview → confirm): the preview carries the
file in a signed field bound to the administrator, confirming checks every row again.
"""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.forms import SetPasswordForm
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from authorities.accounts import SETUP_LINK_HOURS, AccountLinkError, user_for_setup_token
from authorities.forms.csv_import import CsvUploadForm
from authorities.requests import AuthenticatedHttpRequest
from authorities.staff_import import (
    STAFF_COLUMNS,
    StaffImportError,
    StaffImportPreview,
    StaffRole,
    apply_staff_import,
    parse_staff_csv,
)
from siko.views_base import SikoPermissionMixin

IMPORT_SALT = "authorities.staff-import"
IMPORT_MAX_AGE = 60 * 60


# The same upload field, size check and button as the partner import.
StaffImportForm = CsvUploadForm


class StaffImportView(SikoPermissionMixin, View):
    """GET: the upload form and the format. POST: a file gives the preview, a token applies it."""

    request: AuthenticatedHttpRequest
    permission_required = "authorities.import_staff"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return self.upload_page(StaffImportForm())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if "token" in request.POST:
            return self.confirm(request.POST["token"])
        form = StaffImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.upload_page(form)
        data = form.cleaned_data["file"].read()
        preview = parse_staff_csv(data)
        if preview.file_errors:
            return self.upload_page(form, errors=preview.file_errors)
        token = signing.dumps(
            {"user": request.user.pk, "csv": data.decode("utf-8-sig")},
            salt=IMPORT_SALT,
            compress=True,
        )
        context = {"preview": preview, "token": token}
        return render(request, "authorities/staff/import_preview.html", context)

    def confirm(self, token: str) -> HttpResponse:
        try:
            payload = signing.loads(token, salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
        except signing.BadSignature:
            payload = None
        if not isinstance(payload, dict) or payload.get("user") != self.request.user.pk:
            message = _(
                "Die Vorschau ist abgelaufen oder ungültig. Bitte laden Sie die Datei erneut "
                "hoch; es wurde kein Konto angelegt."
            )
            return self.upload_page(StaffImportForm(), errors=[message], status=400)
        preview: StaffImportPreview = parse_staff_csv(str(payload.get("csv", "")).encode())
        try:
            created = apply_staff_import(preview, by=self.request.user)
        except StaffImportError as error:
            return self.upload_page(StaffImportForm(), errors=[str(error)], status=400)
        messages.success(
            self.request,
            _(
                "%(count)s Konto/Konten angelegt. Jede Person erhält eine E-Mail mit einem Link, "
                "der %(hours)s Stunden gilt."
            )
            % {"count": len(created), "hours": SETUP_LINK_HOURS},
        )
        return HttpResponseRedirect(reverse("authorities:staff_import"))

    def upload_page(
        self, form: StaffImportForm, *, errors: list[str] | None = None, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "file_errors": errors or [],
            "columns": STAFF_COLUMNS,
            "roles": StaffRole.choices,
        }
        return render(self.request, "authorities/staff/import.html", context, status=status)


class AccountSetupForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", gettext_lazy("Passwort festlegen")))


class AccountSetupView(SikoPermissionMixin, View):
    """The link from the mail: GET shows the form (mail scanners open links), POST sets the
    password once and leads on to the second factor."""

    public = True
    public_reason = "Einmal-Link aus der Mail an ein neues Konto"
    template_name = "authorities/staff/setup.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.account = user_for_setup_token(kwargs["token"])
        except AccountLinkError as error:
            context = {"message": str(error)}
            return render(
                request, "authorities/staff/setup_invalid.html", context, status=error.status
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self.page(AccountSetupForm(self.account))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        form = AccountSetupForm(self.account, request.POST)
        if not form.is_valid():
            return self.page(form)
        user = form.save()
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Ihr Passwort ist gespeichert. Richten Sie jetzt den zweiten Faktor ein."),
        )
        return HttpResponseRedirect(reverse("otp_setup"))

    def page(self, form: AccountSetupForm) -> HttpResponse:
        context = {"form": form, "account": self.account}
        return render(self.request, self.template_name, context)
