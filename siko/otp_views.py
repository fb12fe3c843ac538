"""The second factor (TOTP, django-otp) for police and state users."""

from base64 import b32encode
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .views_base import SikoPermissionMixin


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Sechsstelliger Code aus der Authenticator-App"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Bestätigen")))


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


class VerifyView(SikoPermissionMixin, View):
    permission_required = "siko.view_home"
    template_name = "registration/otp_verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect("otp_setup")
        return render(request, self.template_name, {"form": TokenForm(), "next": _next_url(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenForm(request.POST)
        if form.is_valid():
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error("token", _("Der Code ist falsch oder abgelaufen."))
        return render(request, self.template_name, {"form": form, "next": _next_url(request)})


class SetupView(SikoPermissionMixin, View):
    """First login: the user scans a QR code and confirms one code; the device is then active."""

    permission_required = "siko.view_home"
    template_name = "registration/otp_setup.html"

    def _device(self, request: HttpRequest) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        return device or TOTPDevice.objects.create(
            user=request.user, name=_("Authenticator-App"), confirmed=False
        )

    def _context(self, device: TOTPDevice, form: TokenForm) -> dict[str, Any]:
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        buffer = BytesIO()
        image.save(buffer)
        return {"form": form, "qr_svg": buffer.getvalue().decode(), "secret": b32encode(device.bin_key).decode()}

    def get(self, request: HttpRequest) -> HttpResponse:
        if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect("otp_verify")
        return render(request, self.template_name, self._context(self._device(request), TokenForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect("otp_verify")
        device = self._device(request)
        form = TokenForm(request.POST)
        if form.is_valid() and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect("home")
        if form.is_valid():
            form.add_error("token", _("Der Code ist falsch oder abgelaufen."))
        return render(request, self.template_name, self._context(device, form))
