"""CSV import of staff accounts (police and state bodies) by the administration.

The format (the import page shows the same description):

- UTF-8, semicolon or comma, a header row, one row per person; the reading is the partner
  import's (authorities.csv_io.read_table), German column names accepted.
- ``name`` (first and last name), ``email`` (also the user name for the login),
  ``organisation`` (a KPB's slug, official or short name; or ``LZPD``, ``LKA``, ``IM``) and
  ``role`` (StaffRole: the roles of DESIGN §5 that log in with a password and a second factor).

Semantics: the import only creates accounts, it never changes or deletes one. A file with any
row error creates nothing (every new account gets a mail; half a file would mail half the
people and leave the rest guessing), so the administrator fixes the file and uploads it again.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from authorities.accounts import create_staff_account
from authorities.csv_io import CsvLayout, read_table, row_cells
from authorities.models import Authority, User, name_key
from siko.organisations import STATE_BODIES, OrganisationKind

STAFF_COLUMNS = ("name", "email", "organisation", "role")
STAFF_LAYOUT = CsvLayout(
    required=STAFF_COLUMNS,
    columns=STAFF_COLUMNS,
    aliases={
        "e_mail": "email",
        "mail": "email",
        "organisation": "organisation",
        "organization": "organisation",
        "behoerde": "organisation",
        "behörde": "organisation",
        "dienststelle": "organisation",
        "rolle": "role",
    },
)


class StaffRole(models.TextChoices):
    """The roles of DESIGN §5 an imported account can have (partners answer by link)."""

    KPB = "kpb", gettext_lazy("KPB (Behördenleitung, Leitungsstab)")
    LZPD = "lzpd", gettext_lazy("LZPD")
    LKA = "lka", gettext_lazy("LKA")
    IM = "im", gettext_lazy("Ministerium des Innern (nur lesend)")
    ADMIN = "admin", gettext_lazy("Administration (Benutzer und Einstellungen)")


@dataclass
class StaffRow:
    number: int
    name: str
    email: str = ""
    organisation_kind: str = ""
    authority: Authority | None = None
    role: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def organisation_label(self) -> str:
        if self.authority is not None:
            return str(self.authority)
        return str(OrganisationKind(self.organisation_kind).label) if self.organisation_kind else ""

    @property
    def role_label(self) -> str:
        return str(StaffRole(self.role).label) if self.role else ""


@dataclass
class StaffImportPreview:
    """What an import would create, row by row. Computing it writes nothing."""

    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[StaffRow] = field(default_factory=list)
    delimiter: str = ""

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def can_apply(self) -> bool:
        return not self.file_errors and bool(self.rows) and not self.error_count


def _organisation(value: str) -> tuple[str, Authority | None] | None:
    key = name_key(value)
    for kind in STATE_BODIES:
        if key in {name_key(kind.value), name_key(str(kind.label))}:
            return kind.value, None
    for authority in Authority.objects.all():
        names = (authority.slug, authority.official_name, authority.short_name)
        if key in {name_key(name) for name in names}:
            return OrganisationKind.KPB, authority
    return None


def _role(value: str) -> str | None:
    key = name_key(value)
    for role in StaffRole:
        if key in {name_key(role.value), name_key(str(role.label))}:
            return role.value
    aliases = {"administration": StaffRole.ADMIN, "administrator": StaffRole.ADMIN}
    return aliases.get(key)


def _role_fits(role: str, organisation_kind: str) -> bool:
    if role == StaffRole.ADMIN:
        return organisation_kind in STATE_BODIES
    return role == organisation_kind


def _check_row(row: StaffRow, cells: dict[str, str], seen: dict[str, int]) -> None:
    if not row.name:
        row.errors.append(_("Der Name fehlt."))
    elif len(row.name) > 150:
        row.errors.append(_("Der Name ist zu lang (höchstens 150 Zeichen)."))
    email = cells.get("email", "").lower()
    row.email = email
    try:
        validate_email(email)
    except ValidationError:
        row.errors.append(
            _("„%(value)s“ ist keine gültige E-Mail-Adresse.") % {"value": email or "–"}
        )
    else:
        if email in seen:
            row.errors.append(
                _("Die E-Mail-Adresse steht schon in Zeile %(line)s.") % {"line": seen[email]}
            )
        elif User.objects.filter(models.Q(email__iexact=email) | models.Q(username=email)):
            row.errors.append(
                _(
                    "Ein Konto mit der E-Mail-Adresse %(email)s gibt es schon; der Import "
                    "legt nur neue Konten an."
                )
                % {"email": email}
            )
        seen.setdefault(email, row.number)
    organisation = _organisation(cells.get("organisation", ""))
    if organisation is None:
        row.errors.append(
            _(
                "Die Organisation „%(value)s“ ist unbekannt. Erlaubt sind die Kennung oder der "
                "Name einer Kreispolizeibehörde sowie LZPD, LKA und IM."
            )
            % {"value": cells.get("organisation", "") or "–"}
        )
    else:
        row.organisation_kind, row.authority = organisation
    role = _role(cells.get("role", ""))
    if role is None:
        row.errors.append(
            _("Die Rolle „%(value)s“ ist unbekannt. Erlaubt sind: %(roles)s.")
            % {
                "value": cells.get("role", "") or "–",
                "roles": ", ".join(role.value for role in StaffRole),
            }
        )
    else:
        row.role = role
    if role is not None and organisation is not None and not _role_fits(role, organisation[0]):
        row.errors.append(
            _("Die Rolle „%(role)s“ passt nicht zur Organisation %(organisation)s.")
            % {"role": role, "organisation": row.organisation_label}
        )


def parse_staff_csv(data: bytes) -> StaffImportPreview:
    """Check an uploaded file row by row. Writes nothing."""
    preview = StaffImportPreview()
    table = read_table(data, preview, STAFF_LAYOUT)
    if table is None:
        return preview
    header, records = table
    seen: dict[str, int] = {}
    with scopes_disabled():
        for number, record in records:
            cells, errors = row_cells(header, record)
            row = StaffRow(
                number=number, name=" ".join(cells.get("name", "").split()), errors=errors
            )
            _check_row(row, cells, seen)
            preview.rows.append(row)
    return preview


class StaffImportError(Exception):
    """The import cannot be applied; the message says why in German."""


def apply_staff_import(preview: StaffImportPreview, *, by: User) -> list[User]:
    """Creates one account per row, all or none; each gets its setup mail after commit."""
    if not preview.can_apply:
        raise StaffImportError(
            _(
                "Die Datei enthält Fehler; es wurde kein Konto angelegt. Bitte korrigieren Sie "
                "die Zeilen und laden Sie die Datei erneut hoch."
            )
        )
    with transaction.atomic(), scopes_disabled():
        return [
            create_staff_account(
                name=row.name,
                email=row.email,
                organisation_kind=row.organisation_kind,
                authority=row.authority,
                is_admin=row.role == StaffRole.ADMIN,
                by=by,
            )
            for row in preview.rows
        ]
