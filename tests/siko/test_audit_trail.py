"""The readable audit trail (/protokoll/) and the LZPD's page for access and erasure requests."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from authorities.models import Contact
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
URL = reverse("audit_log")


def entries_on(page: str) -> int:
    return page.count("<tr>") - 1  # the header row


def test_kpb_sees_only_its_own_authoritys_entries(kpb_a_user, kpb_b_user):
    make_conference(kpb_a_user, title="SiKo Dortmund Frühjahr")
    make_conference(kpb_b_user, title="SiKo Borken Frühjahr")

    page = client_for(kpb_a_user).get(URL).content.decode()

    assert "SiKo Dortmund Frühjahr" in page and "Konferenz angelegt" in page
    assert "SiKo Borken Frühjahr" not in page
    assert kpb_b_user.username not in page


def test_lzpd_filters_by_authority_user_object_and_date(lzpd_user, kpb_a_user, kpb_b_user):
    own = make_conference(kpb_a_user, title="SiKo Dortmund Frühjahr")
    make_conference(kpb_b_user, title="SiKo Borken Frühjahr")
    old = AuditEntry.objects.get(object_id=str(own.pk), action="conference.created")
    AuditEntry.objects.filter(pk=old.pk).update(created=datetime(2024, 3, 1, 12, tzinfo=BERLIN))
    client = client_for(lzpd_user)

    by_authority = client.get(URL, {"authority": kpb_b_user.authority_id}).content.decode()
    by_user = client.get(URL, {"actor": kpb_a_user.pk}).content.decode()
    by_object = client.get(
        URL, {"object_type": "conferences.Conference", "object_id": own.pk}
    ).content.decode()
    by_date = client.get(URL, {"since": "2024-02-01", "until": "2024-03-31"}).content.decode()

    assert "SiKo Borken" in by_authority and "SiKo Dortmund" not in by_authority
    assert "SiKo Dortmund" in by_user and "SiKo Borken" not in by_user
    assert "SiKo Dortmund" in by_object and "SiKo Borken" not in by_object
    assert entries_on(by_date) == 1 and "01.03.2024" in by_date


def test_a_reversed_date_range_is_refused_in_german(lzpd_user):
    page = client_for(lzpd_user).get(URL, {"since": "2025-02-01", "until": "2025-01-01"})

    assert page.status_code == 200
    assert "„bis“ liegt vor „von“." in page.content.decode()


def test_audit_log_needs_constant_queries_and_pages_by_fifty(lzpd_user, kpb_a_user):
    client = client_for(lzpd_user)
    make_conference(kpb_a_user, title="SiKo 0")  # an empty page needs no row query at all

    def grow() -> None:
        for number in range(1, 60):
            make_conference(kpb_a_user, title=f"SiKo {number}")

    assert_constant_queries(client, URL, grow)
    page = client.get(URL, {"actor": kpb_a_user.pk}).content.decode()
    assert entries_on(page) == 50
    assert f"actor={kpb_a_user.pk}&amp;page=2" in page


def test_lzpd_downloads_an_access_report_and_erases_through_the_page(lzpd_user):
    Contact.objects.create(
        agency_id=Contact._meta.get_field("agency")
        .related_model.objects.get(slug="sta-dortmund")
        .pk,
        name="Dr. Erika Muster",
        function="Leitende Oberstaatsanwältin",
        email="erika.muster@sta-dortmund.example",
    )
    client = client_for(lzpd_user)
    url = reverse("personal_data")

    download = client.post(url, {"email": "Erika.Muster@sta-dortmund.example", "export": "1"})
    refused = client.post(url, {"email": "erika.muster@sta-dortmund.example", "erase": "1"})
    invalid = client.post(url, {"email": "kein Adresse", "export": "1"})

    assert download["Content-Disposition"].startswith('attachment; filename="auskunft-')
    rows = json.loads(download.content)["data"]["contacts"]["rows"]
    assert [row["name"] for row in rows] == ["Dr. Erika Muster"]
    assert "Bitte bestätigen Sie die Löschung ausdrücklich." in refused.content.decode()
    assert Contact.objects.filter(name="Dr. Erika Muster").exists()
    assert invalid.status_code == 200
    assert 'id="id_email_error"' in invalid.content.decode()  # Django's own German message

    erased = client.post(
        url,
        {"email": "erika.muster@sta-dortmund.example", "erase": "1", "confirm_erase": "on"},
        follow=True,
    )

    assert "1 Datensätze zu der Adresse wurden gelöscht oder pseudonymisiert." in (
        erased.content.decode()
    )
    assert not Contact.objects.filter(name="Dr. Erika Muster").exists()
    entry = AuditEntry.objects.get(action="personal_data.erased")
    assert entry.actor == lzpd_user
    assert "erika" not in entry.object_repr.lower()
    assert "Personenbezogene Daten gelöscht" in client.get(URL).content.decode()


def test_a_contacts_delete_page_says_what_stays_and_links_the_lzpd_to_full_erasure(
    lzpd_user, kpb_a_user
):
    agency = Contact._meta.get_field("agency").related_model.objects.get(slug="kommune-dortmund")
    contact = Contact.objects.create(
        agency=agency,
        name="Hans Beispiel",
        function="Dezernent",
        email="h.beispiel@dortmund.example",
    )
    url = reverse("authorities:contact_delete", args=[agency.slug, contact.pk])

    lzpd_page = client_for(lzpd_user).get(url).content.decode()
    kpb_page = client_for(kpb_a_user).get(url).content.decode()
    erasure = client_for(lzpd_user).get(
        reverse("personal_data"), {"email": "h.beispiel@dortmund.example"}
    )

    link = reverse("personal_data") + "?email=h.beispiel%40dortmund.example"
    assert "bis zum Ablauf der Aufbewahrungsfrist erhalten" in kpb_page
    assert link in lzpd_page and reverse("personal_data") not in kpb_page.split("<footer")[0]
    assert 'value="h.beispiel@dortmund.example"' in erasure.content.decode()
