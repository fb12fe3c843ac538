from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationsConfig(AppConfig):
    name = "cooperations"
    verbose_name = _("Kooperationsstrukturen")

    def ready(self) -> None:
        # Registers the rules permissions of this app.
        from cooperations import permissions  # noqa: F401
