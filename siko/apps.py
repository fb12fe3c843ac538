from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SikoConfig(AppConfig):
    name = "siko"
    verbose_name = _("SiKo Grundfunktionen")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the rules permissions
