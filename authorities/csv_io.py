"""CSV import and export of the partner directory.

The format (the import page shows the same description to users):

- Encoding UTF-8, with or without byte order mark (Excel: "CSV UTF-8"). Other encodings are
  rejected as a whole, never guessed: a wrong guess would silently garble names.
- Delimiter semicolon or comma, detected from the header row (csv.Sniffer, then a fallback).
- The first row names the columns; names are case-insensitive and German aliases are accepted
  (see COLUMN_ALIASES). Unknown columns are ignored with a notice.
- One row per partner agency:

  ================ ======== ============================================================
  column           required content
  ================ ======== ============================================================
  name             yes      the agency's name; rows are matched to the directory by name
  category         yes      value (``staatsanwaltschaft``) or German label of PartnerCategory
  seat             no       Sitz
  address          no       Anschrift
  responsibility   no       Zuständigkeit (free text)
  routed_via       no       slug or name of a Bezirksregierung (required for a Schulamt)
  authorities      no       KPB slugs separated by ``|`` or ``;``; only read for LZPD and
                            administrators. KPB imports always cover the importing KPB.
  contact_name     no       the agency's leadership contact; matched by name at the agency
  contact_function no       required when a contact is given
  contact_email    no
  contact_phone    no
  ================ ======== ============================================================

Semantics: a column missing from the header leaves that field untouched; a present but empty
cell empties it. Imports add and change, they never delete agencies, contacts or coverages.
A row with an error is not written; all other rows are. Export writes the same columns
(semicolon, the primary contact per agency) so that export → import reports "unchanged".
"""

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from authorities.enums import PartnerCategory
from authorities.models import Authority, Contact, Coverage, PartnerAgency, User, name_key
from authorities.services import (
    SHARED_AGENCY,
    DirectoryError,
    audit_directory,
    check_may_change,
    unique_partner_slug,
)
from siko.collation import german
from siko.spreadsheet import csv_writer, unguard_cell

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

REQUIRED_COLUMNS = ("name", "category")
AGENCY_COLUMNS = ("seat", "address", "responsibility")
CONTACT_COLUMNS = ("contact_name", "contact_function", "contact_email", "contact_phone")
COLUMNS = (
    "name",
    "category",
    "seat",
    "address",
    "responsibility",
    "routed_via",
    "authorities",
    *CONTACT_COLUMNS,
)
COLUMN_ALIASES: dict[str, str] = {
    "kategorie": "category",
    "sitz": "seat",
    "anschrift": "address",
    "adresse": "address",
    "zustaendigkeit": "responsibility",
    "zuständigkeit": "responsibility",
    "einladung_ueber": "routed_via",
    "einladung_über": "routed_via",
    "kpb": "authorities",
    "ansprechperson": "contact_name",
    "funktion": "contact_function",
    "e_mail": "contact_email",
    "email": "contact_email",
    "telefon": "contact_phone",
}
#: The export's German column names; the import reads them back through COLUMN_ALIASES (and
#: still reads the internal names).
EXPORT_HEADERS: dict[str, str] = {
    "name": "Name",
    "category": "Kategorie",
    "seat": "Sitz",
    "address": "Anschrift",
    "responsibility": "Zuständigkeit",
    "routed_via": "Einladung über",
    "authorities": "KPB",
    "contact_name": "Ansprechperson",
    "contact_function": "Funktion",
    "contact_email": "E-Mail",
    "contact_phone": "Telefon",
}
AUTHORITY_SEPARATORS = re.compile(r"[|;]")


class RowAction(models.TextChoices):
    NEW = "new", gettext_lazy("neu")
    UPDATE = "update", gettext_lazy("ändern")
    UNCHANGED = "unchanged", gettext_lazy("unverändert")
    ERROR = "error", gettext_lazy("Fehler")


@dataclass
class ImportRow:
    """One data row of an import (the partner directory's or the cooperations'): its line in
    the file, what importing it would do, and why."""

    number: int
    name: str
    action: str = RowAction.NEW
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(RowAction(self.action).label)


