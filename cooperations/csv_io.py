"""CSV import and export of cooperation structures, like the partner directory's
(authorities/csv_io.py: the same encoding, delimiter detection, header aliases and guarded
cells; upload → preview → confirm).

  ============ ======== ==========================================================
  column       required content
  ============ ======== ==========================================================
  Bezeichnung  yes      the cooperation's name; rows are matched to the authority's
                        cooperations by name
  Art          yes      value (``ordnungspartnerschaft``) or German label
  seit         yes      TT.MM.JJJJ (or JJJJ-MM-TT)
  Status       no       aktiv, ruhend, beendet (new rows: aktiv)
  Partner      no       directory keys (Kennung) of partner agencies of the area,
                        separated by ``|`` or ``;``
  Bemerkungen  no
  KPB          no       the authority's key; written by the export, checked by the import
  ============ ======== ==========================================================

Unlike the partner directory, a file is taken whole or not at all: one row with an error and
nothing is stored. A missing optional column leaves that field as it is. Export → import of
the same file reports every row "unverändert".
"""

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from authorities.csv_io import (
    CsvLayout,
    ImportRow,
    RowAction,
    RowPreview,
    read_table,
    row_cells,
)
from authorities.models import Authority, PartnerAgency, User, name_key
from cooperations import services
from cooperations.enums import CooperationKind, CooperationStatus
from cooperations.models import Cooperation
from siko.collation import german
from siko.spreadsheet import csv_writer

COLUMNS = ("name", "kind", "since", "status", "partners", "notes", "authority")
REQUIRED = ("name", "kind", "since")
EXPORT_HEADERS = {
    "name": "Bezeichnung",
    "kind": "Art",
    "since": "seit",
    "status": "Status",
    "partners": "Partner",
    "notes": "Bemerkungen",
    "authority": "KPB",
}
#: The file's columns go by their German names (normalised: lower case, "_" for blanks), so
#: that a message about a missing column names it as the user wrote it; the internal names
#: and a few variants are read too.
GERMAN_COLUMNS = {
    "bezeichnung": "name",
    "art": "kind",
    "seit": "since",
    "status": "status",
    "partner": "partners",
    "bemerkungen": "notes",
    "kpb": "authority",
}
ALIASES = {
    **{internal: german for german, internal in GERMAN_COLUMNS.items()},
    "besteht_seit": "seit",
    "partnerbehoerden": "partner",
    "partnerbehörden": "partner",
}
LAYOUT = CsvLayout(
    tuple(g for g, internal in GERMAN_COLUMNS.items() if internal in REQUIRED),
    tuple(GERMAN_COLUMNS),
    ALIASES,
)
SEPARATORS = re.compile(r"[|;]")


@dataclass
class CooperationRow(ImportRow):
    existing: Cooperation | None = None
    data: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    partners: list[PartnerAgency] | None = None


@dataclass
class CooperationPreview(RowPreview[CooperationRow]):
    @property
    def can_apply(self) -> bool:
        """All or nothing: no file error, no row error, and something to change."""
        return (
            not self.file_errors
            and not self.error_count
            and (self.new_count + self.update_count) > 0
        )


def _choice(value: str, choices: type[CooperationKind] | type[CooperationStatus]) -> str | None:
    wanted = value.strip().casefold()
    with translation.override("de"):
        for choice in choices:
            if wanted in (choice.value, str(choice.label).casefold()):
                return str(choice.value)
    return None


def _date(value: str) -> date | None:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _labels(choices: type[CooperationKind] | type[CooperationStatus]) -> str:
    with translation.override("de"):
        return ", ".join(f"{c.value} ({c.label})" for c in choices)


def _label(name: str) -> str:
    db_field = Cooperation._meta.get_field(name)
    assert isinstance(db_field, models.Field)  # a column or many-to-many field, no reverse relation
    return str(db_field.verbose_name)


