"""The second factor (TOTP, django-otp) for police and state users."""

from base64 import b32encode
from io import BytesIO
from typing import Any

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
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

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


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=gettext_lazy("Wiederherstellungscode"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("use_recovery_code", _("Mit Wiederherstellungscode anmelden")))

    def clean_recovery_code(self) -> str:
        return "".join(self.cleaned_data["recovery_code"].split()).lower()


RECOVERY_CODE_COUNT = 10
FRESH_CODES_KEY = "siko_fresh_recovery_codes"


def new_recovery_codes(request: HttpRequest) -> list[str]:
    """Replaces the user's recovery codes with RECOVERY_CODE_COUNT new ones; the page after
    shows them once (they stay in the session until then, never in the database as text)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=request.user, defaults={"name": _("Wiederherstellungscodes")}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    request.session[FRESH_CODES_KEY] = codes
    return codes


def has_second_factor(user: Any) -> bool:
    """An app or a passkey is set up (recovery codes alone are no second factor)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


WRONG_CODE = gettext_lazy("Der Code ist falsch oder abgelaufen.")
THROTTLED = gettext_lazy(
    "Zu viele falsche Codes hintereinander. Warten Sie einen Moment und geben Sie dann den "
    "aktuellen Code ein."
)
WRONG_RECOVERY_CODE = gettext_lazy(
    "Dieser Wiederherstellungscode ist falsch oder wurde schon benutzt."
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
    """After the password: the current code from the app, a passkey or one recovery code
    confirms the login."""

    permission_required = "siko.view_home"
    template_name = "registration/otp_verify.html"

    def _device(self, request: HttpRequest) -> TOTPDevice | None:
        return TOTPDevice.objects.filter(user=request.user, confirmed=True).first()

    def _page(
        self,
        request: HttpRequest,
        form: TokenForm | None = None,
        recovery_form: RecoveryCodeForm | None = None,
    ) -> HttpResponse:
        context = {
            "form": form or TokenForm(),
            "recovery_form": recovery_form or RecoveryCodeForm(),
            "has_app": self._device(request) is not None,
            "has_passkey": WebAuthnCredential.objects.filter(
                user=request.user, confirmed=True
            ).exists(),
            "next": _next_url(request),
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        # Signed in (SikoPermissionMixin): OTPMiddleware installed is_verified.
        if request.user.is_authenticated and request.user.is_verified():
            return redirect(_next_url(request))
        if not has_second_factor(request.user):
            return redirect("otp_setup")
        return self._page(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not has_second_factor(request.user):
            return redirect("otp_setup")
        if "recovery_code" in request.POST:
            return self._use_recovery_code(request)
        device = self._device(request)
        form = TokenForm(request.POST)
        if device is not None and _check_token(device, form):
            otp_login(request, device)
            return redirect(_next_url(request))
        if device is None:
            form.add_error(None, _("Für Ihr Konto ist keine Authenticator-App eingerichtet."))
        return self._page(request, form=form)

    def _use_recovery_code(self, request: HttpRequest) -> HttpResponse:
        """A recovery code works once: django-otp's static device deletes it when used."""
        form = RecoveryCodeForm(request.POST)
        device = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
        if form.is_valid():
            if device is None:
                form.add_error("recovery_code", WRONG_RECOVERY_CODE)
            elif not device.verify_is_allowed()[0]:
                form.add_error("recovery_code", THROTTLED)
            elif not device.verify_token(form.cleaned_data["recovery_code"]):
                form.add_error("recovery_code", WRONG_RECOVERY_CODE)
            else:
                otp_login(request, device)
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "Sie haben sich mit einem Wiederherstellungscode angemeldet; es sind noch "
                        "%(left)s Codes übrig. Richten Sie Ihre App oder Ihren Passkey neu ein, "
                        "wenn Sie sie verloren haben."
                    )
                    % {"left": left},
                )
                return redirect(_next_url(request))
        return self._page(request, recovery_form=form)


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
        # Imported here: only this page draws a QR code, every process would pay for it at start.
        import qrcode
        import qrcode.image.svg

        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        buffer = BytesIO()
        image.save(buffer)
        svg = buffer.getvalue().decode()
        svg = svg[svg.index("<svg") :]  # drop the XML declaration: the SVG sits inside HTML
        secret = b32encode(device.bin_key).decode()
        return {"form": form, "qr_svg": svg, "secret": secret}

    def get(self, request: HttpRequest) -> HttpResponse:
        if has_second_factor(request.user):
            return redirect("otp_verify")
        context = self._context(self._device(request), TokenForm())
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        if has_second_factor(request.user):
            return redirect("otp_verify")
        device = self._device(request)
        form = TokenForm(request.POST)
        if _check_token(device, form):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            new_recovery_codes(request)
            messages.success(request, _("Der zweite Faktor ist eingerichtet."))
            return redirect("otp_manage")
        return render(request, self.template_name, self._context(device, form))


class ManageView(SikoPermissionMixin, View):
    """The second factor of one's own account: the new recovery codes once, how many are
    left, new codes, passkeys (registered with django-otp-webauthn's script)."""

    permission_required = "siko.manage_second_factor"
    template_name = "registration/otp_manage.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        fresh = request.session.pop(FRESH_CODES_KEY, None)
        if fresh is None and has_second_factor(request.user):
            if not StaticDevice.objects.filter(user=request.user).exists():
                fresh = new_recovery_codes(request)  # a passkey was the first factor set up
                request.session.pop(FRESH_CODES_KEY)
        device = StaticDevice.objects.filter(user=request.user).first()
        context = {
            "fresh_codes": fresh,
            "codes_left": device.token_set.count() if device else 0,
            "has_app": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
            "passkeys": WebAuthnCredential.objects.filter(user=request.user, confirmed=True),
        }
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not has_second_factor(request.user):
            return redirect("otp_setup")
        new_recovery_codes(request)
        messages.success(
            request, _("Neue Wiederherstellungscodes erzeugt; die alten gelten nicht mehr.")
        )
        return redirect("otp_manage")
