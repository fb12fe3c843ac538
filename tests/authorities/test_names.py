"""Authority names with the right article: 'des Polizeipräsidiums Dortmund', never
'der Polizeipräsidium Dortmund' (issue 15, Words)."""

import csv
from pathlib import Path

import pytest
from django.urls import reverse

from authorities.models import Authority, User, inflect_authority_name
from tests.conftest import client_for

#: The 47 real names, as the project seeds them (a copy of the shared research data).
KPB_CSV = Path(__file__).resolve().parents[2] / "authorities" / "data" / "kpb.csv"


@pytest.mark.parametrize(
    ("name", "genitive", "dative"),
    [
        (
            "Polizeipräsidium Dortmund",
            "des Polizeipräsidiums Dortmund",
            "dem Polizeipräsidium Dortmund",
        ),
        (
            "Landrat als Kreispolizeibehörde Borken",
            "des Landrats als Kreispolizeibehörde Borken",
            "dem Landrat als Kreispolizeibehörde Borken",
        ),
        (
            "Landrat des Märkischen Kreises als Kreispolizeibehörde",
            "des Landrats des Märkischen Kreises als Kreispolizeibehörde",
            "dem Landrat des Märkischen Kreises als Kreispolizeibehörde",
        ),
        (
            "Kreispolizeibehörde Borken",
            "der Kreispolizeibehörde Borken",
            "der Kreispolizeibehörde Borken",
        ),
        (
            "Kreispolizeibehörde Rhein-Kreis Neuss",
            "der Kreispolizeibehörde Rhein-Kreis Neuss",
            "der Kreispolizeibehörde Rhein-Kreis Neuss",
        ),
    ],
)
def test_authority_name_inflects_by_its_kind(name: str, genitive: str, dative: str) -> None:
    assert inflect_authority_name(name, "genitive") == genitive
    assert inflect_authority_name(name, "dative") == dative


def test_every_real_kpb_name_gets_a_masculine_or_feminine_article() -> None:
    with KPB_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 47
    for row in rows:
        expected = "des Polizeipräsidiums " if row["kind"] == "PP" else "des Landrats "
        assert inflect_authority_name(row["official_name"], "genitive").startswith(expected)
        assert inflect_authority_name(row["short_name"], "genitive").startswith(
            "des Polizeipräsidiums " if row["kind"] == "PP" else "der Kreispolizeibehörde "
        )


def test_authority_properties_use_its_names() -> None:
    authority = Authority(
        official_name="Polizeipräsidium Dortmund", short_name="Polizeipräsidium Dortmund"
    )
    assert authority.official_name_genitive == "des Polizeipräsidiums Dortmund"
    assert authority.short_name_dative == "dem Polizeipräsidium Dortmund"


@pytest.mark.django_db
def test_new_partner_page_names_the_area_in_the_genitive(kpb_a_user: User) -> None:
    response = client_for(kpb_a_user).get(reverse("authorities:partner_create"))
    page = " ".join(response.content.decode().split())
    assert "dem Bereich des Polizeipräsidiums Dortmund zugeordnet" in page
    assert "der Polizeipräsidium" not in page