RowT = TypeVar("RowT", bound=ImportRow)


@dataclass
class RowPreview(Generic[RowT]):
    """What an import would do, row by row. Computing it writes nothing."""

    user_id: int | None
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[RowT] = field(default_factory=list)
    delimiter: str = ""

    def _count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def new_count(self) -> int:
        return self._count(RowAction.NEW)

    @property
    def update_count(self) -> int:
        return self._count(RowAction.UPDATE)

    @property
    def unchanged_count(self) -> int:
        return self._count(RowAction.UNCHANGED)

    @property
    def error_count(self) -> int:
        return self._count(RowAction.ERROR)


@dataclass
class ContactValues:
    """The contact columns of one row; None means the column is not in the file."""

    name: str
    function: str | None
    email: str | None
    phone: str | None


@dataclass
class RowResult(ImportRow):
    """One agency's row: the agency it matches and the values, coverages and contact to write."""

    agency: PartnerAgency | None = None
    values: dict[str, Any] = field(default_factory=dict)
    add_authorities: list[Authority] = field(default_factory=list)
    contact_values: ContactValues | None = None
    contact: Contact | None = None


@dataclass
class ImportPreview(RowPreview[RowResult]):
    """The partner directory's: rows with an error are left out, the others are written."""

    @property
    def has_changes(self) -> bool:
        return not self.file_errors and (self.new_count + self.update_count) > 0


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)


# --- reading the file ------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvLayout:
    """The columns of one kind of import: the partner directory's or the staff accounts'."""

    required: tuple[str, ...]
    columns: tuple[str, ...]
    aliases: dict[str, str]


PARTNER_LAYOUT = CsvLayout(REQUIRED_COLUMNS, COLUMNS, COLUMN_ALIASES)


class FileReport(Protocol):
    """What reading a file reports to: a preview's file errors, notices and delimiter."""

    file_errors: list[str]
    notices: list[str]
    delimiter: str


def _normalise_column(raw: str, layout: CsvLayout) -> str:
    key = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    return layout.aliases.get(key, key)


def _unescape(value: str) -> str:
    """The export guards formula-like cells with an apostrophe (siko.spreadsheet); drop it."""
    return unguard_cell(value.strip())


