from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SikoConfig(AppConfig):
    name = "siko"
    verbose_name = _("SiKo Grundfunktionen")

    def ready(self) -> None:
        # Registers the rules permissions and connects the login-time signal receiver.
        from siko import accounts, permissions  # noqa: F401
