from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from siko.documents import DocumentCopyError, restore_documents


class Command(BaseCommand):
    help = _(
        "Stellt gesicherte Dokumente in den (leeren) Speicher wieder her; Teil der "
        "Wiederherstellung (scripts/restore.sh)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = restore_documents(options["source"])
        except DocumentCopyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("%(count)d Dokumente wiederhergestellt.") % {"count": count})
