from typing import Any

from django.core.management.base import BaseCommand

from notifications.tasks import sweep_outbox


class Command(BaseCommand):
    help = (
        "Stellt hängengebliebene Mails erneut zu (sonst minütlich durch Celery beat). Im "
        "eingebetteten Betrieb ohne Redis per cron aufrufen, damit Wiederholungen nach "
        "vorübergehenden Fehlern hinausgehen."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_outbox()
        self.stdout.write(
            f"Postausgang: {len(result.recovered)} unterbrochene Mails wieder eingereiht, "
            f"{len(result.given_up)} aufgegeben, {len(result.enqueued)} erneut übergeben."
        )
