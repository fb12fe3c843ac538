from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.annual_report import collect_report_data, render_annual_report

EARLIEST_YEAR = 2019  # the first report covers 2018/2019 after the decree of 6 December 2018


class Command(BaseCommand):
    help = "Jahresbericht der Sicherheitskonferenzen als PDF (DESIGN §6)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", required=True, help="Berichtsjahr Y, z. B. 2026 (zählt Y-1)")
        parser.add_argument("--output", required=True, help="Zieldatei, z. B. bericht.pdf")
        parser.add_argument("--final", action="store_true", help="ohne ENTWURF-Kennzeichen")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = int(options["year"])
        except ValueError:
            raise CommandError(f"Ungültiges Jahr: {options['year']!r}.", returncode=2) from None
        latest = timezone.localdate().year + 1
        if not EARLIEST_YEAR <= year <= latest:
            raise CommandError(
                f"Jahr {year} liegt außerhalb der Daten ({EARLIEST_YEAR}–{latest}).", returncode=2
            )
        output = Path(options["output"])
        if output.is_dir() or not output.parent.is_dir():
            raise CommandError(f"Zieldatei nicht beschreibbar: {output}.", returncode=2)
        pdf = render_annual_report(collect_report_data(year), draft=not options["final"])
        try:
            output.write_bytes(pdf)
        except OSError as error:
            raise CommandError(
                f"Zieldatei nicht beschreibbar: {output} ({error.strerror}).", returncode=2
            ) from None
        self.stdout.write(f"Bericht {year} geschrieben: {output} ({len(pdf)} Bytes).")
