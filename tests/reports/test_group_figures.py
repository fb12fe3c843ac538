"""Vergleichsgruppenarbeit: a KPB sees its comparison group's figures side by side, named;
the LZPD, LKA and IM see every group."""

import re
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, ComparisonGroup
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

URL = reverse("reports:group_figures")


def last_year() -> int:
    return timezone.localdate().year - 1


def held(slug: str, organiser, *, categories=(), topics=(), month: int = 3) -> None:
    start = datetime(last_year(), month, 10, 10, 0, tzinfo=timezone.get_default_timezone())
    make_recorded_conference(
        slug, start, organiser=organiser, status="held", categories=categories, topics=topics
    )


def group(name: str, *slugs: str) -> ComparisonGroup:
    created = ComparisonGroup.objects.create(name=name)
    Authority.objects.filter(slug__in=slugs).update(comparison_group=created)
    return created


def row(html: str, name: str) -> str:
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)
    matching = [r for r in rows if name in r]
    assert len(matching) == 1, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", matching[0])).strip()


def test_kpb_sees_its_group_side_by_side_named(kpb_a_user, lzpd_user):
    group("Großstädte Ruhr", "pp-dortmund", "pp-bochum")
    group("Ländlich", "lr-borken")
    held("pp-dortmund", kpb_a_user, categories=["kommune", "zoll"], topics=["brennpunkte"])

    html = client_for(kpb_a_user).get(URL).content.decode()

    assert "Großstädte Ruhr" in html
    assert "Ländlich" not in html
    dortmund = row(html, "Dortmund")
    assert "ja" in dortmund.split()
    assert "Zollverwaltung" in dortmund
    assert "Räumliche Brennpunkte" in dortmund
    assert "Ihre Behörde" in dortmund
    bochum = row(html, "Bochum")
    assert "nein" in bochum.split() or "nicht erfasst" in bochum


def test_kpb_without_group_is_told_who_sets_groups(kpb_b_user):
    group("Großstädte Ruhr", "pp-dortmund")

    html = client_for(kpb_b_user).get(URL).content.decode()

    assert "gehört noch keiner Vergleichsgruppe an" in html
    assert "Großstädte Ruhr" not in html


@pytest.mark.parametrize("role", ["lzpd_user", "lka_user", "im_user"])
def test_state_bodies_see_every_group(role, request):
    group("Großstädte Ruhr", "pp-dortmund")
    group("Ländlich", "lr-borken")

    html = client_for(request.getfixturevalue(role)).get(URL).content.decode()

    assert "Großstädte Ruhr" in html
    assert "Ländlich" in html


def test_bad_year_falls_back_with_german_message(kpb_a_user):
    group("Großstädte Ruhr", "pp-dortmund")
    html = client_for(kpb_a_user).get(URL + "?jahr=abc").content.decode()
    assert f"gezeigt wird {last_year()}" in html


def test_queries_do_not_grow_with_groups_members_and_conferences(lzpd_user, kpb_a_user):
    group("Großstädte Ruhr", "pp-dortmund", "pp-bochum")
    held("pp-dortmund", kpb_a_user, categories=["kommune"], topics=["brennpunkte"])

    def grow() -> None:
        slugs = list(Authority.objects.order_by("slug").values_list("slug", flat=True))
        group("Ländlich", *slugs[:10])
        group("Mittelstädte", *slugs[10:20])
        for n, slug in enumerate(slugs[:20]):
            held(
                slug,
                kpb_a_user,
                categories=["kommune", "zoll"],
                topics=["sicherheitslage"],
                month=1 + n % 11,
            )

    assert_constant_queries(client_for(lzpd_user), URL, grow)