def _check_row(
    row: CooperationRow,
    cells: dict[str, str],
    header: set[str],
    *,
    authority: Authority,
    existing: dict[str, Cooperation],
    agencies: dict[str, PartnerAgency],
    covered: set[int],
    seen: dict[str, int],
) -> None:
    errors = row.errors
    name = " ".join(cells.get("name", "").split())
    row.name = name
    if not name:
        errors.append(_("Die Bezeichnung fehlt."))
    elif len(name) > 200:
        errors.append(_("Die Bezeichnung hat höchstens 200 Zeichen."))
    elif name_key(name) in seen:
        errors.append(
            _("„%(name)s“ steht bereits in Zeile %(line)s; jede Kooperation nur einmal.")
            % {"name": name, "line": seen[name_key(name)]}
        )
    else:
        seen[name_key(name)] = row.number
        row.existing = existing.get(name_key(name))
    row.data["name"] = name

    raw_kind = cells.get("kind", "")
    kind = _choice(raw_kind, CooperationKind) if raw_kind.strip() else None
    if not raw_kind.strip():
        errors.append(_("Die Art fehlt."))
    elif kind is None:
        errors.append(
            _("Unbekannte Art „%(value)s“. Zulässig sind: %(allowed)s.")
            % {"value": raw_kind, "allowed": _labels(CooperationKind)}
        )
    else:
        row.data["kind"] = kind

    raw_since = cells.get("since", "")
    since = _date(raw_since) if raw_since.strip() else None
    if not raw_since.strip():
        errors.append(_("Das Datum „seit“ fehlt."))
    elif since is None:
        errors.append(
            _("Das Datum „%(value)s“ ist ungültig; erwartet wird TT.MM.JJJJ.")
            % {"value": raw_since}
        )
    else:
        row.data["since"] = since

    if "status" in header:
        raw_status = cells.get("status", "")
        status = _choice(raw_status, CooperationStatus) if raw_status.strip() else None
        if raw_status.strip() and status is None:
            errors.append(
                _("Unbekannter Status „%(value)s“. Zulässig sind: %(allowed)s.")
                % {"value": raw_status, "allowed": _labels(CooperationStatus)}
            )
        row.status = status
    if "notes" in header:
        row.data["notes"] = cells.get("notes", "")
    if "partners" in header:
        row.partners = []
        for key in (k.strip() for k in SEPARATORS.split(cells.get("partners", ""))):
            if not key:
                continue
            agency = agencies.get(key.casefold())
            if agency is None:
                errors.append(
                    _("Die Partnerbehörde mit der Kennung „%(key)s“ steht nicht im Verzeichnis.")
                    % {"key": key}
                )
            elif agency.pk not in covered:
                errors.append(
                    _("„%(name)s“ ist nicht für den Bereich Ihrer Behörde zuständig.")
                    % {"name": agency.name}
                )
            else:
                row.partners.append(agency)
    raw_authority = cells.get("authority", "").strip()
    if raw_authority and raw_authority.casefold() != authority.slug:
        errors.append(
            _(
                "Die Zeile gehört zur KPB „%(slug)s“; Sie können nur Kooperationen Ihrer "
                "eigenen Behörde importieren."
            )
            % {"slug": raw_authority}
        )
    if errors:
        row.action = RowAction.ERROR
        return
    if row.existing is None:
        row.action = RowAction.NEW
        return
    current = row.existing
    changes = [_label(n) for n, v in row.data.items() if getattr(current, n) != v]
    if row.status is not None and row.status != current.status:
        changes.append(_label("status"))
    if row.partners is not None and {p.pk for p in row.partners} != {
        p.pk for p in current.partners.all()
    }:
        changes.append(_label("partners"))
    row.changes = changes
    row.action = RowAction.UPDATE if changes else RowAction.UNCHANGED


def parse_cooperation_csv(data: bytes, *, user: User) -> CooperationPreview:
    """What importing `data` for the user's authority would do; writes nothing. A fixed
    number of queries whatever the number of rows."""
    preview = CooperationPreview(user_id=user.pk)
    authority = user.authority
    if authority is None:
        preview.file_errors.append(_("Nur Kreispolizeibehörden importieren Kooperationen."))
        return preview
    table = read_table(data, preview, LAYOUT)
    if table is None:
        return preview
    header = [GERMAN_COLUMNS.get(column, column) for column in table[0]]
    records = table[1]
    present = set(header)
    existing = {
        name_key(c.name): c
        for c in Cooperation.objects.filter(authority=authority).prefetch_related("partners")
    }
    agencies = {a.slug.casefold(): a for a in PartnerAgency.objects.all()}
    covered = set(
        PartnerAgency.objects.filter(coverages__authority=authority).values_list("pk", flat=True)
    )
    seen: dict[str, int] = {}
    for number, record in records:
        cells, errors = row_cells(header, record)
        row = CooperationRow(number=number, name=cells.get("name", ""), errors=errors)
        _check_row(
            row,
            cells,
            present,
            authority=authority,
            existing=existing,
            agencies=agencies,
            covered=covered,
            seen=seen,
        )
        preview.rows.append(row)
    return preview


@dataclass
class CooperationImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def apply_cooperation_import(preview: CooperationPreview, *, by: User) -> CooperationImportResult:
    """Writes every new and changed row in one transaction through the services (which check
    and audit each one), or nothing: a row error, in the preview or on writing, stores no row."""
    if preview.file_errors or preview.error_count:
        raise services.CooperationError(_("Die Datei enthält Fehler; es wurde nichts importiert."))
    if preview.user_id != by.pk or by.authority is None:
        raise services.CooperationError(
            _("Diese Vorschau wurde für einen anderen Benutzer erstellt.")
        )
    result = CooperationImportResult(unchanged=preview.unchanged_count)
    with transaction.atomic():
        for row in preview.rows:
            try:
                if row.action == RowAction.NEW:
                    services.create_cooperation(
                        by.authority,
                        data=row.data,
                        partners=row.partners or [],
                        status=row.status or CooperationStatus.AKTIV,
                        by=by,
                    )
                    result.created += 1
                elif row.action == RowAction.UPDATE and row.existing is not None:
                    services.update_cooperation(
                        row.existing, data=row.data, partners=row.partners, status=row.status, by=by
                    )
                    result.updated += 1
            except services.CooperationError as error:
                raise services.CooperationError(
                    _("Zeile %(line)s (%(name)s): %(reason)s Es wurde nichts importiert.")
                    % {"line": row.number, "name": row.name, "reason": error}
                ) from error
    return result


def export_cooperation_csv(cooperations: QuerySet[Cooperation]) -> str:
    """The cooperations in the import format (semicolon, German header row)."""
    cooperations = (
        cooperations.select_related("authority")
        .prefetch_related("partners")
        .order_by(german("authority__short_name"), german("name"), "pk")
    )
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([EXPORT_HEADERS[column] for column in COLUMNS])
    for cooperation in cooperations:
        writer.writerow(
            [
                cooperation.name,
                cooperation.kind,
                cooperation.since.strftime("%d.%m.%Y"),
                cooperation.status,
                "|".join(sorted(p.slug for p in cooperation.partners.all())),
                cooperation.notes,
                cooperation.authority.slug,
            ]
        )
    return buffer.getvalue()