def _decode(data: bytes, preview: FileReport) -> str | None:
    if not data.strip():
        preview.file_errors.append(_("Die Datei ist leer."))
        return None
    if len(data) > MAX_BYTES:
        preview.file_errors.append(
            _("Die Datei ist zu groß (höchstens 2 MB). Bitte teilen Sie sie auf.")
        )
        return None
    if data.startswith(b"PK\x03\x04") or b"\x00" in data:
        preview.file_errors.append(
            _(
                "Die Datei ist keine CSV-Datei (vielleicht eine Excel-Arbeitsmappe). Bitte speichern "  # noqa: E501
                "Sie sie als „CSV UTF-8 (durch Trennzeichen getrennt)“."
            )
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        preview.file_errors.append(
            _(
                "Die Datei ist nicht UTF-8-kodiert (erstes ungültiges Zeichen in Zeile %(line)s). "
                "Bitte speichern Sie sie als „CSV UTF-8 (durch Trennzeichen getrennt)“; es wurde "
                "nichts geändert."
            )
            % {"line": line}
        )
        return None


def _header_columns(header_line: str, delimiter: str, layout: CsvLayout) -> list[str]:
    cells = next(csv.reader([header_line], delimiter=delimiter), [])
    return [_normalise_column(cell, layout) for cell in cells]


def _detect_delimiter(text: str, layout: CsvLayout) -> str:
    """Sniffer's guess first; if it misses the required columns, the other delimiter."""
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    sample = "\n".join(text[:65536].splitlines()[:20])
    try:
        guessed = csv.Sniffer().sniff(sample, delimiters=";,").delimiter
    except csv.Error:
        guessed = ";" if header_line.count(";") >= header_line.count(",") else ","
    candidates = [guessed] + [d for d in (";", ",") if d != guessed]
    for delimiter in candidates:
        if set(layout.required) <= set(_header_columns(header_line, delimiter, layout)):
            return delimiter
    return guessed


Table = tuple[list[str], list[tuple[int, list[str]]]]


def read_table(
    data: bytes, preview: FileReport, layout: CsvLayout = PARTNER_LAYOUT
) -> Table | None:
    """Header (canonical column names) and the non-blank data rows with their row numbers."""
    text = _decode(data, preview)
    if text is None:
        return None
    delimiter = _detect_delimiter(text, layout)
    preview.delimiter = delimiter
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            number += 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [_normalise_column(cell, layout) for cell in record]
                continue
            if len(rows) >= MAX_ROWS:
                preview.file_errors.append(
                    _("Die Datei hat mehr als %(max)s Datenzeilen. Bitte teilen Sie sie auf.")
                    % {"max": MAX_ROWS}
                )
                return None
            rows.append((number, record))
    except csv.Error:
        preview.file_errors.append(
            _("Die Datei ist keine gültige CSV-Datei: Zeile %(line)s kann nicht gelesen werden.")
            % {"line": number + 1}
        )
        return None
    if header is None:
        preview.file_errors.append(_("Die Datei ist leer."))
        return None
    named = [column for column in header if column]
    duplicates = sorted({column for column in named if named.count(column) > 1})
    if duplicates:
        preview.file_errors.append(
            _("Die Spalte(n) %(columns)s stehen mehrfach in der Kopfzeile.")
            % {"columns": ", ".join(duplicates)}
        )
    missing = [column for column in layout.required if column not in header]
    if missing:
        preview.file_errors.append(
            _(
                "In der Kopfzeile fehlen die Pflichtspalten %(missing)s. Erwartet wird eine erste "
                "Zeile mit Spaltennamen wie %(example)s, getrennt durch Semikolon oder Komma."
            )
            % {"missing": ", ".join(missing), "example": ";".join(layout.columns[:6])}
        )
    if duplicates or missing:
        return None
    if not rows:
        preview.file_errors.append(_("Die Datei enthält keine Datenzeilen."))
        return None
    unknown = [column for column in header if column and column not in layout.columns]
    if unknown:
        preview.notices.append(
            _("Diese Spalten sind unbekannt und werden nicht übernommen: %(columns)s")
            % {"columns": ", ".join(unknown)}
        )
    return header, rows


def row_cells(header: list[str], record: list[str]) -> tuple[dict[str, str], list[str]]:
    """A data row's cells by column, without the export's guard apostrophe, and its error when
    it has more values than the header has columns."""
    cells = {
        column: _unescape(value) for column, value in zip(header, record, strict=False) if column
    }
    errors = []
    if any(value.strip() for value in record[len(header) :]):
        errors.append(
            _(
                "Die Zeile hat mehr Werte als die Kopfzeile Spalten. Enthält ein "
                "Wert das Trennzeichen, setzen Sie ihn in Anführungszeichen."
            )
        )
    return cells, errors


# --- checking the rows against the directory -------------------------------------------------


class _Directory:
    """The parts of the directory an import needs, loaded with a fixed number of queries."""

    def __init__(self, user: User, names: list[str]) -> None:
        self.user = user
        self.restricted_to = user.authority_id if user.is_kpb else None
        self.agencies = {
            name_key(agency.name): agency
            for agency in PartnerAgency.objects.select_related("routed_via")
        }
        self.bezirksregierungen: dict[str, PartnerAgency] = {}
        for agency in self.agencies.values():
            if agency.category == PartnerCategory.BEZIRKSREGIERUNG:
                self.bezirksregierungen[name_key(agency.name)] = agency
                self.bezirksregierungen[agency.slug.casefold()] = agency
        self.authorities = {authority.slug: authority for authority in Authority.objects.all()}
        self.coverage: dict[int, set[int]] = {}
        for agency_id, authority_id in Coverage.objects.values_list("agency_id", "authority_id"):
            self.coverage.setdefault(agency_id, set()).add(authority_id)
        matched = [self.agencies[name_key(n)].pk for n in names if name_key(n) in self.agencies]
        self.contacts: dict[int, dict[str, Contact]] = {}
        for contact in Contact.objects.filter(agency_id__in=matched).order_by("pk"):
            self.contacts.setdefault(contact.agency_id, {}).setdefault(
                name_key(contact.name), contact
            )

    def in_scope(self, agency: PartnerAgency) -> bool:
        if self.restricted_to is None:
            return True
        return self.restricted_to in self.coverage.get(agency.pk, set())

    def may_change(self, agency: PartnerAgency) -> bool:
        """The rule of siko.permissions.agency_exclusive_to_own_area, read from the coverages
        loaded once: KPB staff change only agencies covering their authority and no other."""
        if self.restricted_to is None:
            return True
        return self.coverage.get(agency.pk, set()) == {self.restricted_to}


def _category(value: str) -> str | None:
    wanted = value.strip().casefold()
    with translation.override("de"):
        for category in PartnerCategory:
            if wanted in (category.value.casefold(), str(category.label).casefold()):
                return category.value
    return None


def _max_length_error(
    column: str, model_field: str, value: str, model: type[models.Model]
) -> str | None:
    db_field = model._meta.get_field(model_field)
    assert isinstance(db_field, models.Field)  # a column of the model, no relation
    limit = db_field.max_length
    if limit and len(value) > limit:
        return _("Spalte „%(column)s“: höchstens %(max)s Zeichen (hier %(length)s).") % {
            "column": column,
            "max": limit,
            "length": len(value),
        }
    return None


def _label(model: type[models.Model], name: str) -> str:
    db_field = model._meta.get_field(name)
    assert isinstance(db_field, models.Field)  # a column of the model, no relation
    return str(db_field.verbose_name)


def _check_row(
    row: RowResult,
    cells: dict[str, str],
    header: set[str],
    directory: _Directory,
    seen: dict[str, int],
) -> None:
    user = directory.user
    errors = row.errors
    name = " ".join(cells.get("name", "").split())
    row.name = name
    existing: PartnerAgency | None = None
    if not name:
        errors.append(_("Der Name fehlt."))
    else:
        if error := _max_length_error("name", "name", name, PartnerAgency):
            errors.append(error)
        key = name_key(name)
        if key in seen:
            errors.append(
                _(
                    "Der Name „%(name)s“ steht bereits in Zeile %(line)s; jede Partnerbehörde darf "
                    "nur einmal vorkommen."
                )
                % {"name": name, "line": seen[key]}
            )
            return
        seen[key] = row.number
        existing = directory.agencies.get(key)
        if existing is not None and not directory.in_scope(existing):
            errors.append(
                _(
                    "„%(name)s“ steht bereits im Verzeichnis, ist aber nicht für den Bereich Ihrer "
                    "Behörde zuständig. Änderungen daran nimmt das LZPD vor."
                )
                % {"name": name}
            )
            return
    row.agency = existing
    values: dict[str, Any] = {"name": name}

    raw_category = cells.get("category", "")
    category = _category(raw_category) if raw_category else None
    if not raw_category:
        errors.append(_("Die Kategorie fehlt."))
    elif category is None:
        errors.append(
            _("Unbekannte Kategorie „%(value)s“. Zulässig sind: %(allowed)s.")
            % {"value": raw_category, "allowed": ", ".join(PartnerCategory.values)}
        )
    else:
        values["category"] = category

    for column in AGENCY_COLUMNS:
        if column in header:
            values[column] = cells.get(column, "")
            if error := _max_length_error(column, column, values[column], PartnerAgency):
                errors.append(error)

    routed_via = existing.routed_via if existing else None
    routed_error = False
    if "routed_via" in header:
        reference = cells.get("routed_via", "")
        routed_via = None
        if reference:
            routed_via = directory.bezirksregierungen.get(name_key(reference))
            routed_error = routed_via is None or not (
                directory.in_scope(routed_via)
                or (existing is not None and existing.routed_via_id == routed_via.pk)
            )
            if routed_via is None:
                errors.append(
                    _(
                        "Spalte „routed_via“: keine Bezirksregierung „%(value)s“ gefunden (Kennung "
                        "oder Name angeben)."
                    )
                    % {"value": reference}
                )
            elif routed_error:
                errors.append(
                    _(
                        "Spalte „routed_via“: die %(name)s ist nicht für den Bereich Ihrer Behörde "
                        "zuständig."
                    )
                    % {"name": routed_via.name}
                )
                routed_via = None
        values["routed_via"] = routed_via
    if category == PartnerCategory.SCHULAMT and routed_via is None and not routed_error:
        errors.append(
            _(
                "Ein Schulamt wird über seine Bezirksregierung eingeladen: Spalte "
                "„routed_via“ angeben."
            )
        )

    if not user.is_kpb:
        slugs = [s.strip() for s in AUTHORITY_SEPARATORS.split(cells.get("authorities", ""))]
        slugs = [s for s in slugs if s]
        unknown = [s for s in slugs if s not in directory.authorities]
        if unknown:
            errors.append(
                _("Spalte „authorities“: unbekannte KPB-Kennung(en) %(slugs)s.")
                % {"slugs": ", ".join(unknown)}
            )
        covered = directory.coverage.get(existing.pk, set()) if existing else set()
        row.add_authorities = [
            directory.authorities[s]
            for s in dict.fromkeys(slugs)
            if s in directory.authorities and directory.authorities[s].pk not in covered
        ]
        if existing is None and not slugs and not unknown:
            errors.append(
                _(
                    "Eine neue Partnerbehörde braucht mindestens eine zuständige KPB "
                    "(Spalte „authorities“, Kennungen wie pp-dortmund)."
                )
            )

    if header & set(CONTACT_COLUMNS):
        _check_contact(row, cells, header, directory)

    row.values = values
    if errors:
        return
    if existing is None:
        row.action = RowAction.NEW
        return
    changes = [
        _label(PartnerAgency, name)
        for name, value in values.items()
        if getattr(existing, name) != value
    ]
    if row.add_authorities:
        changes.append(
            _("Zuständigkeit für %(slugs)s ergänzt")
            % {"slugs": ", ".join(a.slug for a in row.add_authorities)}
        )
    if row.contact_values is not None:
        contact_change = _contact_change(row)
        if contact_change:
            changes.append(contact_change)
    if changes and not directory.may_change(existing):
        # An unchanged row of a shared agency is fine (export → import stays "unchanged").
        errors.append(str(SHARED_AGENCY))
        return
    row.changes = changes
    row.action = RowAction.UPDATE if changes else RowAction.UNCHANGED


def _check_contact(
    row: RowResult, cells: dict[str, str], header: set[str], directory: _Directory
) -> None:
    def cell(column: str) -> str | None:
        return cells.get(column, "") if column in header else None

    name = " ".join((cell("contact_name") or "").split())
    function, email, phone = cell("contact_function"), cell("contact_email"), cell("contact_phone")
    if not name:
        if function or email or phone:
            row.errors.append(
                _(
                    "Ansprechperson: Der Name fehlt, obwohl Funktion, E-Mail oder "
                    "Telefon angegeben sind."
                )
            )
        return
    for column, model_field, value in (
        ("contact_name", "name", name),
        ("contact_function", "function", function),
        ("contact_email", "email", email),
        ("contact_phone", "phone", phone),
    ):
        if value and (error := _max_length_error(column, model_field, value, Contact)):
            row.errors.append(error)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.errors.append(
                _("Ansprechperson: „%(value)s“ ist keine gültige E-Mail-Adresse.")
                % {"value": email}
            )
    if row.agency is not None:
        row.contact = directory.contacts.get(row.agency.pk, {}).get(name_key(name))
    if function == "" or (function is None and row.contact is None):
        row.errors.append(_("Ansprechperson: Die Funktion fehlt (Spalte „contact_function“)."))
    row.contact_values = ContactValues(name=name, function=function, email=email, phone=phone)


def _contact_fields(values: ContactValues) -> dict[str, str]:
    fields = {
        "name": values.name,
        "function": values.function,
        "email": values.email,
        "phone": values.phone,
    }
    return {name: value for name, value in fields.items() if value is not None}


def _contact_change(row: RowResult) -> str:
    assert row.contact_values is not None
    if row.contact is None:
        return _("Ansprechperson %(name)s neu") % {"name": row.contact_values.name}
    changed = [
        _label(Contact, name)
        for name, value in _contact_fields(row.contact_values).items()
        if getattr(row.contact, name) != value
    ]
    if not changed:
        return ""
    return _("Ansprechperson: %(fields)s") % {"fields": ", ".join(changed)}


def parse_partner_csv(data: bytes, *, user: User) -> ImportPreview:
    """Check an uploaded file row by row against the directory as `user` sees it. Writes nothing.

    KPB staff may only update agencies that cover their own authority and no other one; a name
    that exists outside their area, or a change to an agency shared with other KPBs, is a row
    error. File-level problems (encoding, header, size) leave the
    row list empty, so nothing of such a file can ever be applied.
    """
    preview = ImportPreview(user_id=user.pk)
    table = read_table(data, preview)
    if table is None:
        return preview
    header, records = table
    present = set(header)
    if user.is_kpb and "authorities" in present:
        preview.notices.append(
            _(
                "Die Spalte „authorities“ wird bei Importen einer KPB nicht ausgewertet: neue "
                "Partnerbehörden werden dem Bereich %(authority)s zugeordnet."
            )
            % {"authority": user.authority.short_name_genitive if user.authority else ""}
        )
    parsed: list[tuple[RowResult, dict[str, str]]] = []
    for number, record in records:
        cells, errors = row_cells(header, record)
        row = RowResult(number=number, name=cells.get("name", ""), errors=errors)
        parsed.append((row, cells))
    seen: dict[str, int] = {}
    with scopes_disabled():
        directory = _Directory(user, [cells.get("name", "") for _row, cells in parsed])
        for row, cells in parsed:
            _check_row(row, cells, present, directory, seen)
            if row.errors:
                row.action = RowAction.ERROR
            preview.rows.append(row)
    return preview


# --- writing ---------------------------------------------------------------------------------


def _validate_fields(agency: PartnerAgency) -> None:
    """Uniqueness of name and slug is left to the database: a clash (a concurrent change since
    the preview) raises IntegrityError, which rolls the row back to its savepoint."""
    agency.full_clean(validate_unique=False, validate_constraints=False)


def _write_row(row: RowResult, *, by: User, taken_slugs: set[str]) -> str:
    authority = by.authority if by.is_kpb else None
    if row.agency is None:
        slug = unique_partner_slug(row.name, taken_slugs)
        taken_slugs.add(slug)
        agency = PartnerAgency(slug=slug, **row.values)
        _validate_fields(agency)
        agency.save()
        for covered in [authority] if authority else row.add_authorities:
            Coverage.objects.create(agency=agency, authority=covered)
        fields = sorted(row.values)
        outcome = "created"
    else:
        # The plain manager: SELECT DISTINCT (the scoped manager's) cannot be locked.
        agency = PartnerAgency._base_manager.select_for_update().get(pk=row.agency.pk)
        check_may_change(agency, by=by)  # a coverage may have been added since the preview
        fields = sorted(
            name for name, value in row.values.items() if getattr(agency, name) != value
        )
        for name in fields:
            setattr(agency, name, row.values[name])
        if fields:
            _validate_fields(agency)
            agency.save(update_fields=fields)
        for covered in row.add_authorities:
            Coverage.objects.get_or_create(agency=agency, authority=covered)
        if row.add_authorities:
            fields.append("authorities")
        outcome = "updated"
    if row.contact_values is not None:
        contact = row.contact if row.contact is not None else Contact(agency=agency)
        changed = [
            name
            for name, value in _contact_fields(row.contact_values).items()
            if getattr(contact, name) != value
        ]
        if changed:
            for name in changed:
                setattr(contact, name, _contact_fields(row.contact_values)[name])
            contact.full_clean(exclude=["agency"])
            contact.save()
            fields.append("contact")
    # Personal data stays out of the audit data: field names only.
    audit_directory(
        "partner.imported",
        agency,
        by=by,
        data={"row": row.number, "outcome": outcome, "fields": fields},
    )
    return outcome


def _failure_reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    if isinstance(error, DirectoryError):
        return str(error).rstrip(".")
    return _("zwischenzeitlich von jemand anderem geändert")


def apply_partner_import(preview: ImportPreview, *, by: User) -> ImportResult:
    """Write the new and changed rows of a preview computed for `by`, in one transaction.

    Invariants: a file with file-level errors writes nothing; a row with errors is never
    written, every other row is; nothing is ever deleted; each written agency gets one
    "partner.imported" audit entry. A row that fails on save (a concurrent change) is rolled
    back to its savepoint and reported, the other rows stay.
    """
    if preview.file_errors:
        raise DirectoryError(_("Die Datei enthält Fehler; es wurde nichts importiert."))
    if preview.user_id != by.pk:
        raise DirectoryError(_("Diese Vorschau wurde für einen anderen Benutzer erstellt."))
    result = ImportResult(unchanged=preview.unchanged_count, failed=preview.error_count)
    with scopes_disabled(), transaction.atomic():
        taken_slugs = set(PartnerAgency._base_manager.values_list("slug", flat=True))
        for row in preview.rows:
            if row.action not in (RowAction.NEW, RowAction.UPDATE):
                continue
            try:
                with transaction.atomic():
                    outcome = _write_row(row, by=by, taken_slugs=taken_slugs)
            except (
                IntegrityError,
                ValidationError,
                DirectoryError,
                PartnerAgency.DoesNotExist,
            ) as error:
                result.failed += 1
                result.failures.append(
                    _("Zeile %(line)s (%(name)s): nicht gespeichert – %(reason)s.")
                    % {"line": row.number, "name": row.name, "reason": _failure_reason(error)}
                )
                continue
            if outcome == "created":
                result.created += 1
            else:
                result.updated += 1
    return result


# --- export ----------------------------------------------------------------------------------


def _primary_contact(agency: PartnerAgency) -> Contact | None:
    """The leadership contact: a contact who is nobody's deputy comes first, then by name."""
    contacts = sorted(
        agency.contacts.all(), key=lambda c: (c.deputy_of_id is not None, c.name, c.pk)
    )
    return contacts[0] if contacts else None


def export_partner_csv(agencies: QuerySet[PartnerAgency]) -> str:
    """The agencies in the import format (semicolon, header row), one row per agency."""
    agencies = (
        agencies.select_related("routed_via")
        .prefetch_related("contacts", "coverages__authority")
        .order_by("category", german("name"))
    )
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # guards every text cell; the import reads the guard back
    writer.writerow([EXPORT_HEADERS[column] for column in COLUMNS])
    for agency in agencies:
        contact = _primary_contact(agency)
        slugs = sorted(coverage.authority.slug for coverage in agency.coverages.all())
        writer.writerow(
            [
                agency.name,
                agency.category,
                agency.seat,
                agency.address,
                agency.responsibility,
                agency.routed_via.name if agency.routed_via else "",
                "|".join(slugs),
                contact.name if contact else "",
                contact.function if contact else "",
                contact.email if contact else "",
                contact.phone if contact else "",
            ]
        )
    return buffer.getvalue()
