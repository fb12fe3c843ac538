from typing import Any

from django.core.management.base import BaseCommand

from authorities.seeding import seed_nrw


class Command(BaseCommand):
    help = "Lädt die 47 Kreispolizeibehörden und das Partnerverzeichnis NRW (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_nrw()
        self.stdout.write(
            f"seed_nrw: {result.created} neu, {result.updated} geändert, "
            f"{result.unchanged} unverändert."
        )
