"""R7: Hospitationen and crisis-staff exercises per authority, their yearly figures and what
they contribute to compliance (a soft rule: counted, never a breach)."""

from datetime import date

import pytest
from django.urls import reverse

from authorities.models import Authority, Exercise, Hospitation, PartnerAgency
from reports.compliance import compute_compliance
from tests.conftest import client_for
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def _hospitation(authority, **extra):
    values = {
        "agency": PartnerAgency.objects.get(slug="sta-dortmund"),
        "direction": "outgoing",
        "start_date": date(2025, 3, 3),
        "end_date": date(2025, 3, 5),
        "participants": 2,
    }
    values.update(extra)
    return Hospitation.objects.create(authority=authority, **values)


def _exercise(authority, **extra):
    values = {
        "organiser": "Stadt Dortmund",
        "title": "Stromausfall",
        "date": date(2025, 9, 9),
        "liaison_took_part": True,
    }
    values.update(extra)
    return Exercise.objects.create(authority=authority, **values)


def test_kpb_records_a_hospitation(kpb_a_user):
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    response = client_for(kpb_a_user).post(
        reverse("authorities:hospitation_create"),
        {
            "agency": agency.pk,
            "direction": "incoming",
            "start_date": "2025-04-01",
            "end_date": "2025-04-02",
            "participants": "3",
            "notes": "Ablauf Haftsachen",
        },
    )

    assert response.status_code == 302
    hospitation = Hospitation.objects.get()
    assert (hospitation.authority.slug, hospitation.partner_name, hospitation.participants) == (
        "pp-dortmund",
        "Staatsanwaltschaft Dortmund",
        3,
    )


def test_hospitation_ending_before_it_starts_is_refused(kpb_a_user):
    response = client_for(kpb_a_user).post(
        reverse("authorities:hospitation_create"),
        {
            "agency_name": "Feuerwehr Dortmund",
            "direction": "outgoing",
            "start_date": "2025-04-03",
            "end_date": "2025-04-01",
            "participants": "1",
        },
    )

    assert response.status_code == 200
    assert "Das Ende darf nicht vor dem Beginn liegen." in response.content.decode()
    assert not Hospitation.objects.exists()


def test_hospitation_without_any_agency_is_refused(kpb_a_user):
    response = client_for(kpb_a_user).post(
        reverse("authorities:hospitation_create"),
        {
            "direction": "outgoing",
            "start_date": "2025-04-01",
            "end_date": "2025-04-01",
            "participants": "1",
        },
    )
    assert "Bitte wählen Sie eine Partnerbehörde" in response.content.decode()
    assert not Hospitation.objects.exists()


def test_kpb_records_and_edits_an_exercise(kpb_a_user):
    client = client_for(kpb_a_user)
    client.post(
        reverse("authorities:exercise_create"),
        {"organiser": "Stadt Dortmund", "title": "Hochwasser", "date": "2025-06-01"},
    )
    exercise = Exercise.objects.get()
    assert exercise.liaison_took_part is False

    client.post(
        reverse("authorities:exercise_update", args=[exercise.pk]),
        {
            "organiser": "Stadt Dortmund",
            "title": "Hochwasser",
            "date": "2025-06-01",
            "liaison_took_part": "on",
        },
    )

    exercise.refresh_from_db()
    assert exercise.liaison_took_part is True


def test_kpb_b_cannot_see_or_edit_kpb_a_records(kpb_a_user, kpb_b_user):
    exercise = _exercise(kpb_a_user.authority, title="Nur Dortmund")
    client = client_for(kpb_b_user)

    assert "Nur Dortmund" not in client.get(reverse("authorities:exercise_list")).content.decode()
    assert client.get(reverse("authorities:exercise_update", args=[exercise.pk])).status_code == 404


def test_edit_links_only_for_those_who_may_edit(kpb_a_user, lzpd_user, admin_user):
    exercise = _exercise(kpb_a_user.authority)
    hospitation = _hospitation(kpb_a_user.authority)
    edit_exercise = f'href="{reverse("authorities:exercise_update", args=[exercise.pk])}"'
    edit_hospitation = f'href="{reverse("authorities:hospitation_update", args=[hospitation.pk])}"'

    def pages(user):
        client = client_for(user)
        return (
            client.get(reverse("authorities:exercise_list")).content.decode()
            + client.get(reverse("authorities:hospitation_list")).content.decode()
        )

    kpb, lzpd, admin = pages(kpb_a_user), pages(lzpd_user), pages(admin_user)

    assert (edit_exercise in kpb, edit_hospitation in kpb) == (True, True)
    assert (edit_exercise in admin, edit_hospitation in admin) == (True, True)
    assert (edit_exercise in lzpd, edit_hospitation in lzpd) == (False, False)


def test_lists_show_figures_per_year(kpb_a_user):
    authority = kpb_a_user.authority
    _hospitation(authority, participants=2)
    _hospitation(authority, participants=4, start_date=date(2025, 7, 1), end_date=date(2025, 7, 1))
    _exercise(authority)
    _exercise(authority, liaison_took_part=False)
    client = client_for(kpb_a_user)

    hospitations = client.get(reverse("authorities:hospitation_list")).context["figures"]
    exercises = client.get(reverse("authorities:exercise_list")).context["figures"]

    assert hospitations == [{"year": 2025, "count": 2, "second": 6}]
    assert exercises == [{"year": 2025, "count": 2, "second": 1}]


def test_lzpd_filters_the_list_by_authority(lzpd_user):
    _exercise(Authority.objects.get(slug="pp-dortmund"), title="Dortmunder Übung")
    _exercise(Authority.objects.get(slug="lr-borken"), title="Borkener Übung")

    page = (
        client_for(lzpd_user)
        .get(reverse("authorities:exercise_list") + "?behoerde=lr-borken")
        .content.decode()
    )

    assert "Borkener Übung" in page and "Dortmunder Übung" not in page


def test_compliance_counts_exercises_with_liaison_and_hospitations():
    dortmund = Authority.objects.get(slug="pp-dortmund")
    _exercise(dortmund)
    _exercise(dortmund, liaison_took_part=False)
    _exercise(dortmund, date=date(2024, 1, 1))
    _hospitation(dortmund)

    record = compute_compliance([2025], authorities=[dortmund], as_of=date(2026, 1, 1))[0]

    assert (record.exercise_participation, record.hospitations) == (1, 1)
    assert record.status == "breach"  # soft rule: no conference held, whatever R7 says


def test_r7_list_queries_do_not_grow(kpb_a_user, lzpd_user):
    authority = kpb_a_user.authority

    def grow():
        for day in range(1, 6):
            _hospitation(authority, start_date=date(2024, 2, day), end_date=date(2024, 2, day))
            _exercise(authority, date=date(2023, 2, day))

    _hospitation(authority)
    _exercise(authority)
    for user in (kpb_a_user, lzpd_user):
        for name in ("authorities:hospitation_list", "authorities:exercise_list"):
            assert_constant_queries(client_for(user), reverse(name), grow)
