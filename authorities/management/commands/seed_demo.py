from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from authorities.demo import DEMO_PASSWORD, seed_demo_directory, seed_demo_users
from authorities.seeding import seed_nrw


class Command(BaseCommand):
    help = "Legt Demo-Benutzer (einer je Rolle) und fiktive Ansprechpersonen an. Nur für Demos."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Auch bei DEBUG=false ausführen (setzt bekannte Demo-Passwörter!).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo setzt bekannte Passwörter und läuft nur mit DEBUG=true "
                "(oder ausdrücklich mit --allow-production)."
            )
        seed_nrw()
        contacts = seed_demo_directory()
        users = seed_demo_users()
        self.stdout.write(f"seed_demo: {contacts} fiktive Ansprechpersonen ergänzt.")
        self.stdout.write("Demo-Zugänge (Passwort für alle: %s):" % DEMO_PASSWORD)
        for demo in users:
            self.stdout.write(f"  {demo.username:<22} {demo.role}")
