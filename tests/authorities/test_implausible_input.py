"""Bad input found from outside (issue 10), in the directory and the R7 records: a German field
error, the form again with status 200, and no row changed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.csv_io import parse_partner_csv
from authorities.models import Exercise, Hospitation, PartnerAgency
from siko.validation import add_years
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _window_error() -> str:
    today = timezone.localdate()
    return (
        f"Bitte geben Sie ein Datum zwischen dem {add_years(today, -10):%d.%m.%Y} und dem "
        f"{add_years(today, 10):%d.%m.%Y} an."
    )


# R7 dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01", "0001-01-02"),
        ("2025-04-01", "9999-12-31"),
    ],
)
def test_hospitation_outside_the_window_is_refused(kpb_a_user, start, end):
    response = client_for(kpb_a_user).post(
        reverse("authorities:hospitation_create"),
        {
            "agency_name": "Feuerwehr Dortmund",
            "direction": "outgoing",
            "start_date": start,
            "end_date": end,
            "participants": "1",
        },
    )

    assert response.status_code == 200
    assert _window_error() in response.content.decode()
    assert not Hospitation.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", f"{timezone.localdate().year + 11}-06-01"])
def test_exercise_outside_the_window_is_refused(kpb_a_user, day):
    response = client_for(kpb_a_user).post(
        reverse("authorities:exercise_create"),
        {
            "organiser": "Stadt Dortmund",
            "title": "Stromausfall",
            "date": day,
            "liaison_took_part": "on",
        },
    )

    assert response.status_code == 200
    assert _window_error() in response.content.decode()
    assert not Exercise.objects.exists()


def test_exercise_within_the_window_is_recorded(kpb_a_user):
    response = client_for(kpb_a_user).post(
        reverse("authorities:exercise_create"),
        {
            "organiser": "Stadt Dortmund",
            "title": "Stromausfall",
            "date": "2025-09-09",
            "liaison_took_part": "on",
        },
    )

    assert response.status_code == 302
    assert Exercise.objects.count() == 1


# Partner names ---------------------------------------------------------------------------------


def test_partner_name_differing_only_in_case_and_spacing_is_refused(kpb_a_user):
    before = PartnerAgency.objects.count()

    response = client_for(kpb_a_user).post(
        reverse("authorities:partner_create"),
        {
            "name": "  staatsanwaltschaft   DORTMUND ",
            "category": "staatsanwaltschaft",
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert (
        "„staatsanwaltschaft DORTMUND“ steht bereits im Verzeichnis (als „Staatsanwaltschaft "
        "Dortmund“)."
    ) in response.content.decode()
    assert PartnerAgency.objects.count() == before


def test_partner_of_another_area_is_named_as_such(kpb_b_user):
    before = PartnerAgency.objects.count()

    response = client_for(kpb_b_user).post(
        reverse("authorities:partner_create"),
        {"name": "Staatsanwaltschaft  dortmund", "category": "staatsanwaltschaft"},
    )

    assert response.status_code == 200
    assert (
        "ist aber nicht für den Bereich Ihrer Behörde zuständig. Änderungen daran nimmt das "
        "LZPD vor."
    ) in response.content.decode()
    assert PartnerAgency.objects.count() == before


def test_renaming_a_partner_to_a_variant_of_another_is_refused(kpb_a_user):
    agency = PartnerAgency.objects.get(slug="kommune-dortmund")  # Dortmund's area alone
    before = PartnerAgency.objects.filter(pk=agency.pk).values().get()

    response = client_for(kpb_a_user).post(
        reverse("authorities:partner_update", kwargs={"slug": agency.slug}),
        {"name": "STAATSANWALTSCHAFT Dortmund", "category": agency.category, "active": "on"},
    )

    assert response.status_code == 200
    assert "steht bereits im Verzeichnis" in response.content.decode()
    assert PartnerAgency.objects.filter(pk=agency.pk).values().get() == before


def test_partner_keeps_its_own_name_in_another_spelling(kpb_a_user):
    agency = PartnerAgency.objects.get(slug="kommune-dortmund")  # Dortmund's area alone

    response = client_for(kpb_a_user).post(
        reverse("authorities:partner_update", kwargs={"slug": agency.slug}),
        {"name": f"  {agency.name.upper()} ", "category": agency.category, "active": "on"},
    )

    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.name == "STADT DORTMUND"


def test_new_partner_name_is_stored_with_single_spaces(kpb_a_user):
    client_for(kpb_a_user).post(
        reverse("authorities:partner_create"),
        {"name": "Jugendamt   der Stadt  Dortmund", "category": "jugendamt", "active": "on"},
    )

    assert PartnerAgency.objects.filter(name="Jugendamt der Stadt Dortmund").count() == 1


def test_form_and_csv_import_treat_the_same_names_as_one(kpb_a_user):
    """The CSV import matches the row to the existing agency; the form refuses the same name."""
    preview = parse_partner_csv(
        b"name;category\r\n  STAATSANWALTSCHAFT  dortmund;staatsanwaltschaft\r\n",
        user=kpb_a_user,
    )
    response = client_for(kpb_a_user).post(
        reverse("authorities:partner_create"),
        {"name": "  STAATSANWALTSCHAFT  dortmund", "category": "staatsanwaltschaft"},
    )

    assert preview.rows[0].agency == PartnerAgency.objects.get(slug="sta-dortmund")
    assert "steht bereits im Verzeichnis" in response.content.decode()
