import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.models import Authority
from reports.compliance import STATUS_LABELS, compute_compliance
from reports.selectors import FIRST_YEAR


class Command(BaseCommand):
    help = "Erfüllung der Sicherheitskonferenz-Pflicht je KPB und Jahr (DESIGN §3)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Kalenderjahr, z. B. 2025")
        parser.add_argument("--as-of", dest="as_of", help="Stichtag JJJJ-MM-TT (Standard: heute)")
        parser.add_argument("--authority", help="Kennung einer KPB, z. B. pp-dortmund")
        parser.add_argument("--json", action="store_true", help="Ausgabe als JSON-Liste")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = int(options["year"])
        except ValueError:
            raise CommandError(f"Ungültiges Jahr: {options['year']!r}.", returncode=2) from None
        as_of = None
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"Ungültiges Datum: {options['as_of']!r} (erwartet JJJJ-MM-TT).", returncode=2
                ) from None
        latest = (as_of or timezone.localdate()).year + 1
        if not FIRST_YEAR <= year <= latest:
            raise CommandError(
                f"Jahr {year} liegt außerhalb der Daten ({FIRST_YEAR}–{latest}).", returncode=2
            )
        authorities = None
        if options["authority"]:
            with scopes_disabled():
                authorities = list(Authority.objects.filter(slug=options["authority"]))
            if not authorities:
                raise CommandError(f"Unbekannte KPB: {options['authority']!r}.", returncode=2)
        records = compute_compliance([year], authorities=authorities, as_of=as_of)
        if options["json"]:
            self.stdout.write(
                json.dumps([r.as_dict() for r in records], ensure_ascii=False, indent=2)
            )
            return
        for record in records:
            ap = (
                f" | Siko-AP: {STATUS_LABELS[record.siko_ap_status]}"
                if record.siko_ap_status
                else ""
            )
            self.stdout.write(
                f"{record.authority_name:<45} {STATUS_LABELS[record.status]:<14}"
                f"{', '.join(record.siko_dates) or '–'}{ap}"
            )
