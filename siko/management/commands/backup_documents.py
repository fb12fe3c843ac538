from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from siko.documents import backup_documents


class Command(BaseCommand):
    help = _(
        "Kopiert alle gespeicherten Dokumente (Verzeichnis MEDIA_ROOT oder S3-Bucket) in ein "
        "lokales Verzeichnis; Teil der Sicherung (scripts/backup.sh)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, type=Path, help=_("Zielverzeichnis"))

    def handle(self, *args: Any, **options: Any) -> None:
        count = backup_documents(options["to"])
        self.stdout.write(
            _("%(count)d Dokumente nach %(dir)s gesichert.")
            % {"count": count, "dir": options["to"]}
        )
