"""German order of names (DIN 5007-1, issue 12): Köln before Krefeld, Ä/Ö/Ü among A/O/U, on the
database the suite runs on (SQLite here, PostgreSQL in CI through DATABASE_URL) and in Python."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from authorities.models import Authority, ComparisonGroup, Contact, Coverage, PartnerAgency
from conferences import services
from siko.collation import german, german_key
from tests.conftest import client_for
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db

#: In DIN 5007-1 order; code points would put Ä, Ö and Ü after Z and Kleve after Krefeld's K…
DIN_ORDER = [
    "Aachen",
    "Ärztekammer",
    "Kleve",
    "Köln",
    "Krefeld",
    "Oberhausen",
    "Öffentliche",
    "Übach-Palenberg",
    "Unna",
    "Zoll",
]
#: The same names in an order that sorts differently by code points.
SHUFFLED = ["Zoll", "Öffentliche", "Krefeld", "Übach-Palenberg", "Aachen", "Unna", "Köln",
            "Ärztekammer", "Oberhausen", "Kleve"]  # fmt: skip


def shown_order(html: str, names: list[str]) -> list[str]:
    """The names in the order a reader meets them on the page (first appearance)."""
    found = {name: html.find(f">{name}<") for name in names}
    missing = [name for name, at in found.items() if at < 0]
    assert not missing, missing
    return sorted(names, key=found.__getitem__)


def agencies(prefix: str = "") -> list[PartnerAgency]:
    """One agency per name, created in the shuffled order, responsible for PP Dortmund."""
    dortmund = Authority.objects.get(slug="pp-dortmund")
    created = []
    for number, name in enumerate(SHUFFLED):
        agency = PartnerAgency.objects.create(
            slug=f"din-{number}", name=f"{prefix}{name}", category="sonstige"
        )
        Coverage.objects.create(agency=agency, authority=dortmund)
        created.append(agency)
    return created


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (SHUFFLED, DIN_ORDER),
        (["Krefeld", "Köln"], ["Köln", "Krefeld"]),
        (["Straße", "Strasse", "Strasbourg"], ["Strasbourg", "Strasse", "Straße"]),
        (["Müller", "Mueller", "Muller"], ["Mueller", "Muller", "Müller"]),
        (["zoll", "Zoll", "Zollamt"], ["zoll", "Zoll", "Zollamt"]),
    ],
)
def test_german_key_sorts_by_din_5007_1(names, expected):
    assert sorted(names, key=german_key) == expected


@pytest.mark.parametrize("names", [SHUFFLED, list(reversed(DIN_ORDER))])
def test_the_database_sorts_in_german_order(names):
    for name in names:
        ComparisonGroup.objects.create(name=name)
    ordered = ComparisonGroup.objects.order_by(german("name")).values_list("name", flat=True)
    assert list(ordered) == DIN_ORDER
    assert list(ComparisonGroup.objects.values_list("name", flat=True)) == DIN_ORDER  # Meta
    assert connection.vendor in ("sqlite", "postgresql")


def test_agencies_and_contacts_are_in_german_order():
    for agency in agencies():
        Contact.objects.create(agency=agency, name="Leitung", function="Leitung")
    din = PartnerAgency.objects.filter(slug__startswith="din-")
    assert [a.name for a in din] == DIN_ORDER
    contacts = Contact.objects.filter(agency__slug__startswith="din-").select_related("agency")
    assert [c.agency.name for c in contacts] == DIN_ORDER


def test_directory_list_shows_partners_in_german_order(lzpd_user):
    agencies()
    response = client_for(lzpd_user).get(
        reverse("authorities:partner_list"), {"category": "sonstige"}
    )
    assert response.status_code == 200
    html = re.sub(r"\s*<", "<", re.sub(r">\s*", ">", response.content.decode()))
    assert shown_order(html, DIN_ORDER) == DIN_ORDER


def test_invitation_list_shows_the_invited_in_german_order(kpb_a_user):
    conference = make_conference(kpb_a_user)
    services.add_invitations(conference, agencies=agencies(), by=kpb_a_user)
    response = client_for(kpb_a_user).get(reverse("conferences:invitations", args=[conference.pk]))
    assert response.status_code == 200
    assert [i.agency.name for i in conference.invitations.all()] == DIN_ORDER
    html = re.sub(r"\s*<", "<", re.sub(r">\s*", ">", response.content.decode()))
    assert shown_order(html, DIN_ORDER) == DIN_ORDER


def test_state_matrix_shows_the_authorities_in_german_order(lzpd_user):
    slugs = list(Authority.objects.order_by("slug").values_list("slug", flat=True)[:10])
    for slug, name in zip(slugs, SHUFFLED, strict=True):
        Authority.objects.filter(slug=slug).update(short_name=f"KPB {name}")
    response = client_for(lzpd_user).get(reverse("reports:state"))
    assert response.status_code == 200
    html = re.sub(r"\s*<", "<", re.sub(r">\s*", ">", response.content.decode()))
    names = [f"KPB {name}" for name in DIN_ORDER]
    assert shown_order(html, names) == names
