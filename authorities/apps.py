from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthoritiesConfig(AppConfig):
    name = "authorities"
    verbose_name = _("Behörden und Partner")

    def ready(self) -> None:
        from authorities import personal_data

        personal_data.register()
