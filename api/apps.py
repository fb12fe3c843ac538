from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Programmschnittstelle (API)")

    def ready(self) -> None:
        # The schema's parts (api.extensions) register with the schema views (api.views_schema),
        # not here: drf-spectacular costs every process's start-up 0.2–0.4 s otherwise.
        from api import permissions  # noqa: F401 - registers the rules
