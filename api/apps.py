from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Programmschnittstelle (API)")

    def ready(self) -> None:
        from api import extensions, permissions  # noqa: F401 - registers rules and schema parts
