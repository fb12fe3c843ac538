"""Public notices (privacy, accessibility) and the LZPD's page for access and erasure requests."""

import json
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from siko.personal_data import (
    PersonalDataError,
    erase_personal_data,
    export_personal_data,
    log_export,
)
from siko.views_base import SikoPermissionMixin


class PrivacyNoticeView(SikoPermissionMixin, TemplateView):
    public = True
    public_reason = "Datenschutzhinweise nach Art. 13 DSGVO sind für alle lesbar."
    template_name = "siko/privacy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            controller=settings.SIKO_PRIVACY_CONTROLLER,
            dpo=settings.SIKO_PRIVACY_DPO,
            retention_years=settings.SIKO_RETENTION_CONFERENCE_YEARS,
            **kwargs,
        )


class AccessibilityStatementView(SikoPermissionMixin, TemplateView):
    public = True
    public_reason = "Die Erklärung zur Barrierefreiheit (BITV NRW) ist für alle lesbar."
    template_name = "siko/accessibility.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            controller=settings.SIKO_PRIVACY_CONTROLLER,
            contact=settings.SIKO_ACCESSIBILITY_CONTACT,
            **kwargs,
        )


class PersonalDataForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-Mail-Adresse der Person"),
        help_text=gettext_lazy("Groß- und Kleinschreibung spielen keine Rolle."),
    )
    confirm_erase = forms.BooleanField(
        label=gettext_lazy(
            "Ich habe die Berechtigung der Löschung geprüft; die Daten werden unwiderruflich "
            "gelöscht oder pseudonymisiert."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("export", _("Auskunft herunterladen (JSON)")))
        self.helper.add_input(Submit("erase", _("Daten löschen"), css_class="btn-danger ms-2"))


class PersonalDataView(SikoPermissionMixin, FormView):
    """Art. 15 (export as a download) and Art. 17 (erasure) for one address."""

    permission_required = "siko.manage_personal_data"
    template_name = "siko/personal_data.html"
    form_class = PersonalDataForm

    def get_initial(self) -> dict[str, Any]:
        # Linked from a contact's delete page with its address.
        return {"email": self.request.GET.get("email", "")[:254]}

    def form_valid(self, form: PersonalDataForm) -> HttpResponse:
        request = self.request
        by = request.user if isinstance(request.user, AbstractBaseUser) else None
        email = form.cleaned_data["email"]
        try:
            if "erase" in request.POST:
                if not form.cleaned_data["confirm_erase"]:
                    form.add_error(
                        "confirm_erase", _("Bitte bestätigen Sie die Löschung ausdrücklich.")
                    )
                    return self.form_invalid(form)
                counts = erase_personal_data(email, by=by)
                messages.success(
                    request,
                    _("%(total)d Datensätze zu der Adresse wurden gelöscht oder pseudonymisiert.")
                    % {"total": sum(counts.values())},
                )
                return HttpResponseRedirect(reverse("personal_data"))
            data = export_personal_data(email)
            log_export(email, by=by)
        except PersonalDataError as error:
            form.add_error("email", str(error))
            return self.form_invalid(form)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="auskunft-{stamp}.json"'
        return response
