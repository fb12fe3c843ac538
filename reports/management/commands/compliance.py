import json
import textwrap
from argparse import RawDescriptionHelpFormatter
from datetime import date
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.models import Authority
from reports.compliance import compute_compliance
from reports.selectors import FIRST_YEAR

#: The fields of each JSON object, in output order, with what they mean (shown by --help; the
#: README lists the same). Conference ids are database keys (Conference.pk), in order of start.
JSON_FIELDS = {
    "authority": "Kennung der KPB, z. B. pp-dortmund",
    "authority_name": "Kurzname der KPB",
    "year": "ausgewertetes Kalenderjahr",
    "as_of": "Stichtag JJJJ-MM-TT (ausgewertet am Ende dieses Tages)",
    "siko_held": "mindestens eine SiKo des Jahres durchgeführt: als durchgeführt erfasst und bis "
    "zum Stichtag begonnen; gemeinsame SiKo zählen für jede beteiligte KPB",
    "siko_dates": "Tage der durchgeführten SiKo (deutsche Zeit), einer je Konferenz",
    "siko_scheduled": "eine SiKo des Jahres ist geplant: nicht durchgeführt, und ihr Ende plus "
    "Frist (SIKO_SCHEDULED_GRACE_DAYS, Standard 14 Tage) ist nicht vorbei",
    "siko_ap_required": "Siko-AP erforderlich (KPB mit Autobahnpolizei am letzten Tag des Jahres "
    "oder am Stichtag, wenn er früher liegt)",
    "siko_ap_held": "wie siko_held, für die Siko-AP",
    "siko_ap_scheduled": "wie siko_scheduled, für die Siko-AP",
    "siko_ap_status": "Status der Siko-AP wie status; null, wenn nicht erforderlich",
    "categories_invited": "Kategorien des Erlasses, aus denen eine Stelle zu einer "
    "durchgeführten SiKo eingeladen war oder geantwortet hat (Kategorie am Tag der Konferenz)",
    "categories_missing": "die übrigen Kategorien des Erlasses",
    "categories_missing_required": "davon die geforderten (Staatsanwaltschaft und Gericht "
    "nehmen nach Anlass teil: ein Hinweis, kein Verstoß)",
    "topics_covered": "im Jahr geltende Pflichtthemen auf der Tagesordnung einer durchgeführten "
    "SiKo",
    "topics_missing": "die übrigen im Jahr geltenden Pflichtthemen",
    "exercise_participation": "Krisenstabsübungen mit polizeilicher Verbindungsperson im Jahr "
    "bis zum Stichtag",
    "hospitations": "im Jahr bis zum Stichtag begonnene Hospitationen",
    "status": "compliant (erfüllt: SiKo durchgeführt), scheduled (geplant), overdue "
    "(überfällig: laufendes Jahr, weder durchgeführt noch geplant) oder breach (nicht erfüllt: "
    "Jahr vorbei ohne durchgeführte SiKo) oder not_recorded (nicht erfasst: ein Jahr vor "
    "recorded_from, nicht bewertet und in keinem Anteil gezählt)",
    "notices": "Hinweise, z. B. Staatsanwaltschaft oder Gericht nicht eingeladen",
    "siko_conference_ids": "Konferenz-IDs der durchgeführten SiKo (hinter siko_held, "
    "siko_dates, categories_*, topics_*)",
    "siko_ap_conference_ids": "Konferenz-IDs der durchgeführten Siko-AP (siko_ap_held)",
    "scheduled_conference_ids": "Konferenz-IDs der geplanten SiKo (siko_scheduled)",
    "siko_ap_scheduled_conference_ids": "Konferenz-IDs der geplanten Siko-AP (siko_ap_scheduled)",
    "unconfirmed_conference_ids": "Konferenz-IDs der SiKo, deren Ende plus Frist vorbei ist, "
    "ohne dass sie als durchgeführt erfasst sind: sie zählen weder als durchgeführt noch als "
    "geplant (Durchführung nicht bestätigt)",
    "siko_ap_unconfirmed_conference_ids": "dasselbe für die Siko-AP",
    "exercise_ids": "IDs der gezählten Übungen (exercise_participation)",
    "hospitation_ids": "IDs der gezählten Hospitationen (hospitations)",
    "recorded_from": "erstes bewertetes Jahr: das von der LZPD gesetzte Startjahr der KPB, sonst "
    "das Jahr ihrer ersten Konferenz (weder Entwurf noch abgesagt), sonst das der ersten "
    "Konferenz einer KPB, höchstens das Jahr des Stichtags; null, solange nichts erfasst ist",
}


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's order of options, with the line breaks of the description and field list."""


def _fields_help() -> str:
    return "Felder der JSON-Ausgabe (--json), je KPB ein Objekt:\n" + "\n".join(
        textwrap.fill(f"{name}: {text}", width=79, initial_indent="  ", subsequent_indent="    ")
        for name, text in JSON_FIELDS.items()
    )


class Command(BaseCommand):
    help = (
        "Erfüllung der Sicherheitskonferenz-Pflicht je KPB und Jahr (DESIGN §3).\n\n"
        "Stichtag (--as-of): ausgewertet wird am Ende dieses Tages (deutsche Zeit). Es zählt,\n"
        "was bis dahin begonnen hat und als durchgeführt erfasst ist. Am 31.12. ist das Jahr\n"
        "also vorbei: ohne durchgeführte SiKo ist es breach (nicht erfüllt), auch wenn eine\n"
        "geplant war. Eine geplante SiKo zählt bis zum Tag ihres Endes plus\n"
        "SIKO_SCHEDULED_GRACE_DAYS (Standard 14) als geplant, danach nicht mehr."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = _fields_help()
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Kalenderjahr, z. B. 2025")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="Stichtag JJJJ-MM-TT, ausgewertet am Ende dieses Tages (Standard: heute)",
        )
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
            ap = f" | Siko-AP: {record.siko_ap_label}" if record.siko_ap_status else ""
            self.stdout.write(
                f"{record.authority_name:<45} {record.label:<14}"
                f"{', '.join(record.siko_dates) or '–'}{ap}"
            )
