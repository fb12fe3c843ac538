"""The second factor (TOTP, django-otp) for police and state users."""

from base64 import b32encode
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from siko.views_base import SikoPermissionMixin


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Sechsstelliger Code aus der Authenticator-App"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the templates own the <form> (hidden "next", CSRF)
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("submit", _("Bestätigen")))

    def clean_token(self) -> str:
        # Apps show the code as "123 456"; people type it that way.
        token = "".join(self.cleaned_data["token"].split())
        if len(token) != 6 or not token.isdigit():
            raise forms.ValidationError(_("Bitte geben Sie die sechs Ziffern des Codes ein."))
        return token


WRONG_CODE = gettext_lazy("Der Code ist falsch oder abgelaufen.")
THROTTLED = gettext_lazy(
    "Zu viele falsche Codes hintereinander. Warten Sie einen Moment und geben Sie dann den "
    "aktuellen Code ein."
)


def _check_token(device: TOTPDevice, form: TokenForm) -> bool:
    """True when the form's code is valid for the device; otherwise the form carries the reason."""
    if not form.is_valid():
        return False
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        form.add_error("token", THROTTLED)
        return False
    if not device.verify_token(form.cleaned_data["token"]):
        form.add_error("token", WRONG_CODE)
        return False
    return True


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


class VerifyView(SikoPermissionMixin, View):
    """After the password: the current code from the app confirms the login."""

    permission_required = "siko.view_home"
    template_name = "registration/otp_verify.html"

    def _device(self, request: HttpRequest) -> TOTPDevice | None:
        return TOTPDevice.objects.filter(user=request.user, confirmed=True).first()

    def get(self, request: HttpRequest) -> HttpResponse:
        # Signed in (SikoPermissionMixin): OTPMiddleware installed is_verified.
        if request.user.is_authenticated and request.user.is_verified():
            return redirect(_next_url(request))
        if self._device(request) is None:
            return redirect("otp_setup")
        context = {"form": TokenForm(), "next": _next_url(request)}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        device = self._device(request)
        if device is None:
            return redirect("otp_setup")
        form = TokenForm(request.POST)
        if _check_token(device, form):
            otp_login(request, device)
            return redirect(_next_url(request))
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
        svg = buffer.getvalue().decode()
        svg = svg[svg.index("<svg") :]  # drop the XML declaration: the SVG sits inside HTML
        secret = b32encode(device.bin_key).decode()
        return {"form": form, "qr_svg": svg, "secret": secret}

    def get(self, request: HttpRequest) -> HttpResponse:
        if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect("otp_verify")
        context = self._context(self._device(request), TokenForm())
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect("otp_verify")
        device = self._device(request)
        form = TokenForm(request.POST)
        if _check_token(device, form):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Der zweite Faktor ist eingerichtet."))
            return redirect("home")
        return render(request, self.template_name, self._context(device, form))
