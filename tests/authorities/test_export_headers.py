"""Every export names its columns in German (issue 15, Words); the partner directory's export
still imports unchanged."""

import pytest

from authorities.csv_io import export_partner_csv, parse_partner_csv
from authorities.models import PartnerAgency

pytestmark = pytest.mark.django_db


def test_partner_export_has_german_column_names_and_imports_back(lzpd_user):
    content = export_partner_csv(PartnerAgency.objects.filter(slug="sta-dortmund"))

    header = content.lstrip("\ufeff").splitlines()[0]
    assert header == (
        "Name;Kategorie;Sitz;Anschrift;Zuständigkeit;Einladung über;KPB;"
        "Ansprechperson;Funktion;E-Mail;Telefon"
    )
    preview = parse_partner_csv(content.encode(), user=lzpd_user)
    assert preview.file_errors == []
    assert [row.action for row in preview.rows] == ["unchanged"]
