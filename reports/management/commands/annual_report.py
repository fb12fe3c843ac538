from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.annual.report import collect_report_data, render_annual_report
from reports.annual.workflow import ReportError, check_period_over, check_year, last_agreed_outline


class Command(BaseCommand):
    help = (
        "Jahresbericht der Sicherheitskonferenzen als PDF (DESIGN §6), mit der Gliederung des "
        "zuletzt abgestimmten Berichts. Der abgestimmte Ablauf (Entwurf, Einvernehmen des LKA, "
        "Endfassung) läuft in der Anwendung unter /lagebild/jahresberichte/. Der Bericht Y "
        "wertet das abgeschlossene Jahr Y-1 aus und lässt sich daher erst ab dem 1. Januar des "
        "Berichtsjahres Y erzeugen; vorher bricht der Befehl mit Exit-Code 2 ab."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Berichtsjahr Y, z. B. 2026 (zählt Y-1)")
        parser.add_argument("--output", required=True, help="Zieldatei, z. B. bericht.pdf")
        parser.add_argument("--final", action="store_true", help="ohne ENTWURF-Kennzeichen")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = int(options["year"])
        except ValueError:
            raise CommandError(f"Ungültiges Jahr: {options['year']!r}.", returncode=2) from None
        try:
            check_year(year)
            # The report of Y judges Y-1 as of 1 January of Y (collect_report_data): before
            # that day it would judge a year that is still running.
            check_period_over(year)
        except ReportError as error:
            raise CommandError(str(error), returncode=2) from None
        output = Path(options["output"])
        if output.is_dir() or not output.parent.is_dir():
            raise CommandError(f"Zieldatei nicht beschreibbar: {output}.", returncode=2)
        final = options["final"]
        pdf = render_annual_report(
            collect_report_data(year),
            outline=last_agreed_outline(),
            draft=not final,
            status_label="Endfassung" if final else "Entwurf",
        )
        try:
            output.write_bytes(pdf)
        except OSError as error:
            raise CommandError(
                f"Zieldatei nicht beschreibbar: {output} ({error.strerror}).", returncode=2
            ) from None
        self.stdout.write(f"Bericht {year} geschrieben: {output} ({len(pdf)} Bytes).")
