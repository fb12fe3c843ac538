from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from siko.documents import record_document_check


class Command(BaseCommand):
    help = _(
        "Prüft die SHA-256 jedes eingefrorenen Dokuments (freigegebene Protokolle, "
        "Jahresberichte) gegen die Datenbank. Exit-Code 1 bei einer Abweichung."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():
            check = record_document_check()
        for problem in check.problems:
            self.stderr.write(problem)
        if check.problems:
            self.stderr.write(
                _("%(bad)d von %(checked)d Dokumenten weichen ab.")
                % {"bad": len(check.problems), "checked": check.checked}
            )
            raise SystemExit(1)
        self.stdout.write(
            _("Alle %(checked)d Dokumente stimmen mit der Datenbank überein.")
            % {"checked": check.checked}
        )
