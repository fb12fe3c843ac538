from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    """The state-wide exchange of experience (DESIGN R8): good practice of the KPBs."""

    name = "practices"
    verbose_name = _("Erfahrungsaustausch")

    def ready(self) -> None:
        from practices import personal_data

        personal_data.register()
