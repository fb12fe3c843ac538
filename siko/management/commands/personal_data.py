import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from siko.personal_data import (
    PersonalDataError,
    erase_personal_data,
    export_personal_data,
    log_export,
)


class Command(BaseCommand):
    help = _(
        "Auskunft (Art. 15 DSGVO, --export DATEI.json) oder Löschung (Art. 17 DSGVO, --erase) "
        "der personenbezogenen Daten zu einer E-Mail-Adresse."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help=_("E-Mail-Adresse der Person"))
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--export", metavar="DATEI", help=_("Auskunft als JSON-Datei"))
        action.add_argument(
            "--erase", action="store_true", help=_("Daten löschen oder pseudonymisieren")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["export"]:
                self._export(options["email"], Path(options["export"]))
            else:
                counts = erase_personal_data(options["email"])
                total = sum(counts.values())
                self.stdout.write(
                    _("%(total)d Datensätze gelöscht oder pseudonymisiert: %(counts)s")
                    % {"total": total, "counts": ", ".join(f"{k} {v}" for k, v in counts.items())}
                )
        except PersonalDataError as error:
            raise CommandError(str(error)) from None

    def _export(self, email: str, target: Path) -> None:
        data = export_personal_data(email)
        try:
            target.write_text(
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
        except OSError as error:
            raise CommandError(
                _("Die Datei %(file)s kann nicht geschrieben werden: %(error)s")
                % {"file": target, "error": error.strerror}
            ) from None
        log_export(email)
        found = sum(len(kind["rows"]) for kind in data["data"].values())
        self.stdout.write(
            _("%(found)d Datensätze zu %(email)s nach %(file)s geschrieben.")
            % {"found": found, "email": data["email"], "file": target}
        )
