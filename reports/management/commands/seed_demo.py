from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from authorities.demo import DEMO_PASSWORD, seed_demo_directory, seed_demo_users
from authorities.seeding import seed_nrw


class Command(BaseCommand):
    help = "Legt Demo-Benutzer (einer je Rolle) und fiktive Ansprechpersonen an. Nur für Demos."

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo accounts share one published password: they must never exist in production.
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo setzt bekannte Passwörter und läuft nur im Demo-Betrieb (DEBUG=true)."
            )
        seed_nrw()
        contacts = seed_demo_directory()
        users = seed_demo_users()
        from conferences.demo import seed_demo_conferences, seed_demo_documents
        from cooperations.demo import seed_demo_cooperations
        from practices.demo import seed_demo_practices
        from reports.demo import seed_demo_report

        conferences = seed_demo_conferences()
        documents = seed_demo_documents()
        report = seed_demo_report()
        practices = seed_demo_practices()
        cooperations = seed_demo_cooperations()
        self.stdout.write(
            f"seed_demo: {contacts} fiktive Ansprechpersonen ergänzt, "
            f"{conferences} Demo-Konferenzen angelegt"
            + (f", Jahresbericht {report.year} als Entwurf erzeugt." if report else ".")
        )
        self.stdout.write(f"seed_demo: {documents} Konferenzunterlage für Partner angelegt.")
        self.stdout.write(f"seed_demo: {practices} Beispiele guter Praxis angelegt.")
        self.stdout.write(f"seed_demo: {cooperations} Kooperationen angelegt.")
        self.stdout.write(f"Demo-Zugänge (Passwort für alle: {DEMO_PASSWORD}):")
        for demo in users:
            self.stdout.write(f"  {demo.username:<22} {demo.role}")
