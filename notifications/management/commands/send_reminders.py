from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.reminders import run_reminder_job


class Command(BaseCommand):
    help = (
        "Versendet die heute fälligen Erinnerungen (sonst täglich um "
        f"{settings.SIKO_REMINDER_TIME:%H:%M} Uhr durch Celery beat). Jede Erinnerung geht "
        "höchstens einmal hinaus; ein erneuter Aufruf sendet nichts doppelt."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = run_reminder_job()
        self.stdout.write(
            f"Erinnerungen: {run.sent} versendet, {run.cancelled} als überholt verworfen."
        )
